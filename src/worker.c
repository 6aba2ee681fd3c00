/*
** worker.c: the worker pool (worker.h). Blocking COM calls run here, on threads of the
** multithreaded apartment, never on the Lua thread; what comes of a call is posted to
** the state's event queue. This file does not include lua.h, and nothing here may.
**
** Threads start when jobs wait and no thread is idle, up to max_active threads that
** are not stuck; a thread idle for idle_ms exits. A job abandoned while it runs (its
** caller timed out) is "stuck": its thread no longer counts, so that calls which do not
** return cannot starve the pool; nor does a subscription's thread while it waits for
** events ("listening"), which may be for ever. MAX_THREADS bounds the threads alive in all.
**** return cannot starve the pool; MAX_THREADS bounds the threads alive in all.
**
** Each thread holds a reference to this module (FreeLibraryAndExitThread), so a Lua
** state that closes while calls run cannot unload the code they return into. The MTA
** is kept alive (CoIncrementMTAUsage) while any object made here may be in use: an
** idle pool must not take the apartment of every worker-made object down with it.
*/
#include "worker.h"
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#define MAX_THREADS    256
#define STACK_BYTES    (256 * 1024)

static struct {
  INIT_ONCE once;
  CRITICAL_SECTION lock;
  CONDITION_VARIABLE work;
  wbem_job *head, *tail;
  int queued, threads, idle, busy, stuck, parked, listening;
  int max_active;
  DWORD idle_ms;
  int on_wine;               /* Wine: CoCancelCall is not implemented (it aborts) */
} pool = { INIT_ONCE_STATIC_INIT, { 0 }, CONDITION_VARIABLE_INIT, NULL, NULL,
           0, 0, 0, 0, 0, 0, 0, 64, 5000, 0 };

static BOOL CALLBACK pool_init(INIT_ONCE *once, void *param, void **ctx) {
  HRESULT (WINAPI *increment)(void **);
  HMODULE ole = GetModuleHandleW(L"ole32.dll");
  void *cookie = NULL;
  (void)once; (void)param; (void)ctx;
  InitializeCriticalSection(&pool.lock);
  pool.on_wine = GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != NULL;
  /* never decremented: objects made by workers live in the MTA for as long as the
  ** process may hold them */
  increment = ole ? (HRESULT (WINAPI *)(void **))(void (*)(void))GetProcAddress(ole, "CoIncrementMTAUsage")
                  : NULL;
  if (increment) increment(&cookie);
  return TRUE;
}

static void pool_enter(void) {
  InitOnceExecuteOnce(&pool.once, pool_init, NULL, NULL);
  EnterCriticalSection(&pool.lock);
}

/* --- jobs ------------------------------------------------------------------------- */

wbem_job *wbem_job_new(int kind, struct wbem_queue *q) {
  wbem_job *job = calloc(1, sizeof *job);
  if (!job) return NULL;
  job->refs = 1;
  job->kind = kind;
  job->queue = q;
  wbem_queue_addref(q);
  job->ctx_arg = (UINT)-1;
  return job;
}

void wbem_job_addref(wbem_job *job) {
  InterlockedIncrement(&job->refs);
}

/* What a job holds for its call: released by the worker once the call is over, or
** by the last reference when the job never ran. */
static void job_clear_call(wbem_job *job) {
  UINT i;
  if (job->target) wbem_stream_release(job->target);
  job->target = NULL;
  if (job->direct) IDispatch_Release(job->direct);
  job->direct = NULL;
  if (job->argv) {
    for (i = 0; i < 2 * job->given + 1; i++) VariantClear(&job->argv[i]);
    free(job->argv);
    job->argv = NULL;
  }
  if (job->streams) {
    for (i = 0; i < job->given; i++)
      if (job->streams[i]) wbem_stream_release(job->streams[i]);
    free(job->streams);
    job->streams = NULL;
  }
  for (i = 0; i < job->ctx_n; i++) {
    SysFreeString(job->ctx_names[i]);
    VariantClear(&job->ctx_values[i]);
  }
  free(job->ctx_names);
  free(job->ctx_values);
  job->ctx_names = NULL;
  job->ctx_values = NULL;
  job->ctx_n = 0;
}

void wbem_job_release(wbem_job *job) {
  if (InterlockedDecrement(&job->refs) != 0) return;
  job_clear_call(job);
  if (job->en) IEnumVARIANT_Release(job->en);   /* only if the pool never ran it to its end */
  if (job->source) IDispatch_Release(job->source);
  wbem_excepinfo_clear(&job->ei);
  wbem_queue_release(job->queue);
  free(job);
}

/* --- the pool --------------------------------------------------------------------- */

static DWORD WINAPI worker_main(void *module);

/* Under the lock: starts a thread when jobs wait for one. */
static void pool_grow(void) {
  HMODULE self;
  HANDLE th;
  if (pool.queued <= pool.idle) return;
  if (pool.threads - pool.stuck - pool.listening >= pool.max_active || pool.threads >= MAX_THREADS)
    return;
  if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(void *)worker_main, &self))
    return;
  th = CreateThread(NULL, STACK_BYTES, worker_main, self, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
  if (!th) {
    FreeLibrary(self);
    return;
  }
  CloseHandle(th);
  pool.threads++;
}

/* Under the lock: the job joins the run queue, with the pool's reference. */
static void pool_push(wbem_job *job) {
  job->next = NULL;
  if (pool.tail) pool.tail->next = job; else pool.head = job;
  pool.tail = job;
  pool.queued++;
  if (pool.idle > 0) WakeConditionVariable(&pool.work);
  pool_grow();
}

HRESULT wbem_job_submit(wbem_job *job) {
  HRESULT hr = S_OK;
  wbem_job_addref(job);
  pool_enter();
  pool_push(job);
  if (pool.threads == 0) {   /* not one thread could be started: nothing would run it */
    wbem_job **p = &pool.head, *prev = NULL;
    while (*p && *p != job) prev = *p, p = &(*p)->next;
    if (*p) {
      *p = job->next;
      if (pool.tail == job) pool.tail = prev;
      pool.queued--;
    }
    hr = HRESULT_FROM_WIN32(ERROR_NOT_ENOUGH_MEMORY);
  }
  LeaveCriticalSection(&pool.lock);
  if (FAILED(hr)) wbem_job_release(job);
  return hr;
}

void wbem_job_credit(wbem_job *job, LONG n) {
  pool_enter();
  job->credit += n;
  if (job->parked && job->credit >= job->resume) {
    job->parked = 0;
    pool.parked--;
    pool_push(job);
  }
  LeaveCriticalSection(&pool.lock);
}

void wbem_job_abandon(wbem_job *job) {
  DWORD cancel = 0;
  InterlockedExchange(&job->abandoned, 1);
  pool_enter();
  if (job->parked) {           /* a worker releases its enumerator and ends it */
    job->parked = 0;
    pool.parked--;
    pool_push(job);
  } else if (job->running && !job->stuck && !job->listening) {
    job->stuck = 1;
    pool.stuck++;
    cancel = job->thread;
    pool_grow();               /* the stuck thread no longer counts */
  }
  LeaveCriticalSection(&pool.lock);
  /* COM call cancellation reaches only an outgoing DCOM call of that thread that is
  ** cancellable; an in-process call runs on. Wine does not implement it. */
  if (cancel && !pool.on_wine) CoCancelCall(cancel, 0);
}

void wbem_pool_stats_get(wbem_pool_stats *st) {
  pool_enter();
  st->threads = pool.threads;
  st->idle = pool.idle;
  st->busy = pool.busy;
  st->stuck = pool.stuck;
  st->listening = pool.listening;
  st->queued = pool.queued;
  st->parked = pool.parked;
  st->max_active = pool.max_active;
  st->idle_ms = pool.idle_ms;
  LeaveCriticalSection(&pool.lock);
}

void wbem_pool_configure(int max_active, DWORD idle_ms) {
  pool_enter();
  if (max_active > 0) pool.max_active = max_active > MAX_THREADS ? MAX_THREADS : max_active;
  if (idle_ms > 0) {
    pool.idle_ms = idle_ms;
    WakeAllConditionVariable(&pool.work);   /* idle threads wait anew with the new bound */
  }
  pool_grow();
  LeaveCriticalSection(&pool.lock);
}

/* --- running a job (worker threads) ----------------------------------------------- */

/* After a failed call: WMI's details of this thread's last failure, read the way a
** script reads them (creating SWbemLastError right after the call consumes them). */
static IDispatch *take_last_error(wbem_job *job, HRESULT hr) {
  IDispatch *err = NULL;
  if (hr == DISP_E_EXCEPTION && job->ei.scode != 0) hr = job->ei.scode;   /* the real code */
  if (IsEqualCLSID(&job->last_error, &CLSID_NULL) || !wbem_is_wbem_code(hr)) return NULL;
  if (FAILED(wbem_create_dispatch(&job->last_error, &err))) return NULL;
  return err;
}

/* The out slot of argument i (in the order given) when it was passed as wbem.out, else
** NULL: dispatch.c's wbem_build_args points such an argument at argv[given + i]. */
static VARIANT *out_slot(wbem_job *job, UINT i) {
  VARIANT *v = &job->argv[job->passed - 1 - i];
  VARIANT *slot = &job->argv[job->given + i];
  return V_VT(v) == (VT_BYREF | VT_VARIANT) && V_VARIANTREF(v) == slot ? slot : NULL;
}

/* Posts WBEM_JOB_DONE: [error object, result, out values...], or nothing at all when
** the caller gave up (what came is released here, in the apartment it belongs to). */
static void finish(wbem_job *job, HRESULT hr, IDispatch *errobj) {
  UINT i, n = 0, outs = 0;
  wbem_event *ev;
  int abandoned = InterlockedCompareExchange(&job->abandoned, 0, 0);
  job->hr = hr;
  if (!abandoned && job->argv)
    for (i = 0; i < job->passed; i++) outs += out_slot(job, i) != NULL;
  ev = wbem_event_new(WBEM_EVENT_JOB, job->id, WBEM_JOB_DONE, abandoned ? 0 : 2 + outs);
  if (ev && !abandoned) {
    if (errobj) {
      V_VT(&ev->argv[0]) = VT_DISPATCH;
      V_DISPATCH(&ev->argv[0]) = errobj;
      errobj = NULL;
    }
    if (job->argv) {
      ev->argv[1] = job->argv[2 * job->given];       /* moved, not copied */
      VariantInit(&job->argv[2 * job->given]);
      for (i = 0, n = 2; i < job->passed; i++) {
        VARIANT *slot = out_slot(job, i);
        if (slot) {
          ev->argv[n++] = *slot;
          VariantInit(slot);
        }
      }
    }
  }
  if (errobj) IDispatch_Release(errobj);
  job_clear_call(job);
  if (!ev) return;   /* out of memory: the caller's deadline, if any, ends the wait */
  ev->job = job;
  wbem_job_addref(job);
  wbem_queue_post(job->queue, ev);
}

/* Under the lock: the job's thread lets go of it (it ended, or parked). */
static void job_leave_thread(wbem_job *job) {
  job->running = 0;
  pool.busy--;
  if (job->listening) {
    job->listening = 0;
    pool.listening--;
  }
  if (job->stuck) {
    job->stuck = 0;
    pool.stuck--;
  }
}

/* The object the call is made on, in this apartment. */
static HRESULT take_target(wbem_job *job, IDispatch **out) {
  HRESULT hr;
  *out = NULL;
  if (job->direct) {
    *out = job->direct;
    job->direct = NULL;
    return S_OK;
  }
  if (!job->target) return E_POINTER;
  hr = CoGetInterfaceAndReleaseStream(job->target, &IID_IDispatch, (void **)out);
  job->target = NULL;
  return hr;
}

static HRESULT unmarshal_args(wbem_job *job) {
  UINT i;
  HRESULT hr = S_OK;
  if (!job->streams) return S_OK;
  for (i = 0; i < job->given; i++) {
    IStream *s = job->streams[i];
    if (!s) continue;
    job->streams[i] = NULL;
    if (FAILED(hr = wbem_variant_unmarshal(&job->argv[i], s))) break;
  }
  return hr;
}

/* The context of the call, an SWbemNamedValueSet made here, in the apartment of the
** call: a set made on the Lua thread would be read back through it. */
static HRESULT make_context(wbem_job *job) {
  IDispatch *nvs = NULL;
  HRESULT hr;
  UINT i;
  if (job->ctx_arg == (UINT)-1) return S_OK;
  hr = wbem_create_dispatch(&job->nvs, &nvs);
  for (i = 0; SUCCEEDED(hr) && i < job->ctx_n; i++) {
    VARIANT a[3], r;
    V_VT(&a[0]) = VT_BSTR;
    V_BSTR(&a[0]) = job->ctx_names[i];
    a[1] = job->ctx_values[i];
    V_VT(&a[2]) = VT_I4;
    V_I4(&a[2]) = 0;
    hr = wbem_disp_call(nvs, L"Add", DISPATCH_METHOD, a, 3, &r);
    VariantClear(&r);
  }
  if (FAILED(hr)) {
    if (nvs) IDispatch_Release(nvs);
    return hr;
  }
  VariantClear(&job->argv[job->ctx_arg]);
  V_VT(&job->argv[job->ctx_arg]) = VT_DISPATCH;
  V_DISPATCH(&job->argv[job->ctx_arg]) = nvs;
  return S_OK;
}

/* A query's result: the enumerator of the SWbemObjectSet (its _NewEnum). */
static HRESULT open_enum(VARIANT *set, IEnumVARIANT **en) {
  VARIANT v;
  HRESULT hr;
  *en = NULL;
  if (V_VT(set) != VT_DISPATCH || !V_DISPATCH(set)) return E_UNEXPECTED;
  hr = wbem_disp_invoke(V_DISPATCH(set), DISPID_NEWENUM, DISPATCH_PROPERTYGET | DISPATCH_METHOD,
                        NULL, &v, NULL, NULL);
  if (FAILED(hr)) return hr;
  if (V_VT(&v) == VT_UNKNOWN || V_VT(&v) == VT_DISPATCH)
    hr = V_UNKNOWN(&v) ? IUnknown_QueryInterface(V_UNKNOWN(&v), &IID_IEnumVARIANT, (void **)en)
                       : E_POINTER;
  else hr = E_UNEXPECTED;
  VariantClear(&v);
  return hr;
}

#define WBEM_E_TIMED_OUT_EVENT ((HRESULT)0x80043001)   /* wbemErrTimedout: NextEvent's "no event yet" */

/* The next object of a query or event: S_OK with *v, S_FALSE at the end (a query's
** last object was read, or a subscription was abandoned while it waited), or a failure
** with the job's EXCEPINFO. An event source is asked in steps, so that nobody waits
** on a subscription that nobody reads any more. */
static HRESULT fetch(wbem_job *job, VARIANT *v) {
  HRESULT hr;
  VariantInit(v);
  if (job->en) {
    ULONG got = 0;
    hr = IEnumVARIANT_Next(job->en, 1, v, &got);
    return FAILED(hr) ? hr : hr == S_OK && got == 1 ? S_OK : S_FALSE;
  }
  for (;;) {
    VARIANT step;
    DISPPARAMS dp = { &step, NULL, 1, 0 };
    V_VT(&step) = VT_I4;
    V_I4(&step) = WBEM_EVENT_STEP_MS;
    wbem_excepinfo_clear(&job->ei);
    hr = wbem_disp_invoke(job->source, job->next_event, DISPATCH_METHOD, &dp, v, &job->ei, NULL);
    if (hr != WBEM_E_TIMED_OUT_EVENT && !(hr == DISP_E_EXCEPTION && job->ei.scode == WBEM_E_TIMED_OUT_EVENT))
      return hr;
    wbem_excepinfo_clear(&job->ei);
    if (InterlockedCompareExchange(&job->abandoned, 0, 0)) return S_FALSE;
  }
}

static void end_fetching(wbem_job *job) {
  if (job->en) IEnumVARIANT_Release(job->en);
  if (job->source) IDispatch_Release(job->source);
  job->en = NULL;
  job->source = NULL;
}

/* From now on the job's thread waits for events, not for work: it stops counting
** against the pool's max, so a thread may start for the calls queued behind it. */
static void begin_listening(wbem_job *job) {
  pool_enter();
  if (!job->listening && !job->stuck) {
    job->listening = 1;
    pool.listening++;
    pool_grow();
  }
  LeaveCriticalSection(&pool.lock);
}

/* Posts a query's objects (or a subscription's events) one at a time while it has
** credit; returns 1 when it parked (the job is then the pool's, not this thread's), 0
** when the job is over. */
static int enumerate(wbem_job *job) {
  HRESULT hr = S_OK;
  IDispatch *errobj = NULL;
  if (job->source) begin_listening(job);
  for (;;) {
    VARIANT v;
    wbem_event *ev;
    if (InterlockedCompareExchange(&job->abandoned, 0, 0)) break;
    pool_enter();
    if (job->credit <= 0) {
      job->parked = 1;
      pool.parked++;
      job_leave_thread(job);
      LeaveCriticalSection(&pool.lock);
      return 1;
    }
    job->credit--;
    LeaveCriticalSection(&pool.lock);
    hr = fetch(job, &v);
    if (FAILED(hr)) {
      errobj = take_last_error(job, hr);
      break;
    }
    if (hr != S_OK) {
      hr = S_OK;
      break;
    }
    if (!(ev = wbem_event_new(WBEM_EVENT_JOB, job->id, WBEM_JOB_ITEM, 1))) {
      VariantClear(&v);
      hr = E_OUTOFMEMORY;
      break;
    }
    ev->argv[0] = v;
    ev->job = job;
    wbem_job_addref(job);
    wbem_queue_post(job->queue, ev);
  }
  end_fetching(job);
  finish(job, hr, errobj);
  return 0;
}

/* An EVENTS job's subscription is registered (the caller may wait for that). */
static void post_ready(wbem_job *job) {
  wbem_event *ev = wbem_event_new(WBEM_EVENT_JOB, job->id, WBEM_JOB_READY, 0);
  if (!ev) return;   /* out of memory: the first event, or the end, tells the same */
  ev->job = job;
  wbem_job_addref(job);
  wbem_queue_post(job->queue, ev);
}

/* What a QUERY or EVENTS call returned becomes the job's source of objects. */
static HRESULT open_source(wbem_job *job, VARIANT *result) {
  HRESULT hr;
  if (job->kind == WBEM_JOB_QUERY) return open_enum(result, &job->en);
  if (V_VT(result) != VT_DISPATCH || !V_DISPATCH(result)) return E_UNEXPECTED;
  hr = wbem_disp_id(V_DISPATCH(result), L"NextEvent", &job->next_event);
  if (SUCCEEDED(hr)) {
    job->source = V_DISPATCH(result);
    VariantInit(result);
  }
  return hr;
}

/* Runs job; returns 1 when it parked (a query waiting for credit). */
static int run(wbem_job *job) {
  IDispatch *target = NULL, *errobj = NULL;
  VARIANT *result;
  HRESULT hr;
  if (job->en || job->source) return enumerate(job);
  if (InterlockedCompareExchange(&job->abandoned, 0, 0)) {
    finish(job, HRESULT_FROM_WIN32(ERROR_CANCELLED), NULL);
    return 0;
  }
  result = &job->argv[2 * job->given];
  if (job->kind == WBEM_JOB_CREATE) {
    hr = wbem_create_dispatch(&job->clsid, &target);
    if (SUCCEEDED(hr)) {
      V_VT(result) = VT_DISPATCH;
      V_DISPATCH(result) = target;
      target = NULL;
    }
  } else {
    hr = take_target(job, &target);
    if (SUCCEEDED(hr)) hr = unmarshal_args(job);
    if (SUCCEEDED(hr)) hr = make_context(job);
    if (SUCCEEDED(hr)) {
      DISPID named = DISPID_PROPERTYPUT;
      int put = (job->flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)) != 0;
      DISPPARAMS dp = { job->passed ? job->argv : NULL, put ? &named : NULL, job->passed, put ? 1 : 0 };
      job->argerr = (UINT)-1;
      hr = wbem_disp_invoke(target, job->member, job->flags, &dp, put ? NULL : result, &job->ei,
                            &job->argerr);
      if (FAILED(hr)) errobj = take_last_error(job, hr);
    }
    if (target) IDispatch_Release(target);
    if (SUCCEEDED(hr) && (job->kind == WBEM_JOB_QUERY || job->kind == WBEM_JOB_EVENTS)) {
      hr = open_source(job, result);
      VariantClear(result);
      if (SUCCEEDED(hr) && job->kind == WBEM_JOB_EVENTS) {
        /* listening before the Lua thread hears "ready": what wbem.workers() says
        ** once a subscription is made counts it */
        begin_listening(job);
        post_ready(job);
      }
      if (SUCCEEDED(hr)) {
        job_clear_call(job);
        return enumerate(job);
      }
    }
  }
  finish(job, hr, errobj);
  return 0;
}

static DWORD WINAPI worker_main(void *module) {
  int cancellable;
  CoInitializeEx(NULL, COINIT_MULTITHREADED);
  cancellable = !pool.on_wine && SUCCEEDED(CoEnableCallCancellation(NULL));
  pool_enter();
  for (;;) {
    wbem_job *job;
    while (!pool.head) {
      BOOL woke;
      pool.idle++;
      woke = SleepConditionVariableCS(&pool.work, &pool.lock, pool.idle_ms);
      pool.idle--;
      if (!woke && !pool.head) goto done;
    }
    job = pool.head;
    pool.head = job->next;
    if (!pool.head) pool.tail = NULL;
    pool.queued--;
    pool.busy++;
    job->running = 1;
    job->thread = GetCurrentThreadId();
    LeaveCriticalSection(&pool.lock);
    if (run(job)) {   /* parked: the job and its reference are the pool's now */
      pool_enter();
      continue;
    }
    pool_enter();
    job_leave_thread(job);
    LeaveCriticalSection(&pool.lock);
    wbem_job_release(job);
    pool_enter();
  }
done:
  pool.threads--;
  LeaveCriticalSection(&pool.lock);
  if (cancellable) CoDisableCallCancellation(NULL);
  CoUninitialize();
  FreeLibraryAndExitThread((HMODULE)module, 0);
  return 0;
}
