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


/* Allocation counting: the state's allocator wrapped, so that a benchmark can say how
** many blocks (and of which sizes) a piece of work asks of the heap. */
static lua_Alloc counted_f;
static void *counted_ud;
static lua_Integer alloc_count, alloc_bytes, alloc_sizes[8];

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (nsize > 0 && (ptr == NULL || nsize > osize)) {
    int b = 0;
    size_t s = nsize;
    alloc_count++;
    alloc_bytes += (lua_Integer)nsize;
    while (s > 64 && b < 7) { s >>= 1; b++; }
    alloc_sizes[b]++;
  }
  return counted_f(counted_ud, ptr, osize, nsize);
}

/* count_allocs() -> n, bytes, {n <= 64, <= 128, ..., > 4096}: since the last call; the
** first call installs the counter */
static int count_allocs(lua_State *L) {
  int i;
  if (!counted_f) {
    HMODULE self;
    /* the state's last frees come after package unloads this library: keep it */
    GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                       (LPCSTR)(void *)counting_alloc, &self);
    counted_f = lua_getallocf(L, &counted_ud);
    lua_setallocf(L, counting_alloc, NULL);
  }
  lua_pushinteger(L, alloc_count);
  lua_pushinteger(L, alloc_bytes);
  lua_createtable(L, 8, 0);
  for (i = 0; i < 8; i++) {
    lua_pushinteger(L, alloc_sizes[i]);
    lua_rawseti(L, -2, i + 1);
    alloc_sizes[i] = 0;
  }
  alloc_count = alloc_bytes = 0;
  return 3;
}

static const luaL_Reg funcs[] = {
  {"count_allocs", count_allocs},
  {"low_fragmentation_heap", low_fragmentation_heap},
  {"cpu_ms", cpu_ms},
  {"private_bytes", private_bytes},
  {NULL, NULL}
};

__declspec(dllexport) int luaopen_benchutil(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
