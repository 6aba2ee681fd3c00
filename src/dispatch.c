/*
** dispatch.c: the bridged object, a userdata around an IDispatch.
**
**   obj.Name            property get (DISPATCH_PROPERTYGET|DISPATCH_METHOD, as VBScript)
**   obj.Name = v        property put (PROPERTYPUTREF for objects when the type says so)
**   obj:Method(a, b)    method call; obj.Method is a callable bound to obj
**   obj:close(), <close>, __gc   release; afterwards every use raises "object is closed"
**
** What a name is (property or method, its parameters) is member.c's business: a
** property read never calls a method. Declared parameter types shape the arguments:
** a nil for an interface parameter is Nothing, a trailing nil for an optional one is
** left out, and an unsigned 32-bit integer (an HRESULT such as err.hresult) for a long
** parameter passes as its bit pattern.
**
** Out parameters: an argument that is core.out (wbem.out) is passed as a
** VT_BYREF|VT_VARIANT slot, as VBScript passes a variable; the call returns its
** result followed by the values of those slots, in order:
**   local rv, pid = cls:Create("cmd.exe /c exit", nil, nil, wbem.out)
** (Wine 8's SWbemObject answers DISPATCH_METHOD on WMI's own methods with
** E_NOTIMPL; there ExecMethod_ works, which wbem.exec wraps. Such a call is made
** again by the fallback that core.fallback sets: lua/wbem/fallback.lua.)
**
** User values of the userdata: 1 = settings table (the options of the
** connection this object came from), 2 = the member cache.
** Errors found in Lua before COM is called (bad arguments, closed objects,
** read-only properties) are plain Lua errors; failures COM reports are error
** objects (errors.c).
*/
#include "wbem.h"

#include <stdio.h>
#include <string.h>

#define WBEM_ARGS   "wbem.args"     /* VARIANT buffer of one call, cleared by __gc if a call raises */
#define EXT_KEY     "wbem.extensions"
#define OUT_KEY     "wbem.out"
#define FALLBACK_KEY "wbem.fallback"  /* function(obj, name, ...) for WMI methods answered E_NOTIMPL */
#define DATE_KEY    "wbem.date_put"  /* function(t, name) -> the CIM datetime string of a date table */

typedef wbem_object object;
typedef wbem_member member;

typedef struct args {
  UINT n;                  /* VARIANTs in v */
  int busy;                /* the state's shared buffer: a call is using it */
  VARIANT v[1];
} args;

/* The state's shared buffer: VARIANTs enough for a call of up to 7 arguments (each may
** need a slot for an out value) and its result. A call takes it as a to-be-closed slot,
** so that it is cleared when the call returns or raises, without a userdata per call
** (and its finalizer: every property read and method call made one). A call made
** while it is in use (from a finalizer that runs while a call converts its values)
** gets a buffer of its own. */
#define SHARED_VARIANTS 15
static const char shared_args_key = 0;

/* ---- userdata helpers ------------------------------------------------------ */

/* A closed object has a metatable of its own, the same as an open one's but for __gc:
** Lua calls the finalizer of every collected object whose metatable has one, and an
** object its user closed (an event read and let go, say) would cost the collector that
** call for nothing. close() moves the object there. */
#define WBEM_OBJECT_CLOSED "wbem.object.closed"

object *wbem_test_object(lua_State *L, int idx) {
  object *o = (object *)luaL_testudata(L, idx, WBEM_OBJECT);
  if (o == NULL) o = (object *)luaL_testudata(L, idx, WBEM_OBJECT_CLOSED);
  return o;
}

static object *check_object(lua_State *L, int idx) {
  object *o = wbem_test_object(L, idx);
  if (o == NULL) luaL_typeerror(L, idx, WBEM_OBJECT);
  return o;
}

static object *check_open(lua_State *L, int idx) {
  object *o = check_object(L, idx);
  if (o->ref.disp == NULL) luaL_error(L, "wbem: object is closed");
  return o;
}

IDispatch *wbem_check_object(lua_State *L, int idx) {
  return check_open(L, idx)->ref.disp;
}

IDispatch *wbem_to_dispatch(lua_State *L, int idx) {
  wbem_ref *r = (wbem_ref *)wbem_test_object(L, idx);
  if (r == NULL) r = (wbem_ref *)luaL_testudata(L, idx, WBEM_SINK);
  return r ? r->disp : NULL;
}

IDispatch **wbem_new_object(lua_State *L, int parent) {
  object *o;
  if (parent != 0) parent = lua_absindex(L, parent);
  o = (object *)lua_newuserdatauv(L, sizeof(object), WBEM_OBJECT_UVALUES);
  o->ref.disp = NULL;
  o->ti = NULL;
  o->ti_done = 0;
  o->methods = NULL;
  o->methods_done = 0;
  luaL_setmetatable(L, WBEM_OBJECT);
  if (parent != 0) {
    if (lua_type(L, parent) == LUA_TTABLE) lua_pushvalue(L, parent);
    else if (lua_type(L, parent) == LUA_TUSERDATA &&
             (wbem_test_object(L, parent) || luaL_testudata(L, parent, WBEM_SINK)))
      lua_getiuservalue(L, parent, 1);
    else lua_pushnil(L);
    lua_setiuservalue(L, -2, 1);
  }
  return &o->ref.disp;
}

void wbem_push_object(lua_State *L, IDispatch *disp, int parent) {
  IDispatch **slot = wbem_new_object(L, parent);
  IDispatch_AddRef(disp);   /* after the allocation, which may raise */
  *slot = disp;
}

/* __gc and __close; idempotent. */
static int obj_close(lua_State *L) {
  object *o = check_object(L, 1);
  wbem_object_forget(o);
  if (o->ref.disp) IDispatch_Release(o->ref.disp);
  o->ref.disp = NULL;
  lua_pushnil(L);
  lua_setiuservalue(L, 1, 2);   /* the cache's bound methods hold the object */
  luaL_getmetatable(L, WBEM_OBJECT_CLOSED);
  lua_setmetatable(L, 1);       /* index 1: __close gets the error value too */
  return 0;
}

/* Raises the error object for a failed call on obj: "<verb> <Class>.<name>". ei, when
** given, is the caller's and cleared here, after the error object has read it. */
static int raise_com(lua_State *L, int obj, HRESULT hr, const char *verb, const char *name,
                     EXCEPINFO *ei, const char *message) {
  /* the SWbemLastError class of the provider the object came from (settings.last_error) */
  if (lua_getiuservalue(L, obj, 1) != LUA_TTABLE ||
      lua_getfield(L, -1, "last_error") != LUA_TSTRING)
    lua_pushliteral(L, "WbemScripting.SWbemLastError");
  /* The error object first: SWbemLastError must be read before any other WMI call. */
  wbem_push_error_ex(L, hr, NULL, ei, lua_tostring(L, -1));
  if (ei) wbem_excepinfo_clear(ei);
  lua_pushstring(L, verb);
  lua_pushliteral(L, " ");
  wbem_push_description(L, obj);
  lua_pushliteral(L, ".");
  lua_pushstring(L, name);
  lua_concat(L, 5);
  lua_setfield(L, -2, "operation");
  if (message) {
    lua_pushstring(L, message);
    lua_setfield(L, -2, "message");
  }
  return lua_error(L);
}

/* Pushes the member for the name at nameidx of the object at obj; raises the COM error
** when the object does not know the name. */
member *wbem_get_member(lua_State *L, int obj, int nameidx, const char *verb) {
  HRESULT hr = S_OK;
  member *m = wbem_member_get(L, obj, nameidx, &hr);
  if (m == NULL) {
    if (hr == DISP_E_UNKNOWNNAME || hr == DISP_E_MEMBERNOTFOUND)
      lua_pushfstring(L, "no property or method named '%s'", lua_tostring(L, nameidx));
    else
      lua_pushnil(L);
    raise_com(L, obj, hr, verb, lua_tostring(L, nameidx), NULL, lua_tostring(L, -1));
  }
  return m;
}

/* ---- calls ------------------------------------------------------------------------ */

/* The VARIANTs of one call live in a userdata, so that a Lua error raised while
** converting the arguments (or pushing the results) cannot leak them: __gc clears. */
static void args_clear(args *a) {
  UINT i;
  for (i = 0; i < a->n; i++) VariantClear(&a->v[i]);
  a->n = 0;
}

static int args_gc(lua_State *L) {
  args_clear((args *)luaL_checkudata(L, 1, WBEM_ARGS));
  return 0;
}

static int args_close(lua_State *L) {
  args *a = (args *)luaL_checkudata(L, 1, WBEM_ARGS);
  args_clear(a);
  a->busy = 0;
  return 0;
}

static args *new_args(lua_State *L, int n) {
  args *a = (args *)lua_newuserdatauv(L, sizeof(args) + sizeof(VARIANT) * (size_t)(n - 1), 0);
  a->n = 0;
  a->busy = 0;
  luaL_setmetatable(L, WBEM_ARGS);
  return a;
}

/* Pushes a buffer of n VARIANTs, initialised: the shared one (to be closed) when free. */
static args *take_args(lua_State *L, int n) {
  args *a = NULL;
  int i;
  if (n <= SHARED_VARIANTS) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &shared_args_key);
    a = (args *)lua_touserdata(L, -1);
    if (a && !a->busy) {
      a->busy = 1;
      lua_toclose(L, -1);
    } else {
      lua_pop(L, 1);
      a = NULL;
    }
  }
  if (!a) a = new_args(L, n);
  for (i = 0; i < n; i++) VariantInit(&a->v[i]);
  a->n = (UINT)n;
  return a;
}

static int is_out(lua_State *L, int idx) {
  int r;
  lua_getfield(L, LUA_REGISTRYINDEX, OUT_KEY);
  r = lua_rawequal(L, idx, -1);
  lua_pop(L, 1);
  return r;
}

#define PUTFLAGS (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)

/* Converts the Lua values first..first+nargs-1 into a->v: argv (reversed, as
** DISPPARAMS wants them), then a slot for each out value. Returns how many arguments
** are passed: trailing nils for optional parameters are not passed at all, so their
** defaults apply (argv keeps its place; only the count shrinks). A value refused is
** named: argument #i to name, or for a put (put) the last one, the value for name. */
int wbem_build_args(lua_State *L, VARIANT *argv, const member *m, int first, int nargs,
                    const char *name, int put) {
  int last = nargs;
  VARIANT *slots = argv + nargs;
  int i;
  while (nargs > 0 && nargs <= m->ntyped && m->optional[nargs - 1] && lua_isnil(L, first + nargs - 1))
    nargs--;
  for (i = 0; i < nargs; i++) {
    VARIANT *v = &argv[nargs - 1 - i];
    int idx = first + i;
    if (is_out(L, idx)) {
      V_VT(v) = VT_BYREF | VT_VARIANT;
      V_VARIANTREF(v) = &slots[i];
    } else if (lua_isnil(L, idx) && i < m->ntyped && m->nils[i] != WBEM_NIL_EMPTY) {
      if (m->nils[i] == WBEM_NIL_NOTHING) {
        V_VT(v) = VT_DISPATCH;
        V_DISPATCH(v) = NULL;
      } else {
        V_VT(v) = VT_ERROR;
        V_ERROR(v) = DISP_E_PARAMNOTFOUND;
      }
    } else if (i < m->ntyped && m->is_long[i] && lua_isinteger(L, idx) &&
               lua_tointeger(L, idx) > 0x7FFFFFFF && lua_tointeger(L, idx) <= 0xFFFFFFFF) {
      /* an unsigned 32-bit value (an HRESULT, a flag mask) for a long: its bit pattern */
      V_VT(v) = VT_I4;
      V_I4(v) = (LONG)(ULONG)lua_tointeger(L, idx);
    } else
      wbem_check_arg(L, idx, v, name, put && i == last - 1 ? 0 : i + 1);
  }
  return nargs;
}

/* The message of a failed call when we can say more than the HRESULT's text; NULL
** otherwise. buf (96 bytes) or a string pushed on the stack holds it. */
const char *wbem_failure_text(lua_State *L, HRESULT hr, const member *m, WORD flags,
                                int given, int nargs, UINT argerr, const char *name, char *buf) {
  if (m->source == WBEM_SRC_NONE && m->kind == WBEM_KIND_PROPERTY && flags == DISPATCH_PROPERTYGET &&
      (hr == DISP_E_MEMBERNOTFOUND || hr == DISP_E_BADPARAMCOUNT))
    /* the object has no type information: it may be a method, which a read must not call */
    return lua_pushfstring(L, "cannot read '%s'; the object does not tell whether it is a property "
                              "or a method: call a method with wbem.call(obj, \"%s\", ...)", name, name);
  if (hr == DISP_E_BADPARAMCOUNT) {
    snprintf(buf, 96, "wrong number of arguments (%d given)", given);
    return buf;
  }
  if ((hr == DISP_E_TYPEMISMATCH || hr == DISP_E_PARAMNOTFOUND) && argerr < (UINT)nargs) {
    snprintf(buf, 96, "%s in argument #%d",
             hr == DISP_E_TYPEMISMATCH ? "type mismatch" : "parameter not found", nargs - (int)argerr);
    return buf;
  }
  return NULL;
}

/* Invokes m on the object at obj with the Lua values first..first+nargs-1 as
** arguments. Pushes the result (none for a put), then the values of the
** out-parameter slots; returns how many values it pushed. */
static int invoke(lua_State *L, int obj, const member *m, WORD flags, int first, int nargs,
                  const char *verb, const char *name) {
  object *o = (object *)lua_touserdata(L, obj);
  args *a;
  VARIANT *result;
  DISPPARAMS dp;
  DISPID named = DISPID_PROPERTYPUT;
  EXCEPINFO ei;
  UINT argerr = (UINT)-1;
  HRESULT hr;
  int i, top, given = nargs;
  /* argv[nargs], slots[nargs] for out values, result: in a buffer that is cleared
  ** whatever raises (take_args), so that a Lua error while converting cannot leak them */
  a = take_args(L, 2 * nargs + 1);
  result = a->v + 2 * nargs;
  nargs = wbem_build_args(L, a->v, m, first, nargs, name, (flags & PUTFLAGS) != 0);
  dp.rgvarg = nargs ? a->v : NULL;
  dp.cArgs = (UINT)nargs;
  dp.rgdispidNamedArgs = (flags & PUTFLAGS) ? &named : NULL;
  dp.cNamedArgs = (flags & PUTFLAGS) ? 1 : 0;
  hr = wbem_disp_invoke(o->ref.disp, m->id, flags, &dp, (flags & PUTFLAGS) ? NULL : result, &ei, &argerr);
  if (hr == E_NOTIMPL && m->source == WBEM_SRC_WMI && m->kind == WBEM_KIND_METHOD && first > 0 &&
      lua_getfield(L, LUA_REGISTRYINDEX, FALLBACK_KEY) == LUA_TFUNCTION) {
    /* the same call through the fallback, with the arguments as they were given */
    args_clear(a);
    wbem_excepinfo_clear(&ei);
    top = lua_gettop(L) - 1;
    lua_pushvalue(L, obj);
    lua_pushstring(L, name);
    for (i = 0; i < given; i++) lua_pushvalue(L, first + i);
    lua_call(L, given + 2, LUA_MULTRET);
    return lua_gettop(L) - top;
  }
  if (FAILED(hr)) {
    char buf[96];
    const char *text = wbem_failure_text(L, hr, m, flags, given, nargs, argerr, name, buf);
    args_clear(a);
    return raise_com(L, obj, hr, verb, name, &ei, text);
  }
  top = lua_gettop(L);
  if (!(flags & PUTFLAGS)) wbem_push_variant_from(L, result, obj);
  for (i = 0; i < nargs; i++) {
    VARIANT *v = &a->v[nargs - 1 - i];
    if (V_VT(v) == (VT_BYREF | VT_VARIANT) && V_VARIANTREF(v) == &a->v[given + i])
      wbem_push_variant_from(L, &a->v[given + i], obj);
  }
  args_clear(a);
  return lua_gettop(L) - top;
}

void wbem_check_argcount(lua_State *L, const member *m, int nargs, const char *name) {
  if (m->maxargs >= 0 && nargs > m->maxargs)
    luaL_error(L, "wbem: too many arguments to %s (%d given, at most %d)", name, nargs, m->maxargs);
}

/* A method read from an object: upvalues (object, member, name). */
static int bound_call(lua_State *L) {
  const member *m = (const member *)lua_touserdata(L, lua_upvalueindex(2));
  const char *name = lua_tostring(L, lua_upvalueindex(3));
  int nargs = lua_gettop(L) - 1;
  if (!lua_rawequal(L, 1, lua_upvalueindex(1)))
    return luaL_error(L, "wbem: method '%s' called on %s it does not belong to; "
                         "call it as obj:%s(...)", name,
                      lua_isnone(L, 1) ? "nothing" : "an object", name);
  check_open(L, 1);
  wbem_check_argcount(L, m, nargs, name);
  return invoke(L, 1, m, m->callflags, 2, nargs, "call", name);
}

/* Pushes the callable for method m (on top of the stack), cached in m's user value. */
static void push_bound(lua_State *L, int obj, int nameidx) {
  if (lua_getiuservalue(L, -1, 1) == LUA_TFUNCTION) return;
  lua_pop(L, 1);
  lua_pushvalue(L, obj);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, nameidx);
  lua_pushcclosure(L, bound_call, 3);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, -3, 1);
}

/* ---- metamethods ------------------------------------------------------------------ */

/* Reading member m (on top of the stack) of the object at 1, named at 2: its bound method,
** or the property's value. */
static int read_member(lua_State *L, member *m) {
  if (m->kind == WBEM_KIND_METHOD) {
    push_bound(L, 1, 2);
    return 1;
  }
  return invoke(L, 1, m, m->callflags, 0, 0, "get", lua_tostring(L, 2));
}

static int obj_index(lua_State *L) {
  object *o = check_object(L, 1);
  /* extension methods written in Lua come first, for their exact key */
  lua_getfield(L, LUA_REGISTRYINDEX, EXT_KEY);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  lua_pop(L, 2);
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_error(L, "wbem: members of a COM object are named by strings, not by %s",
                      luaL_typename(L, 2));
  if (o->ref.disp == NULL) return luaL_error(L, "wbem: object is closed (reading '%s')", lua_tostring(L, 2));
  return read_member(L, wbem_get_member(L, 1, 2, "get"));
}

static int obj_newindex(lua_State *L) {
  member *m;
  const char *name;
  WORD flags;
  object *o = check_object(L, 1);
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_error(L, "wbem: members of a COM object are named by strings, not by %s",
                      luaL_typename(L, 2));
  name = lua_tostring(L, 2);
  if (o->ref.disp == NULL) return luaL_error(L, "wbem: object is closed (setting '%s')", name);
  m = wbem_get_member(L, 1, 2, "set");
  if (m->kind == WBEM_KIND_METHOD && m->source != WBEM_SRC_NONE)
    return luaL_error(L, "wbem: '%s' is a method; it cannot be assigned to", name);
  if (m->source == WBEM_SRC_TYPEINFO && !m->put && !m->putref)
    return luaL_error(L, "wbem: property '%s' is read-only", name);
  /* A date put into an object of a WMI connection: its CIM datetime string, which the
  ** Lua layer makes (wbem.datetime); WMI's datetime is a string and refuses a VT_DATE. */
  if (lua_type(L, 3) == LUA_TTABLE && wbem_is_date_table(L, 3)) {
    int wmi = lua_getiuservalue(L, 1, 1) == LUA_TTABLE;
    lua_pop(L, 1);
    if (wmi && lua_getfield(L, LUA_REGISTRYINDEX, DATE_KEY) == LUA_TFUNCTION) {
      lua_pushvalue(L, 3);
      lua_pushvalue(L, 2);         /* the property's name, for the error of a bad date */
      lua_call(L, 2, 1);
      lua_replace(L, 3);
    } else if (wmi) lua_pop(L, 1);
  }
  flags = DISPATCH_PROPERTYPUT;
  if (lua_type(L, 3) == LUA_TUSERDATA && m->putref) flags = DISPATCH_PROPERTYPUTREF;
  if (m->source == WBEM_SRC_TYPEINFO && !m->put) flags = DISPATCH_PROPERTYPUTREF;
  lua_pop(L, 1);   /* the member */
  invoke(L, 1, m, flags, 3, 1, "set", name);
  return 0;
}

static int obj_tostring(lua_State *L) {
  object *o = check_object(L, 1);
  int n = 2;
  if (o->ref.disp == NULL) {
    lua_pushliteral(L, "wbem.object: closed");
    return 1;
  }
  lua_pushliteral(L, "wbem.object: ");
  wbem_push_type_name(L, 1);
  if (wbem_push_wmi_class(L, 1)) {
    lua_pushliteral(L, " ");
    lua_insert(L, -2);
    n += 2;
  }
  lua_pushfstring(L, " (%p)", (void *)o->ref.disp);
  lua_concat(L, n + 1);
  return 1;
}

static IUnknown *identity(IDispatch *d) {
  IUnknown *u = NULL;
  if (d == NULL || FAILED(IDispatch_QueryInterface(d, &IID_IUnknown, (void **)&u))) return NULL;
  IUnknown_Release(u);   /* only the pointer is compared; d keeps the object alive */
  return u;
}

/* Same COM object: the same IUnknown, as COM's identity rule says. */
static int obj_eq(lua_State *L) {
  IDispatch *a = wbem_to_dispatch(L, 1), *b = wbem_to_dispatch(L, 2);
  IUnknown *ua = identity(a), *ub = identity(b);
  lua_pushboolean(L, ua != NULL && ua == ub);
  return 1;
}

/* ---- functions ---------------------------------------------------------------------- */

/* core.date_put(fn): fn(t, name) -> the string a date table t put into the property name
** of a WMI object becomes. */
static int l_date_put(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, DATE_KEY);
  return 0;
}

/* core.settings(obj) -> table | nil;  core.settings(obj, tbl) sets it. */
static int l_settings(lua_State *L) {
  check_object(L, 1);
  if (lua_gettop(L) >= 2) {
    if (!lua_isnil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_setiuservalue(L, 1, 1);
    lua_settop(L, 1);
    return 1;
  }
  lua_getiuservalue(L, 1, 1);
  return 1;
}

/* core.extend{name = function, ...}: Lua methods that every bridged object answers
** first, for exactly that key, before any name of the COM object. */
static int l_extend(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, LUA_REGISTRYINDEX, EXT_KEY);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "wbem: extension names must be strings");
    if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
      lua_pop(L, 1);       /* name = false removes an extension */
      lua_pushnil(L);
    } else if (lua_type(L, -1) != LUA_TFUNCTION)
      return luaL_error(L, "wbem: extension '%s' must be a function (or false to remove it)",
                        lua_tostring(L, -2));
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  return 0;
}

/* core.call(obj, name, ...): calls name as a method whatever the object says of it. */
static int l_call(lua_State *L) {
  member *m;
  const char *name;
  check_open(L, 1);
  name = luaL_checkstring(L, 2);
  m = wbem_get_member(L, 1, 2, "call");
  {
    member copy = *m;
    lua_pop(L, 1);
    if (copy.kind != WBEM_KIND_METHOD) copy.callflags = DISPATCH_METHOD;
    wbem_check_argcount(L, &copy, lua_gettop(L) - 2, name);
    return invoke(L, 1, &copy, copy.callflags, 3, lua_gettop(L) - 2, "call", name);
  }
}

/* core.member(obj, name) -> "method" | "property", and where that came from. */
static int l_member(lua_State *L) {
  member *m;
  static const char *const sources[] = { "none", "typeinfo", "dispex", "wmi" };
  check_open(L, 1);
  luaL_checkstring(L, 2);
  m = wbem_get_member(L, 1, 2, "get");
  lua_pushstring(L, m->kind == WBEM_KIND_METHOD ? "method" : "property");
  lua_pushstring(L, sources[m->source]);
  return 2;
}

/* core.lookup(obj, name) -> obj[name], or nothing when obj has no member of that name:
** for a caller that says itself what was wrong (obj:put_async on an SWbemServices names
** put_async and the kind of object, where obj.PutAsync_ said "get SWbemServices.PutAsync_"). */
static int l_lookup(lua_State *L) {
  HRESULT hr = S_OK;
  member *m;
  check_open(L, 1);
  luaL_checktype(L, 2, LUA_TSTRING);
  lua_settop(L, 2);
  m = wbem_member_get(L, 1, 2, &hr);
  if (m != NULL) return read_member(L, m);
  if (hr == DISP_E_UNKNOWNNAME || hr == DISP_E_MEMBERNOTFOUND) return 0;
  /* what the lookup failed with, as wbem_get_member raises it (without asking again) */
  return raise_com(L, 1, hr, "get", lua_tostring(L, 2), NULL, NULL);
}

static int l_is_object(lua_State *L) {
  lua_pushboolean(L, wbem_test_object(L, 1) != NULL);
  return 1;
}

/* core.type_name(obj) -> the interface its type information names, without the leading I
** ("SWbemNamedValueSet"), or nil: a closed object, or one without type information (what
** such an object is cannot be told, so a check that uses this lets it pass). */
static int l_type_name(lua_State *L) {
  object *o = check_object(L, 1);
  if (o->ref.disp == NULL) return 0;
  wbem_push_type_name(L, 1);
  if (strcmp(lua_tostring(L, -1), "IDispatch") == 0) return 0;
  return 1;
}

/* core.fallback(fn): fn(obj, name, ...) answers a call of a WMI method that the object
** refuses with E_NOTIMPL (see invoke). */
static int l_fallback(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, FALLBACK_KEY);
  return 0;
}

/* core.is_open(v) -> true (an open object) | false (a closed one) | nil (not an object):
** what every call checks of the object before its colon, in one call. */
static int l_is_open(lua_State *L) {
  object *o = wbem_test_object(L, 1);
  if (o) lua_pushboolean(L, o->ref.disp != NULL);
  else lua_pushnil(L);
  return 1;
}

/* An object's metatable, open or closed; the open one has __gc as well. */
static const luaL_Reg obj_meta[] = {
  {"__index", obj_index},
  {"__newindex", obj_newindex},
  {"__close", obj_close},
  {"__tostring", obj_tostring},
  {"__eq", obj_eq},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"settings", l_settings},
  {"date_put", l_date_put},
  {"extend", l_extend},
  {"call", l_call},
  {"member", l_member},
  {"lookup", l_lookup},
  {"close", obj_close},
  {"is_object", l_is_object},
  {"is_open", l_is_open},
  {"type_name", l_type_name},
  {"fallback", l_fallback},
  {NULL, NULL}
};

static const luaL_Reg args_meta[] = {
  {"__gc", args_gc},
  {"__close", args_close},
  {NULL, NULL}
};

void wbem_open_dispatch(lua_State *L) {
  wbem_newmeta(L, WBEM_OBJECT, obj_meta, NULL);
  luaL_getmetatable(L, WBEM_OBJECT);
  lua_pushcfunction(L, obj_close);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  wbem_newmeta(L, WBEM_OBJECT_CLOSED, obj_meta, NULL);
  luaL_getmetatable(L, WBEM_OBJECT_CLOSED);
  lua_pushliteral(L, WBEM_OBJECT);      /* what it is, for a user who asks: an object */
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  wbem_newmeta(L, WBEM_ARGS, args_meta, NULL);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &shared_args_key) == LUA_TNIL) {
    new_args(L, SHARED_VARIANTS);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &shared_args_key);
  }
  lua_pop(L, 1);
  if (lua_getfield(L, LUA_REGISTRYINDEX, EXT_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, EXT_KEY);
  }
  /* obj:close(), as file:close(): lower case, so COM's own Close stays reachable */
  lua_pushcfunction(L, obj_close);
  lua_setfield(L, -2, "close");
  lua_pop(L, 1);
  /* the out-parameter marker: a unique, empty, frozen table */
  if (lua_getfield(L, LUA_REGISTRYINDEX, OUT_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushliteral(L, "wbem.out");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "wbem.out");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, OUT_KEY);
  }
  lua_setfield(L, -2, "out");
  luaL_setfuncs(L, funcs, 0);
}
