/*
** com.c: the COM apartment of the thread that runs the Lua state.
**
** The module joins a single-threaded apartment on the Lua thread when it loads
** (never in DllMain: COM must not be initialised under the loader lock). A host
** that already put the thread in the multithreaded apartment keeps it:
** CoInitializeEx then answers RPC_E_CHANGED_MODE, which we accept. Every
** successful CoInitializeEx (S_OK, or S_FALSE when the thread was already an
** STA) is balanced by one CoUninitialize when the Lua state closes, through a
** sentinel userdata in the registry. It is created before any bridged object,
** so Lua finalizes it after them (finalizers run in reverse order of marking),
** and COM is still up when the objects release their interfaces.
*/
#include "wbem.h"

#define COM_KEY  "wbem.com"         /* registry: the sentinel of this state */
#define COM_META "wbem.com.sentinel" /* its metatable */

typedef struct com_state {
  int initialised;          /* 1: we owe COM one CoUninitialize */
  DWORD thread;             /* the thread that initialised */
} com_state;

static int com_gc(lua_State *L) {
  com_state *st = (com_state *)luaL_checkudata(L, 1, COM_META);
  /* COM's initialisation count is per thread: only the thread that took it may give it back. */
  if (st->initialised && st->thread == GetCurrentThreadId()) CoUninitialize();
  st->initialised = 0;
  return 0;
}

static const luaL_Reg com_meta[] = {
  {"__gc", com_gc},
  {NULL, NULL}
};

int wbem_com_ensure(lua_State *L) {
  com_state *st;
  HRESULT hr;
  if (lua_getfield(L, LUA_REGISTRYINDEX, COM_KEY) != LUA_TNIL) {
    lua_pop(L, 1);
    return 1;
  }
  lua_pop(L, 1);
  hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
  if (FAILED(hr) && hr != RPC_E_CHANGED_MODE) return wbem_raise(L, hr, "CoInitializeEx", NULL);
  st = (com_state *)lua_newuserdatauv(L, sizeof(com_state), 0);
  st->initialised = SUCCEEDED(hr);
  st->thread = GetCurrentThreadId();
  wbem_newmeta(L, COM_META, com_meta, NULL);
  luaL_setmetatable(L, COM_META);
  lua_setfield(L, LUA_REGISTRYINDEX, COM_KEY);
  return 1;
}

/* core.apartment() -> "sta" | "mta" | "none": what the host and we ended up with. */
static int l_apartment(lua_State *L) {
  APTTYPE type;
  APTTYPEQUALIFIER qualifier;
  if (FAILED(CoGetApartmentType(&type, &qualifier))) lua_pushliteral(L, "none");
  else if (type == APTTYPE_STA || type == APTTYPE_MAINSTA) lua_pushliteral(L, "sta");
  else lua_pushliteral(L, "mta");
  return 1;
}

/* Pushes the settings argument at idx (a table or nothing) as parent for new objects. */
static int settings_arg(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  return idx;
}

/* core.create(progid [, settings]): CoCreateInstance of an automation object.
** progid may also be a CLSID string "{...}". */
static int l_create(lua_State *L) {
  const char *progid = luaL_checkstring(L, 1);
  int parent = settings_arg(L, 2);
  IDispatch **disp = wbem_new_object(L, parent);   /* the holder first (wbem.h) */
  BSTR wid = wbem_check_bstr(L, 1);
  CLSID clsid;
  HRESULT hr;
  hr = wbem_clsid_of(wid, &clsid);
  SysFreeString(wid);
  if (SUCCEEDED(hr)) hr = wbem_create_dispatch(&clsid, disp);
  if (FAILED(hr) || *disp == NULL) {
    lua_pushfstring(L, "create %s", progid);
    return wbem_raise(L, FAILED(hr) ? hr : E_NOINTERFACE, lua_tostring(L, -1), NULL);
  }
  return 1;
}

/* core.get(moniker [, settings]): binds a display name such as
** "winmgmts:{impersonationLevel=impersonate}!\\.\root\cimv2" to its object. */
static int l_get(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  int parent = settings_arg(L, 2);
  IDispatch **disp = wbem_new_object(L, parent);   /* the holder first (wbem.h) */
  BSTR wname = wbem_check_bstr(L, 1);
  IBindCtx *ctx = NULL;
  IMoniker *mk = NULL;
  ULONG eaten = 0;
  HRESULT hr = CreateBindCtx(0, &ctx);
  if (SUCCEEDED(hr)) hr = MkParseDisplayName(ctx, wname, &eaten, &mk);
  if (SUCCEEDED(hr)) hr = IMoniker_BindToObject(mk, ctx, NULL, &IID_IDispatch, (void **)disp);
  if (mk) IMoniker_Release(mk);
  if (ctx) IBindCtx_Release(ctx);
  SysFreeString(wname);
  if (FAILED(hr) || *disp == NULL) {
    lua_pushfstring(L, "get %s", name);
    return wbem_raise(L, FAILED(hr) ? hr : E_NOINTERFACE, lua_tostring(L, -1), NULL);
  }
  return 1;
}

static const luaL_Reg funcs[] = {
  {"create", l_create},
  {"get", l_get},
  {"apartment", l_apartment},
  {NULL, NULL}
};

void wbem_open_com(lua_State *L) {
  wbem_com_ensure(L);
  luaL_setfuncs(L, funcs, 0);
}
