/* Provider methods (issue 10): the class Win32_Process with Create (static), Terminate and
 * GetOwner; SWbemObject.Methods_ (SWbemMethodSet, SWbemMethod); ExecMethod_ and
 * ExecMethodAsync_ of an object, ExecMethod and ExecMethodAsync of a connection; and the
 * direct calls through IDispatch (proc.Terminate(0), cls.Create(cmd, Null, Null, pid)).
 * Every check goes through IDispatch by name, as a script does. */
#include "client.h"
#include <stdio.h>
#include <string.h>

#define WBEM_E_INVALID_METHOD_            E_WBEM(0x8004102E)
#define WBEM_E_INVALID_METHOD_PARAMETERS_ E_WBEM(0x8004102F)

static IDispatch *proc_class(IDispatch *svc)
{
    HRESULT hr;
    return disp_callo(svc, L"Get", &hr, 1, v_str(L"Win32_Process"));
}

/* Methods_.Item(name) */
static IDispatch *method_item(IDispatch *obj, const WCHAR *name, HRESULT *hr)
{
    IDispatch *set = disp_geto(obj, L"Methods_", hr);
    return set ? disp_callo(set, L"Item", hr, 1, v_str(name)) : NULL;
}

/* Methods_.Item(name).InParameters.SpawnInstance_() */
static IDispatch *in_params(IDispatch *cls, const WCHAR *method)
{
    HRESULT hr;
    IDispatch *m = method_item(cls, method, &hr);
    IDispatch *in = m ? disp_geto(m, L"InParameters", &hr) : NULL;
    return in ? disp_callo(in, L"SpawnInstance_", &hr, 0) : NULL;
}

static HRESULT qualifier_value(IDispatch *obj, const WCHAR *prop, const WCHAR *name, VARIANT *out)
{
    HRESULT hr;
    IDispatch *holder = obj, *q;
    VariantInit(out);
    if (prop && FAILED(hr = prop_item(obj, prop, &holder))) return hr;
    IDispatch *set = disp_geto(holder, L"Qualifiers_", &hr);
    q = set ? disp_callo(set, L"Item", &hr, 1, v_str(name)) : NULL;
    return q ? disp_get(q, L"Value", out) : hr;
}

static LONG qual_long(IDispatch *obj, const WCHAR *prop, const WCHAR *name)
{
    VARIANT v;
    LONG r = -1;
    if (SUCCEEDED(qualifier_value(obj, prop, name, &v)) && SUCCEEDED(VariantChangeType(&v, &v, 0, VT_I4))) r = V_I4(&v);
    VariantClear(&v);
    return r;
}

static BOOL qual_true(IDispatch *obj, const WCHAR *prop, const WCHAR *name)
{
    VARIANT v;
    BOOL r = SUCCEEDED(qualifier_value(obj, prop, name, &v)) && V_VT(&v) == VT_BOOL && V_BOOL(&v);
    VariantClear(&v);
    return r;
}

static BOOL str_is(IDispatch *obj, const WCHAR *name, const WCHAR *want)
{
    BSTR s = NULL;
    BOOL r = SUCCEEDED(disp_get_bstr(obj, name, &s)) && s && !_wcsicmp(s, want);
    if (!r) diag("%s is \"%s\", expected \"%s\"", u8(name), s ? u8(s) : "(not a string)", u8(want));
    SysFreeString(s);
    return r;
}

static IDispatch *get_pid(IDispatch *svc, LONG pid, HRESULT *hr)
{
    WCHAR path[64];
    swprintf(path, 64, L"Win32_Process.Handle=\"%ld\"", (long)pid);
    return disp_callo(svc, L"Get", hr, 1, v_str(path));
}

/* cls.ExecMethod_("Create", in(CommandLine = cmd)): ReturnValue, and the pid */
static HRESULT create(IDispatch *cls, const WCHAR *cmd, LONG *rv, LONG *pid)
{
    HRESULT hr;
    IDispatch *in = in_params(cls, L"Create");
    *rv = *pid = -1;
    if (cmd) disp_put(in, L"CommandLine", v_str(cmd));
    IDispatch *out = disp_callo(cls, L"ExecMethod_", &hr, 2, v_str(L"Create"), v_disp(in));
    if (out) {
        disp_get_long(out, L"ReturnValue", rv);
        disp_get_long(out, L"ProcessId", pid);
    }
    return hr;
}

/* ---- the class ---- */

static void schema(void)
{
    HRESULT hr;
    LONG n = 0;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    ok(cls != NULL, "methods: Get(\"Win32_Process\") gives the class");
    ok(qual_true(cls, NULL, L"dynamic"), "methods: Win32_Process has the qualifier dynamic");
    VARIANT v;
    qualifier_value(cls, NULL, L"provider", &v);
    ok(V_VT(&v) == VT_BSTR && !wcscmp(V_BSTR(&v), L"CIMWin32"), "methods: Win32_Process's provider is \"CIMWin32\"");
    VariantClear(&v);
    ok(qual_true(cls, L"Handle", L"key"), "methods: Handle is the key of Win32_Process");
    hr = instance_count(svc, L"Win32_Process", &n);
    ok(SUCCEEDED(hr) && n == 8, "methods: eight processes are seeded (got %ld)", (long)n);
    IDispatch *sys = get_pid(svc, 4, &hr);
    ok(sys && str_is(sys, L"Name", L"System") && str_is(sys, L"Caption", L"System"),
       "methods: Win32_Process.Handle=\"4\" is System");
    LONG pid = -1, parent = -1;
    disp_get_long(sys, L"ProcessId", &pid);
    disp_get_long(sys, L"ParentProcessId", &parent);
    ok(pid == 4 && parent == 0, "methods: System's ProcessId 4, ParentProcessId 0");
    IDispatch *idle = get_pid(svc, 0, &hr);
    ok(idle && str_is(idle, L"Name", L"System Idle Process"), "methods: Handle \"0\" is the System Idle Process");
}

/* ---- Methods_ ---- */

static void method_set(void)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    IDispatch *set = disp_geto(cls, L"Methods_", &hr);
    disp_get_long(set, L"Count", &n);
    check_long(n, 3, "methods: Win32_Process.Methods_.Count is 3 (Create, Terminate, GetOwner)");
    IDispatch *objs[8];
    int got = enum_objects(set, objs, 8, &hr);
    ok(got == 3, "methods: Methods_'s _NewEnum gives the three methods");
    BSTR name = NULL;
    if (got > 0) disp_get_bstr(objs[0], L"Name", &name);
    ok(name && !wcscmp(name, L"Create"), "methods: in declaration order, Create first");
    SysFreeString(name);

    IDispatch *create_m = method_item(cls, L"Create", &hr);
    ok(create_m && str_is(create_m, L"Name", L"Create") && str_is(create_m, L"Origin", L"Win32_Process"),
       "methods: Methods_.Item(\"Create\"): Name and Origin");
    IDispatch *cq = disp_geto(create_m, L"Qualifiers_", &hr);
    IDispatch *st = cq ? disp_callo(cq, L"Item", &hr, 1, v_str(L"Static")) : NULL;
    BOOL b = FALSE;
    disp_get_bool(st, L"Value", &b);
    ok(b, "methods: Create has the qualifier Static");
    IDispatch *impl = cq ? disp_callo(cq, L"Item", &hr, 1, v_str(L"Implemented")) : NULL;
    ok(impl != NULL, "methods: Create has the qualifier Implemented");
    IDispatch *in = disp_geto(create_m, L"InParameters", &hr);
    IDispatch *path = in ? disp_geto(in, L"Path_", &hr) : NULL;
    ok(path && str_is(path, L"Class", L"__PARAMETERS"), "methods: Create's InParameters is a class __PARAMETERS");
    ok(qual_long(in, L"CommandLine", L"ID") == 0 && qual_long(in, L"CurrentDirectory", L"ID") == 1 &&
       qual_long(in, L"ProcessStartupInformation", L"ID") == 2 && qual_true(in, L"CommandLine", L"In"),
       "methods: Create's in-parameters CommandLine, CurrentDirectory, ProcessStartupInformation: In, ID 0, 1, 2");
    VARIANT ct;
    qualifier_value(in, L"ProcessStartupInformation", L"CIMTYPE", &ct);
    ok(V_VT(&ct) == VT_BSTR && !wcscmp(V_BSTR(&ct), L"object:Win32_ProcessStartup"),
       "methods: ProcessStartupInformation is an object:Win32_ProcessStartup");
    VariantClear(&ct);
    IDispatch *outp = disp_geto(create_m, L"OutParameters", &hr);
    IDispatch *rvp = NULL;
    ok(outp && SUCCEEDED(prop_item(outp, L"ReturnValue", &rvp)) && qual_long(outp, L"ProcessId", L"ID") == 3 &&
       qual_true(outp, L"ProcessId", L"Out"),
       "methods: Create's OutParameters: ReturnValue, ProcessId (Out, ID 3)");

    IDispatch *term = method_item(cls, L"Terminate", &hr);
    IDispatch *tq = term ? disp_geto(term, L"Qualifiers_", &hr) : NULL;
    IDispatch *none = tq ? disp_callo(tq, L"Item", &hr, 1, v_str(L"Static")) : NULL;
    ok(term && !none && hr == WBEM_E_NOT_FOUND_, "methods: Terminate is an instance method (no Static)");
    IDispatch *owner = method_item(cls, L"GetOwner", &hr);
    VARIANT nin;
    hr = disp_get(owner, L"InParameters", &nin);
    ok(SUCCEEDED(hr) && is_nothing(&nin), "methods: GetOwner's InParameters is Nothing (no in-parameters)");
    VariantClear(&nin);
    method_item(cls, L"NoSuchMethod", &hr);
    check_hr(hr, WBEM_E_NOT_FOUND_, "methods: Methods_.Item of an unknown name is WBEM_E_NOT_FOUND");

    IDispatch *inst = get_pid(svc, 4, &hr);
    IDispatch *iset = inst ? disp_geto(inst, L"Methods_", &hr) : NULL;
    disp_get_long(iset, L"Count", &n);
    check_long(n, 3, "methods: an instance's Methods_ are its class's");
    IDispatch *plain = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Settings"));
    IDispatch *pset = plain ? disp_geto(plain, L"Methods_", &hr) : NULL;
    n = -1;
    disp_get_long(pset, L"Count", &n);
    check_long(n, 0, "methods: a class without methods has an empty Methods_");
    IDispatch *der = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Derived"));
    IDispatch *dset = der ? disp_geto(der, L"Methods_", &hr) : NULL;
    n = -1;
    disp_get_long(dset, L"Count", &n);
    IDispatch *echo = der ? method_item(der, L"Echo", &hr) : NULL;
    ok(n == 2 && echo && str_is(echo, L"Origin", L"Sim_Base"),
       "methods: Sim_Derived inherits Sim_Base's Echo and Reserved (Origin Sim_Base)");
    IDispatch *res = der ? method_item(der, L"Reserved", &hr) : NULL;
    IDispatch *rq = res ? disp_geto(res, L"Qualifiers_", &hr) : NULL;
    IDispatch *ri = rq ? disp_callo(rq, L"Item", &hr, 1, v_str(L"Implemented")) : NULL;
    ok(res && !ri, "methods: Sim_Base.Reserved has no Implemented qualifier");

    /* a subclass inherits them */
    IDispatch *sub = disp_callo(cls, L"SpawnDerivedClass_", &hr, 0);
    IDispatch *sp = sub ? disp_geto(sub, L"Path_", &hr) : NULL;
    disp_put(sp, L"Class", v_str(L"SimT_Process"));
    hr = put_flags(sub, 0, NULL);
    IDispatch *subc = SUCCEEDED(hr) ? disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Process")) : NULL;
    IDispatch *sm = subc ? method_item(subc, L"Terminate", &hr) : NULL;
    ok(sm && str_is(sm, L"Origin", L"Win32_Process"), "methods: a subclass inherits the methods (Origin Win32_Process)");
}

/* ---- ExecMethod_ ---- */

static void exec_create(void)
{
    HRESULT hr;
    LONG rv, pid, parent = -1, n0 = 0, n1 = 0;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    hr = create(cls, L"notepad.exe C:\\x.txt", &rv, &pid);
    check_hr(hr, S_OK, "methods: ExecMethod_(\"Create\", in) on the class succeeds");
    check_long(rv, 0, "methods: Create's ReturnValue is 0 (Successful completion)");
    ok(pid > 4 && pid % 4 == 0, "methods: Create's ProcessId is a fresh pid (%ld)", (long)pid);
    IDispatch *p = get_pid(svc, pid, &hr);
    ok(p && str_is(p, L"Name", L"notepad.exe") && str_is(p, L"CommandLine", L"notepad.exe C:\\x.txt") &&
       str_is(p, L"ExecutablePath", L"C:\\Windows\\system32\\notepad.exe"),
       "methods: the new process is an instance: Name, CommandLine, ExecutablePath");
    disp_get_long(p, L"ParentProcessId", &parent);
    check_long(parent, 2740, "methods: its parent is WmiPrvSE.exe");
    BSTR when = NULL;
    disp_get_bstr(p, L"CreationDate", &when);
    ok(when && wcslen(when) == 25 && when[14] == L'.', "methods: its CreationDate is a DMTF datetime (now)");
    SysFreeString(when);
    LONG pid2;
    create(cls, L"\"C:\\Program Files\\App\\tool\" -x", &rv, &pid2);
    IDispatch *q = get_pid(svc, pid2, &hr);
    ok(rv == 0 && pid2 != pid && q && str_is(q, L"Name", L"tool.exe") &&
       str_is(q, L"ExecutablePath", L"C:\\Program Files\\App\\tool.exe"),
       "methods: a quoted path without an extension: Name tool.exe, its path");

    instance_count(svc, L"Win32_Process", &n0);
    create(cls, NULL, &rv, &pid);
    check_long(rv, 21, "methods: Create without a CommandLine returns 21 (Invalid parameter)");
    create(cls, L"   ", &rv, &pid);
    check_long(rv, 9, "methods: Create with a blank CommandLine returns 9 (Path not found)");
    instance_count(svc, L"Win32_Process", &n1);
    check_long(n1, n0, "methods: a failed Create makes no instance");

    /* a static method also runs from an instance */
    IDispatch *sys = get_pid(svc, 4, &hr);
    hr = create(sys, L"calc.exe", &rv, &pid);
    ok(SUCCEEDED(hr) && rv == 0 && get_pid(svc, pid, &hr), "methods: Create (static) called on an instance runs");
}

static void exec_instance(void)
{
    HRESULT hr;
    LONG rv, pid;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    create(cls, L"notepad.exe", &rv, &pid);
    IDispatch *p = get_pid(svc, pid, &hr);
    IDispatch *out = p ? disp_callo(p, L"ExecMethod_", &hr, 1, v_str(L"GetOwner")) : NULL;
    LONG orv = -1;
    disp_get_long(out, L"ReturnValue", &orv);
    BSTR user = NULL;
    disp_get_bstr(out, L"User", &user);
    ok(out && orv == 0 && user && *user, "methods: GetOwner() of a created process: 0, its User (the caller)");
    SysFreeString(user);
    IDispatch *sys = get_pid(svc, 4, &hr);
    out = sys ? disp_callo(sys, L"ExecMethod_", &hr, 1, v_str(L"GetOwner")) : NULL;
    ok(out && str_is(out, L"User", L"SYSTEM") && str_is(out, L"Domain", L"NT AUTHORITY"),
       "methods: GetOwner() of System: NT AUTHORITY\\SYSTEM");

    IDispatch *in = in_params(cls, L"Terminate");
    disp_put(in, L"Reason", v_i4(1));
    out = disp_callo(p, L"ExecMethod_", &hr, 2, v_str(L"Terminate"), v_disp(in));
    LONG trv = -1;
    disp_get_long(out, L"ReturnValue", &trv);
    ok(SUCCEEDED(hr) && trv == 0, "methods: Terminate(Reason) on the instance returns 0");
    get_pid(svc, pid, &hr);
    check_hr(hr, WBEM_E_NOT_FOUND_, "methods: after Terminate the process's instance is gone");
    disp_callo(p, L"ExecMethod_", &hr, 2, v_str(L"Terminate"), v_disp(in));
    check_hr(hr, WBEM_E_NOT_FOUND_, "methods: Terminate of a process already gone is WBEM_E_NOT_FOUND");
    /* without in-parameters: Reason null */
    create(cls, L"a.exe", &rv, &pid);
    p = get_pid(svc, pid, &hr);
    out = p ? disp_callo(p, L"ExecMethod_", &hr, 1, v_str(L"Terminate")) : NULL;
    ok(out != NULL, "methods: Terminate without in-parameters runs");
}

static void exec_errors(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    disp_callo(cls, L"ExecMethod_", &hr, 1, v_str(L"Explode"));
    check_hr(hr, WBEM_E_INVALID_METHOD_, "methods: an unknown method is WBEM_E_INVALID_METHOD");
    IDispatch *err = sim_create(L"WbemSim.SWbemLastError", &hr);
    ok(err && str_is(err, L"Operation", L"ExecMethod"), "methods: the last error's Operation is ExecMethod");
    if (err) IDispatch_Release(err);
    disp_callo(cls, L"ExecMethod_", &hr, 1, v_str(L"Terminate"));
    check_hr(hr, WBEM_E_INVALID_OBJECT_PATH_, "methods: an instance method on the class is WBEM_E_INVALID_OBJECT_PATH");
    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Base.Id=\"b1\""));
    disp_callo(cls, L"ExecMethod_", &hr, 2, v_str(L"Create"), v_disp(base));
    check_hr(hr, WBEM_E_INVALID_METHOD_PARAMETERS_,
             "methods: in-parameters with properties that are not parameters: WBEM_E_INVALID_METHOD_PARAMETERS");
    IDispatch *tin = in_params(cls, L"Terminate");
    disp_callo(cls, L"ExecMethod_", &hr, 2, v_str(L"Create"), v_disp(tin));
    check_hr(hr, WBEM_E_INVALID_METHOD_PARAMETERS_,
             "methods: another method's in-parameters: WBEM_E_INVALID_METHOD_PARAMETERS");
    IDispatch *cm = method_item(cls, L"Create", &hr);
    IDispatch *incls = cm ? disp_geto(cm, L"InParameters", &hr) : NULL;
    disp_callo(cls, L"ExecMethod_", &hr, 2, v_str(L"Create"), v_disp(incls));
    check_hr(hr, WBEM_E_INVALID_METHOD_PARAMETERS_,
             "methods: the in-parameters class itself instead of an instance: WBEM_E_INVALID_METHOD_PARAMETERS");
    IDispatch *in = in_params(cls, L"Create");
    hr = disp_put(in, L"ProcessStartupInformation", v_str(L"not an object"));
    check_hr(hr, WBEM_E_TYPE_MISMATCH_, "methods: an in-parameter is typed: a string for an object is WBEM_E_TYPE_MISMATCH");
    disp_callo(cls, L"ExecMethod_", &hr, 3, v_str(L"Create"), v_disp(in), v_i4(1));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "methods: iFlags other than 0 are WBEM_E_INVALID_PARAMETER");
    disp_callo(base, L"ExecMethod_", &hr, 1, v_str(L"Terminate"));
    check_hr(hr, WBEM_E_INVALID_METHOD_, "methods: a method of another class is WBEM_E_INVALID_METHOD");

    disp_callo(svc, L"ExecMethod", &hr, 2, v_str(L"SimT_NoClass"), v_str(L"Create"));
    check_hr(hr, WBEM_E_INVALID_CLASS_, "methods: ExecMethod on an unknown class is WBEM_E_INVALID_CLASS");
    disp_callo(svc, L"ExecMethod", &hr, 2, v_str(L"Win32_Process.Handle=\"999999\""), v_str(L"Terminate"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "methods: ExecMethod on a missing instance is WBEM_E_NOT_FOUND");
    disp_callo(svc, L"ExecMethod", &hr, 2, v_str(L"Win32_Process.Nope=1"), v_str(L"Terminate"));
    check_hr(hr, WBEM_E_INVALID_OBJECT_PATH_, "methods: ExecMethod on a path with wrong keys is WBEM_E_INVALID_OBJECT_PATH");

    IDispatch *b1 = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Derived.Id=\"d1\""));
    disp_callo(b1, L"ExecMethod_", &hr, 1, v_str(L"Reserved"));
    check_hr(hr, E_WBEM(0x80041055), "methods: a method without [implemented] is WBEM_E_METHOD_NOT_IMPLEMENTED");

    ctl_fail_next(g_ctl, WBEM_E_FAILED_, 1);
    LONG rv, pid;
    hr = create(cls, L"x.exe", &rv, &pid);
    check_hr(hr, WBEM_E_FAILED_, "methods: Control.FailNext fails ExecMethod_");
}

static void services_exec(void)
{
    HRESULT hr;
    LONG rv = -1, pid = -1, trv = -1;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    IDispatch *in = in_params(cls, L"Create");
    disp_put(in, L"CommandLine", v_str(L"cmd.exe /c dir"));
    IDispatch *ctx = nvs_new(&hr, 1, L"Who", v_str(L"test"));
    IDispatch *out = disp_callo(svc, L"ExecMethod", &hr, 5, v_str(L"Win32_Process"), v_str(L"Create"), v_disp(in),
                                v_i4(0), v_disp(ctx));
    disp_get_long(out, L"ReturnValue", &rv);
    disp_get_long(out, L"ProcessId", &pid);
    ok(SUCCEEDED(hr) && rv == 0 && pid > 0, "methods: SWbemServices.ExecMethod(\"Win32_Process\", \"Create\", in)");
    BSTR last = NULL;
    disp_get_bstr(g_ctl, L"LastContext", &last);
    ok(last && !wcscmp(last, L"Who=test"), "methods: ExecMethod's objwbemNamedValueSet is the operation's context");
    SysFreeString(last);
    WCHAR path[64];
    swprintf(path, 64, L"Win32_Process.Handle=\"%ld\"", (long)pid);
    out = disp_callo(svc, L"ExecMethod", &hr, 2, v_str(path), v_str(L"Terminate"));
    disp_get_long(out, L"ReturnValue", &trv);
    ok(SUCCEEDED(hr) && trv == 0, "methods: SWbemServices.ExecMethod(instance path, \"Terminate\")");
    get_pid(svc, pid, &hr);
    check_hr(hr, WBEM_E_NOT_FOUND_, "methods: ... and the process is gone");
}

/* ---- direct calls ---- */

static VARIANT v_ref(VARIANT *target)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_BYREF | VT_VARIANT;
    V_VARIANTREF(&v) = target;
    return v;
}

static void direct(void)
{
    HRESULT hr;
    VARIANT res, pid, user, domain;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    DISPID id = 0;
    ok(SUCCEEDED(disp_id(cls, L"Create", &id)) && id != DISPID_UNKNOWN,
       "methods: GetIDsOfNames finds the method Create on the class");
    VariantInit(&pid);
    VARIANT args[4] = { v_str(L"notepad.exe"), v_null(), v_null(), v_ref(&pid) };
    hr = disp_invoke(cls, L"Create", DISPATCH_METHOD | DISPATCH_PROPERTYGET, &res, 4, args);
    ok(SUCCEEDED(hr) && V_VT(&res) == VT_I4 && V_I4(&res) == 0, "methods: cls.Create(cmd, Null, Null, pid) returns 0");
    if (FAILED(hr)) diag("%s %s", hr_name(hr), disp_last_error());
    VariantClear(&res);
    ok(V_VT(&pid) == VT_I4 && V_I4(&pid) > 0, "methods: the by-reference argument receives ProcessId");
    LONG n = V_VT(&pid) == VT_I4 ? V_I4(&pid) : -1;
    VariantClear(&pid);
    IDispatch *p = get_pid(svc, n, &hr);
    ok(p != NULL, "methods: the direct Create made the process");

    VariantInit(&user);
    VariantInit(&domain);
    VARIANT oargs[2] = { v_ref(&user), v_ref(&domain) };
    hr = disp_invoke(p, L"GetOwner", DISPATCH_METHOD | DISPATCH_PROPERTYGET, &res, 2, oargs);
    ok(SUCCEEDED(hr) && V_VT(&res) == VT_I4 && V_I4(&res) == 0 && V_VT(&user) == VT_BSTR && V_VT(&domain) == VT_BSTR,
       "methods: proc.GetOwner(user, domain) returns 0 and fills both");
    VariantClear(&res);
    VariantClear(&user);
    VariantClear(&domain);

    hr = disp_call(p, L"Terminate", &res, 1, v_str(L"not a number"));
    check_hr(hr, WBEM_E_INVALID_METHOD_PARAMETERS_, "methods: a mistyped argument is WBEM_E_INVALID_METHOD_PARAMETERS");
    hr = disp_call(p, L"Terminate", &res, 2, v_i4(0), v_i4(1));
    check_hr(hr, WBEM_E_INVALID_METHOD_PARAMETERS_, "methods: too many arguments is WBEM_E_INVALID_METHOD_PARAMETERS");
    hr = disp_call(p, L"Terminate", &res, 1, v_i4(0));
    ok(SUCCEEDED(hr) && V_VT(&res) == VT_I4 && V_I4(&res) == 0, "methods: proc.Terminate(0) returns 0");
    VariantClear(&res);
    get_pid(svc, n, &hr);
    check_hr(hr, WBEM_E_NOT_FOUND_, "methods: ... and the process is gone");
    hr = disp_call(cls, L"Terminate", &res, 1, v_i4(0));
    check_hr(hr, WBEM_E_INVALID_OBJECT_PATH_, "methods: cls.Terminate(0) (an instance method) fails");

    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Base.Id=\"b1\""));
    VARIANT reply;
    VariantInit(&reply);
    VARIANT eargs[2] = { v_str(L"hello"), v_ref(&reply) };
    hr = disp_invoke(base, L"Echo", DISPATCH_METHOD | DISPATCH_PROPERTYGET, &res, 2, eargs);
    ok(SUCCEEDED(hr) && V_VT(&res) == VT_I4 && V_I4(&res) == 5 && V_VT(&reply) == VT_BSTR &&
       !wcscmp(V_BSTR(&reply), L"hello"), "methods: b1.Echo(\"hello\", reply): the static Echo from an instance, 5 and reply");
    VariantClear(&res);
    VariantClear(&reply);
    hr = disp_id(base, L"Terminate", &id);
    check_hr(hr, DISP_E_UNKNOWNNAME, "methods: a class without the method has no such member");
    /* properties still come first */
    LONG pidv = -1;
    IDispatch *sys = get_pid(svc, 4, &hr);
    disp_get_long(sys, L"ProcessId", &pidv);
    check_long(pidv, 4, "methods: properties are still members beside the methods");
}

/* ---- round trips ---- */

static void sync_latency(void)
{
    HRESULT hr;
    LONG rv, pid;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    ctl_set_long(g_ctl, L"SyncLatencyMs", 100);
    double t0 = now_ms();
    create(cls, L"a.exe", &rv, &pid);
    double t1 = now_ms() - t0;
    ok(t1 >= 100, "methods: ExecMethod_ is a round trip (SyncLatencyMs 100: %.1f ms)", t1);
    IDispatch *p = get_pid(svc, pid, &hr);
    VARIANT res;
    t0 = now_ms();
    hr = disp_call(p, L"Terminate", &res, 1, v_i4(0));
    t1 = now_ms() - t0;
    ok(SUCCEEDED(hr) && t1 >= 100, "methods: a direct call is a round trip (%.1f ms)", t1);
    VariantClear(&res);
    t0 = now_ms();
    disp_callo(svc, L"ExecMethod", &hr, 2, v_str(L"Win32_Process"), v_str(L"Nope"));
    t1 = now_ms() - t0;
    ok(hr == WBEM_E_INVALID_METHOD_ && t1 >= 100, "methods: SWbemServices.ExecMethod is a round trip (%.1f ms)", t1);
    ctl_set_long(g_ctl, L"SyncLatencyMs", 0);
}

/* ---- asynchronous ---- */

static void async_one(const WCHAR *delivery)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    ctl_set_str(g_ctl, L"Delivery", delivery);
    IDispatch *in = in_params(cls, L"Create");
    disp_put(in, L"CommandLine", v_str(L"async.exe"));
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(1));
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(cls, L"ExecMethodAsync_", NULL, 6, v_disp(s ? s->sink : NULL), v_str(L"Create"), v_disp(in),
                   v_i4(wbemFlagSendStatus), v_missing(), v_disp(actx));
    check_hr(hr, S_OK, "methodsasync: %s: ExecMethodAsync_(sink, \"Create\", in) returns at once", u8(delivery));
    check_completed(s, S_OK, "methodsasync: %s: completes with OnCompleted(0)", u8(delivery));
    const event_rec *e = s ? find_event(s->rcv, EV_OBJECT_READY, 0) : NULL;
    IDispatch *out = e ? var_to_disp((VARIANT *)&e->args[0]) : NULL;
    LONG rv = -1, pid = -1;
    disp_get_long(out, L"ReturnValue", &rv);
    disp_get_long(out, L"ProcessId", &pid);
    ok(rv == 0 && pid > 0, "methodsasync: %s: OnObjectReady has the out-parameters (ReturnValue 0, ProcessId)",
       u8(delivery));
    ok(e && e->argc == 2 && same_object((IUnknown *)actx, &e->args[1]),
       "methodsasync: %s: the async context comes back", u8(delivery));
    if (out) IDispatch_Release(out);
    check_long(s ? receiver_count_id(s->rcv, EV_PROGRESS) : -1, 3,
               "methodsasync: %s: wbemFlagSendStatus gives ProgressSteps OnProgress", u8(delivery));
    if (s) ok(!strcmp(event_trace(s->rcv), "Progress,Progress,Progress,ObjectReady,Completed(vt=3 \"0\")"),
              "methodsasync: %s: OnProgress x3, OnObjectReady, OnCompleted (%s)", u8(delivery), event_trace(s->rcv));

    WCHAR path[64];
    swprintf(path, 64, L"Win32_Process.Handle=\"%ld\"", (long)pid);
    simsink *t = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"ExecMethodAsync", NULL, 3, v_disp(t ? t->sink : NULL), v_str(path), v_str(L"Terminate"));
    check_hr(hr, S_OK, "methodsasync: %s: SWbemServices.ExecMethodAsync(sink, path, \"Terminate\")", u8(delivery));
    check_completed(t, S_OK, "methodsasync: %s: ... completes with OnCompleted(0)", u8(delivery));
    get_pid(svc, pid, &hr);
    check_hr(hr, WBEM_E_NOT_FOUND_, "methodsasync: %s: ... and the process is gone", u8(delivery));

    simsink *u = simsink_keep(NULL, &hr);
    hr = disp_call(cls, L"ExecMethodAsync_", NULL, 2, v_disp(u ? u->sink : NULL), v_str(L"Nope"));
    check_completed(u, WBEM_E_INVALID_METHOD_, "methodsasync: %s: an unknown method completes with WBEM_E_INVALID_METHOD",
                    u8(delivery));
    check_long(u ? receiver_count_id(u->rcv, EV_OBJECT_READY) : -1, 0,
               "methodsasync: %s: ... and no OnObjectReady", u8(delivery));
}

static void async_calls(void)
{
    async_one(L"marshal");
    async_one(L"direct");
}

static void async_rules(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    IDispatch *cls = proc_class(svc);
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(cls, L"ExecMethodAsync_", NULL, 4, v_disp(s ? s->sink : NULL), v_str(L"GetOwner"), v_missing(),
                   v_i4(1));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "methodsasync: flags other than SendStatus are refused by the call");
    pump_for(50);
    check_long(s ? receiver_count(s->rcv) : -1, 0, "methodsasync: ... with no events");

    ctl_set_long(g_ctl, L"LatencyMs", 150);
    IDispatch *sys = get_pid(svc, 4, &hr);
    simsink *l = simsink_keep(NULL, &hr);
    double t0 = now_ms();
    disp_call(sys, L"ExecMethodAsync_", NULL, 2, v_disp(l ? l->sink : NULL), v_str(L"GetOwner"));
    check_completed(l, S_OK, "methodsasync: GetOwner on an instance completes");
    double t1 = now_ms() - t0;
    ok(t1 >= 140, "methodsasync: LatencyMs applies (%.1f ms)", t1);
    ctl_set_long(g_ctl, L"LatencyMs", 0);

    ctl_fail_next(g_ctl, WBEM_E_FAILED_, 1);
    simsink *f = simsink_keep(NULL, &hr);
    disp_call(sys, L"ExecMethodAsync_", NULL, 2, v_disp(f ? f->sink : NULL), v_str(L"GetOwner"));
    check_completed(f, WBEM_E_FAILED_, "methodsasync: FailNext completes ExecMethodAsync_ with the failure");
    const event_rec *e = f ? find_event(f->rcv, EV_COMPLETED, 0) : NULL;
    IDispatch *err = e && e->argc >= 2 ? var_to_disp((VARIANT *)&e->args[1]) : NULL;
    ok(err && str_is(err, L"Operation", L"ExecMethod"), "methodsasync: the error object's Operation is ExecMethod");
    if (err) IDispatch_Release(err);

    disp_put(g_ctl, L"Hang", v_bool(TRUE));
    simsink *h = simsink_keep(NULL, &hr);
    disp_call(sys, L"ExecMethodAsync_", NULL, 2, v_disp(h ? h->sink : NULL), v_str(L"GetOwner"));
    pump_for(50);
    check_long(h ? receiver_count(h->rcv) : -1, 0, "methodsasync: under Hang nothing arrives");
    disp_call(h ? h->sink : NULL, L"Cancel", NULL, 0);
    check_completed(h, WBEM_E_CALL_CANCELLED_, "methodsasync: Cancel completes it with WBEM_E_CALL_CANCELLED");
    disp_put(g_ctl, L"Hang", v_bool(FALSE));
}

/* ---- from MTA threads ---- */

static void mta_setup(member *m)
{
    m->svc = sim_connect(L"root\\cimv2", &m->hr);
    m->obj = m->svc ? proc_class(m->svc) : NULL;
    expect(m, m->obj != NULL, "Get Win32_Process: 0x%08lX", (unsigned long)m->hr);
}

static void mta_call(member *m)
{
    HRESULT hr;
    LONG rv, pid;
    VARIANT res;
    for (int i = 0; i < 5; i++) {
        hr = create(m->obj, L"worker.exe", &rv, &pid);
        expect(m, SUCCEEDED(hr) && rv == 0, "Create: 0x%08lX rv %ld", (unsigned long)hr, (long)rv);
        IDispatch *p = get_pid(m->svc, pid, &hr);
        hr = disp_call(p, L"Terminate", &res, 1, v_i4(0));
        expect(m, SUCCEEDED(hr) && V_VT(&res) == VT_I4 && V_I4(&res) == 0, "Terminate: 0x%08lX", (unsigned long)hr);
        VariantClear(&res);
    }
    /* and an asynchronous call from this MTA: the events come on the worker's thread */
    simsink *s = simsink_keep(NULL, &hr);
    IDispatch *sys = get_pid(m->svc, 4, &hr);
    hr = disp_call(sys, L"ExecMethodAsync_", NULL, 2, v_disp(s ? s->sink : NULL), v_str(L"GetOwner"));
    BOOL done = SUCCEEDED(hr) && wait_done(s, WAIT_MS);
    expect(m, done && completed_hr(s->rcv) == S_OK && receiver_count_id(s->rcv, EV_OBJECT_READY) == 1,
           "ExecMethodAsync_ from the MTA: 0x%08lX, %s", (unsigned long)hr, s ? event_trace(s->rcv) : "no sink");
    m->hr = S_OK;
}

static void hang_call(member *m)
{
    LONG rv, pid;
    m->hr = create(m->obj, L"held.exe", &rv, &pid);
    expect(m, SUCCEEDED(m->hr) && rv == 0, "Create after SyncHang: 0x%08lX", (unsigned long)m->hr);
}

static void sync_hang(void)
{
    team *t = team_new(2, mta_setup, hang_call);
    if (!t) return;
    disp_put(g_ctl, L"SyncHang", v_bool(TRUE));
    team_go(t);
    LONG waiting = 0;
    double deadline = now_ms() + 3000;
    while (waiting < 2 && now_ms() < deadline) {
        disp_get_long(g_ctl, L"SyncWaiting", &waiting);
        pump_for(5);
    }
    check_long(waiting, 2, "methods: under SyncHang two ExecMethod_ calls wait (Control.SyncWaiting)");
    disp_put(g_ctl, L"SyncHang", v_bool(FALSE));
    ok(team_wait(t, 5000), "methods: clearing SyncHang lets them go on");
    team_good(t, "methods: ... and both Create calls succeed");
    team_end(t);
}

static void mta(void)
{
    HRESULT hr;
    LONG n0 = 0, n1 = -1;
    IDispatch *svc = sim_connect(L"root\\cimv2", &hr);
    instance_count(svc, L"Win32_Process", &n0);
    team *t = team_new(8, mta_setup, mta_call);
    if (!t) return;
    team_go(t);
    ok(team_wait(t, 10000), "methods: 8 MTA threads each Create and Terminate 5 processes, then one async call");
    team_good(t, "methods: every thread's ExecMethod_, direct Terminate and ExecMethodAsync_ succeeded");
    team_end(t);
    instance_count(svc, L"Win32_Process", &n1);
    check_long(n1, n0, "methods: as many processes as before");
}

const test_case suite_methods[] = {
    { "methods: Win32_Process schema and seeded instances", schema },
    { "methods: Methods_, SWbemMethod, InParameters and OutParameters", method_set },
    { "methods: ExecMethod_ Create on the class", exec_create },
    { "methods: ExecMethod_ GetOwner and Terminate on instances", exec_instance },
    { "methods: ExecMethod_ and ExecMethod errors", exec_errors },
    { "methods: SWbemServices.ExecMethod", services_exec },
    { "methods: direct calls through IDispatch", direct },
    { "methods: synchronous round trips", sync_latency },
    { "methods: SyncHang holds ExecMethod_", sync_hang },
    { "methods: from MTA threads", mta },
    { "methodsasync: ExecMethodAsync_ and ExecMethodAsync, both deliveries", async_calls },
    { "methodsasync: flags, LatencyMs, FailNext, Hang and Cancel", async_rules },
    { NULL, NULL },
};
