/* The simulator at scale, for correctness (timings belong to --bench): a sink released
 * while its events and other sinks' are queued in the apartment (the others still arrive,
 * in order; its own are dropped at once and never fired), and thousands of instances in
 * the repository (Get, Put_ and Delete by path, and the order InstancesOf keeps). */
#include "client.h"
#include <stdio.h>

static IDispatch *thing(IDispatch *svc, const WCHAR *name)
{
    HRESULT hr;
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(name));
    return inst;
}

static BSTR relpath_at(receiver *r, DISPID id, int nth)
{
    const event_rec *e = find_event(r, id, nth);
    IDispatch *p = e && e->argc >= 1 ? var_to_disp((VARIANT *)&e->args[0]) : NULL;
    BSTR s = NULL;
    disp_get_bstr(p, L"RelPath", &s);
    if (p) IDispatch_Release(p);
    return s;
}

static int ids_are(receiver *r, const DISPID *want, int n)
{
    int good = receiver_count(r) == n;
    for (int i = 0; good && i < n; i++) good = receiver_event(r, i)->id == want[i];
    return good;
}

static LONG seq_of(receiver *r, DISPID id, int nth)
{
    const event_rec *e = find_event(r, id, nth);
    return e ? e->seq : -1;
}

/* SWbemSink: releasing the sink's last reference drops its connections, so the events of
 * its calls still queued for the apartment have no one to go to; the mailbox drops them
 * at once (what they hold is released: LiveObjects falls) and the other sinks' events
 * keep their order. */
static void release_with_queued(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key,Size:uint32");
    ctl_set_long(g_ctl, L"ProgressSteps", 3);
    simsink *a = simsink_keep(NULL, &hr), *b = simsink_keep(NULL, &hr), *c = simsink_keep(NULL, &hr);
    if (!ok(a && b && c, "scale: three sinks open")) return;
    receiver *ra = a->rcv;
    IDispatch_AddRef(receiver_disp(ra));     /* to look at after the sink is gone */
    int started = 0;
    started += SUCCEEDED(put_async(thing(svc, L"a1"), a, 0, NULL, NULL));
    started += SUCCEEDED(put_async(thing(svc, L"b1"), b, 0, NULL, NULL));
    started += SUCCEEDED(put_async(thing(svc, L"a2"), a, wbemFlagSendStatus, NULL, NULL));
    started += SUCCEEDED(put_async(thing(svc, L"c1"), c, 0, NULL, NULL));
    started += SUCCEEDED(put_async(thing(svc, L"a3"), a, 0, NULL, NULL));
    started += SUCCEEDED(put_async(thing(svc, L"b2"), b, 0, NULL, NULL));
    check_long(started, 6, "scale: six calls on three sinks start");
    /* LatencyMs 0: the worker completes them all and queues every event for this
     * apartment, which does not pump meanwhile */
    block_without_pumping(300);
    LONG before = ctl_live(g_ctl);
    check_long(receiver_count(ra) + receiver_count(b->rcv) + receiver_count(c->rcv), 0,
               "scale: nothing delivered while the STA does not pump");
    simsink_close(a);
    LONG after = ctl_live(g_ctl);
    /* the sink, and for each of its three calls the pending operation and the
     * SWbemObjectPath its queued OnObjectPut carries */
    if (!check_long(before - after, 1 + 3 * 2,
                    "scale: releasing the sink frees its queued events at once, before any pumping"))
        diag("LiveObjects %ld before the release, %ld after", (long)before, (long)after);
    BOOL done = wait_completions(b->rcv, 2, WAIT_MS) && wait_completions(c->rcv, 1, WAIT_MS);
    pump_for(100);
    ok(done, "scale: the other sinks' calls complete");
    check_long(receiver_count(ra), 0, "scale: none of the released sink's queued events is fired");
    receiver_release(ra);
    static const DISPID two[] = { EV_OBJECT_PUT, EV_COMPLETED, EV_OBJECT_PUT, EV_COMPLETED };
    if (!ok(ids_are(b->rcv, two, 4) && ids_are(c->rcv, two, 2) && completed_hr(b->rcv) == S_OK
            && completed_hr(c->rcv) == S_OK,
            "scale: each other sink gets its events, OnObjectPut then OnCompleted(0) per call"))
        diag("b: %s; c: %s", event_trace(b->rcv), event_trace(c->rcv));
    BSTR b1 = relpath_at(b->rcv, EV_OBJECT_PUT, 0), b2 = relpath_at(b->rcv, EV_OBJECT_PUT, 1);
    ok(b1 && b2 && !wcscmp(b1, L"SimT_Thing.Name=\"b1\"") && !wcscmp(b2, L"SimT_Thing.Name=\"b2\""),
       "scale: a sink's calls complete in the order they were made");
    SysFreeString(b1);
    SysFreeString(b2);
    LONG order[6] = {
        seq_of(b->rcv, EV_OBJECT_PUT, 0), seq_of(b->rcv, EV_COMPLETED, 0),
        seq_of(c->rcv, EV_OBJECT_PUT, 0), seq_of(c->rcv, EV_COMPLETED, 0),
        seq_of(b->rcv, EV_OBJECT_PUT, 1), seq_of(b->rcv, EV_COMPLETED, 1),
    };
    int rising = order[0] > 0;
    for (int i = 1; i < 6; i++) rising &= order[i] > order[i - 1];
    if (!ok(rising, "scale: across sinks the events arrive in the order of the calls (b1, c1, b2)"))
        diag("arrival numbers %ld %ld %ld %ld %ld %ld", (long)order[0], (long)order[1], (long)order[2],
             (long)order[3], (long)order[4], (long)order[5]);
}

/* ---- many instances ---- */

enum { MANY = 3000, PAIRS = 500 };

static const WCHAR *const many_classes[3] = { L"SimT_Many", L"SimT_ManyA", L"SimT_ManyB" };

/* Put_(flags) of an instance of cls with Name = item-i and Size = size; the objects are
 * released at once (thousands of them) */
static HRESULT put_item(IDispatch *svc, const WCHAR *cls, int i, LONG size, LONG flags)
{
    WCHAR name[32];
    VARIANT c, inst;
    HRESULT hr = disp_call(svc, L"Get", &c, 1, v_str(cls));
    IDispatch *cd = SUCCEEDED(hr) ? var_to_disp(&c) : NULL, *id = NULL;
    if (SUCCEEDED(hr)) VariantClear(&c);
    if (SUCCEEDED(hr)) hr = disp_call(cd, L"SpawnInstance_", &inst, 1, v_i4(0));
    if (SUCCEEDED(hr)) {
        id = var_to_disp(&inst);
        VariantClear(&inst);
    }
    swprintf(name, 32, L"item-%d", i);
    if (SUCCEEDED(hr)) hr = disp_put(id, L"Name", v_str(name));
    if (SUCCEEDED(hr)) hr = disp_put(id, L"Size", v_i4(size));
    if (SUCCEEDED(hr)) hr = put_flags(id, flags, NULL);
    if (id) IDispatch_Release(id);
    if (cd) IDispatch_Release(cd);
    return hr;
}

/* Get(path): its Size (-1 when it has none) and its class, or the failure */
static HRESULT get_item(IDispatch *svc, const WCHAR *path, LONG *size, BSTR *cls)
{
    VARIANT r;
    *size = -1;
    if (cls) *cls = NULL;
    HRESULT hr = disp_call(svc, L"Get", &r, 1, v_str(path));
    if (FAILED(hr)) return hr;
    IDispatch *obj = var_to_disp(&r), *p;
    VariantClear(&r);
    disp_get_long(obj, L"Size", size);
    if (cls && (p = disp_geto(obj, L"Path_", &hr))) disp_get_bstr(p, L"Class", cls);
    if (obj) IDispatch_Release(obj);
    return S_OK;
}

/* The Names InstancesOf(cls) returns match item-<first>, item-<first+step>, ... (n of them) */
static int names_in_order(IDispatch *svc, const WCHAR *cls, int first, int step, int n)
{
    HRESULT hr;
    static IDispatch *objs[MANY];
    IDispatch *set = disp_callo(svc, L"InstancesOf", &hr, 2, v_str(cls), v_i4(0));
    int got = enum_objects(set, objs, MANY, &hr), good = got == n;
    for (int i = 0; good && i < n; i++) {
        BSTR name = NULL;
        WCHAR want[32];
        swprintf(want, 32, L"item-%d", first + i * step);
        disp_get_bstr(objs[i], L"Name", &name);
        if (!name || wcscmp(name, want)) {
            diag("InstancesOf(%s) item %d: %s, expected %s", u8(cls), i, name ? u8(name) : "(none)", u8(want));
            good = 0;
        }
        SysFreeString(name);
    }
    if (got != n) diag("InstancesOf(%s): %d objects, expected %d", u8(cls), got, n);
    return good;
}

static void many_instances(void)
{
    HRESULT hr;
    LONG n = -1, size;
    BSTR cls;
    WCHAR path[64];
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Many", NULL, "Name:string:key,Size:uint32");
    make_class(svc, L"SimT_ManyA", L"SimT_Many", "");
    make_class(svc, L"SimT_ManyB", L"SimT_Many", "");
    int written = 0;
    for (int i = 0; i < MANY; i++) written += SUCCEEDED(put_item(svc, many_classes[i % 3], i, i, wbemChangeFlagCreateOnly));
    check_long(written, MANY, "scale: %d instances over a class and its two subclasses, CreateOnly, all written", MANY);
    instance_count(svc, L"SimT_Many", &n);
    check_long(n, MANY, "scale: InstancesOf the base class counts them all");
    ok(names_in_order(svc, L"SimT_Many", 0, 1, MANY), "scale: InstancesOf returns them in the order they were put");

    int right = 0;
    static const int probe[] = { 0, 1, 2, 1499, 2998, 2999 };
    for (size_t k = 0; k < sizeof probe / sizeof probe[0]; k++) {
        int i = probe[k];
        LONG s1, s2, s3;
        swprintf(path, 64, L"SimT_Many.Name=\"item-%d\"", i);
        HRESULT h1 = get_item(svc, path, &s1, &cls);
        int cls_ok = cls && !wcscmp(cls, many_classes[i % 3]);
        SysFreeString(cls);
        swprintf(path, 64, L"%ls.Name=\"item-%d\"", many_classes[i % 3], i);
        HRESULT h2 = get_item(svc, path, &s2, NULL);
        swprintf(path, 64, L"SimT_Many=\"ITEM-%d\"", i);     /* the only key unnamed; values compare without case */
        HRESULT h3 = get_item(svc, path, &s3, NULL);
        right += SUCCEEDED(h1) && SUCCEEDED(h2) && SUCCEEDED(h3) && s1 == i && s2 == i && s3 == i && cls_ok;
    }
    check_long(right, (LONG)(sizeof probe / sizeof probe[0]),
               "scale: Get by the base class's path, the instance's own class's, and Class=\"KEY\" finds each instance");
    check_hr(get_item(svc, L"SimT_Many.Name=\"item-3000\"", &size, NULL), WBEM_E_NOT_FOUND_,
             "scale: Get of keys nobody put is WBEM_E_NOT_FOUND");
    check_hr(get_item(svc, L"SimT_ManyA.Name=\"item-2\"", &size, NULL), WBEM_E_NOT_FOUND_,
             "scale: Get through a sibling class of the instance's is WBEM_E_NOT_FOUND");

    /* item-10 is a SimT_ManyA: a SimT_ManyB with its keys is the same object */
    check_hr(put_item(svc, L"SimT_ManyB", 10, 99, wbemChangeFlagUpdateOnly), S_OK,
             "scale: UpdateOnly of a sibling class's instance with existing keys succeeds");
    get_item(svc, L"SimT_Many.Name=\"item-10\"", &size, &cls);
    ok(size == 99 && cls && !wcscmp(cls, L"SimT_ManyB"), "scale: it replaced the instance (Size 99, SimT_ManyB)");
    SysFreeString(cls);
    check_hr(put_item(svc, L"SimT_Many", 20, 0, wbemChangeFlagCreateOnly), WBEM_E_ALREADY_EXISTS_,
             "scale: CreateOnly over a subclass instance's keys is WBEM_E_ALREADY_EXISTS");
    check_hr(put_item(svc, L"SimT_Many", MANY, 0, wbemChangeFlagUpdateOnly), WBEM_E_NOT_FOUND_,
             "scale: UpdateOnly of keys nobody put is WBEM_E_NOT_FOUND");
    instance_count(svc, L"SimT_Many", &n);
    check_long(n, MANY, "scale: replacing and refusing changed no count");

    int deleted = 0;
    for (int i = 0; i < MANY; i += 2) {
        swprintf(path, 64, L"SimT_Many.Name=\"item-%d\"", i);
        deleted += SUCCEEDED(disp_call(svc, L"Delete", NULL, 1, v_str(path)));
    }
    check_long(deleted, MANY / 2, "scale: Delete by path of every other instance succeeds");
    instance_count(svc, L"SimT_Many", &n);
    check_long(n, MANY / 2, "scale: half of them are left");
    check_hr(disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Many.Name=\"item-0\"")), WBEM_E_NOT_FOUND_,
             "scale: Delete of a deleted instance is WBEM_E_NOT_FOUND");
    check_hr(get_item(svc, L"SimT_ManyA.Name=\"item-1498\"", &size, NULL), WBEM_E_NOT_FOUND_,
             "scale: Get of a deleted instance is WBEM_E_NOT_FOUND");
    hr = get_item(svc, L"SimT_ManyA.Name=\"item-1\"", &size, NULL);
    ok(SUCCEEDED(hr) && size == 1, "scale: the others are still there, unchanged");
    ok(names_in_order(svc, L"SimT_Many", 1, 2, MANY / 2), "scale: after the deletes InstancesOf keeps the order of the rest");
    ok(names_in_order(svc, L"SimT_ManyB", 5, 6, MANY / 6),
       "scale: InstancesOf a subclass returns its own, in order");
    check_hr(put_item(svc, L"SimT_Many", 0, 5, wbemChangeFlagCreateOnly), S_OK,
             "scale: CreateOnly of deleted keys writes a new instance");
    hr = get_item(svc, L"SimT_Many.Name=\"item-0\"", &size, &cls);
    ok(SUCCEEDED(hr) && size == 5 && cls && !wcscmp(cls, L"SimT_Many"), "scale: it is the new one (SimT_Many, Size 5)");
    SysFreeString(cls);
}

/* Two keys: either order in the path, values compared without case; a key's value alone
 * is not the object. */
static void many_pairs(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Pair", NULL, "Host:string:key,Port:uint32:key,Note:string");
    int written = 0;
    for (int i = 0; i < PAIRS && SUCCEEDED(hr); i++) {
        WCHAR host[16], note[16];
        IDispatch *inst = spawn(svc, L"SimT_Pair", &hr);
        swprintf(host, 16, L"h%d", i % 7);
        swprintf(note, 16, L"n%d", i);
        disp_put(inst, L"Host", v_str(host));
        disp_put(inst, L"Port", v_i4(i));
        disp_put(inst, L"Note", v_str(note));
        written += SUCCEEDED(put_flags(inst, wbemChangeFlagCreateOnly, NULL));
    }
    check_long(written, PAIRS, "scale: %d instances with two keys (7 hosts), all written", PAIRS);
    static const WCHAR *const found[] = { L"SimT_Pair.Host=\"h3\",Port=10", L"SimT_Pair.Port=10,Host=\"H3\"" };
    for (int k = 0; k < 2; k++) {
        BSTR note = NULL;
        IDispatch *obj = disp_callo(svc, L"Get", &hr, 1, v_str(found[k]));
        disp_get_bstr(obj, L"Note", &note);
        if (!ok(SUCCEEDED(hr) && note && !wcscmp(note, L"n10"), "scale: Get(%s) finds the one with both keys", u8(found[k])))
            diag("%s %s", hr_name(hr), note ? u8(note) : "");
        SysFreeString(note);
    }
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Pair.Host=\"h4\",Port=10"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "scale: a Port with another Host is not that instance");
    check_hr(disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Pair.Port=10,Host=\"h3\"")), S_OK,
             "scale: Delete by the two keys succeeds");
    LONG n = -1;
    instance_count(svc, L"SimT_Pair", &n);
    check_long(n, PAIRS - 1, "scale: one instance fewer");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Pair.Host=\"h3\",Port=10"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "scale: the deleted one is gone");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Pair.Host=\"h3\",Port=3"));
    check_hr(hr, S_OK, "scale: the one with the same Host and another Port is still there");
}

const test_case suite_scale[] = {
    { "scale: a sink released with its events and others' queued", release_with_queued },
    { "scale: thousands of instances: Get, Put_ and Delete by path", many_instances },
    { "scale: instances with two keys", many_pairs },
    { NULL, NULL },
};
