/*
** pathobj.c: SWbemObjectPath. Either standalone (what Put_ returns and OnObjectPut
** delivers: every part settable) or linked to an object (its Path_: computed from the
** object's data at every read, so it follows key changes; only Class can be set, and only
** on a class, which is how a new class gets its name: "Path_.Class = ...").
*/
#include <stddef.h>
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_pathobj {
  ISWbemObjectPath ISWbemObjectPath_iface;
  LONG ref;
  IUnknown *ftm;
  sim_object *linked;       /* NULL when standalone */
  sim_path p;               /* standalone path, under the object lock */
} sim_pathobj;

static inline sim_pathobj *impl_from_ISWbemObjectPath(ISWbemObjectPath *iface)
{
  return CONTAINING_RECORD(iface, sim_pathobj, ISWbemObjectPath_iface);
}

/* The path as it is now, and whether it names a class. */
static HRESULT current(sim_pathobj *po, sim_path *p, BOOL *is_class)
{
  HRESULT hr = S_OK;
  object_lock();
  if (po->linked) {
    const sim_data *d = object_data(po->linked);
    hr = data_to_path(d, p);
    if (SUCCEEDED(hr) && d->cls && !p->server) p->server = sim_strdup(sim_server_name());
    if (is_class) *is_class = d->is_class;
  }
  else {
    path_copy(p, &po->p);
    if (is_class) *is_class = path_is_class(&po->p);
  }
  object_unlock();
  return hr;
}

static HRESULT ret_string(const WCHAR *s, BSTR *out)
{
  *out = SysAllocString(s ? s : L"");
  return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT ret_owned(WCHAR *s, BSTR *out)
{
  HRESULT hr;
  if (!s) return E_OUTOFMEMORY;
  hr = ret_string(s, out);
  free(s);
  return hr;
}

/* Standalone parts are settable; a linked path is the object's and is read-only. */
static HRESULT editable(sim_pathobj *po)
{
  return po->linked ? sim_fail((HRESULT)WBEM_E_READ_ONLY, L"SWbemObjectPath", NULL) : S_OK;
}

static HRESULT WINAPI path_QueryInterface(ISWbemObjectPath *iface, REFIID riid, void **out)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemObjectPath)) {
    *out = iface;
    ISWbemObjectPath_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &po->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI path_AddRef(ISWbemObjectPath *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemObjectPath(iface)->ref);
}

static ULONG WINAPI path_Release(ISWbemObjectPath *iface)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  LONG ref = InterlockedDecrement(&po->ref);
  if (ref == 0) {
    if (po->linked) object_release(po->linked);
    path_free(&po->p);
    if (po->ftm) IUnknown_Release(po->ftm);
    free(po);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(path, ISWbemObjectPath, &IID_ISWbemObjectPath, L"SWbemObjectPath", impl_from_ISWbemObjectPath)

static HRESULT WINAPI path_get_Path(ISWbemObjectPath *iface, BSTR *out)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  sim_path p;
  HRESULT hr = current(po, &p, NULL);
  if (FAILED(hr)) return hr;
  if (!p.cls) hr = ret_string(L"", out);                       /* a class without a name yet */
  else if (!p.server && !p.ns) hr = ret_owned(path_relpath(&p), out);
  else hr = ret_owned(path_full(&p), out);
  path_free(&p);
  return hr;
}

static HRESULT WINAPI path_put_Path(ISWbemObjectPath *iface, BSTR text)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  sim_path p;
  HRESULT hr = editable(po);
  if (FAILED(hr)) return hr;
  if (FAILED(hr = path_parse(text, &p))) return sim_fail(hr, L"SWbemObjectPath", text);
  object_lock();
  path_free(&po->p);
  po->p = p;
  object_unlock();
  return S_OK;
}

static HRESULT WINAPI path_get_RelPath(ISWbemObjectPath *iface, BSTR *out)
{
  sim_path p;
  HRESULT hr = current(impl_from_ISWbemObjectPath(iface), &p, NULL);
  if (FAILED(hr)) return hr;
  hr = ret_owned(path_relpath(&p), out);
  path_free(&p);
  return hr;
}

static HRESULT WINAPI path_put_RelPath(ISWbemObjectPath *iface, BSTR text)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  sim_path p;
  HRESULT hr = editable(po);
  if (FAILED(hr)) return hr;
  if (FAILED(hr = path_parse(text, &p))) return sim_fail(hr, L"SWbemObjectPath", text);
  if (p.server || p.ns) {
    path_free(&p);
    return sim_fail((HRESULT)WBEM_E_INVALID_OBJECT_PATH, L"SWbemObjectPath", text);
  }
  object_lock();
  p.server = po->p.server;
  p.ns = po->p.ns;
  po->p.server = po->p.ns = NULL;
  path_free(&po->p);
  po->p = p;
  object_unlock();
  return S_OK;
}

/* Server, Namespace or Class (the member of sim_path at offset) as it is now; "" for none. */
static HRESULT get_part(ISWbemObjectPath *iface, size_t offset, BSTR *out)
{
  sim_path p;
  HRESULT hr = current(impl_from_ISWbemObjectPath(iface), &p, NULL);
  if (FAILED(hr)) return hr;
  hr = ret_string(*(WCHAR **)((char *)&p + offset), out);
  path_free(&p);
  return hr;
}

static HRESULT WINAPI path_get_Server(ISWbemObjectPath *iface, BSTR *out)
{
  return get_part(iface, offsetof(sim_path, server), out);
}

static HRESULT set_part(sim_pathobj *po, WCHAR **part, const WCHAR *value)
{
  WCHAR *copy;
  HRESULT hr = editable(po);
  if (FAILED(hr)) return hr;
  copy = value && *value ? sim_strdup(value) : NULL;
  object_lock();
  free(*part);
  *part = copy;
  object_unlock();
  return S_OK;
}

static HRESULT WINAPI path_put_Server(ISWbemObjectPath *iface, BSTR value)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  return set_part(po, &po->p.server, value);
}

static HRESULT WINAPI path_get_Namespace(ISWbemObjectPath *iface, BSTR *out)
{
  return get_part(iface, offsetof(sim_path, ns), out);
}

static HRESULT WINAPI path_put_Namespace(ISWbemObjectPath *iface, BSTR value)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  return set_part(po, &po->p.ns, value);
}

static HRESULT WINAPI path_get_ParentNamespace(ISWbemObjectPath *iface, BSTR *out)
{
  sim_path p;
  WCHAR *slash;
  HRESULT hr = current(impl_from_ISWbemObjectPath(iface), &p, NULL);
  if (FAILED(hr)) return hr;
  slash = p.ns ? wcsrchr(p.ns, L'\\') : NULL;
  if (slash) *slash = 0;
  hr = ret_string(slash ? p.ns : L"", out);
  path_free(&p);
  return hr;
}

static HRESULT WINAPI path_get_DisplayName(ISWbemObjectPath *iface, BSTR *out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI path_put_DisplayName(ISWbemObjectPath *iface, BSTR value)
{
  (void)iface; (void)value;
  return E_NOTIMPL;
}

static HRESULT WINAPI path_get_Class(ISWbemObjectPath *iface, BSTR *out)
{
  return get_part(iface, offsetof(sim_path, cls), out);
}

static HRESULT WINAPI path_put_Class(ISWbemObjectPath *iface, BSTR value)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  HRESULT hr = S_OK;
  WCHAR *copy;
  if (!po->linked) return set_part(po, &po->p.cls, value);
  if (!value || !*value) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"SWbemObjectPath", NULL);
  copy = sim_strdup(value);
  object_lock();
  {
    sim_data *d = object_data(po->linked);
    if (!d->is_class) hr = (HRESULT)WBEM_E_READ_ONLY;
    else {
      /* the class's own members now originate from its new name */
      int i;
      for (i = 0; i < d->n; i++)
        if (!d->props[i].origin || (d->cls && _wcsicmp(d->props[i].origin, d->cls) == 0)) {
          free(d->props[i].origin);
          d->props[i].origin = sim_strdup(copy);
        }
      free(d->cls);
      d->cls = copy;
      copy = NULL;
    }
  }
  object_unlock();
  free(copy);
  return FAILED(hr) ? sim_fail(hr, L"SWbemObjectPath", value) : S_OK;
}

static HRESULT WINAPI path_get_IsClass(ISWbemObjectPath *iface, VARIANT_BOOL *out)
{
  sim_path p;
  BOOL is_class;
  HRESULT hr = current(impl_from_ISWbemObjectPath(iface), &p, &is_class);
  if (FAILED(hr)) return hr;
  *out = is_class ? VARIANT_TRUE : VARIANT_FALSE;
  path_free(&p);
  return S_OK;
}

static HRESULT WINAPI path_SetAsClass(ISWbemObjectPath *iface)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  sim_path keep;
  HRESULT hr = editable(po);
  if (FAILED(hr)) return hr;
  object_lock();
  memset(&keep, 0, sizeof keep);
  keep.server = po->p.server;
  keep.ns = po->p.ns;
  keep.cls = po->p.cls;
  po->p.server = po->p.ns = po->p.cls = NULL;
  path_free(&po->p);
  po->p = keep;
  object_unlock();
  return S_OK;
}

static HRESULT WINAPI path_get_IsSingleton(ISWbemObjectPath *iface, VARIANT_BOOL *out)
{
  sim_path p;
  HRESULT hr = current(impl_from_ISWbemObjectPath(iface), &p, NULL);
  if (FAILED(hr)) return hr;
  *out = p.singleton ? VARIANT_TRUE : VARIANT_FALSE;
  path_free(&p);
  return S_OK;
}

static HRESULT WINAPI path_SetAsSingleton(ISWbemObjectPath *iface)
{
  sim_pathobj *po = impl_from_ISWbemObjectPath(iface);
  HRESULT hr = path_SetAsClass(iface);
  if (FAILED(hr)) return hr;
  object_lock();
  po->p.singleton = TRUE;
  object_unlock();
  return S_OK;
}

static HRESULT WINAPI path_get_Keys(ISWbemObjectPath *iface, ISWbemNamedValueSet **out)
{
  sim_path p;
  HRESULT hr = current(impl_from_ISWbemObjectPath(iface), &p, NULL);
  int i;
  if (FAILED(hr)) return hr;
  hr = nvset_create(out);
  for (i = 0; SUCCEEDED(hr) && i < p.nkeys; i++) {
    VARIANT v;
    if (!p.keys[i].text) continue;
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString(p.keys[i].text);
    hr = nvset_add(*out, p.keys[i].name ? p.keys[i].name : L"", &v);
    VariantClear(&v);
  }
  path_free(&p);
  return hr;
}

static HRESULT WINAPI path_get_Security_(ISWbemObjectPath *iface, ISWbemSecurity **out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI path_get_Locale(ISWbemObjectPath *iface, BSTR *out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI path_put_Locale(ISWbemObjectPath *iface, BSTR value)
{
  (void)iface; (void)value;
  return E_NOTIMPL;
}

static HRESULT WINAPI path_get_Authority(ISWbemObjectPath *iface, BSTR *out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI path_put_Authority(ISWbemObjectPath *iface, BSTR value)
{
  (void)iface; (void)value;
  return E_NOTIMPL;
}

static const ISWbemObjectPathVtbl path_vtbl = {
  path_QueryInterface, path_AddRef, path_Release,
  path_GetTypeInfoCount, path_GetTypeInfo, path_GetIDsOfNames, path_Invoke,
  path_get_Path, path_put_Path, path_get_RelPath, path_put_RelPath, path_get_Server, path_put_Server,
  path_get_Namespace, path_put_Namespace, path_get_ParentNamespace, path_get_DisplayName, path_put_DisplayName,
  path_get_Class, path_put_Class, path_get_IsClass, path_SetAsClass, path_get_IsSingleton, path_SetAsSingleton,
  path_get_Keys, path_get_Security_, path_get_Locale, path_put_Locale, path_get_Authority, path_put_Authority,
};

HRESULT pathobj_create(const sim_path *p, sim_object *linked, ISWbemObjectPath **out)
{
  sim_pathobj *po = calloc(1, sizeof *po);
  *out = NULL;
  if (!po) return E_OUTOFMEMORY;
  po->ISWbemObjectPath_iface.lpVtbl = &path_vtbl;
  po->ref = 1;
  if (linked) {
    po->linked = linked;
    object_addref(linked);
  }
  else if (p) path_copy(&po->p, p);
  sim_live_add();
  *out = &po->ISWbemObjectPath_iface;
  return S_OK;
}
