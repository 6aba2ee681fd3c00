/*
** wbem.h: what the files of wbem.core share.
** Each concept lives in its own file (com.c, variant.c, dispatch.c, errors.c,
** sink.c, pump.c); this header is the only place they meet.
*/
#ifndef WBEM_H
#define WBEM_H

#define COBJMACROS
#define CONST_VTABLE
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <ole2.h>
#include <oleauto.h>

#include "lua.h"
#include "lauxlib.h"

/* Metatable names, one per userdata type. */
#define WBEM_OBJECT "wbem.object"   /* a bridged IDispatch */
#define WBEM_ENUM   "wbem.enum"     /* an IEnumVARIANT iterator state */
#define WBEM_SINK   "wbem.sink"     /* an SWbemSink with Lua handlers */
#define WBEM_ERROR  "wbem.error"    /* metatable of error objects (tables) */

/* Each file registers its functions into the module table at the top of the stack. */
void wbem_open_com(lua_State *L);
void wbem_open_errors(lua_State *L);
void wbem_open_variant(lua_State *L);
void wbem_open_dispatch(lua_State *L);
void wbem_open_sink(lua_State *L);
void wbem_open_pump(lua_State *L);
void wbem_open_enum(lua_State *L);      /* enum.c: core.each; called by wbem_open_dispatch */

/* com.c: the apartment of the calling thread. */
int  wbem_com_ensure(lua_State *L);     /* CoInitializeEx once per state; RPC_E_CHANGED_MODE accepted */
int  wbem_com_is_sta(void);             /* 1 when the current thread is in a single-threaded apartment */

/* errors.c: HRESULTs become error objects {hresult=, name=, message=, operation=, ...}. */
void wbem_push_error(lua_State *L, HRESULT hr, const char *operation, const EXCEPINFO *ei);
int  wbem_raise(lua_State *L, HRESULT hr, const char *operation, const EXCEPINFO *ei); /* never returns */
const char *wbem_hresult_name(HRESULT hr);  /* "WBEM_E_NOT_FOUND", "E_NOTIMPL", ... or NULL */
/* Like wbem_push_error, naming the SWbemLastError progid to read details from (NULL: none). */
void wbem_push_error_ex(lua_State *L, HRESULT hr, const char *operation, const EXCEPINFO *ei,
                        const char *last_error_progid);

/* variant.c: VARIANT <-> Lua. */
void wbem_push_variant(lua_State *L, const VARIANT *v);            /* pushes one Lua value */
void wbem_push_variant_from(lua_State *L, const VARIANT *v, int parent); /* objects in it inherit the settings
                                                                           of parent (as wbem_push_object) */
void wbem_check_variant(lua_State *L, int idx, VARIANT *out);      /* raises on bad input; caller VariantClear()s */
BSTR wbem_check_bstr(lua_State *L, int idx);                       /* UTF-8 string -> BSTR; raises */
void wbem_push_bstr(lua_State *L, const OLECHAR *s, UINT len);     /* UTF-16 -> UTF-8 string */

/* Every userdata that stands for a COM object (WBEM_OBJECT, WBEM_SINK) begins with this. */
typedef struct wbem_ref {
  IDispatch *disp;                      /* NULL once closed */
} wbem_ref;

/* dispatch.c: bridged objects.
** A bridged object carries a settings table (its user value): the options of the
** connection it came from (sink progid, named value set progid, ...). Objects returned
** by a call or a property read inherit the settings of the object they came from. */
void       wbem_push_object(lua_State *L, IDispatch *disp, int parent); /* AddRefs disp; parent: stack index of the
                                                                           object or settings table to inherit from, 0 for none */
IDispatch *wbem_check_object(lua_State *L, int idx);               /* raises unless an open WBEM_OBJECT */
IDispatch *wbem_to_dispatch(lua_State *L, int idx);                /* object or sink -> IDispatch (not AddRef'd), else NULL */

/* pump.c: the per-state event queue. Sink events are queued from any thread (COM
** callbacks never call Lua) and dispatched on the Lua thread at pump points. */
#define WBEM_MAX_EVENT_ARGS 4
typedef struct wbem_event {
  struct wbem_event *next;
  int sink;                             /* id of the sink it was delivered to */
  DISPID member;                        /* WBEMS_DISPID_OBJECT_READY .. _OBJECT_PUT */
  UINT argc;
  VARIANT argv[WBEM_MAX_EVENT_ARGS];    /* in declaration order (DISPPARAMS hold them reversed) */
  IStream *marshaled[WBEM_MAX_EVENT_ARGS]; /* interface arguments that arrived on a foreign thread */
} wbem_event;
typedef struct wbem_queue wbem_queue;
wbem_queue *wbem_queue_of(lua_State *L);          /* the state's queue (created on first use) */
void    wbem_queue_addref(wbem_queue *q);
void    wbem_queue_release(wbem_queue *q);
HRESULT wbem_queue_push(wbem_queue *q, int sink, DISPID member, const DISPPARAMS *params);

/* sink.c: pushes the handler and the arguments of ev; returns the argument count, or -1
** when nobody listens (sink closed or collected, no handler for that event). */
int wbem_sink_push_event(lua_State *L, wbem_event *ev);

#endif
