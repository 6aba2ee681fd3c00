/* Synchronous round trips, what lua-wbem's worker transport (blocking calls on a pool of
 * MTA threads) is tested against: Control.SyncLatencyMs, Control.SyncHang and
 * Control.SyncWaiting on the calls they cover (control.c lists them), many MTA threads
 * calling at once, Reset releasing the calls that wait, and semisynchronous queries
 * (wbemFlagReturnImmediately | wbemFlagForwardOnly, "Making a Semisynchronous Call")
 * enumerated with IEnumVARIANT::Next(1) on any thread.
 *
 * The checks that run on other threads record what they found in their member of the
 * team; the TAP lines are all written on the main thread. */
#include "client.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEMISYNC (wbemFlagReturnImmediately | wbemFlagForwardOnly)
#define B1 L"Sim_Base.Id=\"b1\""
#define LAT 60                    /* the latency of the checks on the main thread, ms */

/* Control.SyncWaiting reaching n, read every few ms (a test's own clock, not the server's) */
static BOOL wait_waiting(LONG n, DWORD timeout_ms)
{
    double deadline = now_ms() + timeout_ms;
    LONG got = -1;
    for (;;) {
        disp_get_long(g_ctl, L"SyncWaiting", &got);
        if (got == n) return TRUE;
        if (now_ms() > deadline) {
            diag("Control.SyncWaiting is %ld, waited for %ld", (long)got, (long)n);
            return FALSE;
        }
        pump_for(5);
    }
}

/* ---- helpers of the member threads ---- */
static IDispatch *connect_cimv2(member *m, HRESULT *phr)
{
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    IDispatch *svc = loc ? disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\cimv2")) : NULL;
    expect(m, svc != NULL, "ConnectServer: 0x%08lX", (unsigned long)hr);
    if (phr) *phr = hr;
    return svc;
}

/* the thread's last error, as SWbemLastError hands it out */
static void take_last_error(member *m)
{
    HRESULT hr;
    IDispatch *err = keep(sim_create(L"WbemSim.SWbemLastError", &hr));
    BSTR op = NULL;
    m->status = 0;
    m->op[0] = 0;
    if (!err) return;
    disp_get_long(err, L"StatusCode", &m->status);
    if (SUCCEEDED(disp_get_bstr(err, L"Operation", &op)) && op) wcsncpy(m->op, op, 31);
    SysFreeString(op);
}

static BOOL label_is(IDispatch *obj, const WCHAR *want)
{
    BSTR s = NULL;
    BOOL same = SUCCEEDED(disp_get_bstr(obj, L"Label", &s)) && s && !wcscmp(s, want);
    SysFreeString(s);
    return same;
}

/* ---- the knobs themselves ---- */
static void settings(void)
{
    HRESULT hr;
    LONG v = -1;
    BOOL b = TRUE;
    disp_get_long(g_ctl, L"SyncLatencyMs", &v);
    check_long(v, 0, "sync: SyncLatencyMs is 0 by default");
    hr = disp_get_bool(g_ctl, L"SyncHang", &b);
    ok(SUCCEEDED(hr) && !b, "sync: SyncHang is False by default");
    v = -1;
    disp_get_long(g_ctl, L"SyncWaiting", &v);
    check_long(v, 0, "sync: SyncWaiting is 0 while no call waits");
    check_hr(ctl_set_long(g_ctl, L"SyncLatencyMs", 250), S_OK, "sync: SyncLatencyMs is settable");
    check_hr(ctl_set_long(g_ctl, L"SyncLatencyMs", -1), E_INVALIDARG,
             "sync: a negative SyncLatencyMs is refused with E_INVALIDARG");
    check_hr(ctl_set_long(g_ctl, L"SyncLatencyMs", 10000001), E_INVALIDARG,
             "sync: a SyncLatencyMs above 10,000,000 is refused with E_INVALIDARG");
    disp_get_long(g_ctl, L"SyncLatencyMs", &v);
    check_long(v, 250, "sync: a refused value leaves SyncLatencyMs as it was");
    check_hr(disp_put(g_ctl, L"SyncHang", v_bool(TRUE)), S_OK, "sync: SyncHang is settable");
    disp_get_bool(g_ctl, L"SyncHang", &b);
    ok(b, "sync: SyncHang reads back True");
    ok(FAILED(ctl_set_long(g_ctl, L"SyncWaiting", 3)), "sync: SyncWaiting is read-only");
    check_hr(disp_call(g_ctl, L"Reset", NULL, 0), S_OK, "sync: Reset() succeeds");
    v = -1;
    b = TRUE;
    disp_get_long(g_ctl, L"SyncLatencyMs", &v);
    disp_get_bool(g_ctl, L"SyncHang", &b);
    ok(v == 0 && !b, "sync: Reset() restores SyncLatencyMs 0 and SyncHang False");
}

/* ---- the latency, call by call, on the main thread ---- */
static void delayed(const char *what, HRESULT hr, HRESULT want, double t0)
{
    double el = now_ms() - t0;
    if (!ok(hr == want && el >= LAT, "sync: SyncLatencyMs delays %s by at least its %d ms", what, LAT))
        diag("%s: %s after %.1f ms, expected %s", what, hr_name(hr), el, hr_name(want));
}

static void latency(void)
{
    HRESULT hr;
    double t0;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    IDispatch *svc0 = disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\cimv2"));
    IDispatch *cls = disp_callo(svc0, L"Get", &hr, 1, v_str(L"Sim_Base"));
    check_hr(ctl_set_long(g_ctl, L"SyncLatencyMs", LAT), S_OK, "sync: SyncLatencyMs set to %d", LAT);

    t0 = now_ms();
    IDispatch *svc = disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\cimv2"));
    delayed("SWbemLocator.ConnectServer", hr, S_OK, t0);
    t0 = now_ms();
    disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\nowhere"));
    delayed("a ConnectServer that fails (WBEM_E_INVALID_NAMESPACE)", hr, WBEM_E_INVALID_NAMESPACE_, t0);
    t0 = now_ms();
    IDispatch *obj = disp_callo(svc, L"Get", &hr, 1, v_str(B1));
    delayed("SWbemServices.Get", hr, S_OK, t0);
    t0 = now_ms();
    disp_callo(svc, L"Get", &hr, 2, v_str(B1), v_i4(0x1000));
    delayed("a Get refused for its flags (after the round trip)", hr, WBEM_E_INVALID_PARAMETER_, t0);
    t0 = now_ms();
    IDispatch *set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(L"SELECT * FROM Sim_Base"));
    delayed("SWbemServices.ExecQuery", hr, S_OK, t0);
    t0 = now_ms();
    disp_callo(svc, L"ExecQuery", &hr, 3, v_str(L"SELECT * FROM Sim_Base"), v_str(L"WQL"), v_i4(SEMISYNC));
    delayed("a semisynchronous ExecQuery (ReturnImmediately | ForwardOnly)", hr, S_OK, t0);
    t0 = now_ms();
    disp_callo(svc, L"InstancesOf", &hr, 1, v_str(L"Sim_Base"));
    delayed("SWbemServices.InstancesOf", hr, S_OK, t0);

    /* what works on the client's copy waits for nothing */
    LONG count = -1;
    IDispatch *items[4];
    VARIANT *deriv = vkeep();
    BSTR rel = NULL;
    int local_ok = 1;
    t0 = now_ms();
    local_ok &= label_is(obj, L"base one");
    IDispatch *path = disp_geto(obj, L"Path_", &hr);
    local_ok &= SUCCEEDED(disp_get_bstr(path, L"RelPath", &rel));
    IDispatch *props = disp_geto(obj, L"Properties_", &hr);
    local_ok &= SUCCEEDED(disp_get_long(props, L"Count", &count));
    local_ok &= disp_geto(obj, L"Qualifiers_", &hr) != NULL;
    local_ok &= disp_callo(obj, L"Clone_", &hr, 0) != NULL;
    local_ok &= SUCCEEDED(disp_call(obj, L"GetObjectText_", vkeep(), 0));
    local_ok &= SUCCEEDED(disp_get(obj, L"Derivation_", deriv));
    local_ok &= SUCCEEDED(disp_get_long(set, L"Count", &count)) && count == 2;
    local_ok &= enum_objects(set, items, 4, &hr) == 2;
    IDispatch *inst = disp_callo(cls, L"SpawnInstance_", &hr, 0);
    local_ok &= inst && SUCCEEDED(disp_put(inst, L"Id", v_str(L"lat")));
    double local = now_ms() - t0;
    if (!ok(local_ok && local < LAT,
            "sync: property reads and writes, Path_, Properties_, Qualifiers_, Clone_, GetObjectText_, "
            "Derivation_, SpawnInstance_, Count and _NewEnum of a set are not delayed"))
        diag("all of them took %.1f ms (%s)", local, local_ok ? "all succeeded" : "one failed");
    SysFreeString(rel);

    t0 = now_ms();
    hr = put_flags(inst, 0, NULL);
    delayed("SWbemObject.Put_", hr, S_OK, t0);
    t0 = now_ms();
    hr = disp_call(svc, L"Delete", NULL, 1, v_str(L"Sim_Base.Id=\"lat\""));
    delayed("SWbemServices.Delete", hr, S_OK, t0);
    put_flags(inst, 0, NULL);
    t0 = now_ms();
    hr = disp_call(inst, L"Delete_", NULL, 0);
    delayed("SWbemObject.Delete_", hr, S_OK, t0);

    /* the asynchronous forms have LatencyMs of their own */
    simsink *s = simsink_keep(NULL, &hr);
    t0 = now_ms();
    hr = disp_call(svc, L"GetAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(B1));
    BOOL done = SUCCEEDED(hr) && wait_done(s, WAIT_MS);
    double async = now_ms() - t0;
    if (!ok(done && s && completed_hr(s->rcv) == S_OK && async < LAT,
            "sync: SyncLatencyMs leaves GetAsync alone (it has LatencyMs)"))
        diag("GetAsync: %s, completed %d, in %.1f ms", hr_name(hr), done, async);
}

/* ---- many threads wait their latency together ---- */
static void connect_setup(member *m)
{
    m->obj = keep(sim_create(L"WbemSim.SWbemLocator", &m->hr));
    expect(m, m->obj != NULL, "SWbemLocator: 0x%08lX", (unsigned long)m->hr);
}

static void connect_and_get(member *m)
{
    double t0 = now_ms();
    HRESULT hr;
    IDispatch *svc = disp_callo(m->obj, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\cimv2"));
    IDispatch *obj = svc ? disp_callo(svc, L"Get", &hr, 1, v_str(B1)) : NULL;
    m->elapsed = now_ms() - t0;
    m->hr = hr;
    expect(m, obj && label_is(obj, L"base one"), "ConnectServer and Get: 0x%08lX", (unsigned long)hr);
}

static void overlap(void)
{
    const int n = 20, lat = 100;
    team *t = team_new(n, connect_setup, connect_and_get);
    if (!t) return;
    ctl_set_long(g_ctl, L"SyncLatencyMs", lat);
    team_go(t);
    BOOL done = team_wait(t, 10000);
    double wall = team_wall(t), shortest = 1e9;
    for (int i = 0; i < t->n; i++)
        if (t->m[i].elapsed < shortest) shortest = t->m[i].elapsed;
    if (ok(done, "sync: %d MTA threads, each ConnectServer then Get, all return", n)) {
        team_good(t, "sync: each thread connected and read Sim_Base.Id=\"b1\"");
        if (!ok(shortest >= 2 * lat, "sync: each thread waited SyncLatencyMs twice (%d ms)", 2 * lat))
            diag("the shortest took %.1f ms", shortest);
        /* one after the other they would take n * 2 * lat = 4000 ms */
        if (!ok(wall < n * 2 * lat / 4, "sync: the threads waited together: %d x 2 calls of %d ms in well under %d ms",
                n, lat, n * 2 * lat))
            diag("they took %.1f ms", wall);
        diag("%d threads x (ConnectServer + Get) at SyncLatencyMs %d: %.1f ms", n, lat, wall);
    }
    team_end(t);
}

/* ---- a thousand calls from fifty threads, checking what they read and write ---- */
#define STRESS_THREADS 50
/* each round: Put_, Get, ExecQuery; with ConnectServer and a failing Get, 20 calls a thread */
#define STRESS_ROUNDS 6

static void stress_setup(member *m)
{
    HRESULT hr;
    WCHAR id[16];
    m->svc = connect_cimv2(m, &hr);
    IDispatch *cls = m->svc ? disp_callo(m->svc, L"Get", &hr, 1, v_str(L"Sim_Base")) : NULL;
    m->obj = cls ? disp_callo(cls, L"SpawnInstance_", &hr, 0) : NULL;
    swprintf(id, 16, L"t%d", m->i);
    if (m->obj) hr = disp_put(m->obj, L"Id", v_str(id));
    expect(m, m->obj && SUCCEEDED(hr), "setting up instance %d: 0x%08lX", m->i, (unsigned long)hr);
}

static void stress_call(member *m)
{
    HRESULT hr;
    WCHAR label[32], path[48], query[80];
    double t0 = now_ms();
    if (!m->obj) return;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    IDispatch *svc = disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\cimv2"));
    expect(m, svc != NULL, "ConnectServer: 0x%08lX", (unsigned long)hr);
    if (!svc) return;
    swprintf(path, 48, L"Sim_Base.Id=\"t%d\"", m->i);
    swprintf(query, 80, L"SELECT * FROM Sim_Base WHERE Id = 't%d'", m->i);
    for (int k = 0; k < STRESS_ROUNDS; k++) {
        IDispatch *got, *set, *items[2];
        LONG n = -1;
        swprintf(label, 32, L"t%d-%d", m->i, k);
        disp_put(m->obj, L"Label", v_str(label));
        hr = put_flags(m->obj, 0, NULL);
        expect(m, hr == S_OK, "Put_ %d: 0x%08lX", k, (unsigned long)hr);
        got = disp_callo(svc, L"Get", &hr, 1, v_str(path));
        expect(m, got && label_is(got, label), "Get %d: 0x%08lX or another Label", k, (unsigned long)hr);
        set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(query));
        expect(m, set && SUCCEEDED(disp_get_long(set, L"Count", &n)) && n == 1 &&
                  enum_objects(set, items, 2, &hr) == 1 && label_is(items[0], label),
               "ExecQuery %d: 0x%08lX, %ld objects", k, (unsigned long)hr, (long)n);
    }
    /* the thread's last error is its own, whatever the other threads failed meanwhile */
    swprintf(path, 48, L"Sim_Base.Id=\"missing-%d\"", m->i);
    disp_callo(svc, L"Get", &hr, 1, v_str(path));
    expect(m, hr == WBEM_E_NOT_FOUND_, "Get of a missing instance: 0x%08lX", (unsigned long)hr);
    m->elapsed = now_ms() - t0;
    IDispatch *err = keep(sim_create(L"WbemSim.SWbemLastError", &hr));
    BSTR info = NULL;
    if (err) disp_get_bstr(err, L"ParameterInfo", &info);
    expect(m, info && !wcscmp(info, path), "SWbemLastError.ParameterInfo is another thread's (0x%08lX)",
           (unsigned long)hr);
    SysFreeString(info);
}

static void stress(void)
{
    const int lat = 10, calls = STRESS_THREADS * (2 + 3 * STRESS_ROUNDS);
    team *t = team_new(STRESS_THREADS, stress_setup, stress_call);
    if (!t) return;
    ctl_set_long(g_ctl, L"SyncLatencyMs", lat);
    team_go(t);
    BOOL done = team_wait(t, 20000);
    double wall = team_wall(t);
    if (ok(done, "sync: %d MTA threads making %d synchronous calls all return", STRESS_THREADS, calls)) {
        team_good(t, "sync: every thread read back what it wrote (Put_, Get, ExecQuery), and its own last error");
        /* one after the other: calls * lat = 10,000 ms */
        if (!ok(wall < calls * lat / 4, "sync: %d calls of %d ms from %d threads overlap (well under %d ms)",
                calls, lat, STRESS_THREADS, calls * lat))
            diag("they took %.1f ms", wall);
        diag("%d calls from %d threads at SyncLatencyMs %d: %.1f ms", calls, STRESS_THREADS, lat, wall);
    }
    team_end(t);
}

/* ---- SyncHang ---- */
static void get_setup(member *m)
{
    m->svc = connect_cimv2(m, NULL);
}

static void get_b1(member *m)
{
    double t0 = now_ms();
    IDispatch *obj = m->svc ? disp_callo(m->svc, L"Get", &m->hr, 1, v_str(B1)) : NULL;
    m->elapsed = now_ms() - t0;
    expect(m, obj && label_is(obj, L"base one"), "Get after the hang: 0x%08lX", (unsigned long)m->hr);
}

static void hang(void)
{
    const int n = 8;
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *mine = disp_callo(svc, L"Get", &hr, 1, v_str(B1));
    team *t = team_new(n, get_setup, get_b1);
    if (!t) return;
    disp_put(g_ctl, L"SyncHang", v_bool(TRUE));
    team_go(t);
    if (!ok(wait_waiting(n, 3000), "sync: with SyncHang, %d Gets on MTA threads wait (SyncWaiting = %d)", n, n)) {
        team_end(t);
        return;
    }
    double hung_at = now_ms();

    /* meanwhile, everything that is not a synchronous round trip goes on */
    LONG lat = -1, live = -1;
    BOOL flag = FALSE;
    int others = label_is(mine, L"base one");
    others &= disp_put(mine, L"Label", v_str(L"changed")) == S_OK && label_is(mine, L"changed");
    others &= disp_geto(mine, L"Path_", &hr) != NULL && disp_callo(mine, L"Clone_", &hr, 0) != NULL;
    others &= SUCCEEDED(disp_get_long(g_ctl, L"SyncLatencyMs", &lat)) && SUCCEEDED(disp_get_bool(g_ctl, L"SyncHang", &flag)) && flag;
    others &= SUCCEEDED(disp_get_long(g_ctl, L"LiveObjects", &live)) && live > 0;
    others &= keep(sim_create(L"WbemSim.SWbemLocator", &hr)) != NULL;
    double other_ms = now_ms() - hung_at;
    if (!ok(others && other_ms < 500, "sync: while calls hang, property reads and writes, Path_, Clone_, Control "
            "and new objects go on"))
        diag("%s, in %.1f ms", others ? "all succeeded" : "one failed", other_ms);
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"GetAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(B1));
    ok(SUCCEEDED(hr) && wait_done(s, WAIT_MS) && completed_hr(s->rcv) == S_OK,
       "sync: SyncHang leaves GetAsync alone (it has Hang)");

    pump_for(100);
    check_long(t->done, 0, "sync: the hung calls are still waiting after %.0f ms", now_ms() - hung_at);
    double cleared = now_ms();
    disp_put(g_ctl, L"SyncHang", v_bool(FALSE));
    BOOL done = team_wait(t, 2000);
    double release = team_wall(t) - (cleared - t->start), shortest = 1e9;
    for (int i = 0; i < t->n; i++)
        if (t->m[i].elapsed < shortest) shortest = t->m[i].elapsed;
    if (ok(done, "sync: clearing SyncHang releases all %d calls", n)) {
        team_good(t, "sync: each released Get goes on and returns Sim_Base.Id=\"b1\" (S_OK)");
        if (!ok(release < 500, "sync: they are released at once, not one by one"))
            diag("the last returned %.1f ms after SyncHang was cleared", release);
        if (!ok(shortest >= 100, "sync: each of them was held for the hang (at least 100 ms)"))
            diag("the shortest took %.1f ms", shortest);
    }
    LONG waiting = -1;
    disp_get_long(g_ctl, L"SyncWaiting", &waiting);
    check_long(waiting, 0, "sync: SyncWaiting is back to 0");
    team_end(t);
}

/* One of each covered call (hung_call), hung, then released by Reset: the Operation each
 * one's last error names. */
static const WCHAR *const hung_calls[] = {
    L"ConnectServer", L"GetObject", L"ExecQuery", L"CreateInstanceEnum", L"PutInstance",
    L"DeleteInstance", L"DeleteInstance",
};
#define NHUNG (int)(sizeof hung_calls / sizeof hung_calls[0])

static void hung_setup(member *m)
{
    HRESULT hr;
    m->svc = connect_cimv2(m, &hr);
    if (m->i == 0) m->obj = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    if (m->i == 4) {
        IDispatch *cls = m->svc ? disp_callo(m->svc, L"Get", &hr, 1, v_str(L"Sim_Base")) : NULL;
        m->obj = cls ? disp_callo(cls, L"SpawnInstance_", &hr, 0) : NULL;
        if (m->obj) hr = disp_put(m->obj, L"Id", v_str(L"hung"));
    }
    if (m->i == 6 && m->svc) m->obj = disp_callo(m->svc, L"Get", &hr, 1, v_str(B1));
    expect(m, m->svc != NULL, "set-up: no connection");
    expect(m, m->obj || (m->i != 0 && m->i != 4 && m->i != 6), "set-up of call %d: 0x%08lX", m->i, (unsigned long)hr);
}

static void hung_call(member *m)
{
    HRESULT hr = E_FAIL;
    if (!m->svc || (!m->obj && (m->i == 0 || m->i == 4 || m->i == 6))) return;
    switch (m->i) {
    case 0: disp_callo(m->obj, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\cimv2")); break;
    case 1: disp_callo(m->svc, L"Get", &hr, 1, v_str(B1)); break;
    case 2: disp_callo(m->svc, L"ExecQuery", &hr, 3, v_str(L"SELECT * FROM Sim_Base"), v_str(L"WQL"), v_i4(SEMISYNC)); break;
    case 3: disp_callo(m->svc, L"InstancesOf", &hr, 1, v_str(L"Sim_Base")); break;
    case 4: hr = put_flags(m->obj, 0, NULL); break;
    case 5: hr = disp_call(m->svc, L"Delete", NULL, 1, v_str(L"Sim_Derived.Id=\"d1\"")); break;
    case 6: hr = disp_call(m->obj, L"Delete_", NULL, 0); break;
    }
    m->hr = hr;
    take_last_error(m);
}

static void reset_releases(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    LONG before = ctl_live(g_ctl);
    team *t = team_new(NHUNG, hung_setup, hung_call);
    if (!t) return;
    disp_put(g_ctl, L"SyncHang", v_bool(TRUE));
    team_go(t);
    if (!ok(wait_waiting(NHUNG, 3000), "sync: ConnectServer, Get, ExecQuery, InstancesOf, Put_, Delete and "
            "Delete_ all hang under SyncHang")) {
        team_end(t);
        return;
    }
    double t0 = now_ms();
    hr = disp_call(g_ctl, L"Reset", NULL, 0);
    double reset_ms = now_ms() - t0;
    if (!ok(hr == S_OK && reset_ms < 500, "sync: Reset() is not held up by the hung calls"))
        diag("Reset: %s in %.1f ms", hr_name(hr), reset_ms);
    BOOL done = team_wait(t, 2000);
    if (ok(done, "sync: Reset() releases every hung call")) {
        int cancelled = 0, errors = 0;
        for (int i = 0; i < t->n; i++) {
            member *m = &t->m[i];
            cancelled += m->hr == WBEM_E_CALL_CANCELLED_;
            errors += m->status == WBEM_E_CALL_CANCELLED_ && !wcscmp(m->op, hung_calls[i]);
            if (m->hr != WBEM_E_CALL_CANCELLED_ || m->status != WBEM_E_CALL_CANCELLED_ || wcscmp(m->op, hung_calls[i]))
                diag("call %d: %s; last error %s, Operation \"%s\" (expected \"%s\")", i, hr_name(m->hr),
                     hr_name(m->status), u8(m->op), u8(hung_calls[i]));
        }
        check_long(cancelled, NHUNG, "sync: each released call fails with WBEM_E_CALL_CANCELLED");
        check_long(errors, NHUNG, "sync: each thread's SWbemLastError says WBEM_E_CALL_CANCELLED and names its operation");
        team_good(t, "sync: the threads set up their calls");
    }
    team_end(t);
    check_long(ctl_live(g_ctl), before, "sync: what the released threads held is gone (LiveObjects as before them)");
    LONG waiting = -1;
    BOOL flag = TRUE;
    disp_get_long(g_ctl, L"SyncWaiting", &waiting);
    disp_get_bool(g_ctl, L"SyncHang", &flag);
    ok(waiting == 0 && !flag, "sync: after Reset() SyncHang is False and no call waits");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Base.Id=\"hung\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "sync: the cancelled Put_ did not go on into the re-seeded repository");
    disp_callo(svc, L"Get", &hr, 1, v_str(B1));
    check_hr(hr, S_OK, "sync: nor did the cancelled Delete_");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Derived.Id=\"d1\""));
    check_hr(hr, S_OK, "sync: nor the cancelled Delete");
}

static void reset_cuts_latency(void)
{
    team *t = team_new(1, get_setup, get_b1);
    if (!t) return;
    ctl_set_long(g_ctl, L"SyncLatencyMs", 5000);
    team_go(t);
    if (ok(wait_waiting(1, 3000), "sync: a Get waits its SyncLatencyMs of 5000 ms")) {
        pump_for(20);
        disp_call(g_ctl, L"Reset", NULL, 0);
        BOOL done = team_wait(t, 1000);
        if (!ok(done && t->m[0].hr == WBEM_E_CALL_CANCELLED_ && t->m[0].elapsed < 2000,
                "sync: Reset() ends it at once with WBEM_E_CALL_CANCELLED"))
            diag("%s after %.1f ms", done ? hr_name(t->m[0].hr) : "not returned", t->m[0].elapsed);
    }
    team_end(t);
}

/* ---- semisynchronous queries, enumerated one object at a time ---- */
#define SEMI_EXTRA 200
#define SEMI_TOTAL (SEMI_EXTRA + 2)       /* with b1 and d1 */

/* Next(1) until S_FALSE: every S_OK hands one object whose Id reads */
static void next_one_by_one(member *m, IEnumVARIANT *en)
{
    for (;;) {
        VARIANT v;
        ULONG got = 99;
        VariantInit(&v);
        HRESULT hr = IEnumVARIANT_Next(en, 1, &v, &got);
        if (hr == S_FALSE) {
            expect(m, got == 0, "Next(1) at the end fetched %lu", (unsigned long)got);
            break;
        }
        IDispatch *d = hr == S_OK && got == 1 ? var_to_disp(&v) : NULL;
        VariantClear(&v);
        expect(m, d != NULL, "Next(1): 0x%08lX, fetched %lu", (unsigned long)hr, (unsigned long)got);
        if (!d) break;
        BSTR id = NULL;
        disp_get_bstr(d, L"Id", &id);
        expect(m, id != NULL, "an enumerated object without its Id");
        if (id && m->nids < SEMI_TOTAL) wcsncpy(m->ids[m->nids], id, 7);
        m->nids++;
        SysFreeString(id);
        IDispatch_Release(d);
    }
}

static IDispatch *semisync_query(IDispatch *svc, HRESULT *phr)
{
    return disp_callo(svc, L"ExecQuery", phr, 3, v_str(L"SELECT * FROM Sim_Base"), v_str(L"WQL"), v_i4(SEMISYNC));
}

static void semi_setup(member *m)
{
    m->ids = calloc(SEMI_TOTAL, sizeof *m->ids);
    expect(m, m->ids != NULL, "out of memory");
}

/* A member given an enumerator (m->in) takes it; one given none queries on its own. */
static void semi_call(member *m)
{
    HRESULT hr;
    IEnumVARIANT *en = NULL;
    if (!m->ids) return;
    if (m->in) {
        hr = CoGetInterfaceAndReleaseStream(m->in, &IID_IEnumVARIANT, (void **)&en);
        m->in = NULL;
        expect(m, SUCCEEDED(hr), "unmarshaling the enumerator: 0x%08lX", (unsigned long)hr);
    }
    else {
        IDispatch *svc = connect_cimv2(m, NULL);
        IDispatch *set = svc ? semisync_query(svc, &hr) : NULL;
        expect(m, set != NULL, "ExecQuery(ReturnImmediately | ForwardOnly): 0x%08lX", (unsigned long)hr);
        if (set) en = new_enum(set, &hr);
        expect(m, en != NULL, "_NewEnum: 0x%08lX", (unsigned long)hr);
    }
    if (en) {
        next_one_by_one(m, en);
        IEnumVARIANT_Release(en);
    }
}

static int id_cmp(const void *a, const void *b) { return wcscmp(a, b); }

/* the Ids of a team, together: each of the query's objects exactly once */
static int each_once(team *t)
{
    WCHAR (*all)[8] = calloc(SEMI_TOTAL, sizeof *all);
    int n = 0, good = all != NULL;
    for (int i = 0; good && i < t->n; i++) {
        if (n + t->m[i].nids > SEMI_TOTAL) good = 0;
        for (int k = 0; good && k < t->m[i].nids; k++) memcpy(all[n++], t->m[i].ids[k], sizeof all[0]);
    }
    good &= n == SEMI_TOTAL;
    if (good) {
        qsort(all, (size_t)n, sizeof all[0], id_cmp);
        for (int k = 1; k < n; k++) good &= wcscmp(all[k - 1], all[k]) != 0;
    }
    if (!good) diag("%d objects enumerated, expected %d, each once", n, SEMI_TOTAL);
    free(all);
    return good;
}

/* An enumerator of a semisynchronous query made on this (STA) thread, marshaled to the
 * members from..n-1 of t as COM wants (the free-threaded marshaler makes each the object
 * itself). */
static HRESULT give_enum(team *t, IDispatch *svc, int from)
{
    HRESULT hr;
    IDispatch *set = semisync_query(svc, &hr);
    IEnumVARIANT *en = set ? new_enum(set, &hr) : NULL;
    for (int i = from; en && i < t->n && SUCCEEDED(hr); i++)
        hr = CoMarshalInterThreadInterfaceInStream(&IID_IEnumVARIANT, (IUnknown *)en, &t->m[i].in);
    if (en) IEnumVARIANT_Release(en);
    return hr;
}

static void semisync(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Base"));
    for (int i = 0; i < SEMI_EXTRA && SUCCEEDED(hr); i++) {
        WCHAR id[8];
        IDispatch *inst = disp_callo(cls, L"SpawnInstance_", &hr, 0);
        swprintf(id, 8, L"s%03d", i);
        if (inst) hr = disp_put(inst, L"Id", v_str(id));
        if (SUCCEEDED(hr)) hr = put_flags(inst, 0, NULL);
    }
    check_hr(hr, S_OK, "semisync: %d more instances of Sim_Base", SEMI_EXTRA);

    /* one thread queries for itself; the other enumerates what the main thread asked for */
    team *t = team_new(2, semi_setup, semi_call);
    if (!t) return;
    check_hr(give_enum(t, svc, 1), S_OK, "semisync: the enumerator of a query made on the STA is marshaled to an MTA thread");
    team_go(t);
    if (ok(team_wait(t, 5000), "semisync: the two MTA threads enumerate")) {
        team_good(t, "semisync: Next(1) hands one object at a time (S_OK, 1 fetched), then S_FALSE with 0");
        check_long(t->m[0].nids, SEMI_TOTAL, "semisync: a query made on an MTA thread yields every instance there");
        check_long(t->m[1].nids, SEMI_TOTAL, "semisync: the STA's enumerator yields every instance on an MTA thread");
    }
    team_end(t);

    /* eight threads share one enumerator: each object goes to one of them */
    const int n = 8;
    t = team_new(n, semi_setup, semi_call);
    if (!t) return;
    check_hr(give_enum(t, svc, 0), S_OK, "semisync: one enumerator marshaled to %d MTA threads", n);
    team_go(t);
    if (ok(team_wait(t, 5000), "semisync: %d threads call Next(1) on one enumerator at once", n)) {
        team_good(t, "semisync: each of their Next(1) calls hands one object, or S_FALSE at the end");
        ok(each_once(t), "semisync: together they get each of the %d objects exactly once", SEMI_TOTAL);
    }
    team_end(t);
}

const test_case suite_sync[] = {
    { "sync: SyncLatencyMs, SyncHang and SyncWaiting read back; Reset restores them", settings },
    { "sync: SyncLatencyMs delays each synchronous round trip, nothing else", latency },
    { "sync: many MTA threads wait their latency together", overlap },
    { "sync: a thousand calls from fifty MTA threads", stress },
    { "sync: SyncHang holds the calls until it is cleared; the rest goes on", hang },
    { "sync: Reset releases every hung call with WBEM_E_CALL_CANCELLED", reset_releases },
    { "sync: Reset ends a latency wait at once", reset_cuts_latency },
    { "semisync: ExecQuery(ReturnImmediately | ForwardOnly) enumerated with Next(1) on MTA threads", semisync },
    { NULL, NULL },
};
