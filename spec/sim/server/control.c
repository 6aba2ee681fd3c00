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
**   Reset()                 cancels pending calls, re-seeds the repository, restores all
**                           of the above to their defaults
*/
#include <stdlib.h>
#include "wbemsim.h"

enum {
  ID_LATENCY = 1, ID_DELIVERY, ID_STEPS, ID_FAILNEXT, ID_HANG, ID_LIVE, ID_LASTCONTEXT, ID_RESET
};

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
};
#define NMEMBERS (UINT)(sizeof members / sizeof members[0])

static SRWLOCK state_lock = SRWLOCK_INIT;
static sim_settings settings = { 0, FALSE, 3, FALSE };
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

static void reset(void)
{
  WCHAR *old;
  worker_cancel_all();
  repo_reset();
  AcquireSRWLockExclusive(&state_lock);
  settings.latency_ms = 0;
  settings.direct = FALSE;
  settings.progress_steps = 3;
  settings.hang = FALSE;
  fail_hr = S_OK;
  fail_count = 0;
  old = last_context;
  last_context = NULL;
  ReleaseSRWLockExclusive(&state_lock);
  free(old);
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
  else {
    AcquireSRWLockShared(&state_lock);
    switch (id) {
    case ID_LATENCY: V_VT(&v) = VT_I4; V_I4(&v) = settings.latency_ms; break;
    case ID_STEPS: V_VT(&v) = VT_I4; V_I4(&v) = settings.progress_steps; break;
    case ID_HANG: V_VT(&v) = VT_BOOL; V_BOOL(&v) = settings.hang ? VARIANT_TRUE : VARIANT_FALSE; break;
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
  VARTYPE vt = id == ID_DELIVERY ? VT_BSTR : id == ID_HANG ? VT_BOOL : VT_I4;
  if (id == ID_LIVE || id == ID_LASTCONTEXT) return DISP_E_MEMBERNOTFOUND;   /* read-only */
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
  if ((id == ID_LATENCY || id == ID_STEPS) && (V_I4(&v) < 0 || V_I4(&v) > 10000000))
    return fail(ei, (HRESULT)WBEM_E_INVALID_PARAMETER);
  AcquireSRWLockExclusive(&state_lock);
  if (id == ID_LATENCY) settings.latency_ms = V_I4(&v);
  else if (id == ID_STEPS) settings.progress_steps = V_I4(&v);
  else if (id == ID_HANG) settings.hang = V_BOOL(&v) != VARIANT_FALSE;
  else hr = DISP_E_MEMBERNOTFOUND;
  ReleaseSRWLockExclusive(&state_lock);
  return hr;
}

static HRESULT WINAPI control_Invoke(IDispatch *iface, DISPID id, REFIID riid, LCID lcid, WORD flags,
                                     DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
  DISPPARAMS none = { NULL, NULL, 0, 0 };
  (void)iface; (void)riid; (void)lcid; (void)argerr;
  if (!params) params = &none;
  if (result) VariantInit(result);
  if (id == ID_FAILNEXT || id == ID_RESET) {
    if (!(flags & DISPATCH_METHOD)) return DISP_E_MEMBERNOTFOUND;
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
  if (id < ID_LATENCY || id > ID_RESET) return DISP_E_MEMBERNOTFOUND;
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
