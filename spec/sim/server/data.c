/*
** data.c: the contents of a WMI object (class or instance): properties with their CIM
** types and values, qualifiers with their flavors. Plain memory, no COM: the repository
** keeps its own copies and every SWbemObject works on a copy of its own, as WMI's
** objects are local copies until Put_ writes them back.
**
** Values are kept the way the scripting API hands them to a script (IWbemClassObject::Get
** table of "CIM types and VARIANTs"): sint8/sint16/char16 VT_I2, uint8 VT_UI1,
** uint16/sint32/uint32 VT_I4, sint64/uint64 as decimal strings (VT_BSTR), real32 VT_R4,
** real64 VT_R8, boolean VT_BOOL, string/datetime/reference VT_BSTR, null VT_NULL;
** arrays as VT_ARRAY|VT_VARIANT.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "wbemsim.h"

WCHAR *sim_strdup(const WCHAR *s)
{
  size_t n;
  WCHAR *r;
  if (!s) return NULL;
  n = (wcslen(s) + 1) * sizeof(WCHAR);
  r = malloc(n);
  if (r) memcpy(r, s, n);
  return r;
}

WCHAR *sim_strcat3(const WCHAR *a, const WCHAR *b, const WCHAR *c)
{
  size_t la = a ? wcslen(a) : 0, lb = b ? wcslen(b) : 0, lc = c ? wcslen(c) : 0;
  WCHAR *r = malloc((la + lb + lc + 1) * sizeof(WCHAR));
  if (!r) return NULL;
  if (la) memcpy(r, a, la * sizeof(WCHAR));
  if (lb) memcpy(r + la, b, lb * sizeof(WCHAR));
  if (lc) memcpy(r + la + lb, c, lc * sizeof(WCHAR));
  r[la + lb + lc] = 0;
  return r;
}

void *sim_grow(void *v, int *cap, int need, size_t size)
{
  if (need <= *cap) return v;
  {
    int ncap = *cap ? *cap * 2 : 8;
    void *nv;
    while (ncap < need) ncap *= 2;
    nv = realloc(v, (size_t)ncap * size);
    if (!nv) return NULL;
    *cap = ncap;
    return nv;
  }
}

/* ---- qualifiers ---- */

sim_qual *quals_find(const sim_quals *q, const WCHAR *name)
{
  int i;
  for (i = 0; i < q->n; i++)
    if (_wcsicmp(q->v[i].name, name) == 0) return &q->v[i];
  return NULL;
}

HRESULT quals_set(sim_quals *q, const WCHAR *name, const VARIANT *v, LONG flavor)
{
  sim_qual *e = quals_find(q, name);
  if (!e) {
    sim_qual *nv = sim_grow(q->v, &q->cap, q->n + 1, sizeof *nv);
    if (!nv) return E_OUTOFMEMORY;
    q->v = nv;
    e = &q->v[q->n];
    memset(e, 0, sizeof *e);
    e->name = sim_strdup(name);
    if (!e->name) return E_OUTOFMEMORY;
    VariantInit(&e->value);
    q->n++;
  }
  VariantClear(&e->value);
  e->flavor = flavor;
  e->local = TRUE;
  return VariantCopy(&e->value, (VARIANT *)v);
}

BOOL quals_remove(sim_quals *q, const WCHAR *name)
{
  sim_qual *e = quals_find(q, name);
  int i;
  if (!e) return FALSE;
  i = (int)(e - q->v);
  free(e->name);
  VariantClear(&e->value);
  memmove(&q->v[i], &q->v[i + 1], (size_t)(q->n - i - 1) * sizeof *e);
  q->n--;
  return TRUE;
}

void quals_clear(sim_quals *q)
{
  int i;
  for (i = 0; i < q->n; i++) {
    free(q->v[i].name);
    VariantClear(&q->v[i].value);
  }
  free(q->v);
  q->v = NULL;
  q->n = q->cap = 0;
}

void quals_copy(sim_quals *dst, const sim_quals *src)
{
  int i;
  memset(dst, 0, sizeof *dst);
  for (i = 0; i < src->n; i++) {
    if (SUCCEEDED(quals_set(dst, src->v[i].name, &src->v[i].value, src->v[i].flavor)))
      quals_find(dst, src->v[i].name)->local = src->v[i].local;
  }
}

BOOL qual_true(const sim_quals *q, const WCHAR *name)
{
  sim_qual *e = quals_find(q, name);
  return e && V_VT(&e->value) == VT_BOOL && V_BOOL(&e->value) != VARIANT_FALSE;
}

/* ---- objects ---- */

sim_data *data_new(BOOL is_class, const WCHAR *ns, const WCHAR *cls)
{
  sim_data *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->is_class = is_class;
  d->ns = sim_strdup(ns);
  d->cls = sim_strdup(cls);
  return d;
}

static void prop_clear(sim_prop *p)
{
  free(p->name);
  free(p->origin);
  VariantClear(&p->value);
  quals_clear(&p->quals);
}

void data_free(sim_data *d)
{
  int i;
  if (!d) return;
  for (i = 0; i < d->n; i++) prop_clear(&d->props[i]);
  free(d->props);
  quals_clear(&d->quals);
  free(d->ns);
  free(d->cls);
  free(d->super);
  free(d);
}

sim_data *data_clone(const sim_data *d)
{
  sim_data *c = data_new(d->is_class, d->ns, d->cls);
  int i;
  if (!c) return NULL;
  c->super = sim_strdup(d->super);
  quals_copy(&c->quals, &d->quals);
  for (i = 0; i < d->n; i++) {
    sim_prop *p = data_add_prop(c, d->props[i].name, d->props[i].type, d->props[i].origin);
    if (!p) {
      data_free(c);
      return NULL;
    }
    VariantCopy(&p->value, (VARIANT *)&d->props[i].value);
    quals_copy(&p->quals, &d->props[i].quals);
  }
  return c;
}

sim_prop *data_prop(const sim_data *d, const WCHAR *name)
{
  int i;
  for (i = 0; i < d->n; i++)
    if (_wcsicmp(d->props[i].name, name) == 0) return &d->props[i];
  return NULL;
}

sim_prop *data_add_prop(sim_data *d, const WCHAR *name, CIMTYPE type, const WCHAR *origin)
{
  sim_prop *p = data_prop(d, name), *nv;
  if (p) return p;
  nv = sim_grow(d->props, &d->cap, d->n + 1, sizeof *nv);
  if (!nv) return NULL;
  d->props = nv;
  p = &d->props[d->n];
  memset(p, 0, sizeof *p);
  p->name = sim_strdup(name);
  p->origin = sim_strdup(origin);
  p->type = type;
  V_VT(&p->value) = VT_NULL;
  d->n++;
  return p;
}

BOOL data_remove_prop(sim_data *d, const WCHAR *name)
{
  sim_prop *p = data_prop(d, name);
  int i;
  if (!p) return FALSE;
  i = (int)(p - d->props);
  prop_clear(p);
  memmove(&d->props[i], &d->props[i + 1], (size_t)(d->n - i - 1) * sizeof *p);
  d->n--;
  return TRUE;
}

BOOL prop_is_key(const sim_prop *p) { return qual_true(&p->quals, L"key"); }
BOOL data_is_singleton(const sim_data *d) { return qual_true(&d->quals, L"singleton"); }

int data_key_count(const sim_data *d)
{
  int i, n = 0;
  for (i = 0; i < d->n; i++) n += prop_is_key(&d->props[i]);
  return n;
}

static void copy_quals_inherited(sim_quals *dst, const sim_quals *src, LONG need)
{
  int i;
  memset(dst, 0, sizeof *dst);
  for (i = 0; i < src->n; i++) {
    const sim_qual *q = &src->v[i];
    /* key must reach instances and subclasses whatever its flavor, or paths break */
    if ((q->flavor & need) || _wcsicmp(q->name, L"key") == 0) {
      if (SUCCEEDED(quals_set(dst, q->name, &q->value, q->flavor)))
        quals_find(dst, q->name)->local = FALSE;
    }
  }
}

static sim_data *spawn(const sim_data *cls, BOOL is_class)
{
  LONG need = is_class ? WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS : WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE;
  sim_data *d = data_new(is_class, cls->ns, is_class ? NULL : cls->cls);
  int i;
  if (!d) return NULL;
  if (is_class) d->super = sim_strdup(cls->cls);
  copy_quals_inherited(&d->quals, &cls->quals, need);
  for (i = 0; i < cls->n; i++) {
    const sim_prop *s = &cls->props[i];
    sim_prop *p = data_add_prop(d, s->name, s->type, s->origin);
    if (!p) {
      data_free(d);
      return NULL;
    }
    VariantCopy(&p->value, (VARIANT *)&s->value);     /* a class's values are the defaults */
    copy_quals_inherited(&p->quals, &s->quals, need);
  }
  return d;
}

sim_data *data_spawn_instance(const sim_data *cls) { return spawn(cls, FALSE); }
sim_data *data_spawn_derived(const sim_data *cls) { return spawn(cls, TRUE); }

/* ---- CIM values ---- */

BOOL cim_valid_type(LONG type)
{
  switch (type & ~CIM_FLAG_ARRAY) {
  case CIM_SINT8: case CIM_UINT8: case CIM_SINT16: case CIM_UINT16: case CIM_SINT32:
  case CIM_UINT32: case CIM_SINT64: case CIM_UINT64: case CIM_REAL32: case CIM_REAL64:
  case CIM_BOOLEAN: case CIM_STRING: case CIM_DATETIME: case CIM_REFERENCE: case CIM_CHAR16:
    return (type & ~(CIM_FLAG_ARRAY | 0xfff)) == 0;
  default:
    return FALSE;
  }
}

BOOL cim_quoted(CIMTYPE type)
{
  type &= ~CIM_FLAG_ARRAY;
  return type == CIM_STRING || type == CIM_DATETIME || type == CIM_REFERENCE;
}

/* DMTF datetime yyyymmddHHMMSS.mmmmmmsUUU or interval ddddddddHHMMSS.mmmmmm:000;
** '*' stands for an unused field. */
static BOOL valid_datetime(const WCHAR *s)
{
  int i;
  if (wcslen(s) != 25 || s[14] != L'.') return FALSE;
  if (s[21] != L'+' && s[21] != L'-' && s[21] != L':') return FALSE;
  for (i = 0; i < 25; i++) {
    if (i == 14 || i == 21) continue;
    if (!(s[i] >= L'0' && s[i] <= L'9') && s[i] != L'*') return FALSE;
  }
  return TRUE;
}

static HRESULT int64_text(CIMTYPE base, const VARIANT *in, VARIANT *out)
{
  WCHAR buf[32], *end;
  VARIANT tmp;
  VariantInit(&tmp);
  if (V_VT(in) == VT_BSTR) {
    const WCHAR *s = V_BSTR(in);
    if (!s || !*s) return (HRESULT)WBEM_E_TYPE_MISMATCH;
    errno = 0;
    if (base == CIM_SINT64) {
      __int64 v = _wcstoi64(s, &end, 10);
      if (*end || errno) return (HRESULT)WBEM_E_TYPE_MISMATCH;
      swprintf(buf, 32, L"%lld", v);
    }
    else {
      unsigned __int64 v;
      if (*s == L'-') return (HRESULT)WBEM_E_TYPE_MISMATCH;
      v = _wcstoui64(s, &end, 10);
      if (*end || errno) return (HRESULT)WBEM_E_TYPE_MISMATCH;
      swprintf(buf, 32, L"%llu", v);
    }
  }
  else if (base == CIM_SINT64) {
    if (FAILED(VariantChangeType(&tmp, (VARIANT *)in, 0, VT_I8))) return (HRESULT)WBEM_E_TYPE_MISMATCH;
    swprintf(buf, 32, L"%lld", V_I8(&tmp));
  }
  else {
    if (FAILED(VariantChangeType(&tmp, (VARIANT *)in, 0, VT_UI8))) return (HRESULT)WBEM_E_TYPE_MISMATCH;
    swprintf(buf, 32, L"%llu", V_UI8(&tmp));
  }
  V_VT(out) = VT_BSTR;
  V_BSTR(out) = SysAllocString(buf);
  return V_BSTR(out) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT coerce_scalar(CIMTYPE base, const VARIANT *in, VARIANT *out)
{
  VARIANT tmp;
  LONGLONG lo = 0, hi = 0;
  VARTYPE vt = VT_EMPTY;
  VariantInit(out);
  VariantInit(&tmp);
  if (V_VT(in) == VT_EMPTY || V_VT(in) == VT_NULL) {
    V_VT(out) = VT_NULL;
    return S_OK;
  }
  switch (base) {
  case CIM_SINT8:  lo = -128; hi = 127; vt = VT_I2; break;
  case CIM_UINT8:  lo = 0; hi = 255; vt = VT_UI1; break;
  case CIM_SINT16: lo = -32768; hi = 32767; vt = VT_I2; break;
  case CIM_UINT16: lo = 0; hi = 65535; vt = VT_I4; break;
  case CIM_SINT32: lo = -2147483647LL - 1; hi = 2147483647LL; vt = VT_I4; break;
  case CIM_UINT32: lo = 0; hi = 4294967295LL; vt = VT_I4; break;
  case CIM_CHAR16:
    if (V_VT(in) == VT_BSTR && SysStringLen(V_BSTR(in)) == 1) {
      V_VT(out) = VT_I2;
      V_I2(out) = (SHORT)V_BSTR(in)[0];
      return S_OK;
    }
    lo = 0; hi = 65535; vt = VT_I2; break;
  case CIM_SINT64: case CIM_UINT64:
    return int64_text(base, in, out);
  case CIM_REAL32:
    return FAILED(VariantChangeTypeEx(out, (VARIANT *)in, LOCALE_INVARIANT, 0, VT_R4)) ? (HRESULT)WBEM_E_TYPE_MISMATCH : S_OK;
  case CIM_REAL64:
    return FAILED(VariantChangeTypeEx(out, (VARIANT *)in, LOCALE_INVARIANT, 0, VT_R8)) ? (HRESULT)WBEM_E_TYPE_MISMATCH : S_OK;
  case CIM_BOOLEAN:
    return FAILED(VariantChangeTypeEx(out, (VARIANT *)in, LOCALE_INVARIANT, VARIANT_ALPHABOOL, VT_BOOL))
      ? (HRESULT)WBEM_E_TYPE_MISMATCH : S_OK;
  case CIM_STRING: case CIM_REFERENCE: case CIM_DATETIME:
    if (FAILED(VariantChangeTypeEx(out, (VARIANT *)in, LOCALE_INVARIANT, VARIANT_ALPHABOOL, VT_BSTR)))
      return (HRESULT)WBEM_E_TYPE_MISMATCH;
    if (base == CIM_DATETIME && !valid_datetime(V_BSTR(out))) {
      VariantClear(out);
      return (HRESULT)WBEM_E_TYPE_MISMATCH;
    }
    return S_OK;
  default:
    return (HRESULT)WBEM_E_TYPE_MISMATCH;
  }
  /* integers: range-checked through a 64-bit value */
  if (FAILED(VariantChangeTypeEx(&tmp, (VARIANT *)in, LOCALE_INVARIANT, 0, VT_I8))) return (HRESULT)WBEM_E_TYPE_MISMATCH;
  if (V_I8(&tmp) < lo || V_I8(&tmp) > hi) return (HRESULT)WBEM_E_TYPE_MISMATCH;
  V_VT(out) = vt;
  if (vt == VT_I2) V_I2(out) = (SHORT)V_I8(&tmp);
  else if (vt == VT_UI1) V_UI1(out) = (BYTE)V_I8(&tmp);
  else if (V_I8(&tmp) > 2147483647LL) {     /* uint32 beyond VT_I4 */
    V_VT(out) = VT_UI4;
    V_UI4(out) = (ULONG)V_I8(&tmp);
  }
  else V_I4(out) = (LONG)V_I8(&tmp);
  return S_OK;
}

HRESULT cim_coerce(CIMTYPE type, const VARIANT *vin, VARIANT *out)
{
  const VARIANT *in = vin;
  CIMTYPE base = type & ~CIM_FLAG_ARRAY;
  SAFEARRAY *src, *dst;
  LONG lb, ub, i;
  SAFEARRAYBOUND bound;
  VARTYPE evt;
  HRESULT hr = S_OK;

  VariantInit(out);
  while (V_VT(in) == (VT_BYREF | VT_VARIANT)) in = V_VARIANTREF(in);
  if (V_VT(in) == VT_EMPTY || V_VT(in) == VT_NULL) {
    V_VT(out) = VT_NULL;
    return S_OK;
  }
  if (!(type & CIM_FLAG_ARRAY)) {
    VARIANT deref;
    if (V_VT(in) & VT_ARRAY) return (HRESULT)WBEM_E_TYPE_MISMATCH;
    VariantInit(&deref);
    if (FAILED(VariantCopyInd(&deref, (VARIANT *)in))) return (HRESULT)WBEM_E_TYPE_MISMATCH;
    hr = coerce_scalar(base, &deref, out);
    VariantClear(&deref);
    return hr;
  }
  if (!(V_VT(in) & VT_ARRAY)) return (HRESULT)WBEM_E_TYPE_MISMATCH;
  src = (V_VT(in) & VT_BYREF) ? *V_ARRAYREF(in) : V_ARRAY(in);
  if (!src || SafeArrayGetDim(src) != 1) return (HRESULT)WBEM_E_TYPE_MISMATCH;
  if (FAILED(SafeArrayGetVartype(src, &evt))) return (HRESULT)WBEM_E_TYPE_MISMATCH;
  SafeArrayGetLBound(src, 1, &lb);
  SafeArrayGetUBound(src, 1, &ub);
  bound.lLbound = 0;
  bound.cElements = (ULONG)(ub - lb + 1);
  dst = SafeArrayCreate(VT_VARIANT, 1, &bound);
  if (!dst) return E_OUTOFMEMORY;
  for (i = lb; i <= ub && SUCCEEDED(hr); i++) {
    VARIANT e, c;
    LONG di = i - lb;
    VariantInit(&e);
    if (evt == VT_VARIANT) hr = SafeArrayGetElement(src, &i, &e);
    else {
      union { BYTE b[16]; } buf;
      V_VT(&e) = evt;
      if (SafeArrayGetElemsize(src) > 8) hr = (HRESULT)WBEM_E_TYPE_MISMATCH;
      else hr = SafeArrayGetElement(src, &i, &buf);
      if (SUCCEEDED(hr)) memcpy(&V_UI1(&e), &buf, SafeArrayGetElemsize(src));
    }
    if (SUCCEEDED(hr)) hr = coerce_scalar(base, &e, &c);
    if (SUCCEEDED(hr) && V_VT(&c) == VT_NULL) hr = (HRESULT)WBEM_E_TYPE_MISMATCH;  /* no nulls inside arrays */
    if (SUCCEEDED(hr)) {
      hr = SafeArrayPutElement(dst, &di, &c);
      VariantClear(&c);
    }
    VariantClear(&e);
  }
  if (FAILED(hr)) {
    SafeArrayDestroy(dst);
    return hr == E_OUTOFMEMORY ? hr : (HRESULT)WBEM_E_TYPE_MISMATCH;
  }
  V_VT(out) = VT_ARRAY | VT_VARIANT;
  V_ARRAY(out) = dst;
  return S_OK;
}

WCHAR *cim_key_text(const VARIANT *v)
{
  VARIANT t;
  WCHAR *r;
  if (V_VT(v) == VT_NULL || V_VT(v) == VT_EMPTY) return NULL;
  if (V_VT(v) == VT_BOOL) return sim_strdup(V_BOOL(v) ? L"TRUE" : L"FALSE");
  VariantInit(&t);
  if (FAILED(VariantChangeTypeEx(&t, (VARIANT *)v, LOCALE_INVARIANT, 0, VT_BSTR))) return NULL;
  r = sim_strdup(V_BSTR(&t) ? V_BSTR(&t) : L"");
  VariantClear(&t);
  return r;
}
