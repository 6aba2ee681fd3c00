/* Event notification: SWbemServices.ExecNotificationQuery (an SWbemEventSource and its
 * NextEvent(iTimeoutMs)), ExecNotificationQueryAsync (OnObjectReady per event until the
 * sink's Cancel), the system event classes, WITHIN polling of a dynamic class, and
 * Control.FireEvent for extrinsic events. */
#include "client.h"
#include <stdio.h>
#include <string.h>

#define wbemErrTimedout_           E_WBEM(0x80043001)
#define WBEM_E_NOT_EVENT_CLASS_    E_WBEM(0x80041059)
#define WBEMESS_E_TOO_PRECISE_     E_WBEM(0x80042002)
static const IID iid_event_source =      /* IID_ISWbemEventSource (wbemdisp.h) */
    { 0x27d54d92, 0x0ebe, 0x11d2, { 0x8b, 0x22, 0x00, 0x60, 0x08, 0x06, 0xd9, 0xb6 } };

static IDispatch *setup(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key,Size:uint32");
    make_class(svc, L"SimT_Sub", L"SimT_Thing", "Extra:uint32");
    return svc;
}

static IDispatch *subscribe(IDispatch *svc, const WCHAR *q, HRESULT *hr)
{
    return disp_callo(svc, L"ExecNotificationQuery", hr, 1, v_str(q));
}

static IDispatch *next_event(IDispatch *src, LONG ms, HRESULT *hr)
{
    return disp_callo(src, L"NextEvent", hr, 1, v_i4(ms));
}

/* the object's class, from Path_.Class, into buf ("" when unreadable) */
static const WCHAR *class_of(IDispatch *obj, WCHAR *buf)
{
    HRESULT hr;
    BSTR cls = NULL;
    buf[0] = 0;
    IDispatch *path = obj ? disp_geto(obj, L"Path_", &hr) : NULL;
    if (path && SUCCEEDED(disp_get_bstr(path, L"Class", &cls)) && cls) wcsncpy(buf, cls, 63), buf[63] = 0;
    SysFreeString(cls);
    return buf;
}

/* a string property of the embedded object ev.which, into buf */
static const WCHAR *embedded_str(IDispatch *ev, const WCHAR *which, const WCHAR *prop, WCHAR *buf)
{
    HRESULT hr;
    BSTR s = NULL;
    buf[0] = 0;
    IDispatch *o = ev ? disp_geto(ev, which, &hr) : NULL;
    if (o && SUCCEEDED(disp_get_bstr(o, prop, &s)) && s) wcsncpy(buf, s, 63), buf[63] = 0;
    SysFreeString(s);
    return buf;
}

static LONG embedded_long(IDispatch *ev, const WCHAR *which, const WCHAR *prop)
{
    HRESULT hr;
    LONG v = -1;
    IDispatch *o = ev ? disp_geto(ev, which, &hr) : NULL;
    VARIANT r;
    if (o && SUCCEEDED(disp_get(o, prop, &r))) {
        if (V_VT(&r) == VT_NULL) v = -2;          /* null */
        else if (V_VT(&r) == VT_I4) v = V_I4(&r);
        VariantClear(&r);
    }
    return v;
}

static HRESULT set_size(IDispatch *svc, const WCHAR *path, LONG size)
{
    HRESULT hr;
    IDispatch *o = disp_callo(svc, L"Get", &hr, 1, v_str(path));
    if (SUCCEEDED(hr)) hr = disp_put(o, L"Size", v_i4(size));
    if (SUCCEEDED(hr)) hr = put_flags(o, 0, NULL);
    return hr;
}

/* make_instance without keeping anything in the test pool, for LiveObjects counts */
static HRESULT raw_make(IDispatch *svc, const WCHAR *cls, const WCHAR *name)
{
    VARIANT r, a;
    IDispatch *c = NULL, *inst = NULL;
    a = v_str(cls);
    HRESULT hr = disp_invoke(svc, L"Get", DISPATCH_METHOD, &r, 1, &a);
    if (SUCCEEDED(hr)) { c = var_to_disp(&r); VariantClear(&r); }
    a = v_i4(0);
    if (c && SUCCEEDED(hr = disp_invoke(c, L"SpawnInstance_", DISPATCH_METHOD, &r, 1, &a))) {
        inst = var_to_disp(&r);
        VariantClear(&r);
    }
    if (inst) hr = disp_put(inst, L"Name", v_str(name));
    a = v_i4(0);
    if (inst && SUCCEEDED(hr) && SUCCEEDED(hr = disp_invoke(inst, L"Put_", DISPATCH_METHOD, &r, 1, &a))) VariantClear(&r);
    if (inst) IDispatch_Release(inst);
    if (c) IDispatch_Release(c);
    return hr;
}

static HRESULT delete_path(IDispatch *svc, const WCHAR *path)
{
    return disp_call(svc, L"Delete", NULL, 1, v_str(path));
}

static void classes(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    static const WCHAR *const names[][3] = {
        { L"__InstanceCreationEvent", L"__InstanceOperationEvent", L"TargetInstance" },
        { L"__InstanceDeletionEvent", L"__InstanceOperationEvent", L"TargetInstance" },
        { L"__InstanceModificationEvent", L"__InstanceOperationEvent", L"PreviousInstance" },
        { L"__ClassCreationEvent", L"__ClassOperationEvent", L"TargetClass" },
        { L"__ClassDeletionEvent", L"__ClassOperationEvent", L"TargetClass" },
        { L"__ClassModificationEvent", L"__ClassOperationEvent", L"PreviousClass" },
    };
    for (int i = 0; i < 6; i++) {
        IDispatch *c = disp_callo(svc, L"Get", &hr, 1, v_str(names[i][0]));
        VARIANT *d = vkeep();
        VARTYPE vt = VT_EMPTY;
        BOOL good = SUCCEEDED(hr) && SUCCEEDED(disp_get(c, L"Derivation_", d)) && (V_VT(d) & VT_ARRAY) &&
                    SUCCEEDED(SafeArrayGetVartype(V_ARRAY(d), &vt)) && vt == VT_BSTR;
        if (good) {
            LONG ub = -1, at = 0;
            BSTR e0 = NULL, e1 = NULL;
            SafeArrayGetUBound(V_ARRAY(d), 1, &ub);
            SafeArrayGetElement(V_ARRAY(d), &at, &e0);
            at = 1;
            SafeArrayGetElement(V_ARRAY(d), &at, &e1);
            good = ub == 1 && e0 && !wcscmp(e0, names[i][1]) && e1 && !wcscmp(e1, L"__Event");
            SysFreeString(e0);
            SysFreeString(e1);
        }
        ok(good, "events: %s has Derivation_ (%s, __Event)", u8(names[i][0]), u8(names[i][1]));
        IDispatch *p = NULL;
        ok(SUCCEEDED(prop_item(c, names[i][2], &p)) && SUCCEEDED(prop_item(c, L"TIME_CREATED", &p)),
           "events: %s has %s and TIME_CREATED", u8(names[i][0]), u8(names[i][2]));
    }
    disp_callo(svc, L"Get", &hr, 1, v_str(L"__ExtrinsicEvent"));
    check_hr(hr, S_OK, "events: __ExtrinsicEvent is a class of every namespace (root\\default)");
    IDispatch *root = sim_connect(L"root", &hr);
    disp_callo(root, L"Get", &hr, 1, v_str(L"__InstanceOperationEvent"));
    check_hr(hr, S_OK, "events: __InstanceOperationEvent is a class of root too");
}

static void semisync(void)
{
    HRESULT hr;
    WCHAR b1[64], b2[64];
    IDispatch *svc = setup();
    IDispatch *src = subscribe(svc, L"SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'SimT_Thing'", &hr);
    check_hr(hr, S_OK, "events: ExecNotificationQuery(query) with the default flags returns an event source");
    ITypeInfo *ti = NULL;
    TYPEATTR *ta = NULL;
    ok(src && SUCCEEDED(IDispatch_GetTypeInfo(src, 0, 0, &ti)) && SUCCEEDED(ITypeInfo_GetTypeAttr(ti, &ta)) &&
           IsEqualGUID(&ta->guid, &iid_event_source),
       "events: the event source's type information is ISWbemEventSource");
    if (ta) ITypeInfo_ReleaseTypeAttr(ti, ta);
    if (ti) ITypeInfo_Release(ti);

    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    IDispatch *ev = next_event(src, 1000, &hr);
    check_hr(hr, S_OK, "events: NextEvent returns the event of a Put_ that created an instance");
    check_wstr(class_of(ev, b1), L"__InstanceCreationEvent", "events: the event is an __InstanceCreationEvent");
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b2), L"a",
               "events: TargetInstance is an embedded object whose properties read as usual");
    VARIANT *t = vkeep();
    hr = disp_get(ev, L"TIME_CREATED", t);
    ok(SUCCEEDED(hr) && V_VT(t) == VT_BSTR && wcslen(V_BSTR(t)) >= 17 && V_BSTR(t)[0] == L'1',
       "events: TIME_CREATED is a FILETIME as a decimal string (uint64): %s", vstr(t));

    VARIANT *text = vkeep();
    hr = disp_call(ev, L"GetObjectText_", text, 0);
    ok(SUCCEEDED(hr) && V_VT(text) == VT_BSTR && wcsstr(V_BSTR(text), L"instance of __InstanceCreationEvent") &&
           wcsstr(V_BSTR(text), L"TargetInstance = \ninstance of SimT_Thing"),
       "events: GetObjectText_ of the event writes TargetInstance as an embedded instance");

    set_size(svc, L"SimT_Thing.Name=\"a\"", 5);
    ev = next_event(src, 1000, &hr);
    check_wstr(class_of(ev, b1), L"__InstanceModificationEvent", "events: an update is an __InstanceModificationEvent");
    check_long(embedded_long(ev, L"TargetInstance", L"Size"), 5, "events: its TargetInstance is the new instance");
    check_long(embedded_long(ev, L"PreviousInstance", L"Size"), -2, "events: its PreviousInstance the old one (Size null)");

    make_instance(svc, L"SimT_Sub", L"Name", L"s");
    ev = disp_callo(src, L"NextEvent", &hr, 0);      /* iTimeoutMs omitted: wbemTimeoutInfinite */
    check_hr(hr, S_OK, "events: NextEvent() with its default timeout returns the queued event");
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b2), L"s",
               "events: ISA selects the instances of subclasses too");
    check_hr(delete_path(svc, L"SimT_Thing.Name=\"a\""), S_OK, "events: Delete of the instance");
    ev = next_event(src, 1000, &hr);
    check_wstr(class_of(ev, b1), L"__InstanceDeletionEvent", "events: a delete is an __InstanceDeletionEvent");
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b2), L"a", "events: with the deleted instance");

    /* the asynchronous forms change the repository too, on the worker: the same events */
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(L"async"));
    simsink *k = simsink_keep(NULL, &hr);
    put_async(inst, k, 0, NULL, NULL);
    wait_done(k, WAIT_MS);
    ev = next_event(src, 1000, &hr);
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b2), L"async", "events: PutAsync_ makes the creation event");
    receiver_clear(k ? k->rcv : NULL);
    hr = disp_call(svc, L"DeleteAsync", NULL, 2, v_disp(k ? k->sink : NULL), v_str(L"SimT_Thing.Name=\"async\""));
    wait_done(k, WAIT_MS);
    ev = next_event(src, 1000, &hr);
    check_wstr(class_of(ev, b1), L"__InstanceDeletionEvent", "events: DeleteAsync makes the deletion event");

    /* NextEvent(0) polls; a timeout waits, then wbemErrTimedout */
    double t0 = now_ms();
    next_event(src, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "events: NextEvent(0) with nothing queued fails with wbemErrTimedout");
    next_event(src, 150, &hr);
    double waited = now_ms() - t0;
    check_hr(hr, wbemErrTimedout_, "events: NextEvent(150) with nothing arriving fails with wbemErrTimedout");
    ok(waited >= 140 && waited < 1500, "events: ... after its timeout (%.0f ms)", waited);
    make_instance(svc, L"Sim_Thing", L"Name", L"other");   /* another class: not selected */
    next_event(src, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "events: an instance of a class outside the ISA is not delivered");
}

static void flags_and_errors(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    const WCHAR *q = L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'";
    disp_callo(svc, L"ExecNotificationQuery", &hr, 3, v_str(q), v_str(L"WQL"), v_i4(0));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "events: ExecNotificationQuery with iFlags 0 fails (must be ReturnImmediately + ForwardOnly)");
    disp_callo(svc, L"ExecNotificationQuery", &hr, 3, v_str(q), v_str(L"WQL"), v_i4(wbemFlagReturnImmediately));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "events: ReturnImmediately alone fails too");
    disp_callo(svc, L"ExecNotificationQuery", &hr, 3, v_str(q), v_str(L"WQL"),
               v_i4(wbemFlagReturnImmediately | wbemFlagForwardOnly));
    check_hr(hr, S_OK, "events: ReturnImmediately + ForwardOnly is accepted");
    disp_callo(svc, L"ExecNotificationQuery", &hr, 2, v_str(q), v_str(L"SQL"));
    check_hr(hr, WBEM_E_INVALID_QUERY_TYPE_, "events: a language other than WQL: WBEM_E_INVALID_QUERY_TYPE");
    static const struct { const WCHAR *q; HRESULT want; const char *what; } bad[] = {
        { L"SELECT FROM __InstanceCreationEvent", WBEM_E_INVALID_QUERY_, "bad syntax" },
        { L"SELECT * FROM __InstanceCreationEvent WITHIN 0 WHERE TargetInstance ISA 'SimT_Thing'", WBEM_E_INVALID_QUERY_, "WITHIN 0" },
        { L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA SimT_Thing", WBEM_E_INVALID_QUERY_, "ISA without quotes" },
        { L"SELECT * FROM NoSuchEvent", WBEM_E_INVALID_CLASS_, "an unknown class" },
        { L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'NoSuch'", WBEM_E_INVALID_CLASS_, "ISA an unknown class" },
        { L"SELECT * FROM SimT_Thing", WBEM_E_NOT_EVENT_CLASS_, "a class that is not an event class" },
    };
    simsink *s = simsink_keep(NULL, &hr);
    for (int i = 0; i < 6; i++) {
        subscribe(svc, bad[i].q, &hr);
        check_hr(hr, bad[i].want, "events: %s: ExecNotificationQuery fails", bad[i].what);
        hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(bad[i].q));
        check_hr(hr, bad[i].want, "eventsasync: %s: ExecNotificationQueryAsync fails from the call", bad[i].what);
    }
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 4, v_disp(s ? s->sink : NULL), v_str(q), v_str(L"WQL"),
                   v_i4(wbemFlagReturnImmediately));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "eventsasync: a flag outside SendStatus and UseAmendedQualifiers fails from the call");
    pump_for(50);
    check_long(s ? receiver_count(s->rcv) : -1, 0, "eventsasync: the refused calls send no event to the sink");
}

static void where(void)
{
    HRESULT hr;
    WCHAR b[64];
    IDispatch *svc = setup();
    IDispatch *eq = subscribe(svc, L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing' "
                                   L"AND TargetInstance.Name = 'b'", &hr);
    IDispatch *ne = subscribe(svc, L"SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'SimT_Thing' "
                                   L"AND TargetInstance.Name <> 'b' AND __CLASS != '__InstanceDeletionEvent'", &hr);
    IDispatch *alt = subscribe(svc, L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance.Name = 'x' "
                                   L"OR TargetInstance.Name = 'c'", &hr);
    IDispatch *cls = subscribe(svc, L"SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'SimT_Thing' "
                                    L"AND TargetInstance.__CLASS = 'SimT_Sub'", &hr);
    check_hr(hr, S_OK, "events: queries with AND, OR, <>, != and __CLASS are accepted");
    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    make_instance(svc, L"SimT_Thing", L"Name", L"b");
    make_instance(svc, L"SimT_Sub", L"Name", L"c");
    delete_path(svc, L"SimT_Thing.Name=\"a\"");
    IDispatch *ev = next_event(eq, 0, &hr);
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b), L"b", "events: WHERE TargetInstance.Name = 'b' selects b");
    next_event(eq, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "events: ... and nothing else");
    ev = next_event(ne, 0, &hr);
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b), L"a", "events: <> 'b' selects a");
    ev = next_event(ne, 0, &hr);
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b), L"c", "events: ... and c");
    next_event(ne, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "events: __CLASS != '__InstanceDeletionEvent' leaves out a's deletion");
    ev = next_event(alt, 0, &hr);
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b), L"c", "events: OR: the alternative that holds selects c");
    next_event(alt, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "events: OR: nothing else");
    ev = next_event(cls, 0, &hr);
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b), L"c", "events: TargetInstance.__CLASS = 'SimT_Sub' selects c");
    next_event(cls, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "events: TargetInstance.__CLASS: nothing else");
}

static void class_events(void)
{
    HRESULT hr;
    WCHAR b[64];
    IDispatch *svc = setup();
    IDispatch *src = subscribe(svc, L"SELECT * FROM __ClassOperationEvent WHERE TargetClass ISA 'SimT_Thing'", &hr);
    check_hr(hr, S_OK, "events: a subscription to __ClassOperationEvent with TargetClass ISA");
    make_class(svc, L"SimT_More", L"SimT_Thing", "More:string");
    IDispatch *ev = next_event(src, 0, &hr);
    check_wstr(class_of(ev, b), L"__ClassCreationEvent", "events: Put_ of a new subclass: __ClassCreationEvent");
    IDispatch *tc = disp_geto(ev, L"TargetClass", &hr);
    check_wstr(class_of(tc, b), L"SimT_More", "events: TargetClass is the new class");
    IDispatch *c = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_More"));
    IDispatch *props = disp_geto(c, L"Properties_", &hr);
    disp_callo(props, L"Add", &hr, 2, v_str(L"Other"), v_i4(CIM_T_UINT32));
    put_flags(c, 0, NULL);
    ev = next_event(src, 0, &hr);
    check_wstr(class_of(ev, b), L"__ClassModificationEvent", "events: a class update: __ClassModificationEvent");
    IDispatch *pc = disp_geto(ev, L"PreviousClass", &hr), *p = NULL;
    ok(pc && FAILED(prop_item(pc, L"Other", &p)), "events: PreviousClass is the class before the update");
    delete_path(svc, L"SimT_Thing");
    int deletions = 0;
    while ((ev = next_event(src, 0, &hr))) deletions += !wcscmp(class_of(ev, b), L"__ClassDeletionEvent");
    check_long(deletions, 3, "events: DeleteClass: a __ClassDeletionEvent for the class and each subclass");
}

/* ---- NextEvent from an MTA thread ---- */

typedef struct mta_wait { IStream *in; LONG timeout; HRESULT hr; WCHAR name[64]; HANDLE started; } mta_wait;

static DWORD WINAPI mta_next(void *p)
{
    mta_wait *w = p;
    IDispatch *src = NULL;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    w->hr = CoGetInterfaceAndReleaseStream(w->in, &IID_IDispatch, (void **)&src);
    SetEvent(w->started);
    if (SUCCEEDED(w->hr)) {
        VARIANT a = v_i4(w->timeout), r;
        VariantInit(&r);
        w->hr = disp_invoke(src, L"NextEvent", DISPATCH_METHOD, &r, 1, &a);
        IDispatch *ev = SUCCEEDED(w->hr) ? var_to_disp(&r) : NULL;
        VariantClear(&r);
        if (ev) {
            embedded_str(ev, L"TargetInstance", L"Name", w->name);
            IDispatch_Release(ev);
        }
        IDispatch_Release(src);
    }
    pool_release_all();
    CoUninitialize();
    return 0;
}

static HANDLE start_mta_wait(IDispatch *src, mta_wait *w, LONG timeout)
{
    memset(w, 0, sizeof *w);
    w->timeout = timeout;
    w->started = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (FAILED(CoMarshalInterThreadInterfaceInStream(&IID_IDispatch, (IUnknown *)src, &w->in))) return NULL;
    HANDLE t = CreateThread(NULL, 0, mta_next, w, 0, NULL);
    WaitForSingleObject(w->started, 2000);
    return t;
}

static void mta(void)
{
    HRESULT hr;
    mta_wait w;
    IDispatch *svc = setup();
    IDispatch *src = subscribe(svc, L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'", &hr);
    HANDLE t = start_mta_wait(src, &w, -1);
    Sleep(100);                                  /* it waits, asleep, with no timeout */
    LONG waiting_live = ctl_live(g_ctl);
    make_instance(svc, L"SimT_Thing", L"Name", L"mta");
    ok(t && WaitForSingleObject(t, 3000) == WAIT_OBJECT_0, "events: NextEvent(-1) on an MTA thread returns when the event comes");
    check_hr(w.hr, S_OK, "events: ... with S_OK");
    check_wstr(w.name, L"mta", "events: ... and the event of the instance created on the main thread");
    ok(waiting_live > 0, "events: (LiveObjects %ld while it waited)", (long)waiting_live);
    if (t) CloseHandle(t);
    CloseHandle(w.started);

    /* Reset ends every subscription: a NextEvent waiting returns WBEM_E_CALL_CANCELLED */
    t = start_mta_wait(src, &w, -1);
    Sleep(100);
    disp_call(g_ctl, L"Reset", NULL, 0);
    ok(t && WaitForSingleObject(t, 3000) == WAIT_OBJECT_0, "events: Reset() releases a NextEvent waiting on an MTA thread");
    check_hr(w.hr, WBEM_E_CALL_CANCELLED_, "events: ... with WBEM_E_CALL_CANCELLED");
    next_event(src, 0, &hr);
    check_hr(hr, WBEM_E_CALL_CANCELLED_, "events: the source stays ended: NextEvent fails with WBEM_E_CALL_CANCELLED");
    if (t) CloseHandle(t);
    CloseHandle(w.started);
}

static void release_source(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    LONG before = ctl_live(g_ctl);
    VARIANT r;
    hr = disp_call(svc, L"ExecNotificationQuery", &r, 1,
                   v_str(L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'"));
    IDispatch *src = SUCCEEDED(hr) ? var_to_disp(&r) : NULL;
    if (SUCCEEDED(hr)) VariantClear(&r);
    LONG during = ctl_live(g_ctl);
    check_long(during - before, 2, "events: an event source counts in LiveObjects, and so does its subscription");
    for (int i = 0; i < 50; i++) {
        WCHAR name[16];
        swprintf(name, 16, L"n%d", i);
        raw_make(svc, L"SimT_Thing", name);
    }
    if (src) IDispatch_Release(src);
    check_long(ctl_live(g_ctl), before, "events: releasing the event source (50 events queued) ends the subscription");
    raw_make(svc, L"SimT_Thing", L"after");
    check_long(ctl_live(g_ctl), before, "events: ... and nothing is queued for it any more");

    ctl_set_long(g_ctl, L"SyncLatencyMs", 100);
    double t0 = now_ms();
    IDispatch *s2 = subscribe(svc, L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'", &hr);
    double took = now_ms() - t0;
    ok(SUCCEEDED(hr) && took >= 99, "events: ExecNotificationQuery is a synchronous round trip (SyncLatencyMs 100: %.0f ms)", took);
    t0 = now_ms();
    next_event(s2, 0, &hr);
    took = now_ms() - t0;
    ok(hr == wbemErrTimedout_ && took < 90, "events: NextEvent is not (NextEvent(0) %.0f ms)", took);
    ctl_set_long(g_ctl, L"SyncLatencyMs", 0);
}

/* ---- asynchronous ---- */

static void async_mode(const WCHAR *delivery, const char *tag)
{
    HRESULT hr;
    WCHAR b[64];
    IDispatch *svc = setup();
    ctl_set_str(g_ctl, L"Delivery", delivery);
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(7));
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 6, v_disp(s ? s->sink : NULL),
                   v_str(L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'"),
                   v_str(L"WQL"), v_i4(0), v_missing(), v_disp(actx));
    check_hr(hr, S_OK, "eventsasync %s: ExecNotificationQueryAsync returns at once", tag);
    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    make_instance(svc, L"SimT_Thing", L"Name", L"b");
    ok(wait_events(s ? s->rcv : NULL, 2, WAIT_MS), "eventsasync %s: an OnObjectReady per created instance", tag);
    const event_rec *e = s ? find_event(s->rcv, EV_OBJECT_READY, 1) : NULL;
    IDispatch *ev = e && e->argc == 2 ? keep(var_to_disp((VARIANT *)&e->args[0])) : NULL;
    check_wstr(class_of(ev, b), L"__InstanceCreationEvent", "eventsasync %s: the object is the event", tag);
    check_wstr(embedded_str(ev, L"TargetInstance", L"Name", b), L"b", "eventsasync %s: in order (the second is b's)", tag);
    ok(e && same_object((IUnknown *)actx, &e->args[1]), "eventsasync %s: with the call's objWbemAsyncContext", tag);
    if (!wcscmp(delivery, L"direct"))
        ok(e && e->thread != GetCurrentThreadId(), "eventsasync direct: delivered on the worker thread");
    else
        ok(e && e->thread == GetCurrentThreadId(), "eventsasync marshal: delivered in the sink's apartment (this STA)");
    pump_for(50);
    check_long(s ? receiver_count_id(s->rcv, EV_COMPLETED) : -1, 0, "eventsasync %s: no OnCompleted while subscribed", tag);
    disp_call(s ? s->sink : NULL, L"Cancel", NULL, 0);
    ok(wait_done(s, WAIT_MS), "eventsasync %s: the sink's Cancel() ends it with OnCompleted", tag);
    check_hr(s ? completed_hr(s->rcv) : E_FAIL, WBEM_E_CALL_CANCELLED_, "eventsasync %s: OnCompleted(WBEM_E_CALL_CANCELLED)", tag);
    int n = s ? receiver_count(s->rcv) : 0;
    make_instance(svc, L"SimT_Thing", L"Name", L"c");
    pump_for(100);
    check_long(s ? receiver_count(s->rcv) : -1, n, "eventsasync %s: nothing after OnCompleted", tag);
}

static void async_marshal(void) { async_mode(L"marshal", "marshal"); }
static void async_direct(void) { async_mode(L"direct", "direct"); }

static void async_release_reset(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    LONG before = ctl_live(g_ctl);
    simsink s;
    hr = simsink_open(&s, NULL, NULL);
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(s.sink),
                   v_str(L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'"));
    check_hr(hr, S_OK, "eventsasync: subscribed");
    raw_make(svc, L"SimT_Thing", L"a");      /* queued, not pumped */
    simsink_close(&s);
    /* the release cancels the subscription's operation, which its worker ends (and
     * lets go of what it held) a moment later */
    check_long(ctl_live_settled(g_ctl, before, 1000), before,
               "eventsasync: the sink's last release ends the subscription (LiveObjects back)");
    raw_make(svc, L"SimT_Thing", L"b");
    pump_for(50);
    check_long(ctl_live(g_ctl), before, "eventsasync: ... nothing more is made for it");

    simsink *k = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(k ? k->sink : NULL),
                   v_str(L"SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'SimT_Thing'"));
    disp_call(g_ctl, L"Reset", NULL, 0);
    ok(wait_done(k, WAIT_MS), "eventsasync: Reset() ends the subscription with OnCompleted");
    check_hr(k ? completed_hr(k->rcv) : E_FAIL, WBEM_E_CALL_CANCELLED_, "eventsasync: ... WBEM_E_CALL_CANCELLED");
}

/* ---- a dynamic class: WITHIN polling ---- */

static IDispatch *dynamic_class(IDispatch *svc)
{
    HRESULT hr;
    IDispatch *c = new_class(svc, L"SimT_Dyn", NULL, "Name:string:key,Size:uint32", &hr);
    IDispatch *q = disp_geto(c, L"Qualifiers_", &hr);
    VARIANT r;
    if (SUCCEEDED(disp_call(q, L"Add", &r, 2, v_str(L"dynamic"), v_bool(TRUE)))) VariantClear(&r);
    if (SUCCEEDED(disp_call(q, L"Add", &r, 2, v_str(L"provider"), v_str(L"SimT")))) VariantClear(&r);
    put_flags(c, 0, NULL);
    return c;
}

static void polling(void)
{
    HRESULT hr;
    WCHAR b[64];
    IDispatch *svc = setup();
    dynamic_class(svc);
    simsink *s = simsink_keep(NULL, &hr);
    const WCHAR *exact = L"SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'SimT_Dyn'";
    subscribe(svc, exact, &hr);
    check_hr(hr, WBEMESS_E_TOO_PRECISE_, "within: a dynamic class without WITHIN: WBEMESS_E_REGISTRATION_TOO_PRECISE");
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(exact));
    check_hr(hr, WBEMESS_E_TOO_PRECISE_, "within: ... from ExecNotificationQueryAsync too");

    IDispatch *src = subscribe(svc, L"SELECT * FROM __InstanceOperationEvent WITHIN 0.5 WHERE TargetInstance ISA 'SimT_Dyn'", &hr);
    check_hr(hr, S_OK, "within: WITHIN 0.5 (a fraction of a second) is accepted");
    double t0 = now_ms();
    make_instance(svc, L"SimT_Dyn", L"Name", L"gone");
    delete_path(svc, L"SimT_Dyn.Name=\"gone\"");
    make_instance(svc, L"SimT_Dyn", L"Name", L"y");
    set_size(svc, L"SimT_Dyn.Name=\"y\"", 1);
    next_event(src, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "within: nothing before the poll");
    IDispatch *ev = next_event(src, 2000, &hr);
    double at = now_ms() - t0;
    check_wstr(class_of(ev, b), L"__InstanceCreationEvent", "within: the poll finds y created (%.0f ms)", at);
    check_long(embedded_long(ev, L"TargetInstance", L"Size"), 1, "within: ... as it is at the poll");
    next_event(src, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "within: created and deleted between two polls: no event; y's update: coalesced into its creation");
    set_size(svc, L"SimT_Dyn.Name=\"y\"", 2);
    set_size(svc, L"SimT_Dyn.Name=\"y\"", 3);
    ev = next_event(src, 2000, &hr);
    check_wstr(class_of(ev, b), L"__InstanceModificationEvent", "within: two updates between polls: one modification");
    check_long(embedded_long(ev, L"TargetInstance", L"Size"), 3, "within: TargetInstance as at this poll");
    check_long(embedded_long(ev, L"PreviousInstance", L"Size"), 1, "within: PreviousInstance as at the last poll");
    next_event(src, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "within: only one");
    delete_path(svc, L"SimT_Dyn.Name=\"y\"");
    ev = next_event(src, 2000, &hr);
    check_wstr(class_of(ev, b), L"__InstanceDeletionEvent", "within: the deletion at the next poll");

    /* WITHIN 0.05 with an asynchronous sink */
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL),
                   v_str(L"SELECT * FROM __InstanceCreationEvent WITHIN 0.05 WHERE TargetInstance ISA 'SimT_Dyn'"));
    check_hr(hr, S_OK, "within: ExecNotificationQueryAsync with WITHIN 0.05");
    t0 = now_ms();
    make_instance(svc, L"SimT_Dyn", L"Name", L"z");
    BOOL got = wait_events(s ? s->rcv : NULL, 1, WAIT_MS);
    ok(got, "within: the creation arrives at a poll (%.0f ms)", now_ms() - t0);

    /* a static class with WITHIN: the repository's own events, at once */
    IDispatch *st = subscribe(svc, L"SELECT * FROM __InstanceCreationEvent WITHIN 10 WHERE TargetInstance ISA 'SimT_Thing'", &hr);
    make_instance(svc, L"SimT_Thing", L"Name", L"now");
    next_event(st, 0, &hr);
    check_hr(hr, S_OK, "within: a static class with WITHIN 10 gets its event at once (the repository provides them)");
}

/* ---- extrinsic events ---- */

static IDispatch *event_class(IDispatch *svc, const WCHAR *name, const WCHAR *super)
{
    HRESULT hr;
    IDispatch *c = new_class(svc, name, super, "Level:uint32,Text:string", &hr);
    if (SUCCEEDED(hr)) hr = put_flags(c, 0, NULL);
    return SUCCEEDED(hr) ? c : NULL;
}

static IDispatch *event_instance(IDispatch *svc, const WCHAR *cls, LONG level)
{
    HRESULT hr;
    IDispatch *e = spawn(svc, cls, &hr);
    disp_put(e, L"Level", v_i4(level));
    return e;
}

static HRESULT fire(IDispatch *ev, LONG count)
{
    return disp_call(g_ctl, L"FireEvent", NULL, 2, v_disp(ev), count ? v_i4(count) : v_missing());
}

static void extrinsic(void)
{
    HRESULT hr;
    WCHAR b[64];
    IDispatch *svc = setup();
    ok(event_class(svc, L"SimT_Ev", L"__ExtrinsicEvent") && event_class(svc, L"SimT_Ev2", L"SimT_Ev"),
       "extrinsic: classes derived from __ExtrinsicEvent (SpawnDerivedClass_, Put_)");
    IDispatch *all = subscribe(svc, L"SELECT * FROM SimT_Ev", &hr);
    IDispatch *three = subscribe(svc, L"SELECT * FROM SimT_Ev WHERE Level = 3", &hr);
    IDispatch *two = subscribe(svc, L"SELECT * FROM SimT_Ev2", &hr);
    check_hr(hr, S_OK, "extrinsic: subscriptions to them");
    check_hr(fire(event_instance(svc, L"SimT_Ev", 3), 0), S_OK, "extrinsic: FireEvent(instance) succeeds");
    check_hr(fire(event_instance(svc, L"SimT_Ev2", 4), 0), S_OK, "extrinsic: FireEvent of a subclass' instance");
    IDispatch *ev = next_event(all, 0, &hr);
    check_wstr(class_of(ev, b), L"SimT_Ev", "extrinsic: SELECT * FROM SimT_Ev gets the event");
    LONG lv = -1;
    disp_get_long(ev, L"Level", &lv);
    check_long(lv, 3, "extrinsic: with its properties");
    VARIANT *t = vkeep();
    ok(SUCCEEDED(disp_get(ev, L"TIME_CREATED", t)) && V_VT(t) == VT_BSTR, "extrinsic: TIME_CREATED is filled in");
    ev = next_event(all, 0, &hr);
    check_wstr(class_of(ev, b), L"SimT_Ev2", "extrinsic: ... and the subclass' event");
    ev = next_event(three, 0, &hr);
    next_event(three, 0, &hr);
    ok(ev && hr == wbemErrTimedout_, "extrinsic: WHERE Level = 3 selects the first only");
    ev = next_event(two, 0, &hr);
    next_event(two, 0, &hr);
    check_wstr(class_of(ev, b), L"SimT_Ev2", "extrinsic: SELECT * FROM SimT_Ev2 gets only its own");
    check_hr(hr, wbemErrTimedout_, "extrinsic: ... once");

    check_hr(fire(event_instance(svc, L"SimT_Ev", 1), 500), S_OK, "extrinsic: FireEvent(instance, 500)");
    int n = 0;
    while (next_event(all, 0, &hr)) n++;
    check_long(n, 500, "extrinsic: 500 copies are delivered");

    IDispatch *plain = spawn(svc, L"SimT_Thing", &hr);
    check_hr(fire(plain, 0), WBEM_E_INVALID_CLASS_, "extrinsic: FireEvent of an instance not derived from __ExtrinsicEvent: WBEM_E_INVALID_CLASS");
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Ev"));
    check_hr(fire(cls, 0), E_INVALIDARG, "extrinsic: FireEvent of a class: E_INVALIDARG");
    check_hr(fire(event_instance(svc, L"SimT_Ev", 1), -1), E_INVALIDARG, "extrinsic: a count below 1: E_INVALIDARG");
    check_hr(disp_call(g_ctl, L"FireEvent", NULL, 1, v_null()), E_INVALIDARG, "extrinsic: FireEvent(Nothing): E_INVALIDARG");
}

static void storm(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    event_class(svc, L"SimT_Storm", L"__ExtrinsicEvent");
    IDispatch *ev = event_instance(svc, L"SimT_Storm", 1);
    simsink *s = simsink_keep(NULL, &hr);
    LONG before = ctl_live(g_ctl);
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(L"SELECT * FROM SimT_Storm"));
    double t0 = now_ms();
    check_hr(fire(ev, 10000), S_OK, "storm: FireEvent(ev, 10000) into an STA sink (marshal)");
    double fired = now_ms() - t0;
    BOOL got = wait_events(s ? s->rcv : NULL, 10000, 30000);
    double all = now_ms() - t0;
    ok(got, "storm: 10,000 OnObjectReady while pumping (fire %.0f ms, all %.0f ms)", fired, all);
    receiver_clear(s ? s->rcv : NULL);
    disp_call(s ? s->sink : NULL, L"Cancel", NULL, 0);
    wait_done(s, WAIT_MS);
    receiver_clear(s ? s->rcv : NULL);
    check_long(ctl_live(g_ctl), before, "storm: once cancelled and the events let go, LiveObjects is back");
}

static void storm_direct(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    event_class(svc, L"SimT_Storm", L"__ExtrinsicEvent");
    IDispatch *ev = event_instance(svc, L"SimT_Storm", 1);
    ctl_set_str(g_ctl, L"Delivery", L"direct");
    ev_group g;
    ev_group_init(&g);
    simsink *s = simsink_keep(&g, &hr);
    LONG before = ctl_live(g_ctl);
    hr = disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL),
                   v_str(L"SELECT * FROM SimT_Storm WHERE Level = 1"));
    check_hr(fire(ev, 10000), S_OK, "storm direct: FireEvent(ev, 10000) with direct delivery");
    BOOL got = wait_events(s ? s->rcv : NULL, 10000, 30000);
    ok(got, "storm direct: 10,000 OnObjectReady on the worker thread");
    disp_put(ev, L"Level", v_i4(2));
    fire(ev, 100);                                    /* not selected */
    disp_call(s ? s->sink : NULL, L"Cancel", NULL, 0);
    wait_done(s, WAIT_MS);
    check_long(s ? receiver_count_id(s->rcv, EV_OBJECT_READY) : -1, 10000, "storm direct: WHERE Level = 1 left the other 100 out");
    receiver_clear(s ? s->rcv : NULL);
    check_long(ctl_live(g_ctl), before, "storm direct: LiveObjects back once cancelled");
    simsink_pool_close();
    ev_group_free(&g);
}

/* ---- many threads making changes while one waits for their events ---- */

#define PRODUCERS 8
#define PER_PRODUCER 100
typedef struct producer { IStream *in; int i; HRESULT hr; } producer;

static DWORD WINAPI produce(void *p)
{
    producer *pr = p;
    IDispatch *svc = NULL;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    pr->hr = CoGetInterfaceAndReleaseStream(pr->in, &IID_IDispatch, (void **)&svc);
    for (int k = 0; k < PER_PRODUCER && SUCCEEDED(pr->hr); k++) {
        WCHAR name[32];
        swprintf(name, 32, L"p%d_%d", pr->i, k);
        pr->hr = raw_make(svc, L"SimT_Thing", name);
    }
    if (svc) IDispatch_Release(svc);
    CoUninitialize();
    return 0;
}

static void threads(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    IDispatch *src = subscribe(svc, L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'", &hr);
    simsink *s = simsink_keep(NULL, &hr);
    disp_call(svc, L"ExecNotificationQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL),
              v_str(L"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'SimT_Thing'"));
    producer pr[PRODUCERS];
    HANDLE t[PRODUCERS];
    int started = 0;
    for (int i = 0; i < PRODUCERS; i++) {
        pr[i].i = i;
        pr[i].hr = E_FAIL;
        if (FAILED(CoMarshalInterThreadInterfaceInStream(&IID_IDispatch, (IUnknown *)svc, &pr[i].in))) break;
        if (!(t[i] = CreateThread(NULL, 0, produce, &pr[i], 0, NULL))) break;
        started++;
    }
    mta_wait w;
    int got = 0;
    /* the semisynchronous subscription, read from an MTA thread while they write */
    for (int k = 0; k < PRODUCERS * PER_PRODUCER; k++) {
        HANDLE r = start_mta_wait(src, &w, 5000);
        if (!r) break;
        pump_for(0);
        WaitForSingleObject(r, 6000);
        CloseHandle(r);
        CloseHandle(w.started);
        if (FAILED(w.hr)) break;
        got++;
    }
    WaitForMultipleObjects(started, t, TRUE, 10000);
    int bad = 0;
    for (int i = 0; i < started; i++) {
        bad += FAILED(pr[i].hr);
        CloseHandle(t[i]);
    }
    ok(started == PRODUCERS && !bad, "threads: %d MTA threads made %d instances each", PRODUCERS, PER_PRODUCER);
    check_long(got, PRODUCERS * PER_PRODUCER, "threads: NextEvent (on MTA threads) got every creation once");
    next_event(src, 0, &hr);
    check_hr(hr, wbemErrTimedout_, "threads: ... and no more");
    ok(wait_events(s ? s->rcv : NULL, PRODUCERS * PER_PRODUCER, WAIT_MS), "threads: the STA sink got all of them too");
    pump_for(20);
    check_long(s ? receiver_count(s->rcv) : -1, PRODUCERS * PER_PRODUCER, "threads: ... once each");
}

const test_case suite_events[] = {
    { "events: the event classes of every namespace", classes },
    { "events: ExecNotificationQuery and NextEvent", semisync },
    { "events: flags and query errors", flags_and_errors },
    { "events: WHERE on TargetInstance, AND, OR, __CLASS", where },
    { "events: class events", class_events },
    { "events: NextEvent from an MTA thread, Reset", mta },
    { "events: releasing the event source; a synchronous round trip", release_source },
    { "events: ExecNotificationQueryAsync, marshal delivery, Cancel", async_marshal },
    { "events: ExecNotificationQueryAsync, direct delivery, Cancel", async_direct },
    { "events: the sink's release and Reset end an async subscription", async_release_reset },
    { "events: WITHIN polling of a dynamic class, TOO_PRECISE", polling },
    { "events: extrinsic events with Control.FireEvent", extrinsic },
    { "events: a storm of 10,000 through a sink", storm },
    { "events: a storm of 10,000 with direct delivery", storm_direct },
    { "events: many threads making events, NextEvent on MTA threads", threads },
    { NULL, NULL },
};
