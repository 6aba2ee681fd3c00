/*
** member.c: what a name is on a bridged object, decided before anything is invoked.
**
** A property read never calls a method. Whether a name is a method is decided from
** what the object says about itself:
**   1. its type information (IDispatch::GetTypeInfo; for the SWbem* objects whose
**      GetTypeInfo fails, as Wine's SWbemObject does, the interface's description in
**      the registered WbemScripting type library, found by the interface the object
**      answers QueryInterface for): FUNCDESC.invkind;
**   2. for the members WMI adds at run time (the properties and methods of a WMI
**      class), the object's Methods_ collection: Methods_.Item(name) succeeds for a
**      method and fails for a property (and a Count of 0 says no name is a method).
**      Wine implements Methods_.Item with IWbemClassObject::GetMethod, Windows with
**      its schema. An SWbemObject's Methods_ is read once and kept with the object,
**      for all its names. Objects without Methods_ are asked Properties_.Item(name);
**   3. an object that tells nothing gets property reads (DISPATCH_PROPERTYGET alone)
**      and explicit calls through core.call(obj, name, ...).
** Declared parameter types shape the arguments (dispatch.c): a nil for an interface
** parameter is Nothing, a trailing nil for an optional one is left out, and an
** unsigned 32-bit integer for a long parameter passes as its bit pattern.
** What was found is cached per object and name (the object's user value 2); what a
** type says is shared by the objects of its interface (below).
*/
#include "wbem.h"

#include <wbemdisp.h>
#include <dispex.h>
#include <string.h>

typedef wbem_object object;
typedef wbem_member member;

/* ---- type information -------------------------------------------------------- */

/* The scripting interfaces, most derived first, for objects whose GetTypeInfo fails. */
static const IID *const swbem_iids[] = {
  &IID_ISWbemObjectEx, &IID_ISWbemObject, &IID_ISWbemServicesEx, &IID_ISWbemServices,
  &IID_ISWbemObjectSet, &IID_ISWbemLocator, &IID_ISWbemObjectPath, &IID_ISWbemNamedValueSet,
  &IID_ISWbemNamedValue, &IID_ISWbemPropertySet, &IID_ISWbemProperty, &IID_ISWbemMethodSet,
  &IID_ISWbemMethod, &IID_ISWbemQualifierSet, &IID_ISWbemQualifier, &IID_ISWbemSecurity,
  &IID_ISWbemPrivilegeSet, &IID_ISWbemPrivilege, &IID_ISWbemLastError, &IID_ISWbemSink,
  &IID_ISWbemEventSource, &IID_ISWbemDateTime, &IID_ISWbemRefresher, &IID_ISWbemRefreshableItem,
};

/* The WbemScripting library's ITypeInfo of one interface, loaded once per Lua
** state: loading it for every object that WMI hands out costs more than the
** object's own property reads. The registry table TI_CACHE maps the IID to a
** userdata that holds the reference (released by its __gc). */
#define TI_CACHE "wbem.typeinfo.cache"
#define TI_META  "wbem.typeinfo"

static int ti_gc(lua_State *L) {
  ITypeInfo **p = (ITypeInfo **)luaL_checkudata(L, 1, TI_META);
  if (*p) ITypeInfo_Release(*p);
  *p = NULL;
  return 0;
}

static ITypeInfo *library_typeinfo(lua_State *L, REFIID iid) {
  ITypeInfo **p, *ti = NULL;
  ITypeLib *lib = NULL;
  lua_getfield(L, LUA_REGISTRYINDEX, TI_CACHE);
  lua_pushlstring(L, (const char *)iid, sizeof(IID));
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {
    ti = *(ITypeInfo **)lua_touserdata(L, -1);   /* NULL: the library doesn't have it */
    lua_pop(L, 2);
    return ti;
  }
  lua_pop(L, 1);
  p = (ITypeInfo **)lua_newuserdatauv(L, sizeof(ITypeInfo *), 0);
  *p = NULL;
  luaL_setmetatable(L, TI_META);
  if (SUCCEEDED(LoadRegTypeLib(&LIBID_WbemScripting, 1, 2, LOCALE_NEUTRAL, &lib))) {
    if (FAILED(ITypeLib_GetTypeInfoOfGuid(lib, iid, &ti))) ti = NULL;
    ITypeLib_Release(lib);
  }
  *p = ti;
  lua_pushlstring(L, (const char *)iid, sizeof(IID));
  lua_insert(L, -2);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return ti;
}

static ITypeInfo *swbem_typeinfo(lua_State *L, IDispatch *disp) {
  size_t i;
  for (i = 0; i < sizeof(swbem_iids) / sizeof(swbem_iids[0]); i++) {
    IUnknown *unk = NULL;
    if (SUCCEEDED(IDispatch_QueryInterface(disp, swbem_iids[i], (void **)&unk)) && unk) {
      ITypeInfo *ti;
      IUnknown_Release(unk);
      /* Wine's library lacks the *Ex interfaces: their base ones come next in the list */
      if ((ti = library_typeinfo(L, swbem_iids[i])) != NULL) {
        ITypeInfo_AddRef(ti);
        return ti;
      }
    }
  }
  return NULL;
}

static ITypeInfo *typeinfo(lua_State *L, object *o) {
  if (!o->ti_done) {
    UINT count = 0;
    o->ti_done = 1;
    if (SUCCEEDED(IDispatch_GetTypeInfoCount(o->ref.disp, &count)) && count > 0 &&
        FAILED(IDispatch_GetTypeInfo(o->ref.disp, 0, LOCALE_USER_DEFAULT, &o->ti)))
      o->ti = NULL;
    if (o->ti == NULL) o->ti = swbem_typeinfo(L, o->ref.disp);
  }
  return o->ti;
}

/* Whether a parameter's type is an interface pointer. */
static int is_interface(ITypeInfo *ti, const TYPEDESC *td) {
  ITypeInfo *ref = NULL;
  TYPEATTR *ta;
  int r = 0;
  if (td->vt == VT_DISPATCH || td->vt == VT_UNKNOWN) return 1;
  if (td->vt != VT_PTR || td->lptdesc == NULL) return 0;
  td = td->lptdesc;
  if (td->vt == VT_DISPATCH || td->vt == VT_UNKNOWN) return 0;   /* IDispatch**: an out pointer */
  if (td->vt != VT_USERDEFINED) return 0;
  if (FAILED(ITypeInfo_GetRefTypeInfo(ti, td->hreftype, &ref))) return 0;
  if (SUCCEEDED(ITypeInfo_GetTypeAttr(ref, &ta))) {
    r = ta->typekind == TKIND_INTERFACE || ta->typekind == TKIND_DISPATCH ||
        ta->typekind == TKIND_COCLASS;
    ITypeInfo_ReleaseTypeAttr(ref, ta);
  }
  ITypeInfo_Release(ref);
  return r;
}

static void describe_params(ITypeInfo *ti, const FUNCDESC *fd, member *m) {
  SHORT p;
  m->ntyped = 0;
  for (p = 0; p < fd->cParams && m->ntyped < WBEM_MAX_TYPED_PARAMS; p++) {
    const ELEMDESC *ed = &fd->lprgelemdescParam[p];
    USHORT f = ed->paramdesc.wParamFlags;
    int opt = (f & (PARAMFLAG_FOPT | PARAMFLAG_FHASDEFAULT)) != 0;
    if (f & (PARAMFLAG_FRETVAL | PARAMFLAG_FLCID)) continue;
    m->optional[m->ntyped] = (unsigned char)opt;
    m->is_long[m->ntyped] = ed->tdesc.vt == VT_I4 || ed->tdesc.vt == VT_INT ||
                            ed->tdesc.vt == VT_HRESULT || ed->tdesc.vt == VT_ERROR;
    if (is_interface(ti, &ed->tdesc)) m->nils[m->ntyped] = WBEM_NIL_NOTHING;
    else if (opt && ed->tdesc.vt != VT_VARIANT) m->nils[m->ntyped] = WBEM_NIL_MISSING;
    else m->nils[m->ntyped] = WBEM_NIL_EMPTY;
    m->ntyped++;
  }
}

/* Fills m from the type's descriptions of memid; 0 when the type doesn't know it. */
static int classify_typeinfo(ITypeInfo *ti, MEMBERID memid, member *m) {
  TYPEATTR *ta;
  UINT i;
  int found = 0, get = 0, func = 0, required = 0, max = 0, vararg = 0;
  if (FAILED(ITypeInfo_GetTypeAttr(ti, &ta))) return 0;
  for (i = 0; i < ta->cFuncs; i++) {
    FUNCDESC *fd;
    if (FAILED(ITypeInfo_GetFuncDesc(ti, i, &fd))) continue;
    if (fd->memid == memid) {
      found = 1;
      if (fd->invkind & INVOKE_PROPERTYPUT) m->put = 1;
      if (fd->invkind & INVOKE_PROPERTYPUTREF) m->putref = 1;
      if (fd->invkind & (INVOKE_FUNC | INVOKE_PROPERTYGET)) {
        SHORT p;
        if (fd->invkind & INVOKE_FUNC) func = 1;
        else get = 1;
        required = max = 0;
        for (p = 0; p < fd->cParams; p++) {
          USHORT f = fd->lprgelemdescParam[p].paramdesc.wParamFlags;
          if (f & (PARAMFLAG_FRETVAL | PARAMFLAG_FLCID)) continue;
          max++;
          if (!(f & (PARAMFLAG_FOPT | PARAMFLAG_FHASDEFAULT))) required++;
        }
        vararg = fd->cParamsOpt == -1;
        describe_params(ti, fd, m);
      }
    }
    ITypeInfo_ReleaseFuncDesc(ti, fd);
  }
  for (i = 0; i < ta->cVars; i++) {   /* properties a dispinterface declares as variables */
    VARDESC *vd;
    if (FAILED(ITypeInfo_GetVarDesc(ti, i, &vd))) continue;
    if (vd->memid == memid) {
      found = get = 1;
      if (!(vd->wVarFlags & VARFLAG_FREADONLY)) m->put = m->putref = 1;
    }
    ITypeInfo_ReleaseVarDesc(ti, vd);
  }
  ITypeInfo_ReleaseTypeAttr(ti, ta);
  if (!found) return 0;
  m->source = WBEM_SRC_TYPEINFO;
  m->maxargs = vararg ? -1 : max;
  if (func) {
    m->kind = WBEM_KIND_METHOD;
    m->callflags = DISPATCH_METHOD;
  } else if (get && required > 0) {
    /* A property that needs arguments (Dictionary.Item(key)) is read by calling it. */
    m->kind = WBEM_KIND_METHOD;
    m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
  } else {
    m->kind = WBEM_KIND_PROPERTY;
    m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
  }
  return 1;
}

/* ---- what is shared between objects -------------------------------------------- */

/* What a type says is the same for every object of its interface, so it is kept
** once per type in a registry table shared by all objects:
**   TYPE_CACHE  ITypeInfo (light userdata) -> { [memid] = member template | false
**                 (not declared), [name] = declared a property without arguments }
** A template is a member as a string of bytes, its id left out: DISPIDs of WMI's
** members may differ between objects, so GetIDsOfNames stays per object. An object
** finds its interface's table through its user value 3 (false: none to share).
** What WMI adds (its classes' properties and methods) is asked per object, but
** cheaply: see ask_methods. */
#define TYPE_CACHE  "wbem.member.types"
#define UV_TYPE  3
#define PIN_KEY  (LUA_MININTEGER)   /* no memid: DISPIDs are 32-bit */

static void push_template(lua_State *L, const member *m) {
  lua_pushlstring(L, (const char *)m, sizeof *m);
}

static void from_template(lua_State *L, int idx, member *m) {
  DISPID id = m->id;
  memcpy(m, lua_tostring(L, idx), sizeof *m);
  m->id = id;
}

/* Pushes the shared table of ti, created (and ti pinned by it, so that its address
** cannot name another type later) if missing. */
static void push_shared(lua_State *L, ITypeInfo *ti) {
  lua_getfield(L, LUA_REGISTRYINDEX, TYPE_CACHE);
  if (lua_rawgetp(L, -1, ti) != LUA_TTABLE) {
    ITypeInfo **pin;
    lua_pop(L, 1);
    lua_newtable(L);
    pin = (ITypeInfo **)lua_newuserdatauv(L, sizeof(ITypeInfo *), 0);
    *pin = NULL;
    luaL_setmetatable(L, TI_META);
    ITypeInfo_AddRef(ti);
    *pin = ti;
    lua_rawseti(L, -2, PIN_KEY);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, ti);
  }
  lua_remove(L, -2);
}

/* Pushes the shared table of the object's type and returns 1, or returns 0 with
** nothing pushed when there is none to share. Only types of a type library are
** shared: a library's types do not change, while a script engine's type of a code
** object grows with the code (and Wine's VBScript gives every such type one GUID). */
static int push_type_entry(lua_State *L, int obj, object *o) {
  ITypeInfo *ti;
  ITypeLib *lib = NULL;
  UINT index;
  int t = lua_getiuservalue(L, obj, UV_TYPE);
  if (t == LUA_TTABLE) return 1;
  lua_pop(L, 1);
  if (t == LUA_TBOOLEAN) return 0;
  ti = typeinfo(L, o);
  if (ti == NULL || FAILED(ITypeInfo_GetContainingTypeLib(ti, &lib, &index)) || lib == NULL) {
    lua_pushboolean(L, 0);
    lua_setiuservalue(L, obj, UV_TYPE);
    return 0;
  }
  ITypeLib_Release(lib);
  push_shared(L, ti);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, obj, UV_TYPE);
  return 1;
}

/* Fills m from the type's description of m->id; 0 when the type does not declare it. */
static int typed_member(lua_State *L, int obj, object *o, member *m) {
  ITypeInfo *ti = typeinfo(L, o);
  int found = 0;
  if (ti == NULL) return 0;
  if (!push_type_entry(L, obj, o)) return classify_typeinfo(ti, m->id, m);
  switch (lua_rawgeti(L, -1, m->id)) {
    case LUA_TSTRING: from_template(L, -1, m); found = 1; break;
    case LUA_TNIL:
      found = classify_typeinfo(ti, m->id, m);
      if (found) push_template(L, m); else lua_pushboolean(L, 0);
      lua_rawseti(L, -3, m->id);
      break;
    default: break;   /* false: not declared */
  }
  lua_pop(L, 2);
  return found;
}

/* Whether the object's type declares name as a property without arguments. */
static int typed_property(lua_State *L, int obj, object *o, const WCHAR *name, const char *key) {
  ITypeInfo *ti = typeinfo(L, o);
  LPOLESTR n = (LPOLESTR)name;
  MEMBERID id;
  member m;
  int shared, r;
  if (ti == NULL) return 0;
  if ((shared = push_type_entry(L, obj, o)) && lua_getfield(L, -1, key) == LUA_TBOOLEAN) {
    r = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return r;
  }
  memset(&m, 0, sizeof m);
  r = SUCCEEDED(ITypeInfo_GetIDsOfNames(ti, &n, 1, &id)) && classify_typeinfo(ti, id, &m) &&
      m.kind == WBEM_KIND_PROPERTY;
  if (shared) {
    lua_pop(L, 1);
    lua_pushboolean(L, r);
    lua_setfield(L, -2, key);
    lua_pop(L, 1);
  }
  return r;
}

/* coll.Item(name, 0): S_OK when the collection has name. */
static HRESULT collection_has(IDispatch *coll, BSTR name) {
  VARIANT argv[2], result;
  HRESULT hr;
  V_VT(&argv[0]) = VT_BSTR;  V_BSTR(&argv[0]) = name;
  V_VT(&argv[1]) = VT_I4;    V_I4(&argv[1]) = 0;
  hr = wbem_disp_call(coll, L"Item", DISPATCH_METHOD, argv, 2, &result);
  VariantClear(&result);
  return hr;
}

/* Objects of script engines (IDispatchEx) find names GetIDsOfNames does not know. */
static HRESULT lookup_id(IDispatch *disp, BSTR name, DISPID *id) {
  IDispatchEx *ex = NULL;
  HRESULT hr = wbem_disp_id(disp, name, id);
  if (SUCCEEDED(hr)) return hr;
  if (SUCCEEDED(IDispatch_QueryInterface(disp, &IID_IDispatchEx, (void **)&ex)) && ex) {
    HRESULT hr2 = IDispatchEx_GetDispID(ex, name, fdexNameCaseInsensitive, id);
    IDispatchEx_Release(ex);
    if (SUCCEEDED(hr2)) return hr2;
  }
  return hr;
}

/* IDispatchEx::GetMemberProperties says whether a member can be called or read. */
static int classify_dispex(IDispatch *disp, DISPID id, member *m) {
  IDispatchEx *ex = NULL;
  DWORD props = 0;
  HRESULT hr;
  if (FAILED(IDispatch_QueryInterface(disp, &IID_IDispatchEx, (void **)&ex)) || ex == NULL) return 0;
  hr = IDispatchEx_GetMemberProperties(ex, id, grfdexPropCanAll, &props);
  IDispatchEx_Release(ex);
  if (FAILED(hr) || !(props & grfdexPropCanAll)) return 0;
  m->source = WBEM_SRC_DISPEX;
  m->maxargs = -1;
  m->put = (props & fdexPropCanPut) != 0;
  m->putref = (props & fdexPropCanPutRef) != 0;
  if ((props & fdexPropCanCall) && !(props & fdexPropCanGet)) {
    m->kind = WBEM_KIND_METHOD;
    m->callflags = DISPATCH_METHOD;
  } else {
    m->kind = WBEM_KIND_PROPERTY;
    m->callflags = DISPATCH_PROPERTYGET;
  }
  return 1;
}

/* The object's Methods_ through its dual interface, read once per object: a class's
** methods do not change under an object of it (SWbemMethodSet has no Add), and each
** read of Methods_ makes the set anew from the class, which costs the provider more
** than the name's own lookup. NULL when the set is empty; 0 when the object does not
** answer ISWbemObject. */
static int object_methods(object *o, ISWbemMethodSet **set) {
  if (!o->methods_done) {
    ISWbemObject *wo = NULL;
    ISWbemMethodSet *s = NULL;
    LONG count = -1;
    HRESULT hr;
    if (FAILED(IDispatch_QueryInterface(o->ref.disp, &IID_ISWbemObject, (void **)&wo)) || wo == NULL)
      return 0;
    hr = ISWbemObject_get_Methods_(wo, &s);
    ISWbemObject_Release(wo);
    if (FAILED(hr) || s == NULL) return 0;
    if (SUCCEEDED(ISWbemMethodSet_get_Count(s, &count)) && count == 0) {
      ISWbemMethodSet_Release(s);
      s = NULL;
    }
    o->methods = s;
    o->methods_done = 1;
  }
  *set = o->methods;
  return 1;
}

/* The same question through the SWbemObject's dual interface: no name lookups (a fresh
** object's GetIDsOfNames is most of what its first read costs), and no failing Item
** call for a class without methods. 0 when the object does not answer ISWbemObject. */
static int ask_methods(object *o, BSTR name, member *m) {
  ISWbemMethodSet *set;
  ISWbemMethod *method = NULL;
  HRESULT hr = E_FAIL;   /* no methods at all: not one of them */
  if (!object_methods(o, &set)) return 0;
  if (set != NULL) {
    hr = ISWbemMethodSet_Item(set, name, 0, &method);
    if (SUCCEEDED(hr) && method) ISWbemMethod_Release(method);
  }
  m->source = WBEM_SRC_WMI;
  m->maxargs = -1;
  m->put = 1;
  if (SUCCEEDED(hr)) {
    m->kind = WBEM_KIND_METHOD;
    m->callflags = DISPATCH_METHOD;
  } else {
    m->kind = WBEM_KIND_PROPERTY;
    m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
  }
  return 1;
}

/* A name WMI added at run time: asks Methods_ (or Properties_) which it is.
** Only objects whose type declares Methods_ (Properties_) as a property are asked:
** reading it is then a property read, as the rule wants. */
static void ask_wmi(lua_State *L, int obj, object *o, BSTR name, member *m) {
  VARIANT set;
  m->kind = WBEM_KIND_PROPERTY;
  m->callflags = DISPATCH_PROPERTYGET;   /* the object told nothing: never let a read call */
  m->maxargs = -1;
  m->source = WBEM_SRC_NONE;
  m->put = 1;
  VariantInit(&set);
  if (typed_property(L, obj, o, L"Methods_", "Methods_") &&
      SUCCEEDED(wbem_disp_get(o->ref.disp, L"Methods_", &set)) &&
      V_VT(&set) == VT_DISPATCH && V_DISPATCH(&set)) {
    m->source = WBEM_SRC_WMI;
    if (SUCCEEDED(collection_has(V_DISPATCH(&set), name))) {
      m->kind = WBEM_KIND_METHOD;
      m->callflags = DISPATCH_METHOD;
    } else
      m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
  } else {
    VariantClear(&set);
    if (typed_property(L, obj, o, L"Properties_", "Properties_") &&
        SUCCEEDED(wbem_disp_get(o->ref.disp, L"Properties_", &set)) &&
        V_VT(&set) == VT_DISPATCH && V_DISPATCH(&set)) {
      m->source = WBEM_SRC_WMI;
      if (SUCCEEDED(collection_has(V_DISPATCH(&set), name)))
        m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
      else {
        m->kind = WBEM_KIND_METHOD;
        m->callflags = DISPATCH_METHOD;
      }
    }
  }
  VariantClear(&set);
}

/* What WMI says of a name: through the dual interface when the object has one, else
** through IDispatch by name. */
static void classify_wmi(lua_State *L, int obj, object *o, BSTR name, member *m) {
  if (!typed_property(L, obj, o, L"Methods_", "Methods_") || !ask_methods(o, name, m))
    ask_wmi(L, obj, o, name, m);
}

/* Pushes the WMI class of an SWbem object (Path_.Class); 0 when there is none. */
int wbem_push_wmi_class(lua_State *L, int obj) {
  object *o = (object *)lua_touserdata(L, obj);
  VARIANT path, cls;
  int pushed = 0;
  obj = lua_absindex(L, obj);
  if (!typed_property(L, obj, o, L"Path_", "Path_")) return 0;
  if (FAILED(wbem_disp_get(o->ref.disp, L"Path_", &path))) return 0;   /* E_NOTIMPL on Wine */
  if (V_VT(&path) == VT_DISPATCH && V_DISPATCH(&path) != NULL &&
      SUCCEEDED(wbem_disp_get(V_DISPATCH(&path), L"Class", &cls))) {
    if (V_VT(&cls) == VT_BSTR && SysStringLen(V_BSTR(&cls)) > 0) {
      wbem_push_bstr(L, V_BSTR(&cls), SysStringLen(V_BSTR(&cls)));
      pushed = 1;
    }
    VariantClear(&cls);
  }
  VariantClear(&path);
  return pushed;
}

/* Pushes the interface name of the object without its leading I ("SWbemObject"). */
void wbem_push_type_name(lua_State *L, int obj) {
  ITypeInfo *ti = typeinfo(L, (object *)lua_touserdata(L, obj));
  BSTR name = NULL;
  if (ti != NULL && SUCCEEDED(ITypeInfo_GetDocumentation(ti, MEMBERID_NIL, &name, NULL, NULL, NULL)) &&
      name != NULL) {
    UINT len = SysStringLen(name);
    const OLECHAR *s = name;
    if (len > 1 && s[0] == L'I' && s[1] >= L'A' && s[1] <= L'Z') { s++; len--; }
    wbem_push_bstr(L, s, len);
    SysFreeString(name);
  } else
    lua_pushliteral(L, "IDispatch");
}

void wbem_push_description(lua_State *L, int obj) {
  object *o = (object *)lua_touserdata(L, obj);
  obj = lua_absindex(L, obj);
  if (o->ref.disp == NULL) lua_pushliteral(L, "closed object");
  else if (!wbem_push_wmi_class(L, obj)) wbem_push_type_name(L, obj);
}

void wbem_object_forget(object *o) {
  if (o->ti) ITypeInfo_Release(o->ti);
  o->ti = NULL;
  if (o->methods) ISWbemMethodSet_Release(o->methods);
  o->methods = NULL;
}

/* ---- members ------------------------------------------------------------------- */

member *wbem_member_get(lua_State *L, int obj, int nameidx, HRESULT *hrp) {
  object *o = (object *)lua_touserdata(L, obj);
  member *m;
  BSTR name;
  DISPID id;
  HRESULT hr;
  if (lua_getiuservalue(L, obj, 2) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, obj, 2);
  }
  lua_pushvalue(L, nameidx);
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {
    lua_remove(L, -2);
    return (member *)lua_touserdata(L, -1);
  }
  lua_pop(L, 1);
  /* the cache is on the stack; the new entry is made before the BSTR, which nothing
  ** raises between its allocation and its release */
  m = (member *)lua_newuserdatauv(L, sizeof(member), 1);
  memset(m, 0, sizeof *m);
  luaL_setmetatable(L, WBEM_MEMBER);
  {
    size_t len;
    const char *s = lua_tolstring(L, nameidx, &len);
    if (strlen(s) != len) luaL_error(L, "wbem: a member name cannot contain a zero byte");
  }
  name = wbem_check_bstr(L, nameidx);
  hr = lookup_id(o->ref.disp, name, &id);
  if (FAILED(hr)) {
    SysFreeString(name);
    lua_pop(L, 2);   /* the new entry and the cache */
    *hrp = hr;
    return NULL;
  }
  m->id = id;
  if (!typed_member(L, obj, o, m) && !classify_dispex(o->ref.disp, id, m))
    classify_wmi(L, obj, o, name, m);
  SysFreeString(name);
  lua_pushvalue(L, nameidx);
  lua_pushvalue(L, -2);
  lua_rawset(L, -4);
  lua_remove(L, -2);
  return m;
}

static const luaL_Reg ti_meta[] = {
  {"__gc", ti_gc},
  {NULL, NULL}
};

void wbem_open_member(lua_State *L) {
  wbem_newmeta(L, WBEM_MEMBER, NULL, NULL);
  wbem_newmeta(L, TI_META, ti_meta, NULL);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, TI_CACHE);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, TYPE_CACHE);
}
