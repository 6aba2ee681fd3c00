/* Reading and deleting: SWbemServices.InstancesOf (deep by default: wbemQueryFlagDeep
 * is 0, so instances of subclasses are included), ExecQuery of
 * SELECT * FROM C [WHERE K = 'v'], Delete, SWbemObject.Delete_, and
 * IWbemServices::DeleteClass: "Any classes that derive from the deleted class are also
 * deleted ... All outstanding static instances of the specified class and its
 * subclasses are also deleted". */
#include "client.h"
#include <string.h>

static IDispatch *setup(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Base", NULL, "Name:string:key,Size:uint32");
    make_class(svc, L"SimT_Kid", L"SimT_Base", "Extra:string");
    make_instance(svc, L"SimT_Base", L"Name", L"a");
    make_instance(svc, L"SimT_Base", L"Name", L"b");
    make_instance(svc, L"SimT_Kid", L"Name", L"k");
    return svc;
}

static int names_are(IDispatch **items, int n, const WCHAR *const *want, int nwant)
{
    int found = 0;
    if (n != nwant) return 0;
    for (int w = 0; w < nwant; w++)
        for (int i = 0; i < n; i++) {
            BSTR s = NULL;
            disp_get_bstr(items[i], L"Name", &s);
            if (s && !wcscmp(s, want[w])) { found++; SysFreeString(s); break; }
            SysFreeString(s);
        }
    return found == nwant;
}

static void instances_of(void)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *items[8];
    IDispatch *svc = setup();
    IDispatch *set = disp_callo(svc, L"InstancesOf", &hr, 1, v_str(L"SimT_Base"));
    check_hr(hr, S_OK, "instancesof: InstancesOf(class) returns an SWbemObjectSet");
    disp_get_long(set, L"Count", &n);
    check_long(n, 3, "instancesof: the set holds the class's instances and its subclasses'");
    static const WCHAR *const all[] = { L"a", L"b", L"k" };
    int got = enum_objects(set, items, 8, &hr);
    ok(SUCCEEDED(hr) && names_are(items, got, all, 3), "instancesof: _NewEnum yields each instance once");
    if (FAILED(hr) || got != 3) diag("_NewEnum: %s, %d objects", hr_name(hr), got);
    instance_count(svc, L"SimT_Kid", &n);
    check_long(n, 1, "instancesof: InstancesOf(subclass) holds only the subclass's instances");
    set = disp_callo(svc, L"InstancesOf", &hr, 2, v_str(L"SimT_NoSuch"), v_i4(0));
    if (SUCCEEDED(hr)) hr = disp_get_long(set, L"Count", &n);
    check_hr(hr, WBEM_E_INVALID_CLASS_, "instancesof: InstancesOf of an unknown class gives WBEM_E_INVALID_CLASS");
}

static void exec_query(void)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *items[8];
    IDispatch *svc = setup();
    IDispatch *set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(L"SELECT * FROM SimT_Kid"));
    check_hr(hr, S_OK, "query: ExecQuery(\"SELECT * FROM C\") returns an SWbemObjectSet");
    disp_get_long(set, L"Count", &n);
    check_long(n, 1, "query: SELECT * FROM C returns the instances of C");
    set = disp_callo(svc, L"ExecQuery", &hr, 2, v_str(L"SELECT * FROM SimT_Base"), v_str(L"WQL"));
    n = -1;
    disp_get_long(set, L"Count", &n);
    check_long(n, 3, "query: SELECT * FROM a base class includes its subclasses' instances");

    set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(L"SELECT * FROM SimT_Base WHERE Name = 'b'"));
    static const WCHAR *const just_b[] = { L"b" };
    int got = enum_objects(set, items, 8, &hr);
    ok(SUCCEEDED(hr) && names_are(items, got, just_b, 1),
       "query: SELECT * FROM C WHERE K = 'v' returns exactly the matching instance");
    if (FAILED(hr) || got != 1) diag("%s, %d objects", hr_name(hr), got);
    set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(L"select * from SimT_Base where Name='k'"));
    static const WCHAR *const just_k[] = { L"k" };
    got = enum_objects(set, items, 8, &hr);
    ok(SUCCEEDED(hr) && names_are(items, got, just_k, 1),
       "query: WQL keywords are case-insensitive and the WHERE matches subclass instances");
    set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(L"SELECT * FROM SimT_Base WHERE Name = 'zzz'"));
    n = -1;
    disp_get_long(set, L"Count", &n);
    check_long(n, 0, "query: a WHERE that matches nothing returns an empty set");

    set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(L"SELECT * FROM SimT_Base WHERE Name <> 'b'"));
    static const WCHAR *const not_b[] = { L"a", L"k" };
    got = enum_objects(set, items, 8, &hr);
    ok(SUCCEEDED(hr) && names_are(items, got, not_b, 2), "query: WHERE K <> 'v' returns the others");
    set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(L"SELECT * FROM SimT_Base WHERE Name != 'a'"));
    static const WCHAR *const not_a[] = { L"b", L"k" };
    got = enum_objects(set, items, 8, &hr);
    ok(SUCCEEDED(hr) && names_are(items, got, not_a, 2), "query: WHERE K != 'v' returns the others");

    /* with iFlags 0 (wbemFlagReturnWhenComplete) the call is synchronous and the
     * error comes from ExecQuery itself; a semisynchronous implementation may report
     * it when the set is first used, so both places are looked at */
    set = disp_callo(svc, L"ExecQuery", &hr, 3, v_str(L"SELEKT * FRUM SimT_Base"), v_str(L"WQL"), v_i4(0));
    if (SUCCEEDED(hr)) hr = disp_get_long(set, L"Count", &n);
    check_hr(hr, WBEM_E_INVALID_QUERY_, "query: a query that does not parse gives WBEM_E_INVALID_QUERY");
    set = disp_callo(svc, L"ExecQuery", &hr, 3, v_str(L"SELECT * FROM SimT_Base"), v_str(L"SQL"), v_i4(0));
    if (SUCCEEDED(hr)) hr = disp_get_long(set, L"Count", &n);
    check_hr(hr, WBEM_E_INVALID_QUERY_TYPE_, "query: a query language other than WQL gives WBEM_E_INVALID_QUERY_TYPE");
    set = disp_callo(svc, L"ExecQuery", &hr, 3, v_str(L"SELECT * FROM SimT_NoSuch"), v_str(L"WQL"), v_i4(0));
    if (SUCCEEDED(hr)) hr = disp_get_long(set, L"Count", &n);
    check_hr(hr, WBEM_E_INVALID_CLASS_, "query: a query of an unknown class gives WBEM_E_INVALID_CLASS");
}

static void delete_instance(void)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *svc = setup();
    hr = disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Base.Name=\"a\""));
    check_hr(hr, S_OK, "delete: Delete(path) of an instance succeeds");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Base.Name=\"a\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "delete: the deleted instance is gone");
    instance_count(svc, L"SimT_Base", &n);
    check_long(n, 2, "delete: only that instance is gone");
    hr = disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Base.Name=\"a\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "delete: Delete of a missing instance gives WBEM_E_NOT_FOUND");

    IDispatch *b = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Base.Name=\"b\""));
    hr = disp_call(b, L"Delete_", NULL, 0);
    check_hr(hr, S_OK, "delete: Delete_ deletes the object it is called on");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Base.Name=\"b\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "delete: the object deleted by Delete_ is gone");
    hr = disp_call(b, L"Delete_", NULL, 0);
    check_hr(hr, WBEM_E_NOT_FOUND_, "delete: Delete_ of an object already deleted gives WBEM_E_NOT_FOUND");
}

static void delete_class(void)
{
    HRESULT hr;
    IDispatch *svc = setup();
    hr = disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Base"));
    check_hr(hr, S_OK, "delete: Delete(class) succeeds on a class with instances and subclasses");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Base"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "delete: the deleted class is gone");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Kid"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "delete: deleting a class deletes its subclasses");
    make_class(svc, L"SimT_Base", NULL, "Name:string:key,Size:uint32");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Base.Name=\"a\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "delete: deleting a class deleted its instances (not back with the class)");
}

const test_case suite_query[] = {
    { "instancesof: InstancesOf", instances_of },
    { "query: ExecQuery", exec_query },
    { "delete: Delete and Delete_ of instances", delete_instance },
    { "delete: Delete of a class", delete_class },
    { NULL, NULL },
};
