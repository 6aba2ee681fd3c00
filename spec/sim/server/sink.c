/*
** sink.c: WbemSim.SWbemSink, with the ISWbemSinkEvents connection point
** (DIID {75718CA0-F029-11D1-A1AC-00C04FB6C223}) and Cancel.
**
** Unlike the data objects the sink does not use the free-threaded marshaler: it lives in
** the apartment that created it, like a script's sink, and so do its connections. In a
** single-threaded apartment the worker queues each event in the thread's mailbox
** (mailbox.c; Control.Delivery "marshal": an STA receives the events only while it pumps
** messages, with the very async context object its call was given); a sink of the
** multithreaded apartment, or "direct" delivery, has the worker call the connections on its
** own thread (what an MTA host sees).
**
** Two counts: ref is the clients' (COM's); iref keeps the memory while operations are
** pending. When the clients let go, the sink drops its connections and cancels its pending
** operations, which then complete delivering to no one (SWbemSink.Cancel: "cancels all
** outstanding asynchronous operations that are associated with this object sink").
*/
#include <stdlib.h>
#include "wbemsim.h"

typedef struct sim_conn {
  DWORD cookie;             /* the client's Advise cookie */
  IDispatch *disp;
} sim_conn;

struct sim_sink {
  ISWbemSink ISWbemSink_iface;
  IConnectionPointContainer IConnectionPointContainer_iface;
  IConnectionPoint IConnectionPoint_iface;
  LONG ref;
  LONG iref;
  CRITICAL_SECTION cs;
  sim_conn *conns;
  int n, cap;
  DWORD next_cookie;
  sim_mailbox *mailbox;     /* the STA thread's (mailbox.c); NULL for MTA sinks or once closed */
  sim_event *queued;        /* its events waiting in that mailbox (kept under the mailbox's lock) */
  sim_op_list ops;          /* its operations waiting in the worker's queue (under the worker's lock) */
  BOOL sta;
  LONG cancel_gen;          /* bumped by Cancel: operations submitted before it are cancelled */
};

static const sim_member sink_members[] = {
  { L"Cancel", 1, INVOKE_FUNC, VT_EMPTY, 0, { 0, 0 }, { NULL, NULL } },
};

static inline sim_sink *impl_from_ISWbemSink(ISWbemSink *iface)
{
  return CONTAINING_RECORD(iface, sim_sink, ISWbemSink_iface);
}

static inline sim_sink *impl_from_IConnectionPointContainer(IConnectionPointContainer *iface)
{
  return CONTAINING_RECORD(iface, sim_sink, IConnectionPointContainer_iface);
}

static inline sim_sink *impl_from_IConnectionPoint(IConnectionPoint *iface)
{
  return CONTAINING_RECORD(iface, sim_sink, IConnectionPoint_iface);
}

void sink_internal_addref(sim_sink *s) { InterlockedIncrement(&s->iref); }
LONG sink_generation(sim_sink *s) { return InterlockedCompareExchange(&s->cancel_gen, 0, 0); }
void sink_bump_generation(sim_sink *s) { InterlockedIncrement(&s->cancel_gen); }
BOOL sink_in_sta(sim_sink *s) { return s->sta; }
sim_op_list *sink_ops(sim_sink *s) { return &s->ops; }

void sink_internal_release(sim_sink *s)
{
  if (InterlockedDecrement(&s->iref) == 0) {
    DeleteCriticalSection(&s->cs);
    free(s->conns);
    free(s);
    sim_live_sub();
  }
}

sim_sink *sink_from_dispatch(IDispatch *disp)
{
  ISWbemSink *iface;
  sim_sink *s;
  if (!disp || FAILED(IDispatch_QueryInterface(disp, &IID_WbemSimSink, (void **)&iface))) return NULL;
  s = impl_from_ISWbemSink(iface);
  sink_internal_addref(s);
  ISWbemSink_Release(iface);
  return s;
}

/* Calls every connection with one event, on the calling thread. */
void sink_fire(sim_sink *s, DISPID id, VARIANT *args, UINT nargs)
{
  IDispatch **v = NULL;
  DISPPARAMS dp;
  int i, n;
  EnterCriticalSection(&s->cs);
  n = s->n;
  if (n && (v = malloc((size_t)n * sizeof *v)))
    for (i = 0; i < n; i++) {
      v[i] = s->conns[i].disp;
      IDispatch_AddRef(v[i]);
    }
  LeaveCriticalSection(&s->cs);
  if (!v) return;
  dp.rgvarg = args;
  dp.rgdispidNamedArgs = NULL;
  dp.cArgs = nargs;
  dp.cNamedArgs = 0;
  for (i = 0; i < n; i++) {
    VARIANT r;
    VariantInit(&r);
    IDispatch_Invoke(v[i], id, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_METHOD, &dp, &r, NULL, NULL);
    VariantClear(&r);
    IDispatch_Release(v[i]);
  }
  free(v);
}

void event_free(sim_event *ev)
{
  UINT i;
  if (ev->done) ev->done(ev->done_ctx);
  for (i = 0; i < ev->nargs; i++) VariantClear(&ev->args[i]);
  if (ev->sink) sink_internal_release(ev->sink);
  free(ev);
}

/* Hands the event to the sink's apartment (mailbox.c); FALSE when the sink is closed or
** lives in the MTA (the caller keeps the event then). Under the sink's lock, so that no event
** slips in after close_mailbox dropped the queued ones. */
BOOL sink_post(sim_sink *s, sim_event *ev)
{
  BOOL posted = FALSE;
  EnterCriticalSection(&s->cs);
  if (s->mailbox) {
    ev->sink = s;
    sink_internal_addref(s);
    posted = mailbox_push(s->mailbox, ev, &s->queued);
  }
  LeaveCriticalSection(&s->cs);
  return posted;
}

static void close_mailbox(sim_sink *s)
{
  sim_mailbox *mb;
  EnterCriticalSection(&s->cs);
  mb = s->mailbox;
  s->mailbox = NULL;
  LeaveCriticalSection(&s->cs);
  if (mb) mailbox_drop(mb, &s->queued);         /* events still queued go unfired: the clients are gone */
}

/* ---- ISWbemSink ---- */

static HRESULT WINAPI sink_QueryInterface(ISWbemSink *iface, REFIID riid, void **out)
{
  sim_sink *s = impl_from_ISWbemSink(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemSink) ||
      IsEqualIID(riid, &IID_WbemSimSink))
    *out = &s->ISWbemSink_iface;
  else if (IsEqualIID(riid, &IID_IConnectionPointContainer))
    *out = &s->IConnectionPointContainer_iface;
  else {
    *out = NULL;
    return E_NOINTERFACE;
  }
  IUnknown_AddRef((IUnknown *)*out);
  return S_OK;
}

static ULONG WINAPI sink_AddRef(ISWbemSink *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemSink(iface)->ref);
}

static ULONG WINAPI sink_Release(ISWbemSink *iface)
{
  sim_sink *s = impl_from_ISWbemSink(iface);
  LONG ref = InterlockedDecrement(&s->ref);
  if (ref == 0) {
    sim_conn *conns;
    int i, n;
    EnterCriticalSection(&s->cs);
    conns = s->conns;
    n = s->n;
    s->conns = NULL;
    s->n = s->cap = 0;
    LeaveCriticalSection(&s->cs);
    for (i = 0; i < n; i++) IDispatch_Release(conns[i].disp);
    free(conns);
    close_mailbox(s);
    worker_cancel_sink(s);
    sink_internal_release(s);
  }
  return ref;
}

static HRESULT WINAPI sink_GetTypeInfoCount(ISWbemSink *iface, UINT *count)
{
  (void)iface;
  *count = 1;
  return S_OK;
}

static HRESULT WINAPI sink_GetTypeInfo(ISWbemSink *iface, UINT index, LCID lcid, ITypeInfo **ti)
{
  (void)iface; (void)lcid;
  if (index) return DISP_E_BADINDEX;
  return sim_build_typeinfo(&IID_WbemSimSinkDisp, L"ISWbemSink", sink_members, 1, ti);
}

static HRESULT WINAPI sink_GetIDsOfNames(ISWbemSink *iface, REFIID riid, LPOLESTR *names, UINT count, LCID lcid,
                                         DISPID *ids)
{
  (void)iface; (void)riid; (void)lcid;
  return sim_member_ids(sink_members, 1, names, count, ids);
}

static HRESULT WINAPI sink_Invoke(ISWbemSink *iface, DISPID id, REFIID riid, LCID lcid, WORD flags,
                                  DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
  (void)riid; (void)lcid; (void)ei; (void)argerr;
  if (id != 1) return DISP_E_MEMBERNOTFOUND;
  if (!(flags & DISPATCH_METHOD)) return DISP_E_MEMBERNOTFOUND;
  if (params && params->cArgs) return DISP_E_BADPARAMCOUNT;
  if (result) VariantInit(result);
  return ISWbemSink_Cancel(iface);
}

/* "Cancels all asynchronous operations associated with this object sink": each completes
** with WBEM_E_CALL_CANCELLED, delivered by the worker like any completion. */
static HRESULT WINAPI sink_Cancel(ISWbemSink *iface)
{
  worker_cancel_sink(impl_from_ISWbemSink(iface));
  return S_OK;
}

static const ISWbemSinkVtbl sink_vtbl = {
  sink_QueryInterface, sink_AddRef, sink_Release,
  sink_GetTypeInfoCount, sink_GetTypeInfo, sink_GetIDsOfNames, sink_Invoke,
  sink_Cancel,
};

/* ---- IConnectionPointContainer ---- */

static HRESULT WINAPI cpc_QueryInterface(IConnectionPointContainer *iface, REFIID riid, void **out)
{
  return sink_QueryInterface(&impl_from_IConnectionPointContainer(iface)->ISWbemSink_iface, riid, out);
}

static ULONG WINAPI cpc_AddRef(IConnectionPointContainer *iface)
{
  return sink_AddRef(&impl_from_IConnectionPointContainer(iface)->ISWbemSink_iface);
}

static ULONG WINAPI cpc_Release(IConnectionPointContainer *iface)
{
  return sink_Release(&impl_from_IConnectionPointContainer(iface)->ISWbemSink_iface);
}

/* ---- IEnumConnectionPoints: the sink's one connection point ---- */

typedef struct sim_cpenum {
  IEnumConnectionPoints IEnumConnectionPoints_iface;
  LONG ref;
  sim_sink *sink;           /* a client reference: the enumerator hands out its point */
  ULONG pos;
} sim_cpenum;

static inline sim_cpenum *impl_from_IEnumConnectionPoints(IEnumConnectionPoints *iface)
{
  return CONTAINING_RECORD(iface, sim_cpenum, IEnumConnectionPoints_iface);
}

static HRESULT cpenum_create(sim_sink *s, ULONG pos, IEnumConnectionPoints **out);

static HRESULT WINAPI cpenum_QueryInterface(IEnumConnectionPoints *iface, REFIID riid, void **out)
{
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumConnectionPoints)) {
    *out = iface;
    IEnumConnectionPoints_AddRef(iface);
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI cpenum_AddRef(IEnumConnectionPoints *iface)
{
  return InterlockedIncrement(&impl_from_IEnumConnectionPoints(iface)->ref);
}

static ULONG WINAPI cpenum_Release(IEnumConnectionPoints *iface)
{
  sim_cpenum *e = impl_from_IEnumConnectionPoints(iface);
  LONG ref = InterlockedDecrement(&e->ref);
  if (ref == 0) {
    ISWbemSink_Release(&e->sink->ISWbemSink_iface);
    free(e);
  }
  return ref;
}

static HRESULT WINAPI cpenum_Next(IEnumConnectionPoints *iface, ULONG count, IConnectionPoint **out, ULONG *fetched)
{
  sim_cpenum *e = impl_from_IEnumConnectionPoints(iface);
  ULONG got = 0;
  if (!out) return E_POINTER;
  if (count > 0 && e->pos == 0) {
    out[0] = &e->sink->IConnectionPoint_iface;
    IConnectionPoint_AddRef(out[0]);
    e->pos = 1;
    got = 1;
  }
  if (fetched) *fetched = got;
  return got == count ? S_OK : S_FALSE;
}

static HRESULT WINAPI cpenum_Skip(IEnumConnectionPoints *iface, ULONG count)
{
  sim_cpenum *e = impl_from_IEnumConnectionPoints(iface);
  if (count == 0) return S_OK;
  if (e->pos == 0 && count == 1) {
    e->pos = 1;
    return S_OK;
  }
  e->pos = 1;
  return S_FALSE;
}

static HRESULT WINAPI cpenum_Reset(IEnumConnectionPoints *iface)
{
  impl_from_IEnumConnectionPoints(iface)->pos = 0;
  return S_OK;
}

static HRESULT WINAPI cpenum_Clone(IEnumConnectionPoints *iface, IEnumConnectionPoints **out)
{
  sim_cpenum *e = impl_from_IEnumConnectionPoints(iface);
  return cpenum_create(e->sink, e->pos, out);
}

static const IEnumConnectionPointsVtbl cpenum_vtbl = {
  cpenum_QueryInterface, cpenum_AddRef, cpenum_Release, cpenum_Next, cpenum_Skip, cpenum_Reset, cpenum_Clone,
};

static HRESULT cpenum_create(sim_sink *s, ULONG pos, IEnumConnectionPoints **out)
{
  sim_cpenum *e = calloc(1, sizeof *e);
  *out = NULL;
  if (!e) return E_OUTOFMEMORY;
  e->IEnumConnectionPoints_iface.lpVtbl = &cpenum_vtbl;
  e->ref = 1;
  e->sink = s;
  e->pos = pos;
  ISWbemSink_AddRef(&s->ISWbemSink_iface);
  *out = &e->IEnumConnectionPoints_iface;
  return S_OK;
}

static HRESULT WINAPI cpc_EnumConnectionPoints(IConnectionPointContainer *iface, IEnumConnectionPoints **out)
{
  if (!out) return E_POINTER;
  return cpenum_create(impl_from_IConnectionPointContainer(iface), 0, out);
}

static HRESULT WINAPI cpc_FindConnectionPoint(IConnectionPointContainer *iface, REFIID riid, IConnectionPoint **out)
{
  sim_sink *s = impl_from_IConnectionPointContainer(iface);
  if (!out) return E_POINTER;
  if (!IsEqualIID(riid, &DIID_ISWbemSinkEvents)) {
    *out = NULL;
    return CONNECT_E_NOCONNECTION;
  }
  *out = &s->IConnectionPoint_iface;
  IConnectionPoint_AddRef(*out);
  return S_OK;
}

static const IConnectionPointContainerVtbl cpc_vtbl = {
  cpc_QueryInterface, cpc_AddRef, cpc_Release, cpc_EnumConnectionPoints, cpc_FindConnectionPoint,
};

/* ---- IConnectionPoint ---- */

static HRESULT WINAPI cp_QueryInterface(IConnectionPoint *iface, REFIID riid, void **out)
{
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IConnectionPoint)) {
    *out = iface;
    IConnectionPoint_AddRef(iface);
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI cp_AddRef(IConnectionPoint *iface)
{
  return sink_AddRef(&impl_from_IConnectionPoint(iface)->ISWbemSink_iface);
}

static ULONG WINAPI cp_Release(IConnectionPoint *iface)
{
  return sink_Release(&impl_from_IConnectionPoint(iface)->ISWbemSink_iface);
}

static HRESULT WINAPI cp_GetConnectionInterface(IConnectionPoint *iface, IID *iid)
{
  (void)iface;
  *iid = DIID_ISWbemSinkEvents;
  return S_OK;
}

static HRESULT WINAPI cp_GetConnectionPointContainer(IConnectionPoint *iface, IConnectionPointContainer **out)
{
  sim_sink *s = impl_from_IConnectionPoint(iface);
  *out = &s->IConnectionPointContainer_iface;
  IConnectionPointContainer_AddRef(*out);
  return S_OK;
}

static HRESULT WINAPI cp_Advise(IConnectionPoint *iface, IUnknown *unk, DWORD *cookie)
{
  sim_sink *s = impl_from_IConnectionPoint(iface);
  IDispatch *disp = NULL;
  sim_conn *nv;
  if (!unk || !cookie) return E_POINTER;
  *cookie = 0;
  /* the event interface itself, or plain IDispatch (what a script engine advises) */
  if (FAILED(IUnknown_QueryInterface(unk, &DIID_ISWbemSinkEvents, (void **)&disp)) &&
      FAILED(IUnknown_QueryInterface(unk, &IID_IDispatch, (void **)&disp)))
    return CONNECT_E_CANNOTCONNECT;
  EnterCriticalSection(&s->cs);
  nv = sim_grow(s->conns, &s->cap, s->n + 1, sizeof *nv);
  if (nv) {
    sim_conn *c = &nv[s->n++];
    s->conns = nv;
    c->cookie = ++s->next_cookie;
    c->disp = disp;
    *cookie = c->cookie;
    disp = NULL;
  }
  LeaveCriticalSection(&s->cs);
  if (disp) {
    IDispatch_Release(disp);
    return E_OUTOFMEMORY;
  }
  return S_OK;
}

static HRESULT WINAPI cp_Unadvise(IConnectionPoint *iface, DWORD cookie)
{
  sim_sink *s = impl_from_IConnectionPoint(iface);
  sim_conn gone;
  int i;
  BOOL found = FALSE;
  EnterCriticalSection(&s->cs);
  for (i = 0; i < s->n; i++)
    if (s->conns[i].cookie == cookie) {
      gone = s->conns[i];
      memmove(&s->conns[i], &s->conns[i + 1], (size_t)(s->n - i - 1) * sizeof gone);
      s->n--;
      found = TRUE;
      break;
    }
  LeaveCriticalSection(&s->cs);
  if (!found) return CONNECT_E_NOCONNECTION;
  IDispatch_Release(gone.disp);
  return S_OK;
}

static HRESULT WINAPI cp_EnumConnections(IConnectionPoint *iface, IEnumConnections **out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static const IConnectionPointVtbl cp_vtbl = {
  cp_QueryInterface, cp_AddRef, cp_Release, cp_GetConnectionInterface, cp_GetConnectionPointContainer,
  cp_Advise, cp_Unadvise, cp_EnumConnections,
};

HRESULT sink_create(REFIID riid, void **out)
{
  sim_sink *s = calloc(1, sizeof *s);
  HRESULT hr;
  *out = NULL;
  if (!s) return E_OUTOFMEMORY;
  s->ISWbemSink_iface.lpVtbl = &sink_vtbl;
  s->IConnectionPointContainer_iface.lpVtbl = &cpc_vtbl;
  s->IConnectionPoint_iface.lpVtbl = &cp_vtbl;
  s->ref = 1;
  s->iref = 1;
  InitializeCriticalSection(&s->cs);
  sim_live_add();
  hr = mailbox_open(&s->mailbox);
  s->sta = s->mailbox != NULL;
  if (FAILED(hr)) {
    ISWbemSink_Release(&s->ISWbemSink_iface);
    return hr;
  }
  hr = ISWbemSink_QueryInterface(&s->ISWbemSink_iface, riid, out);
  ISWbemSink_Release(&s->ISWbemSink_iface);
  return hr;
}
