/*
** system_core.c: a stand-in for lua-system's system.core, the one C helper busted
** needs (gettime, monotime, sleep). Debian's archive here serves lua-system's source
** only as its .dsc, so we cannot build the real one for Windows.
*/
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "lua.h"
#include "lauxlib.h"

/* Seconds since the Unix epoch, as a float. */
static int sys_gettime(lua_State *L) {
  FILETIME ft;
  ULARGE_INTEGER t;
  GetSystemTimeAsFileTime(&ft);
  t.LowPart = ft.dwLowDateTime;
  t.HighPart = ft.dwHighDateTime;
  /* FILETIME counts 100 ns from 1601; the epoch is 11644473600 s later. */
  lua_pushnumber(L, (double)(t.QuadPart - 116444736000000000ULL) / 1e7);
  return 1;
}

/* Seconds from an arbitrary start, never going back. */
static int sys_monotime(lua_State *L) {
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  lua_pushnumber(L, (double)c.QuadPart / (double)f.QuadPart);
  return 1;
}

static int sys_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  Sleep(s > 0 ? (DWORD)(s * 1000.0 + 0.5) : 0);
  return 0;
}

static const luaL_Reg funcs[] = {
  {"gettime", sys_gettime},
  {"monotime", sys_monotime},
  {"sleep", sys_sleep},
  {NULL, NULL}
};

__declspec(dllexport) int luaopen_system_core(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
