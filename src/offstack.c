/*
** offstack.c: core.offstack(f) -> g, where g(...) is f(...) run on a stack other than its
** caller's.
**
** Why: a task is a coroutine, and while it waits in a wbem call it keeps the stack its
** deepest call needed (Lua shrinks a parked coroutine's stack only when it is three times
** what the parked frames use). Setting a call up (its operation, its sink, the COM call
** through IDispatch) goes deeper than a coroutine's first 40 slots, so every task that
** waited on a call kept a stack twice that size for what it did before it waited: most
** of what the bridge cost per pending operation. On a helper thread that depth is paid
** once, by the helper, and every call reuses it; the task's stack holds one C call.
**
** f must not yield (it is a set-up, not a wait). Its errors reach g's caller as they
** were raised, after the helper's to-be-closed variables are closed, as a pcall would.
*/
#include "wbem.h"

/* Helpers kept for reuse (calls nest only when a set-up starts another). */
#define POOL_MAX 4

/* Closes what f left open on co after an error (the helper can then be reused), leaving
** the error (a __close's, if one raised) on top of co's stack. */
static void reset_helper(lua_State *co, lua_State *L) {
#if LUA_VERSION_RELEASE_NUM >= 50406
  lua_closethread(co, L);
#else
  (void)L;
  lua_resetthread(co);
#endif
}

/* g(...): upvalues f, the pool (a sequence of idle helper threads). */
static int offstack_call(lua_State *L) {
  int nargs = lua_gettop(L), status, nres, idle;
  lua_State *co;
  idle = (int)lua_rawlen(L, lua_upvalueindex(2));
  if (idle > 0) {
    lua_rawgeti(L, lua_upvalueindex(2), idle);
    lua_pushnil(L);
    lua_rawseti(L, lua_upvalueindex(2), idle);
    idle--;
  } else {
    lua_newthread(L);
  }
  co = lua_tothread(L, -1);
  if (!lua_checkstack(co, nargs + 1)) return luaL_error(L, "wbem: too many arguments (%d)", nargs);
  lua_rotate(L, 1, 1);                 /* the helper below the arguments: it stays anchored */
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_xmove(L, co, 1);
  lua_xmove(L, co, nargs);
  status = lua_resume(co, L, nargs, &nres);
  if (status == LUA_OK) {
    luaL_checkstack(L, nres, "wbem: results of a call's set-up");
    lua_xmove(co, L, nres);
  } else {
    reset_helper(co, L);
    if (status == LUA_YIELD) lua_pushliteral(L, "wbem: a call's set-up tried to yield");
    else lua_xmove(co, L, 1);
    lua_settop(co, 0);
  }
  if (idle < POOL_MAX) {
    lua_pushvalue(L, 1);
    lua_rawseti(L, lua_upvalueindex(2), idle + 1);
  }
  if (status != LUA_OK) return lua_error(L);
  return nres;
}

/* core.offstack(f) -> g */
static int offstack(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, "wbem.offstack.pool");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "wbem.offstack.pool");
  }
  lua_pushcclosure(L, offstack_call, 2);
  return 1;
}

static const luaL_Reg funcs[] = {
  {"offstack", offstack},
  {NULL, NULL}
};

void wbem_open_offstack(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
