/* Our ISWbemSinkEvents: an IDispatch that records every event it is given, with
 * the thread it arrived on and when, so the checks can look at order, threads and
 * arguments afterwards. Events may arrive on any thread (direct delivery), so the
 * record is locked and the waiter is woken through an event handle. */
#include "client.h"
#include <stdlib.h>
#include <string.h>

const IID DIID_SimSinkEvents =
    { 0x75718ca0, 0xf029, 0x11d1, { 0xa1, 0xac, 0x00, 0xc0, 0x4f, 0xb6, 0xc2, 0x23 } };

struct receiver {
    IDispatch IDispatch_iface;
    LONG ref;
    CRITICAL_SECTION cs;
    event_rec **recs;
    int n, cap;
    ev_group *group;
    ev_group own;
};

void ev_group_init(ev_group *g)
{
    g->signal = CreateEventW(NULL, FALSE, FALSE, NULL);
    g->waiter = GetCurrentThreadId();
    g->events = g->completed = 0;
}

void ev_group_free(ev_group *g)
{
    if (g->signal) CloseHandle(g->signal);
    g->signal = NULL;
}

static volatile LONG arrivals;        /* numbers every event, across receivers */

static inline receiver *impl_from_IDispatch(IDispatch *iface)
{
    return CONTAINING_RECORD(iface, receiver, IDispatch_iface);
}

static HRESULT WINAPI rcv_QueryInterface(IDispatch *iface, REFIID riid, void **out)
{
    receiver *r = impl_from_IDispatch(iface);
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)
        || IsEqualIID(riid, &DIID_SimSinkEvents)) {
        *out = &r->IDispatch_iface;
        IDispatch_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI rcv_AddRef(IDispatch *iface)
{
    return InterlockedIncrement(&impl_from_IDispatch(iface)->ref);
}

static void clear_records(receiver *r)
{
    EnterCriticalSection(&r->cs);
    for (int i = 0; i < r->n; i++) {
        for (int a = 0; a < r->recs[i]->argc; a++) VariantClear(&r->recs[i]->args[a]);
        free(r->recs[i]);
    }
    r->n = 0;
    LeaveCriticalSection(&r->cs);
}

static ULONG WINAPI rcv_Release(IDispatch *iface)
{
    receiver *r = impl_from_IDispatch(iface);
    ULONG ref = InterlockedDecrement(&r->ref);
    if (!ref) {
        clear_records(r);
        free(r->recs);
        DeleteCriticalSection(&r->cs);
        if (r->group == &r->own) ev_group_free(&r->own);
        free(r);
    }
    return ref;
}

static HRESULT WINAPI rcv_GetTypeInfoCount(IDispatch *iface, UINT *n)
{
    (void)iface;
    *n = 0;
    return S_OK;
}

static HRESULT WINAPI rcv_GetTypeInfo(IDispatch *iface, UINT i, LCID lcid, ITypeInfo **ti)
{
    (void)iface; (void)i; (void)lcid;
    *ti = NULL;
    return E_NOTIMPL;
}

static const struct { const WCHAR *name; DISPID id; } event_names[] = {
    { L"OnObjectReady", EV_OBJECT_READY }, { L"OnCompleted", EV_COMPLETED },
    { L"OnProgress", EV_PROGRESS }, { L"OnObjectPut", EV_OBJECT_PUT },
};

static HRESULT WINAPI rcv_GetIDsOfNames(IDispatch *iface, REFIID riid, LPOLESTR *names,
                                        UINT count, LCID lcid, DISPID *ids)
{
    HRESULT hr = S_OK;
    (void)iface; (void)riid; (void)lcid;
    for (UINT i = 0; i < count; i++) {
        ids[i] = DISPID_UNKNOWN;
        for (size_t k = 0; k < sizeof event_names / sizeof event_names[0]; k++)
            if (!lstrcmpiW(names[i], event_names[k].name)) ids[i] = event_names[k].id;
        if (ids[i] == DISPID_UNKNOWN) hr = DISP_E_UNKNOWNNAME;
    }
    return hr;
}

static HRESULT WINAPI rcv_Invoke(IDispatch *iface, DISPID id, REFIID riid, LCID lcid,
                                 WORD flags, DISPPARAMS *dp, VARIANT *result,
                                 EXCEPINFO *ei, UINT *argerr)
{
    receiver *r = impl_from_IDispatch(iface);
    (void)riid; (void)lcid; (void)flags; (void)ei; (void)argerr;
    if (id < EV_OBJECT_READY || id > EV_OBJECT_PUT) return DISP_E_MEMBERNOTFOUND;

    event_rec *e = calloc(1, sizeof *e);
    if (!e) return E_OUTOFMEMORY;
    e->id = id;
    e->thread = GetCurrentThreadId();
    e->t = qpc();
    e->seq = InterlockedIncrement(&arrivals);
    e->argc = dp ? (int)dp->cArgs : 0;
    if (e->argc > 4) e->argc = 4;
    /* rgvarg holds the last argument first */
    for (int i = 0; i < e->argc; i++) {
        VariantInit(&e->args[e->argc - 1 - i]);
        VariantCopyInd(&e->args[e->argc - 1 - i], &dp->rgvarg[i]);
    }
    if (result) VariantInit(result);

    EnterCriticalSection(&r->cs);
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 8;
        event_rec **p = realloc(r->recs, cap * sizeof *p);
        if (!p) {
            LeaveCriticalSection(&r->cs);
            for (int a = 0; a < e->argc; a++) VariantClear(&e->args[a]);
            free(e);
            return E_OUTOFMEMORY;
        }
        r->recs = p;
        r->cap = cap;
    }
    r->recs[r->n++] = e;
    LeaveCriticalSection(&r->cs);

    InterlockedIncrement(&r->group->events);
    if (id == EV_COMPLETED) InterlockedIncrement(&r->group->completed);
    /* An event on the waiting thread itself came in while it dispatched its messages
     * (wait_until), which checks its condition right after: no signal needed, and each
     * SetEvent is a kernel (wineserver) round trip. Other threads must wake it. */
    if (GetCurrentThreadId() != r->group->waiter) SetEvent(r->group->signal);
    return S_OK;
}

static const IDispatchVtbl receiver_vtbl = {
    rcv_QueryInterface, rcv_AddRef, rcv_Release,
    rcv_GetTypeInfoCount, rcv_GetTypeInfo, rcv_GetIDsOfNames, rcv_Invoke,
};

receiver *receiver_new(ev_group *g)
{
    receiver *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->IDispatch_iface.lpVtbl = &receiver_vtbl;
    r->ref = 1;
    InitializeCriticalSection(&r->cs);
    if (g) r->group = g;
    else { ev_group_init(&r->own); r->group = &r->own; }
    return r;
}

IDispatch *receiver_disp(receiver *r) { return r ? &r->IDispatch_iface : NULL; }
ev_group *receiver_group(receiver *r) { return r->group; }

/* The recorded arguments hold proxies of the apartment they arrived in: drop them
 * here, on the client's thread, not in whichever thread makes the last Release. */
void receiver_release(receiver *r)
{
    if (!r) return;
    clear_records(r);
    IDispatch_Release(&r->IDispatch_iface);
}

void receiver_clear(receiver *r) { if (r) clear_records(r); }

int receiver_count(receiver *r)
{
    if (!r) return 0;
    EnterCriticalSection(&r->cs);
    int n = r->n;
    LeaveCriticalSection(&r->cs);
    return n;
}

int receiver_count_id(receiver *r, DISPID id)
{
    int n = 0;
    if (!r) return 0;
    EnterCriticalSection(&r->cs);
    for (int i = 0; i < r->n; i++) n += r->recs[i]->id == id;
    LeaveCriticalSection(&r->cs);
    return n;
}

const event_rec *receiver_event(receiver *r, int i)
{
    const event_rec *e = NULL;
    if (!r) return NULL;
    EnterCriticalSection(&r->cs);
    if (i >= 0 && i < r->n) e = r->recs[i];
    LeaveCriticalSection(&r->cs);
    return e;
}

/* ---- a simulator SWbemSink with its ISWbemSinkEvents connection advised to us ---- */
/* The default sink's class factory is kept per thread (class objects belong to the
 * apartment that got them): under Wine CoCreateInstance walks the registry each time,
 * about 0.4 ms, which --bench would otherwise report as the cost of a sink. */
static __thread IClassFactory *sink_factory;

void simsink_factory_release(void)
{
    if (sink_factory) IClassFactory_Release(sink_factory);
    sink_factory = NULL;
}

HRESULT simsink_open(simsink *s, const WCHAR *progid, ev_group *g)
{
    IConnectionPointContainer *cpc = NULL;
    CLSID clsid;
    HRESULT hr = S_OK;

    memset(s, 0, sizeof *s);
    if (!progid && !sink_factory) {
        hr = CLSIDFromProgID(L"WbemSim.SWbemSink", &clsid);
        if (SUCCEEDED(hr))
            hr = CoGetClassObject(&clsid, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, (void **)&sink_factory);
    }
    if (SUCCEEDED(hr) && !progid) {
        hr = IClassFactory_CreateInstance(sink_factory, NULL, &IID_IDispatch, (void **)&s->sink);
    } else if (SUCCEEDED(hr)) {
        hr = CLSIDFromProgID(progid, &clsid);
        if (SUCCEEDED(hr))
            hr = CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&s->sink);
    }
    if (SUCCEEDED(hr))
        hr = IDispatch_QueryInterface(s->sink, &IID_IConnectionPointContainer, (void **)&cpc);
    if (SUCCEEDED(hr))
        hr = IConnectionPointContainer_FindConnectionPoint(cpc, &DIID_SimSinkEvents, &s->cp);
    if (cpc) IConnectionPointContainer_Release(cpc);
    if (SUCCEEDED(hr)) {
        s->rcv = receiver_new(g);
        hr = s->rcv ? IConnectionPoint_Advise(s->cp, (IUnknown *)receiver_disp(s->rcv), &s->cookie)
                    : E_OUTOFMEMORY;
    }
    if (FAILED(hr)) simsink_close(s);
    return hr;
}

void simsink_close(simsink *s)
{
    if (s->cp) {
        if (s->cookie) IConnectionPoint_Unadvise(s->cp, s->cookie);
        IConnectionPoint_Release(s->cp);
    }
    if (s->sink) IDispatch_Release(s->sink);
    receiver_release(s->rcv);
    memset(s, 0, sizeof *s);
}

/* sinks opened for a test are closed by pool_release_all (through simsink_pool_close) */
static __thread simsink **sink_pool;
static __thread size_t sink_n, sink_cap;

simsink *simsink_keep(ev_group *g, HRESULT *phr)
{
    simsink *s = calloc(1, sizeof *s);
    HRESULT hr = s ? simsink_open(s, NULL, g) : E_OUTOFMEMORY;
    if (phr) *phr = hr;
    if (FAILED(hr)) { free(s); return NULL; }
    if (sink_n == sink_cap) {
        sink_cap = sink_cap ? sink_cap * 2 : 16;
        sink_pool = realloc(sink_pool, sink_cap * sizeof *sink_pool);
    }
    sink_pool[sink_n++] = s;
    return s;
}

void simsink_pool_close(void)
{
    while (sink_n) {
        simsink *s = sink_pool[--sink_n];
        simsink_close(s);
        free(s);
    }
}
