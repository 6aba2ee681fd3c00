/*
** simbench.c: the raw C client's notify and in-flight figures (spec/sim/client/bench.c)
** as a Lua module, so that bench.lua runs them in its own process, round by round beside
** the bridge's: both sides then meet the same state of the process and of the machine
** (whose speed drifts from one process to the next by as much as the figures differ: a
** plain Lua loop takes from 275 to 433 ms in six runs of one minute). Bench support, not
** part of wbem.
*/
#include "../spec/sim/client/client.h"

#include "lua.h"
#include "lauxlib.h"

#define NOTIFY_META "simbench.notify"

typedef struct handle { notify_bench *nb; IDispatch *svc; } handle;

static int notify_gc(lua_State *L) {
  handle *h = luaL_checkudata(L, 1, NOTIFY_META);
  if (h->nb) notify_close(h->nb);
  if (h->svc) IDispatch_Release(h->svc);
  h->nb = NULL;
  h->svc = NULL;
  return 0;
}

/* notify:round() -> events per second of one round, and the ms its FireEvent took
** (raises if they did not all come) */
static int notify_round_l(lua_State *L) {
  handle *h = luaL_checkudata(L, 1, NOTIFY_META);
  double rate, fire_ms;
  if (!h->nb) return luaL_error(L, "simbench: the notify bench is closed");
  rate = notify_round(h->nb, &fire_ms);
  if (rate < 0) return luaL_error(L, "simbench: a notify round failed");
  lua_pushnumber(L, rate);
  lua_pushnumber(L, fire_ms);
  return 2;
}

/* notify() -> the raw C client's subscription, on a connection of its own (the Lua thread
** is an STA already: wbem initialised it) */
static int notify_new(lua_State *L) {
  HRESULT hr;
  handle *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->nb = NULL;
  h->svc = NULL;
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

/* inflight:round(n, latency_ms) -> wall ms of n puts in flight (raises if one failed) */
static int inflight_round_l(lua_State *L) {
  inflight *h = luaL_checkudata(L, 1, INFLIGHT_META);
  int n = (int)luaL_checkinteger(L, 2);
  LONG latency = (LONG)luaL_optinteger(L, 3, 0);
  inflight_figures f;
  if (!h->obj) return luaL_error(L, "simbench: the in-flight bench is closed");
  if (inflight_round(h->obj, n, latency, &f)) return luaL_error(L, "simbench: an in-flight round failed");
  lua_pushnumber(L, f.wall_ms);
  return 1;
}

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
  {"close", inflight_gc},
  {NULL, NULL}
};

static const luaL_Reg notify_methods[] = {
  {"round", notify_round_l},
  {"close", notify_gc},
  {NULL, NULL}
};

/* The metatable of a handle: gc as __gc and __close, methods as __index. */
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
  lua_newtable(L);
  lua_pushcfunction(L, notify_new);
  lua_setfield(L, -2, "notify");
  lua_pushcfunction(L, inflight_new);
  lua_setfield(L, -2, "inflight");
  return 1;
}
