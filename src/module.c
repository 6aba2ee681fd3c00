/*
** module.c: luaopen_wbem_core, the entry point of wbem/core.dll.
*/
#include "wbem.h"

LUAMOD_API int luaopen_wbem_core(lua_State *L) {
  lua_newtable(L);
  wbem_open_com(L);        /* first: everything after it may touch COM */
  wbem_open_errors(L);
  wbem_open_variant(L);
  wbem_open_dispatch(L);
  wbem_open_sink(L);
  wbem_open_pump(L);
  return 1;
}
