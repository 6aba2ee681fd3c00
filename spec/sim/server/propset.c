/*
** propset.c: SWbemPropertySet (an object's Properties_) and SWbemProperty. Both are views
** of the object they came from: they hold it and read or write its data under the object
** lock, so a property read through Properties_ and one read as a dynamic member agree.
**
** IWbemClassObject::Put: "When IWbemClassObject points to a CIM class definition, Put
** creates or updates the property value. When IWbemClassObject points to a CIM instance,
** Put updates a property value only. Put cannot create a property value." and "A user
** cannot create properties with names that begin or end with an underscore".
*/
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_propset {
  ISWbemPropertySet ISWbemPropertySet_iface;
  LONG ref;
  IUnknown *ftm;
  sim_object *obj;
} sim_propset;

typedef struct sim_property {
  ISWbemProperty ISWbemProperty_iface;
  LONG ref;
  IUnknown *ftm;
  sim_object *obj;
  WCHAR *name;
} sim_property;

static inline sim_propset *impl_from_ISWbemPropertySet(ISWbemPropertySet *iface)
{
  return CONTAINING_RECORD(iface, sim_propset, ISWbemPropertySet_iface);
}

static inline sim_property *impl_from_ISWbemProperty(ISWbemProperty *iface)
{
  return CONTAINING_RECORD(iface, sim_property, ISWbemProperty_iface);
}

/* ---- SWbemPropertySet ---- */

static HRESULT WINAPI propset_QueryInterface(ISWbemPropertySet *iface, REFIID riid, void **out)
{
  sim_propset *s = impl_from_ISWbemPropertySet(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemPropertySet)) {
    *out = iface;
    ISWbemPropertySet_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &s->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI propset_AddRef(ISWbemPropertySet *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemPropertySet(iface)->ref);
}

static ULONG WINAPI propset_Release(ISWbemPropertySet *iface)
{
  sim_propset *s = impl_from_ISWbemPropertySet(iface);
  LONG ref = InterlockedDecrement(&s->ref);
  if (ref == 0) {
    object_release(s->obj);
    if (s->ftm) IUnknown_Release(s->ftm);
    free(s);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(propset, ISWbemPropertySet, &IID_ISWbemPropertySet, L"SWbemPropertySet", impl_from_ISWbemPropertySet)

static HRESULT enum_property(void *obj, const WCHAR *name, IDispatch **out)
{
  ISWbemProperty *p;
  HRESULT hr = property_create(obj, name, &p);
  *out = (IDispatch *)p;
  return hr;
}

static HRESULT WINAPI propset_get__NewEnum(ISWbemPropertySet *iface, IUnknown **out)
{
  sim_propset *s = impl_from_ISWbemPropertySet(iface);
  const sim_data *d;
  WCHAR **names;
  int i, n;
  object_lock();
  d = object_data(s->obj);
  n = d->n;
  names = calloc((size_t)(n ? n : 1), sizeof *names);
  for (i = 0; names && i < n; i++) names[i] = sim_strdup(d->props[i].name);
  object_unlock();
  return enumvar_of_names(names, n, enum_property, s->obj, out);
}

static HRESULT WINAPI propset_Item(ISWbemPropertySet *iface, BSTR name, LONG flags, ISWbemProperty **out)
{
  sim_propset *s = impl_from_ISWbemPropertySet(iface);
  BOOL found;
  (void)flags;
  *out = NULL;
  object_lock();
  found = name && data_prop(object_data(s->obj), name) != NULL;
  object_unlock();
  if (!found) return sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Item", name);
  return property_create(s->obj, name, out);
}

static HRESULT WINAPI propset_get_Count(ISWbemPropertySet *iface, LONG *count)
{
  sim_propset *s = impl_from_ISWbemPropertySet(iface);
  object_lock();
  *count = object_data(s->obj)->n;
  object_unlock();
  return S_OK;
}

static HRESULT WINAPI propset_Add(ISWbemPropertySet *iface, BSTR name, WbemCimtypeEnum type, VARIANT_BOOL is_array,
                                  LONG flags, ISWbemProperty **out)
{
  sim_propset *s = impl_from_ISWbemPropertySet(iface);
  CIMTYPE t = (CIMTYPE)type | (is_array ? CIM_FLAG_ARRAY : 0);
  HRESULT hr = S_OK;
  size_t len = name ? wcslen(name) : 0;
  (void)flags;
  *out = NULL;
  if (!len || name[0] == L'_' || name[len - 1] == L'_') return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"Add", name);
  if (!cim_valid_type(t)) return sim_fail((HRESULT)WBEM_E_INVALID_PROPERTY_TYPE, L"Add", name);
  object_lock();
  {
    sim_data *d = object_data(s->obj);
    sim_prop *p = data_prop(d, name);
    if (p && p->type != t) hr = (HRESULT)WBEM_E_TYPE_MISMATCH;
    else if (!p && !d->is_class) hr = (HRESULT)WBEM_E_INVALID_OPERATION;   /* "Put cannot create a property value" */
    else if (!p && !data_add_prop(d, name, t, d->cls)) hr = E_OUTOFMEMORY;
  }
  object_unlock();
  if (FAILED(hr)) return sim_fail(hr, L"Add", name);
  return property_create(s->obj, name, out);
}

static HRESULT WINAPI propset_Remove(ISWbemPropertySet *iface, BSTR name, LONG flags)
{
  sim_propset *s = impl_from_ISWbemPropertySet(iface);
  HRESULT hr = S_OK;
  (void)flags;
  object_lock();
  {
    sim_data *d = object_data(s->obj);
    sim_prop *p = name ? data_prop(d, name) : NULL;
    if (!p) hr = (HRESULT)WBEM_E_NOT_FOUND;
    else if (!d->is_class) {
      /* on an instance a property cannot go: it returns to null */
      VariantClear(&p->value);
      V_VT(&p->value) = VT_NULL;
    }
    else if (p->origin && (!d->cls || _wcsicmp(p->origin, d->cls) != 0)) hr = (HRESULT)WBEM_E_PROPAGATED_PROPERTY;
    else data_remove_prop(d, name);
  }
  object_unlock();
  return FAILED(hr) ? sim_fail(hr, L"Remove", name) : S_OK;
}

static const ISWbemPropertySetVtbl propset_vtbl = {
  propset_QueryInterface, propset_AddRef, propset_Release,
  propset_GetTypeInfoCount, propset_GetTypeInfo, propset_GetIDsOfNames, propset_Invoke,
  propset_get__NewEnum, propset_Item, propset_get_Count, propset_Add, propset_Remove,
};

HRESULT propset_create(sim_object *o, ISWbemPropertySet **out)
{
  sim_propset *s = calloc(1, sizeof *s);
  *out = NULL;
  if (!s) return E_OUTOFMEMORY;
  s->ISWbemPropertySet_iface.lpVtbl = &propset_vtbl;
  s->ref = 1;
  s->obj = o;
  object_addref(o);
  sim_live_add();
  *out = &s->ISWbemPropertySet_iface;
  return S_OK;
}

/* ---- SWbemProperty ---- */

static HRESULT WINAPI property_QueryInterface(ISWbemProperty *iface, REFIID riid, void **out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemProperty)) {
    *out = iface;
    ISWbemProperty_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &p->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI property_AddRef(ISWbemProperty *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemProperty(iface)->ref);
}

static ULONG WINAPI property_Release(ISWbemProperty *iface)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  LONG ref = InterlockedDecrement(&p->ref);
  if (ref == 0) {
    object_release(p->obj);
    free(p->name);
    if (p->ftm) IUnknown_Release(p->ftm);
    free(p);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(property, ISWbemProperty, &IID_ISWbemProperty, L"SWbemProperty", impl_from_ISWbemProperty)

/* The property under the object lock, or NULL once removed. */
static sim_prop *locked_prop(sim_property *p)
{
  object_lock();
  return data_prop(object_data(p->obj), p->name);
}

static HRESULT WINAPI property_get_Value(ISWbemProperty *iface, VARIANT *out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  sim_prop *pr = locked_prop(p);
  HRESULT hr = pr ? VariantCopy(out, &pr->value) : (HRESULT)WBEM_E_NOT_FOUND;
  object_unlock();
  if (SUCCEEDED(hr)) hr = object_unembed(out);     /* an embedded object: a copy of its own */
  return FAILED(hr) ? sim_fail(hr, L"Value", p->name) : S_OK;
}

static HRESULT WINAPI property_put_Value(ISWbemProperty *iface, VARIANT *value)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  sim_prop *pr = locked_prop(p);
  VARIANT v;
  HRESULT hr = pr ? cim_coerce(pr->type, value, &v) : (HRESULT)WBEM_E_NOT_FOUND;
  if (SUCCEEDED(hr)) {
    VariantClear(&pr->value);
    pr->value = v;
  }
  object_unlock();
  return FAILED(hr) ? sim_fail(hr, L"Value", p->name) : S_OK;
}

static HRESULT WINAPI property_get_Name(ISWbemProperty *iface, BSTR *out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  *out = SysAllocString(p->name);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI property_get_IsLocal(ISWbemProperty *iface, VARIANT_BOOL *out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  sim_prop *pr = locked_prop(p);
  const sim_data *d = object_data(p->obj);
  if (pr) *out = (!pr->origin || (d->cls && _wcsicmp(pr->origin, d->cls) == 0)) ? VARIANT_TRUE : VARIANT_FALSE;
  object_unlock();
  return pr ? S_OK : sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"IsLocal", p->name);
}

static HRESULT WINAPI property_get_Origin(ISWbemProperty *iface, BSTR *out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  sim_prop *pr = locked_prop(p);
  const sim_data *d = object_data(p->obj);
  if (pr) *out = SysAllocString(pr->origin ? pr->origin : d->cls ? d->cls : L"");
  object_unlock();
  return pr ? S_OK : sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Origin", p->name);
}

static HRESULT WINAPI property_get_CIMType(ISWbemProperty *iface, WbemCimtypeEnum *out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  sim_prop *pr = locked_prop(p);
  if (pr) *out = (WbemCimtypeEnum)(pr->type & ~CIM_FLAG_ARRAY);
  object_unlock();
  return pr ? S_OK : sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"CIMType", p->name);
}

static HRESULT WINAPI property_get_Qualifiers_(ISWbemProperty *iface, ISWbemQualifierSet **out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  return qualset_create(p->obj, p->name, out);
}

static HRESULT WINAPI property_get_IsArray(ISWbemProperty *iface, VARIANT_BOOL *out)
{
  sim_property *p = impl_from_ISWbemProperty(iface);
  sim_prop *pr = locked_prop(p);
  if (pr) *out = (pr->type & CIM_FLAG_ARRAY) ? VARIANT_TRUE : VARIANT_FALSE;
  object_unlock();
  return pr ? S_OK : sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"IsArray", p->name);
}

static const ISWbemPropertyVtbl property_vtbl = {
  property_QueryInterface, property_AddRef, property_Release,
  property_GetTypeInfoCount, property_GetTypeInfo, property_GetIDsOfNames, property_Invoke,
  property_get_Value, property_put_Value, property_get_Name, property_get_IsLocal, property_get_Origin,
  property_get_CIMType, property_get_Qualifiers_, property_get_IsArray,
};

HRESULT property_create(sim_object *o, const WCHAR *name, ISWbemProperty **out)
{
  sim_property *p = calloc(1, sizeof *p);
  *out = NULL;
  if (!p || !(p->name = sim_strdup(name))) {
    free(p);
    return E_OUTOFMEMORY;
  }
  p->ISWbemProperty_iface.lpVtbl = &property_vtbl;
  p->ref = 1;
  p->obj = o;
  object_addref(o);
  sim_live_add();
  *out = &p->ISWbemProperty_iface;
  return S_OK;
}
