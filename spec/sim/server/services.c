/*
** services.c: SWbemServices(Ex), a connection to one namespace. The synchronous calls go
** to the repository after their round trip (sim_begin_sync: Control.SyncLatencyMs and
** SyncHang); the query family's through family.c; the asynchronous ones (GetAsync, DeleteAsync,
** InstancesOfAsync, ExecQueryAsync, SubclassesOfAsync, AssociatorsOfAsync, ReferencesToAsync: the names of wbemdisp's type library, without the
** trailing underscore that SWbemObject's methods have) queue an operation on the worker.
**
** Control.Connections counts the services objects alive, of every server (ConnectServer
** makes them and nothing else does), from their creation to their last Release.
** Security_ is the connection's SWbemSecurity (security.c): its settings belong to the
** services object, so every read of Security_ sees what the last write left.
*/
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_services {
  ISWbemServicesEx ISWbemServicesEx_iface;
  LONG ref;
  IUnknown *ftm;
  WCHAR *ns;
  sim_security *security;
} sim_services;

static LONG alive;

LONG services_alive(void) { return InterlockedCompareExchange(&alive, 0, 0); }

static inline sim_services *impl_from_ISWbemServicesEx(ISWbemServicesEx *iface)
{
  return CONTAINING_RECORD(iface, sim_services, ISWbemServicesEx_iface);
}

static HRESULT WINAPI services_QueryInterface(ISWbemServicesEx *iface, REFIID riid, void **out)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemServices) ||
      IsEqualIID(riid, &IID_ISWbemServicesEx)) {
    *out = iface;
    ISWbemServicesEx_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &s->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI services_AddRef(ISWbemServicesEx *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemServicesEx(iface)->ref);
}

static ULONG WINAPI services_Release(ISWbemServicesEx *iface)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  LONG ref = InterlockedDecrement(&s->ref);
  if (ref == 0) {
    free(s->ns);
    security_release(s->security);
    if (s->ftm) IUnknown_Release(s->ftm);
    free(s);
    InterlockedDecrement(&alive);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(services, ISWbemServicesEx, &IID_ISWbemServices, L"SWbemServicesEx", impl_from_ISWbemServicesEx)

static const LONG get_flags = SIM_FLAG_RETURN_IMMEDIATELY | SIM_FLAG_SEND_STATUS | SIM_FLAG_AMENDED;

static HRESULT WINAPI services_Get(ISWbemServicesEx *iface, BSTR path, LONG flags, IDispatch *ctx, ISWbemObject **out)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  sim_data *d = NULL;
  sim_path p;
  HRESULT hr;
  *out = NULL;
  hr = sim_begin_sync((flags & ~get_flags) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK, ctx);
  if (SUCCEEDED(hr)) {
    if (!path || !*path) {
      /* Get of nothing: an empty class to define (SWbemServices.Get: "If strObjectPath is
      ** empty, a new class is returned") */
      d = data_new(TRUE, s->ns, NULL);
      hr = d ? S_OK : E_OUTOFMEMORY;
    }
    else if (SUCCEEDED(hr = path_parse(path, &p))) {
      hr = repo_get(s->ns, &p, &d);
      path_free(&p);
    }
  }
  if (FAILED(hr)) return sim_fail(hr, L"GetObject", path);
  return object_create(d, FALSE, (IDispatch **)out);
}

static HRESULT WINAPI services_GetAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR path, LONG flags,
                                        IDispatch *ctx, IDispatch *actx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  if (flags & ~get_flags) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"GetObject", path);
  return worker_submit(OP_GET, sink, flags, ctx, actx, s->ns, path ? path : L"", NULL);
}

static HRESULT WINAPI services_Delete(ISWbemServicesEx *iface, BSTR path, LONG flags, IDispatch *ctx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  sim_path p;
  HRESULT hr = sim_begin_sync((flags & ~SIM_FLAG_RETURN_IMMEDIATELY) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK, ctx);
  if (SUCCEEDED(hr) && SUCCEEDED(hr = path_parse(path, &p))) {
    hr = repo_delete(s->ns, &p);
    path_free(&p);
  }
  return FAILED(hr) ? sim_fail(hr, delete_operation(path), path) : S_OK;
}

static HRESULT WINAPI services_DeleteAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR path, LONG flags,
                                           IDispatch *ctx, IDispatch *actx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  if (flags & ~(SIM_FLAG_RETURN_IMMEDIATELY | SIM_FLAG_SEND_STATUS))
    return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, delete_operation(path), path);
  return worker_submit(OP_DELETE, sink, flags, ctx, actx, s->ns, path ? path : L"", NULL);
}

static HRESULT WINAPI services_InstancesOf(ISWbemServicesEx *iface, BSTR cls, LONG flags, IDispatch *ctx,
                                           ISWbemObjectSet **out)
{
  return family_sync(OP_INSTANCES, impl_from_ISWbemServicesEx(iface)->ns, cls, flags, ctx, S_OK, out);
}

static HRESULT WINAPI services_InstancesOfAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR cls, LONG flags,
                                                IDispatch *ctx, IDispatch *actx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  return worker_submit(OP_INSTANCES, sink, flags, ctx, actx, s->ns, cls ? cls : L"", NULL);
}

/* SubclassesOf: "If you leave this parameter blank ..." (repo_subclasses). */
static HRESULT WINAPI services_SubclassesOf(ISWbemServicesEx *iface, BSTR super, LONG flags, IDispatch *ctx,
                                            ISWbemObjectSet **out)
{
  return family_sync(OP_SUBCLASSES, impl_from_ISWbemServicesEx(iface)->ns, super ? super : L"", flags, ctx, S_OK, out);
}

static HRESULT WINAPI services_SubclassesOfAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR super, LONG flags,
                                                 IDispatch *ctx, IDispatch *actx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  return worker_submit(OP_SUBCLASSES, sink, flags, ctx, actx, s->ns, super ? super : L"", NULL);
}

static HRESULT WINAPI services_ExecQuery(ISWbemServicesEx *iface, BSTR query, BSTR lang, LONG flags, IDispatch *ctx,
                                         ISWbemObjectSet **out)
{
  /* semisynchronous or not, the result is whole when the call returns */
  return family_sync(OP_QUERY, impl_from_ISWbemServicesEx(iface)->ns, query, flags, ctx, wql_check_language(lang), out);
}

static HRESULT WINAPI services_ExecQueryAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR query, BSTR lang,
                                              LONG flags, IDispatch *ctx, IDispatch *actx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  HRESULT hr = wql_check_language(lang);
  if (FAILED(hr)) return sim_fail(hr, L"ExecQuery", query);
  return worker_submit(OP_QUERY, sink, flags, ctx, actx, s->ns, query ? query : L"", NULL);
}

/* AssociatorsOf and ReferencesTo "perform the same function that the ASSOCIATORS OF [REFERENCES
** OF] WQL query performs": the statement is written (assoc_text) and run as ExecQuery runs
** it; sink NULL: the synchronous call. */
static HRESULT family_call(sim_services *s, WCHAR *text, IDispatch *sink, LONG flags, IDispatch *ctx,
                           IDispatch *actx, ISWbemObjectSet **out)
{
  HRESULT hr;
  if (!sink) hr = family_sync(OP_QUERY, s->ns, text, flags, ctx, text ? S_OK : E_OUTOFMEMORY, out);
  else hr = text ? worker_submit(OP_QUERY, sink, flags, ctx, actx, s->ns, text, NULL) : E_OUTOFMEMORY;
  free(text);
  return hr;
}

static HRESULT WINAPI services_AssociatorsOf(ISWbemServicesEx *iface, BSTR path, BSTR assoc, BSTR result, BSTR rrole,
                                             BSTR role, VARIANT_BOOL classes, VARIANT_BOOL schema, BSTR aqual,
                                             BSTR qual, LONG flags, IDispatch *ctx, ISWbemObjectSet **out)
{
  return family_call(impl_from_ISWbemServicesEx(iface),
                     assoc_text(FALSE, path, assoc, result, rrole, role, classes, schema, aqual, qual),
                     NULL, flags, ctx, NULL, out);
}

static HRESULT WINAPI services_AssociatorsOfAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR path, BSTR assoc,
                                                  BSTR result, BSTR rrole, BSTR role, VARIANT_BOOL classes,
                                                  VARIANT_BOOL schema, BSTR aqual, BSTR qual, LONG flags,
                                                  IDispatch *ctx, IDispatch *actx)
{
  return family_call(impl_from_ISWbemServicesEx(iface),
                     assoc_text(FALSE, path, assoc, result, rrole, role, classes, schema, aqual, qual),
                     sink, flags, ctx, actx, NULL);
}

static HRESULT WINAPI services_ReferencesTo(ISWbemServicesEx *iface, BSTR path, BSTR result, BSTR role,
                                            VARIANT_BOOL classes, VARIANT_BOOL schema, BSTR qual, LONG flags,
                                            IDispatch *ctx, ISWbemObjectSet **out)
{
  return family_call(impl_from_ISWbemServicesEx(iface),
                     assoc_text(TRUE, path, NULL, result, NULL, role, classes, schema, NULL, qual),
                     NULL, flags, ctx, NULL, out);
}

static HRESULT WINAPI services_ReferencesToAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR path, BSTR result,
                                                 BSTR role, VARIANT_BOOL classes, VARIANT_BOOL schema, BSTR qual,
                                                 LONG flags, IDispatch *ctx, IDispatch *actx)
{
  return family_call(impl_from_ISWbemServicesEx(iface),
                     assoc_text(TRUE, path, NULL, result, NULL, role, classes, schema, NULL, qual),
                     sink, flags, ctx, actx, NULL);
}

/* SWbemServices.ExecNotificationQuery: "If you specify this parameter, this parameter must
** be set to both wbemFlagReturnImmediately and wbemFlagForwardOnly or the call fails"
** (WBEM_E_INVALID_PARAMETER); MS-WMI allows WBEM_FLAG_USE_AMENDED_QUALIFIERS besides. A
** synchronous round trip (the call that registers the query with winmgmt); NextEvent then
** reads what the subscription queued. */
#define NOTIFY_FLAGS (SIM_FLAG_RETURN_IMMEDIATELY | 0x20 /* wbemFlagForwardOnly */)
static HRESULT WINAPI services_ExecNotificationQuery(ISWbemServicesEx *iface, BSTR query, BSTR lang, LONG flags,
                                                     IDispatch *ctx, ISWbemEventSource **out)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  HRESULT hr = sim_sync_wait();
  *out = NULL;
  if (SUCCEEDED(hr)) hr = wql_check_language(lang);
  if (SUCCEEDED(hr) && (flags & ~SIM_FLAG_AMENDED) != NOTIFY_FLAGS) hr = (HRESULT)WBEM_E_INVALID_PARAMETER;
  if (SUCCEEDED(hr)) hr = events_exec(s->ns, query, ctx, out);
  return FAILED(hr) ? sim_fail(hr, L"ExecNotificationQuery", query) : S_OK;
}

/* Returns at once; the query's errors come back from the call ("If any error code is
** returned, the supplied IWbemObjectSink pointer is not used", IWbemServices::
** ExecNotificationQueryAsync), the events as OnObjectReady until the sink's Cancel. */
static HRESULT WINAPI services_ExecNotificationQueryAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR query,
                                                          BSTR lang, LONG flags, IDispatch *ctx, IDispatch *actx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  HRESULT hr = wql_check_language(lang);
  if (SUCCEEDED(hr) && (flags & ~(SIM_FLAG_SEND_STATUS | SIM_FLAG_AMENDED))) hr = (HRESULT)WBEM_E_INVALID_PARAMETER;
  if (SUCCEEDED(hr)) hr = events_exec_async(s->ns, sink, query, ctx, actx);
  return FAILED(hr) ? sim_fail(hr, L"ExecNotificationQuery", query) : S_OK;
}

/* The in-parameters object: a simulator object's copy (*d NULL for none), or
** WBEM_E_INVALID_PARAMETER for another implementation's (methods.c checks the rest). */
HRESULT services_method_in(IDispatch *in, sim_data **d)
{
  *d = in ? object_snapshot(in) : NULL;
  return in && !*d ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK;
}

static HRESULT WINAPI services_ExecMethod(ISWbemServicesEx *iface, BSTR path, BSTR method, IDispatch *in, LONG flags,
                                          IDispatch *ctx, ISWbemObject **out)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  sim_data *d = NULL, *res = NULL;
  HRESULT hr = (flags & ~SIM_METHOD_SYNC_FLAGS) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK;
  *out = NULL;
  /* the in-parameters as they were at the call are what is sent, before the round trip */
  if (SUCCEEDED(hr)) hr = services_method_in(in, &d);
  hr = sim_begin_sync(hr, ctx);
  if (SUCCEEDED(hr)) hr = method_exec(s->ns, path, method, d, &res);
  data_free(d);
  if (FAILED(hr)) return sim_fail(hr, L"ExecMethod", path);
  return object_create(res, FALSE, (IDispatch **)out);
}

static HRESULT WINAPI services_ExecMethodAsync(ISWbemServicesEx *iface, IDispatch *sink, BSTR path, BSTR method,
                                               IDispatch *in, LONG flags, IDispatch *ctx, IDispatch *actx)
{
  sim_services *s = impl_from_ISWbemServicesEx(iface);
  sim_data *d = NULL;
  HRESULT hr = (flags & ~SIM_METHOD_ASYNC_FLAGS) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK;
  if (SUCCEEDED(hr)) hr = services_method_in(in, &d);
  if (FAILED(hr)) return sim_fail(hr, L"ExecMethod", path);
  return worker_submit_method(sink, flags, ctx, actx, s->ns, path ? path : L"", method, d);
}

static HRESULT WINAPI services_get_Security_(ISWbemServicesEx *iface, ISWbemSecurity **out)
{
  return security_create(impl_from_ISWbemServicesEx(iface)->security, out);
}

/* SWbemServicesEx.Put/PutAsync are not in the type library Wine ships, so no script can
** reach them through IDispatch; SWbemObject.Put_/PutAsync_ are the way in. */
static HRESULT WINAPI services_Put(ISWbemServicesEx *iface, ISWbemObjectEx *obj, LONG flags, IDispatch *ctx,
                                   ISWbemObjectPath **out)
{
  (void)iface; (void)obj; (void)flags; (void)ctx;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI services_PutAsync(ISWbemServicesEx *iface, ISWbemSink *sink, ISWbemObjectEx *obj, LONG flags,
                                        IDispatch *ctx, IDispatch *actx)
{
  (void)iface; (void)sink; (void)obj; (void)flags; (void)ctx; (void)actx;
  return E_NOTIMPL;
}

static const ISWbemServicesExVtbl services_vtbl = {
  services_QueryInterface, services_AddRef, services_Release,
  services_GetTypeInfoCount, services_GetTypeInfo, services_GetIDsOfNames, services_Invoke,
  services_Get, services_GetAsync, services_Delete, services_DeleteAsync,
  services_InstancesOf, services_InstancesOfAsync, services_SubclassesOf, services_SubclassesOfAsync,
  services_ExecQuery, services_ExecQueryAsync, services_AssociatorsOf, services_AssociatorsOfAsync,
  services_ReferencesTo, services_ReferencesToAsync, services_ExecNotificationQuery,
  services_ExecNotificationQueryAsync, services_ExecMethod, services_ExecMethodAsync, services_get_Security_,
  services_Put, services_PutAsync,
};

HRESULT services_create(const WCHAR *ns, ISWbemServicesEx **out)
{
  sim_services *s = calloc(1, sizeof *s);
  *out = NULL;
  if (!s || !(s->ns = sim_strdup(ns)) || !(s->security = security_new())) {
    if (s) free(s->ns);
    free(s);
    return E_OUTOFMEMORY;
  }
  s->ISWbemServicesEx_iface.lpVtbl = &services_vtbl;
  s->ref = 1;
  InterlockedIncrement(&alive);
  sim_live_add();
  *out = &s->ISWbemServicesEx_iface;
  return S_OK;
}
