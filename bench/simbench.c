/*
** simbench.c: the raw C client's notify figure (spec/sim/client/bench.c) as a Lua module,
** so that bench.lua runs it in its own process, round by round beside the bridge's: both
** sides then meet the same state of the process (Wine's wake-ups are bimodal, and a
** process stays in one mode for its run). Bench support, not part of wbem.
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

/* notify:round() -> events per second of one round (raises if they did not all come) */
static int notify_round_l(lua_State *L) {
  handle *h = luaL_checkudata(L, 1, NOTIFY_META);
  double rate;
  if (!h->nb) return luaL_error(L, "simbench: the notify bench is closed");
  rate = notify_round(h->nb);
  if (rate < 0) return luaL_error(L, "simbench: a notify round failed");
  lua_pushnumber(L, rate);
  return 1;
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

static const luaL_Reg notify_methods[] = {
  {"round", notify_round_l},
  {"close", notify_gc},
  {NULL, NULL}
};

__declspec(dllexport) int luaopen_simbench(lua_State *L) {
  if (luaL_newmetatable(L, NOTIFY_META)) {
    lua_pushcfunction(L, notify_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, notify_gc);
    lua_setfield(L, -2, "__close");
    luaL_newlib(L, notify_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushcfunction(L, notify_new);
  lua_setfield(L, -2, "notify");
  return 1;
}
