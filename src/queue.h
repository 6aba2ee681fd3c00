/*
** queue.h: the event queue, the COM-thread side of the bridge. No Lua here: whatever
** thread COM calls a sink on pushes onto the queue, and only the Lua thread (pump.c)
** takes events out.
*/
#ifndef WBEM_QUEUE_H
#define WBEM_QUEUE_H

#include "comutil.h"

/* What an event is for: a sink's event (sink.c), or a step of a worker call (job.c). */
enum { WBEM_EVENT_SINK = 0, WBEM_EVENT_JOB };

#define WBEM_MAX_EVENT_ARGS 64
typedef struct wbem_event {
  struct wbem_event *next;
  int kind;                             /* WBEM_EVENT_SINK or WBEM_EVENT_JOB */
  int sink;                             /* id of the sink (or job) it was delivered to */
  DISPID member;                        /* WBEMS_DISPID_OBJECT_READY .. _OBJECT_PUT; WBEM_JOB_ITEM, _DONE */
  struct wbem_job *job;                 /* a job event holds a reference to its job */
  UINT argc;
  VARIANT *argv;                        /* in declaration order (DISPPARAMS hold them reversed) */
  IStream **marshaled;                  /* interface arguments that arrived on a foreign thread */
  int spare;                            /* goes back to the spares once freed (queue.c) */
} wbem_event;

/* Reference counted: the state holds one reference, each advised event object one. */
typedef struct wbem_queue wbem_queue;
wbem_queue *wbem_queue_new(void);       /* for the calling (Lua) thread; NULL on failure */
void    wbem_queue_addref(wbem_queue *q);
void    wbem_queue_release(wbem_queue *q);
void    wbem_queue_close(wbem_queue *q); /* the state is gone: drop what waits and what comes */

/* Any thread. */
HRESULT wbem_queue_push(wbem_queue *q, int sink, DISPID member, const DISPPARAMS *params);
/* A new event with argc empty VARIANTs to fill (NULL when out of memory), and its
** posting: post takes the event whatever it returns (it frees it when the state is
** gone or on failure), and marshals interface pointers out of a foreign thread. */
wbem_event *wbem_event_new(int kind, int id, DISPID member, UINT argc);
HRESULT wbem_queue_post(wbem_queue *q, wbem_event *ev);

/* The Lua thread. */
wbem_event *wbem_queue_pop(wbem_queue *q);          /* NULL when empty */
void    wbem_queue_signal_pending(wbem_queue *q);   /* after a drain stopped early */
void    wbem_queue_pumping(wbem_queue *q, int on);  /* the Lua thread dispatches messages */
LONG    wbem_queue_length(wbem_queue *q);
HANDLE  wbem_queue_handle(wbem_queue *q);           /* manual-reset, signalled while events wait */
int     wbem_queue_sta(wbem_queue *q);              /* the Lua thread is in an STA */
void    wbem_event_unmarshal(wbem_event *ev);       /* interfaces back into this apartment */
void    wbem_event_free(wbem_event *ev);
void    wbem_event_spares_free(void);             /* the module is unloaded */

#endif
