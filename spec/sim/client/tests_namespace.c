/* Namespaces: root, root\cimv2 and root\default exist; any other is
 * WBEM_E_INVALID_NAMESPACE (SWbemLocator.ConnectServer's error list). The
 * repository lives for the process and is shared by every connection. */
#include "client.h"

static void connect_known(void)
{
    static const WCHAR *known[] = { L"root", L"root\\cimv2", L"root\\default" };
    for (int i = 0; i < 3; i++) {
        HRESULT hr;
        IDispatch *svc = sim_connect(known[i], &hr);
        check_hr(hr, S_OK, "namespace: ConnectServer(\".\", \"%s\") succeeds", u8(known[i]));
        ok(svc != NULL, "namespace: ConnectServer to %s returns an SWbemServices object", u8(known[i]));
    }
}

static void connect_unknown(void)
{
    static const WCHAR *bad[] = { L"root\\nosuch", L"nosuch", L"root\\cimv2\\deeper" };
    for (int i = 0; i < 3; i++) {
        HRESULT hr;
        IDispatch *svc = sim_connect(bad[i], &hr);
        check_hr(hr, WBEM_E_INVALID_NAMESPACE_,
                 "namespace: ConnectServer to \"%s\" gives WBEM_E_INVALID_NAMESPACE", u8(bad[i]));
        ok(svc == NULL, "namespace: no services object for \"%s\"", u8(bad[i]));
    }
}

static void shared_repository(void)
{
    HRESULT hr;
    IDispatch *a = sim_connect(L"root\\default", &hr);
    IDispatch *b = sim_connect(L"root\\default", &hr);   /* another locator, another connection */
    make_class(a, L"SimT_Shared", NULL, "Name:string:key");
    make_instance(a, L"SimT_Shared", L"Name", L"one");
    IDispatch *got = disp_callo(b, L"Get", &hr, 1, v_str(L"SimT_Shared.Name=\"one\""));
    check_hr(hr, S_OK, "namespace: an instance put through one connection is visible through another");
    (void)got;
}

static void separate_namespaces(void)
{
    HRESULT hr;
    IDispatch *def = sim_connect(L"root\\default", &hr);
    IDispatch *cim = sim_connect(L"root\\cimv2", &hr);
    make_class(def, L"SimT_OnlyInDefault", NULL, "Name:string:key");
    disp_callo(cim, L"Get", &hr, 1, v_str(L"SimT_OnlyInDefault"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "namespace: a class of root\\default is not found in root\\cimv2");
    disp_callo(def, L"Get", &hr, 1, v_str(L"SimT_OnlyInDefault"));
    check_hr(hr, S_OK, "namespace: the class is found in its own namespace");
}

const test_case suite_namespace[] = {
    { "namespace: root, root\\cimv2, root\\default connect", connect_known },
    { "namespace: any other namespace gives WBEM_E_INVALID_NAMESPACE", connect_unknown },
    { "namespace: the repository is shared by every connection", shared_repository },
    { "namespace: namespaces are separate", separate_namespaces },
    { NULL, NULL },
};
