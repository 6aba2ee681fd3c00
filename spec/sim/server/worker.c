/*
** worker.c: the thread that completes asynchronous operations, as WMI completes them on
** its own threads and calls the sink back.
**
** One thread (CoInitializeEx MTA) and a queue ordered by due time (with each sink's share
** of it linked apart, so cancelling a sink visits only its calls), and before it the
** cancelled operations, due at once, in the order they were cancelled. An operation is due
** at submission + Control.LatencyMs; with wbemFlagSendStatus its Control.ProgressSteps
** OnProgress events are spread over that time. Its events come in order:
**   [OnProgress(upper, current, message, ctx) x steps]  (only with wbemFlagSendStatus)
**   OnObjectPut(path, ctx) | OnObjectReady(object, ctx) per object
**   OnCompleted(hresult, error object or Nothing, ctx)
** DISPPARAMS hold the arguments in reverse. The async context is the caller's own object,
** held by the operation and handed back unchanged in every event. Events for a sink of a
** single-threaded apartment are posted to it (sink.c) and the worker never waits for that
** apartment; the operation's last cleanup then runs there, after OnCompleted was fired.
** No lock is held while an event is delivered.
*/
#include <stdlib.h>
#include <stdio.h>
#include "wbemsim.h"

#define NEVER (~(ULONGLONG)0)

/* An operation is in one of three lists: the timed queue (by due time) or, under
** Control.Hang, the hung list (due never), and while in either its sink's list too; or
** the queue of cancelled operations, which are due now. */
typedef struct op_links { struct sim_op *prev, *next; } op_links;

typedef struct sim_op {
  op_links q;               /* in the timed queue, the hung list or the cancelled queue */
  op_links s;               /* in its sink's list, while timed or hung */
  ULONGLONG start, due;
  sim_op_kind kind;
  LONG flags;
  sim_sink *sink;           /* internal reference */
  LONG gen, reset_gen;      /* cancelled when the sink's or the global generation moves on */
  IDispatch *actx;          /* the caller's async context object (a reference), or NULL */
  sim_settings set;         /* Control's settings at submission */
  LONG stage;               /* progress events sent */
  HRESULT fail;             /* an injected failure (Control.FailNext) */
  WCHAR *ns, *text;
  sim_data *data;
  sim_sub *sub;             /* OP_NOTIFY: the subscription (events.c), pending until cancelled */
  WCHAR *method;            /* OP_METHOD: the method's name (text is the object's path) */
} sim_op;

/* A job of worker_post: events of subscriptions delivered on the worker ("direct", MTA sinks). */
typedef struct sim_job {
  struct sim_job *next;
  void (*fn)(void *ctx);
  void *ctx;
} sim_job;

static CRITICAL_SECTION q_cs;
static CONDITION_VARIABLE q_cv = CONDITION_VARIABLE_INIT;
static sim_op_list timed;        /* by due time; equal due times in the order queued */
static sim_op_list hung;         /* due never (Control.Hang), in the order they hung: kept
                                 ** out of the timed queue, where each new operation would
                                 ** walk past all of them to find its place */
static sim_op_list cancelled;    /* due now, in the order they were cancelled */
static sim_job *jobs_head, *jobs_tail;   /* worker_post's, in the order posted */
static HANDLE idle_event;   /* set while the worker waits: no step under way */
static LONG reset_gen;
static INIT_ONCE lock_once = INIT_ONCE_STATIC_INIT, thread_once = INIT_ONCE_STATIC_INIT;
static LONG started;
static DWORD worker_thread_id;

static BOOL CALLBACK init_lock(INIT_ONCE *once, void *param, void **ctx)
{
  (void)once; (void)param; (void)ctx;
  InitializeCriticalSection(&q_cs);
  idle_event = CreateEventW(NULL, TRUE, TRUE, NULL);
  return idle_event != NULL;
}

static void lock(void)
{
  InitOnceExecuteOnce(&lock_once, init_lock, NULL, NULL);
  EnterCriticalSection(&q_cs);
}

static void unlock(void) { LeaveCriticalSection(&q_cs); }

/* ---- the queues (lock held) ---- */

static op_links *links(sim_op *op, BOOL by_sink) { return by_sink ? &op->s : &op->q; }

static void list_remove(sim_op_list *l, sim_op *op, BOOL by_sink)
{
  op_links *k = links(op, by_sink);
  if (k->prev) links(k->prev, by_sink)->next = k->next;
  else l->head = k->next;
  if (k->next) links(k->next, by_sink)->prev = k->prev;
  else l->tail = k->prev;
  k->prev = k->next = NULL;
}

/* After at (NULL: first). */
static void list_insert(sim_op_list *l, sim_op *at, sim_op *op, BOOL by_sink)
{
  op_links *k = links(op, by_sink);
  k->prev = at;
  k->next = at ? links(at, by_sink)->next : l->head;
  if (k->next) links(k->next, by_sink)->prev = op;
  else l->tail = op;
  if (at) links(at, by_sink)->next = op;
  else l->head = op;
}

/* After the last operation due no later: equal due times keep the order queued. Ops are
** mostly queued in due order, so the walk from the tail is short. The sink's list takes
** the same place among the sink's own, so it keeps the timed queue's order. */
static void list_insert_due(sim_op_list *l, sim_op *op, BOOL by_sink)
{
  sim_op *at = l->tail;
  while (at && at->due > op->due) at = links(at, by_sink)->prev;
  list_insert(l, at, op, by_sink);
}

static void queue_timed(sim_op *op)
{
  if (op->due == NEVER) list_insert(&hung, hung.tail, op, FALSE);
  else list_insert_due(&timed, op, FALSE);
  list_insert_due(sink_ops(op->sink), op, TRUE);
}

static void unqueue_timed(sim_op *op)
{
  list_remove(op->due == NEVER ? &hung : &timed, op, FALSE);
  list_remove(sink_ops(op->sink), op, TRUE);
}

static BOOL is_cancelled(sim_op *op)
{
  return sink_generation(op->sink) != op->gen || op->reset_gen != reset_gen;
}

/* Back in the queue after a step; one cancelled meanwhile (while it was out of every
** list, so Cancel could not move it) is due now, or it would wait for its due time, or
** for ever under Control.Hang. */
static void requeue(sim_op *op)
{
  if (is_cancelled(op)) list_insert(&cancelled, cancelled.tail, op, FALSE);
  else queue_timed(op);
}

/* ---- events ---- */

static void free_op(void *param);

/* Sends one event: posted to the sink's apartment, or fired here (direct delivery, MTA
** sinks). Either way the event is consumed. */
static void deliver(sim_op *op, sim_event *ev)
{
  if (!op->set.direct && sink_in_sta(op->sink)) {
    if (sink_post(op->sink, ev)) return;
    event_free(ev);                    /* the sink is closed: to no one */
    return;
  }
  sink_fire(op->sink, ev->id, ev->args, ev->nargs);
  event_free(ev);
}

static sim_event *new_event(DISPID id, UINT nargs, IDispatch *actx)
{
  sim_event *ev = calloc(1, sizeof *ev);
  if (!ev) return NULL;
  ev->id = id;
  ev->nargs = nargs;
  V_VT(&ev->args[0]) = VT_DISPATCH;    /* the last argument of every event: the async context */
  V_DISPATCH(&ev->args[0]) = actx;
  if (actx) IDispatch_AddRef(actx);
  return ev;
}

static void on_progress(sim_op *op, LONG upper, LONG current, const WCHAR *msg)
{
  sim_event *ev = new_event(WBEMS_DISPID_PROGRESS, 4, op->actx);
  if (!ev) return;
  V_VT(&ev->args[1]) = VT_BSTR;
  V_BSTR(&ev->args[1]) = SysAllocString(msg);
  V_VT(&ev->args[2]) = VT_I4;
  V_I4(&ev->args[2]) = current;
  V_VT(&ev->args[3]) = VT_I4;
  V_I4(&ev->args[3]) = upper;
  deliver(op, ev);
}

/* Takes the caller's reference to obj. */
static void on_object(sim_op *op, DISPID id, IDispatch *obj)
{
  sim_event *ev = new_event(id, 2, op->actx);
  if (!ev) {
    IDispatch_Release(obj);
    return;
  }
  V_VT(&ev->args[1]) = VT_DISPATCH;
  V_DISPATCH(&ev->args[1]) = obj;
  deliver(op, ev);
}

/* The last event: the operation is freed once it was fired (or dropped). */
static void on_completed(sim_op *op, HRESULT hr, IDispatch *err)
{
  sim_event *ev = new_event(WBEMS_DISPID_COMPLETED, 3, op->actx);
  if (!ev) {
    if (err) IDispatch_Release(err);
    free_op(op);
    return;
  }
  V_VT(&ev->args[1]) = VT_DISPATCH;
  V_DISPATCH(&ev->args[1]) = err;
  V_VT(&ev->args[2]) = VT_I4;
  V_I4(&ev->args[2]) = hr;
  ev->done = free_op;
  ev->done_ctx = op;
  deliver(op, ev);
}

static const WCHAR *operation_name(const sim_op *op)
{
  switch (op->kind) {
  case OP_PUT: return op->data && op->data->is_class ? L"PutClass" : L"PutInstance";
  case OP_DELETE: return delete_operation(op->text);
  case OP_GET: return L"GetObject";
  case OP_NOTIFY: return L"ExecNotificationQuery";
  case OP_METHOD: return L"ExecMethod";
  default: return family_operation(op->kind);     /* the query family (family.c) */
  }
}

/* Sends each object of a result as OnObjectReady. */
static void ready_all(sim_op *op, sim_data **items, int count)
{
  int i;
  for (i = 0; i < count; i++) {
    IDispatch *obj;
    sim_data *d = items[i];
    items[i] = NULL;
    if (SUCCEEDED(object_create(d, FALSE, &obj))) on_object(op, WBEMS_DISPID_OBJECT_READY, obj);
  }
}

/* The operation itself, on the repository as it is now, then its result events. */
static HRESULT perform(sim_op *op)
{
  sim_path p;
  sim_data *d = NULL, **items = NULL;
  int count = 0;
  HRESULT hr;
  switch (op->kind) {
  case OP_PUT:
    hr = repo_put(op->data, op->flags, &p);
    if (SUCCEEDED(hr)) {
      ISWbemObjectPath *path;
      if (SUCCEEDED(pathobj_create(&p, NULL, &path))) on_object(op, WBEMS_DISPID_OBJECT_PUT, (IDispatch *)path);
      path_free(&p);
    }
    return hr;
  case OP_DELETE:
    if (SUCCEEDED(hr = path_parse(op->text, &p))) {
      hr = repo_delete(op->ns, &p);
      path_free(&p);
    }
    return hr;
  case OP_GET:
    if (!*op->text) hr = (d = data_new(TRUE, op->ns, NULL)) ? S_OK : E_OUTOFMEMORY;
    else if (SUCCEEDED(hr = path_parse(op->text, &p))) {
      hr = repo_get(op->ns, &p, &d);
      path_free(&p);
    }
    if (SUCCEEDED(hr)) ready_all(op, &d, 1);
    return hr;
  case OP_METHOD:
    if (SUCCEEDED(hr = method_exec(op->ns, op->text, op->method, op->data, &d))) ready_all(op, &d, 1);
    return hr;
  default:            /* InstancesOf, ExecQuery, SubclassesOf (family.c) */
    hr = family_run(op->kind, op->ns, op->text, op->flags, &items, &count);
    break;
  }
  if (SUCCEEDED(hr)) ready_all(op, items, count);
  data_list_free(items, count);
  return hr;
}

static void free_op(void *param)
{
  sim_op *op = param;
  if (op->actx) IDispatch_Release(op->actx);
  sink_internal_release(op->sink);
  data_free(op->data);
  free(op->ns);
  free(op->text);
  free(op->method);
  free(op);
  sim_live_sub();
}

/* One step of an operation: the next progress event, or (when due) its completion.
** Returns TRUE when the operation is done with (its last event sent). */
static BOOL step(sim_op *op)
{
  BOOL gone = is_cancelled(op);
  LONG steps = (op->flags & SIM_FLAG_SEND_STATUS) ? op->set.progress_steps : 0;
  HRESULT hr;
  IDispatch *err = NULL;

  if (op->kind == OP_NOTIFY) {
    /* a subscription: "events are supplied to the specified response handler until
    ** CancelAsyncCall is called" (IWbemServices::ExecNotificationQueryAsync) */
    if (!gone) {
      op->due = NEVER;
      return FALSE;
    }
    events_ended(op->sub);        /* no event after OnCompleted */
    on_completed(op, (HRESULT)WBEM_E_CALL_CANCELLED, sim_error_object((HRESULT)WBEM_E_CALL_CANCELLED, operation_name(op), op->text));
    return TRUE;
  }
  if (!gone && op->stage < steps) {
    WCHAR msg[64];
    op->stage++;
    swprintf(msg, 64, L"%ls: step %ld of %ld", operation_name(op), (long)op->stage, (long)steps);
    on_progress(op, steps, op->stage, msg);
    op->due = op->start + (ULONGLONG)op->set.latency_ms * (ULONGLONG)(op->stage + 1) / (ULONGLONG)(steps + 1);
    return FALSE;
  }
  if (!gone && op->set.hang) {
    op->due = NEVER;                   /* Control.Hang: until cancelled */
    return FALSE;
  }
  hr = gone ? (HRESULT)WBEM_E_CALL_CANCELLED : op->fail;
  if (SUCCEEDED(hr)) hr = perform(op);
  if (FAILED(hr)) {
    WCHAR *rel = NULL;
    sim_path p;
    if (op->data && SUCCEEDED(data_to_path(op->data, &p))) {
      rel = path_relpath(&p);
      path_free(&p);
    }
    err = sim_error_object(hr, operation_name(op), op->text ? op->text : rel && *rel ? rel : op->data ? op->data->cls : NULL);
    free(rel);
  }
  on_completed(op, hr, err);
  return TRUE;
}

static DWORD WINAPI worker_main(void *param)
{
  BOOL done;
  (void)param;
  worker_thread_id = GetCurrentThreadId();
  CoInitializeEx(NULL, COINIT_MULTITHREADED);
  lock();
  for (;;) {
    ULONGLONG now = GetTickCount64();
    sim_op *op = cancelled.head;
    sim_job *job = jobs_head;
    if (job) {
      if (!(jobs_head = job->next)) jobs_tail = NULL;
      ResetEvent(idle_event);
      unlock();
      job->fn(job->ctx);
      free(job);
      lock();
      continue;
    }
    if (op) list_remove(&cancelled, op, FALSE);
    else if (timed.head && timed.head->due <= now) unqueue_timed(op = timed.head);
    if (op) {
      ResetEvent(idle_event);
      unlock();
      done = step(op);
      lock();
      if (!done) requeue(op);
      continue;
    }
    SetEvent(idle_event);
    SleepConditionVariableCS(&q_cv, &q_cs, timed.head && timed.head->due != NEVER ? (DWORD)(timed.head->due - now) : INFINITE);
  }
  return 0;
}

static BOOL CALLBACK start_thread(INIT_ONCE *once, void *param, void **ctx)
{
  HMODULE self;
  HANDLE thread;
  (void)once; (void)param; (void)ctx;
  /* the thread runs code of this DLL until the process ends: keep the DLL loaded */
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCWSTR)(void *)start_thread, &self);
  thread = CreateThread(NULL, 0, worker_main, NULL, 0, NULL);
  if (!thread) return FALSE;
  CloseHandle(thread);
  InterlockedExchange(&started, 1);
  return TRUE;
}

static const WCHAR *kind_name(sim_op_kind kind, const sim_data *d)
{
  sim_op tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.kind = kind;
  tmp.data = (sim_data *)d;
  return operation_name(&tmp);
}

static HRESULT submit(sim_op_kind kind, IDispatch *sink_disp, LONG flags, IDispatch *ctx, IDispatch *actx,
                      const WCHAR *ns, const WCHAR *text, sim_data *data, sim_sub *sub, const WCHAR *method)
{
  sim_sink *s = sink_from_dispatch(sink_disp);
  sim_op *op;
  if (!s) {
    /* not a simulator sink: the call fails at once, no events */
    HRESULT r = sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, kind_name(kind, data), L"objWbemSink");
    data_free(data);
    return r;
  }
  op = calloc(1, sizeof *op);
  if (!op) {
    sink_internal_release(s);
    data_free(data);
    return E_OUTOFMEMORY;
  }
  op->kind = kind;
  op->flags = flags;
  op->sink = s;
  op->gen = sink_generation(s);
  op->reset_gen = reset_gen;
  op->ns = sim_strdup(ns);
  op->text = sim_strdup(text);
  op->data = data;
  op->sub = sub;
  op->method = method ? sim_strdup(method) : NULL;
  control_settings(&op->set);
  /* a subscription is not one of FailNext's repository operations; its context counts */
  if (kind == OP_NOTIFY) control_set_last_context(ctx);
  else op->fail = sim_begin_operation(ctx);
  op->actx = actx;
  if (actx) IDispatch_AddRef(actx);
  sim_live_add();     /* a pending operation is live until it completed */
  if (!InitOnceExecuteOnce(&thread_once, start_thread, NULL, NULL)) {
    free_op(op);
    return E_OUTOFMEMORY;
  }
  op->start = GetTickCount64();
  lock();
  op->reset_gen = reset_gen;
  op->due = op->start + (ULONGLONG)((op->flags & SIM_FLAG_SEND_STATUS) && op->set.progress_steps > 0
                                    ? op->set.latency_ms / (op->set.progress_steps + 1) : op->set.latency_ms);
  queue_timed(op);
  WakeConditionVariable(&q_cv);
  unlock();
  return S_OK;
}

HRESULT worker_submit(sim_op_kind kind, IDispatch *sink, LONG flags, IDispatch *ctx, IDispatch *actx,
                      const WCHAR *ns, const WCHAR *text, sim_data *data)
{
  return submit(kind, sink, flags, ctx, actx, ns, text, data, NULL, NULL);
}

HRESULT worker_submit_notify(IDispatch *sink, IDispatch *ctx, IDispatch *actx, const WCHAR *ns, const WCHAR *text,
                             sim_sub *sub)
{
  return submit(OP_NOTIFY, sink, 0, ctx, actx, ns, text, NULL, sub, NULL);
}

HRESULT worker_submit_method(IDispatch *sink, LONG flags, IDispatch *ctx, IDispatch *actx, const WCHAR *ns,
                             const WCHAR *path, const WCHAR *method, sim_data *in)
{
  return submit(OP_METHOD, sink, flags, ctx, actx, ns, path, in, NULL, method ? method : L"");
}

BOOL worker_post(void (*fn)(void *ctx), void *ctx)
{
  sim_job *job = malloc(sizeof *job);
  if (!job || !InitOnceExecuteOnce(&thread_once, start_thread, NULL, NULL)) {
    free(job);
    return FALSE;
  }
  job->next = NULL;
  job->fn = fn;
  job->ctx = ctx;
  lock();
  if (jobs_tail) jobs_tail->next = job;
  else jobs_head = job;
  jobs_tail = job;
  WakeConditionVariable(&q_cv);
  unlock();
  return TRUE;
}

/* Moves the waiting operations of s (of every sink when NULL), in their order, to the
** queue of cancelled ones, which the worker takes before anything else. Only those
** operations are visited: a sink's release costs its own calls, however many others wait. */
static void cancel_list(sim_op_list *from)
{
  sim_op *op;
  while ((op = from->head)) {
    unqueue_timed(op);
    op->due = 0;
    list_insert(&cancelled, cancelled.tail, op, FALSE);
  }
}

static void cancel_where(sim_sink *s)
{
  if (s) cancel_list(sink_ops(s));
  else {
    cancel_list(&timed);
    cancel_list(&hung);
  }
  WakeConditionVariable(&q_cv);
}

void worker_cancel_sink(sim_sink *s)
{
  sink_bump_generation(s);
  if (!InterlockedCompareExchange(&started, 0, 0)) return;
  lock();
  cancel_where(s);
  unlock();
}

void worker_cancel_all(void)
{
  if (!InterlockedCompareExchange(&started, 0, 0)) return;
  lock();
  InterlockedIncrement(&reset_gen);
  cancel_where(NULL);
  unlock();
}

/* Waits until the worker is between steps, so that what it held for the events it just
** fired is released (a no-op on the worker itself: a direct event handler asking). */
void worker_wait_idle(DWORD timeout_ms)
{
  if (!InterlockedCompareExchange(&started, 0, 0) || GetCurrentThreadId() == worker_thread_id) return;
  WaitForSingleObject(idle_event, timeout_ms);
}
