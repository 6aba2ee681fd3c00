/* WbemSim.Control (LatencyMs, Delivery, ProgressSteps, FailNext, Hang, LiveObjects,
 * LastContext, Reset) and SWbemLastError after a failing synchronous call
 * (SWbemLastError: "an SWbemObject that contains the extended error information of the
 * last call, of class __ExtendedStatus": Operation, ProviderName, Description,
 * StatusCode, ParameterInfo). */
#include "client.h"

static void reset(void)
{
    HRESULT hr;
    LONG latency = -1, steps = -1, latency2 = -2, steps2 = -2;
    BOOL hang = TRUE, hang2 = TRUE;
    BSTR delivery = NULL, delivery2 = NULL;
    disp_get_long(g_ctl, L"LatencyMs", &latency);
    disp_get_long(g_ctl, L"ProgressSteps", &steps);
    disp_get_bool(g_ctl, L"Hang", &hang);
    disp_get_bstr(g_ctl, L"Delivery", &delivery);
    ok(latency >= 0 && steps >= 0 && !hang && delivery, "control: LatencyMs, ProgressSteps, Hang, Delivery read back");
    diag("defaults: LatencyMs %ld, ProgressSteps %ld, Hang %d, Delivery \"%s\"", (long)latency,
         (long)steps, hang, u8(delivery));

    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Gone", NULL, "Name:string:key");
    ctl_set_long(g_ctl, L"LatencyMs", 123);
    ctl_set_long(g_ctl, L"ProgressSteps", 9);
    disp_put(g_ctl, L"Hang", v_bool(TRUE));
    ctl_set_str(g_ctl, L"Delivery", L"direct");
    LONG l = -1;
    disp_get_long(g_ctl, L"LatencyMs", &l);
    check_long(l, 123, "control: LatencyMs is settable");
    hr = disp_call(g_ctl, L"Reset", NULL, 0);
    check_hr(hr, S_OK, "control: Reset() succeeds");
    disp_get_long(g_ctl, L"LatencyMs", &latency2);
    disp_get_long(g_ctl, L"ProgressSteps", &steps2);
    disp_get_bool(g_ctl, L"Hang", &hang2);
    disp_get_bstr(g_ctl, L"Delivery", &delivery2);
    ok(latency2 == latency && steps2 == steps && hang2 == hang && delivery && delivery2
           && !wcscmp(delivery, delivery2),
       "control: Reset() restores LatencyMs, ProgressSteps, Hang and Delivery");
    SysFreeString(delivery);
    SysFreeString(delivery2);
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Gone"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "control: Reset() empties the repository");
    hr = ctl_set_str(g_ctl, L"Delivery", L"carrier-pigeon");
    ok(FAILED(hr), "control: Delivery refuses a mode other than \"marshal\" and \"direct\"");
}

static void fail_next(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key");
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    ctl_fail_next(g_ctl, WBEM_E_FAILED_, 2);
    check_hr(put_flags(inst, 0, NULL), WBEM_E_FAILED_, "failnext: the first of FailNext(hr, 2) fails Put_ with hr");
    check_hr(put_flags(inst, 0, NULL), WBEM_E_FAILED_, "failnext: the second fails too");
    check_hr(put_flags(inst, 0, NULL), S_OK, "failnext: the third succeeds");
    ctl_fail_next(g_ctl, (HRESULT)0x80041003 /* WBEM_E_ACCESS_DENIED */, 1);
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing"));
    check_hr(hr, (HRESULT)0x80041003, "failnext: an injected failure applies to Get as well");
}

static void last_error(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key");
    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    hr = put_flags(inst, wbemChangeFlagCreateOnly, NULL);
    check_hr(hr, WBEM_E_ALREADY_EXISTS_, "lasterror: a failing Put_ (CreateOnly on an existing instance)");
    IDispatch *err = keep(sim_create(L"WbemSim.SWbemLastError", &hr));
    check_hr(hr, S_OK, "lasterror: WbemSim.SWbemLastError can be created after the failure");
    LONG status = 0;
    BSTR op = NULL, prov = NULL;
    VARIANT *desc = vkeep(), *pinfo = vkeep();
    disp_get_long(err, L"StatusCode", &status);
    check_hr(status, WBEM_E_ALREADY_EXISTS_, "lasterror: SWbemLastError.StatusCode is the failure's HRESULT");
    disp_get_bstr(err, L"Operation", &op);
    ok(op && op[0], "lasterror: SWbemLastError.Operation names the operation");
    disp_get_bstr(err, L"ProviderName", &prov);
    ok(prov && prov[0], "lasterror: SWbemLastError.ProviderName is set");
    diag("Operation \"%s\", ProviderName \"%s\"", u8(op), u8(prov));
    SysFreeString(op);
    SysFreeString(prov);
    hr = disp_get(err, L"Description", desc);
    ok(SUCCEEDED(hr) && (V_VT(desc) == VT_BSTR || V_VT(desc) == VT_NULL), "lasterror: SWbemLastError.Description reads");
    hr = disp_get(err, L"ParameterInfo", pinfo);
    ok(SUCCEEDED(hr) && (V_VT(pinfo) == VT_BSTR || V_VT(pinfo) == VT_NULL), "lasterror: SWbemLastError.ParameterInfo reads");

    hr = disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Thing.Name=\"zz\""));
    IDispatch *err2 = keep(sim_create(L"WbemSim.SWbemLastError", &hr));
    status = 0;
    disp_get_long(err2, L"StatusCode", &status);
    check_hr(status, WBEM_E_NOT_FOUND_, "lasterror: a later failure replaces the last error (Delete: WBEM_E_NOT_FOUND)");
}

static void last_context(void)
{
    HRESULT hr;
    BSTR text = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key");
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    IDispatch *ctx = nvs_new(&hr, 2, L"Zeta", v_str(L"z"), L"Alpha", v_i4(1));
    hr = disp_call(inst, L"Put_", NULL, 2, v_i4(0), v_disp(ctx));
    check_hr(hr, S_OK, "context: Put_(flags, objWbemNamedValueSet) succeeds");
    disp_get_bstr(g_ctl, L"LastContext", &text);
    check_wstr(text, L"Alpha=1;Zeta=z", "context: Control.LastContext shows the named values, sorted by name");
    SysFreeString(text);

    simsink *s = simsink_keep(NULL, &hr);
    IDispatch *ctx2 = nvs_new(&hr, 1, L"Mode", v_str(L"async"));
    put_async(inst, s, 0, ctx2, NULL);
    wait_done(s, WAIT_MS);
    text = NULL;
    disp_get_bstr(g_ctl, L"LastContext", &text);
    check_wstr(text, L"Mode=async", "context: the objWbemNamedValueSet of PutAsync_ reaches the operation");
    SysFreeString(text);

    disp_callo(svc, L"Get", &hr, 3, v_str(L"SimT_Thing.Name=\"a\""), v_i4(0), v_disp(ctx));
    text = NULL;
    disp_get_bstr(g_ctl, L"LastContext", &text);
    check_wstr(text, L"Alpha=1;Zeta=z", "context: the context of Get reaches the operation too");
    SysFreeString(text);
    put_flags(inst, 0, NULL);
    text = NULL;
    disp_get_bstr(g_ctl, L"LastContext", &text);
    check_wstr(text, L"", "context: an operation without a context leaves LastContext empty");
    SysFreeString(text);
}

static void live_objects(void)
{
    HRESULT hr;
    LONG base = ctl_live(g_ctl);
    check_long(base, 0, "live: LiveObjects is zero after Reset with nothing held");
    IDispatch *loc = sim_create(L"WbemSim.SWbemLocator", &hr);
    LONG with = ctl_live(g_ctl);
    ok(with > base, "live: a held SWbemLocator is counted in LiveObjects");
    IDispatch *ctl2 = sim_create(L"WbemSim.Control", &hr);
    check_long(ctl_live(g_ctl), with, "live: Control objects are not counted");
    if (ctl2) IDispatch_Release(ctl2);
    if (loc) IDispatch_Release(loc);
    check_long(ctl_live(g_ctl), base, "live: releasing the locator brings LiveObjects back");
}

const test_case suite_control[] = {
    { "control: Reset restores the settings and empties the repository", reset },
    { "failnext: FailNext on synchronous calls", fail_next },
    { "lasterror: SWbemLastError after a failing synchronous call", last_error },
    { "context: the named value set reaches the operation (LastContext)", last_context },
    { "live: LiveObjects counts the simulator's live objects", live_objects },
    { NULL, NULL },
};
