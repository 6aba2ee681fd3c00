/*
** benchutil.c: what the Lua benchmark measures that Lua cannot: process CPU time and
** private memory (clock() is wall time on Windows). Bench support, not part of wbem.
*/
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <psapi.h>

#include "lua.h"
#include "lauxlib.h"

static double filetime_ms(FILETIME t) {
  ULARGE_INTEGER u;
  u.LowPart = t.dwLowDateTime;
  u.HighPart = t.dwHighDateTime;
  return (double)u.QuadPart / 1e4;
}

/* cpu_ms() -> user + kernel CPU time of the process, in milliseconds */
static int cpu_ms(lua_State *L) {
  FILETIME c, e, k, u;
  GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
  lua_pushnumber(L, filetime_ms(k) + filetime_ms(u));
  return 1;
}

/* private_bytes() -> PrivateUsage, committed private pages
** Both, as the raw C client measures: Wine 8 does not keep PrivateUsage up to date, so
** the committed private pages (what PrivateUsage counts on Windows) are summed too. */
static int private_bytes(lua_State *L) {
  PROCESS_MEMORY_COUNTERS_EX pmc;
  MEMORY_BASIC_INFORMATION mbi;
  SIZE_T total = 0;
  char *p;
  pmc.cb = sizeof pmc;
  GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&pmc, sizeof pmc);
  for (p = NULL; VirtualQuery(p, &mbi, sizeof mbi) == sizeof mbi;
       p = (char *)mbi.BaseAddress + mbi.RegionSize) {
    if (mbi.State == MEM_COMMIT && mbi.Type == MEM_PRIVATE) total += mbi.RegionSize;
    if ((char *)mbi.BaseAddress + mbi.RegionSize < p) break;
  }
  lua_pushinteger(L, (lua_Integer)pmc.PrivateUsage);
  lua_pushinteger(L, (lua_Integer)total);
  return 2;
}

static const luaL_Reg funcs[] = {
  {"cpu_ms", cpu_ms},
  {"private_bytes", private_bytes},
  {NULL, NULL}
};

__declspec(dllexport) int luaopen_benchutil(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
