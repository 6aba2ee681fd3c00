/* simclient.exe --bench: the raw C client's figures, the baseline the Lua bridge is
 * measured against (issue 4, "Performance"). Same work as the bridge will do: one
 * SWbemSink per operation (created, advised, released), an STA main thread, marshal
 * delivery, LatencyMs 0 (2000 for the 100,000 in flight), DISPIDs resolved once (but for
 * first_read_us, which measures the resolving). Output is one "name value" per line;
 * lines starting with # describe the set-up. */
#include <malloc.h>
#include "client.h"
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_OPS 2000
#define EVENT_BATCH 100
#define EVENT_STEPS 8        /* OnProgress per op with SendStatus: 10 events per op */
#define FIRST_READS 1000

static DISPID put_async_id;

/* PutAsync_'s DISPID, looked up once for every figure; FALSE when obj has none */
static BOOL know_put_async(IDispatch *obj)
{
    return put_async_id || SUCCEEDED(disp_id(obj, L"PutAsync_", &put_async_id));
}

static HRESULT issue(IDispatch *obj, simsink *s, LONG flags)
{
    VARIANT args[2] = { v_disp(s->sink), v_i4(flags) };
    return disp_invoke_id(obj, put_async_id, DISPATCH_METHOD, NULL, 2, args);
}

/* PROCESS_MEMORY_COUNTERS_EX.PrivateUsage, as the brief asks; Wine 8 does not keep it
 * up to date, so the committed private pages are also summed with VirtualQuery (what
 * PrivateUsage counts on Windows) and the larger difference is the one reported */
static SIZE_T private_usage(void)
{
    PROCESS_MEMORY_COUNTERS_EX pmc;
    pmc.cb = sizeof pmc;
    if (!K32GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&pmc, sizeof pmc)) return 0;
    return pmc.PrivateUsage;
}

static SIZE_T committed_private(void)
{
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T total = 0;
    for (char *p = NULL; VirtualQuery(p, &mbi, sizeof mbi) == sizeof mbi; p = (char *)mbi.BaseAddress + mbi.RegionSize) {
        if (mbi.State == MEM_COMMIT && mbi.Type == MEM_PRIVATE) total += mbi.RegionSize;
        if ((char *)mbi.BaseAddress + mbi.RegionSize < p) break;
    }
    return total;
}

static double cpu_ms(void)
{
    FILETIME c, e, k, u;
    GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
    ULONGLONG kk = ((ULONGLONG)k.dwHighDateTime << 32) | k.dwLowDateTime;
    ULONGLONG uu = ((ULONGLONG)u.dwHighDateTime << 32) | u.dwLowDateTime;
    return (double)(kk + uu) / 10000.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* events per second: batches of EVENT_BATCH operations in flight, each on its own sink,
 * each sending EVENT_STEPS OnProgress + OnObjectPut + OnCompleted. Also run in the Lua
 * bridge's process (bench/simbench.c). Returns events per second, negative on failure;
 * setup_ms (optional) gets the time spent opening sinks and calling. */
double events_round(IDispatch *obj, LONG *count, double *setup_ms)
{
    simsink s[EVENT_BATCH];
    ev_group g;
    LONG events = 0;
    int failed = 0;
    if (!know_put_async(obj)) return -1;
    ctl_set_long(g_ctl, L"ProgressSteps", EVENT_STEPS);
    double t0 = now_ms();
    double setup = 0;
    for (int done = 0; done < EVENT_OPS && !failed; done += EVENT_BATCH) {
        ev_group_init(&g);
        double s0 = now_ms();
        for (int i = 0; i < EVENT_BATCH; i++) {
            if (FAILED(simsink_open(&s[i], NULL, &g)) || FAILED(issue(obj, &s[i], wbemFlagSendStatus)))
                failed = 1;
        }
        setup += now_ms() - s0;
        if (!wait_group_completed(&g, EVENT_BATCH, 30000)) failed = 1;
        events += g.events;
        for (int i = 0; i < EVENT_BATCH; i++) simsink_close(&s[i]);
        ev_group_free(&g);
    }
    double t1 = now_ms();
    ctl_set_long(g_ctl, L"ProgressSteps", 0);
    if (count) *count = events;
    if (setup_ms) *setup_ms = setup;
    return failed ? -1 : events / ((t1 - t0) / 1000.0);
}

static int bench_events(IDispatch *obj)
{
    LONG events;
    double setup, rate = events_round(obj, &events, &setup);
    printf("# events: %d ops, %d in flight, ProgressSteps %d with SendStatus, %ld events in %.1f ms"
           " (%.1f ms of it opening sinks and calling)\n",
           EVENT_OPS, EVENT_BATCH, EVENT_STEPS, (long)events, rate > 0 ? events / rate * 1000.0 : 0.0, setup);
    if (rate < 0) { printf("# events: FAILED\n"); return 1; }
    printf("events_per_s %.1f\n", rate);
    return 0;
}

/* completion latency: one operation at a time, from opening its sink to closing it; the
 * LAT_OPS round trips in us, sorted, into lat. Also run in the Lua bridge's process
 * (bench/simbench.c). Nonzero on failure. */
int latency_round(IDispatch *obj, double *lat)
{
    simsink s;
    ev_group g;            /* one wake-up handle for all, as the bridge has one per state */
    int failed = 0;
    if (!know_put_async(obj)) return 1;
    ev_group_init(&g);
    /* the whole of one operation, as put_async does it: its own sink opened and
     * advised, the call, OnCompleted, the sink unadvised and released */
    for (int i = 0; i < LAT_OPS && !failed; i++) {
        LONGLONG t0 = qpc();
        if (FAILED(simsink_open(&s, NULL, &g))) { failed = 1; break; }
        if (FAILED(issue(obj, &s, 0)) || !wait_done(&s, 10000)) failed = 1;
        simsink_close(&s);
        lat[i] = qpc_ms(qpc() - t0) * 1000.0;
    }
    ev_group_free(&g);
    if (!failed) qsort(lat, LAT_OPS, sizeof lat[0], cmp_double);
    return failed;
}

static int bench_latency(IDispatch *obj)
{
    static double lat[LAT_OPS];
    if (latency_round(obj, lat)) { printf("# latency: FAILED\n"); return 1; }
    printf("# latency: %d sequential operations: sink opened, PutAsync_, OnCompleted, sink closed\n", LAT_OPS);
    printf("latency_p50_us %.1f\n", lat[LAT_OPS / 2]);
    printf("latency_p99_us %.1f\n", lat[LAT_OPS * 99 / 100]);
    return 0;
}

static void (*floor_issued)(void *ctx, int i), (*floor_done)(void *ctx, int i);
static void *floor_ctx;

void bench_floor(void (*issued)(void *ctx, int i), void (*done)(void *ctx, int i), void *ctx)
{
    floor_issued = issued;
    floor_done = done;
    floor_ctx = ctx;
}

/* n operations in flight: every sink created and every call made before the thread
 * pumps once (so all are pending, or completed and queued for this apartment), then
 * pumped to completion and every sink closed; Control.LatencyMs is latency_ms meanwhile.
 * Also run in the Lua bridge's process, round by round beside the bridge's
 * (bench/simbench.c). */
int inflight_round(IDispatch *obj, int n, LONG latency_ms, inflight_figures *f)
{
    simsink *s = calloc(n, sizeof *s);
    ev_group g;
    int failed = !s, opened = 0;
    memset(f, 0, sizeof *f);
    if (!know_put_async(obj)) { free(s); return 1; }
    ev_group_init(&g);
    ctl_set_long(g_ctl, L"LatencyMs", latency_ms);
    SIZE_T pu0 = private_usage(), vq0 = committed_private();
    double t0 = now_ms();
    LONGLONG in_open = 0, in_call = 0;
    for (int i = 0; i < n && !failed; i++) {
        LONGLONG a = qpc();
        if (FAILED(simsink_open(&s[i], NULL, &g))) { failed = 1; break; }
        LONGLONG b = qpc();
        opened++;
        if (FAILED(issue(obj, &s[i], 0))) failed = 1;
        else if (floor_issued) floor_issued(floor_ctx, i);
        in_open += b - a;
        in_call += qpc() - b;
    }
    double t_issued = now_ms();
    SIZE_T pu1 = private_usage(), vq1 = committed_private();
    /* a minute more than the latency and a millisecond per operation */
    if (!failed && !wait_group_completed(&g, n, 60000 + (DWORD)latency_ms + (DWORD)n)) failed = 1;
    if (floor_done) for (int i = 0; i < opened; i++) floor_done(floor_ctx, i);
    f->completed = g.completed;
    /* timed, as in the other rounds: an operation is over once its sink is unadvised and
    ** released, as put_async's is when it returns (3 to 5 us an operation here) */
    for (int i = 0; i < opened; i++) simsink_close(&s[i]);
    double t1 = now_ms();
    free(s);
    ev_group_free(&g);
    ctl_set_long(g_ctl, L"LatencyMs", 0);
    f->d_pu = (double)pu1 - (double)pu0;
    f->d_vq = (double)vq1 - (double)vq0;
    f->issued_ms = t_issued - t0;
    f->wall_ms = t1 - t0;
    f->open_ms = qpc_ms(in_open);
    f->call_ms = qpc_ms(in_call);
    return failed;
}

static int bench_inflight(IDispatch *obj, int n, LONG latency_ms)
{
    inflight_figures f;
    int failed = inflight_round(obj, n, latency_ms, &f);
    printf("# inflight %d: LatencyMs %ld, sinks opened and calls made in %.1f ms, all completed and closed %.1f ms later (%ld)\n",
           n, (long)latency_ms, f.issued_ms, f.wall_ms - f.issued_ms, (long)f.completed);
    printf("# inflight %d: %.1f ms creating and advising sinks, %.1f ms in PutAsync_\n", n, f.open_ms, f.call_ms);
    printf("# inflight %d: PrivateUsage %+.0f bytes, committed private pages (VirtualQuery) %+.0f bytes\n", n,
           f.d_pu, f.d_vq);
    if (failed) { printf("# inflight %d: FAILED\n", n); return 1; }
    printf("inflight_%d_wall_ms %.1f\n", n, f.wall_ms);
    printf("inflight_%d_bytes_per_op %.1f\n", n, (f.d_pu > f.d_vq ? f.d_pu : f.d_vq) / n);
    return 0;
}

/* Cancel of calls that would never end (Control.Hang): CANCEL_OPS calls, each on its own
 * sink, all pending; timed: Cancel on every sink (by IDispatch, as a script calls it), the
 * OnCompleted(WBEM_E_CALL_CANCELLED) of each, every sink closed. Also run in the Lua
 * bridge's process (bench/simbench.c), with bench_floor's hooks: issued(ctx, i) after
 * each call is made (not timed), done(ctx, i) for each once all have completed (timed). */
int cancel_round(IDispatch *obj, cancel_figures *f)
{
    static simsink s[CANCEL_OPS];
    ev_group g;
    DISPID cancel_id = DISPID_UNKNOWN;
    int failed = 0, opened = 0, cancelled = 0;
    memset(f, 0, sizeof *f);
    if (!know_put_async(obj)) return 1;
    ev_group_init(&g);
    disp_put(g_ctl, L"Hang", v_bool(TRUE));
    for (int i = 0; i < CANCEL_OPS && !failed; i++) {
        if (FAILED(simsink_open(&s[i], NULL, &g))) { failed = 1; break; }
        opened++;
        if (FAILED(issue(obj, &s[i], 0))) failed = 1;
        else if (floor_issued) floor_issued(floor_ctx, i);
    }
    if (!failed && FAILED(disp_id(s[0].sink, L"Cancel", &cancel_id))) failed = 1;
    pump_for(200);     /* the worker takes every call up and leaves it hanging */
    f->early = g.completed;
    LONGLONG t0 = qpc(), in_check = 0;
    for (int i = 0; i < opened && !failed; i++)
        if (FAILED(disp_invoke_id(s[i].sink, cancel_id, DISPATCH_METHOD, NULL, 0, NULL))) failed = 1;
    LONGLONG t_cancelled = qpc();
    if (!failed && !wait_group_completed(&g, opened, 60000)) failed = 1;
    LONGLONG c0 = qpc();
    for (int i = 0; i < opened; i++) cancelled += completed_hr(s[i].rcv) == WBEM_E_CALL_CANCELLED_;
    in_check = qpc() - c0;
    if (floor_done && !failed) for (int i = 0; i < opened; i++) floor_done(floor_ctx, i);
    for (int i = 0; i < opened; i++) simsink_close(&s[i]);
    /* where it goes: the calls to Cancel themselves, the simulator completing them and
    ** the mailbox delivering OnCompleted, the sinks' close (the floor's work with it) */
    f->cancel_ms = qpc_ms(t_cancelled - t0);
    f->completed_ms = qpc_ms(c0 - t_cancelled);
    f->closed_ms = qpc_ms(qpc() - c0 - in_check);
    f->us_per_op = qpc_ms(qpc() - t0 - in_check) * 1000.0 / CANCEL_OPS;
    f->opened = opened;
    f->cancelled = cancelled;
    disp_put(g_ctl, L"Hang", v_bool(FALSE));
    ev_group_free(&g);
    return failed || f->early || cancelled != CANCEL_OPS;
}

static int bench_cancel(IDispatch *obj)
{
    cancel_figures f;
    int failed = cancel_round(obj, &f);
    printf("# cancel: Cancel on each sink %.1f ms, until every OnCompleted %.1f ms, the sinks closed %.1f ms\n",
           f.cancel_ms, f.completed_ms, f.closed_ms);
    printf("# cancel: %d hanging calls, one sink each (%ld ended before Cancel); Cancel on each, its"
           " OnCompleted, the sink closed: %.1f ms, %d of them WBEM_E_CALL_CANCELLED\n",
           f.opened, (long)f.early, f.us_per_op * CANCEL_OPS / 1000.0, f.cancelled);
    if (failed) { printf("# cancel: FAILED %s\n", disp_last_error()); return 1; }
    printf("cancel_us_per_op %.2f\n", f.us_per_op);
    return 0;
}

/* The first read of a property on a fresh object, as a script host reads `obj.Size`:
 * GetIDsOfNames then Invoke(PROPERTYGET|METHOD); then the first read of a second one
 * (`obj.Name`) on the same object. The Get that makes the object and its release are
 * not timed */
static int bench_first_read(IDispatch *svc, IDispatch *obj)
{
    LONGLONG total = 0, second = 0;
    int failed = FAILED(disp_put(obj, L"Size", v_i4(7))) || FAILED(put_flags(obj, 0, NULL));
    for (int i = 0; i < FIRST_READS && !failed; i++) {
        VARIANT got, size, name;
        if (FAILED(disp_call(svc, L"Get", &got, 1, v_str(L"SimB_Item.Name=\"bench\"")))) { failed = 1; break; }
        IDispatch *fresh = var_to_disp(&got);
        VariantClear(&got);
        LONGLONG t0 = qpc();
        HRESULT hr = disp_get(fresh, L"Size", &size);
        LONGLONG t1 = qpc();
        HRESULT hr2 = SUCCEEDED(hr) ? disp_get(fresh, L"Name", &name) : hr;
        second += qpc() - t1;
        total += t1 - t0;
        if (FAILED(hr) || V_VT(&size) != VT_I4 || V_I4(&size) != 7) failed = 1;
        if (FAILED(hr2) || V_VT(&name) != VT_BSTR || wcscmp(V_BSTR(&name), L"bench") != 0) failed = 1;
        VariantClear(&size);
        if (SUCCEEDED(hr2)) VariantClear(&name);
        if (fresh) IDispatch_Release(fresh);
    }
    if (failed) { printf("# first read: FAILED %s\n", disp_last_error()); return 1; }
    printf("# first read: %d objects from SWbemServices.Get, Size read once on each, then Name\n", FIRST_READS);
    printf("first_read_us %.2f\n", qpc_ms(total) * 1000.0 / FIRST_READS);
    printf("second_read_us %.2f\n", qpc_ms(second) * 1000.0 / FIRST_READS);
    return 0;
}

/* CPU used by a 2 s wait with nothing pending, the simulator loaded and connected: the
 * host's pumping wait (MsgWaitForMultipleObjectsEx, dispatching whatever comes) */
static int bench_idle(void)
{
    pump_for(100);   /* let the last releases of the previous run settle */
    double c0 = cpu_ms(), t0 = now_ms();
    pump_for(2000);
    double c1 = cpu_ms(), t1 = now_ms();
    printf("# idle: waited %.1f ms\n", t1 - t0);
    printf("idle_2s_cpu_ms %.1f\n", c1 - c0);
    return 0;
}

/* notify_events_per_s: one STA sink on ExecNotificationQueryAsync("SELECT * FROM
 * Sim_BenchEvent"), a class derived from __ExtrinsicEvent; Control.FireEvent(ev, 10000),
 * timed from the fire to the 10,000th OnObjectReady received while pumping (marshal).
 * The sink's connection is a counter that lets each event go as it comes, as a consumer
 * does (and as the Lua loop does, closing each): the test receiver would keep them all,
 * leaving their release out of the time. */
#define NOTIFY_ROUNDS 5
typedef struct counter {
    IDispatch IDispatch_iface;
    LONG ready;
    void (*take)(void *ctx, IDispatch *obj);   /* bench/simbench.c's floor: keeps the object */
    void *take_ctx;
} counter;
static HRESULT WINAPI counter_qi(IDispatch *iface, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &DIID_SimSinkEvents)) {
        *out = iface;
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG WINAPI counter_ref(IDispatch *iface) { (void)iface; return 2; }   /* static: never freed */
static HRESULT WINAPI counter_tic(IDispatch *iface, UINT *n) { (void)iface; *n = 0; return S_OK; }
static HRESULT WINAPI counter_ti(IDispatch *iface, UINT i, LCID l, ITypeInfo **ti)
{ (void)iface; (void)i; (void)l; *ti = NULL; return E_NOTIMPL; }
static HRESULT WINAPI counter_ids(IDispatch *iface, REFIID riid, LPOLESTR *names, UINT n, LCID l, DISPID *ids)
{ (void)iface; (void)riid; (void)names; (void)n; (void)l; (void)ids; return E_NOTIMPL; }
static HRESULT WINAPI counter_invoke(IDispatch *iface, DISPID id, REFIID riid, LCID l, WORD f, DISPPARAMS *dp,
                                     VARIANT *res, EXCEPINFO *ei, UINT *ae)
{
    (void)riid; (void)l; (void)f; (void)dp; (void)ei; (void)ae;
    if (res) VariantInit(res);
    if (id == EV_OBJECT_READY) {
        counter *c = (counter *)iface;
        c->ready++;   /* the event object goes with the call, unless a floor takes it */
        if (c->take && dp->cArgs == 2 && V_VT(&dp->rgvarg[1]) == VT_DISPATCH) c->take(c->take_ctx, V_DISPATCH(&dp->rgvarg[1]));
    }
    return S_OK;
}
static const IDispatchVtbl counter_vtbl = {
    counter_qi, counter_ref, counter_ref, counter_tic, counter_ti, counter_ids, counter_invoke,
};

/* The notify figure's set-up and rounds: simclient --bench runs them here, and
 * bench/simbench.c in the Lua bridge's own process, round by round beside the bridge's
 * (so that both sides meet the same state of the process: Wine's wake-ups are bimodal,
 * and a process stays in one mode). */
struct notify_bench {
    counter c;
    IDispatch *ev, *sink;
    IConnectionPointContainer *cpc;
    IConnectionPoint *cp;
    DWORD cookie;
};

notify_bench *notify_open(IDispatch *svc, HRESULT *phr)
{
    HRESULT hr;
    notify_bench *nb = calloc(1, sizeof *nb);
    if (!nb) { *phr = E_OUTOFMEMORY; return NULL; }
    nb->c.IDispatch_iface.lpVtbl = &counter_vtbl;
    IDispatch *cls = new_class(svc, L"Sim_BenchEvent", L"__ExtrinsicEvent", "Seq:uint32", &hr);
    if (SUCCEEDED(hr)) hr = put_flags(cls, 0, NULL);
    nb->ev = SUCCEEDED(hr) ? spawn(svc, L"Sim_BenchEvent", &hr) : NULL;
    if (SUCCEEDED(hr)) hr = disp_put(nb->ev, L"Seq", v_i4(1));
    if (SUCCEEDED(hr)) nb->sink = sim_create(L"WbemSim.SWbemSink", &hr);
    if (SUCCEEDED(hr)) hr = IDispatch_QueryInterface(nb->sink, &IID_IConnectionPointContainer, (void **)&nb->cpc);
    if (SUCCEEDED(hr)) hr = IConnectionPointContainer_FindConnectionPoint(nb->cpc, &DIID_SimSinkEvents, &nb->cp);
    if (SUCCEEDED(hr)) hr = IConnectionPoint_Advise(nb->cp, (IUnknown *)&nb->c.IDispatch_iface, &nb->cookie);
    if (SUCCEEDED(hr))
        hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(nb->sink), v_str(L"SELECT * FROM Sim_BenchEvent"));
    *phr = hr;
    if (FAILED(hr)) { notify_close(nb); return NULL; }
    return nb;
}

/* One round: NOTIFY_EVENTS fired at once, events per second from the fire to the last
 * received; negative when they did not all come within a minute. fire_ms (optional) gets
 * how long the FireEvent call itself took (the simulator making and queuing the events). */
double notify_round(notify_bench *nb, double *fire_ms)
{
    nb->c.ready = 0;
    double t0 = now_ms();
    HRESULT hr = disp_call(g_ctl, L"FireEvent", NULL, 2, v_disp(nb->ev), v_i4(NOTIFY_EVENTS));
    if (fire_ms) *fire_ms = now_ms() - t0;
    while (SUCCEEDED(hr) && nb->c.ready < NOTIFY_EVENTS && now_ms() - t0 < 60000) {
        MSG msg;
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
        if (nb->c.ready < NOTIFY_EVENTS) MsgWaitForMultipleObjectsEx(0, NULL, 10, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
    }
    double t1 = now_ms();
    if (FAILED(hr) || nb->c.ready != NOTIFY_EVENTS) return -1;
    return NOTIFY_EVENTS / ((t1 - t0) / 1000.0);
}

void notify_take(notify_bench *nb, void (*take)(void *ctx, IDispatch *obj), void *ctx)
{
    nb->c.take = take;
    nb->c.take_ctx = ctx;
}

void notify_close(notify_bench *nb)
{
    if (nb->sink) disp_call(nb->sink, L"Cancel", NULL, 0);
    pump_for(50);
    if (nb->cp) {
        if (nb->cookie) IConnectionPoint_Unadvise(nb->cp, nb->cookie);
        IConnectionPoint_Release(nb->cp);
    }
    if (nb->cpc) IConnectionPointContainer_Release(nb->cpc);
    if (nb->sink) IDispatch_Release(nb->sink);
    free(nb);
}

static int bench_notify(IDispatch *svc)
{
    HRESULT hr;
    double rate[NOTIFY_ROUNDS];
    notify_bench *nb = notify_open(svc, &hr);
    if (!nb) { printf("# notify: FAILED %s %s\n", hr_name(hr), disp_last_error()); return 1; }
    /* NOTIFY_ROUNDS fires into the one subscription; the median round is the figure (one
     * round takes some 30 ms, a few wake-ups of Wine's either way) */
    for (int r = 0; r < NOTIFY_ROUNDS; r++)
        if ((rate[r] = notify_round(nb, NULL)) < 0) { notify_close(nb); printf("# notify: FAILED\n"); return 1; }
    notify_close(nb);
    printf("# notify: one STA sink on ExecNotificationQueryAsync(\"SELECT * FROM Sim_BenchEvent\"), an __ExtrinsicEvent"
           " class; Control.FireEvent(ev, %d), from the fire to the last OnObjectReady while pumping, each event"
           " let go as it comes, %d rounds of", NOTIFY_EVENTS, NOTIFY_ROUNDS);
    for (int r = 0; r < NOTIFY_ROUNDS; r++) printf("%s %.0f", r ? "," : "", rate[r]);
    printf(" events per second\n");
    qsort(rate, NOTIFY_ROUNDS, sizeof rate[0], cmp_double);
    printf("notify_events_per_s %.1f\n", rate[NOTIFY_ROUNDS / 2]);
    return 0;
}

int bench_main(void)
{
    HRESULT hr;
    int failed = 0;
    /* the heap Windows uses by default (bench/benchutil.c says why) */
    ULONG lfh = 2;
    if (!HeapSetInformation(GetProcessHeap(), HeapCompatibilityInformation, &lfh, sizeof lfh) ||
        !HeapSetInformation((HANDLE)_get_heap_handle(), HeapCompatibilityInformation, &lfh, sizeof lfh)) {
        printf("# cannot switch on the low-fragmentation heap\n");
        return 1;
    }
    g_ctl = sim_create(L"WbemSim.Control", &hr);
    if (!g_ctl) { printf("# no WbemSim.Control: %s\n", hr_name(hr)); return 1; }
    disp_call(g_ctl, L"Reset", NULL, 0);
    ctl_set_str(g_ctl, L"Delivery", L"marshal");
    ctl_set_long(g_ctl, L"LatencyMs", 0);
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimB_Item", NULL, "Name:string:key,Size:uint32");
    IDispatch *obj = spawn(svc, L"SimB_Item", &hr);
    disp_put(obj, L"Name", v_str(L"bench"));
    if (!know_put_async(obj)) {
        printf("# no PutAsync_: %s\n", disp_last_error());
        failed = 1;
    }
    printf("# raw C client, STA, marshal delivery, LatencyMs 0, one sink per operation\n");
    if (!failed) {
        failed |= bench_events(obj);
        failed |= bench_latency(obj);
        failed |= bench_inflight(obj, 10000, 0);
        failed |= bench_inflight(obj, 100000, 2000);
        failed |= bench_cancel(obj);
        failed |= bench_first_read(svc, obj);
        failed |= bench_notify(svc);
        failed |= bench_idle();
    }
    pool_release_all();
    disp_call(g_ctl, L"Reset", NULL, 0);
    IDispatch_Release(g_ctl);
    g_ctl = NULL;
    fflush(stdout);
    return failed;
}
