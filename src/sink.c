/*
** sink.c: SWbemSink objects whose event handlers are Lua functions.
**
** A sink is the provider's SWbemSink (created by progid, so the simulator's can stand in
** for WbemScripting.SWbemSink) with our own IDispatch advised on its ISWbemSinkEvents
** connection point. That IDispatch never calls Lua: its Invoke queues the event (queue.c),
** and the Lua thread runs the handler later, at a pump point (pump.c hands the event
** back here, to wbem_sink_push_event).
**
** The userdata keeps three user values: 1 the handler table, 2 the settings that objects
** arriving through events inherit, 3 an optional first argument for every handler (the
** async layer uses it to share one handler table among all its operations).
*/
#include "wbem.h"

#include <wbemdisp.h>
#include <stdio.h>
#include <string.h>

#define SINKS_KEY "wbem.sinks"    /* registry: id -> sink userdata, weak values */
#define KEPT_KEY  "wbem.sinks.kept"  /* registry: id -> sink userdata kept until closed */
#define FACTORY_KEY "wbem.sink.factory"       /* registry: the cache of this state */
#define FACTORY_META "wbem.sink.factory.meta"

/* DIID_ISWbemSinkEvents, here so that no wbemuuid library is needed to link. */
static const IID iid_sink_events =
  {0x75718ca0, 0xf029, 0x11d1, {0xa1, 0xac, 0x00, 0xc0, 0x4f, 0xb6, 0xc2, 0x23}};

/* The handler field for each ISWbemSinkEvents DISPID (wbemdisp.h, WBEMS_DISPID_*). */
static const char *const handler_names[] = {
  NULL, "on_object_ready", "on_completed", "on_progress", "on_object_put"
};
#define EVENT_COUNT ((DISPID)(sizeof handler_names / sizeof handler_names[0]))


/* --- the event object: the IDispatch advised to the sink -------------------------- */

typedef struct event_sink {
  IDispatch IDispatch_iface;
  LONG ref;
  wbem_queue *queue;
  volatile LONG id;             /* 0 once the Lua sink is closed: later events are dropped */
} event_sink;

static inline event_sink *impl_from_IDispatch(IDispatch *iface) {
  return CONTAINING_RECORD(iface, event_sink, IDispatch_iface);
}

static HRESULT WINAPI events_QueryInterface(IDispatch *iface, REFIID riid, void **ppv) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
      IsEqualIID(riid, &iid_sink_events)) {
    *ppv = iface;
    IDispatch_AddRef(iface);
    return S_OK;
  }
  *ppv = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI events_AddRef(IDispatch *iface) {
  return InterlockedIncrement(&impl_from_IDispatch(iface)->ref);
}

static ULONG WINAPI events_Release(IDispatch *iface) {
  event_sink *This = impl_from_IDispatch(iface);
  ULONG ref = InterlockedDecrement(&This->ref);
  if (ref == 0) {
    wbem_queue_release(This->queue);
    free(This);
  }
  return ref;
}

static HRESULT WINAPI events_GetTypeInfoCount(IDispatch *iface, UINT *count) {
  (void)iface;
  *count = 0;
  return S_OK;
}

static HRESULT WINAPI events_GetTypeInfo(IDispatch *iface, UINT index, LCID lcid, ITypeInfo **ti) {
  (void)iface; (void)index; (void)lcid;
  *ti = NULL;
  return E_NOTIMPL;
}

/* Sources call by DISPID; names are answered for those that look them up first. */
static HRESULT WINAPI events_GetIDsOfNames(IDispatch *iface, REFIID riid, LPOLESTR *names,
                                           UINT count, LCID lcid, DISPID *ids) {
  static const WCHAR *const event_names[] = {
    NULL, L"OnObjectReady", L"OnCompleted", L"OnProgress", L"OnObjectPut"
  };
  HRESULT hr = S_OK;
  UINT i;
  DISPID d;
  (void)iface; (void)riid; (void)lcid;
  for (i = 0; i < count; i++) {
    ids[i] = DISPID_UNKNOWN;
    if (i > 0) { hr = DISP_E_UNKNOWNNAME; continue; }   /* events take no named arguments */
    for (d = 1; d < EVENT_COUNT; d++)
      if (lstrcmpiW(names[i], event_names[d]) == 0) ids[i] = d;
    if (ids[i] == DISPID_UNKNOWN) hr = DISP_E_UNKNOWNNAME;
  }
  return hr;
}

static HRESULT WINAPI events_Invoke(IDispatch *iface, DISPID member, REFIID riid, LCID lcid,
                                    WORD flags, DISPPARAMS *params, VARIANT *result,
                                    EXCEPINFO *excepinfo, UINT *argerr) {
  event_sink *This = impl_from_IDispatch(iface);
  LONG id = InterlockedCompareExchange(&This->id, 0, 0);
  (void)riid; (void)lcid; (void)flags; (void)excepinfo; (void)argerr;
  if (result) VariantInit(result);
  if (member < 1 || member >= EVENT_COUNT) return DISP_E_MEMBERNOTFOUND;
  if (id == 0) return S_OK;   /* closed: nobody listens any more */
  return wbem_queue_push(This->queue, (int)id, member, params);
}

static const IDispatchVtbl events_vtbl = {
  events_QueryInterface,
  events_AddRef,
  events_Release,
  events_GetTypeInfoCount,
  events_GetTypeInfo,
  events_GetIDsOfNames,
  events_Invoke
};

static event_sink *events_create(wbem_queue *q, int id) {
  event_sink *This = calloc(1, sizeof *This);
  if (!This) return NULL;
  This->IDispatch_iface.lpVtbl = &events_vtbl;
  This->ref = 1;
  This->queue = q;
  This->id = id;
  wbem_queue_addref(q);
  return This;
}


/* --- the Lua sink ------------------------------------------------------------------- */

typedef struct wbem_sink {
  IDispatch *disp;              /* the SWbemSink (wbem_ref: first) */
  IConnectionPoint *point;
  DWORD cookie;
  event_sink *events;
  int id;
  DISPID cancel;                /* of Cancel, known from the class (factory_cache), or DISPID_UNKNOWN */
  int discard;                  /* cancel(true): objects that still come are released, not pushed */
  int kept;                     /* in KEPT_KEY's table (sink(..., keep)), not in SINKS_KEY's */
} wbem_sink;

static wbem_sink *check_sink(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, WBEM_SINK);
}

static wbem_sink *check_open_sink(lua_State *L, int idx) {
  wbem_sink *s = check_sink(L, idx);
  if (!s->disp) luaL_error(L, "wbem: the sink is closed");
  return s;
}

/* SWbemSink.Cancel, by the DISPID its class gave for the name (any sink class will do,
** not only those whose dual interface we know), or else by name. */
static HRESULT sink_cancel_all(wbem_sink *s) {
  DISPPARAMS none = { NULL, NULL, 0, 0 };
  if (s->cancel == DISPID_UNKNOWN)
    return wbem_disp_call(s->disp, L"Cancel", DISPATCH_METHOD, NULL, 0, NULL);
  return wbem_disp_invoke(s->disp, s->cancel, DISPATCH_METHOD, &none, NULL, NULL, NULL);
}

/* Undoes whatever of the set-up was done; safe to call twice, and from __gc. */
static void sink_release(lua_State *L, wbem_sink *s) {
  if (s->events) InterlockedExchange(&s->events->id, 0);
  if (s->point) {
    if (s->cookie) IConnectionPoint_Unadvise(s->point, s->cookie);
    IConnectionPoint_Release(s->point);
    s->point = NULL;
    s->cookie = 0;
  }
  if (s->events) {
    IDispatch_Release(&s->events->IDispatch_iface);
    s->events = NULL;
  }
  if (s->disp) {
    IDispatch_Release(s->disp);
    s->disp = NULL;
  }
  if (s->id) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, s->kept ? KEPT_KEY : SINKS_KEY) == LUA_TTABLE) {
      lua_pushnil(L);
      lua_rawseti(L, -2, s->id);
    }
    lua_pop(L, 1);
    s->id = 0;
  }
}

/* close([cancel]): cancels what is still pending on the sink (a closed sink can no
** longer hear the results, and the provider should not keep working for no one; as
** with dropping a future, closing is cancelling), unadvises and releases.
** close(false) skips the Cancel, for a sink known to have nothing pending. */
static int sink_close(lua_State *L) {
  wbem_sink *s = check_sink(L, 1);
  int cancel = lua_isnoneornil(L, 2) || lua_toboolean(L, 2);
  if (s->disp && cancel) sink_cancel_all(s);
  sink_release(L, s);
  return 0;
}

static int sink_gc(lua_State *L) {
  lua_settop(L, 1);
  return sink_close(L);
}

/* cancel([discard]): every call pending on this sink completes with
** WBEM_E_CALL_CANCELLED; the OnCompleted events still arrive through the pump. With
** discard, the objects those events bring are released as they are taken off the queue
** and the handlers get nil for them: a caller that has given up on the call makes no
** Lua object only to close it. */
static int sink_cancel(lua_State *L) {
  wbem_sink *s = check_open_sink(L, 1);
  HRESULT hr;
  if (lua_toboolean(L, 2)) s->discard = 1;
  hr = sink_cancel_all(s);
  if (FAILED(hr)) return wbem_raise(L, hr, "cancel the sink", NULL);
  return 0;
}

static int sink_tostring(lua_State *L) {
  wbem_sink *s = check_sink(L, 1);
  if (s->disp) lua_pushfstring(L, "wbem.sink %d (%p)", s->id, (void *)s->disp);
  else lua_pushliteral(L, "wbem.sink (closed)");
  return 1;
}

static int sink_is_open(lua_State *L) {
  lua_pushboolean(L, check_sink(L, 1)->disp != NULL);
  return 1;
}

/* The SWbemSink itself as a bridged object, for what the Lua API does not cover. */
static int sink_object(lua_State *L) {
  wbem_sink *s = check_open_sink(L, 1);
  lua_getiuservalue(L, 1, 2);
  wbem_push_object(L, s->disp, lua_gettop(L));
  return 1;
}

/* The class factory of the last sink class used, kept for the state's life: with one
** sink per operation, a CoCreateInstance each time (a registry lookup and a factory
** round trip, about 0.4 ms under Wine) would cost more than the rest of the call. */
typedef struct factory_cache {
  char progid[256];
  IClassFactory *factory;
  DISPID cancel;                /* its sinks' DISPID of Cancel, or DISPID_UNKNOWN */
  int cancel_asked;             /* the first of its sinks was asked for it */
} factory_cache;

static int factory_gc(lua_State *L) {
  factory_cache *c = luaL_checkudata(L, 1, FACTORY_META);
  if (c->factory) IClassFactory_Release(c->factory);
  c->factory = NULL;
  return 0;
}

static HRESULT sink_factory(lua_State *L, const char *progid, const WCHAR *wprogid,
                            IClassFactory **out, factory_cache **cache) {
  factory_cache *c;
  CLSID clsid;
  HRESULT hr;
  if (lua_getfield(L, LUA_REGISTRYINDEX, FACTORY_KEY) != LUA_TUSERDATA) {
    lua_pop(L, 1);
    c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    luaL_setmetatable(L, FACTORY_META);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, FACTORY_KEY);
  }
  c = lua_touserdata(L, -1);
  lua_pop(L, 1);
  *cache = c;
  if (c->factory && strcmp(c->progid, progid) == 0) {
    *out = c->factory;
    return S_OK;
  }
  hr = CLSIDFromProgID(wprogid, &clsid);
  if (SUCCEEDED(hr))
    hr = CoGetClassObject(&clsid, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER, NULL,
                          &IID_IClassFactory, (void **)out);
  if (FAILED(hr)) return hr;
  if (c->factory) IClassFactory_Release(c->factory);
  c->factory = *out;
  c->cancel = DISPID_UNKNOWN;
  c->cancel_asked = 0;
  snprintf(c->progid, sizeof c->progid, "%s", progid);
  return S_OK;
}

static int next_sink_id(lua_State *L) {
  /* ids go into a table: keep them dense-ish by reusing the smallest free slot is not
  ** worth it; a counter in the registry wraps after 2^31 sinks. */
  static const char key[] = "wbem.sink.next";
  lua_Integer id;
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  id = lua_tointeger(L, -1) + 1;
  lua_pop(L, 1);
  if (id <= 0 || id > 0x7fffffff) id = 1;
  lua_pushinteger(L, id);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
  return (int)id;
}

/* Pushes a new sink of handlers (at 1) and progid (2), whose objects inherit the
** settings at 3 and whose handlers get the value at 4 first; kept (until closed) or
** weak, as l_sink says. */
static wbem_sink *new_sink(lua_State *L, int keep) {
  const char *progid = luaL_checkstring(L, 2);
  wbem_queue *q;
  wbem_sink *s;
  IConnectionPointContainer *cpc = NULL;
  IClassFactory *factory;
  factory_cache *cache = NULL;
  WCHAR wprogid[256];
  HRESULT hr;
  luaL_checktype(L, 1, LUA_TTABLE);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  if (!MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, progid, -1, wprogid, 256))
    luaL_argerror(L, 2, "not a valid progid");
  wbem_com_ensure(L);
  q = wbem_queue_of(L);

  /* The userdata first: whatever fails below, __gc undoes what was done. */
  s = lua_newuserdatauv(L, sizeof *s, 3);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, WBEM_SINK);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, 3);
  lua_setiuservalue(L, -2, 2);
  lua_pushvalue(L, 4);
  lua_setiuservalue(L, -2, 3);

  s->cancel = DISPID_UNKNOWN;
  hr = sink_factory(L, progid, wprogid, &factory, &cache);
  if (SUCCEEDED(hr))
    hr = IClassFactory_CreateInstance(factory, NULL, &IID_IDispatch, (void **)&s->disp);
  if (FAILED(hr)) {
    wbem_raise(L, hr, lua_pushfstring(L, "create the sink %s", progid), NULL);
    return NULL;
  }
  /* one GetIDsOfNames for the class, not one for each sink that is cancelled */
  if (!cache->cancel_asked) {
    cache->cancel_asked = 1;
    if (FAILED(wbem_disp_id(s->disp, L"Cancel", &cache->cancel))) cache->cancel = DISPID_UNKNOWN;
  }
  s->cancel = cache->cancel;

  s->id = next_sink_id(L);
  s->events = events_create(q, s->id);
  if (!s->events) {
    luaL_error(L, "wbem: out of memory");
    return NULL;
  }
  s->kept = keep;
  lua_getfield(L, LUA_REGISTRYINDEX, s->kept ? KEPT_KEY : SINKS_KEY);
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, s->id);
  lua_pop(L, 1);

  hr = IDispatch_QueryInterface(s->disp, &IID_IConnectionPointContainer, (void **)&cpc);
  if (SUCCEEDED(hr)) {
    hr = IConnectionPointContainer_FindConnectionPoint(cpc, &iid_sink_events, &s->point);
    IConnectionPointContainer_Release(cpc);
  }
  if (SUCCEEDED(hr))
    hr = IConnectionPoint_Advise(s->point, (IUnknown *)&s->events->IDispatch_iface, &s->cookie);
  if (FAILED(hr)) {
    sink_release(L, s);
    wbem_raise(L, hr, lua_pushfstring(L, "advise the sink %s", progid), NULL);
    return NULL;
  }
  return s;
}

/* sink(handlers, progid [, settings [, self [, keep]]]) -> sink: with keep, the sink
** (and what its user values hold: the self argument) is kept alive until it is closed,
** as an operation's must be until its OnCompleted; without, it is collected (and
** closed) once nobody refers to it. */
static int l_sink(lua_State *L) {
  lua_settop(L, 5);
  new_sink(L, lua_toboolean(L, 5));
  return 1;
}

/* start(op, handlers, progid, settings, call, obj, flags, context, async_context, ...):
** an asynchronous call on a sink of its own, the way every operation of wbem.async
** starts: a kept sink whose handlers get op first, stored in op.sink, then
** call(obj, sink, ..., flags, context, async_context) (the argument order of every
** *Async method). If the call raises, the sink is closed before the error goes on: an
** operation that never started leaves nothing behind. One C call for what would be
** four Lua steps (the sink, a variadic reordering, a to-be-closed guard and its
** __close), each paid by every call in flight. */
static int l_start(lua_State *L) {
  int n = lua_gettop(L), nextra = n > 9 ? n - 9 : 0, sink, i;
  wbem_sink *s;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 6);
  /* new_sink's four arguments, the sink, and the call's own: the method's arguments
  ** come from the caller, so no fixed bound holds */
  luaL_checkstack(L, nextra + 16, "wbem: arguments of an asynchronous call");
  lua_settop(L, n < 9 ? 9 : n);
  lua_pushvalue(L, 2);                   /* new_sink's arguments, at n + 1 .. n + 4 */
  lua_pushvalue(L, 3);
  lua_pushvalue(L, 4);
  lua_pushvalue(L, 1);
  lua_rotate(L, 1, 4);                   /* to the bottom, where new_sink wants them */
  s = new_sink(L, 1);                    /* what was 1 .. n is now 5 .. n + 4 */
  sink = lua_gettop(L);
  lua_pushvalue(L, sink);
  lua_setfield(L, 5, "sink");
  lua_pushvalue(L, 9);                   /* call */
  lua_pushvalue(L, 10);                  /* obj */
  lua_pushvalue(L, sink);
  for (i = 0; i < nextra; i++) lua_pushvalue(L, 14 + i);
  lua_pushvalue(L, 11);                  /* flags, context, async_context */
  lua_pushvalue(L, 12);
  lua_pushvalue(L, 13);
  if (lua_pcall(L, nextra + 5, 0, 0) != LUA_OK) {
    sink_release(L, s);
    return lua_error(L);
  }
  return 0;
}

/* Finds the sink of ev, and pushes its handler, the optional self argument and the
** event's arguments. Objects inherit the sink's settings. */
int wbem_sink_push_event(lua_State *L, wbem_event *ev) {
  int top = lua_gettop(L), settings = top + 3, nargs = 0;
  wbem_sink *s;
  UINT i;
  if (ev->member < 1 || ev->member >= EVENT_COUNT) return -1;
  lua_getfield(L, LUA_REGISTRYINDEX, KEPT_KEY);                   /* top+1 */
  if (lua_rawgeti(L, top + 1, ev->sink) != LUA_TUSERDATA) {           /* top+2 */
    lua_settop(L, top);
    lua_getfield(L, LUA_REGISTRYINDEX, SINKS_KEY);
    if (lua_rawgeti(L, top + 1, ev->sink) != LUA_TUSERDATA) goto nobody;
  }
  s = lua_touserdata(L, top + 2);
  if (!s->disp) goto nobody;
  lua_getiuservalue(L, top + 2, 2);                               /* top+3 settings */
  lua_getiuservalue(L, top + 2, 1);                               /* top+4 handlers */
  if (lua_getfield(L, top + 4, handler_names[ev->member]) == LUA_TNIL)  /* top+5 */
    goto nobody;
  if (lua_getiuservalue(L, top + 2, 3) == LUA_TNIL) lua_pop(L, 1); else nargs++;
  for (i = 0; i < ev->argc; i++, nargs++) {
    VARIANT *v = &ev->argv[i];
    if (V_VT(v) == VT_DISPATCH && V_DISPATCH(v) && s->discard)
      lua_pushnil(L);                      /* the event's release lets it go */
    else if (i == 0 && ev->member == WBEMS_DISPID_COMPLETED && V_VT(v) == VT_I4)
      /* OnCompleted's iHResult: unsigned, as in error objects (0x80041032, not negative) */
      lua_pushinteger(L, (lua_Integer)(ULONG)V_I4(v));
    else
      wbem_take_variant(L, v, lua_istable(L, settings) ? settings : 0);
  }
  lua_rotate(L, top + 1, -4);       /* the four lookup values to the top, and away */
  lua_pop(L, 4);
  return nargs;
nobody:
  lua_settop(L, top);
  return -1;
}

static const luaL_Reg sink_methods[] = {
  {"cancel", sink_cancel},
  {"close", sink_close},
  {"is_open", sink_is_open},
  {"object", sink_object},
  {NULL, NULL}
};

static const luaL_Reg sink_meta[] = {
  {"__gc", sink_gc},
  {"__close", sink_gc},
  {"__tostring", sink_tostring},
  {NULL, NULL}
};

static const luaL_Reg factory_meta[] = {
  {"__gc", factory_gc},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"sink", l_sink},
  {"start", l_start},
  {NULL, NULL}
};

void wbem_open_sink(lua_State *L) {
  wbem_newmeta(L, WBEM_SINK, sink_meta, sink_methods);
  wbem_newmeta(L, FACTORY_META, factory_meta, NULL);
  /* id -> sink, weak: an unreferenced sink is collected (and closed by __gc); a sink
  ** made with keep (an operation's, anchored until its OnCompleted) is in a table of
  ** its own instead, strong, until it is closed. */
  lua_newtable(L);
  lua_newtable(L);
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, SINKS_KEY);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, KEPT_KEY);
  luaL_setfuncs(L, funcs, 0);
}
