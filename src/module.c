/*
** module.c: luaopen_wbem_core, the entry point of wbem/core.dll. The files meet here:
** each registers its functions, and the pump is handed the deliverer of sink and job
** events, so that the pump needs neither.
*/
#include "wbem.h"

void wbem_newmeta(lua_State *L, const char *tname, const luaL_Reg *meta, const luaL_Reg *methods) {
  if (luaL_newmetatable(L, tname)) {   /* sets __name */
    if (meta) luaL_setfuncs(L, meta, 0);
    if (methods) {
      lua_newtable(L);
      luaL_setfuncs(L, methods, 0);
      lua_setfield(L, -2, "__index");
    }
  }
  lua_pop(L, 1);
}

/* What the pump hands an event to: its sink, or the worker call it belongs to. */
static int deliver(lua_State *L, wbem_event *ev) {
  return ev->kind == WBEM_EVENT_JOB ? wbem_job_push_event(L, ev) : wbem_sink_push_event(L, ev);
}

/* Unloaded (FreeLibrary; at process exit the memory goes anyway): the spare events. */
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance;
  if (reason == DLL_PROCESS_DETACH && reserved == NULL) wbem_event_spares_free();
  return TRUE;
}

LUAMOD_API int luaopen_wbem_core(lua_State *L) {
  lua_newtable(L);
  wbem_open_com(L);        /* first: everything after it may touch COM */
  wbem_open_errors(L);
  wbem_open_variant(L);
  wbem_open_member(L);
  wbem_open_dispatch(L);
  wbem_open_enum(L);
  wbem_open_sink(L);
  wbem_open_job(L);
  wbem_open_offstack(L);
  wbem_open_pump(L, deliver);
  return 1;
}
