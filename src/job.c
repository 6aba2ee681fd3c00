/*
** job.c: worker calls from Lua, the Lua side of worker.c.
**
**   core.job_create(op, progid, settings)    -> job: CoCreateInstance on a worker
**   core.job_call(op, spec, obj, name, ...)  -> job: obj.name(...) on a worker, the
**        arguments converted here as a synchronous call converts them (wbem.out too)
**   job:credit(n)   a query's n objects were read: the worker may fetch n more
**   job:abandon()   nobody waits any more: what comes is released
**   core.job_handler(fn)   fn(op, "item", obj) / fn(op, "done", err | nil, result, outs...)
**                          / fn(op, "ready") (an events job's subscription is registered)
**   core.lives_here(obj)   true when a worker could reach obj only through this thread
**   core.workers([max, idle_ms]) -> the pool's figures
**
** spec (a table or nil): query = true (enumerate the result, WBEM_QUERY_WINDOW objects
** at most unread, or window = n fewer), events = true (the result is an SWbemEventSource:
** its NextEvent's events come as a query's objects, until the job is abandoned), context = table with
** context_arg = the position of its argument and
** named_value_set = the progid of the set to make on the worker, last_error = progid.
**
** A job's userdata is anchored in the registry (JOBS_KEY) until its WBEM_JOB_DONE has
** been delivered, so the handler always hears the end of what it started. User values:
** 1 the settings results inherit, 2 op (the handler's first argument), 3 the name.
*/
#include "wbem.h"

#include <stdlib.h>
#include <string.h>

#define WBEM_JOB        "wbem.job"
#define JOBS_KEY        "wbem.jobs"
#define JOB_HANDLER_KEY "wbem.job.handler"

/* CLSID_InProcFreeMarshaler: what a free-threaded object marshals with. */
static const CLSID clsid_ftm =
  {0x0000033a, 0x0000, 0x0000, {0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

typedef struct job_box {
  wbem_job *job;             /* NULL once done */
  int abandoned;
  int has_member;
  wbem_member m;             /* what the call was, for the failure text */
} job_box;

static volatile LONG next_id;

static int job_gc(lua_State *L) {
  job_box *b = luaL_checkudata(L, 1, WBEM_JOB);
  if (b->job) {
    wbem_job *job = b->job;
    b->job = NULL;
    wbem_job_abandon(job);   /* a state closing with calls in flight: the worker releases */
    wbem_job_release(job);
  }
  return 0;
}

/* Pushes a new job userdata for op (at opidx) whose results inherit the settings at
** sidx (0: none). */
static job_box *new_box(lua_State *L, int kind, int opidx, int sidx) {
  wbem_queue *q = wbem_queue_of(L);
  job_box *b = lua_newuserdatauv(L, sizeof *b, 3);
  memset(b, 0, sizeof *b);
  luaL_setmetatable(L, WBEM_JOB);
  if (sidx) {
    lua_pushvalue(L, sidx);
    lua_setiuservalue(L, -2, 1);
  }
  lua_pushvalue(L, opidx);
  lua_setiuservalue(L, -2, 2);
  if (!(b->job = wbem_job_new(kind, q))) luaL_error(L, "wbem: not enough memory for a worker call");
  b->job->id = (int)(InterlockedIncrement(&next_id) & 0x7FFFFFFF);
  return b;
}

static VARIANT *new_variants(lua_State *L, UINT n) {
  VARIANT *v = calloc(n, sizeof *v);   /* zeroed: VT_EMPTY */
  if (!v) luaL_error(L, "wbem: not enough memory for a worker call");
  return v;
}

/* Submits the job of the box on top and anchors it until its end is delivered. */
static int submit(lua_State *L, job_box *b, const char *what) {
  HRESULT hr = wbem_job_submit(b->job);
  if (FAILED(hr)) return wbem_raise(L, hr, what, NULL);
  lua_getfield(L, LUA_REGISTRYINDEX, JOBS_KEY);
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, b->job->id);
  lua_pop(L, 1);
  return 1;
}

static CLSID progid_clsid(lua_State *L, int idx, int required) {
  CLSID clsid = CLSID_NULL;
  WCHAR w[256];
  const char *progid = lua_tostring(L, idx);
  HRESULT hr;
  if (!progid) return clsid;
  if (!MultiByteToWideChar(CP_UTF8, 0, progid, -1, w, 256)) hr = E_INVALIDARG;
  else hr = wbem_clsid_of(w, &clsid);
  if (FAILED(hr)) {
    if (required) wbem_raise(L, hr, lua_pushfstring(L, "create %s", progid), NULL);
    clsid = CLSID_NULL;
  }
  return clsid;
}

/* core.job_create(op, progid, settings) */
static int l_job_create(lua_State *L) {
  job_box *b;
  CLSID clsid;
  luaL_checkany(L, 1);
  luaL_checkstring(L, 2);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  clsid = progid_clsid(L, 2, 1);
  b = new_box(L, WBEM_JOB_CREATE, 1, lua_istable(L, 3) ? 3 : 0);
  b->job->clsid = clsid;
  b->job->argv = new_variants(L, 1);
  return submit(L, b, "create on a worker");
}

/* 1 when a worker could call the object only through the Lua thread: it lives in
** this thread's STA (it is neither a proxy to another apartment nor free-threaded). */
static int lives_here(IDispatch *d) {
  IUnknown *u = NULL;
  IMarshal *m = NULL;
  int here = 1;
  if (!wbem_com_is_sta()) return 0;   /* an MTA Lua thread shares the workers' apartment */
  /* IClientSecurity is implemented by the proxy manager, so only proxies answer it */
  if (SUCCEEDED(IDispatch_QueryInterface(d, &IID_IClientSecurity, (void **)&u)) && u) {
    IUnknown_Release(u);
    return 0;
  }
  if (SUCCEEDED(IDispatch_QueryInterface(d, &IID_IMarshal, (void **)&m)) && m) {
    CLSID c;
    if (SUCCEEDED(IMarshal_GetUnmarshalClass(m, &IID_IDispatch, (void *)d, MSHCTX_INPROC, NULL,
                                             MSHLFLAGS_NORMAL, &c)) && IsEqualCLSID(&c, &clsid_ftm))
      here = 0;
    IMarshal_Release(m);
  }
  return here;
}

static int l_lives_here(lua_State *L) {
  lua_pushboolean(L, lives_here(wbem_check_object(L, 1)));
  return 1;
}

static int holds_objects(const VARIANT *v) {
  VARTYPE t = V_VT(v) & VT_TYPEMASK;
  SAFEARRAY *sa;
  VARIANT *el;
  ULONG i, n = 1;
  UINT d;
  if (!(V_VT(v) & VT_ARRAY)) return 0;
  if (t == VT_DISPATCH || t == VT_UNKNOWN) return 1;
  if (t != VT_VARIANT || !(sa = (V_VT(v) & VT_BYREF) ? *V_ARRAYREF(v) : V_ARRAY(v))) return 0;
  for (d = 0; d < sa->cDims; d++) n *= sa->rgsabound[d].cElements;
  el = sa->pvData;
  for (i = 0; i < n; i++)
    if ((V_VT(&el[i]) == VT_DISPATCH || V_VT(&el[i]) == VT_UNKNOWN) ? V_UNKNOWN(&el[i]) != NULL
                                                                      : holds_objects(&el[i]))
      return 1;
  return 0;
}

/* Objects among the arguments travel to the worker's apartment as marshal data. */
static void marshal_args(lua_State *L, wbem_job *job) {
  UINT i;
  int sta = wbem_com_is_sta();
  for (i = 0; i < job->passed; i++) {
    VARIANT *v = &job->argv[i];
    HRESULT hr;
    if (holds_objects(v))
      luaL_error(L, "wbem: argument #%d: an array holding objects cannot go to a worker call",
                 (int)(job->passed - i));
    if (!sta || (V_VT(v) != VT_DISPATCH && V_VT(v) != VT_UNKNOWN) || !V_UNKNOWN(v)) continue;
    if (!job->streams) {
      job->streams = calloc(job->given, sizeof *job->streams);
      if (!job->streams) luaL_error(L, "wbem: not enough memory for a worker call");
    }
    hr = wbem_variant_marshal(v, &job->streams[i]);
    if (FAILED(hr)) wbem_raise(L, hr, "pass an object to a worker call", NULL);
  }
}

/* The pairs of the context table at idx, converted here; the worker makes the set. */
static void take_context(lua_State *L, wbem_job *job, int idx, UINT arg) {
  UINT n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    n++;
  }
  job->ctx_names = calloc(n ? n : 1, sizeof *job->ctx_names);
  job->ctx_values = calloc(n ? n : 1, sizeof *job->ctx_values);
  if (!job->ctx_names || !job->ctx_values) luaL_error(L, "wbem: not enough memory for a worker call");
  lua_pushnil(L);
  while (lua_next(L, idx) && job->ctx_n < n) {
    VARIANT *v = &job->ctx_values[job->ctx_n];
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "context names must be strings, got %s", luaL_typename(L, -2));
    job->ctx_names[job->ctx_n] = wbem_check_bstr(L, -2);
    job->ctx_n++;            /* the name is the job's now, whatever raises next */
    wbem_check_variant(L, -1, v);
    if (V_VT(v) == VT_DISPATCH || V_VT(v) == VT_UNKNOWN || holds_objects(v))
      luaL_error(L, "context value '%s' is an object: a worker call takes plain values",
                 lua_tostring(L, -2));
    lua_pop(L, 1);
  }
  job->ctx_arg = arg;
}

/* core.job_call(op, spec, obj, name, ...) */
static int l_job_call(lua_State *L) {
  job_box *b;
  wbem_job *job;
  wbem_member *m;
  const char *name;
  int nargs, kind = WBEM_JOB_CALL, ctxpos = 0, base, window = WBEM_QUERY_WINDOW;
  IDispatch *target;
  luaL_checkany(L, 1);
  if (!lua_isnil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  target = wbem_check_object(L, 3);
  name = luaL_checkstring(L, 4);
  nargs = lua_gettop(L) - 4;
  if (lua_istable(L, 2)) {
    if (lua_getfield(L, 2, "query") != LUA_TNIL && lua_toboolean(L, -1)) kind = WBEM_JOB_QUERY;
    if (lua_getfield(L, 2, "events") != LUA_TNIL && lua_toboolean(L, -1)) kind = WBEM_JOB_EVENTS;
    if (lua_getfield(L, 2, "window") != LUA_TNIL) {   /* fewer objects ahead than the most */
      lua_Integer w = luaL_checkinteger(L, -1);
      luaL_argcheck(L, w >= 1, 2, "window out of range");
      if (w < window) window = (int)w;
    }
    lua_pop(L, 3);
    if (lua_getfield(L, 2, "context") == LUA_TTABLE) {
      lua_getfield(L, 2, "context_arg");
      ctxpos = (int)luaL_checkinteger(L, -1);
      luaL_argcheck(L, ctxpos >= 1 && ctxpos <= nargs, 2, "context_arg out of range");
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  m = wbem_get_member(L, 3, 4, "call");
  base = lua_gettop(L);                   /* the member */
  wbem_check_argcount(L, m, nargs, name);
  lua_getiuservalue(L, 3, 1);             /* base + 1: the settings */
  b = new_box(L, kind, 1,
              lua_istable(L, base + 1) ? base + 1 : 0);
  lua_pushvalue(L, 4);
  lua_setiuservalue(L, -2, 3);
  job = b->job;
  b->m = *m;
  b->has_member = 1;
  job->member = m->id;
  job->flags = m->kind == WBEM_KIND_METHOD ? m->callflags : (WORD)(DISPATCH_PROPERTYGET | DISPATCH_METHOD);
  job->given = (UINT)nargs;
  job->argv = new_variants(L, 2 * (UINT)nargs + 1);
  job->passed = (UINT)wbem_build_args(L, job->argv, m, 5, nargs, name, 0);
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "last_error");
    job->last_error = progid_clsid(L, -1, 0);
    lua_pop(L, 1);
    if (ctxpos) {
      if ((UINT)ctxpos > job->passed) luaL_error(L, "wbem: the context argument was not passed");
      lua_getfield(L, 2, "named_value_set");
      job->nvs = progid_clsid(L, -1, 1);
      lua_getfield(L, 2, "context");
      take_context(L, job, lua_gettop(L), job->passed - (UINT)ctxpos);
      lua_pop(L, 2);
    }
  }
  marshal_args(L, job);
  if (kind != WBEM_JOB_CALL) {
    job->credit = window;
    job->resume = (window + 1) / 2;
  }
  if (wbem_com_is_sta()) {
    HRESULT hr = CoMarshalInterThreadInterfaceInStream(&IID_IDispatch, (IUnknown *)target, &job->target);
    if (FAILED(hr)) return wbem_raise(L, hr, "pass an object to a worker call", NULL);
  } else {
    IDispatch_AddRef(target);
    job->direct = target;
  }
  return submit(L, b, "start a worker call");
}

/* --- delivery ----------------------------------------------------------------------- */

/* The error object of a failed job, on top. */
static void push_failure(lua_State *L, job_box *b, wbem_event *ev, int box) {
  wbem_job *job = b->job;
  char buf[96];
  wbem_push_error_ex(L, job->hr, NULL, &job->ei, NULL);
  if (ev->argc > 0 && V_VT(&ev->argv[0]) == VT_DISPATCH && V_DISPATCH(&ev->argv[0]))
    wbem_error_details(L, V_DISPATCH(&ev->argv[0]));
  if (b->has_member) {
    int err = lua_gettop(L);
    const char *text;
    lua_getiuservalue(L, box, 3);
    text = wbem_failure_text(L, job->hr, &b->m, job->flags, (int)job->given, (int)job->passed,
                             job->argerr, lua_tostring(L, -1), buf);
    if (text) {
      lua_pushstring(L, text);
      lua_setfield(L, err, "message");
    }
    lua_settop(L, err);
  }
}

int wbem_job_push_event(lua_State *L, wbem_event *ev) {
  job_box *b;
  int box, settings, nargs = 2;
  UINT i;
  lua_getfield(L, LUA_REGISTRYINDEX, JOBS_KEY);
  if (lua_rawgeti(L, -1, ev->sink) != LUA_TUSERDATA) return -1;
  box = lua_gettop(L);
  b = lua_touserdata(L, box);
  if (!b->job || b->job != ev->job) return -1;
  lua_getiuservalue(L, box, 1);
  settings = lua_istable(L, -1) ? lua_gettop(L) : 0;
  if (lua_getfield(L, LUA_REGISTRYINDEX, JOB_HANDLER_KEY) != LUA_TFUNCTION) return -1;
  lua_getiuservalue(L, box, 2);
  if (ev->member == WBEM_JOB_READY) {
    lua_pushliteral(L, "ready");
    return 2;
  }
  if (ev->member == WBEM_JOB_ITEM) {
    lua_pushliteral(L, "item");
    wbem_take_variant(L, &ev->argv[0], settings);
    return 3;
  }
  /* the end: the job is no longer anchored, whatever converting its results raises */
  lua_pushnil(L);
  lua_rawseti(L, box - 1, ev->sink);
  lua_pushliteral(L, "done");
  if (ev->argc > 0 && FAILED(b->job->hr)) {
    push_failure(L, b, ev, box);
    nargs++;
  } else if (ev->argc > 0) {
    lua_pushnil(L);
    for (i = 1; i < ev->argc; i++) wbem_take_variant(L, &ev->argv[i], settings);
    nargs += (int)ev->argc;
  }
  wbem_job_release(b->job);   /* the event holds the job until it is freed */
  b->job = NULL;
  return nargs;
}

/* --- functions ---------------------------------------------------------------------- */

static int l_credit(lua_State *L) {
  job_box *b = luaL_checkudata(L, 1, WBEM_JOB);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n > 0 && n <= WBEM_QUERY_WINDOW, 2, "credit out of range");
  if (b->job && !b->abandoned) wbem_job_credit(b->job, (LONG)n);
  return 0;
}

static int l_abandon(lua_State *L) {
  job_box *b = luaL_checkudata(L, 1, WBEM_JOB);
  if (b->job && !b->abandoned) {
    b->abandoned = 1;
    wbem_job_abandon(b->job);
  }
  return 0;
}

static int l_job_handler(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, JOB_HANDLER_KEY);
  return 0;
}

/* core.workers([max_active, idle_ms]) -> {threads=, idle=, busy=, stuck=, queued=, parked=,
** listening=,
** max=, idle_ms=, window=}; the Lua layer checks the numbers. */
static int l_workers(lua_State *L) {
  wbem_pool_stats st;
  lua_Integer max = luaL_optinteger(L, 1, 0), idle = luaL_optinteger(L, 2, 0);
  if (max > 0 || idle > 0)
    wbem_pool_configure(max > 0x7FFFFFFF ? 0x7FFFFFFF : (int)max,
                        idle > 0x7FFFFFFE ? 0x7FFFFFFE : (DWORD)idle);
  wbem_pool_stats_get(&st);
  lua_createtable(L, 0, 10);
  lua_pushinteger(L, st.threads); lua_setfield(L, -2, "threads");
  lua_pushinteger(L, st.idle); lua_setfield(L, -2, "idle");
  lua_pushinteger(L, st.busy); lua_setfield(L, -2, "busy");
  lua_pushinteger(L, st.stuck); lua_setfield(L, -2, "stuck");
  lua_pushinteger(L, st.listening); lua_setfield(L, -2, "listening");
  lua_pushinteger(L, st.queued); lua_setfield(L, -2, "queued");
  lua_pushinteger(L, st.parked); lua_setfield(L, -2, "parked");
  lua_pushinteger(L, st.max_active); lua_setfield(L, -2, "max");
  lua_pushinteger(L, (lua_Integer)st.idle_ms); lua_setfield(L, -2, "idle_ms");
  lua_pushinteger(L, WBEM_QUERY_WINDOW); lua_setfield(L, -2, "window");
  return 1;
}

static const luaL_Reg job_meta[] = {
  {"__gc", job_gc},
  {NULL, NULL}
};

static const luaL_Reg job_methods[] = {
  {"credit", l_credit},
  {"abandon", l_abandon},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"job_create", l_job_create},
  {"job_call", l_job_call},
  {"job_handler", l_job_handler},
  {"lives_here", l_lives_here},
  {"workers", l_workers},
  {NULL, NULL}
};

void wbem_open_job(lua_State *L) {
  wbem_newmeta(L, WBEM_JOB, job_meta, job_methods);
  if (lua_getfield(L, LUA_REGISTRYINDEX, JOBS_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, JOBS_KEY);
  } else lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
