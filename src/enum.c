/*
** enum.c: core.each(collection), a generic-for iterator over _NewEnum.
**
**   for item in core.each(coll) do ... end
**
** The collection's _NewEnum (DISPID_NEWENUM) gives an IEnumVARIANT, held by a
** WBEM_ENUM userdata. each() returns it as the fourth value of the for loop
** too, the to-be-closed one, so a break (or an error) in the loop body closes
** it at once; reaching the end releases it as well. Items inherit the settings
** of the collection.
*/
#include "wbem.h"

typedef struct wbem_enum {
  IEnumVARIANT *e;          /* NULL once finished or closed */
} wbem_enum;

static int enum_close(lua_State *L) {
  wbem_enum *it = (wbem_enum *)luaL_checkudata(L, 1, WBEM_ENUM);
  if (it->e) IEnumVARIANT_Release(it->e);
  it->e = NULL;
  return 0;
}

/* The VARIANT being converted lives in a userdata too, so a Lua error while
** pushing it cannot leak what it holds. */
#define WBEM_ENUM_ITEM "wbem.enum.item"

static int item_gc(lua_State *L) {
  VariantClear((VARIANT *)luaL_checkudata(L, 1, WBEM_ENUM_ITEM));
  return 0;
}

static int enum_step(lua_State *L) {
  wbem_enum *it = (wbem_enum *)luaL_checkudata(L, 1, WBEM_ENUM);
  VARIANT *v;
  ULONG fetched = 0;
  HRESULT hr;
  if (it->e == NULL) return 0;   /* finished or closed: the loop ends */
  v = (VARIANT *)lua_newuserdatauv(L, sizeof(VARIANT), 0);
  VariantInit(v);
  luaL_setmetatable(L, WBEM_ENUM_ITEM);
  hr = IEnumVARIANT_Next(it->e, 1, v, &fetched);
  if (FAILED(hr)) {
    IEnumVARIANT_Release(it->e);
    it->e = NULL;
    return wbem_raise(L, hr, "enumerate a collection", NULL);
  }
  if (hr != S_OK || fetched == 0) {
    VariantClear(v);
    IEnumVARIANT_Release(it->e);
    it->e = NULL;
    return 0;
  }
  lua_getiuservalue(L, 1, 1);    /* the settings the items inherit */
  wbem_push_variant_from(L, v, lua_istable(L, -1) ? -1 : 0);
  VariantClear(v);
  /* An empty element (nil) ends the loop, as a hole ends ipairs; collections of
  ** WMI objects never hold one. */
  return 1;
}

/* core.each(collection) -> step, enum, nil, enum */
static int l_each(lua_State *L) {
  IDispatch *coll = wbem_check_object(L, 1);
  VARIANT r;
  EXCEPINFO ei;
  IUnknown *unk = NULL;
  IEnumVARIANT *e = NULL;
  wbem_enum *it;
  HRESULT hr;
  it = (wbem_enum *)lua_newuserdatauv(L, sizeof(wbem_enum), 1);
  it->e = NULL;
  luaL_setmetatable(L, WBEM_ENUM);
  lua_getiuservalue(L, 1, 1);
  lua_setiuservalue(L, -2, 1);
  hr = wbem_disp_invoke(coll, DISPID_NEWENUM, DISPATCH_PROPERTYGET | DISPATCH_METHOD, NULL, &r,
                        &ei, NULL);
  if (hr == DISP_E_MEMBERNOTFOUND || hr == DISP_E_UNKNOWNNAME) {
    /* the object is not a collection: the caller's mistake, said as such */
    wbem_excepinfo_clear(&ei);
    wbem_push_type_name(L, 1);
    return luaL_error(L, "wbem.each: the object is an %s, which is not a collection (it has no "
                      "_NewEnum)", lua_tostring(L, -1));
  }
  if (FAILED(hr)) {
    wbem_push_error(L, hr, "get _NewEnum of a collection", &ei);
    wbem_excepinfo_clear(&ei);
    return lua_error(L);
  }
  if (V_VT(&r) == VT_UNKNOWN) unk = V_UNKNOWN(&r);
  else if (V_VT(&r) == VT_DISPATCH) unk = (IUnknown *)V_DISPATCH(&r);
  if (unk == NULL) {
    VariantClear(&r);
    return luaL_error(L, "wbem: _NewEnum did not return an object");
  }
  hr = IUnknown_QueryInterface(unk, &IID_IEnumVARIANT, (void **)&e);
  VariantClear(&r);
  if (FAILED(hr) || e == NULL) return wbem_raise(L, FAILED(hr) ? hr : E_NOINTERFACE,
                                                 "get IEnumVARIANT of a collection", NULL);
  it->e = e;
  lua_pushcfunction(L, enum_step);
  lua_insert(L, -2);
  lua_pushnil(L);
  lua_pushvalue(L, -2);
  return 4;
}

static const luaL_Reg enum_meta[] = {
  {"__gc", enum_close},
  {"__close", enum_close},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"each", l_each},
  {NULL, NULL}
};

static const luaL_Reg item_meta[] = {
  {"__gc", item_gc},
  {NULL, NULL}
};

void wbem_open_enum(lua_State *L) {
  wbem_newmeta(L, WBEM_ENUM, enum_meta, NULL);
  wbem_newmeta(L, WBEM_ENUM_ITEM, item_meta, NULL);
  luaL_setfuncs(L, funcs, 0);
}
