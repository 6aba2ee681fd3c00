/*
** benchutil.c: what the Lua benchmark measures that Lua cannot: process CPU time and
** private memory (clock() is wall time on Windows). Bench support, not part of wbem.
*/
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <psapi.h>
#include <malloc.h>

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

/* Windows has used the low-fragmentation heap by default since Vista; Wine 8 does not,
** and without it allocations slow down as freed blocks pile up (100,000 operations in
** flight took four times as long). Both sides of the benchmark switch it on, for the
** process heap and the C runtime's, so that what they measure at scale is what Windows
** would show. */
static int low_fragmentation_heap(lua_State *L) {
  ULONG lfh = 2;
  lua_pushboolean(L, HeapSetInformation(GetProcessHeap(), HeapCompatibilityInformation,
                                        &lfh, sizeof lfh) &&
                     HeapSetInformation((HANDLE)_get_heap_handle(), HeapCompatibilityInformation,
                                        &lfh, sizeof lfh));
  return 1;
}

static const luaL_Reg funcs[] = {
  {"low_fragmentation_heap", low_fragmentation_heap},
  {"cpu_ms", cpu_ms},
  {"private_bytes", private_bytes},
  {NULL, NULL}
};

__declspec(dllexport) int luaopen_benchutil(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
