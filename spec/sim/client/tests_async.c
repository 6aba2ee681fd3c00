/* Asynchronous delivery, as WMI does it (reference/ISWbemObject-PutAsync_.md, SWbemSink,
 * "Calling a Method"): PutAsync_ returns at once; the result comes through the sink:
 * [OnProgress x n, only with wbemFlagSendStatus], OnObjectPut(SWbemObjectPath),
 * OnCompleted(0, Nothing, asyncContext); a failure is OnCompleted(hresult, error object,
 * asyncContext). Marshaled into the caller's apartment, an STA receives events only while
 * it pumps messages; "direct" delivery calls the sink on the worker thread (an MTA host).
 * SWbemSink.Cancel: "If multiple asynchronous calls are pending that use this object
 * sink, then this method cancels all the asynchronous calls using this object sink.
 * Asynchronous calls that are associated with other object sinks continue unaffected." */
#include "client.h"
#include <stdio.h>

static IDispatch *setup(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key,Size:uint32");
    return svc;
}

static IDispatch *thing(IDispatch *svc, const WCHAR *name)
{
    HRESULT hr;
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(name));
    return inst;
}

static BSTR relpath_of(const VARIANT *v)
{
    BSTR s = NULL;
    IDispatch *p = var_to_disp((VARIANT *)v);
    disp_get_bstr(p, L"RelPath", &s);
    if (p) IDispatch_Release(p);
    return s;
}

static LONG arg_long(const event_rec *e, int i)
{
    VARIANT t;
    VariantInit(&t);
    if (!e || i >= e->argc || FAILED(VariantChangeType(&t, (VARIANT *)&e->args[i], 0, VT_I4))) return -12345;
    return V_I4(&t);
}

/* the event ids in arrival order, e.g. "4,2" */
static int trace_is(receiver *r, const DISPID *want, int n)
{
    if (receiver_count(r) != n) return 0;
    for (int i = 0; i < n; i++)
        if (receiver_event(r, i)->id != want[i]) return 0;
    return 1;
}

static void returns_at_once(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    ctl_set_long(g_ctl, L"LatencyMs", 300);
    IDispatch *inst = thing(svc, L"a");
    simsink *s = simsink_keep(NULL, &hr);
    double t0 = now_ms();
    hr = put_async(inst, s, 0, NULL, NULL);
    double t1 = now_ms();
    int at_return = s ? receiver_count(s->rcv) : -1;
    check_hr(hr, S_OK, "async: PutAsync_ with a simulator sink succeeds");
    if (!ok(t1 - t0 < 150, "async: PutAsync_ returns at once (LatencyMs 300)"))
        diag("the call took %.1f ms", t1 - t0);
    check_long(at_return, 0, "async: no event has arrived when PutAsync_ returns");
    wait_done(s, WAIT_MS);
    const event_rec *first = s ? receiver_event(s->rcv, 0) : NULL;
    double after = first ? qpc_ms(first->t) - t0 : -1;
    /* 5% for timer granularity */
    if (!ok(first && after >= 285, "async: the first event arrives only after LatencyMs"))
        diag("first event %.1f ms after the call", after);
    else diag("first event %.1f ms after the call", after);
}

static void success_events(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(7));
    simsink *s = simsink_keep(NULL, &hr);
    hr = put_async(thing(svc, L"a"), s, 0, NULL, actx);
    wait_done(s, WAIT_MS);
    pump_for(50);   /* anything sent after OnCompleted would show up here */
    static const DISPID want[] = { EV_OBJECT_PUT, EV_COMPLETED };
    if (!ok(s && trace_is(s->rcv, want, 2), "async: a successful put sends OnObjectPut then OnCompleted, nothing else"))
        diag("events: %s", s ? event_trace(s->rcv) : "(no sink)");
    const event_rec *put = s ? find_event(s->rcv, EV_OBJECT_PUT, 0) : NULL;
    const event_rec *done = s ? find_event(s->rcv, EV_COMPLETED, 0) : NULL;
    BSTR rel = put && put->argc >= 1 ? relpath_of(&put->args[0]) : NULL;
    check_wstr(rel, L"SimT_Thing.Name=\"a\"", "async: OnObjectPut(objWbemObjectPath) carries the path written");
    SysFreeString(rel);
    ok(put && put->argc == 2 && same_object((IUnknown *)actx, &put->args[1]),
       "async: OnObjectPut's objWbemAsyncContext is the object passed to PutAsync_");
    check_long(arg_long(done, 0), 0, "async: OnCompleted's iHResult is 0 on success");
    if (!ok(done && done->argc == 3 && is_nothing(&done->args[1]),
            "async: OnCompleted's objWbemErrorObject is Nothing on success"))
        diag("%s", done && done->argc >= 2 ? vstr(&done->args[1]) : "no such argument");
    ok(done && done->argc == 3 && same_object((IUnknown *)actx, &done->args[2]),
       "async: OnCompleted's objWbemAsyncContext is the object passed to PutAsync_");
    if (done && done->argc == 3) {
        IDispatch *back = var_to_disp((VARIANT *)&done->args[2]);
        IDispatch *item = disp_callo(back, L"Item", &hr, 1, v_str(L"Call"));
        LONG v = -1;
        disp_get_long(item, L"Value", &v);
        check_long(v, 7, "async: the async context's values come back unchanged");
        if (back) IDispatch_Release(back);
    }
    LONG n = -1;
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 1, "async: the instance is in the repository after OnCompleted");
}

static void no_pump(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    ctl_set_long(g_ctl, L"LatencyMs", 20);
    simsink *s = simsink_keep(NULL, &hr);
    hr = put_async(thing(svc, L"a"), s, 0, NULL, NULL);
    block_without_pumping(400);
    check_long(s ? receiver_count(s->rcv) : -1, 0,
               "async: marshal delivery: an STA that does not pump receives nothing (400 ms, LatencyMs 20)");
    BOOL done = wait_done(s, WAIT_MS);
    ok(SUCCEEDED(hr) && done, "async: marshal delivery: the events arrive once the STA pumps");
}

static void marshal_thread(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    BSTR mode = NULL;
    disp_get_bstr(g_ctl, L"Delivery", &mode);
    check_wstr(mode, L"marshal", "async: Control.Delivery is \"marshal\" by default");
    SysFreeString(mode);
    ctl_set_long(g_ctl, L"ProgressSteps", 2);
    simsink *s = simsink_keep(NULL, &hr);
    hr = put_async(thing(svc, L"a"), s, wbemFlagSendStatus, NULL, NULL);
    wait_done(s, WAIT_MS);
    int n = s ? receiver_count(s->rcv) : 0, same = n > 0;
    for (int i = 0; i < n; i++) same &= receiver_event(s->rcv, i)->thread == GetCurrentThreadId();
    if (!ok(same && n == 4, "async: marshal delivery: every event arrives on the caller's (STA) thread"))
        diag("%d events: %s", n, s ? event_trace(s->rcv) : "");
}

/* ---- direct delivery, seen from an MTA client thread ---- */
struct direct_run {
    HRESULT setup, call, done;
    DWORD caller;
    int events, on_caller, delivery_set;
    volatile LONG finished;
};

static DWORD WINAPI direct_thread(void *p)
{
    struct direct_run *d = p;
    HRESULT hr;
    d->caller = GetCurrentThreadId();
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    IDispatch *ctl = sim_create(L"WbemSim.Control", &hr);
    d->delivery_set = SUCCEEDED(ctl_set_str(ctl, L"Delivery", L"direct"));
    IDispatch *svc = sim_connect(L"root\\default", &d->setup);
    if (SUCCEEDED(d->setup)) d->setup = make_class(svc, L"SimT_Direct", NULL, "Name:string:key");
    IDispatch *inst = spawn(svc, L"SimT_Direct", &hr);
    disp_put(inst, L"Name", v_str(L"d"));
    simsink *s = simsink_keep(NULL, &hr);
    d->call = put_async(inst, s, 0, NULL, NULL);
    d->done = wait_done(s, WAIT_MS) ? completed_hr(s->rcv) : E_PENDING;
    d->events = s ? receiver_count(s->rcv) : 0;
    for (int i = 0; i < d->events; i++) d->on_caller += receiver_event(s->rcv, i)->thread == d->caller;
    pool_release_all();
    if (ctl) {
        ctl_set_str(ctl, L"Delivery", L"marshal");
        IDispatch_Release(ctl);
    }
    CoUninitialize();
    InterlockedExchange(&d->finished, 1);
    return 0;
}

static BOOL direct_finished(void *p) { return ((struct direct_run *)p)->finished != 0; }

static void direct_delivery(void)
{
    struct direct_run d = { 0 };
    HANDLE t = CreateThread(NULL, 0, direct_thread, &d, 0, NULL);
    wait_until(t, direct_finished, &d, 10000);
    if (d.finished) WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    if (!ok(d.finished, "async: direct delivery: the MTA client thread finished")) return;
    ok(d.delivery_set, "async: Control.Delivery can be set to \"direct\"");
    check_hr(d.setup, S_OK, "async: direct delivery: an MTA thread connects and writes a class");
    check_hr(d.call, S_OK, "async: direct delivery: PutAsync_ from an MTA thread succeeds");
    check_hr(d.done, S_OK, "async: direct delivery: OnCompleted(0) reaches the MTA client");
    if (!ok(d.events == 2 && d.on_caller == 0,
            "async: direct delivery: events arrive on another thread than the caller's"))
        diag("%d events, %d of them on the calling thread", d.events, d.on_caller);
}

static void progress(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(1));
    ctl_set_long(g_ctl, L"ProgressSteps", 3);
    simsink *s = simsink_keep(NULL, &hr);
    hr = put_async(thing(svc, L"a"), s, wbemFlagSendStatus, NULL, actx);
    wait_done(s, WAIT_MS);
    static const DISPID want[] = { EV_PROGRESS, EV_PROGRESS, EV_PROGRESS, EV_OBJECT_PUT, EV_COMPLETED };
    if (!ok(s && trace_is(s->rcv, want, 5),
            "async: with SendStatus: OnProgress x ProgressSteps (3), then OnObjectPut, then OnCompleted"))
        diag("events: %s", s ? event_trace(s->rcv) : "(no sink)");
    int good = s != NULL, ctx_same = s != NULL;
    LONG last = 0;
    for (int i = 0; s && i < 3; i++) {
        const event_rec *e = find_event(s->rcv, EV_PROGRESS, i);
        LONG upper = arg_long(e, 0), cur = arg_long(e, 1);
        good &= e && e->argc == 4 && upper == 3 && cur > last && cur <= upper;
        ctx_same &= e && e->argc == 4 && same_object((IUnknown *)actx, &e->args[3]);
        if (e) diag("OnProgress(%ld, %ld, %s)", (long)upper, (long)cur, e->argc > 2 ? vstr(&e->args[2]) : "?");
        last = cur;
    }
    ok(good, "async: OnProgress(iUpperBound = ProgressSteps, iCurrent rising to it, strMessage, ctx)");
    ok(ctx_same, "async: OnProgress's objWbemAsyncContext is the object passed to PutAsync_");

    simsink *quiet = simsink_keep(NULL, &hr);
    put_async(thing(svc, L"b"), quiet, 0, NULL, NULL);
    wait_done(quiet, WAIT_MS);
    if (!ok(quiet && receiver_count_id(quiet->rcv, EV_PROGRESS) == 0 && receiver_count_id(quiet->rcv, EV_COMPLETED) == 1,
            "async: without SendStatus (DontSendStatus, 0) no OnProgress is sent, even with ProgressSteps 3"))
        diag("events: %s", quiet ? event_trace(quiet->rcv) : "");
}

static void failure_events(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(2));
    simsink *s = simsink_keep(NULL, &hr);
    hr = put_async(thing(svc, L"a"), s, wbemChangeFlagCreateOnly, NULL, actx);
    check_hr(hr, S_OK, "async: a put that will be refused still returns at once without error");
    wait_done(s, WAIT_MS);
    pump_for(50);
    static const DISPID want[] = { EV_COMPLETED };
    if (!ok(s && trace_is(s->rcv, want, 1), "async: a refused put sends OnCompleted only (no OnObjectPut)"))
        diag("events: %s", s ? event_trace(s->rcv) : "(no sink)");
    const event_rec *done = s ? find_event(s->rcv, EV_COMPLETED, 0) : NULL;
    check_hr(arg_long(done, 0), WBEM_E_ALREADY_EXISTS_, "async: OnCompleted's iHResult is the WBEM error");
    ok(done && done->argc == 3 && same_object((IUnknown *)actx, &done->args[2]),
       "async: a failed call's OnCompleted carries the same async context object");
    IDispatch *err = done && done->argc == 3 ? var_to_disp((VARIANT *)&done->args[1]) : NULL;
    if (!ok(err != NULL, "async: OnCompleted's objWbemErrorObject is an object on failure")) return;
    keep(err);
    VARIANT *code = vkeep(), *pinfo = vkeep(), *desc = vkeep();
    BSTR op = NULL, prov = NULL;
    LONGLONG status = -1;
    if (SUCCEEDED(disp_get(err, L"StatusCode", code)) && SUCCEEDED(VariantChangeType(code, code, 0, VT_I8)))
        status = V_I8(code);
    ok((ULONG)status == 0x80041019UL, "async: the error object's StatusCode is the HRESULT");
    if ((ULONG)status != 0x80041019UL) diag("StatusCode %s", vstr(code));
    disp_get_bstr(err, L"Operation", &op);
    ok(op && op[0], "async: the error object's Operation names the operation");
    disp_get_bstr(err, L"ProviderName", &prov);
    ok(prov && prov[0], "async: the error object has a ProviderName");
    diag("Operation \"%s\", ProviderName \"%s\"", u8(op), u8(prov));
    SysFreeString(op);
    SysFreeString(prov);
    hr = disp_get(err, L"Description", desc);
    ok(SUCCEEDED(hr) && (V_VT(desc) == VT_BSTR || V_VT(desc) == VT_NULL), "async: the error object has a Description");
    hr = disp_get(err, L"ParameterInfo", pinfo);
    ok(SUCCEEDED(hr) && (V_VT(pinfo) == VT_BSTR || V_VT(pinfo) == VT_NULL), "async: the error object has a ParameterInfo");
}

/* "Use this parameter if you are making multiple asynchronous calls using the same
 * object sink": three calls, one sink, each result paired with its own context. */
static void shared_sink_contexts(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    simsink *s = simsink_keep(NULL, &hr);
    IDispatch *ctx[3];
    static const WCHAR *names[3] = { L"x", L"y", L"z" };
    for (int i = 0; i < 3; i++) {
        ctx[i] = nvs_new(&hr, 1, L"Call", v_i4(i));
        put_async(thing(svc, names[i]), s, 0, NULL, ctx[i]);
    }
    wait_completions(s ? s->rcv : NULL, 3, WAIT_MS);
    int paired = s != NULL;
    for (int i = 0; s && i < 3; i++) {
        const event_rec *e = find_event(s->rcv, EV_OBJECT_PUT, i);
        int which = -1;
        for (int c = 0; e && e->argc == 2 && c < 3; c++) if (same_object((IUnknown *)ctx[c], &e->args[1])) which = c;
        BSTR rel = e ? relpath_of(&e->args[0]) : NULL;
        WCHAR want[64];
        swprintf(want, 64, L"SimT_Thing.Name=\"%ls\"", which >= 0 ? names[which] : L"?");
        paired &= which >= 0 && rel && !wcscmp(rel, want);
        SysFreeString(rel);
    }
    ok(s && receiver_count_id(s->rcv, EV_COMPLETED) == 3, "async: three calls on one sink complete three times");
    ok(paired, "async: each OnObjectPut comes with the async context of its own call");
}

static void cancel(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    disp_put(g_ctl, L"Hang", v_bool(TRUE));
    simsink *s1 = simsink_keep(NULL, &hr), *s2 = simsink_keep(NULL, &hr);
    put_async(thing(svc, L"a"), s1, 0, NULL, NULL);
    put_async(thing(svc, L"b"), s1, 0, NULL, NULL);
    put_async(thing(svc, L"c"), s1, wbemFlagSendStatus, NULL, NULL);
    hr = put_async(thing(svc, L"d"), s2, 0, NULL, NULL);
    pump_for(200);
    /* OnProgress of an operation that hangs would be fair; an end is not */
    int ended = s1 && s2 ? receiver_count_id(s1->rcv, EV_COMPLETED) + receiver_count_id(s1->rcv, EV_OBJECT_PUT)
                               + receiver_count_id(s2->rcv, EV_COMPLETED) + receiver_count_id(s2->rcv, EV_OBJECT_PUT)
                         : -1;
    if (!ok(ended == 0 && SUCCEEDED(hr), "cancel: with Control.Hang the operations do not complete (200 ms)"))
        diag("sink 1: %s; sink 2: %s", s1 ? event_trace(s1->rcv) : "", s2 ? event_trace(s2->rcv) : "");
    else if (receiver_count(s1->rcv) || receiver_count(s2->rcv))
        diag("before Cancel, sink 1: %s; sink 2: %s", event_trace(s1->rcv), event_trace(s2->rcv));
    LONG steps = -1;
    disp_get_long(g_ctl, L"ProgressSteps", &steps);
    int p1 = s1 ? receiver_count_id(s1->rcv, EV_PROGRESS) : -1, p2 = s2 ? receiver_count_id(s2->rcv, EV_PROGRESS) : -1;
    if (!ok(p2 == 0 && p1 <= steps, "cancel: a hanging operation without SendStatus sends no OnProgress"))
        diag("OnProgress: %d on the sink with one SendStatus call (ProgressSteps %ld), %d on the sink without",
             p1, (long)steps, p2);
    hr = disp_call(s1 ? s1->sink : NULL, L"Cancel", NULL, 0);
    check_hr(hr, S_OK, "cancel: SWbemSink.Cancel() succeeds");
    wait_completions(s1 ? s1->rcv : NULL, 3, WAIT_MS);
    int cancelled = 0;
    for (int i = 0; s1 && i < 3; i++)
        cancelled += arg_long(find_event(s1->rcv, EV_COMPLETED, i), 0) == (LONG)WBEM_E_CALL_CANCELLED_;
    if (!ok(cancelled == 3, "cancel: every pending call on the sink completes with WBEM_E_CALL_CANCELLED"))
        diag("events: %s", s1 ? event_trace(s1->rcv) : "");
    ok(s1 && receiver_count_id(s1->rcv, EV_OBJECT_PUT) == 0, "cancel: a cancelled put sends no OnObjectPut");
    pump_for(100);
    if (!ok(s2 && receiver_count(s2->rcv) == 0, "cancel: calls on another sink continue unaffected"))
        diag("other sink: %s", s2 ? event_trace(s2->rcv) : "");
    disp_call(s2 ? s2->sink : NULL, L"Cancel", NULL, 0);
    check_completed(s2, WBEM_E_CALL_CANCELLED_, "cancel: the other sink's call is cancelled by its own Cancel");
    hr = disp_call(s1 ? s1->sink : NULL, L"Cancel", NULL, 0);
    pump_for(50);
    ok(SUCCEEDED(hr) && s1 && receiver_count_id(s1->rcv, EV_COMPLETED) == 3,
       "cancel: Cancel with nothing pending succeeds and sends nothing");
}

static void foreign_sink(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    receiver *mine = receiver_new(NULL);
    hr = disp_call(thing(svc, L"a"), L"PutAsync_", NULL, 2, v_disp(receiver_disp(mine)), v_i4(0));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_,
             "async: a sink that is not a simulator sink fails at once with WBEM_E_INVALID_PARAMETER");
    pump_for(200);
    check_long(receiver_count(mine), 0, "async: the foreign sink receives no events");
    hr = disp_call(svc, L"GetAsync", NULL, 2, v_disp(receiver_disp(mine)), v_str(L"SimT_Thing"));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "async: GetAsync with a foreign sink fails at once with WBEM_E_INVALID_PARAMETER");
    pump_for(100);
    check_long(receiver_count(mine), 0, "async: the foreign sink of GetAsync receives no events");
    hr = disp_call(thing(svc, L"b"), L"PutAsync_", NULL, 2, v_disp(NULL), v_i4(0));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "async: a Nothing sink fails at once with WBEM_E_INVALID_PARAMETER");
    LONG n = -1;
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 0, "async: nothing is written by a call refused at once");
    receiver_release(mine);
}

static void many_in_flight(void)
{
    enum { N = 100 };
    HRESULT hr;
    ev_group g;
    simsink *s[N];
    int started = 0;
    IDispatch *svc = setup();
    ev_group_init(&g);
    for (int i = 0; i < N; i++) {
        WCHAR name[16];
        swprintf(name, 16, L"n%d", i);
        s[i] = simsink_keep(&g, &hr);
        started += SUCCEEDED(put_async(thing(svc, name), s[i], 0, NULL, NULL));
    }
    check_long(started, N, "async: %d PutAsync_ calls, one sink each, all start", N);
    BOOL all = wait_group_completed(&g, N, 10000);
    int good = 0;
    for (int i = 0; i < N; i++) {
        WCHAR want[64];
        swprintf(want, 64, L"SimT_Thing.Name=\"n%d\"", i);
        const event_rec *e = s[i] ? find_event(s[i]->rcv, EV_OBJECT_PUT, 0) : NULL;
        BSTR rel = e ? relpath_of(&e->args[0]) : NULL;
        good += rel && !wcscmp(rel, want) && completed_hr(s[i]->rcv) == S_OK;
        SysFreeString(rel);
    }
    ok(all && good == N, "async: %d puts in flight all complete, each sink with its own path", N);
    if (!all || good != N) diag("%ld completed, %d right", (long)g.completed, good);
    simsink_pool_close();
    ev_group_free(&g);
}

const test_case suite_async[] = {
    { "async: PutAsync_ returns at once, events after LatencyMs", returns_at_once },
    { "async: success sends OnObjectPut then OnCompleted(0, Nothing, ctx)", success_events },
    { "async: an STA that does not pump receives nothing", no_pump },
    { "async: marshal delivery on the caller's thread", marshal_thread },
    { "async: direct delivery on another thread (MTA)", direct_delivery },
    { "async: OnProgress only with SendStatus", progress },
    { "async: failure sends OnCompleted(hresult, error object, ctx)", failure_events },
    { "async: async contexts on a shared sink", shared_sink_contexts },
    { "cancel: Cancel completes every pending call on that sink", cancel },
    { "async: a sink that is not a simulator sink", foreign_sink },
    { "async: 100 puts in flight", many_in_flight },
    { NULL, NULL },
};
