/*
** control.c: WbemSim.Control, the test knobs. Every Control object shares one state for
** the process. Control objects are not counted in LiveObjects.
**
**   LatencyMs      get/put  delay from submission to completion of an async call (0)
**   Delivery       get/put  "marshal" (events marshaled into the sink's apartment) or
**                           "direct" (called on the worker thread)            ("marshal")
**   ProgressSteps  get/put  OnProgress events per call with wbemFlagSendStatus (3)
**   FailNext(hr[, count])   the next count operations fail with hr (count 1)
**   Hang           get/put  async calls wait after their progress until cancelled (False)
**   LiveObjects    get      live simulator objects + pending operations
**   LastContext    get      the context the last operation received, "Name=value;..." ("")
**   SyncLatencyMs  get/put  milliseconds added to every synchronous round trip (0);
**                           0..10,000,000, anything else E_INVALIDARG
**   SyncHang       get/put  synchronous round trips wait until it is cleared (False)
**   SyncWaiting    get      synchronous calls waiting now (in SyncLatencyMs or SyncHang)
**   AddServer(name, behaviour[, latency_ms])
**                           ConnectServer to name then does what behaviour says: "ok",
**                           "unreachable", "denied", "hang", "flaky" (hosts.c has the
**                           rules); again for a name: replaces its behaviour. A local name,
**                           an unknown behaviour, latency_ms outside 0..10,000,000 (0 when
**                           omitted): E_INVALIDARG
**   RemoveServer(name)      the added server and its repository go (WBEM_E_NOT_FOUND when
**                           it was not added)
**   Connecting     get      ConnectServer calls in progress now (locator.c), of any server
**   PeakConnects   get      the most ConnectServer calls in progress at once since Reset
**   Connections    get      SWbemServices objects alive now, of any server (services.c)
**   Reset()                 cancels pending calls, async and synchronous (connects waiting
**                           on an added server too), removes the added servers, re-seeds
**                           the repository, restores all of the above to their defaults
**                           (PeakConnects: after up to 1 s for the cancelled connects to
**                           return, the calls still in progress: normally 0)
**
** The synchronous round trips (sim_sync_wait) are the calls that real WMI answers in
** winmgmt, through DCOM for a remote connection, so that a caller waits for the server:
**   SWbemLocator.ConnectServer
**   SWbemServices.Get, Delete, InstancesOf, ExecQuery (with any flags: a semisynchronous
**     call, wbemFlagReturnImmediately, still asks the server to start the query; the
**     simulator's result is whole by then, so its enumeration waits no more)
**   SWbemServices.ExecNotificationQuery (the call that registers the query; NextEvent
**     reads what the subscription queued and is not one)
**   SWbemObject.Put_, Delete_
**   SWbemServices.ExecMethod, SWbemObject.ExecMethod_ and the direct calls of methods
**     (methods.c): the provider runs the method in the server
** and nothing else: not the asynchronous forms (LatencyMs and Hang are theirs); not what
** wbemdisp does on the client's own copy of an object (property reads and writes,
** Properties_, Qualifiers_, Methods_, Path_, Derivation_, SpawnInstance_,
** SpawnDerivedClass_, Clone_, GetObjectText_); not SWbemObjectSet's Count, Item,
** ItemIndex and its enumerator (a snapshot in the caller's process); not the members that
** answer E_NOTIMPL (SubclassesOf, ...); not Control.
**
** The wait, for test support (Microsoft documents no such thing; these are its rules):
**  - it comes first in the call, before the call looks at its arguments (a server refuses
**    flags after the round trip); Put_ and Delete_ take what they send (a copy of the
**    object, its path) before it, as wbemdisp sends the object as it was at the call;
**  - SyncLatencyMs is read when the call begins, as LatencyMs is at submission: the call
**    goes on no sooner than that many milliseconds after it began;
**  - SyncHang is looked at all along: a call in its latency wait when it is set waits for
**    it as well; clearing it releases every waiting call at once, and those calls go on
**    normally (their latency still counted from their beginning);
**  - Control.Reset() releases every waiting call with WBEM_E_CALL_CANCELLED (WbemErrorEnum
**    wbemErrCallCancelled, "Call was canceled"; the thread's last error says so): Reset
**    ends a test and re-seeds the repository, so a call left over must not act on the
**    next test's repository; and that is what Reset does to pending async calls too;
**  - no lock is held while a call waits (a condition variable of the state lock, which
**    the wait releases), so a waiting call blocks neither Reset, nor Control, nor the
**    local members above, nor the other synchronous calls: many threads wait together.
*/
#include <stdlib.h>
#include "wbemsim.h"

enum {
  ID_LATENCY = 1, ID_DELIVERY, ID_STEPS, ID_FAILNEXT, ID_HANG, ID_LIVE, ID_LASTCONTEXT, ID_RESET,
  ID_SYNC_LATENCY, ID_SYNC_HANG, ID_SYNC_WAITING, ID_ADD_SERVER, ID_REMOVE_SERVER, ID_CONNECTING, ID_PEAK,
  ID_CONNECTIONS, ID_LAST = ID_CONNECTIONS
};
enum { ID_FIRE_EVENT = 0x100 };      /* a method (events.c), outside the properties' range */



static const sim_member members[] = {
  { L"LatencyMs", ID_LATENCY, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"LatencyMs", ID_LATENCY, INVOKE_PROPERTYPUT, VT_EMPTY, 1, { VT_I4, 0 }, { L"value", NULL } },
  { L"Delivery", ID_DELIVERY, INVOKE_PROPERTYGET, VT_BSTR, 0, { 0, 0 }, { NULL, NULL } },
  { L"Delivery", ID_DELIVERY, INVOKE_PROPERTYPUT, VT_EMPTY, 1, { VT_BSTR, 0 }, { L"value", NULL } },
  { L"ProgressSteps", ID_STEPS, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"ProgressSteps", ID_STEPS, INVOKE_PROPERTYPUT, VT_EMPTY, 1, { VT_I4, 0 }, { L"value", NULL } },
  { L"FailNext", ID_FAILNEXT, INVOKE_FUNC, VT_EMPTY, 2, { VT_I4, VT_I4 }, { L"hresult", L"count" } },
  { L"Hang", ID_HANG, INVOKE_PROPERTYGET, VT_BOOL, 0, { 0, 0 }, { NULL, NULL } },
  { L"Hang", ID_HANG, INVOKE_PROPERTYPUT, VT_EMPTY, 1, { VT_BOOL, 0 }, { L"value", NULL } },
  { L"LiveObjects", ID_LIVE, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"LastContext", ID_LASTCONTEXT, INVOKE_PROPERTYGET, VT_BSTR, 0, { 0, 0 }, { NULL, NULL } },
  { L"Reset", ID_RESET, INVOKE_FUNC, VT_EMPTY, 0, { 0, 0 }, { NULL, NULL } },
  { L"SyncLatencyMs", ID_SYNC_LATENCY, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"SyncLatencyMs", ID_SYNC_LATENCY, INVOKE_PROPERTYPUT, VT_EMPTY, 1, { VT_I4, 0 }, { L"value", NULL } },
  { L"SyncHang", ID_SYNC_HANG, INVOKE_PROPERTYGET, VT_BOOL, 0, { 0, 0 }, { NULL, NULL } },
  { L"SyncHang", ID_SYNC_HANG, INVOKE_PROPERTYPUT, VT_EMPTY, 1, { VT_BOOL, 0 }, { L"value", NULL } },
  { L"SyncWaiting", ID_SYNC_WAITING, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"AddServer", ID_ADD_SERVER, INVOKE_FUNC, VT_EMPTY, 3, { VT_BSTR, VT_BSTR, VT_I4 },
    { L"name", L"behaviour", L"latency_ms" } },
  { L"RemoveServer", ID_REMOVE_SERVER, INVOKE_FUNC, VT_EMPTY, 1, { VT_BSTR, 0 }, { L"name", NULL } },
  { L"Connecting", ID_CONNECTING, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"PeakConnects", ID_PEAK, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"Connections", ID_CONNECTIONS, INVOKE_PROPERTYGET, VT_I4, 0, { 0, 0 }, { NULL, NULL } },
  { L"FireEvent", ID_FIRE_EVENT, INVOKE_FUNC, VT_EMPTY, 2, { VT_DISPATCH, VT_I4 }, { L"instance", L"count" } },
};
#define NMEMBERS (UINT)(sizeof members / sizeof members[0])

static SRWLOCK state_lock = SRWLOCK_INIT;
#define DEFAULTS { 0, FALSE, 3, FALSE, 0, FALSE }
static const sim_settings defaults = DEFAULTS;
static sim_settings settings = DEFAULTS;
static CONDITION_VARIABLE sync_cv = CONDITION_VARIABLE_INIT;  /* SyncHang cleared, or Reset */
static LONG sync_gen;         /* moves on at every Reset: the calls waiting then are cancelled */
static LONG sync_waiting;     /* Control.SyncWaiting */
static HRESULT fail_hr;
static LONG fail_count;
static WCHAR *last_context;

void control_settings(sim_settings *out)
{
  AcquireSRWLockShared(&state_lock);
  *out = settings;
  ReleaseSRWLockShared(&state_lock);
}

HRESULT control_take_failure(void)
{
  HRESULT hr = S_OK;
  AcquireSRWLockExclusive(&state_lock);
  if (fail_count > 0) {
    hr = fail_hr;
    fail_count--;
  }
  ReleaseSRWLockExclusive(&state_lock);
  return hr;
}

void control_set_last_context(IDispatch *ctx)
{
  WCHAR *text = nvset_context_text(ctx), *old;   /* may call out: no lock held */
  AcquireSRWLockExclusive(&state_lock);
  old = last_context;
  last_context = text;
  ReleaseSRWLockExclusive(&state_lock);
  free(old);
}

HRESULT sim_begin_operation(IDispatch *ctx)
{
  control_set_last_context(ctx);
  return control_take_failure();
}

/* The loop every simulated round trip waits in (sim_sync_wait here, a connect to an added
** server in hosts.c). SleepConditionVariableSRW gives the lock up while the thread sleeps,
** and whoever changes what check looks at takes the lock exclusively and then wakes cv, so
** a change cannot slip between a look and the sleep. The latency is counted with the
** performance counter, so that no call comes out early. */
HRESULT sim_wait(SRWLOCK *lock, CONDITION_VARIABLE *cv, LONGLONG start, LONG ms, sim_wait_check check, void *ctx)
{
  LARGE_INTEGER now, freq;
  LONGLONG due;
  QueryPerformanceFrequency(&freq);
  due = start + (LONGLONG)ms * freq.QuadPart / 1000;
  for (;;) {
    DWORD wait = INFINITE;
    sim_wait_state state = check(ctx);
    if (state == SIM_WAIT_CANCEL) return (HRESULT)WBEM_E_CALL_CANCELLED;
    if (state == SIM_WAIT_GO) {
      QueryPerformanceCounter(&now);
      if (now.QuadPart >= due) return S_OK;
      wait = (DWORD)((due - now.QuadPart) * 1000 / freq.QuadPart) + 1;
    }
    SleepConditionVariableSRW(cv, lock, wait, CONDITION_VARIABLE_LOCKMODE_SHARED);
  }
}

/* ctx: the Reset generation the call began in; the state lock is held shared */
static sim_wait_state sync_check(void *ctx)
{
  if (*(const LONG *)ctx != sync_gen) return SIM_WAIT_CANCEL;
  return settings.sync_hang ? SIM_WAIT_HOLD : SIM_WAIT_GO;
}

/* The rules are in the header. The state lock is held shared between the waits only; the
** writers (put, Reset) take it exclusively. */
HRESULT sim_sync_wait(void)
{
  LARGE_INTEGER start;
  HRESULT hr = S_OK;
  LONG gen;
  QueryPerformanceCounter(&start);
  AcquireSRWLockShared(&state_lock);
  if (settings.sync_latency_ms > 0 || settings.sync_hang) {
    gen = sync_gen;
    InterlockedIncrement(&sync_waiting);
    hr = sim_wait(&state_lock, &sync_cv, start.QuadPart, settings.sync_latency_ms, sync_check, &gen);
    InterlockedDecrement(&sync_waiting);
  }
  ReleaseSRWLockShared(&state_lock);
  return hr;
}

HRESULT sim_begin_sync(HRESULT refusal, IDispatch *ctx)
{
  HRESULT hr = sim_sync_wait();
  if (SUCCEEDED(hr)) hr = refusal;
  if (SUCCEEDED(hr)) hr = sim_begin_operation(ctx);
  return hr;
}

static void reset(void)
{
  WCHAR *old;
  /* The knobs first, and with them the synchronous calls waiting now cancelled: none of
  ** them may go on into the repository that is re-seeded below. */
  AcquireSRWLockExclusive(&state_lock);
  settings = defaults;
  sync_gen++;
  fail_hr = S_OK;
  fail_count = 0;
  old = last_context;
  last_context = NULL;
  ReleaseSRWLockExclusive(&state_lock);
  WakeAllConditionVariable(&sync_cv);
  free(old);
  hosts_reset();                  /* the connects hung on an added server are cancelled too */
  events_reset();                 /* every subscription ends (the async ones' OnCompleted follow) */
  worker_cancel_all();
  repo_reset();
  locator_reset_peak();
  sim_errors_thread_detach();     /* the calling thread's last error object */
}

typedef struct sim_control {
  IDispatch IDispatch_iface;
  LONG ref;
} sim_control;

static inline sim_control *impl_from_IDispatch(IDispatch *iface)
{
  return CONTAINING_RECORD(iface, sim_control, IDispatch_iface);
}

static HRESULT WINAPI control_QueryInterface(IDispatch *iface, REFIID riid, void **out)
{
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)) {
    *out = iface;
    IDispatch_AddRef(iface);
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI control_AddRef(IDispatch *iface)
{
  return InterlockedIncrement(&impl_from_IDispatch(iface)->ref);
}

static ULONG WINAPI control_Release(IDispatch *iface)
{
  sim_control *c = impl_from_IDispatch(iface);
  LONG ref = InterlockedDecrement(&c->ref);
  if (ref == 0) {
    free(c);
    sim_lock_module(FALSE);
  }
  return ref;
}

static HRESULT WINAPI control_GetTypeInfoCount(IDispatch *iface, UINT *count)
{
  (void)iface;
  *count = 1;
  return S_OK;
}

static HRESULT WINAPI control_GetTypeInfo(IDispatch *iface, UINT index, LCID lcid, ITypeInfo **ti)
{
  (void)iface; (void)lcid;
  if (index) return DISP_E_BADINDEX;
  return sim_build_typeinfo(&IID_WbemSimControlDisp, L"IWbemSimControl", members, NMEMBERS, ti);
}

static HRESULT WINAPI control_GetIDsOfNames(IDispatch *iface, REFIID riid, LPOLESTR *names, UINT count, LCID lcid,
                                            DISPID *ids)
{
  (void)iface; (void)riid; (void)lcid;
  return sim_member_ids(members, NMEMBERS, names, count, ids);
}

static HRESULT fail(EXCEPINFO *ei, HRESULT hr)
{
  if (ei) sim_excepinfo(ei, hr, L"WbemSim.Control");
  return DISP_E_EXCEPTION;
}

static HRESULT get(DISPID id, VARIANT *result)
{
  VARIANT v;
  VariantInit(&v);
  if (id == ID_LIVE) {
    /* what the worker holds for the events it is delivering goes first */
    worker_wait_idle(1000);
    V_VT(&v) = VT_I4;
    V_I4(&v) = sim_live_count();
  }
  else if (id == ID_SYNC_WAITING || id == ID_CONNECTING || id == ID_PEAK || id == ID_CONNECTIONS) {
    V_VT(&v) = VT_I4;
    V_I4(&v) = id == ID_CONNECTING ? locator_connecting() : id == ID_PEAK ? locator_peak_connects() :
               id == ID_CONNECTIONS ? services_alive() : InterlockedCompareExchange(&sync_waiting, 0, 0);
  }
  else {
    AcquireSRWLockShared(&state_lock);
    switch (id) {
    case ID_LATENCY: V_VT(&v) = VT_I4; V_I4(&v) = settings.latency_ms; break;
    case ID_STEPS: V_VT(&v) = VT_I4; V_I4(&v) = settings.progress_steps; break;
    case ID_HANG: V_VT(&v) = VT_BOOL; V_BOOL(&v) = settings.hang ? VARIANT_TRUE : VARIANT_FALSE; break;
    case ID_SYNC_LATENCY: V_VT(&v) = VT_I4; V_I4(&v) = settings.sync_latency_ms; break;
    case ID_SYNC_HANG: V_VT(&v) = VT_BOOL; V_BOOL(&v) = settings.sync_hang ? VARIANT_TRUE : VARIANT_FALSE; break;
    case ID_DELIVERY: V_VT(&v) = VT_BSTR; V_BSTR(&v) = SysAllocString(settings.direct ? L"direct" : L"marshal"); break;
    case ID_LASTCONTEXT: V_VT(&v) = VT_BSTR; V_BSTR(&v) = SysAllocString(last_context ? last_context : L""); break;
    default: break;
    }
    ReleaseSRWLockShared(&state_lock);
  }
  if (V_VT(&v) == VT_EMPTY) return DISP_E_MEMBERNOTFOUND;
  if (result) *result = v;
  else VariantClear(&v);
  return S_OK;
}

static HRESULT put(DISPID id, DISPPARAMS *params, EXCEPINFO *ei)
{
  VARIANT v;
  HRESULT hr;
  BOOL flag = id == ID_HANG || id == ID_SYNC_HANG;
  VARTYPE vt = id == ID_DELIVERY ? VT_BSTR : flag ? VT_BOOL : VT_I4;
  if (id == ID_LIVE || id == ID_LASTCONTEXT || id == ID_SYNC_WAITING || id == ID_CONNECTING || id == ID_PEAK ||
      id == ID_CONNECTIONS)
    return DISP_E_MEMBERNOTFOUND;   /* read-only */
  if (params->cArgs != 1) return DISP_E_BADPARAMCOUNT;
  if (FAILED(hr = sim_arg(params, 0, vt, &v))) return DISP_E_TYPEMISMATCH;
  if (id == ID_DELIVERY) {
    BOOL direct = V_BSTR(&v) && _wcsicmp(V_BSTR(&v), L"direct") == 0;
    BOOL marshal = V_BSTR(&v) && _wcsicmp(V_BSTR(&v), L"marshal") == 0;
    VariantClear(&v);
    if (!direct && !marshal) return fail(ei, (HRESULT)WBEM_E_INVALID_PARAMETER);
    AcquireSRWLockExclusive(&state_lock);
    settings.direct = direct;
    ReleaseSRWLockExclusive(&state_lock);
    return S_OK;
  }
  if ((id == ID_LATENCY || id == ID_STEPS) && (V_I4(&v) < 0 || V_I4(&v) > SIM_MAX_LATENCY_MS))
    return fail(ei, (HRESULT)WBEM_E_INVALID_PARAMETER);
  /* a negative delay is refused, not clamped: a test that asks for one has a bug */
  if (id == ID_SYNC_LATENCY && (V_I4(&v) < 0 || V_I4(&v) > SIM_MAX_LATENCY_MS)) return fail(ei, E_INVALIDARG);
  AcquireSRWLockExclusive(&state_lock);
  if (id == ID_LATENCY) settings.latency_ms = V_I4(&v);
  else if (id == ID_STEPS) settings.progress_steps = V_I4(&v);
  else if (id == ID_HANG) settings.hang = V_BOOL(&v) != VARIANT_FALSE;
  else if (id == ID_SYNC_LATENCY) settings.sync_latency_ms = V_I4(&v);
  else if (id == ID_SYNC_HANG) settings.sync_hang = V_BOOL(&v) != VARIANT_FALSE;
  else hr = DISP_E_MEMBERNOTFOUND;
  ReleaseSRWLockExclusive(&state_lock);
  if (id == ID_SYNC_HANG) WakeAllConditionVariable(&sync_cv);   /* cleared: every hung call goes on */
  return hr;
}

/* AddServer(name, behaviour[, latency_ms]) and RemoveServer(name) */
static HRESULT servers(DISPID id, DISPPARAMS *params, EXCEPINFO *ei)
{
  VARIANT name, behaviour, latency;
  HRESULT hr;
  UINT most = id == ID_ADD_SERVER ? 3 : 1, least = id == ID_ADD_SERVER ? 2 : 1;
  if (params->cArgs < least || params->cArgs > most) return DISP_E_BADPARAMCOUNT;
  if (FAILED(sim_arg(params, 0, VT_BSTR, &name))) return DISP_E_TYPEMISMATCH;
  if (id == ID_REMOVE_SERVER) hr = hosts_remove(V_BSTR(&name));
  else if (FAILED(sim_arg(params, 1, VT_BSTR, &behaviour))) hr = DISP_E_TYPEMISMATCH;
  else {
    hr = sim_arg(params, 2, VT_I4, &latency);
    if (hr == DISP_E_PARAMNOTFOUND) {
      V_VT(&latency) = VT_I4;
      V_I4(&latency) = 0;
    }
    else if (FAILED(hr)) hr = DISP_E_TYPEMISMATCH;
    if (hr != DISP_E_TYPEMISMATCH) hr = hosts_add(V_BSTR(&name), V_BSTR(&behaviour), V_I4(&latency));
    VariantClear(&behaviour);
  }
  VariantClear(&name);
  if (hr == DISP_E_TYPEMISMATCH || SUCCEEDED(hr)) return hr;
  return fail(ei, hr);
}

static HRESULT WINAPI control_Invoke(IDispatch *iface, DISPID id, REFIID riid, LCID lcid, WORD flags,
                                     DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
  DISPPARAMS none = { NULL, NULL, 0, 0 };
  (void)iface; (void)riid; (void)lcid; (void)argerr;
  if (!params) params = &none;
  if (result) VariantInit(result);
  if (id == ID_FIRE_EVENT) {
    /* FireEvent(instance [, count = 1]): an instance of a class derived from
    ** __ExtrinsicEvent, delivered count times to every subscription that selects it */
    VARIANT inst, cv;
    HRESULT hr;
    LONG count = 1;
    if (!(flags & DISPATCH_METHOD)) return DISP_E_MEMBERNOTFOUND;
    if (params->cArgs < 1 || params->cArgs > 2) return DISP_E_BADPARAMCOUNT;
    if (FAILED(sim_arg(params, 0, VT_DISPATCH, &inst))) return fail(ei, E_INVALIDARG);
    if (params->cArgs == 2 && (hr = sim_arg(params, 1, VT_I4, &cv)) != DISP_E_PARAMNOTFOUND) {
      if (FAILED(hr)) {
        VariantClear(&inst);
        return DISP_E_TYPEMISMATCH;
      }
      count = V_I4(&cv);
    }
    hr = events_fire(V_DISPATCH(&inst), count);
    VariantClear(&inst);
    return FAILED(hr) ? fail(ei, hr) : S_OK;
  }
  if (id == ID_FAILNEXT || id == ID_RESET || id == ID_ADD_SERVER || id == ID_REMOVE_SERVER) {
    if (!(flags & DISPATCH_METHOD)) return DISP_E_MEMBERNOTFOUND;
    if (id == ID_ADD_SERVER || id == ID_REMOVE_SERVER) return servers(id, params, ei);
    if (id == ID_RESET) {
      if (params->cArgs) return DISP_E_BADPARAMCOUNT;
      reset();
      return S_OK;
    }
    else {
      VARIANT hv, cv;
      LONG count = 1;
      if (params->cArgs < 1 || params->cArgs > 2) return DISP_E_BADPARAMCOUNT;
      if (FAILED(sim_arg(params, 0, VT_I4, &hv))) return DISP_E_TYPEMISMATCH;
      if (params->cArgs == 2) {
        HRESULT hr = sim_arg(params, 1, VT_I4, &cv);
        if (hr != DISP_E_PARAMNOTFOUND) {
          if (FAILED(hr)) return DISP_E_TYPEMISMATCH;
          count = V_I4(&cv);
        }
      }
      /* an injected failure must be one, and counted */
      if (SUCCEEDED(V_I4(&hv)) || count < 0) return fail(ei, (HRESULT)WBEM_E_INVALID_PARAMETER);
      AcquireSRWLockExclusive(&state_lock);
      fail_hr = V_I4(&hv);
      fail_count = count;
      ReleaseSRWLockExclusive(&state_lock);
      return S_OK;
    }
  }
  if (id < ID_LATENCY || id > ID_LAST) return DISP_E_MEMBERNOTFOUND;
  if (flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)) return put(id, params, ei);
  if (flags & (DISPATCH_PROPERTYGET | DISPATCH_METHOD)) {
    if (params->cArgs) return DISP_E_BADPARAMCOUNT;
    return get(id, result);
  }
  return DISP_E_MEMBERNOTFOUND;
}

static const IDispatchVtbl control_vtbl = {
  control_QueryInterface, control_AddRef, control_Release,
  control_GetTypeInfoCount, control_GetTypeInfo, control_GetIDsOfNames, control_Invoke,
};

HRESULT control_create(REFIID riid, void **out)
{
  sim_control *c = calloc(1, sizeof *c);
  HRESULT hr;
  *out = NULL;
  if (!c) return E_OUTOFMEMORY;
  c->IDispatch_iface.lpVtbl = &control_vtbl;
  c->ref = 1;
  sim_lock_module(TRUE);
  hr = IDispatch_QueryInterface(&c->IDispatch_iface, riid, out);
  IDispatch_Release(&c->IDispatch_iface);
  return hr;
}
