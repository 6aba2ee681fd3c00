/*
** enumvar.c: IEnumVARIANT over a snapshot of values, what every _NewEnum of the simulator
** returns (object sets, property, qualifier and named value sets), and the making of that
** snapshot, which those _NewEnums share.
*/
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_enum {
  IEnumVARIANT IEnumVARIANT_iface;
  LONG ref;
  IUnknown *ftm;
  VARIANT *items;
  ULONG n, pos;
  CRITICAL_SECTION cs;
} sim_enum;

static inline sim_enum *impl_from_IEnumVARIANT(IEnumVARIANT *iface)
{
  return CONTAINING_RECORD(iface, sim_enum, IEnumVARIANT_iface);
}

static HRESULT WINAPI enum_QueryInterface(IEnumVARIANT *iface, REFIID riid, void **out)
{
  sim_enum *e = impl_from_IEnumVARIANT(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumVARIANT)) {
    *out = iface;
    IEnumVARIANT_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &e->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI enum_AddRef(IEnumVARIANT *iface)
{
  return InterlockedIncrement(&impl_from_IEnumVARIANT(iface)->ref);
}

static ULONG WINAPI enum_Release(IEnumVARIANT *iface)
{
  sim_enum *e = impl_from_IEnumVARIANT(iface);
  LONG ref = InterlockedDecrement(&e->ref);
  if (ref == 0) {
    ULONG i;
    for (i = 0; i < e->n; i++) VariantClear(&e->items[i]);
    free(e->items);
    if (e->ftm) IUnknown_Release(e->ftm);
    DeleteCriticalSection(&e->cs);
    free(e);
    sim_live_sub();
  }
  return ref;
}

static HRESULT WINAPI enum_Next(IEnumVARIANT *iface, ULONG count, VARIANT *out, ULONG *fetched)
{
  sim_enum *e = impl_from_IEnumVARIANT(iface);
  ULONG i = 0;
  HRESULT hr = S_OK;
  if (!out) return E_POINTER;
  /* one position per call, under the lock: threads sharing the enumerator get each item
  ** once; an item that could not be copied is neither counted nor passed */
  EnterCriticalSection(&e->cs);
  for (; i < count && e->pos < e->n; i++) {
    VariantInit(&out[i]);
    if (FAILED(hr = VariantCopy(&out[i], &e->items[e->pos]))) break;
    e->pos++;
  }
  LeaveCriticalSection(&e->cs);
  if (fetched) *fetched = i;
  if (FAILED(hr)) return hr;
  return i == count ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_Skip(IEnumVARIANT *iface, ULONG count)
{
  sim_enum *e = impl_from_IEnumVARIANT(iface);
  HRESULT hr;
  EnterCriticalSection(&e->cs);
  hr = e->n - e->pos >= count ? S_OK : S_FALSE;
  e->pos = e->n - e->pos >= count ? e->pos + count : e->n;
  LeaveCriticalSection(&e->cs);
  return hr;
}

static HRESULT WINAPI enum_Reset(IEnumVARIANT *iface)
{
  sim_enum *e = impl_from_IEnumVARIANT(iface);
  EnterCriticalSection(&e->cs);
  e->pos = 0;
  LeaveCriticalSection(&e->cs);
  return S_OK;
}

static HRESULT WINAPI enum_Clone(IEnumVARIANT *iface, IEnumVARIANT **out)
{
  sim_enum *e = impl_from_IEnumVARIANT(iface);
  VARIANT *copy = calloc(e->n ? e->n : 1, sizeof *copy);
  ULONG i, pos;
  HRESULT hr;
  *out = NULL;
  if (!copy) return E_OUTOFMEMORY;
  for (i = 0; i < e->n; i++) VariantCopy(&copy[i], &e->items[i]);   /* the items never change */
  EnterCriticalSection(&e->cs);     /* the position does, under another thread's Next */
  pos = e->pos;
  LeaveCriticalSection(&e->cs);
  hr = enumvar_create(copy, e->n, out);
  if (SUCCEEDED(hr)) impl_from_IEnumVARIANT(*out)->pos = pos;
  return hr;
}

static const IEnumVARIANTVtbl enum_vtbl = {
  enum_QueryInterface, enum_AddRef, enum_Release, enum_Next, enum_Skip, enum_Reset, enum_Clone
};

HRESULT enumvar_create(VARIANT *items, ULONG n, IEnumVARIANT **out)
{
  sim_enum *e = calloc(1, sizeof *e);
  *out = NULL;
  if (!e) {
    ULONG i;
    for (i = 0; i < n; i++) VariantClear(&items[i]);
    free(items);
    return E_OUTOFMEMORY;
  }
  e->IEnumVARIANT_iface.lpVtbl = &enum_vtbl;
  e->ref = 1;
  e->items = items;
  e->n = n;
  InitializeCriticalSection(&e->cs);
  sim_live_add();
  *out = &e->IEnumVARIANT_iface;
  return S_OK;
}

HRESULT enumvar_collect(int n, enumvar_make make, void *ctx, IUnknown **out)
{
  VARIANT *items = calloc((size_t)(n ? n : 1), sizeof *items);
  IEnumVARIANT *e;
  HRESULT hr = items ? S_OK : E_OUTOFMEMORY;
  int i;
  *out = NULL;
  for (i = 0; SUCCEEDED(hr) && i < n; i++) {
    IDispatch *d;
    if (SUCCEEDED(hr = make(ctx, i, &d))) {
      V_VT(&items[i]) = VT_DISPATCH;
      V_DISPATCH(&items[i]) = d;
    }
  }
  if (FAILED(hr)) {
    for (i = 0; items && i < n; i++) VariantClear(&items[i]);
    free(items);
    return hr;
  }
  hr = enumvar_create(items, (ULONG)n, &e);
  *out = (IUnknown *)e;
  return hr;
}

typedef struct named { WCHAR **names; enumvar_make_named make; void *ctx; } named;

static HRESULT make_named(void *ctx, int i, IDispatch **out)
{
  named *c = ctx;
  return c->make(c->ctx, c->names[i], out);
}

HRESULT enumvar_of_names(WCHAR **names, int n, enumvar_make_named make, void *ctx, IUnknown **out)
{
  named c = { names, make, ctx };
  HRESULT hr;
  int i;
  *out = NULL;
  if (!names) return E_OUTOFMEMORY;
  hr = enumvar_collect(n, make_named, &c, out);
  for (i = 0; i < n; i++) free(names[i]);
  free(names);
  return hr;
}
