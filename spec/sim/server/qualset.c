/*
** qualset.c: SWbemQualifierSet (Qualifiers_ of an object or of one of its properties),
** and SWbemQualifier (SWbemMethodSet is in methods.c). Views of the object they came
** from, like the property set.
*/
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_qualset {
  ISWbemQualifierSet ISWbemQualifierSet_iface;
  LONG ref;
  IUnknown *ftm;
  sim_object *obj;
  WCHAR *prop;              /* NULL: the object's own qualifiers */
} sim_qualset;

typedef struct sim_qualifier {
  ISWbemQualifier ISWbemQualifier_iface;
  LONG ref;
  IUnknown *ftm;
  sim_object *obj;
  WCHAR *prop, *name;
} sim_qualifier;

static HRESULT qualifier_create(sim_object *o, const WCHAR *prop, const WCHAR *name, ISWbemQualifier **out);

static inline sim_qualset *impl_from_ISWbemQualifierSet(ISWbemQualifierSet *iface)
{
  return CONTAINING_RECORD(iface, sim_qualset, ISWbemQualifierSet_iface);
}

static inline sim_qualifier *impl_from_ISWbemQualifier(ISWbemQualifier *iface)
{
  return CONTAINING_RECORD(iface, sim_qualifier, ISWbemQualifier_iface);
}

/* The qualifiers under the object lock (taken here, released by the caller), or NULL
** when the property is gone. */
static sim_quals *locked_quals(sim_object *o, const WCHAR *prop)
{
  sim_data *d;
  sim_prop *p;
  object_lock();
  d = object_data(o);
  if (!prop) return &d->quals;
  p = data_prop(d, prop);
  return p ? &p->quals : NULL;
}

/* ---- SWbemQualifierSet ---- */

static HRESULT WINAPI qualset_QueryInterface(ISWbemQualifierSet *iface, REFIID riid, void **out)
{
  sim_qualset *s = impl_from_ISWbemQualifierSet(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemQualifierSet)) {
    *out = iface;
    ISWbemQualifierSet_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &s->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI qualset_AddRef(ISWbemQualifierSet *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemQualifierSet(iface)->ref);
}

static ULONG WINAPI qualset_Release(ISWbemQualifierSet *iface)
{
  sim_qualset *s = impl_from_ISWbemQualifierSet(iface);
  LONG ref = InterlockedDecrement(&s->ref);
  if (ref == 0) {
    object_release(s->obj);
    free(s->prop);
    if (s->ftm) IUnknown_Release(s->ftm);
    free(s);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(qualset, ISWbemQualifierSet, &IID_ISWbemQualifierSet, L"SWbemQualifierSet", impl_from_ISWbemQualifierSet)

static HRESULT enum_qualifier(void *set, const WCHAR *name, IDispatch **out)
{
  sim_qualset *s = set;
  ISWbemQualifier *q;
  HRESULT hr = qualifier_create(s->obj, s->prop, name, &q);
  *out = (IDispatch *)q;
  return hr;
}

static HRESULT WINAPI qualset_get__NewEnum(ISWbemQualifierSet *iface, IUnknown **out)
{
  sim_qualset *s = impl_from_ISWbemQualifierSet(iface);
  sim_quals *q = locked_quals(s->obj, s->prop);
  WCHAR **names;
  int i, n = q ? q->n : 0;
  names = calloc((size_t)(n ? n : 1), sizeof *names);
  for (i = 0; names && i < n; i++) names[i] = sim_strdup(q->v[i].name);
  object_unlock();
  return enumvar_of_names(names, n, enum_qualifier, s, out);
}

static HRESULT WINAPI qualset_Item(ISWbemQualifierSet *iface, BSTR name, LONG flags, ISWbemQualifier **out)
{
  sim_qualset *s = impl_from_ISWbemQualifierSet(iface);
  sim_quals *q = locked_quals(s->obj, s->prop);
  BOOL found = q && name && quals_find(q, name);
  (void)flags;
  object_unlock();
  *out = NULL;
  if (!found) return sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Item", name);
  return qualifier_create(s->obj, s->prop, name, out);
}

static HRESULT WINAPI qualset_get_Count(ISWbemQualifierSet *iface, LONG *count)
{
  sim_qualset *s = impl_from_ISWbemQualifierSet(iface);
  sim_quals *q = locked_quals(s->obj, s->prop);
  *count = q ? q->n : 0;
  object_unlock();
  return S_OK;
}

/* Qualifier values are strings, sint32, real64, booleans, or arrays of one of them. */
static HRESULT qualifier_value(const VARIANT *in, VARIANT *out)
{
  VARTYPE vt;
  HRESULT hr;
  VariantInit(out);
  hr = VariantCopyInd(out, (VARIANT *)in);
  if (FAILED(hr)) return hr;
  vt = V_VT(out) & ~VT_ARRAY;
  if (V_VT(out) & VT_ARRAY) return S_OK;
  switch (vt) {
  case VT_BSTR: case VT_I4: case VT_R8: case VT_BOOL:
    return S_OK;
  case VT_I1: case VT_I2: case VT_UI1: case VT_UI2: case VT_UI4: case VT_INT: case VT_UINT: case VT_I8: case VT_UI8:
    return FAILED(VariantChangeType(out, out, 0, VT_I4)) ? (HRESULT)WBEM_E_INVALID_QUALIFIER_TYPE : S_OK;
  case VT_R4:
    return VariantChangeType(out, out, 0, VT_R8);
  default:
    VariantClear(out);
    return (HRESULT)WBEM_E_INVALID_QUALIFIER_TYPE;
  }
}

static HRESULT WINAPI qualset_Add(ISWbemQualifierSet *iface, BSTR name, VARIANT *value, VARIANT_BOOL to_subclass,
                                  VARIANT_BOOL to_instance, VARIANT_BOOL overridable, LONG flags, ISWbemQualifier **out)
{
  sim_qualset *s = impl_from_ISWbemQualifierSet(iface);
  LONG flavor = (to_subclass ? WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS : 0) |
                (to_instance ? WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE : 0) |
                (overridable ? 0 : WBEM_FLAVOR_NOT_OVERRIDABLE);
  VARIANT v;
  sim_quals *q;
  HRESULT hr;
  (void)flags;
  *out = NULL;
  if (!name || !*name) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"Add", name);
  if (FAILED(hr = qualifier_value(value, &v))) return sim_fail(hr, L"Add", name);
  q = locked_quals(s->obj, s->prop);
  if (!q) hr = (HRESULT)WBEM_E_NOT_FOUND;
  else {
    sim_qual *old = quals_find(q, name);
    if (old && !old->local && (old->flavor & WBEM_FLAVOR_NOT_OVERRIDABLE)) hr = (HRESULT)WBEM_E_OVERRIDE_NOT_ALLOWED;
    else hr = quals_set(q, name, &v, flavor);
  }
  object_unlock();
  VariantClear(&v);
  if (FAILED(hr)) return sim_fail(hr, L"Add", name);
  return qualifier_create(s->obj, s->prop, name, out);
}

static HRESULT WINAPI qualset_Remove(ISWbemQualifierSet *iface, BSTR name, LONG flags)
{
  sim_qualset *s = impl_from_ISWbemQualifierSet(iface);
  sim_quals *q = locked_quals(s->obj, s->prop);
  sim_qual *e = q && name ? quals_find(q, name) : NULL;
  HRESULT hr = S_OK;
  (void)flags;
  if (!e) hr = (HRESULT)WBEM_E_NOT_FOUND;
  else if (!e->local) hr = (HRESULT)WBEM_E_PROPAGATED_QUALIFIER;
  else quals_remove(q, name);
  object_unlock();
  return FAILED(hr) ? sim_fail(hr, L"Remove", name) : S_OK;
}

static const ISWbemQualifierSetVtbl qualset_vtbl = {
  qualset_QueryInterface, qualset_AddRef, qualset_Release,
  qualset_GetTypeInfoCount, qualset_GetTypeInfo, qualset_GetIDsOfNames, qualset_Invoke,
  qualset_get__NewEnum, qualset_Item, qualset_get_Count, qualset_Add, qualset_Remove,
};

HRESULT qualset_create(sim_object *o, const WCHAR *prop, ISWbemQualifierSet **out)
{
  sim_qualset *s = calloc(1, sizeof *s);
  *out = NULL;
  if (!s) return E_OUTOFMEMORY;
  s->ISWbemQualifierSet_iface.lpVtbl = &qualset_vtbl;
  s->ref = 1;
  s->obj = o;
  s->prop = sim_strdup(prop);
  object_addref(o);
  sim_live_add();
  *out = &s->ISWbemQualifierSet_iface;
  return S_OK;
}

/* ---- SWbemQualifier ---- */

static HRESULT WINAPI qualifier_QueryInterface(ISWbemQualifier *iface, REFIID riid, void **out)
{
  sim_qualifier *q = impl_from_ISWbemQualifier(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemQualifier)) {
    *out = iface;
    ISWbemQualifier_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &q->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI qualifier_AddRef(ISWbemQualifier *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemQualifier(iface)->ref);
}

static ULONG WINAPI qualifier_Release(ISWbemQualifier *iface)
{
  sim_qualifier *q = impl_from_ISWbemQualifier(iface);
  LONG ref = InterlockedDecrement(&q->ref);
  if (ref == 0) {
    object_release(q->obj);
    free(q->prop);
    free(q->name);
    if (q->ftm) IUnknown_Release(q->ftm);
    free(q);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(qualifier, ISWbemQualifier, &IID_ISWbemQualifier, L"SWbemQualifier", impl_from_ISWbemQualifier)

/* The qualifier under the object lock (released by the caller), or NULL when gone. */
static sim_qual *locked_qual(sim_qualifier *q)
{
  sim_quals *set = locked_quals(q->obj, q->prop);
  return set ? quals_find(set, q->name) : NULL;
}

static HRESULT WINAPI qualifier_get_Value(ISWbemQualifier *iface, VARIANT *out)
{
  sim_qualifier *q = impl_from_ISWbemQualifier(iface);
  sim_qual *e = locked_qual(q);
  HRESULT hr = e ? VariantCopy(out, &e->value) : (HRESULT)WBEM_E_NOT_FOUND;
  object_unlock();
  return FAILED(hr) ? sim_fail(hr, L"Value", q->name) : S_OK;
}

static HRESULT WINAPI qualifier_put_Value(ISWbemQualifier *iface, VARIANT *value)
{
  sim_qualifier *q = impl_from_ISWbemQualifier(iface);
  VARIANT v;
  sim_qual *e;
  HRESULT hr = qualifier_value(value, &v);
  if (FAILED(hr)) return sim_fail(hr, L"Value", q->name);
  e = locked_qual(q);
  if (!e) hr = (HRESULT)WBEM_E_NOT_FOUND;
  else {
    VariantClear(&e->value);
    e->value = v;
    e->local = TRUE;
    VariantInit(&v);
  }
  object_unlock();
  VariantClear(&v);
  return FAILED(hr) ? sim_fail(hr, L"Value", q->name) : S_OK;
}

static HRESULT WINAPI qualifier_get_Name(ISWbemQualifier *iface, BSTR *out)
{
  *out = SysAllocString(impl_from_ISWbemQualifier(iface)->name);
  return *out ? S_OK : E_OUTOFMEMORY;
}

/* A boolean view of the qualifier: its locality or one of its flavor bits. */
static HRESULT get_bit(ISWbemQualifier *iface, LONG bit, BOOL invert, VARIANT_BOOL *out)
{
  sim_qualifier *q = impl_from_ISWbemQualifier(iface);
  sim_qual *e = locked_qual(q);
  if (e) {
    BOOL set = bit ? (e->flavor & bit) != 0 : e->local;
    *out = (set != invert) ? VARIANT_TRUE : VARIANT_FALSE;
  }
  object_unlock();
  return e ? S_OK : sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Qualifier", q->name);
}

static HRESULT put_bit(ISWbemQualifier *iface, LONG bit, BOOL invert, VARIANT_BOOL value)
{
  sim_qualifier *q = impl_from_ISWbemQualifier(iface);
  sim_qual *e = locked_qual(q);
  if (e) {
    if ((value != VARIANT_FALSE) != invert) e->flavor |= bit;
    else e->flavor &= ~bit;
  }
  object_unlock();
  return e ? S_OK : sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Qualifier", q->name);
}

static HRESULT WINAPI qualifier_get_IsLocal(ISWbemQualifier *iface, VARIANT_BOOL *out)
{
  return get_bit(iface, 0, FALSE, out);
}

static HRESULT WINAPI qualifier_get_PropagatesToSubclass(ISWbemQualifier *iface, VARIANT_BOOL *out)
{
  return get_bit(iface, WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS, FALSE, out);
}

static HRESULT WINAPI qualifier_put_PropagatesToSubclass(ISWbemQualifier *iface, VARIANT_BOOL value)
{
  return put_bit(iface, WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS, FALSE, value);
}

static HRESULT WINAPI qualifier_get_PropagatesToInstance(ISWbemQualifier *iface, VARIANT_BOOL *out)
{
  return get_bit(iface, WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE, FALSE, out);
}

static HRESULT WINAPI qualifier_put_PropagatesToInstance(ISWbemQualifier *iface, VARIANT_BOOL value)
{
  return put_bit(iface, WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE, FALSE, value);
}

static HRESULT WINAPI qualifier_get_IsOverridable(ISWbemQualifier *iface, VARIANT_BOOL *out)
{
  return get_bit(iface, WBEM_FLAVOR_NOT_OVERRIDABLE, TRUE, out);
}

static HRESULT WINAPI qualifier_put_IsOverridable(ISWbemQualifier *iface, VARIANT_BOOL value)
{
  return put_bit(iface, WBEM_FLAVOR_NOT_OVERRIDABLE, TRUE, value);
}

static HRESULT WINAPI qualifier_get_IsAmended(ISWbemQualifier *iface, VARIANT_BOOL *out)
{
  return get_bit(iface, WBEM_FLAVOR_AMENDED, FALSE, out);
}

static const ISWbemQualifierVtbl qualifier_vtbl = {
  qualifier_QueryInterface, qualifier_AddRef, qualifier_Release,
  qualifier_GetTypeInfoCount, qualifier_GetTypeInfo, qualifier_GetIDsOfNames, qualifier_Invoke,
  qualifier_get_Value, qualifier_put_Value, qualifier_get_Name, qualifier_get_IsLocal,
  qualifier_get_PropagatesToSubclass, qualifier_put_PropagatesToSubclass,
  qualifier_get_PropagatesToInstance, qualifier_put_PropagatesToInstance,
  qualifier_get_IsOverridable, qualifier_put_IsOverridable, qualifier_get_IsAmended,
};

static HRESULT qualifier_create(sim_object *o, const WCHAR *prop, const WCHAR *name, ISWbemQualifier **out)
{
  sim_qualifier *q = calloc(1, sizeof *q);
  *out = NULL;
  if (!q || !(q->name = sim_strdup(name))) {
    free(q);
    return E_OUTOFMEMORY;
  }
  q->ISWbemQualifier_iface.lpVtbl = &qualifier_vtbl;
  q->ref = 1;
  q->obj = o;
  q->prop = sim_strdup(prop);
  object_addref(o);
  sim_live_add();
  *out = &q->ISWbemQualifier_iface;
  return S_OK;
}
