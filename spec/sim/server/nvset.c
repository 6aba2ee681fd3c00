/*
** nvset.c: SWbemNamedValueSet and SWbemNamedValue (WbemSim.SWbemNamedValueSet), the
** context and async-context objects of the scripting API. The simulator's own set so that
** a context built by a client can be read back (Control.LastContext): Wine's
** SWbemNamedValue cannot give its value.
*/
#include <stdlib.h>
#include "wbemsim.h"
#include "comutil.h"   /* src/: a member of another implementation's object, read by name */

typedef struct sim_nv { WCHAR *name; VARIANT value; } sim_nv;

typedef struct sim_nvset {
  ISWbemNamedValueSet ISWbemNamedValueSet_iface;
  LONG ref;
  IUnknown *ftm;
  CRITICAL_SECTION cs;
  sim_nv *v;
  int n, cap;
} sim_nvset;

typedef struct sim_namedvalue {
  ISWbemNamedValue ISWbemNamedValue_iface;
  LONG ref;
  IUnknown *ftm;
  sim_nvset *set;
  WCHAR *name;
} sim_namedvalue;

static HRESULT namedvalue_create(sim_nvset *set, const WCHAR *name, ISWbemNamedValue **out);

static inline sim_nvset *impl_from_ISWbemNamedValueSet(ISWbemNamedValueSet *iface)
{
  return CONTAINING_RECORD(iface, sim_nvset, ISWbemNamedValueSet_iface);
}

static inline sim_namedvalue *impl_from_ISWbemNamedValue(ISWbemNamedValue *iface)
{
  return CONTAINING_RECORD(iface, sim_namedvalue, ISWbemNamedValue_iface);
}

static sim_nv *find(sim_nvset *s, const WCHAR *name)
{
  int i;
  for (i = 0; name && i < s->n; i++)
    if (_wcsicmp(s->v[i].name, name) == 0) return &s->v[i];
  return NULL;
}

static HRESULT set_value(sim_nvset *s, const WCHAR *name, const VARIANT *value)
{
  sim_nv *e;
  VARIANT copy;
  HRESULT hr;
  VariantInit(&copy);
  if (FAILED(hr = VariantCopyInd(&copy, (VARIANT *)value))) return hr;
  EnterCriticalSection(&s->cs);
  e = find(s, name);
  if (!e) {
    sim_nv *nv = sim_grow(s->v, &s->cap, s->n + 1, sizeof *nv);
    if (nv) s->v = nv;
    if (nv && (s->v[s->n].name = sim_strdup(name))) {
      e = &s->v[s->n++];
      VariantInit(&e->value);
    }
  }
  if (e) {
    VariantClear(&e->value);
    e->value = copy;
  }
  LeaveCriticalSection(&s->cs);
  if (!e) {
    VariantClear(&copy);
    return E_OUTOFMEMORY;
  }
  return S_OK;
}

/* ---- SWbemNamedValueSet ---- */

static HRESULT WINAPI nvset_QueryInterface(ISWbemNamedValueSet *iface, REFIID riid, void **out)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
      IsEqualIID(riid, &IID_ISWbemNamedValueSet) || IsEqualIID(riid, &IID_WbemSimNamedValueSet)) {
    *out = iface;
    ISWbemNamedValueSet_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &s->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI nvset_AddRef(ISWbemNamedValueSet *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemNamedValueSet(iface)->ref);
}

static ULONG WINAPI nvset_Release(ISWbemNamedValueSet *iface)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  LONG ref = InterlockedDecrement(&s->ref);
  if (ref == 0) {
    int i;
    for (i = 0; i < s->n; i++) {
      free(s->v[i].name);
      VariantClear(&s->v[i].value);
    }
    free(s->v);
    DeleteCriticalSection(&s->cs);
    if (s->ftm) IUnknown_Release(s->ftm);
    free(s);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(nvset, ISWbemNamedValueSet, &IID_ISWbemNamedValueSet, L"SWbemNamedValueSet", impl_from_ISWbemNamedValueSet)

static HRESULT enum_namedvalue(void *set, const WCHAR *name, IDispatch **out)
{
  ISWbemNamedValue *nv;
  HRESULT hr = namedvalue_create(set, name, &nv);
  *out = (IDispatch *)nv;
  return hr;
}

static HRESULT WINAPI nvset_get__NewEnum(ISWbemNamedValueSet *iface, IUnknown **out)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  WCHAR **names;
  int i, n;
  EnterCriticalSection(&s->cs);
  n = s->n;
  names = calloc((size_t)(n ? n : 1), sizeof *names);
  for (i = 0; names && i < n; i++) names[i] = sim_strdup(s->v[i].name);
  LeaveCriticalSection(&s->cs);
  return enumvar_of_names(names, n, enum_namedvalue, s, out);
}

static HRESULT WINAPI nvset_Item(ISWbemNamedValueSet *iface, BSTR name, LONG flags, ISWbemNamedValue **out)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  BOOL found;
  (void)flags;
  *out = NULL;
  EnterCriticalSection(&s->cs);
  found = find(s, name) != NULL;
  LeaveCriticalSection(&s->cs);
  if (!found) return sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Item", name);
  return namedvalue_create(s, name, out);
}

static HRESULT WINAPI nvset_get_Count(ISWbemNamedValueSet *iface, LONG *count)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  EnterCriticalSection(&s->cs);
  *count = s->n;
  LeaveCriticalSection(&s->cs);
  return S_OK;
}

static HRESULT WINAPI nvset_Add(ISWbemNamedValueSet *iface, BSTR name, VARIANT *value, LONG flags,
                                ISWbemNamedValue **out)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  HRESULT hr;
  (void)flags;
  *out = NULL;
  if (!name || !*name) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"Add", name);
  if (FAILED(hr = set_value(s, name, value))) return sim_fail(hr, L"Add", name);
  return namedvalue_create(s, name, out);
}

static HRESULT WINAPI nvset_Remove(ISWbemNamedValueSet *iface, BSTR name, LONG flags)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  sim_nv *e;
  (void)flags;
  EnterCriticalSection(&s->cs);
  e = find(s, name);
  if (e) {
    int i = (int)(e - s->v);
    free(e->name);
    VariantClear(&e->value);
    memmove(&s->v[i], &s->v[i + 1], (size_t)(s->n - i - 1) * sizeof *e);
    s->n--;
  }
  LeaveCriticalSection(&s->cs);
  return e ? S_OK : sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Remove", name);
}

static HRESULT WINAPI nvset_Clone(ISWbemNamedValueSet *iface, ISWbemNamedValueSet **out)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  HRESULT hr = nvset_create(out);
  int i;
  if (FAILED(hr)) return hr;
  EnterCriticalSection(&s->cs);
  for (i = 0; SUCCEEDED(hr) && i < s->n; i++)
    hr = set_value(impl_from_ISWbemNamedValueSet(*out), s->v[i].name, &s->v[i].value);
  LeaveCriticalSection(&s->cs);
  if (FAILED(hr)) {
    ISWbemNamedValueSet_Release(*out);
    *out = NULL;
  }
  return hr;
}

static HRESULT WINAPI nvset_DeleteAll(ISWbemNamedValueSet *iface)
{
  sim_nvset *s = impl_from_ISWbemNamedValueSet(iface);
  int i;
  EnterCriticalSection(&s->cs);
  for (i = 0; i < s->n; i++) {
    free(s->v[i].name);
    VariantClear(&s->v[i].value);
  }
  s->n = 0;
  LeaveCriticalSection(&s->cs);
  return S_OK;
}

static const ISWbemNamedValueSetVtbl nvset_vtbl = {
  nvset_QueryInterface, nvset_AddRef, nvset_Release,
  nvset_GetTypeInfoCount, nvset_GetTypeInfo, nvset_GetIDsOfNames, nvset_Invoke,
  nvset_get__NewEnum, nvset_Item, nvset_get_Count, nvset_Add, nvset_Remove, nvset_Clone, nvset_DeleteAll,
};

HRESULT nvset_create(ISWbemNamedValueSet **out)
{
  sim_nvset *s = calloc(1, sizeof *s);
  *out = NULL;
  if (!s) return E_OUTOFMEMORY;
  s->ISWbemNamedValueSet_iface.lpVtbl = &nvset_vtbl;
  s->ref = 1;
  InitializeCriticalSection(&s->cs);
  sim_live_add();
  *out = &s->ISWbemNamedValueSet_iface;
  return S_OK;
}

HRESULT nvset_add(ISWbemNamedValueSet *set, const WCHAR *name, const VARIANT *v)
{
  return set_value(impl_from_ISWbemNamedValueSet(set), name, v);
}

/* ---- SWbemNamedValue: a view of one entry ---- */

static HRESULT WINAPI namedvalue_QueryInterface(ISWbemNamedValue *iface, REFIID riid, void **out)
{
  sim_namedvalue *nv = impl_from_ISWbemNamedValue(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemNamedValue)) {
    *out = iface;
    ISWbemNamedValue_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &nv->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI namedvalue_AddRef(ISWbemNamedValue *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemNamedValue(iface)->ref);
}

static ULONG WINAPI namedvalue_Release(ISWbemNamedValue *iface)
{
  sim_namedvalue *nv = impl_from_ISWbemNamedValue(iface);
  LONG ref = InterlockedDecrement(&nv->ref);
  if (ref == 0) {
    ISWbemNamedValueSet_Release(&nv->set->ISWbemNamedValueSet_iface);
    free(nv->name);
    if (nv->ftm) IUnknown_Release(nv->ftm);
    free(nv);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(namedvalue, ISWbemNamedValue, &IID_ISWbemNamedValue, L"SWbemNamedValue", impl_from_ISWbemNamedValue)

static HRESULT WINAPI namedvalue_get_Value(ISWbemNamedValue *iface, VARIANT *out)
{
  sim_namedvalue *nv = impl_from_ISWbemNamedValue(iface);
  sim_nv *e;
  HRESULT hr;
  EnterCriticalSection(&nv->set->cs);
  e = find(nv->set, nv->name);
  hr = e ? VariantCopy(out, &e->value) : (HRESULT)WBEM_E_NOT_FOUND;
  LeaveCriticalSection(&nv->set->cs);
  return FAILED(hr) ? sim_fail(hr, L"Value", nv->name) : S_OK;
}

static HRESULT WINAPI namedvalue_put_Value(ISWbemNamedValue *iface, VARIANT *value)
{
  sim_namedvalue *nv = impl_from_ISWbemNamedValue(iface);
  HRESULT hr = set_value(nv->set, nv->name, value);
  return FAILED(hr) ? sim_fail(hr, L"Value", nv->name) : S_OK;
}

static HRESULT WINAPI namedvalue_get_Name(ISWbemNamedValue *iface, BSTR *out)
{
  *out = SysAllocString(impl_from_ISWbemNamedValue(iface)->name);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static const ISWbemNamedValueVtbl namedvalue_vtbl = {
  namedvalue_QueryInterface, namedvalue_AddRef, namedvalue_Release,
  namedvalue_GetTypeInfoCount, namedvalue_GetTypeInfo, namedvalue_GetIDsOfNames, namedvalue_Invoke,
  namedvalue_get_Value, namedvalue_put_Value, namedvalue_get_Name,
};

static HRESULT namedvalue_create(sim_nvset *set, const WCHAR *name, ISWbemNamedValue **out)
{
  sim_namedvalue *nv = calloc(1, sizeof *nv);
  *out = NULL;
  if (!nv || !(nv->name = sim_strdup(name))) {
    free(nv);
    return E_OUTOFMEMORY;
  }
  nv->ISWbemNamedValue_iface.lpVtbl = &namedvalue_vtbl;
  nv->ref = 1;
  nv->set = set;
  ISWbemNamedValueSet_AddRef(&set->ISWbemNamedValueSet_iface);
  sim_live_add();
  *out = &nv->ISWbemNamedValue_iface;
  return S_OK;
}

/* ---- Control.LastContext ---- */

typedef struct pair { WCHAR *name, *text; } pair;

static WCHAR *value_text(const VARIANT *v)
{
  VARIANT t;
  WCHAR *r;
  if (V_VT(v) & VT_ARRAY) {
    /* arrays as {a,b,c} */
    SAFEARRAY *sa = (V_VT(v) & VT_BYREF) ? *V_ARRAYREF(v) : V_ARRAY(v);
    LONG lb, ub, i;
    VARTYPE vt;
    WCHAR *acc = sim_strdup(L"{");
    if (!sa || FAILED(SafeArrayGetVartype(sa, &vt)) || SafeArrayGetDim(sa) != 1) return acc;
    SafeArrayGetLBound(sa, 1, &lb);
    SafeArrayGetUBound(sa, 1, &ub);
    for (i = lb; acc && i <= ub; i++) {
      VARIANT e;
      WCHAR *et, *next;
      VariantInit(&e);
      if (vt == VT_VARIANT) SafeArrayGetElement(sa, &i, &e);
      else if (vt == VT_BSTR) {
        BSTR b = NULL;
        SafeArrayGetElement(sa, &i, &b);
        V_VT(&e) = VT_BSTR;
        V_BSTR(&e) = b;
      }
      else if (vt == VT_I4) {
        V_VT(&e) = VT_I4;
        SafeArrayGetElement(sa, &i, &V_I4(&e));
      }
      et = value_text(&e);
      VariantClear(&e);
      next = sim_strcat3(acc, i > lb ? L"," : L"", et ? et : L"");
      free(acc);
      free(et);
      acc = next;
    }
    r = acc ? sim_strcat3(acc, L"}", NULL) : NULL;
    free(acc);
    return r;
  }
  VariantInit(&t);
  if (V_VT(v) == VT_EMPTY || V_VT(v) == VT_NULL) return sim_strdup(L"");
  if (FAILED(VariantChangeTypeEx(&t, (VARIANT *)v, LOCALE_INVARIANT, VARIANT_ALPHABOOL, VT_BSTR))) return sim_strdup(L"?");
  r = sim_strdup(V_BSTR(&t) ? V_BSTR(&t) : L"");
  VariantClear(&t);
  return r;
}

static int pair_cmp(const void *a, const void *b)
{
  return _wcsicmp(((const pair *)a)->name, ((const pair *)b)->name);
}

WCHAR *nvset_context_text(IDispatch *ctx)
{
  sim_nvset *own = NULL;
  pair *pairs = NULL;
  int n = 0, i;
  size_t len = 1;
  WCHAR *r;

  if (!ctx) return sim_strdup(L"");
  if (SUCCEEDED(IDispatch_QueryInterface(ctx, &IID_WbemSimNamedValueSet, (void **)&own))) {
    EnterCriticalSection(&own->cs);
    pairs = calloc((size_t)(own->n ? own->n : 1), sizeof *pairs);
    for (i = 0; pairs && i < own->n; i++) {
      pairs[i].name = sim_strdup(own->v[i].name);
      pairs[i].text = value_text(&own->v[i].value);
    }
    if (pairs) n = own->n;
    LeaveCriticalSection(&own->cs);
    ISWbemNamedValueSet_Release(&own->ISWbemNamedValueSet_iface);
  }
  else {
    /* another SWbemNamedValueSet (Wine's, say): its _NewEnum, then Name and Value */
    VARIANT ev, item;
    IEnumVARIANT *en = NULL;
    DISPPARAMS none = { NULL, NULL, 0, 0 };
    VariantInit(&ev);
    if (SUCCEEDED(IDispatch_Invoke(ctx, DISPID_NEWENUM, &IID_NULL, LOCALE_USER_DEFAULT,
                                   DISPATCH_PROPERTYGET | DISPATCH_METHOD, &none, &ev, NULL, NULL)) &&
        (V_VT(&ev) == VT_UNKNOWN || V_VT(&ev) == VT_DISPATCH) && V_UNKNOWN(&ev))
      IUnknown_QueryInterface(V_UNKNOWN(&ev), &IID_IEnumVARIANT, (void **)&en);
    VariantClear(&ev);
    VariantInit(&item);
    while (en && IEnumVARIANT_Next(en, 1, &item, NULL) == S_OK) {
      if (V_VT(&item) == VT_DISPATCH && V_DISPATCH(&item)) {
        VARIANT name, value;
        pair *np = realloc(pairs, (size_t)(n + 1) * sizeof *pairs);
        if (np) {
          pairs = np;
          wbem_disp_get(V_DISPATCH(&item), L"Name", &name);
          pairs[n].name = sim_strdup(V_VT(&name) == VT_BSTR && V_BSTR(&name) ? V_BSTR(&name) : L"?");
          pairs[n].text = SUCCEEDED(wbem_disp_get(V_DISPATCH(&item), L"Value", &value)) ? value_text(&value)
                                                                                       : sim_strdup(L"?");
          VariantClear(&name);
          VariantClear(&value);
          n++;
        }
      }
      VariantClear(&item);
    }
    if (en) IEnumVARIANT_Release(en);
    else {
      /* no enumeration (Wine's set has none): at least say that something came */
      VARIANT count;
      if (SUCCEEDED(wbem_disp_get(ctx, L"Count", &count)) && SUCCEEDED(VariantChangeType(&count, &count, 0, VT_I4)) &&
          V_I4(&count) > 0 && (pairs = calloc(1, sizeof *pairs))) {
        pairs[0].name = sim_strdup(L"?");
        pairs[0].text = value_text(&count);
        n = 1;
      }
      VariantClear(&count);
    }
  }
  for (i = 0; i < n; i++)
    if (!pairs[i].name) pairs[i].name = sim_strdup(L"");
  if (n > 1) qsort(pairs, (size_t)n, sizeof *pairs, pair_cmp);
  for (i = 0; i < n; i++) len += wcslen(pairs[i].name) + (pairs[i].text ? wcslen(pairs[i].text) : 0) + 2;
  r = malloc(len * sizeof(WCHAR));
  if (r) {
    r[0] = 0;
    for (i = 0; i < n; i++) {
      if (i) wcscat(r, L";");
      wcscat(r, pairs[i].name ? pairs[i].name : L"");
      wcscat(r, L"=");
      if (pairs[i].text) wcscat(r, pairs[i].text);
    }
  }
  for (i = 0; i < n; i++) {
    free(pairs[i].name);
    free(pairs[i].text);
  }
  free(pairs);
  return r;
}
