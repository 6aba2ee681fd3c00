/* The other asynchronous calls that take a sink, with the names of wbemdisp's type
 * library: SWbemServices.GetAsync, InstancesOfAsync, ExecQueryAsync, DeleteAsync
 * (objWbemSink first, then the synchronous form's arguments, then
 * objWbemAsyncContext) and SWbemObject.DeleteAsync_. Objects come through
 * OnObjectReady(objWbemObject, objWbemAsyncContext); every call ends with OnCompleted. */
#include "client.h"
#include <string.h>

static IDispatch *setup(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key,Size:uint32");
    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    make_instance(svc, L"SimT_Thing", L"Name", L"b");
    make_instance(svc, L"SimT_Thing", L"Name", L"c");
    return svc;
}

/* the Name of each OnObjectReady object, in order, joined by commas */
static void ready_names(receiver *r, WCHAR *out, int len)
{
    out[0] = 0;
    for (int i = 0; r; i++) {
        const event_rec *e = find_event(r, EV_OBJECT_READY, i);
        if (!e) break;
        IDispatch *o = e->argc >= 1 ? var_to_disp((VARIANT *)&e->args[0]) : NULL;
        BSTR name = NULL;
        disp_get_bstr(o, L"Name", &name);
        if (i) wcsncat(out, L",", len - wcslen(out) - 1);
        wcsncat(out, name ? name : L"?", len - wcslen(out) - 1);
        SysFreeString(name);
        if (o) IDispatch_Release(o);
    }
}

static int completed_last(receiver *r)
{
    int n = receiver_count(r);
    return n > 0 && receiver_event(r, n - 1)->id == EV_COMPLETED && receiver_count_id(r, EV_COMPLETED) == 1;
}

static void get_async(void)
{
    HRESULT hr;
    WCHAR names[256];
    IDispatch *svc = setup();
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(1));
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"GetAsync", NULL, 5, v_disp(s ? s->sink : NULL), v_str(L"SimT_Thing.Name=\"b\""),
                   v_i4(0), v_missing(), v_disp(actx));
    check_hr(hr, S_OK, "getasync: GetAsync(sink, path) returns at once without error");
    check_completed(s, S_OK, "getasync: GetAsync completes with OnCompleted(0)");
    ready_names(s ? s->rcv : NULL, names, 256);
    check_wstr(names, L"b", "getasync: OnObjectReady delivers the object at the path");
    const event_rec *e = s ? find_event(s->rcv, EV_OBJECT_READY, 0) : NULL;
    ok(e && e->argc == 2 && same_object((IUnknown *)actx, &e->args[1]),
       "getasync: OnObjectReady's objWbemAsyncContext is the object passed to GetAsync");
    ok(s && completed_last(s->rcv), "getasync: OnCompleted comes last, once");

    simsink *m = simsink_keep(NULL, &hr);
    disp_call(svc, L"GetAsync", NULL, 2, v_disp(m ? m->sink : NULL), v_str(L"SimT_Thing.Name=\"zz\""));
    check_completed(m, WBEM_E_NOT_FOUND_, "getasync: GetAsync of a missing instance completes with WBEM_E_NOT_FOUND");
    check_long(m ? receiver_count_id(m->rcv, EV_OBJECT_READY) : -1, 0,
               "getasync: nothing is delivered for a missing instance");
}

static void instances_of_async(void)
{
    HRESULT hr;
    WCHAR names[256];
    IDispatch *svc = setup();
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"InstancesOfAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(L"SimT_Thing"));
    check_hr(hr, S_OK, "instancesofasync: InstancesOfAsync(sink, class) returns at once without error");
    check_completed(s, S_OK, "instancesofasync: InstancesOfAsync completes with OnCompleted(0)");
    ready_names(s ? s->rcv : NULL, names, 256);
    ok(wcslen(names) == 5 && wcschr(names, L'a') && wcschr(names, L'b') && wcschr(names, L'c'),
       "instancesofasync: one OnObjectReady per instance");
    if (wcslen(names) != 5) diag("objects: \"%s\"", u8(names));
    ok(s && completed_last(s->rcv), "instancesofasync: OnCompleted comes after the objects, once");

    simsink *m = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"InstancesOfAsync", NULL, 2, v_disp(m ? m->sink : NULL), v_str(L"SimT_NoSuch"));
    if (SUCCEEDED(hr))
        check_completed(m, WBEM_E_INVALID_CLASS_,
                        "instancesofasync: an unknown class completes with WBEM_E_INVALID_CLASS");
    else
        check_hr(hr, WBEM_E_INVALID_CLASS_, "instancesofasync: an unknown class completes with WBEM_E_INVALID_CLASS");
}

static void exec_query_async(void)
{
    HRESULT hr;
    WCHAR names[256];
    IDispatch *svc = setup();
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"ExecQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL),
                   v_str(L"SELECT * FROM SimT_Thing WHERE Name = 'c'"));
    check_hr(hr, S_OK, "queryasync: ExecQueryAsync(sink, query) returns at once without error");
    check_completed(s, S_OK, "queryasync: ExecQueryAsync completes with OnCompleted(0)");
    ready_names(s ? s->rcv : NULL, names, 256);
    check_wstr(names, L"c", "queryasync: OnObjectReady delivers exactly the matching instance");
    ok(s && completed_last(s->rcv), "queryasync: OnCompleted comes after the objects, once");

    simsink *all = simsink_keep(NULL, &hr);
    disp_call(svc, L"ExecQueryAsync", NULL, 3, v_disp(all ? all->sink : NULL),
              v_str(L"SELECT * FROM SimT_Thing"), v_str(L"WQL"));
    check_completed(all, S_OK, "queryasync: SELECT * FROM C completes with OnCompleted(0)");
    check_long(all ? receiver_count_id(all->rcv, EV_OBJECT_READY) : -1, 3,
               "queryasync: SELECT * FROM C delivers every instance");

    simsink *bad = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"ExecQueryAsync", NULL, 2, v_disp(bad ? bad->sink : NULL), v_str(L"SELEKT nothing"));
    if (SUCCEEDED(hr))
        check_completed(bad, WBEM_E_INVALID_QUERY_, "queryasync: a query that does not parse gives WBEM_E_INVALID_QUERY");
    else
        check_hr(hr, WBEM_E_INVALID_QUERY_, "queryasync: a query that does not parse gives WBEM_E_INVALID_QUERY");
}

static void delete_async(void)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *svc = setup();
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"DeleteAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(L"SimT_Thing.Name=\"a\""));
    check_hr(hr, S_OK, "deleteasync: DeleteAsync(sink, path) returns at once without error");
    check_completed(s, S_OK, "deleteasync: DeleteAsync completes with OnCompleted(0)");
    check_long(s ? receiver_count(s->rcv) : -1, 1, "deleteasync: a delete sends OnCompleted only");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing.Name=\"a\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "deleteasync: the instance is gone after OnCompleted");

    simsink *m = simsink_keep(NULL, &hr);
    disp_call(svc, L"DeleteAsync", NULL, 2, v_disp(m ? m->sink : NULL), v_str(L"SimT_Thing.Name=\"a\""));
    check_completed(m, WBEM_E_NOT_FOUND_, "deleteasync: DeleteAsync of a missing instance completes with WBEM_E_NOT_FOUND");

    IDispatch *b = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing.Name=\"b\""));
    simsink *o = simsink_keep(NULL, &hr);
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(3));
    hr = disp_call(b, L"DeleteAsync_", NULL, 4, v_disp(o ? o->sink : NULL), v_i4(0), v_missing(), v_disp(actx));
    check_hr(hr, S_OK, "deleteasync: SWbemObject.DeleteAsync_(sink) returns at once without error");
    check_completed(o, S_OK, "deleteasync: DeleteAsync_ completes with OnCompleted(0)");
    const event_rec *e = o ? find_event(o->rcv, EV_COMPLETED, 0) : NULL;
    ok(e && e->argc == 3 && same_object((IUnknown *)actx, &e->args[2]),
       "deleteasync: DeleteAsync_'s OnCompleted carries its async context");
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 1, "deleteasync: DeleteAsync_ deleted the object it was called on");
}

/* Control.FailNext(hresult, count): the next count operations fail with hresult. */
static void fail_next_async(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(L"f"));
    hr = ctl_fail_next(g_ctl, WBEM_E_FAILED_, 1);
    check_hr(hr, S_OK, "failnext: Control.FailNext(hresult, count) is accepted");
    simsink *s = simsink_keep(NULL, &hr);
    put_async(inst, s, 0, NULL, NULL);
    check_completed(s, WBEM_E_FAILED_, "failnext: an injected failure completes PutAsync_ with that HRESULT");
    const event_rec *e = s ? find_event(s->rcv, EV_COMPLETED, 0) : NULL;
    IDispatch *err = e && e->argc >= 2 ? var_to_disp((VARIANT *)&e->args[1]) : NULL;
    LONG status = 0;
    disp_get_long(err, L"StatusCode", &status);
    check_hr(status, WBEM_E_FAILED_, "failnext: the injected failure's error object has it as StatusCode");
    if (err) IDispatch_Release(err);
    simsink *t = simsink_keep(NULL, &hr);
    put_async(inst, t, 0, NULL, NULL);
    check_completed(t, S_OK, "failnext: after count failures, operations succeed again");
}

const test_case suite_asyncops[] = {
    { "getasync: GetAsync", get_async },
    { "instancesofasync: InstancesOfAsync", instances_of_async },
    { "queryasync: ExecQueryAsync", exec_query_async },
    { "deleteasync: DeleteAsync and DeleteAsync_", delete_async },
    { "failnext: FailNext on asynchronous calls", fail_next_async },
    { NULL, NULL },
};
