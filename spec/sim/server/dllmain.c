/*
** dllmain.c: the COM server itself: class factories, self-registration, unloading,
** and the count of live objects (Control.LiveObjects).
*/
#include <stdio.h>
#include <initguid.h>
#include "wbemsim.h"

HINSTANCE sim_instance;
static LONG live_objects;   /* simulator objects other than Control */
static LONG module_locks;   /* Control objects and IClassFactory::LockServer */

void sim_live_add(void) { InterlockedIncrement(&live_objects); }
void sim_live_sub(void) { InterlockedDecrement(&live_objects); }
LONG sim_live_count(void) { return InterlockedCompareExchange(&live_objects, 0, 0); }
void sim_lock_module(BOOL lock)
{
  if (lock) InterlockedIncrement(&module_locks);
  else InterlockedDecrement(&module_locks);
}

typedef HRESULT (*sim_constructor)(REFIID riid, void **out);

static HRESULT lasterror_create(REFIID riid, void **out)
{
  IDispatch *err;
  HRESULT hr = sim_take_last_error(&err);
  if (FAILED(hr)) return hr;
  hr = IDispatch_QueryInterface(err, riid, out);
  IDispatch_Release(err);
  return hr;
}

static HRESULT nvset_construct(REFIID riid, void **out)
{
  ISWbemNamedValueSet *set;
  HRESULT hr = nvset_create(&set);
  if (FAILED(hr)) return hr;
  hr = ISWbemNamedValueSet_QueryInterface(set, riid, out);
  ISWbemNamedValueSet_Release(set);
  return hr;
}

static const struct sim_class {
  const CLSID *clsid;
  const WCHAR *progid;
  const WCHAR *name;
  sim_constructor create;
} classes[] = {
  { &CLSID_WbemSimLocator, L"WbemSim.SWbemLocator", L"WMI simulator SWbemLocator", locator_create },
  { &CLSID_WbemSimSink, L"WbemSim.SWbemSink", L"WMI simulator SWbemSink", sink_create },
  { &CLSID_WbemSimControl, L"WbemSim.Control", L"WMI simulator control", control_create },
  { &CLSID_WbemSimNamedValueSet, L"WbemSim.SWbemNamedValueSet", L"WMI simulator SWbemNamedValueSet",
    nvset_construct },
  /* wbemdisp's SWbemLastError: creating it hands out the calling thread's last error. */
  { &CLSID_WbemSimLastError, L"WbemSim.SWbemLastError", L"WMI simulator SWbemLastError", lasterror_create },
};
#define NCLASSES (sizeof classes / sizeof classes[0])

/* One static factory per class: the vtable first, as COM wants it. */
typedef struct sim_factory {
  IClassFactory IClassFactory_iface;
  const struct sim_class *cls;
} sim_factory;

static inline sim_factory *impl_from_IClassFactory(IClassFactory *iface)
{
  return CONTAINING_RECORD(iface, sim_factory, IClassFactory_iface);
}

static HRESULT WINAPI factory_QueryInterface(IClassFactory *iface, REFIID riid, void **out)
{
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
    *out = iface;
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}

/* The factories are static: their references only keep the module loaded. */
static ULONG WINAPI factory_AddRef(IClassFactory *iface)
{
  (void)iface;
  sim_lock_module(TRUE);
  return 2;
}

static ULONG WINAPI factory_Release(IClassFactory *iface)
{
  (void)iface;
  sim_lock_module(FALSE);
  return 1;
}

static HRESULT WINAPI factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid, void **out)
{
  sim_factory *f = impl_from_IClassFactory(iface);
  *out = NULL;
  if (outer) return CLASS_E_NOAGGREGATION;
  return f->cls->create(riid, out);
}

static HRESULT WINAPI factory_LockServer(IClassFactory *iface, BOOL lock)
{
  (void)iface;
  sim_lock_module(lock);
  return S_OK;
}

static const IClassFactoryVtbl factory_vtbl = {
  factory_QueryInterface, factory_AddRef, factory_Release, factory_CreateInstance, factory_LockServer
};

static sim_factory factories[NCLASSES];

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **out)
{
  size_t i;
  *out = NULL;
  for (i = 0; i < NCLASSES; i++) {
    if (IsEqualCLSID(clsid, classes[i].clsid)) {
      return IClassFactory_QueryInterface(&factories[i].IClassFactory_iface, riid, out);
    }
  }
  return CLASS_E_CLASSNOTAVAILABLE;
}

/* Never: the repository lives for the process ("The repository lives for the process,
** shared by every connection"), and unloading the DLL would take it along, and with it
** the code in which a synchronous call may be waiting (Control.SyncHang). */
HRESULT WINAPI DllCanUnloadNow(void)
{
  return S_FALSE;
}

static LONG set_value(HKEY root, const WCHAR *sub, const WCHAR *name, const WCHAR *value)
{
  HKEY key;
  LONG r = RegCreateKeyExW(root, sub, 0, NULL, 0, KEY_WRITE, NULL, &key, NULL);
  if (r != ERROR_SUCCESS) return r;
  r = RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
  RegCloseKey(key);
  return r;
}

HRESULT WINAPI DllRegisterServer(void)
{
  WCHAR module[MAX_PATH], clsid[40], key[128];
  size_t i;
  DWORD len = GetModuleFileNameW(sim_instance, module, MAX_PATH);
  if (len == 0 || len >= MAX_PATH) return SELFREG_E_CLASS;
  for (i = 0; i < NCLASSES; i++) {
    const struct sim_class *c = &classes[i];
    LONG r;
    StringFromGUID2(c->clsid, clsid, 40);
    swprintf(key, 128, L"%ls\\CLSID", c->progid);
    r = set_value(HKEY_CLASSES_ROOT, c->progid, NULL, c->name);
    if (r == ERROR_SUCCESS) r = set_value(HKEY_CLASSES_ROOT, key, NULL, clsid);
    swprintf(key, 128, L"CLSID\\%ls", clsid);
    if (r == ERROR_SUCCESS) r = set_value(HKEY_CLASSES_ROOT, key, NULL, c->name);
    swprintf(key, 128, L"CLSID\\%ls\\ProgID", clsid);
    if (r == ERROR_SUCCESS) r = set_value(HKEY_CLASSES_ROOT, key, NULL, c->progid);
    swprintf(key, 128, L"CLSID\\%ls\\InprocServer32", clsid);
    if (r == ERROR_SUCCESS) r = set_value(HKEY_CLASSES_ROOT, key, NULL, module);
    if (r == ERROR_SUCCESS) r = set_value(HKEY_CLASSES_ROOT, key, L"ThreadingModel", L"Both");
    if (r != ERROR_SUCCESS) return SELFREG_E_CLASS;
  }
  return S_OK;
}

HRESULT WINAPI DllUnregisterServer(void)
{
  WCHAR clsid[40], key[128];
  size_t i;
  for (i = 0; i < NCLASSES; i++) {
    StringFromGUID2(classes[i].clsid, clsid, 40);
    swprintf(key, 128, L"CLSID\\%ls", clsid);
    RegDeleteTreeW(HKEY_CLASSES_ROOT, key);
    RegDeleteTreeW(HKEY_CLASSES_ROOT, classes[i].progid);
  }
  return S_OK;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
  size_t i;
  (void)reserved;
  switch (reason) {
  case DLL_PROCESS_ATTACH:
    sim_instance = instance;
    /* filled once, before any thread can ask: DllGetClassObject only reads them */
    for (i = 0; i < NCLASSES; i++) {
      factories[i].IClassFactory_iface.lpVtbl = &factory_vtbl;
      factories[i].cls = &classes[i];
    }
    if (sim_errors_init() == TLS_OUT_OF_INDEXES) return FALSE;
    break;
  case DLL_THREAD_DETACH:
    sim_errors_thread_detach();
    break;
  }
  return TRUE;
}
