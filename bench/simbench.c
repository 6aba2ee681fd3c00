/*
** simbench.c: the raw C client's figures (spec/sim/client/bench.c: events, latency, in
** flight, cancel, notify) and their floors as a Lua module, so that bench.lua runs them in its own process, round by round beside
** the bridge's: both sides then meet the same state of the process and of the machine
** (whose speed drifts from one process to the next by as much as the figures differ: a
** plain Lua loop takes from 275 to 433 ms in six runs of one minute). Bench support, not
** part of wbem.
*/
#include "../spec/sim/client/client.h"

#include "lua.h"
#include "lauxlib.h"

#define NOTIFY_META "simbench.notify"

/* The floor of the notify figure: the least any binding must add to the raw C client's
** work to hand a Lua loop one object per event, done from C. Each event the counter
** receives is kept (AddRef) in a userdata with a finalizer, in a Lua table, as a
** subscription's buffer keeps its events until the loop reads them; the loop then reads
** and closes each. No queue, no handler, no drain. (floor_take runs inside the sink's Invoke: a
** memory error there would unwind through COM, which a benchmark may accept.) */
typedef struct handle {
  notify_bench *nb;
  IDispatch *svc;
  lua_State *L;           /* during notify:floor(): the state, the table at FLOOR_BUF */
  int n;                  /* ... and how many objects it holds */
} handle;

enum { FLOOR_BUF = 2 };   /* the stack slot of notify:floor()'s table */

#define FLOOR_OBJ_META "simbench.floor_object"

static int floor_object_close(lua_State *L) {
  IDispatch **p = luaL_checkudata(L, 1, FLOOR_OBJ_META);
  if (*p) IDispatch_Release(*p);
  *p = NULL;
  return 0;
}

static void floor_take(void *ctx, IDispatch *obj) {
  handle *h = ctx;
  IDispatch **p = lua_newuserdatauv(h->L, sizeof *p, 0);
  *p = obj;
  IDispatch_AddRef(obj);
  luaL_setmetatable(h->L, FLOOR_OBJ_META);
  lua_rawseti(h->L, FLOOR_BUF, ++h->n);
}

static int notify_gc(lua_State *L) {
  handle *h = luaL_checkudata(L, 1, NOTIFY_META);
  if (h->nb) notify_close(h->nb);
  if (h->svc) IDispatch_Release(h->svc);
  h->nb = NULL;
  h->svc = NULL;
  return 0;
}

static handle *check_notify(lua_State *L) {
  handle *h = luaL_checkudata(L, 1, NOTIFY_META);
  if (!h->nb) luaL_error(L, "simbench: the notify bench is closed");
  return h;
}

/* notify:round() -> events per second of one round, and the ms its FireEvent took
** (raises if they did not all come) */
static int notify_round_l(lua_State *L) {
  handle *h = check_notify(L);
  double fire_ms, rate = notify_round(h->nb, &fire_ms);
  if (rate < 0) return luaL_error(L, "simbench: a notify round failed");
  lua_pushnumber(L, rate);
  lua_pushnumber(L, fire_ms);
  return 2;
}

/* notify:floor() -> a round with the floor's work: the table of the events' objects,
** each with a close method (raises if they did not all come) */
static int notify_floor_l(lua_State *L) {
  handle *h = check_notify(L);
  double rate;
  lua_settop(L, 1);
  lua_createtable(L, NOTIFY_EVENTS, 0);   /* FLOOR_BUF */
  h->L = L;
  h->n = 0;
  notify_take(h->nb, floor_take, h);
  rate = notify_round(h->nb, NULL);
  notify_take(h->nb, NULL, NULL);
  h->L = NULL;
  if (rate < 0) return luaL_error(L, "simbench: a notify round failed");
  return 1;
}

/* notify() -> the raw C client's subscription, on a connection of its own (the Lua thread
** is an STA already: wbem initialised it) */
static int notify_new(lua_State *L) {
  HRESULT hr;
  handle *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->nb = NULL;
  h->svc = NULL;
  h->L = NULL;
  luaL_setmetatable(L, NOTIFY_META);
  if (!g_ctl && !(g_ctl = sim_create(L"WbemSim.Control", &hr)))
    return luaL_error(L, "simbench: no WbemSim.Control: %s", hr_name(hr));
  if (!(h->svc = sim_connect(L"root\\default", &hr)))
    return luaL_error(L, "simbench: connect: %s", hr_name(hr));
  if (!(h->nb = notify_open(h->svc, &hr)))
    return luaL_error(L, "simbench: notify: %s %s", hr_name(hr), disp_last_error());
  return 1;
}

/* ---- in flight ---------------------------------------------------------------------- */

#define INFLIGHT_META "simbench.inflight"

typedef struct inflight { IDispatch *svc, *obj; } inflight;

/* The connection and the object are in the client's pool (sim_connect and spawn keep
** what they make), released together. */
static int inflight_gc(lua_State *L) {
  inflight *h = luaL_checkudata(L, 1, INFLIGHT_META);
  if (h->svc) pool_release_all();
  h->svc = h->obj = NULL;
  return 0;
}

static inflight *check_inflight(lua_State *L) {
  inflight *h = luaL_checkudata(L, 1, INFLIGHT_META);
  if (!h->obj) luaL_error(L, "simbench: the in-flight bench is closed");
  return h;
}

/* The floor of the in-flight figure: the least any binding that runs each call in a
** coroutine must add to the raw C client's work, done from C. Per call a task (a Lua
** function, run until it yields) and a userdata with a finalizer (the call's handle),
** both kept in a table while the call is pending, and the task resumed to its end once
** the call has completed. No options, no operation, no queue. */
#define FLOOR_OP_META "simbench.floor_op"
enum { FLOOR_TASKS = 4, FLOOR_FN = 5 };   /* stack slots during inflight:floor() */

static int floor_op_gc(lua_State *L) { (void)L; return 0; }

static void floor_issued(void *ctx, int i) {
  lua_State *L = ctx;
  lua_State *co = lua_newthread(L);
  int nres;
  lua_newuserdatauv(L, 8, 0);
  luaL_setmetatable(L, FLOOR_OP_META);
  lua_rawseti(L, FLOOR_TASKS, 2 * i + 2);
  lua_pushvalue(L, FLOOR_FN);
  lua_xmove(L, co, 1);
  lua_rawseti(L, FLOOR_TASKS, 2 * i + 1);
  if (lua_resume(co, L, 0, &nres) == LUA_YIELD) lua_pop(co, nres);
}

static void floor_done(void *ctx, int i) {
  lua_State *L = ctx;
  int nres;
  lua_rawgeti(L, FLOOR_TASKS, 2 * i + 1);
  lua_resume(lua_tothread(L, -1), L, 0, &nres);
  lua_pop(L, 1);
}

/* The floor's slots for a round of n calls, its task the function at fn (2 or 4), and
** its hooks in place */
static void floor_begin(lua_State *L, int fn, int n) {
  luaL_checktype(L, fn, LUA_TFUNCTION);
  lua_settop(L, FLOOR_FN);
  lua_pushvalue(L, fn);
  lua_replace(L, FLOOR_FN);
  lua_createtable(L, 2 * n, 0);
  lua_replace(L, FLOOR_TASKS);
  bench_floor(floor_issued, floor_done, L);
}

static int inflight_run(lua_State *L, int floor) {
  inflight *h = check_inflight(L);
  int n = (int)luaL_checkinteger(L, 2);
  LONG latency = (LONG)luaL_optinteger(L, 3, 0);
  inflight_figures f;
  int failed;
  if (floor) floor_begin(L, 4, n);
  failed = inflight_round(h->obj, n, latency, &f);
  bench_floor(NULL, NULL, NULL);
  if (failed) return luaL_error(L, "simbench: an in-flight round failed");
  lua_pushnumber(L, f.wall_ms);
  return 1;
}

/* inflight:round(n, latency_ms) -> wall ms of n puts in flight (raises if one failed) */
static int inflight_round_l(lua_State *L) { return inflight_run(L, 0); }

/* inflight:floor(n, latency_ms, task) -> the same with the floor's work; task is a
** function that yields once (coroutine.yield) */
static int inflight_floor_l(lua_State *L) { return inflight_run(L, 1); }

/* The cancel figure's rounds, on the same object; with task, its floor: what any binding
** that parks each call in a coroutine and raises its cancellation there adds (task makes
** and raises the error itself once resumed, and catches it). */
static int cancel_run(lua_State *L, int floor) {
  inflight *h = check_inflight(L);
  cancel_figures f;
  int failed;
  if (floor) floor_begin(L, 2, CANCEL_OPS);
  failed = cancel_round(h->obj, &f);
  bench_floor(NULL, NULL, NULL);
  if (failed)
    return luaL_error(L, "simbench: a cancel round failed (%d calls made, %d ended before Cancel, %d "
                      "cancelled) %s", f.opened, (int)f.early, f.cancelled, disp_last_error());
  lua_pushnumber(L, f.us_per_op);
  return 1;
}

/* inflight:events() -> events per second of the events figure's round (puts in batches
** in flight, each sending OnProgress, OnObjectPut and OnCompleted) */
static int events_round_l(lua_State *L) {
  inflight *h = check_inflight(L);
  double rate;
  if ((rate = events_round(h->obj, NULL, NULL)) < 0) return luaL_error(L, "simbench: an events round failed");
  lua_pushnumber(L, rate);
  return 1;
}

/* inflight:latency() -> the median round trip (us) of the latency figure's LAT_OPS puts,
** one at a time */
static int latency_round_l(lua_State *L) {
  inflight *h = check_inflight(L);
  static double lat[LAT_OPS];
  if (latency_round(h->obj, lat)) return luaL_error(L, "simbench: a latency round failed");
  lua_pushnumber(L, lat[LAT_OPS / 2]);
  return 1;
}

/* inflight:cancel() -> us per operation of CANCEL_OPS hanging calls cancelled */
static int cancel_round_l(lua_State *L) { return cancel_run(L, 0); }

/* inflight:cancel_floor(task) -> the same with the floor's work; task yields once, then
** raises and catches its cancellation */
static int cancel_floor_l(lua_State *L) { return cancel_run(L, 1); }

/* inflight() -> the raw C client's object to put, of a class of its own (SimB_Item), on
** a connection of its own */
static int inflight_new(lua_State *L) {
  HRESULT hr;
  inflight *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->svc = h->obj = NULL;
  luaL_setmetatable(L, INFLIGHT_META);
  if (!g_ctl && !(g_ctl = sim_create(L"WbemSim.Control", &hr)))
    return luaL_error(L, "simbench: no WbemSim.Control: %s", hr_name(hr));
  if (!(h->svc = sim_connect(L"root\\default", &hr)))
    return luaL_error(L, "simbench: connect: %s", hr_name(hr));
  if (FAILED(hr = make_class(h->svc, L"SimB_Item", NULL, "Name:string:key,Size:uint32")))
    return luaL_error(L, "simbench: class: %s %s", hr_name(hr), disp_last_error());
  if (!(h->obj = spawn(h->svc, L"SimB_Item", &hr)))
    return luaL_error(L, "simbench: spawn: %s", hr_name(hr));
  disp_put(h->obj, L"Name", v_str(L"bench"));
  return 1;
}

static const luaL_Reg inflight_methods[] = {
  {"round", inflight_round_l},
  {"floor", inflight_floor_l},
  {"events", events_round_l},
  {"latency", latency_round_l},
  {"cancel", cancel_round_l},
  {"cancel_floor", cancel_floor_l},
  {"close", inflight_gc},
  {NULL, NULL}
};

static const luaL_Reg notify_methods[] = {
  {"round", notify_round_l},
  {"floor", notify_floor_l},
  {"close", notify_gc},
  {NULL, NULL}
};

static const luaL_Reg floor_object_methods[] = {
  {"close", floor_object_close},
  {NULL, NULL}
};

static const luaL_Reg no_methods[] = {
  {NULL, NULL}
};

/* The metatable of a handle (or of a floor's object): gc as __gc and __close, methods as
** __index. */
static void new_meta(lua_State *L, const char *name, lua_CFunction gc, const luaL_Reg *methods) {
  if (luaL_newmetatable(L, name)) {
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__close");
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
}

__declspec(dllexport) int luaopen_simbench(lua_State *L) {
  new_meta(L, NOTIFY_META, notify_gc, notify_methods);
  new_meta(L, INFLIGHT_META, inflight_gc, inflight_methods);
  new_meta(L, FLOOR_OP_META, floor_op_gc, no_methods);
  new_meta(L, FLOOR_OBJ_META, floor_object_close, floor_object_methods);
  lua_newtable(L);
  lua_pushcfunction(L, notify_new);
  lua_setfield(L, -2, "notify");
  lua_pushcfunction(L, inflight_new);
  lua_setfield(L, -2, "inflight");
  return 1;
}
