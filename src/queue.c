/*
** queue.c: the event queue (queue.h), the COM-thread side of the bridge.
**
** COM delivers sink events on whatever thread it chooses: on the Lua thread while that
** thread dispatches window messages (an STA: incoming calls arrive as messages), or on
** worker threads (an MTA host, or a provider delivering directly). None of them may touch
** the Lua state, so a callback only appends the event here and signals an event handle;
** the Lua thread takes events out at pump points (pump.c). This file does not include
** lua.h, and nothing here may.
**
** The queue is reference counted: the COM event objects advised to sinks hold it, and
** they can outlive the Lua state (a provider may keep a connection alive). Once the state
** is gone the queue is "closed" and whatever still arrives is released, not kept.
*/
#include "queue.h"
#include "worker.h"

#include <stdlib.h>
#include <string.h>

struct wbem_queue {
  LONG refs;
  CRITICAL_SECTION lock;
  HANDLE ready;             /* manual-reset: signalled while events wait */
  wbem_event *head, *tail;
  LONG length;
  int closed;               /* the Lua state is gone */
  int signalled;            /* ready is set (under the lock) */
  int pumping;              /* the Lua thread dispatches messages in l_pump (its own flag) */
  DWORD thread;             /* the Lua thread */
  int sta;                  /* the Lua thread is in a single-threaded apartment */
};

/* --- events ------------------------------------------------------------------------ */

/* Freed events of up to SPARE_ARGS arguments (every sink event, most job events) are
** kept for the next ones: under Wine an allocation and a free are most of what an event
** costs the bridge (each takes the heap's lock and walks its free lists), and the Lua
** thread frees as many as the COM threads make. A lock-free list (any thread allocates,
** the Lua thread frees), bounded so that a burst does not keep its memory for good. */
#define SPARE_ARGS 4
#define SPARE_MAX 4096
/* one block: the event, then its VARIANTs, then their marshal streams */
#define EVENT_SIZE(cap) (sizeof(wbem_event) + (cap) * (sizeof(VARIANT) + sizeof(IStream *)))

typedef union spare {
  SLIST_ENTRY entry;            /* while it waits on the list (16-byte aligned: the heap's) */
  wbem_event ev;
} spare;

static SLIST_HEADER spares;     /* all zero: an empty list */

void wbem_event_free(wbem_event *ev) {
  UINT i;
  for (i = 0; i < ev->argc; i++) {
    if (ev->marshaled[i]) wbem_stream_release(ev->marshaled[i]);   /* never unmarshaled */
    VariantClear(&ev->argv[i]);
  }
  if (ev->job) wbem_job_release(ev->job);
  if (ev->spare && QueryDepthSList(&spares) < SPARE_MAX)
    InterlockedPushEntrySList(&spares, &((spare *)ev)->entry);
  else
    free(ev);
}

void wbem_event_spares_free(void) {
  SLIST_ENTRY *e = InterlockedFlushSList(&spares), *next;
  for (; e; e = next) {
    next = e->Next;
    free(e);
  }
}

wbem_event *wbem_event_new(int kind, int id, DISPID member, UINT argc) {
  wbem_event *ev = NULL;
  int reuse = argc <= SPARE_ARGS;
  UINT i, cap = reuse ? SPARE_ARGS : argc;
  if (argc > WBEM_MAX_EVENT_ARGS) return NULL;
  if (reuse && (ev = (wbem_event *)InterlockedPopEntrySList(&spares)) != NULL)
    memset(ev, 0, EVENT_SIZE(SPARE_ARGS));
  else if (!(ev = calloc(1, EVENT_SIZE(cap))))
    return NULL;
  ev->spare = reuse;
  ev->kind = kind;
  ev->sink = id;
  ev->member = member;
  ev->argv = (VARIANT *)(ev + 1);
  ev->marshaled = (IStream **)(ev->argv + cap);
  for (i = 0; i < argc; i++) VariantInit(&ev->argv[i]);
  ev->argc = argc;
  return ev;
}

/* An interface pointer that arrived on another thread belongs to that thread's
** apartment; an STA Lua thread may use it only through a proxy, so it travels as
** marshal data and is unmarshaled on the Lua thread. */
static void event_marshal_arg(wbem_event *ev, UINT i) {
  /* Not marshalable (no proxy/stub, or no apartment on this thread): the event is still
  ** worth more than its loss, so the pointer travels as it is, as it would in an MTA
  ** host (the VARIANT keeps it when marshaling fails). */
  wbem_variant_marshal(&ev->argv[i], &ev->marshaled[i]);
}

void wbem_event_unmarshal(wbem_event *ev) {
  UINT i;
  for (i = 0; i < ev->argc; i++) {
    IStream *s = ev->marshaled[i];
    if (!s) continue;
    ev->marshaled[i] = NULL;
    wbem_variant_unmarshal(&ev->argv[i], s);
  }
}


/* --- the queue ---------------------------------------------------------------------- */

void wbem_queue_addref(wbem_queue *q) {
  InterlockedIncrement(&q->refs);
}

static void queue_drop_all(wbem_queue *q) {
  wbem_event *ev, *next;
  EnterCriticalSection(&q->lock);
  ev = q->head;
  q->head = q->tail = NULL;
  q->length = 0;
  ResetEvent(q->ready);
  q->signalled = 0;
  LeaveCriticalSection(&q->lock);
  for (; ev; ev = next) {
    next = ev->next;
    wbem_event_free(ev);
  }
}

void wbem_queue_release(wbem_queue *q) {
  if (InterlockedDecrement(&q->refs) == 0) {
    queue_drop_all(q);
    CloseHandle(q->ready);
    DeleteCriticalSection(&q->lock);
    free(q);
  }
}

HRESULT wbem_queue_push(wbem_queue *q, int sink, DISPID member, const DISPPARAMS *params) {
  wbem_event *ev;
  UINT i, argc = params ? params->cArgs : 0;
  HRESULT hr = S_OK;
  if (argc > WBEM_MAX_EVENT_ARGS) return DISP_E_BADPARAMCOUNT;
  if (!(ev = wbem_event_new(WBEM_EVENT_SINK, sink, member, argc))) return E_OUTOFMEMORY;
  /* VariantCopyInd: a by-reference argument points into the caller's frame, which
  ** is gone by the time the Lua thread looks at it. */
  for (i = 0; i < argc && SUCCEEDED(hr); i++)
    hr = VariantCopyInd(&ev->argv[i], &params->rgvarg[argc - 1 - i]);
  if (FAILED(hr)) {
    wbem_event_free(ev);
    return hr;
  }
  return wbem_queue_post(q, ev);
}

HRESULT wbem_queue_post(wbem_queue *q, wbem_event *ev) {
  UINT i;
  if (q->sta && GetCurrentThreadId() != q->thread)
    for (i = 0; i < ev->argc; i++) event_marshal_arg(ev, i);
  EnterCriticalSection(&q->lock);
  if (q->closed) {
    LeaveCriticalSection(&q->lock);
    wbem_event_free(ev);
    return S_OK;
  }
  if (q->tail) q->tail->next = ev; else q->head = ev;
  q->tail = ev;
  q->length++;
  /* Each SetEvent and ResetEvent is a trip to the kernel (to wineserver under Wine),
  ** which would double the cost of an event. The handle is set only when someone may
  ** be waiting on it: not when the event comes in on the Lua thread while l_pump
  ** dispatches its messages, since l_pump drains the queue right after. */
  if (!q->signalled && !(q->pumping && GetCurrentThreadId() == q->thread)) {
    SetEvent(q->ready);
    q->signalled = 1;
  }
  LeaveCriticalSection(&q->lock);
  return S_OK;
}

/* After a drain stopped early: what is left must wake a host that waits on the handle. */
void wbem_queue_signal_pending(wbem_queue *q) {
  EnterCriticalSection(&q->lock);
  if (q->head && !q->signalled) {
    SetEvent(q->ready);
    q->signalled = 1;
  }
  LeaveCriticalSection(&q->lock);
}

wbem_event *wbem_queue_pop(wbem_queue *q) {
  wbem_event *ev;
  EnterCriticalSection(&q->lock);
  ev = q->head;
  if (ev) {
    q->head = ev->next;
    if (!q->head) q->tail = NULL;
    q->length--;
  }
  if (!q->head && q->signalled) {
    ResetEvent(q->ready);
    q->signalled = 0;
  }
  LeaveCriticalSection(&q->lock);
  return ev;
}

LONG wbem_queue_length(wbem_queue *q) {
  LONG n;
  EnterCriticalSection(&q->lock);
  n = q->length;
  LeaveCriticalSection(&q->lock);
  return n;
}

wbem_queue *wbem_queue_new(void) {
  wbem_queue *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!q->ready) {
    free(q);
    return NULL;
  }
  InitializeCriticalSection(&q->lock);
  q->refs = 1;
  q->thread = GetCurrentThreadId();
  q->sta = wbem_com_is_sta();
  return q;
}

void wbem_queue_close(wbem_queue *q) {
  EnterCriticalSection(&q->lock);
  q->closed = 1;
  LeaveCriticalSection(&q->lock);
  queue_drop_all(q);
  wbem_queue_release(q);
}

void wbem_queue_pumping(wbem_queue *q, int on) {
  q->pumping = on;
}

HANDLE wbem_queue_handle(wbem_queue *q) {
  return q->ready;
}

int wbem_queue_sta(wbem_queue *q) {
  return q->sta;
}
