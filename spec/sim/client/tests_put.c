/* The put rules for instances (reference/ISWbemObject-PutAsync_.md, IWbemServices::
 * PutInstance, WbemChangeFlagEnum), checked twice: through Put_ (the call's HRESULT)
 * and through PutAsync_ (OnCompleted's iHResult); see put_rule in asynchelp.c. */
#include "client.h"
#include <stdio.h>

#define UNKNOWN_FLAG_BIT 0x04000000   /* no WbemChangeFlagEnum/WbemFlagEnum value uses it */

static const char *api(int async) { return async ? "PutAsync_" : "Put_"; }

static IDispatch *thing(IDispatch *svc, const WCHAR *name, LONG size)
{
    HRESULT hr;
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(name));
    disp_put(inst, L"Size", v_i4(size));
    return inst;
}

static LONG size_of(IDispatch *svc, const WCHAR *name)
{
    HRESULT hr;
    LONG size = -1;
    WCHAR path[128];
    swprintf(path, 128, L"SimT_Thing.Name=\"%ls\"", name);
    IDispatch *got = disp_callo(svc, L"Get", &hr, 1, v_str(path));
    if (SUCCEEDED(hr)) disp_get_long(got, L"Size", &size);
    return size;
}

static IDispatch *setup(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key,Size:uint32");
    return svc;
}

/* ---- instances ---- */
static void create_or_update(int async)
{
    IDispatch *svc = setup();
    LONG n = -1;
    check_hr(put_rule(async, thing(svc, L"a", 1), wbemChangeFlagCreateOrUpdate, FALSE), S_OK,
             "%s: CreateOrUpdate creates a missing instance", api(async));
    check_long(size_of(svc, L"a"), 1, "%s: the created instance has the values put", api(async));
    check_hr(put_rule(async, thing(svc, L"a", 2), wbemChangeFlagCreateOrUpdate, FALSE), S_OK,
             "%s: CreateOrUpdate overwrites an existing instance", api(async));
    check_long(size_of(svc, L"a"), 2, "%s: the overwritten instance has the new values", api(async));
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 1, "%s: overwriting does not add a second instance", api(async));
}

static void update_only(int async)
{
    IDispatch *svc = setup();
    LONG n = -1;
    check_hr(put_rule(async, thing(svc, L"a", 1), wbemChangeFlagUpdateOnly, FALSE), WBEM_E_NOT_FOUND_,
             "%s: UpdateOnly on a missing instance gives WBEM_E_NOT_FOUND", api(async));
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 0, "%s: a refused UpdateOnly creates nothing", api(async));
    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    check_hr(put_rule(async, thing(svc, L"a", 5), wbemChangeFlagUpdateOnly, FALSE), S_OK,
             "%s: UpdateOnly on an existing instance succeeds", api(async));
    check_long(size_of(svc, L"a"), 5, "%s: UpdateOnly wrote the new values", api(async));
}

static void create_only(int async)
{
    IDispatch *svc = setup();
    check_hr(put_rule(async, thing(svc, L"a", 1), wbemChangeFlagCreateOnly, FALSE), S_OK,
             "%s: CreateOnly on a missing instance creates it", api(async));
    check_hr(put_rule(async, thing(svc, L"a", 2), wbemChangeFlagCreateOnly, FALSE), WBEM_E_ALREADY_EXISTS_,
             "%s: CreateOnly on an existing instance gives WBEM_E_ALREADY_EXISTS", api(async));
    check_long(size_of(svc, L"a"), 1, "%s: a refused CreateOnly leaves the instance unchanged", api(async));
}

/* PutInstance: WBEM_E_ILLEGAL_NULL "a null was specified for a property that cannot
 * be null, such as one that is marked by an Indexed or Not_Null qualifier" - keys
 * identify the instance and can never be null. */
static void null_key(int async)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *svc = setup();
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Size", v_i4(1));
    check_hr(put_rule(async, inst, 0, FALSE), WBEM_E_ILLEGAL_NULL_,
             "%s: an instance whose key is null gives WBEM_E_ILLEGAL_NULL", api(async));
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 0, "%s: the instance with a null key was not written", api(async));
}

/* PutInstance: WBEM_E_INVALID_CLASS "the class supporting this instance is not valid":
 * an instance spawned from a class that has since been deleted. */
static void unknown_class(int async)
{
    HRESULT hr;
    IDispatch *svc = setup();
    IDispatch *inst = thing(svc, L"a", 1);
    hr = disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Thing"));
    if (FAILED(hr)) diag("deleting the class: %s %s", hr_name(hr), disp_last_error());
    check_hr(put_rule(async, inst, 0, FALSE), WBEM_E_INVALID_CLASS_,
             "%s: an instance of a class that does not exist gives WBEM_E_INVALID_CLASS", api(async));
}

static void bad_flags(int async)
{
    LONG n = -1;
    IDispatch *svc = setup();
    check_hr(put_rule(async, thing(svc, L"a", 1), wbemChangeFlagUpdateOnly | wbemChangeFlagCreateOnly, TRUE),
             WBEM_E_INVALID_PARAMETER_,
             "%s: UpdateOnly|CreateOnly together give WBEM_E_INVALID_PARAMETER", api(async));
    check_hr(put_rule(async, thing(svc, L"b", 1), UNKNOWN_FLAG_BIT, TRUE), WBEM_E_INVALID_PARAMETER_,
             "%s: an unknown flag bit (0x%X) gives WBEM_E_INVALID_PARAMETER", api(async), UNKNOWN_FLAG_BIT);
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 0, "%s: nothing is written when the flags are refused", api(async));
}

static void accepted_flags(int async)
{
    IDispatch *svc = setup();
    LONG n = -1;
    check_hr(put_rule(async, thing(svc, L"a", 1), wbemFlagUseAmendedQualifiers, FALSE), S_OK,
             "%s: UseAmendedQualifiers is accepted on an instance", api(async));
    check_hr(put_rule(async, thing(svc, L"b", 1), wbemFlagReturnImmediately, FALSE), S_OK,
             "%s: ReturnImmediately is accepted", api(async));
    check_hr(put_rule(async, thing(svc, L"c", 1), wbemFlagSendStatus, FALSE), S_OK,
             "%s: SendStatus is accepted", api(async));
    check_hr(put_rule(async, thing(svc, L"d", 1), wbemFlagDontSendStatus | wbemFlagReturnWhenComplete, FALSE), S_OK,
             "%s: DontSendStatus|ReturnWhenComplete (0) is accepted", api(async));
    check_hr(put_rule(async, thing(svc, L"e", 1),
                    wbemChangeFlagCreateOnly | wbemFlagReturnImmediately | wbemFlagSendStatus
                        | wbemFlagUseAmendedQualifiers, FALSE), S_OK,
             "%s: CreateOnly|ReturnImmediately|SendStatus|UseAmendedQualifiers combine", api(async));
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 5, "%s: every accepted put was written", api(async));
}

static void put_path(int async)
{
    IDispatch *svc = setup();
    IDispatch *path = NULL;
    HRESULT hr;
    BSTR rel = NULL;
    if (!async) {
        hr = put_flags(thing(svc, L"p", 1), 0, &path);
        disp_get_bstr(path, L"RelPath", &rel);
        check_wstr(rel, L"SimT_Thing.Name=\"p\"", "Put_: returns the SWbemObjectPath of the instance written");
        SysFreeString(rel);
        return;
    }
    simsink *s = simsink_keep(NULL, &hr);
    hr = put_async(thing(svc, L"p", 1), s, 0, NULL, NULL);
    wait_done(s, WAIT_MS);
    const event_rec *e = s ? find_event(s->rcv, EV_OBJECT_PUT, 0) : NULL;
    IDispatch *p = e && e->argc >= 1 ? var_to_disp((VARIANT *)&e->args[0]) : NULL;
    disp_get_bstr(p, L"RelPath", &rel);
    check_wstr(rel, L"SimT_Thing.Name=\"p\"",
               "PutAsync_: OnObjectPut receives the SWbemObjectPath of the instance written");
    SysFreeString(rel);
    if (p) IDispatch_Release(p);
}

/* IWbemServices::PutInstance lists only CREATE_OR_UPDATE, UPDATE_ONLY, CREATE_ONLY,
 * RETURN_IMMEDIATELY and USE_AMENDED_QUALIFIERS; [MS-WMI] 3.1.4.3.12: "Any other DWORD
 * value that does not match a flag condition MUST be treated as not valid". The class
 * update modes are refused by the call itself, like every refused flag. */
static void class_modes(int async)
{
    LONG n = -1;
    IDispatch *svc = setup();
    check_hr(put_rule(async, thing(svc, L"s", 1), wbemChangeFlagUpdateSafeMode, TRUE), WBEM_E_INVALID_PARAMETER_,
             "%s: UpdateSafeMode on an instance gives WBEM_E_INVALID_PARAMETER", api(async));
    check_hr(put_rule(async, thing(svc, L"f", 1), wbemChangeFlagUpdateForceMode, TRUE), WBEM_E_INVALID_PARAMETER_,
             "%s: UpdateForceMode on an instance gives WBEM_E_INVALID_PARAMETER", api(async));
    instance_count(svc, L"SimT_Thing", &n);
    check_long(n, 0, "%s: nothing is written when a class mode is given for an instance", api(async));
}

/* WbemErrorEnum: wbemErrNoKey "User attempted to put an instance with no defined key." */
static void keyless(int async)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Keyless", NULL, "Size:uint32");
    IDispatch *inst = spawn(svc, L"SimT_Keyless", &hr);
    disp_put(inst, L"Size", v_i4(1));
    check_hr(put_rule(async, inst, 0, FALSE), WBEM_E_NO_KEY_,
             "%s: an instance of a class with neither keys nor singleton gives WBEM_E_NO_KEY", api(async));
    instance_count(svc, L"SimT_Keyless", &n);
    check_long(n, 0, "%s: the keyless instance was not written", api(async));
}

/* A new instance of cls keyed Name = name. */
static IDispatch *named(IDispatch *svc, const WCHAR *cls, const WCHAR *name)
{
    HRESULT hr;
    IDispatch *inst = spawn(svc, cls, &hr);
    disp_put(inst, L"Name", v_str(name));
    return inst;
}

/* The class of the object at path (a BSTR to free), NULL when it cannot be read. */
static BSTR class_at(IDispatch *svc, const WCHAR *path)
{
    HRESULT hr;
    BSTR cls = NULL;
    IDispatch *obj = disp_callo(svc, L"Get", &hr, 1, v_str(path));
    if (SUCCEEDED(hr)) disp_get_bstr(disp_geto(obj, L"Path_", &hr), L"Class", &cls);
    return cls;
}

/* "Changing the Inheritance of an Instance": "you cannot call the
 * IWbemServices::PutInstance method with the pInst parameter pointing to an instance of
 * AutoService and the key properties describing the ManualService instance. If you do,
 * you implicitly delete the original ManualService instance." ManualService and
 * AutoService are two classes derived from one parent: keys identify one object in the
 * whole hierarchy, whichever class of it the instance has. */
static void same_keys(int async)
{
    HRESULT hr;
    LONG n = -1;
    BSTR cls;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Service", NULL, "Name:string:key");
    make_class(svc, L"SimT_Manual", L"SimT_Service", "");
    make_class(svc, L"SimT_Auto", L"SimT_Service", "");

    make_instance(svc, L"SimT_Service", L"Name", L"base");
    check_hr(put_rule(async, named(svc, L"SimT_Manual", L"base"), wbemChangeFlagCreateOnly, FALSE),
             WBEM_E_ALREADY_EXISTS_,
             "%s: CreateOnly of a subclass instance with a base class instance's keys gives WBEM_E_ALREADY_EXISTS",
             api(async));
    check_hr(put_rule(async, named(svc, L"SimT_Manual", L"base"), 0, FALSE), S_OK,
             "%s: a subclass instance with a base class instance's keys is written", api(async));
    cls = class_at(svc, L"SimT_Service.Name=\"base\"");
    check_wstr(cls, L"SimT_Manual", "%s: it replaced the base class instance (the keys now name the subclass's)",
               api(async));
    SysFreeString(cls);
    instance_count(svc, L"SimT_Service", &n);
    check_long(n, 1, "%s: one object for those keys in the hierarchy, not two", api(async));

    make_instance(svc, L"SimT_Manual", L"Name", L"spooler");
    check_hr(put_rule(async, named(svc, L"SimT_Auto", L"spooler"), wbemChangeFlagCreateOnly, FALSE),
             WBEM_E_ALREADY_EXISTS_,
             "%s: CreateOnly of an AutoService instance with a ManualService (sibling) instance's keys gives "
             "WBEM_E_ALREADY_EXISTS", api(async));
    check_hr(put_rule(async, named(svc, L"SimT_Auto", L"spooler"), 0, FALSE), S_OK,
             "%s: an AutoService instance with a ManualService instance's keys is written", api(async));
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Manual.Name=\"spooler\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "%s: putting it implicitly deleted the ManualService instance", api(async));
    instance_count(svc, L"SimT_Service", &n);
    check_long(n, 2, "%s: the hierarchy holds one object per set of keys (base, spooler)", api(async));
}

/* IWbemClassObject::Put: "When IWbemClassObject points to a CIM instance, Put updates a
 * property value only. Put cannot create a property value." */
static void instance_properties(void)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *svc = setup();
    IDispatch *props = disp_geto(thing(svc, L"a", 1), L"Properties_", &hr);
    disp_callo(props, L"Add", &hr, 2, v_str(L"Extra"), v_i4(CIM_T_STRING));
    check_hr(hr, WBEM_E_INVALID_OPERATION_, "put: Properties_.Add on an instance gives WBEM_E_INVALID_OPERATION");
    disp_get_long(props, L"Count", &n);
    check_long(n, 2, "put: the instance still has only its class's properties");

    IDispatch *cls = new_class(svc, L"SimT_Props", NULL, "Name:string:key", &hr);
    IDispatch *cprops = disp_geto(cls, L"Properties_", &hr);
    disp_callo(cprops, L"Add", &hr, 2, v_str(L"_Lead"), v_i4(CIM_T_STRING));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "put: a property name beginning with '_' gives WBEM_E_INVALID_PARAMETER");
    disp_callo(cprops, L"Add", &hr, 2, v_str(L"Trail_"), v_i4(CIM_T_STRING));
    check_hr(hr, WBEM_E_INVALID_PARAMETER_, "put: a property name ending with '_' gives WBEM_E_INVALID_PARAMETER");
    disp_callo(cprops, L"Add", &hr, 2, v_str(L"Name"), v_i4(CIM_T_UINT32));
    check_hr(hr, WBEM_E_TYPE_MISMATCH_, "put: a property redeclared with another type gives WBEM_E_TYPE_MISMATCH");
    disp_get_long(cprops, L"Count", &n);
    check_long(n, 1, "put: the refused Adds added nothing");
}

#define BOTH(fn) \
    static void fn##_sync(void) { fn(0); } \
    static void fn##_async(void) { fn(1); }
BOTH(create_or_update) BOTH(update_only) BOTH(create_only) BOTH(null_key) BOTH(unknown_class)
BOTH(bad_flags) BOTH(accepted_flags) BOTH(put_path) BOTH(class_modes) BOTH(keyless) BOTH(same_keys)

const test_case suite_put[] = {
    { "put: CreateOrUpdate", create_or_update_sync },
    { "put: UpdateOnly", update_only_sync },
    { "put: CreateOnly", create_only_sync },
    { "put: null key", null_key_sync },
    { "put: unknown class", unknown_class_sync },
    { "put: contradictory and unknown flags", bad_flags_sync },
    { "put: UseAmendedQualifiers, ReturnImmediately, SendStatus accepted", accepted_flags_sync },
    { "put: Put_ returns the path", put_path_sync },
    { "put: SafeMode and ForceMode on an instance", class_modes_sync },
    { "put: keyless class", keyless_sync },
    { "put: same keys in another class of the hierarchy", same_keys_sync },
    { "put: Properties_.Add on an instance, property names and types", instance_properties },
    { "putasync: CreateOrUpdate", create_or_update_async },
    { "putasync: UpdateOnly", update_only_async },
    { "putasync: CreateOnly", create_only_async },
    { "putasync: null key", null_key_async },
    { "putasync: unknown class", unknown_class_async },
    { "putasync: contradictory and unknown flags", bad_flags_async },
    { "putasync: UseAmendedQualifiers, ReturnImmediately, SendStatus accepted", accepted_flags_async },
    { "putasync: OnObjectPut gets the path", put_path_async },
    { "putasync: SafeMode and ForceMode on an instance", class_modes_async },
    { "putasync: keyless class", keyless_async },
    { "putasync: same keys in another class of the hierarchy", same_keys_async },
    { NULL, NULL },
};
