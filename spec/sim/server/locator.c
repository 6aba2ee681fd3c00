/*
** locator.c: WbemSim.SWbemLocator. ConnectServer reaches the in-memory namespaces root,
** root\cimv2 (the default, as WMI's default namespace setting usually is) and root\default
** on the local machine; any other namespace is WBEM_E_INVALID_NAMESPACE. ConnectServer is
** a synchronous round trip (Control.SyncLatencyMs, SyncHang: control.c). A server added
** with Control.AddServer then does what hosts.c says, and its connection reaches the same
** namespaces of its own repository; any other server that is not this computer is
** HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE).
**
** Control.Connecting is the number of ConnectServer calls in progress, from entry to
** return, local or not, and Control.PeakConnects the most there were at once since the
** last Reset (which cancels the connects that wait, lets them return, and sets it to the
** calls still in progress then: 0 unless a call outlived that second).
*/
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_locator {
  ISWbemLocator ISWbemLocator_iface;
  LONG ref;
  IUnknown *ftm;
} sim_locator;

static inline sim_locator *impl_from_ISWbemLocator(ISWbemLocator *iface)
{
  return CONTAINING_RECORD(iface, sim_locator, ISWbemLocator_iface);
}

static HRESULT WINAPI locator_QueryInterface(ISWbemLocator *iface, REFIID riid, void **out)
{
  sim_locator *l = impl_from_ISWbemLocator(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemLocator)) {
    *out = iface;
    ISWbemLocator_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &l->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI locator_AddRef(ISWbemLocator *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemLocator(iface)->ref);
}

static ULONG WINAPI locator_Release(ISWbemLocator *iface)
{
  sim_locator *l = impl_from_ISWbemLocator(iface);
  LONG ref = InterlockedDecrement(&l->ref);
  if (ref == 0) {
    if (l->ftm) IUnknown_Release(l->ftm);
    free(l);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(locator, ISWbemLocator, &IID_ISWbemLocator, L"SWbemLocator", impl_from_ISWbemLocator)

BOOL sim_local_server(const WCHAR *s)
{
  return !s || !*s || wcscmp(s, L".") == 0 || _wcsicmp(s, L"localhost") == 0 || _wcsicmp(s, sim_server_name()) == 0;
}

static LONG connecting, peak;

LONG locator_connecting(void) { return InterlockedCompareExchange(&connecting, 0, 0); }
LONG locator_peak_connects(void) { return InterlockedCompareExchange(&peak, 0, 0); }
/* At Reset: the connects it cancelled (hung, or in a latency) are on their way out; they are
** given up to a second to leave, so that a test's PeakConnects does not count the previous
** test's stragglers. Reset is rare, so a short sleep loop is enough here. */
void locator_reset_peak(void)
{
  int i;
  for (i = 0; i < 1000 && locator_connecting() > 0; i++) Sleep(1);
  InterlockedExchange(&peak, locator_connecting());
}

/* The call itself; host is the added server's name as hosts_connect gives it, NULL for this
** computer. */
static HRESULT connect_server(BSTR server, BSTR ns, BSTR user, ISWbemServices **out)
{
  WCHAR *name, *c, *host = NULL, *canonical;
  HRESULT hr;
  /* the round trip, whatever the server answers */
  if (FAILED(hr = sim_sync_wait())) return sim_fail(hr, L"ConnectServer", ns);
  if (!sim_local_server(server)) {
    /* an added server answers as its behaviour says, after its latency (hosts.c) */
    if ((hr = hosts_connect(server, &host)) != S_OK) {
      /* the RPC error a connection to a machine that does not answer gives */
      if (hr == S_FALSE) hr = HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
      return sim_fail(hr, L"ConnectServer", server);
    }
  }
  /* "User credentials cannot be used for local connections" (WBEM_E_LOCAL_CREDENTIALS);
  ** a remote server takes them (and the simulator looks at none) */
  else if (user && *user) return sim_fail((HRESULT)WBEM_E_LOCAL_CREDENTIALS, L"ConnectServer", user);
  name = sim_strdup(ns && *ns ? ns : L"root\\cimv2");
  if (name) {
    for (c = name; *c; c++)
      if (*c == L'/') *c = L'\\';
    hr = repo_namespace(host, name, &canonical);
    if (hr == (HRESULT)WBEM_E_INVALID_NAMESPACE) hr = sim_fail(hr, L"ConnectServer", name);
    else if (SUCCEEDED(hr)) {
      hr = services_create(canonical, (ISWbemServicesEx **)out);
      free(canonical);
    }
  }
  else hr = E_OUTOFMEMORY;
  free(name);
  free(host);
  return hr;
}

static HRESULT WINAPI locator_ConnectServer(ISWbemLocator *iface, BSTR server, BSTR ns, BSTR user, BSTR password,
                                            BSTR locale, BSTR authority, LONG flags, IDispatch *ctx,
                                            ISWbemServices **out)
{
  LONG now, old;
  HRESULT hr;
  (void)iface; (void)password; (void)locale; (void)authority; (void)flags; (void)ctx;
  *out = NULL;
  now = InterlockedIncrement(&connecting);
  while ((old = InterlockedCompareExchange(&peak, 0, 0)) < now && InterlockedCompareExchange(&peak, now, old) != old)
    ;
  hr = connect_server(server, ns, user, out);
  InterlockedDecrement(&connecting);
  return hr;
}

static HRESULT WINAPI locator_get_Security_(ISWbemLocator *iface, ISWbemSecurity **out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static const ISWbemLocatorVtbl locator_vtbl = {
  locator_QueryInterface, locator_AddRef, locator_Release,
  locator_GetTypeInfoCount, locator_GetTypeInfo, locator_GetIDsOfNames, locator_Invoke,
  locator_ConnectServer, locator_get_Security_,
};

HRESULT locator_create(REFIID riid, void **out)
{
  sim_locator *l = calloc(1, sizeof *l);
  HRESULT hr;
  *out = NULL;
  if (!l) return E_OUTOFMEMORY;
  l->ISWbemLocator_iface.lpVtbl = &locator_vtbl;
  l->ref = 1;
  sim_live_add();
  hr = ISWbemLocator_QueryInterface(&l->ISWbemLocator_iface, riid, out);
  ISWbemLocator_Release(&l->ISWbemLocator_iface);
  return hr;
}
