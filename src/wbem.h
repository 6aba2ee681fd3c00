/*
** wbem.h: what the files of wbem.core share; the only place they meet.
**
** Map (one concept per file):
**   module.c   luaopen_wbem_core: wires the files together; wbem_newmeta
**   com.c      the apartment of the Lua thread; core.create, core.get
**   comutil.c  COM chores without Lua (comutil.h): look up and invoke by name,
**              EXCEPINFO, apartment type; also built into the simulator and the host
**   variant.c  VARIANT <-> Lua values
**   dispatch.c the bridged object: userdata, invoke, metamethods
**   member.c   what a name is on an object (type information, Methods_), cached
**   enum.c     core.each over _NewEnum
**   errors.c   HRESULTs -> error objects; core.error, core.completion_error
**   sink.c     SWbemSink with Lua handlers: its COM event object pushes onto the queue,
**              and it turns a queued event into a handler call
**   queue.c    the event queue (queue.h), the COM-thread side: never touches Lua
**   pump.c     the Lua-thread side: waits, takes events from the queue, delivers them
**   worker.c   the worker pool (worker.h): blocking calls on MTA threads, whose results
**              go onto the queue; never touches Lua
**   job.c      worker calls from Lua: builds a job, turns its events into handler calls
**   offstack.c core.offstack: a call's set-up run on a helper thread's stack, so that
**              a task waiting in the call keeps a small stack
** An event travels sink.c -> queue.c, then pump.c -> sink.c -> Lua; a worker call
** job.c -> worker.c -> queue.c, then pump.c -> job.c -> Lua.
**
** References. A COM function that hands out an interface gives the caller one
** reference. wbem_push_object takes a reference of its own (AddRef) and may raise (it
** allocates), so a caller never pushes and then releases a reference it must give away:
** a reference to hand over goes straight into a holder Lua owns, made before the
** reference exists (wbem_new_object; the sink userdata), whose __gc releases it
** whatever raises later. A borrowed pointer (in a VARIANT the caller clears, in a
** userdata) is pushed with wbem_push_object.
**
** EXCEPINFO. It belongs to whoever passes it to Invoke, always through
** wbem_disp_invoke (comutil.h), which completes it when the call fails. The error
** functions here only read it; its owner clears it once with wbem_excepinfo_clear.
*/
#ifndef WBEM_H
#define WBEM_H

#include "comutil.h"
#include "queue.h"
#include "worker.h"

#include "lua.h"
#include "lauxlib.h"

/* Metatable names, one per userdata type. */
#define WBEM_OBJECT "wbem.object"   /* a bridged IDispatch */
#define WBEM_ENUM   "wbem.enum"     /* an IEnumVARIANT iterator state */
#define WBEM_SINK   "wbem.sink"     /* an SWbemSink with Lua handlers */
#define WBEM_ERROR  "wbem.error"    /* metatable of error objects (tables) */
#define WBEM_MEMBER "wbem.member"   /* what the cache knows about one name */

/* module.c: creates metatable tname once (with __name), with the functions of meta
** and, when methods is not NULL, an __index table of them; leaves the stack as it was. */
void wbem_newmeta(lua_State *L, const char *tname, const luaL_Reg *meta, const luaL_Reg *methods);

/* Each file registers its functions into the module table at the top of the stack. */
void wbem_open_com(lua_State *L);
void wbem_open_errors(lua_State *L);
void wbem_open_variant(lua_State *L);
void wbem_open_member(lua_State *L);
void wbem_open_dispatch(lua_State *L);
void wbem_open_enum(lua_State *L);
void wbem_open_sink(lua_State *L);
/* pump.c: deliver pushes the handler of ev and its arguments and returns their count,
** or -1 when nobody listens (sink.c's wbem_sink_push_event). */
typedef int (*wbem_deliver_fn)(lua_State *L, wbem_event *ev);
void wbem_open_pump(lua_State *L, wbem_deliver_fn deliver);

/* com.c: the apartment of the calling thread. */
int  wbem_com_ensure(lua_State *L);     /* CoInitializeEx once per state; RPC_E_CHANGED_MODE accepted */

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
void wbem_take_variant(lua_State *L, VARIANT *v, int parent);    /* as _from; an object's reference moves
                                                                      out of v (an event's argument) */
void wbem_check_variant(lua_State *L, int idx, VARIANT *out);      /* raises on bad input; caller VariantClear()s */
void wbem_check_arg(lua_State *L, int idx, VARIANT *out, const char *name, int argno);
                                      /* the same, its errors naming argument argno of member name
                                         (argno 0: the value put into property name) */
BSTR wbem_check_bstr(lua_State *L, int idx);                       /* UTF-8 string -> BSTR; raises */
void wbem_push_bstr(lua_State *L, const OLECHAR *s, UINT len);     /* UTF-16 -> UTF-8 string */
int  wbem_is_date_table(lua_State *L, int idx);                    /* the shape of os.date("*t") */

/* Every userdata that stands for a COM object (WBEM_OBJECT, WBEM_SINK) begins with this. */
typedef struct wbem_ref {
  IDispatch *disp;                      /* NULL once closed */
} wbem_ref;

/* dispatch.c: bridged objects.
** A bridged object carries a settings table (its user value 1): the options of the
** connection it came from (sink progid, named value set progid, ...). Objects returned
** by a call or a property read inherit the settings of the object they came from.
** User values 2 and 3 are member.c's: the object's member cache, and the table it
** shares with the objects of its interface. */
typedef struct wbem_object {
  wbem_ref ref;            /* first: WBEM_OBJECT and WBEM_SINK userdata start alike */
  ITypeInfo *ti;           /* the object's type information, or NULL (member.c) */
  int ti_done;             /* ti was looked up already */
  struct ISWbemMethodSet *methods;  /* its Methods_, once read and not empty (member.c) */
  int methods_done;        /* Methods_ was read already: methods, or NULL for none */
} wbem_object;
void        wbem_push_object(lua_State *L, IDispatch *disp, int parent); /* AddRefs disp; parent: stack index of the
                                                                           object or settings table to inherit from, 0 for none */
#define WBEM_OBJECT_UVALUES 3
IDispatch **wbem_new_object(lua_State *L, int parent);             /* pushes a closed object; a reference
                                                                      stored in *result belongs to it */
wbem_object *wbem_test_object(lua_State *L, int idx);   /* a WBEM_OBJECT, open or closed, or NULL */
IDispatch  *wbem_check_object(lua_State *L, int idx);              /* raises unless an open WBEM_OBJECT */
IDispatch  *wbem_to_dispatch(lua_State *L, int idx);               /* object or sink -> IDispatch (not AddRef'd), else NULL */

/* member.c: what a name is on an object, decided without calling it. */
enum { WBEM_KIND_PROPERTY = 1, WBEM_KIND_METHOD = 2 };
enum { WBEM_SRC_NONE = 0, WBEM_SRC_TYPEINFO, WBEM_SRC_DISPEX, WBEM_SRC_WMI };
/* What a nil argument becomes, by the declared type of its parameter. A typed callee
** (ITypeInfo::Invoke) coerces each argument to the parameter's type and cannot turn
** VT_EMPTY into an interface pointer: there nil is Nothing, as in VBScript; for an
** optional parameter nil means "not given", so its default applies; everything else
** gets VT_EMPTY. */
enum { WBEM_NIL_EMPTY = 0, WBEM_NIL_NOTHING, WBEM_NIL_MISSING };
#define WBEM_MAX_TYPED_PARAMS 32
typedef struct wbem_member {
  DISPID id;
  int kind;
  int source;              /* where the kind came from */
  WORD callflags;          /* Invoke flags of a call (a parameterized property is read by calling it) */
  int maxargs;             /* -1: unknown or varargs */
  int put, putref;         /* the type allows PROPERTYPUT / PROPERTYPUTREF */
  int ntyped;              /* parameters described in nils[] */
  unsigned char nils[WBEM_MAX_TYPED_PARAMS];
  unsigned char optional[WBEM_MAX_TYPED_PARAMS];
  unsigned char is_long[WBEM_MAX_TYPED_PARAMS];   /* declared a 32-bit signed integer */
} wbem_member;
/* Pushes the member userdata for the name at nameidx of the open object at obj, or
** pushes nothing, sets *hr and returns NULL when the object does not know the name. */
wbem_member *wbem_member_get(lua_State *L, int obj, int nameidx, HRESULT *hr);
/* Pushes a short description of the object for messages: its WMI class when it has
** one, else its interface name. Never raises a COM error. */
void wbem_push_description(lua_State *L, int obj);
void wbem_push_type_name(lua_State *L, int obj);  /* "SWbemObject", "IDispatch", ... */
int  wbem_push_wmi_class(lua_State *L, int obj);  /* Path_.Class; 0 (nothing pushed) when none */
void wbem_object_forget(wbem_object *o);                 /* releases what member.c keeps on o */

/* dispatch.c: the parts of a call, shared with the calls a worker makes (job.c).
** wbem_get_member pushes the member for the name at nameidx or raises the COM error;
** wbem_build_args converts the Lua values first..first+nargs-1 into argv (2 * nargs
** VARIANTs: the arguments reversed, then a slot for each wbem.out) and returns how
** many are passed (a value it refuses is named as an argument of name, or for a put the
** value for name); wbem_failure_text says more than the HRESULT of a failed call, or
** returns NULL (buf: 96 bytes). */
wbem_member *wbem_get_member(lua_State *L, int obj, int nameidx, const char *verb);
void wbem_check_argcount(lua_State *L, const wbem_member *m, int nargs, const char *name);
int  wbem_build_args(lua_State *L, VARIANT *argv, const wbem_member *m, int first, int nargs,
                     const char *name, int put);
const char *wbem_failure_text(lua_State *L, HRESULT hr, const wbem_member *m, WORD flags,
                              int given, int nargs, UINT argerr, const char *name, char *buf);

/* errors.c: sets description, provider, parameter and wmi_operation of the error
** object on top from an SWbemLastError-shaped object. */
void wbem_error_details(lua_State *L, IDispatch *errobj);

/* job.c: pushes the handler of a worker job's event and its arguments (as
** wbem_sink_push_event). */
int wbem_job_push_event(lua_State *L, wbem_event *ev);
void wbem_open_job(lua_State *L);

void wbem_open_offstack(lua_State *L);

/* sink.c: pushes the handler and the arguments of ev; returns the argument count, or -1
** when nobody listens (sink closed or collected, no handler for that event). */
int wbem_sink_push_event(lua_State *L, wbem_event *ev);

/* pump.c: the state's event queue (created on first use). */
wbem_queue *wbem_queue_of(lua_State *L);

#endif
