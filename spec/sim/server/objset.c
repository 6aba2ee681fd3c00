/*
** objset.c: SWbemObjectSet, the result of InstancesOf and ExecQuery: a snapshot of the
** objects at the time of the call. Each read hands out a new SWbemObject with its own copy.
*/
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_objset {
  ISWbemObjectSet ISWbemObjectSet_iface;
  LONG ref;
  IUnknown *ftm;
  sim_data **items;         /* never changed after creation: no lock needed */
  int n;
} sim_objset;

static inline sim_objset *impl_from_ISWbemObjectSet(ISWbemObjectSet *iface)
{
  return CONTAINING_RECORD(iface, sim_objset, ISWbemObjectSet_iface);
}

static HRESULT WINAPI objset_QueryInterface(ISWbemObjectSet *iface, REFIID riid, void **out)
{
  sim_objset *s = impl_from_ISWbemObjectSet(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemObjectSet)) {
    *out = iface;
    ISWbemObjectSet_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &s->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI objset_AddRef(ISWbemObjectSet *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemObjectSet(iface)->ref);
}

static ULONG WINAPI objset_Release(ISWbemObjectSet *iface)
{
  sim_objset *s = impl_from_ISWbemObjectSet(iface);
  LONG ref = InterlockedDecrement(&s->ref);
  if (ref == 0) {
    data_list_free(s->items, s->n);
    if (s->ftm) IUnknown_Release(s->ftm);
    free(s);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(objset, ISWbemObjectSet, &IID_ISWbemObjectSet, L"SWbemObjectSet", impl_from_ISWbemObjectSet)

static HRESULT new_object(const sim_data *d, ISWbemObject **out)
{
  sim_data *c = data_clone(d);
  if (!c) return E_OUTOFMEMORY;
  return object_create(c, FALSE, (IDispatch **)out);
}

static HRESULT enum_object(void *set, int i, IDispatch **out)
{
  ISWbemObject *o = NULL;
  HRESULT hr = new_object(((sim_objset *)set)->items[i], &o);
  *out = (IDispatch *)o;
  return hr;
}

static HRESULT WINAPI objset_get__NewEnum(ISWbemObjectSet *iface, IUnknown **out)
{
  sim_objset *s = impl_from_ISWbemObjectSet(iface);
  return enumvar_collect(s->n, enum_object, s, out);
}

static HRESULT WINAPI objset_Item(ISWbemObjectSet *iface, BSTR path, LONG flags, ISWbemObject **out)
{
  sim_objset *s = impl_from_ISWbemObjectSet(iface);
  sim_path want;
  WCHAR *rel;
  HRESULT hr;
  int i;
  (void)flags;
  *out = NULL;
  if (FAILED(hr = path_parse(path, &want))) return sim_fail(hr, L"Item", path);
  rel = path_relpath(&want);
  path_free(&want);
  hr = (HRESULT)WBEM_E_NOT_FOUND;
  for (i = 0; rel && i < s->n; i++) {
    sim_path p;
    WCHAR *mine = NULL;
    if (SUCCEEDED(data_to_path(s->items[i], &p))) {
      mine = path_relpath(&p);
      path_free(&p);
    }
    if (mine && _wcsicmp(mine, rel) == 0) hr = new_object(s->items[i], out);
    free(mine);
    if (*out) break;
  }
  free(rel);
  return FAILED(hr) ? sim_fail(hr, L"Item", path) : S_OK;
}

static HRESULT WINAPI objset_get_Count(ISWbemObjectSet *iface, LONG *count)
{
  *count = impl_from_ISWbemObjectSet(iface)->n;
  return S_OK;
}

static HRESULT WINAPI objset_get_Security_(ISWbemObjectSet *iface, ISWbemSecurity **out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI objset_ItemIndex(ISWbemObjectSet *iface, LONG index, ISWbemObject **out)
{
  sim_objset *s = impl_from_ISWbemObjectSet(iface);
  *out = NULL;
  if (index < 0 || index >= s->n) return sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"ItemIndex", NULL);
  return new_object(s->items[index], out);
}

static const ISWbemObjectSetVtbl objset_vtbl = {
  objset_QueryInterface, objset_AddRef, objset_Release,
  objset_GetTypeInfoCount, objset_GetTypeInfo, objset_GetIDsOfNames, objset_Invoke,
  objset_get__NewEnum, objset_Item, objset_get_Count, objset_get_Security_, objset_ItemIndex,
};

HRESULT objset_create(sim_data **items, int n, ISWbemObjectSet **out)
{
  sim_objset *s = calloc(1, sizeof *s);
  *out = NULL;
  if (!s) {
    data_list_free(items, n);
    return E_OUTOFMEMORY;
  }
  s->ISWbemObjectSet_iface.lpVtbl = &objset_vtbl;
  s->ref = 1;
  s->items = items;
  s->n = n;
  sim_live_add();
  *out = &s->ISWbemObjectSet_iface;
  return S_OK;
}
