/*
** host.c: a program that embeds Lua the way a game or a tool does, and gives lua-wbem
** its pump once a frame.
**
**   example-host.exe script.lua
**
** The script returns a frame function. The host runs its own loop: it dispatches its
** window messages, calls the frame function (which calls wbem.pump(0), a step that
** never blocks), and between frames sleeps until the next frame is due (16 ms, about
** 60 a second), until lua-wbem has events waiting (wbem.wait_handle()) or its nearest
** deadline comes (wbem.timeout()), whichever is first. It stops when the frame
** function returns true, and closes the Lua state, which cancels what is still pending.
**
** Build (the Makefile's example-host target does this with mingw-w64):
**   gcc -O2 -Ilua/src -o example-host.exe host.c lua54.dll -luser32
*/
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdint.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#define FRAME_MS 16

/* Calls wbem[name]() and returns its integer result, or dflt when it returns none. */
static lua_Integer wbem_integer(lua_State *L, const char *name, lua_Integer dflt) {
  lua_Integer v = dflt;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "wbem");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, name);
  lua_call(L, 0, 1);
  if (lua_isinteger(L, -1)) v = lua_tointeger(L, -1);
  lua_pop(L, 2);
  return v;
}

static int report(lua_State *L, const char *what) {
  fprintf(stderr, "example-host: %s: %s\n", what, lua_tostring(L, -1));
  lua_close(L);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L;
  HANDLE events;
  int frame = 0, done = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: example-host script.lua\n");
    return 2;
  }
  L = luaL_newstate();
  luaL_openlibs(L);
  if (luaL_loadfile(L, argv[1]) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK)
    return report(L, argv[1]);
  if (!lua_isfunction(L, -1)) {
    lua_pushliteral(L, "the script must return a frame function");
    return report(L, argv[1]);
  }
  /* the frame function stays at index 1 */
  events = (HANDLE)(intptr_t)wbem_integer(L, "wait_handle", 0);

  while (!done) {
    MSG msg;
    DWORD wait = FRAME_MS;
    lua_Integer deadline;
    /* the host's own work: its window messages (COM's among them) */
    while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
      if (msg.message == WM_QUIT) done = 1;
      TranslateMessage(&msg);
      DispatchMessageW(&msg);
    }
    /* the script's frame */
    lua_pushvalue(L, 1);
    lua_pushinteger(L, ++frame);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) return report(L, "frame");
    done = done || lua_toboolean(L, -1);
    lua_pop(L, 1);
    /* sleep until the next frame, lua-wbem's events or its nearest deadline */
    deadline = wbem_integer(L, "timeout", -1);
    if (deadline >= 0 && deadline < (lua_Integer)wait) wait = (DWORD)deadline;
    if (!done) MsgWaitForMultipleObjectsEx(1, &events, wait, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
  }
  printf("example-host: %d frames\n", frame);
  lua_close(L);
  return 0;
}
