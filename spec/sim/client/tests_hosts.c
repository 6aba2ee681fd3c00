/* The simulator as many hosts (issue 11, fleets): Control.AddServer(name, behaviour,
 * latency_ms) with "ok", "unreachable", "denied", "hang" and "flaky", RemoveServer, each
 * server's own repository, connects to many servers from many MTA threads waiting their
 * latency together, Control.Connecting, PeakConnects and Connections, and the Security_
 * of a services object (SWbemSecurity, SWbemPrivilegeSet, SWbemPrivilege). hosts.c and
 * security.c have the rules. */
#include "client.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RPC_UNAVAILABLE ((HRESULT)0x800706BA)   /* HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) */
#define ACCESS_DENIED   ((HRESULT)0x80070005)   /* E_ACCESSDENIED */
#define B1 L"Sim_Base.Id=\"b1\""
#define LAT 40                    /* a server's latency in the checks on the main thread, ms */

static HRESULT add_server(const WCHAR *name, const WCHAR *behaviour, LONG latency_ms)
{
    return disp_call(g_ctl, L"AddServer", NULL, 3, v_str(name), v_str(behaviour), v_i4(latency_ms));
}

static LONG ctl_long(const WCHAR *name)
{
    LONG v = -1;
    disp_get_long(g_ctl, name, &v);
    return v;
}

/* ConnectServer(server, ns[, user, password]); the services object is not pooled (the
 * caller releases it) so that a check can see Connections go down */
static IDispatch *connect_raw(IDispatch *loc, const WCHAR *server, const WCHAR *ns, const WCHAR *user,
                              HRESULT *phr, double *elapsed)
{
    VARIANT res;
    double t0 = now_ms();
    HRESULT hr = user ? disp_call(loc, L"ConnectServer", &res, 4, v_str(server), v_str(ns), v_str(user), v_str(L"pw"))
                      : disp_call(loc, L"ConnectServer", &res, 2, v_str(server), v_str(ns));
    IDispatch *svc = SUCCEEDED(hr) ? var_to_disp(&res) : NULL;
    if (elapsed) *elapsed = now_ms() - t0;
    if (SUCCEEDED(hr)) VariantClear(&res);
    if (phr) *phr = hr;
    return svc;
}

static IDispatch *connect_kept(IDispatch *loc, const WCHAR *server, HRESULT *phr)
{
    return keep(connect_raw(loc, server, L"root\\cimv2", NULL, phr, NULL));
}

/* a connect that answers want, no sooner than the server's latency */
static void connects(IDispatch *loc, const WCHAR *server, const WCHAR *user, HRESULT want, double at_least,
                     const char *what)
{
    HRESULT hr;
    double el;
    IDispatch *svc = connect_raw(loc, server, L"root\\cimv2", user, &hr, &el);
    if (!ok(hr == want && el >= at_least, "hosts: %s", what))
        diag("ConnectServer(\"%s\"): %s after %.1f ms, expected %s no sooner than %.0f ms", u8(server), hr_name(hr),
             el, hr_name(want), at_least);
    if (svc) IDispatch_Release(svc);
}

static BOOL last_error_is(HRESULT want, const WCHAR *op)
{
    HRESULT hr;
    LONG status = 0;
    BSTR got = NULL;
    IDispatch *err = keep(sim_create(L"WbemSim.SWbemLastError", &hr));
    if (!err) return FALSE;
    disp_get_long(err, L"StatusCode", &status);
    disp_get_bstr(err, L"Operation", &got);
    BOOL same = status == want && got && !wcscmp(got, op);
    SysFreeString(got);
    return same;
}

/* ---- AddServer, RemoveServer ---- */
static void arguments(void)
{
    check_hr(add_server(L"web01", L"ok", 0), S_OK, "hosts: AddServer(name, \"ok\", 0) succeeds");
    check_hr(disp_call(g_ctl, L"AddServer", NULL, 2, v_str(L"web02"), v_str(L"OK")), S_OK,
             "hosts: AddServer without latency_ms (0), behaviour case-insensitive");
    check_hr(add_server(L".", L"ok", 0), E_INVALIDARG, "hosts: AddServer refuses \".\" (E_INVALIDARG)");
    check_hr(add_server(L"LocalHost", L"ok", 0), E_INVALIDARG, "hosts: AddServer refuses \"localhost\"");
    check_hr(add_server(L"", L"ok", 0), E_INVALIDARG, "hosts: AddServer refuses an empty name");
    check_hr(add_server(L"web03", L"sometimes", 0), E_INVALIDARG, "hosts: AddServer refuses an unknown behaviour");
    check_hr(add_server(L"web03", L"ok", -1), E_INVALIDARG, "hosts: AddServer refuses a negative latency");
    check_hr(disp_call(g_ctl, L"RemoveServer", NULL, 1, v_str(L"WEB01")), S_OK,
             "hosts: RemoveServer of an added server (case-insensitive)");
    check_hr(disp_call(g_ctl, L"RemoveServer", NULL, 1, v_str(L"web01")), WBEM_E_NOT_FOUND_,
             "hosts: RemoveServer of a server not added is WBEM_E_NOT_FOUND");
    check_long(ctl_long(L"PeakConnects"), 0, "hosts: PeakConnects is 0 after Reset");
    check_long(ctl_long(L"Connecting"), 0, "hosts: Connecting is 0 while nothing connects");
    check_long(ctl_long(L"Connections"), 0, "hosts: Connections is 0 while no services object lives");
    ok(FAILED(ctl_set_long(g_ctl, L"PeakConnects", 3)), "hosts: PeakConnects is read-only");
}

/* ---- each behaviour from the main thread ---- */
static void behaviours(void)
{
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    add_server(L"Good", L"ok", LAT);
    add_server(L"gone", L"unreachable", LAT);
    add_server(L"locked", L"denied", LAT);
    add_server(L"shaky", L"flaky", LAT);
    connects(loc, L"good", NULL, S_OK, LAT, "an \"ok\" server connects after its latency (name case-insensitive)");
    connects(loc, L"\\\\GOOD", NULL, S_OK, LAT, "an \"ok\" server connects as \\\\name too");
    connects(loc, L"good", L"admin", S_OK, LAT, "an added server takes credentials (no WBEM_E_LOCAL_CREDENTIALS)");
    connects(loc, L"gone", NULL, RPC_UNAVAILABLE, LAT,
             "an \"unreachable\" server fails after its latency with 0x800706BA (RPC server unavailable)");
    ok(last_error_is(RPC_UNAVAILABLE, L"ConnectServer"), "hosts: the thread's last error is ConnectServer's");
    connects(loc, L"locked", NULL, ACCESS_DENIED, LAT, "a \"denied\" server fails with E_ACCESSDENIED (0x80070005)");
    connects(loc, L"shaky", NULL, RPC_UNAVAILABLE, LAT, "a \"flaky\" server fails its first connect (0x800706BA)");
    connects(loc, L"shaky", NULL, S_OK, LAT, "a \"flaky\" server connects the second time");
    connects(loc, L"shaky", NULL, S_OK, LAT, "and every time after");
    connects(loc, L"nobody", NULL, RPC_UNAVAILABLE, 0, "a server that was not added is unreachable, as before");
    disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"good"), v_str(L"root\\nowhere"));
    check_hr(hr, WBEM_E_INVALID_NAMESPACE_, "hosts: an added server has the local namespaces only");
    add_server(L"good", L"denied", 0);
    connects(loc, L"good", NULL, ACCESS_DENIED, 0, "AddServer again replaces the behaviour");
    add_server(L"shaky", L"flaky", 0);
    connects(loc, L"shaky", NULL, RPC_UNAVAILABLE, 0, "a \"flaky\" server added again fails its first connect again");
    disp_call(g_ctl, L"RemoveServer", NULL, 1, v_str(L"locked"));
    connects(loc, L"locked", NULL, RPC_UNAVAILABLE, 0, "a removed server is unreachable");
    ctl_set_long(g_ctl, L"SyncLatencyMs", LAT);
    add_server(L"good", L"ok", LAT);
    connects(loc, L"good", NULL, S_OK, 2 * LAT, "SyncLatencyMs adds to the server's latency");
    disp_call(g_ctl, L"Reset", NULL, 0);
    connects(loc, L"good", NULL, RPC_UNAVAILABLE, 0, "Reset removes every added server");
}

/* ---- a repository each ---- */
static BOOL label_is(IDispatch *svc, const WCHAR *path, const WCHAR *want)
{
    HRESULT hr;
    BSTR s = NULL;
    IDispatch *obj = disp_callo(svc, L"Get", &hr, 1, v_str(path));
    BOOL same = obj && SUCCEEDED(disp_get_bstr(obj, L"Label", &s)) && s && !wcscmp(s, want);
    SysFreeString(s);
    return same;
}

static void repositories(void)
{
    HRESULT hr;
    BSTR server = NULL, full = NULL;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    add_server(L"Alpha", L"ok", 0);
    add_server(L"beta", L"ok", 0);
    IDispatch *a = connect_kept(loc, L"alpha", &hr);
    IDispatch *b = connect_kept(loc, L"beta", &hr);
    IDispatch *local = sim_connect(L"root\\cimv2", &hr);
    if (!ok(a && b && local, "hosts: connections to two added servers and this computer")) return;
    ok(label_is(a, B1, L"base one") && label_is(b, B1, L"base one"),
       "hosts: an added server's repository has the seeded schema and instances");

    IDispatch *cls = disp_callo(a, L"Get", &hr, 1, v_str(L"Sim_Base"));
    IDispatch *inst = cls ? disp_callo(cls, L"SpawnInstance_", &hr, 0) : NULL;
    if (inst) {
        disp_put(inst, L"Id", v_str(L"only-a"));
        disp_put(inst, L"Label", v_str(L"on alpha"));
    }
    IDispatch *written = NULL;
    check_hr(inst ? put_flags(inst, 0, &written) : hr, S_OK, "hosts: Put_ of an instance on alpha");
    if (written) {
        disp_get_bstr(written, L"Path", &full);
        check_wstr(full, L"\\\\Alpha\\root\\cimv2:Sim_Base.Id=\"only-a\"",
                   "hosts: the path Put_ returns names the added server");
    }
    ok(label_is(a, L"Sim_Base.Id=\"only-a\"", L"on alpha"), "hosts: alpha reads what was written on alpha");
    disp_callo(b, L"Get", &hr, 1, v_str(L"Sim_Base.Id=\"only-a\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "hosts: beta does not see alpha's instance");
    disp_callo(local, L"Get", &hr, 1, v_str(L"Sim_Base.Id=\"only-a\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "hosts: this computer does not see it either");

    IDispatch *b1 = disp_callo(b, L"Get", &hr, 1, v_str(B1));
    if (b1) disp_put(b1, L"Label", v_str(L"changed on beta"));
    check_hr(b1 ? put_flags(b1, 0, NULL) : hr, S_OK, "hosts: Put_ of a changed seeded instance on beta");
    ok(label_is(b, B1, L"changed on beta") && label_is(a, B1, L"base one") && label_is(local, B1, L"base one"),
       "hosts: the change is beta's only");
    IDispatch *path = b1 ? disp_geto(b1, L"Path_", &hr) : NULL;
    if (path) disp_get_bstr(path, L"Server", &server);
    check_wstr(server, L"beta", "hosts: Path_.Server of an object from beta is beta");

    check_hr(make_class(a, L"SimT_OnAlpha", NULL, "Name:string:key"), S_OK, "hosts: a new class on alpha");
    disp_callo(b, L"Get", &hr, 1, v_str(L"SimT_OnAlpha"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "hosts: beta does not have alpha's class");
    check_hr(disp_call(a, L"Delete", NULL, 1, v_str(B1)), S_OK, "hosts: Delete of b1 on alpha");
    ok(label_is(b, B1, L"changed on beta") && label_is(local, B1, L"base one"),
       "hosts: b1 is still on beta and on this computer");
    IDispatch *other = disp_callo(a, L"Get", &hr, 1, v_str(L"root\\default:Sim_Thing"));
    ok(other != NULL, "hosts: a path's own namespace stays on the connection's server");

    disp_call(g_ctl, L"RemoveServer", NULL, 1, v_str(L"alpha"));
    disp_callo(a, L"Get", &hr, 1, v_str(B1));
    check_hr(hr, RPC_UNAVAILABLE, "hosts: a connection to a removed server answers 0x800706BA");
    add_server(L"alpha", L"ok", 0);
    IDispatch *again = connect_kept(loc, L"alpha", &hr);
    ok(again && label_is(again, B1, L"base one"), "hosts: a server added again starts from the seeded repository");
    SysFreeString(server);
    SysFreeString(full);
}

/* ---- many threads, many servers ---- */
#define HOSTS_PER_THREAD 4
#define SPREAD_THREADS 32
#define SPREAD_LAT 50

static void locator_setup(member *m)
{
    m->obj = keep(sim_create(L"WbemSim.SWbemLocator", &m->hr));
    expect(m, m->obj != NULL, "SWbemLocator: 0x%08lX", (unsigned long)m->hr);
}

/* each member its own servers, one after the other */
static void connect_several(member *m)
{
    double t0 = now_ms();
    for (int k = 0; k < HOSTS_PER_THREAD && m->obj; k++) {
        WCHAR name[16];
        double el;
        HRESULT hr;
        swprintf(name, 16, L"h%03d", m->i * HOSTS_PER_THREAD + k);
        IDispatch *svc = connect_raw(m->obj, name, L"root\\cimv2", NULL, &hr, &el);
        expect(m, svc != NULL && el >= SPREAD_LAT, "ConnectServer(%s): 0x%08lX after %.1f ms", u8(name),
               (unsigned long)hr, el);
        if (svc) IDispatch_Release(svc);
    }
    m->elapsed = now_ms() - t0;
}

static void spread(void)
{
    const int n = SPREAD_THREADS, hosts = SPREAD_THREADS * HOSTS_PER_THREAD;
    for (int i = 0; i < hosts; i++) {
        WCHAR name[16];
        swprintf(name, 16, L"h%03d", i);
        add_server(name, L"ok", SPREAD_LAT);
    }
    team *t = team_new(n, locator_setup, connect_several);
    if (!t) return;
    team_go(t);
    BOOL done = team_wait(t, 20000);
    double wall = team_wall(t), ideal = HOSTS_PER_THREAD * SPREAD_LAT;
    if (ok(done, "hosts: %d MTA threads connect to %d servers of %d ms each", n, hosts, SPREAD_LAT)) {
        team_good(t, "hosts: every connect succeeded, none before its latency");
        /* one after the other: hosts * SPREAD_LAT = 6400 ms */
        if (!ok(wall < 2 * ideal, "hosts: the connects waited together (%d ms ideal, under %d ms)", (int)ideal,
                (int)(2 * ideal)))
            diag("they took %.1f ms", wall);
        diag("%d servers x %d ms on %d threads: %.1f ms (ideal %.0f)", hosts, SPREAD_LAT, n, wall, ideal);
        LONG most = ctl_long(L"PeakConnects");
        if (!ok(most > n / 2 && most <= n, "hosts: PeakConnects is at most the number of threads, and most of them"))
            diag("PeakConnects %ld with %d threads", (long)most, n);
    }
    team_end(t);
    check_long(ctl_long(L"Connections"), 0, "hosts: Connections is back to 0 once the threads released theirs");
}

static void connect_once(member *m)
{
    double t0 = now_ms();
    IDispatch *svc = m->obj ? connect_raw(m->obj, m->server, L"root\\cimv2", NULL, &m->hr, NULL) : NULL;
    m->elapsed = now_ms() - t0;
    if (svc) IDispatch_Release(svc);
}

static void name_setup(member *m)
{
    static const WCHAR *const names[] = { L"p0", L"p1", L"p2", L"p3", L"p4", L"p5", L"p6", L"p7", L"p8", L"p9" };
    locator_setup(m);
    m->server = names[m->i % 10];
}

static void peak(void)
{
    const int n = 10;
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    for (int i = 0; i < n; i++) {
        WCHAR name[8];
        swprintf(name, 8, L"p%d", i);
        add_server(name, L"ok", 100);
    }
    connects(loc, L"p0", NULL, S_OK, 100, "one connect before the team");
    check_long(ctl_long(L"PeakConnects"), 1, "hosts: PeakConnects is 1 after a connect alone");
    team *t = team_new(n, name_setup, connect_once);
    if (!t) return;
    team_go(t);
    if (ok(team_wait(t, 5000), "hosts: %d threads x one connect of 100 ms return", n)) {
        int good = 0;
        for (int i = 0; i < t->n; i++) good += t->m[i].hr == S_OK;
        check_long(good, n, "hosts: every one of them connected");
        check_long(ctl_long(L"PeakConnects"), n, "hosts: PeakConnects counts the %d at once", n);
        check_long(ctl_long(L"Connecting"), 0, "hosts: Connecting is 0 once they returned");
    }
    team_end(t);
    disp_call(g_ctl, L"Reset", NULL, 0);
    check_long(ctl_long(L"PeakConnects"), 0, "hosts: Reset sets PeakConnects back to 0");
}

static void connections(void)
{
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    add_server(L"c1", L"ok", 0);
    IDispatch *s1 = connect_raw(loc, L"c1", L"root\\cimv2", NULL, &hr, NULL);
    IDispatch *s2 = connect_raw(loc, L"c1", L"root\\default", NULL, &hr, NULL);
    IDispatch *s3 = connect_raw(loc, L".", L"root\\cimv2", NULL, &hr, NULL);
    check_long(ctl_long(L"Connections"), 3, "hosts: Connections counts the services objects of every server");
    IDispatch *obj = s1 ? disp_callo(s1, L"Get", &hr, 1, v_str(B1)) : NULL;
    ok(obj != NULL, "hosts: an object from c1");
    if (s1) IDispatch_Release(s1);
    check_long(ctl_long(L"Connections"), 2, "hosts: a released services object is not counted (its objects are not)");
    disp_callo(loc, L"ConnectServer", &hr, 1, v_str(L"nobody"));
    check_long(ctl_long(L"Connections"), 2, "hosts: a failed connect makes none");
    if (s2) IDispatch_Release(s2);
    if (s3) IDispatch_Release(s3);
    check_long(ctl_long(L"Connections"), 0, "hosts: Connections drops to 0 when all are released");
}

/* Control.Connecting reaching n, read every few ms */
static BOOL wait_connecting(LONG n, DWORD timeout_ms)
{
    double deadline = now_ms() + timeout_ms;
    for (;;) {
        LONG got = ctl_long(L"Connecting");
        if (got == n) return TRUE;
        if (now_ms() > deadline) {
            diag("Control.Connecting is %ld, waited for %ld", (long)got, (long)n);
            return FALSE;
        }
        pump_for(5);
    }
}

static void stuck_setup(member *m)
{
    locator_setup(m);
    m->server = m->t->n > 2 ? L"stuck" : L"stuck2";
}

static int all_cancelled(team *t)
{
    int n = 0;
    for (int i = 0; i < t->n; i++) n += t->m[i].hr == WBEM_E_CALL_CANCELLED_;
    return n;
}

static void hang(void)
{
    const int n = 4;
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    add_server(L"stuck", L"hang", 0);
    add_server(L"fine", L"ok", 20);
    team *t = team_new(n, stuck_setup, connect_once);
    if (!t) return;
    team_go(t);
    ok(wait_connecting(n, 3000), "hosts: %d connects to a \"hang\" server are in progress", n);
    ok(!team_wait(t, 150), "hosts: they do not return on their own");
    connects(loc, L"fine", NULL, S_OK, 20, "another server connects while they hang");
    check_hr(disp_call(g_ctl, L"Reset", NULL, 0), S_OK, "hosts: Reset() while connects hang");
    if (ok(team_wait(t, 3000), "hosts: Reset releases the hung connects")) {
        check_long(all_cancelled(t), n, "hosts: each ends with WBEM_E_CALL_CANCELLED");
        check_long(ctl_long(L"Connecting"), 0, "hosts: Connecting is 0 again");
    }
    team_end(t);

    add_server(L"stuck2", L"hang", 0);
    t = team_new(2, stuck_setup, connect_once);
    if (!t) return;
    team_go(t);
    ok(wait_connecting(2, 3000), "hosts: 2 connects hang on stuck2");
    check_hr(disp_call(g_ctl, L"RemoveServer", NULL, 1, v_str(L"stuck2")), S_OK, "hosts: RemoveServer(stuck2)");
    if (ok(team_wait(t, 3000), "hosts: RemoveServer releases the connects hung on it"))
        check_long(all_cancelled(t), 2, "hosts: with WBEM_E_CALL_CANCELLED");
    team_end(t);
}

/* ---- Security_ ---- */
static IDispatch *security_of(IDispatch *svc)
{
    HRESULT hr;
    return disp_geto(svc, L"Security_", &hr);
}

static LONG level(IDispatch *svc, const WCHAR *name)
{
    LONG v = -1;
    IDispatch *sec = security_of(svc);
    if (sec) disp_get_long(sec, name, &v);
    return v;
}

static void levels(void)
{
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    add_server(L"s1", L"ok", 0);
    IDispatch *svc = connect_kept(loc, L"s1", &hr);
    IDispatch *other = sim_connect(L"root\\cimv2", &hr);
    IDispatch *sec = svc ? security_of(svc) : NULL;
    if (!ok(sec != NULL, "security: a services object has Security_")) return;
    check_long(level(svc, L"ImpersonationLevel"), 3, "security: ImpersonationLevel is 3 (Impersonate) by default");
    check_long(level(svc, L"AuthenticationLevel"), 6, "security: AuthenticationLevel is 6 (PktPrivacy) by default");
    check_hr(disp_put(sec, L"ImpersonationLevel", v_i4(4)), S_OK, "security: ImpersonationLevel = 4 (Delegate)");
    check_hr(disp_put(sec, L"AuthenticationLevel", v_i4(5)), S_OK, "security: AuthenticationLevel = 5 (PktIntegrity)");
    check_long(level(svc, L"ImpersonationLevel"), 4, "security: another read of Security_ sees ImpersonationLevel 4");
    check_long(level(svc, L"AuthenticationLevel"), 5, "security: and AuthenticationLevel 5");
    check_long(level(other, L"AuthenticationLevel"), 6, "security: another connection keeps its own settings");
    check_hr(disp_put(sec, L"ImpersonationLevel", v_i4(5)), WBEM_E_INVALID_PARAMETER_,
             "security: ImpersonationLevel 5 is refused (WBEM_E_INVALID_PARAMETER)");
    check_hr(disp_put(sec, L"ImpersonationLevel", v_i4(0)), WBEM_E_INVALID_PARAMETER_,
             "security: ImpersonationLevel 0 is refused");
    check_hr(disp_put(sec, L"AuthenticationLevel", v_i4(7)), WBEM_E_INVALID_PARAMETER_,
             "security: AuthenticationLevel 7 is refused");
    check_hr(disp_put(sec, L"AuthenticationLevel", v_i4(-1)), WBEM_E_INVALID_PARAMETER_,
             "security: AuthenticationLevel -1 is refused");
    ok(level(svc, L"ImpersonationLevel") == 4 && level(svc, L"AuthenticationLevel") == 5,
       "security: a refused value leaves the setting as it was");
    check_hr(disp_put(sec, L"AuthenticationLevel", v_i4(0)), S_OK, "security: AuthenticationLevel 0 (Default) is taken");
    disp_put(sec, L"ImpersonationLevel", v_i4(1));
    check_long(level(svc, L"ImpersonationLevel"), 2, "security: Anonymous is silently upgraded to Identify");
}

static LONG privilege_count(IDispatch *set)
{
    LONG n = -1;
    disp_get_long(set, L"Count", &n);
    return n;
}

static BOOL privilege_is(IDispatch *set, LONG id, BOOL enabled)
{
    HRESULT hr;
    BOOL on = !enabled;
    IDispatch *p = disp_callo(set, L"Item", &hr, 1, v_i4(id));
    return p && SUCCEEDED(disp_get_bool(p, L"IsEnabled", &on)) && on == enabled;
}

static void privileges(void)
{
    HRESULT hr;
    BSTR name = NULL;
    LONG id = 0;
    BOOL on = FALSE;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *sec = svc ? security_of(svc) : NULL;
    IDispatch *set = sec ? disp_geto(sec, L"Privileges", &hr) : NULL;
    if (!ok(set != NULL, "security: Security_.Privileges is an SWbemPrivilegeSet")) return;
    check_long(privilege_count(set), 0, "security: the set is empty at first");
    IDispatch *p = disp_callo(set, L"AddAsString", &hr, 2, v_str(L"SeDebugPrivilege"), v_bool(TRUE));
    check_hr(hr, S_OK, "security: AddAsString(\"SeDebugPrivilege\", True)");
    if (p) {
        disp_get_long(p, L"Identifier", &id);
        disp_get_bstr(p, L"Name", &name);
        disp_get_bool(p, L"IsEnabled", &on);
    }
    ok(id == 19 && name && !wcscmp(name, L"SeDebugPrivilege") && on,
       "security: it returns the SWbemPrivilege: Identifier 19 (wbemPrivilegeDebug), its Name, IsEnabled");
    SysFreeString(name);
    name = NULL;
    VARIANT *display = vkeep();
    ok(p && SUCCEEDED(disp_get(p, L"DisplayName", display)) && V_VT(display) == VT_BSTR,
       "security: DisplayName reads");
    disp_callo(set, L"Add", &hr, 2, v_i4(18), v_bool(FALSE));
    check_hr(hr, S_OK, "security: Add(18 wbemPrivilegeShutdown, False)");
    disp_callo(set, L"Add", &hr, 1, v_i4(16));
    check_hr(hr, S_OK, "security: Add(16) without bIsEnabled");
    ok(privilege_is(set, 16, TRUE), "security: bIsEnabled is True when omitted");
    check_long(privilege_count(set), 3, "security: Count 3");
    disp_callo(set, L"Add", &hr, 2, v_i4(19), v_bool(FALSE));
    ok(privilege_count(set) == 3 && privilege_is(set, 19, FALSE),
       "security: Add of a privilege in the set replaces it (Count stays 3)");
    disp_callo(set, L"AddAsString", &hr, 2, v_str(L"seshutdownprivilege"), v_bool(TRUE));
    ok(hr == S_OK && privilege_count(set) == 3 && privilege_is(set, 18, TRUE),
       "security: AddAsString compares the string case-insensitively");
    IDispatch *items[4];
    int n = enum_objects(set, items, 4, &hr);
    LONG ids[3] = { 0, 0, 0 };
    for (int i = 0; i < n && i < 3; i++) disp_get_long(items[i], L"Identifier", &ids[i]);
    ok(n == 3 && ids[0] == 19 && ids[1] == 18 && ids[2] == 16, "security: _NewEnum gives them in the order added");
    if (p) disp_put(p, L"IsEnabled", v_bool(TRUE));
    ok(privilege_is(set, 19, TRUE), "security: SWbemPrivilege.IsEnabled writes the set's entry");
    IDispatch *set2 = disp_geto(security_of(svc), L"Privileges", &hr);
    check_long(set2 ? privilege_count(set2) : -1, 3, "security: another read of Security_.Privileges sees them");

    disp_callo(set, L"AddAsString", &hr, 1, v_str(L"SeNoSuchPrivilege"));
    check_hr(hr, WBEM_E_FAILED_, "security: AddAsString of an unknown string is wbemErrFailed");
    disp_callo(set, L"Add", &hr, 1, v_i4(28));
    check_hr(hr, WBEM_E_FAILED_, "security: Add(28), outside WbemPrivilegeEnum, is wbemErrFailed");
    disp_callo(set, L"Add", &hr, 1, v_i4(0));
    check_hr(hr, WBEM_E_FAILED_, "security: Add(0) is wbemErrFailed");
    disp_callo(set, L"Item", &hr, 1, v_i4(5));
    check_hr(hr, WBEM_E_NOT_FOUND_, "security: Item of a privilege not in the set is wbemErrNotFound");
    check_hr(disp_call(set, L"Remove", NULL, 1, v_i4(18)), S_OK, "security: Remove(18)");
    check_long(privilege_count(set), 2, "security: Count 2 after Remove");
    check_hr(disp_call(set, L"Remove", NULL, 1, v_i4(18)), WBEM_E_NOT_FOUND_,
             "security: Remove of a privilege not in the set is wbemErrNotFound");
    check_hr(disp_call(set, L"DeleteAll", NULL, 0), S_OK, "security: DeleteAll()");
    check_long(privilege_count(set), 0, "security: Count 0 after DeleteAll");
    on = FALSE;
    if (p) disp_get_bool(p, L"IsEnabled", &on);
    ok(on, "security: an SWbemPrivilege out of the set keeps its value");
    LONG live = ctl_live(g_ctl);
    ok(live > 0, "security: the SWbemSecurity, SWbemPrivilegeSet and SWbemPrivilege objects are in LiveObjects");
}

/* the settings are read and written from many threads at once */
static void security_call(member *m)
{
    IDispatch *sec = m->obj ? security_of(m->obj) : NULL;
    IDispatch *set = sec ? disp_geto(sec, L"Privileges", &m->hr) : NULL;
    for (int k = 0; set && k < 50; k++) {
        HRESULT hr;
        disp_put(sec, L"AuthenticationLevel", v_i4(k % 7));
        IDispatch *p = disp_callo(set, L"Add", &hr, 2, v_i4(1 + (m->i + k) % 27), v_bool(k & 1));
        expect(m, p != NULL, "Add: 0x%08lX", (unsigned long)hr);
        LONG n = privilege_count(set);
        expect(m, n >= 1 && n <= 27, "Count %ld", (long)n);
    }
    expect(m, set != NULL, "Security_.Privileges: 0x%08lX", (unsigned long)m->hr);
}

static void concurrent(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    if (!ok(svc != NULL, "security: a connection to share")) return;
    team *t = team_new(8, NULL, security_call);
    if (!t) return;
    for (int i = 0; i < t->n; i++) t->m[i].obj = svc;     /* borrowed: the one free-threaded services object */
    team_go(t);
    if (ok(team_wait(t, 10000), "security: 8 MTA threads use one connection's Security_ at once"))
        team_good(t, "security: every Add and Count held on every thread");
    IDispatch *set = disp_geto(security_of(svc), L"Privileges", &hr);
    check_long(set ? privilege_count(set) : -1, 27, "security: all 27 privileges ended up in the set once each");
    team_end(t);
}

const test_case suite_hosts[] = {
    { "hosts: AddServer and RemoveServer arguments", arguments },
    { "hosts: each behaviour of ConnectServer", behaviours },
    { "hosts: each server has its own repository", repositories },
    { "hosts: many threads connect to many servers together", spread },
    { "hosts: PeakConnects counts the connects in progress at once", peak },
    { "hosts: Connections counts the services objects alive", connections },
    { "hosts: a hung connect is released by Reset and RemoveServer", hang },
    { "security: Security_ ImpersonationLevel and AuthenticationLevel", levels },
    { "security: Security_.Privileges", privileges },
    { "security: one connection's Security_ from many threads", concurrent },
    { NULL, NULL },
};
