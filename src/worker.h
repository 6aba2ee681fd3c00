/*
** worker.h: the worker pool, the other producer on the event queue. No Lua here: a
** job is a blocking COM call that a pool thread (in the MTA) makes, and what comes of
** it travels back to the Lua thread as events on the state's queue (queue.h).
**
** A job is reference counted: the Lua side holds one (job.c's userdata), the pool one
** while the job is queued or running, and each event on its way one.
*/
#ifndef WBEM_WORKER_H
#define WBEM_WORKER_H

#include "comutil.h"

struct wbem_queue;

/* QUERY enumerates the SWbemObjectSet the call returns; EVENTS reads the SWbemEventSource
** the call (ExecNotificationQuery) returns with NextEvent, until abandoned. */
enum { WBEM_JOB_CREATE = 1, WBEM_JOB_CALL, WBEM_JOB_QUERY, WBEM_JOB_EVENTS };
/* Event members of job events: an object of a query, the end of the job, and (EVENTS)
** the subscription is registered: events from then on are the job's. */
enum { WBEM_JOB_ITEM = 1, WBEM_JOB_DONE, WBEM_JOB_READY };

/* How many objects of a query may wait unread on the queue before the worker stops
** fetching (backpressure): the loop's reading them gives the credit back. */
#define WBEM_QUERY_WINDOW 32
/* An event source's NextEvent waits at most this long at a time, so that an abandoned
** subscription lets go of its thread within it. */
#define WBEM_EVENT_STEP_MS 100

typedef struct wbem_job {
  LONG refs;
  struct wbem_job *next;        /* the pool's run queue */
  int kind;                     /* WBEM_JOB_* */
  int id;                       /* job.c's id for the events */
  struct wbem_queue *queue;     /* where events go (a reference) */

  /* the call, set up on the Lua thread before submission */
  CLSID clsid;                  /* CREATE: the class */
  IStream *target;              /* CALL, QUERY: the object, marshaled for the worker */
  IDispatch *direct;            /* ... or the object itself (a Lua thread in the MTA) */
  DISPID member;
  WORD flags;
  UINT passed;                  /* arguments passed: argv[0..passed-1], DISPPARAMS order */
  UINT given;                   /* arguments given; out slots are argv[given..2*given-1] */
  VARIANT *argv;                /* 2 * given + 1 (the result last) */
  IStream **streams;            /* given: objects among the arguments, marshaled */
  CLSID last_error;             /* SWbemLastError class, or CLSID_NULL */
  CLSID nvs;                    /* context: an SWbemNamedValueSet class made on the worker */
  UINT ctx_arg;                 /* argv index the context goes to; (UINT)-1: none */
  UINT ctx_n;
  BSTR *ctx_names;
  VARIANT *ctx_values;

  /* what came of it, read on the Lua thread once WBEM_JOB_DONE is delivered */
  HRESULT hr;
  EXCEPINFO ei;
  UINT argerr;

  /* pool state, under the pool's lock */
  IEnumVARIANT *en;             /* a query's enumerator (worker threads only) */
  IDispatch *source;            /* ... or the SWbemEventSource of EVENTS */
  DISPID next_event;            /* its NextEvent */
  LONG credit;                  /* objects the query may still post unread */
  LONG resume;                  /* the credit a parked query goes back to work at: half its
                                ** window, not each object read (a wake-up per half window) */
  int parked;                   /* a query waiting for credit, in no queue */
  int running;
  int stuck;                    /* abandoned while running: counted apart */
  int listening;                /* a subscription waiting for events: counted apart too */
  DWORD thread;                 /* the worker running it */
  volatile LONG abandoned;      /* nobody waits: release what comes */
} wbem_job;

wbem_job *wbem_job_new(int kind, struct wbem_queue *q);   /* NULL when out of memory */
void wbem_job_addref(wbem_job *job);
void wbem_job_release(wbem_job *job);

/* The Lua thread. */
HRESULT wbem_job_submit(wbem_job *job);
void wbem_job_credit(wbem_job *job, LONG n);   /* a query's objects were read */
void wbem_job_abandon(wbem_job *job);          /* the caller stopped waiting */

typedef struct wbem_pool_stats {
  int threads, idle, busy, stuck, queued, parked, listening;
  int max_active;
  DWORD idle_ms;
} wbem_pool_stats;
void wbem_pool_stats_get(wbem_pool_stats *st);
void wbem_pool_configure(int max_active, DWORD idle_ms);   /* <= 0 / 0: leave as it is */

#endif
