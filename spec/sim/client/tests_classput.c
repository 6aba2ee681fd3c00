/* The put rules for classes (reference/ISWbemObject-PutAsync_.md, IWbemServices::
 * PutClass, WbemChangeFlagEnum): create/update modes and the class update modes
 * Compatible, SafeMode and ForceMode with child classes and instances, checked through
 * Put_ and through PutAsync_ (see put_rule in asynchelp.c). */
#include "client.h"

static const char *api(int async) { return async ? "PutAsync_" : "Put_"; }

static IDispatch *with_new_property(IDispatch *svc, const WCHAR *cls, const WCHAR *prop)
{
    HRESULT hr;
    IDispatch *c = disp_callo(svc, L"Get", &hr, 1, v_str(cls));
    disp_callo(disp_geto(c, L"Properties_", &hr), L"Add", &hr, 2, v_str(prop), v_i4(CIM_T_UINT32));
    if (FAILED(hr)) diag("adding %s to %s: %s %s", u8(prop), u8(cls), hr_name(hr), disp_last_error());
    return c;
}

/* 1: the class has the property, 0: it has not, -1: the class cannot be read */
static int has_property(IDispatch *svc, const WCHAR *cls, const WCHAR *prop)
{
    HRESULT hr;
    IDispatch *c = disp_callo(svc, L"Get", &hr, 1, v_str(cls));
    if (FAILED(hr)) return -1;
    hr = prop_item(c, prop, NULL);
    if (hr == WBEM_E_NOT_FOUND_) return 0;
    return SUCCEEDED(hr) ? 1 : -1;
}

/* 1: the class qualifier has the value, 0: another or none, -1: the class cannot be read */
static int class_qualifier_is(IDispatch *svc, const WCHAR *cls, const WCHAR *name, const WCHAR *value)
{
    HRESULT hr;
    BSTR v = NULL;
    IDispatch *c = disp_callo(svc, L"Get", &hr, 1, v_str(cls));
    if (FAILED(hr)) return -1;
    IDispatch *q = disp_callo(disp_geto(c, L"Qualifiers_", &hr), L"Item", &hr, 1, v_str(name));
    if (SUCCEEDED(hr)) disp_get_bstr(q, L"Value", &v);
    int same = v && !wcscmp(v, value);
    if (!same) diag("%s's qualifier %s is %s", u8(cls), u8(name), v ? u8(v) : "(none)");
    SysFreeString(v);
    return same;
}

/* the CIMType of a property, -1 when it cannot be read */
static LONG property_type(IDispatch *svc, const WCHAR *cls, const WCHAR *prop)
{
    HRESULT hr;
    LONG type = -1;
    IDispatch *p = NULL;
    IDispatch *c = disp_callo(svc, L"Get", &hr, 1, v_str(cls));
    if (SUCCEEDED(hr) && SUCCEEDED(prop_item(c, prop, &p))) disp_get_long(p, L"CIMType", &type);
    return type;
}

static void class_create_update(int async)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_C", NULL, "Name:string:key");
    IDispatch *again = new_class(svc, L"SimT_C", NULL, "Name:string:key", &hr);
    check_hr(put_rule(async, again, wbemChangeFlagCreateOnly, FALSE), WBEM_E_ALREADY_EXISTS_,
             "%s: CreateOnly on an existing class gives WBEM_E_ALREADY_EXISTS", api(async));
    IDispatch *missing = new_class(svc, L"SimT_Missing", NULL, "Name:string:key", &hr);
    check_hr(put_rule(async, missing, wbemChangeFlagUpdateOnly, FALSE), WBEM_E_NOT_FOUND_,
             "%s: UpdateOnly on a missing class gives WBEM_E_NOT_FOUND", api(async));
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Missing"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "%s: the refused UpdateOnly did not create the class", api(async));
    check_hr(put_rule(async, with_new_property(svc, L"SimT_C", L"More"), wbemChangeFlagCreateOrUpdate, FALSE),
             S_OK, "%s: CreateOrUpdate updates a class without children or instances", api(async));
    ok(has_property(svc, L"SimT_C", L"More") == 1, "%s: the updated class has the new property", api(async));
    check_hr(put_rule(async, with_new_property(svc, L"SimT_C", L"More2"), wbemChangeFlagUpdateOnly, FALSE),
             S_OK, "%s: UpdateOnly updates an existing class", api(async));
    check_hr(put_rule(async, missing, wbemChangeFlagCreateOnly | wbemFlagUseAmendedQualifiers, FALSE), S_OK,
             "%s: CreateOnly|UseAmendedQualifiers creates a missing class", api(async));
    check_hr(put_rule(async, with_new_property(svc, L"SimT_C", L"X"),
                    wbemChangeFlagUpdateSafeMode | wbemChangeFlagUpdateForceMode, TRUE),
             WBEM_E_INVALID_PARAMETER_,
             "%s: UpdateSafeMode|UpdateForceMode together give WBEM_E_INVALID_PARAMETER", api(async));
}

/* WbemChangeFlagEnum, wbemChangeFlagUpdateCompatible: "Allows a class to be updated
 * if there are no derived classes and there are no instances for that class. It
 * also allows updates in all cases if the change is just to unimportant qualifiers
 * (for example, the Description qualifier)." */
static void class_compatible(int async)
{
    HRESULT hr;
    VARIANT res;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Parent", NULL, "Name:string:key");
    make_class(svc, L"SimT_Kid", L"SimT_Parent", "Extra:string");
    check_hr(put_rule(async, with_new_property(svc, L"SimT_Parent", L"P2"), wbemChangeFlagUpdateCompatible, FALSE),
             WBEM_E_CLASS_HAS_CHILDREN_,
             "%s: UpdateCompatible on a class with child classes gives WBEM_E_CLASS_HAS_CHILDREN", api(async));
    ok(has_property(svc, L"SimT_Parent", L"P2") == 0, "%s: the refused class update changed nothing", api(async));

    make_class(svc, L"SimT_Filled", NULL, "Name:string:key");
    make_instance(svc, L"SimT_Filled", L"Name", L"i");
    check_hr(put_rule(async, with_new_property(svc, L"SimT_Filled", L"P2"), wbemChangeFlagUpdateCompatible, FALSE),
             WBEM_E_CLASS_HAS_INSTANCES_,
             "%s: UpdateCompatible on a class with instances gives WBEM_E_CLASS_HAS_INSTANCES", api(async));

    IDispatch *c = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Parent"));
    disp_call(disp_geto(c, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Description"), v_str(L"changed"));
    VariantClear(&res);
    check_hr(put_rule(async, c, wbemChangeFlagUpdateCompatible, FALSE), S_OK,
             "%s: UpdateCompatible allows a Description-only change to a class with children", api(async));
    c = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Filled"));
    disp_call(disp_geto(c, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Description"), v_str(L"changed"));
    VariantClear(&res);
    check_hr(put_rule(async, c, wbemChangeFlagUpdateCompatible, FALSE), S_OK,
             "%s: UpdateCompatible allows a Description-only change to a class with instances", api(async));
    /* "allows updates in all cases": the other modes too, with children and instances */
    static const struct { LONG flags; const char *name; const WCHAR *text; } modes[] = {
        { wbemChangeFlagUpdateSafeMode, "UpdateSafeMode", L"changed in safe mode" },
        { wbemChangeFlagUpdateForceMode, "UpdateForceMode", L"changed in force mode" },
    };
    for (int m = 0; m < 2; m++) {
        make_instance(svc, L"SimT_Kid", L"Name", L"kid");
        c = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Parent"));
        disp_call(disp_geto(c, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Description"), v_str(modes[m].text));
        VariantClear(&res);
        check_hr(put_rule(async, c, modes[m].flags, FALSE), S_OK,
                 "%s: %s allows a Description-only change to a class with children and instances", api(async),
                 modes[m].name);
        ok(class_qualifier_is(svc, L"SimT_Parent", L"Description", modes[m].text) == 1,
           "%s: the Description written in %s reads back", api(async), modes[m].name);
    }
}

/* wbemChangeFlagUpdateSafeMode: "Allows updates of classes even if there are child
 * classes if the change does not cause any conflicts with child classes ... If the
 * class has instances the update fails." */
static void class_safe(int async)
{
    HRESULT hr;
    VARIANT res;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Parent", NULL, "Name:string:key");
    make_class(svc, L"SimT_Kid", L"SimT_Parent", "Extra:string");
    check_hr(put_rule(async, with_new_property(svc, L"SimT_Parent", L"P2"), wbemChangeFlagUpdateSafeMode, FALSE),
             S_OK, "%s: UpdateSafeMode adds a property to a class with children when nothing conflicts", api(async));
    ok(has_property(svc, L"SimT_Kid", L"P2") == 1, "%s: the child class inherits the property added in safe mode", api(async));

    make_class(svc, L"SimT_Filled", NULL, "Name:string:key");
    make_instance(svc, L"SimT_Filled", L"Name", L"i");
    check_hr(put_rule(async, with_new_property(svc, L"SimT_Filled", L"P2"), wbemChangeFlagUpdateSafeMode, FALSE),
             WBEM_E_CLASS_HAS_INSTANCES_,
             "%s: UpdateSafeMode on a class with instances gives WBEM_E_CLASS_HAS_INSTANCES", api(async));

    /* a conflict: the child has its own class qualifier Q, the base adds Q as propagated to
     * subclasses and not overridable. WbemErrorEnum, wbemErrUpdateOverrideNotAllowed: "An
     * attempt was made in a derived class to override a qualifier that cannot be overridden." */
    HRESULT setup;
    IDispatch *kid = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Kid"));
    setup = disp_call(disp_geto(kid, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Q"), v_str(L"kid"));
    VariantClear(&res);
    if (SUCCEEDED(setup)) setup = put_flags(kid, 0, NULL);
    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Parent"));
    if (SUCCEEDED(setup))
        setup = disp_call(disp_geto(base, L"Qualifiers_", &hr), L"Add", &res, 5, v_str(L"Q"),
                          v_str(L"base"), v_bool(TRUE), v_bool(TRUE), v_bool(FALSE));
    VariantClear(&res);
    if (FAILED(setup)) diag("setting up the qualifier conflict: %s %s", hr_name(setup), disp_last_error());
    check_hr(put_rule(async, base, wbemChangeFlagUpdateSafeMode, FALSE), WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED_,
             "%s: UpdateSafeMode refuses a not overridable qualifier that a child class overrides with "
             "WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED", api(async));
    ok(class_qualifier_is(svc, L"SimT_Kid", L"Q", L"kid") == 1,
       "%s: the refused update left the child's own qualifier alone", api(async));

    /* SWbemQualifier.IsOverridable: "indicates if this qualifier can be overridden when
     * propagated": a child overriding an overridable qualifier conflicts with nothing. */
    make_class(svc, L"SimT_Open", NULL, "Name:string:key");
    IDispatch *okid = new_class(svc, L"SimT_OpenKid", L"SimT_Open", "", &hr);
    disp_call(disp_geto(okid, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Q"), v_str(L"kid"));
    VariantClear(&res);
    put_flags(okid, 0, NULL);
    IDispatch *open = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Open"));
    disp_call(disp_geto(open, L"Qualifiers_", &hr), L"Add", &res, 5, v_str(L"Q"), v_str(L"base"),
              v_bool(TRUE), v_bool(TRUE), v_bool(TRUE));
    VariantClear(&res);
    check_hr(put_rule(async, open, wbemChangeFlagUpdateSafeMode, FALSE), S_OK,
             "%s: UpdateSafeMode accepts an overridable qualifier that a child class overrides", api(async));
    ok(class_qualifier_is(svc, L"SimT_OpenKid", L"Q", L"kid") == 1,
       "%s: the child keeps its override of the overridable qualifier", api(async));

    /* a conflict: the child's own property V, redeclared by the base with another type */
    make_class(svc, L"SimT_Typed", NULL, "Name:string:key");
    make_class(svc, L"SimT_TypedKid", L"SimT_Typed", "V:uint32");
    IDispatch *typed = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Typed"));
    disp_callo(disp_geto(typed, L"Properties_", &hr), L"Add", &hr, 2, v_str(L"V"), v_i4(CIM_T_STRING));
    check_hr(put_rule(async, typed, wbemChangeFlagUpdateSafeMode, FALSE), WBEM_E_UPDATE_TYPE_MISMATCH_,
             "%s: UpdateSafeMode refuses a property that a child class declares with another type with "
             "WBEM_E_UPDATE_TYPE_MISMATCH", api(async));
    check_long(property_type(svc, L"SimT_TypedKid", L"V"), CIM_T_UINT32,
               "%s: the refused update left the child's property its own type", api(async));
    ok(has_property(svc, L"SimT_Typed", L"V") == 0, "%s: the refused update left the base class unchanged", api(async));
}

/* WbemChangeFlagUpdateForceMode: "Forces updates of classes when conflicting child
 * classes exist ... this conflict is resolved by deleting the conflicting qualifier
 * in the child class. If the class has instances the update fails. Using force mode
 * to update a static class results in the deletion of all instances of that class."
 * The last two sentences disagree for a static class with instances; spec/sim/README.md
 * ("Choices") follows the second, more specific one: every class of the simulator is
 * static, so a forced update succeeds and deletes the instances of the class and of its
 * subclasses (which are instances of the class, as InstancesOf shows). */
static void class_force(int async)
{
    HRESULT hr;
    VARIANT res;
    LONG n = -1;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Parent", NULL, "Name:string:key");
    make_class(svc, L"SimT_Kid", L"SimT_Parent", "Extra:string");
    check_hr(put_rule(async, with_new_property(svc, L"SimT_Parent", L"P2"), wbemChangeFlagUpdateForceMode, FALSE),
             S_OK, "%s: UpdateForceMode updates a class with child classes", api(async));

    IDispatch *kid = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Kid"));
    disp_call(disp_geto(kid, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Q"), v_str(L"kid"));
    VariantClear(&res);
    put_flags(kid, 0, NULL);
    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Parent"));
    disp_call(disp_geto(base, L"Qualifiers_", &hr), L"Add", &res, 5, v_str(L"Q"), v_str(L"base"),
              v_bool(TRUE), v_bool(TRUE), v_bool(FALSE));
    VariantClear(&res);
    HRESULT forced = put_rule(async, base, wbemChangeFlagUpdateForceMode, FALSE);
    check_hr(forced, S_OK, "%s: UpdateForceMode forces a change that conflicts with a child class", api(async));
    HRESULT got_kid;
    kid = disp_callo(svc, L"Get", &got_kid, 1, v_str(L"SimT_Kid"));
    BSTR q = NULL;
    IDispatch *qual = disp_callo(disp_geto(kid, L"Qualifiers_", &hr), L"Item", &hr, 1, v_str(L"Q"));
    disp_get_bstr(qual, L"Value", &q);
    ok(forced == S_OK && got_kid == S_OK && (!q || wcscmp(q, L"kid") != 0),
       "%s: force mode deleted the child's conflicting qualifier", api(async));
    if (q) diag("child's Q is now \"%s\"", u8(q));
    SysFreeString(q);

    /* a property conflict is resolved for the parent too: its declaration wins */
    make_class(svc, L"SimT_Typed", NULL, "Name:string:key");
    make_class(svc, L"SimT_TypedKid", L"SimT_Typed", "V:uint32");
    IDispatch *typed = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Typed"));
    disp_callo(disp_geto(typed, L"Properties_", &hr), L"Add", &hr, 2, v_str(L"V"), v_i4(CIM_T_STRING));
    check_hr(put_rule(async, typed, wbemChangeFlagUpdateForceMode, FALSE), S_OK,
             "%s: UpdateForceMode forces a property that a child class declares with another type", api(async));
    check_long(property_type(svc, L"SimT_TypedKid", L"V"), CIM_T_STRING,
               "%s: force mode gave the child the parent's declaration of the property", api(async));

    make_class(svc, L"SimT_Filled", NULL, "Name:string:key");
    make_class(svc, L"SimT_FilledKid", L"SimT_Filled", "Extra:string");
    make_class(svc, L"SimT_Other", NULL, "Name:string:key");
    make_instance(svc, L"SimT_Filled", L"Name", L"i");
    make_instance(svc, L"SimT_FilledKid", L"Name", L"k");
    make_instance(svc, L"SimT_Other", L"Name", L"o");
    check_hr(put_rule(async, with_new_property(svc, L"SimT_Filled", L"P2"), wbemChangeFlagUpdateForceMode, FALSE),
             S_OK, "%s: UpdateForceMode on a static class with instances succeeds (README, Choices)", api(async));
    ok(has_property(svc, L"SimT_Filled", L"P2") == 1, "%s: the forced update was written", api(async));
    ok(has_property(svc, L"SimT_FilledKid", L"P2") == 1, "%s: the forced update reached the subclass", api(async));
    instance_count(svc, L"SimT_Filled", &n);
    check_long(n, 0, "%s: the forced update deleted the instances of the class and of its subclasses", api(async));
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_FilledKid.Name=\"k\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "%s: the subclass's instance is gone", api(async));
    instance_count(svc, L"SimT_Other", &n);
    check_long(n, 1, "%s: instances of other classes stay", api(async));
}

/* IWbemServices::PutClass: "The user may not create classes with names that begin or end
 * with an underscore"; pObject "Must point to a valid class definition" (a class needs a
 * name: WBEM_E_INVALID_OBJECT); a superclass that does not exist: WbemErrorEnum
 * wbemErrInvalidSuperclass "Parent class specified is not valid". */
static void class_refused(int async)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    static const WCHAR *const bad[] = { L"_SimT_Lead", L"SimT_Trail_" };
    for (int i = 0; i < 2; i++) {
        IDispatch *c = new_class(svc, bad[i], NULL, "Name:string:key", &hr);
        check_hr(put_rule(async, c, 0, FALSE), WBEM_E_INVALID_OPERATION_,
                 "%s: a class named \"%s\" gives WBEM_E_INVALID_OPERATION", api(async), u8(bad[i]));
        disp_callo(svc, L"Get", &hr, 1, v_str(bad[i]));
        check_hr(hr, WBEM_E_NOT_FOUND_, "%s: the class named \"%s\" was not written", api(async), u8(bad[i]));
    }

    IDispatch *anon = disp_callo(svc, L"Get", &hr, 1, v_str(L""));
    disp_callo(disp_geto(anon, L"Properties_", &hr), L"Add", &hr, 2, v_str(L"Name"), v_i4(CIM_T_STRING));
    check_hr(put_rule(async, anon, 0, FALSE), WBEM_E_INVALID_OBJECT_,
             "%s: a class without a name gives WBEM_E_INVALID_OBJECT", api(async));

    make_class(svc, L"SimT_Gone", NULL, "Name:string:key");
    IDispatch *orphan = new_class(svc, L"SimT_Orphan", L"SimT_Gone", "Extra:string", &hr);
    hr = disp_call(svc, L"Delete", NULL, 1, v_str(L"SimT_Gone"));
    if (FAILED(hr)) diag("deleting the superclass: %s %s", hr_name(hr), disp_last_error());
    check_hr(put_rule(async, orphan, 0, FALSE), WBEM_E_INVALID_SUPERCLASS_,
             "%s: a class whose superclass does not exist gives WBEM_E_INVALID_SUPERCLASS", api(async));
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Orphan"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "%s: the class with the unknown superclass was not written", api(async));
}

#define BOTH(fn) \
    static void fn##_sync(void) { fn(0); } \
    static void fn##_async(void) { fn(1); }
BOTH(class_create_update) BOTH(class_compatible) BOTH(class_safe) BOTH(class_force) BOTH(class_refused)

const test_case suite_classput[] = {
    { "classput: create and update modes on classes", class_create_update_sync },
    { "classput: UpdateCompatible with children and instances", class_compatible_sync },
    { "classput: UpdateSafeMode", class_safe_sync },
    { "classput: UpdateForceMode", class_force_sync },
    { "classput: class names, a class without a name, an unknown superclass", class_refused_sync },
    { "classputasync: create and update modes on classes", class_create_update_async },
    { "classputasync: UpdateCompatible with children and instances", class_compatible_async },
    { "classputasync: UpdateSafeMode", class_safe_async },
    { "classputasync: UpdateForceMode", class_force_async },
    { "classputasync: class names, a class without a name, an unknown superclass", class_refused_async },
    { NULL, NULL },
};
