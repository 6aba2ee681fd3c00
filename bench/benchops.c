/*
** benchops.c: a put_async whose operation, handlers and wait are C, for
** bench/inflight_parts.lua (its modes cwrap and cspawn). Analysis, not part of wbem: it
** answers what the in-flight row would come to if the bridge's Lua layer (options,
** operation, handlers, settle, await) were C, with a coroutine per call kept as it is.
**
** It does only what a put with no options needs: the operation is a table {sink, co,
** done, result}, started through core.start (off the task's stack, as the bridge starts
** its calls) on a kept sink of its own, whose handlers are the C functions below;
** OnCompleted closes the sink and resumes the waiting coroutine from C. No deadline, no
** progress, no context, no pending count, no interrupt: what it leaves out only
** flatters it.
*/
#include "lua.h"
#include "lauxlib.h"

/* upvalues of put: the start (core.start, made to run off the caller's stack with
** core.offstack by the caller, as async.begin's is), the handler table, the sink's
** progid, the settings, the value a task yields while it waits */
enum { UV_START = 1, UV_HANDLERS, UV_PROGID, UV_SETTINGS, UV_PARKED };

/* on_object_put(op, path, actx): keeps the path as the result */
static int on_object_put(lua_State *L) {
  lua_settop(L, 2);
  lua_setfield(L, 1, "result");
  return 0;
}

/* on_completed(op, hresult, errobj, actx): closes the sink, and resumes the waiter */
static int on_completed(lua_State *L) {
  lua_State *co;
  int nres, status;
  lua_settop(L, 2);
  if (luaL_checkinteger(L, 2) >= 0x80000000) luaL_error(L, "benchops: a put failed");
  lua_getfield(L, 1, "sink");
  lua_getfield(L, -1, "close");
  lua_insert(L, -2);
  lua_pushboolean(L, 0);
  lua_call(L, 2, 0);
  lua_pushboolean(L, 1);
  lua_setfield(L, 1, "done");
  lua_getfield(L, 1, "co");
  co = lua_tothread(L, -1);
  if (co && lua_status(co) == LUA_YIELD) {
    status = lua_resume(co, L, 0, &nres);
    if (status == LUA_YIELD) lua_pop(co, nres);
    else if (status != LUA_OK) {
      lua_xmove(co, L, 1);
      return lua_error(L);
    }
  }
  return 0;
}

/* put's continuation: the operation is at 2; returns its result */
static int put_done(lua_State *L, int status, lua_KContext ctx) {
  (void)status; (void)ctx;
  lua_settop(L, 2);
  if (lua_getfield(L, 2, "done") != LUA_TBOOLEAN) {
    lua_pop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(UV_PARKED));
    return lua_yieldk(L, 1, 0, put_done);
  }
  lua_getfield(L, 2, "result");
  return 1;
}

/* put(obj, call) -> the path: obj's PutAsync_ (call, as core.lookup gave it) in the
** running coroutine, which yields until OnCompleted resumes it */
static int put(lua_State *L) {
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  lua_createtable(L, 0, 4);                 /* 3: the operation */
  lua_pushboolean(L, 0);
  lua_setfield(L, 3, "sink");
  lua_pushthread(L);
  lua_setfield(L, 3, "co");
  lua_pushvalue(L, lua_upvalueindex(UV_START));
  lua_pushvalue(L, 3);
  lua_pushvalue(L, lua_upvalueindex(UV_HANDLERS));
  lua_pushvalue(L, lua_upvalueindex(UV_PROGID));
  lua_pushvalue(L, lua_upvalueindex(UV_SETTINGS));
  lua_pushvalue(L, 2);                      /* call */
  lua_pushvalue(L, 1);                      /* obj */
  lua_pushinteger(L, 0);                    /* flags */
  lua_pushnil(L);                           /* context, async_context */
  lua_pushnil(L);
  lua_call(L, 9, 0);
  lua_replace(L, 2);                        /* the operation at 2, as put_done wants it */
  lua_settop(L, 2);
  return put_done(L, LUA_OK, 0);
}

/* put_for(start, progid, settings, parked) -> put */
static int put_for(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 4);
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, on_object_put);
  lua_setfield(L, -2, "on_object_put");
  lua_pushcfunction(L, on_completed);
  lua_setfield(L, -2, "on_completed");
  lua_insert(L, 2);                          /* start, handlers, progid, settings, parked */
  lua_pushcclosure(L, put, 5);
  return 1;
}

int luaopen_benchops(lua_State *L) {
  static const luaL_Reg funcs[] = { {"put_for", put_for}, {NULL, NULL} };
  luaL_newlib(L, funcs);
  return 1;
}
