/* The query family (issue 10), in root\cimv2's seeded schema (Sim_Base b1, Sim_Derived d1,
 * the association Sim_Link b1 -> d1):
 *   WQL property lists ("SELECT Name, Size FROM C": the objects carry those properties and
 *   the keys; an unknown name is WBEM_E_INVALID_QUERY), ASSOCIATORS OF and REFERENCES OF
 *   with the keywords of Microsoft's "ASSOCIATORS OF Statement", "REFERENCES OF Statement"
 *   and "Schema Associations", SWbemServices.SubclassesOf / AssociatorsOf / ReferencesTo
 *   and their Async forms, and SWbemObject's Instances_, Subclasses_, Associators_,
 *   References_ and their Async_ forms; every asynchronous one in both delivery modes. */
#include "client.h"
#include <stdio.h>
#include <string.h>

#define B1 L"Sim_Base.Id=\"b1\""
#define D1 L"Sim_Derived.Id=\"d1\""

static IDispatch *cimv2(void)
{
    HRESULT hr;
    return sim_connect(L"root\\cimv2", &hr);
}

/* Appends what identifies obj to out, after a comma unless first: its key Id, else its
 * class (a class definition, or an association instance). */
static void add_name(IDispatch *obj, BOOL first, WCHAR *out, int len)
{
    BSTR s = NULL;
    IDispatch *path = disp_geto(obj, L"Path_", NULL);
    BOOL is_class = FALSE;
    disp_get_bool(path, L"IsClass", &is_class);
    if (is_class || FAILED(disp_get_bstr(obj, L"Id", &s))) {
        SysFreeString(s);
        s = NULL;
        disp_get_bstr(path, L"Class", &s);
    }
    if (!first) wcsncat(out, L",", len - wcslen(out) - 1);
    wcsncat(out, s ? s : L"?", len - wcslen(out) - 1);
    SysFreeString(s);
}

/* the names of a set's objects, in the set's order */
static void set_names(IDispatch *set, WCHAR *out, int len, HRESULT *phr)
{
    IDispatch *items[32];
    HRESULT hr;
    int n = enum_objects(set, items, 32, &hr);
    out[0] = 0;
    for (int i = 0; i < n && i < 32; i++) add_name(items[i], i == 0, out, len);
    if (phr) *phr = hr;
}

/* ExecQuery's names, or the failure (from the call or the set's first use) */
static HRESULT query_names(IDispatch *svc, const WCHAR *wql, WCHAR *out, int len)
{
    HRESULT hr;
    LONG n;
    out[0] = 0;
    IDispatch *set = disp_callo(svc, L"ExecQuery", &hr, 3, v_str(wql), v_str(L"WQL"), v_i4(0));
    if (SUCCEEDED(hr)) hr = disp_get_long(set, L"Count", &n);
    if (SUCCEEDED(hr)) set_names(set, out, len, &hr);
    return hr;
}

static void check_query(IDispatch *svc, const WCHAR *wql, const WCHAR *want, const char *what)
{
    WCHAR got[512];
    HRESULT hr = query_names(svc, wql, got, 512);
    if (!check_hr(hr, S_OK, "%s: %s succeeds", what, u8(wql))) return;
    check_wstr(got, want, "%s: %s returns [%s]", what, u8(wql), u8(want));
}

static void check_query_fails(IDispatch *svc, const WCHAR *wql, HRESULT want, const char *what)
{
    WCHAR got[512];
    check_hr(query_names(svc, wql, got, 512), want, "%s: %s fails with %s", what, u8(wql), hr_name(want));
}

/* ExecQuery's objects (kept for the test) */
static int query_objects(IDispatch *svc, const WCHAR *wql, IDispatch **items, int max)
{
    HRESULT hr;
    IDispatch *set = disp_callo(svc, L"ExecQuery", &hr, 1, v_str(wql));
    return enum_objects(set, items, max, &hr);
}

/* a table of statements and what each returns */
typedef struct query_case { const WCHAR *wql, *want; } query_case;

static void check_queries(IDispatch *svc, const query_case *c, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) check_query(svc, c[i].wql, c[i].want, what);
}

static LONG prop_count(IDispatch *obj)
{
    LONG n = -1;
    IDispatch *props = disp_geto(obj, L"Properties_", NULL);
    disp_get_long(props, L"Count", &n);
    return n;
}

/* ---- property lists ---- */

static void property_lists(void)
{
    HRESULT hr;
    IDispatch *svc = cimv2(), *items[4];
    int n = query_objects(svc, L"SELECT Label FROM Sim_Base WHERE Id = 'd1'", items, 4);
    check_long(n, 1, "proplist: SELECT Label FROM Sim_Base WHERE Id = 'd1' returns the instance");
    if (n == 1) {
        BSTR s = NULL;
        check_long(prop_count(items[0]), 2, "proplist: the object carries the listed property and the key only");
        disp_get_bstr(items[0], L"Label", &s);
        check_wstr(s, L"derived one", "proplist: the listed property has its value");
        SysFreeString(s);
        s = NULL;
        disp_get_bstr(items[0], L"Id", &s);
        check_wstr(s, L"d1", "proplist: the key is there although not listed");
        SysFreeString(s);
        VARIANT v;
        VariantInit(&v);
        hr = disp_get(items[0], L"Extra", &v);
        ok(FAILED(hr), "proplist: a property of the class that was not listed cannot be read (%s)", hr_name(hr));
        VariantClear(&v);
        BSTR rel = NULL;
        IDispatch *path = disp_geto(items[0], L"Path_", NULL);
        disp_get_bstr(path, L"RelPath", &rel);
        check_wstr(rel, D1, "proplist: the object's path is whole (the keys are kept)");
        SysFreeString(rel);
    }
    n = query_objects(svc, L"select Extra , Label from Sim_Derived", items, 4);
    ok(n == 1 && prop_count(items[0]) == 3, "proplist: two listed properties (spaces around the comma) and the key");
    n = query_objects(svc, L"SELECT __PATH, Label FROM Sim_Base", items, 4);
    ok(n == 2 && prop_count(items[0]) == 2, "proplist: a system property (__PATH) in the list is accepted");
    check_query_fails(svc, L"SELECT Nope FROM Sim_Base", WBEM_E_INVALID_QUERY_, "proplist");
    check_query_fails(svc, L"SELECT Label, FROM Sim_Base", WBEM_E_INVALID_QUERY_, "proplist");
    check_query_fails(svc, L"SELECT Label FROM Sim_NoSuch", WBEM_E_INVALID_CLASS_, "proplist");
}

static void for_each_delivery(void (*body)(const char *mode))
{
    body("marshal");
    ctl_set_str(g_ctl, L"Delivery", L"direct");
    body("direct");
    ctl_set_str(g_ctl, L"Delivery", L"marshal");
}

/* the names of OnObjectReady's objects, in order */
static void ready_names(receiver *r, WCHAR *out, int len)
{
    const event_rec *e;
    out[0] = 0;
    for (int i = 0; r && (e = find_event(r, EV_OBJECT_READY, i)); i++) {
        IDispatch *o = e->argc >= 1 ? keep(var_to_disp((VARIANT *)&e->args[0])) : NULL;
        add_name(o, i == 0, out, len);
    }
}

/* an asynchronous call on a fresh sink: OnObjectReady's names, then OnCompleted(want) last */
static void check_async(simsink *s, HRESULT call, HRESULT want, const WCHAR *names, const char *what)
{
    WCHAR got[512];
    check_hr(call, S_OK, "%s: returns at once without error", what);
    check_completed(s, want, "%s: completes with OnCompleted(%s)", what, hr_name(want));
    ready_names(s ? s->rcv : NULL, got, 512);
    check_wstr(got, names, "%s: OnObjectReady for [%s]", what, u8(names));
    int n = s ? receiver_count(s->rcv) : 0;
    ok(n > 0 && receiver_event(s->rcv, n - 1)->id == EV_COMPLETED && receiver_count_id(s->rcv, EV_COMPLETED) == 1,
       "%s: OnCompleted comes last, once", what);
}

static void property_lists_async_in(const char *mode)
{
    HRESULT hr;
    char what[64];
    IDispatch *svc = cimv2();
    simsink *s = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"ExecQueryAsync", NULL, 2, v_disp(s ? s->sink : NULL), v_str(L"SELECT Label FROM Sim_Derived"));
    snprintf(what, sizeof what, "proplist async (%s)", mode);
    check_async(s, hr, S_OK, L"d1", what);
    const event_rec *e = s ? find_event(s->rcv, EV_OBJECT_READY, 0) : NULL;
    IDispatch *o = e ? var_to_disp((VARIANT *)&e->args[0]) : NULL;
    check_long(o ? prop_count(o) : -1, 2, "proplist async (%s): the object carries Label and the key only", mode);
    if (o) IDispatch_Release(o);
    simsink *f = simsink_keep(NULL, &hr);
    hr = disp_call(svc, L"ExecQueryAsync", NULL, 2, v_disp(f ? f->sink : NULL), v_str(L"SELECT Nope FROM Sim_Base"));
    check_async(f, hr, WBEM_E_INVALID_QUERY_, L"", "proplist async: an unknown property");
}

static void property_lists_async(void) { for_each_delivery(property_lists_async_in); }

/* ---- the seeded association ---- */

static void seeded_association(void)
{
    HRESULT hr;
    IDispatch *svc = cimv2();
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Link"));
    check_hr(hr, S_OK, "association: the class Sim_Link is seeded");
    IDispatch *quals = disp_geto(cls, L"Qualifiers_", &hr);
    IDispatch *q = disp_callo(quals, L"Item", &hr, 1, v_str(L"association"));
    VARIANT v;
    VariantInit(&v);
    if (q) disp_get(q, L"Value", &v);
    ok(V_VT(&v) == VT_BOOL && V_BOOL(&v), "association: Sim_Link has the association qualifier (True)");
    VariantClear(&v);
    IDispatch *link = disp_callo(svc, L"Get", &hr, 1,
                                 v_str(L"Sim_Link.Antecedent=\"Sim_Base.Id=\\\"b1\\\"\",Dependent=\"Sim_Derived.Id=\\\"d1\\\"\""));
    check_hr(hr, S_OK, "association: the link b1 -> d1 is seeded, keyed by its two references");
    BSTR s = NULL;
    disp_get_bstr(link, L"Dependent", &s);
    check_wstr(s, D1, "association: its Dependent names d1");
    SysFreeString(s);
}

/* a second association class linking b1 and d1 again, for the counts */
static void second_link(IDispatch *svc)
{
    HRESULT hr;
    IDispatch *cls = new_class(svc, L"SimT_Also", NULL, "Left:reference:key,Right:reference:key", &hr);
    IDispatch *quals = disp_geto(cls, L"Qualifiers_", &hr);
    VARIANT res;
    VariantInit(&res);
    if (SUCCEEDED(hr)) hr = disp_call(quals, L"Add", &res, 2, v_str(L"association"), v_bool(TRUE));
    VariantClear(&res);
    if (SUCCEEDED(hr)) hr = put_flags(cls, 0, NULL);
    IDispatch *inst = SUCCEEDED(hr) ? spawn(svc, L"SimT_Also", &hr) : NULL;
    if (SUCCEEDED(hr)) hr = disp_put(inst, L"Left", v_str(D1));
    if (SUCCEEDED(hr)) hr = disp_put(inst, L"Right", v_str(B1));
    if (SUCCEEDED(hr)) hr = put_flags(inst, 0, NULL);
    if (FAILED(hr)) diag("setting up SimT_Also: %s %s", hr_name(hr), disp_last_error());
}

/* ---- ASSOCIATORS OF ---- */

static void associators_of(void)
{
    IDispatch *svc = cimv2();
    const char *w = "associators";
    static const query_case cases[] = {
        { L"ASSOCIATORS OF {" B1 L"}", L"d1" },
        { L"ASSOCIATORS OF {" D1 L"}", L"b1" },
        { L"associators of {Sim_Base.Id='d1'}", L"b1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE AssocClass = Sim_Link", L"d1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE AssocClass = Sim_Base", L"" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE ResultClass = Sim_Derived", L"d1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE ResultClass = Sim_Base", L"d1" },
        { L"ASSOCIATORS OF {" D1 L"} WHERE ResultClass = Sim_Derived", L"" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE ResultRole = Dependent", L"d1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE ResultRole = Antecedent", L"" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE Role = Antecedent", L"d1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE Role = Dependent", L"" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE RequiredAssocQualifier = association", L"d1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE RequiredAssocQualifier = Nope", L"" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE RequiredQualifier = Description", L"d1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE RequiredQualifier = Nope", L"" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE ClassDefsOnly", L"Sim_Derived" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE Role = Antecedent AssocClass = Sim_Link ResultRole = Dependent", L"d1" },
        { L"ASSOCIATORS OF {Sim_Base} WHERE SchemaOnly", L"Sim_Base" },
        { L"ASSOCIATORS OF {Sim_Derived} WHERE SchemaOnly AssocClass = Sim_Link", L"Sim_Base" },
        { L"ASSOCIATORS OF {Sim_AllTypes} WHERE SchemaOnly", L"" },
    };
    check_queries(svc, cases, sizeof cases / sizeof cases[0], w);

    IDispatch *items[4];
    int n = query_objects(svc, L"ASSOCIATORS OF {" B1 L"} WHERE KeysOnly", items, 4);
    ok(n == 1 && prop_count(items[0]) == 1, "associators: KeysOnly: the endpoint carries its key only");

    second_link(svc);
    check_query(svc, L"ASSOCIATORS OF {" B1 L"}", L"d1,d1",
                "associators: \"Each endpoint is returned as many times as there are associations\"");
    check_query(svc, L"ASSOCIATORS OF {" B1 L"} WHERE ClassDefsOnly", L"Sim_Derived",
                "associators: ClassDefsOnly gives each class once");
    static const query_case after[] = {
        { L"ASSOCIATORS OF {" B1 L"} WHERE AssocClass = SimT_Also", L"d1" },
        { L"ASSOCIATORS OF {" B1 L"} WHERE ResultRole = Left", L"d1" },
    };
    check_queries(svc, after, sizeof after / sizeof after[0], w);

    check_query_fails(svc, L"ASSOCIATORS OF {" B1 L"} WHERE ClassDefsOnly ResultClass = Sim_Base", WBEM_E_INVALID_QUERY_,
                      "associators: \"ClassDefsOnly and ResultClass keywords are mutually exclusive\"");
    check_query_fails(svc, L"ASSOCIATORS OF {Sim_Base} WHERE SchemaOnly ClassDefsOnly", WBEM_E_INVALID_QUERY_,
                      "associators: ClassDefsOnly \"is not valid\" in a schema query");
    check_query_fails(svc, L"ASSOCIATORS OF {" B1 L"} WHERE SchemaOnly", WBEM_E_INVALID_QUERY_,
                      "associators: SchemaOnly of an instance");
    check_query_fails(svc, L"ASSOCIATORS OF {" B1 L"} WHERE Nope = x", WBEM_E_INVALID_QUERY_, w);
    check_query_fails(svc, L"ASSOCIATORS OF {" B1 L"} WHERE Role = a Role = b", WBEM_E_INVALID_QUERY_, w);
    check_query_fails(svc, L"ASSOCIATORS OF {" B1 L"} WHERE", WBEM_E_INVALID_QUERY_, w);
    check_query_fails(svc, L"ASSOCIATORS OF {" B1 L"} WHERE Role = Antecedent, ResultRole = Dependent",
                      WBEM_E_INVALID_QUERY_, "associators: the keywords are not comma separated");
    check_query_fails(svc, L"ASSOCIATORS OF " B1, WBEM_E_INVALID_QUERY_, "associators: the braces are part of the syntax");
    check_query_fails(svc, L"ASSOCIATORS OF {Sim_Base.Id=\"zz\"}", WBEM_E_NOT_FOUND_, w);
    check_query_fails(svc, L"ASSOCIATORS OF {Sim_NoSuch.Id=\"b1\"}", WBEM_E_INVALID_CLASS_, w);
    check_query_fails(svc, L"ASSOCIATORS OF {Sim_Base.Nope=\"b1\"}", WBEM_E_INVALID_OBJECT_PATH_, w);
    check_query_fails(svc, L"ASSOCIATORS OF {Sim_NoSuch}", WBEM_E_NOT_FOUND_, w);
}

/* ---- REFERENCES OF ---- */

static void references_of(void)
{
    IDispatch *svc = cimv2();
    const char *w = "references";
    static const query_case cases[] = {
        { L"REFERENCES OF {" B1 L"}", L"Sim_Link" },
        { L"REFERENCES OF {" D1 L"}", L"Sim_Link" },
        { L"REFERENCES OF {" B1 L"} WHERE Role = Antecedent", L"Sim_Link" },
        { L"REFERENCES OF {" B1 L"} WHERE Role = Dependent", L"" },
        { L"REFERENCES OF {" B1 L"} WHERE ResultClass = Sim_Link", L"Sim_Link" },
        { L"REFERENCES OF {" B1 L"} WHERE ResultClass = Sim_Base", L"" },
        { L"REFERENCES OF {" B1 L"} WHERE RequiredQualifier = association", L"Sim_Link" },
        { L"REFERENCES OF {" B1 L"} WHERE RequiredQualifier = Nope", L"" },
        { L"REFERENCES OF {" B1 L"} WHERE ClassDefsOnly", L"Sim_Link" },
        { L"REFERENCES OF {Sim_Derived} WHERE SchemaOnly", L"Sim_Link" },
        { L"REFERENCES OF {Sim_AllTypes} WHERE SchemaOnly", L"" },
    };
    check_queries(svc, cases, sizeof cases / sizeof cases[0], w);

    IDispatch *items[4];
    int n = query_objects(svc, L"REFERENCES OF {" B1 L"}", items, 4);
    BSTR s = NULL;
    if (n == 1) disp_get_bstr(items[0], L"Antecedent", &s);
    check_wstr(s, B1, "references: the association instance comes whole (its Antecedent is b1)");
    SysFreeString(s);

    second_link(svc);
    check_query(svc, L"REFERENCES OF {" B1 L"}", L"Sim_Link,SimT_Also", "references: each association once");
    static const query_case after[] = {
        { L"REFERENCES OF {" B1 L"} WHERE Role = Right", L"SimT_Also" },
        { L"REFERENCES OF {" B1 L"} WHERE ClassDefsOnly", L"Sim_Link,SimT_Also" },
    };
    check_queries(svc, after, sizeof after / sizeof after[0], w);
    check_query_fails(svc, L"REFERENCES OF {" B1 L"} WHERE AssocClass = Sim_Link", WBEM_E_INVALID_QUERY_,
                      "references: AssocClass is not a REFERENCES OF keyword");
    check_query_fails(svc, L"REFERENCES OF {" B1 L"} WHERE ResultRole = Dependent", WBEM_E_INVALID_QUERY_, w);
    check_query_fails(svc, L"REFERENCES OF {" B1 L"} WHERE ClassDefsOnly ResultClass = Sim_Link",
                      WBEM_E_INVALID_QUERY_, w);
    check_query_fails(svc, L"REFERENCES OF {Sim_Base.Id=\"zz\"}", WBEM_E_NOT_FOUND_, w);
}

/* ---- SubclassesOf ---- */

static void subclasses_of(void)
{
    HRESULT hr;
    WCHAR got[1024];
    IDispatch *svc = cimv2();
    make_class(svc, L"SimT_Grand", L"Sim_Derived", "");
    IDispatch *set = disp_callo(svc, L"SubclassesOf", &hr, 1, v_str(L"Sim_Base"));
    check_hr(hr, S_OK, "subclassesof: SubclassesOf(class) returns an SWbemObjectSet");
    set_names(set, got, 512, &hr);
    check_wstr(got, L"Sim_Derived,SimT_Grand", "subclassesof: deep by default: every class below, not the class itself");
    set = disp_callo(svc, L"SubclassesOf", &hr, 2, v_str(L"Sim_Base"), v_i4(1));
    set_names(set, got, 512, &hr);
    check_wstr(got, L"Sim_Derived", "subclassesof: wbemQueryFlagShallow: the immediate subclasses");
    set = disp_callo(svc, L"SubclassesOf", &hr, 2, v_str(L""), v_i4(1));
    set_names(set, got, 1024, &hr);
    /* the system classes are classes of the namespace too (__Event and its subclasses) */
    check_wstr(got, L"__Event,Sim_Base,Sim_AllTypes,Sim_MultiKey,Sim_Settings,Win32_Process,Sim_Link",
               "subclassesof: blank and shallow: \"only the top-level classes\"");
    set = disp_callo(svc, L"SubclassesOf", &hr, 0);
    set_names(set, got, 1024, &hr);
    check_wstr(got, L"__Event,__InstanceOperationEvent,__InstanceCreationEvent,__InstanceDeletionEvent,"
               L"__InstanceModificationEvent,__ClassOperationEvent,__ClassCreationEvent,__ClassDeletionEvent,"
               L"__ClassModificationEvent,__ExtrinsicEvent,Sim_Base,Sim_Derived,Sim_AllTypes,Sim_MultiKey,"
               L"Sim_Settings,Win32_Process,Sim_Link,SimT_Grand",
               "subclassesof: no arguments: \"all classes within the namespace\"");
    set = disp_callo(svc, L"SubclassesOf", &hr, 2, v_str(L"Sim_Base"),
                     v_i4(wbemFlagReturnImmediately | wbemFlagForwardOnly));
    set_names(set, got, 1024, &hr);
    check_wstr(got, L"Sim_Derived,SimT_Grand", "subclassesof: ReturnImmediately and ForwardOnly are accepted");
    set = disp_callo(svc, L"SubclassesOf", &hr, 1, v_str(L"SimT_Grand"));
    LONG n = -1;
    disp_get_long(set, L"Count", &n);
    check_long(n, 0, "subclassesof: a class without subclasses: an empty set, no error");
    disp_callo(svc, L"SubclassesOf", &hr, 1, v_str(L"Sim_NoSuch"));
    check_hr(hr, WBEM_E_INVALID_CLASS_, "subclassesof: an unknown class is wbemErrInvalidClass");
}

/* ---- AssociatorsOf, ReferencesTo ---- */

static void call_names(IDispatch *obj, const WCHAR *method, int argc, VARIANT *argv, WCHAR *got, HRESULT *phr)
{
    VARIANT res;
    VariantInit(&res);
    got[0] = 0;
    *phr = disp_invoke(obj, method, DISPATCH_METHOD, &res, argc, argv);
    IDispatch *set = SUCCEEDED(*phr) ? keep(var_to_disp(&res)) : NULL;
    VariantClear(&res);
    if (set) set_names(set, got, 512, phr);
}

static void associators_of_method(void)
{
    HRESULT hr;
    WCHAR got[512];
    IDispatch *svc = cimv2();
    VARIANT a1[] = { v_str(B1) };
    call_names(svc, L"AssociatorsOf", 1, a1, got, &hr);
    check_hr(hr, S_OK, "associatorsof: AssociatorsOf(path) succeeds");
    check_wstr(got, L"d1", "associatorsof: AssociatorsOf(b1) gives d1");
    VARIANT a2[] = { v_str(B1), v_str(L"Sim_Link"), v_str(L"Sim_Derived"), v_str(L"Dependent"), v_str(L"Antecedent") };
    call_names(svc, L"AssociatorsOf", 5, a2, got, &hr);
    check_wstr(got, L"d1", "associatorsof: strAssocClass, strResultClass, strResultRole, strRole that fit");
    VARIANT a3[] = { v_str(B1), v_missing(), v_missing(), v_str(L"Antecedent") };
    call_names(svc, L"AssociatorsOf", 4, a3, got, &hr);
    check_wstr(got, L"", "associatorsof: strResultRole that does not fit: nothing");
    VARIANT a4[] = { v_str(B1), v_missing(), v_missing(), v_missing(), v_missing(), v_bool(TRUE) };
    call_names(svc, L"AssociatorsOf", 6, a4, got, &hr);
    check_wstr(got, L"Sim_Derived", "associatorsof: bClassesOnly: the endpoints' classes");
    VARIANT a5[] = { v_str(L"Sim_Base"), v_missing(), v_missing(), v_missing(), v_missing(), v_bool(FALSE), v_bool(TRUE) };
    call_names(svc, L"AssociatorsOf", 7, a5, got, &hr);
    check_wstr(got, L"Sim_Base", "associatorsof: bSchemaOnly on a class");
    VARIANT a6[] = { v_str(B1), v_missing(), v_missing(), v_missing(), v_missing(), v_bool(FALSE), v_bool(FALSE),
                     v_str(L"Nope") };
    call_names(svc, L"AssociatorsOf", 8, a6, got, &hr);
    check_wstr(got, L"", "associatorsof: strRequiredAssocQualifier that the association lacks: nothing");
    VARIANT a7[] = { v_str(B1), v_missing(), v_missing(), v_missing(), v_missing(), v_bool(FALSE), v_bool(FALSE),
                     v_missing(), v_str(L"Description"), v_i4(wbemFlagReturnImmediately | wbemFlagForwardOnly) };
    call_names(svc, L"AssociatorsOf", 10, a7, got, &hr);
    check_wstr(got, L"d1", "associatorsof: strRequiredQualifier, and the semisynchronous flags");
    VARIANT e1[] = { v_str(L"Sim_Base.Id=\"zz\"") };
    call_names(svc, L"AssociatorsOf", 1, e1, got, &hr);
    check_hr(hr, WBEM_E_NOT_FOUND_, "associatorsof: a missing instance is wbemErrNotFound");
    VARIANT e2[] = { v_str(L"Sim_Base.Nope=1") };
    call_names(svc, L"AssociatorsOf", 1, e2, got, &hr);
    check_hr(hr, WBEM_E_INVALID_OBJECT_PATH_, "associatorsof: a path with a wrong key is wbemErrInvalidObjectPath");

    VARIANT r1[] = { v_str(D1) };
    call_names(svc, L"ReferencesTo", 1, r1, got, &hr);
    check_hr(hr, S_OK, "referencesto: ReferencesTo(path) succeeds");
    check_wstr(got, L"Sim_Link", "referencesto: ReferencesTo(d1) gives the link");
    VARIANT r2[] = { v_str(D1), v_str(L"Sim_Link"), v_str(L"Antecedent") };
    call_names(svc, L"ReferencesTo", 3, r2, got, &hr);
    check_wstr(got, L"", "referencesto: strRole that d1 does not play: nothing");
    VARIANT r3[] = { v_str(D1), v_missing(), v_str(L"Dependent"), v_bool(TRUE) };
    call_names(svc, L"ReferencesTo", 4, r3, got, &hr);
    check_wstr(got, L"Sim_Link", "referencesto: bClassesOnly: the association class");
    VARIANT r4[] = { v_str(L"Sim_Derived"), v_missing(), v_missing(), v_bool(FALSE), v_bool(TRUE) };
    call_names(svc, L"ReferencesTo", 5, r4, got, &hr);
    check_wstr(got, L"Sim_Link", "referencesto: bSchemaOnly on a class");
    VARIANT r5[] = { v_str(L"Sim_NoSuch.Id=\"b1\"") };
    call_names(svc, L"ReferencesTo", 1, r5, got, &hr);
    check_hr(hr, WBEM_E_INVALID_CLASS_, "referencesto: an instance of an unknown class is wbemErrInvalidClass");
}

/* ---- the object forms ---- */

static void object_forms(void)
{
    HRESULT hr;
    WCHAR got[512];
    IDispatch *svc = cimv2();
    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Base"));
    IDispatch *b1 = disp_callo(svc, L"Get", &hr, 1, v_str(B1));
    call_names(base, L"Instances_", 0, NULL, got, &hr);
    check_wstr(got, L"b1,d1", "object: Instances_ of a class: its instances and its subclasses'");
    VARIANT f1[] = { v_i4(1) };
    call_names(base, L"Instances_", 1, f1, got, &hr);
    check_wstr(got, L"b1", "object: Instances_(wbemQueryFlagShallow): the class's own");
    call_names(base, L"Subclasses_", 0, NULL, got, &hr);
    check_wstr(got, L"Sim_Derived", "object: Subclasses_ of a class");
    call_names(b1, L"Associators_", 0, NULL, got, &hr);
    check_wstr(got, L"d1", "object: Associators_ of an instance: its endpoints");
    VARIANT a1[] = { v_missing(), v_str(L"Sim_AllTypes") };
    call_names(b1, L"Associators_", 2, a1, got, &hr);
    check_wstr(got, L"", "object: Associators_(strResultClass) that does not fit: nothing");
    call_names(b1, L"References_", 0, NULL, got, &hr);
    check_wstr(got, L"Sim_Link", "object: References_ of an instance: its associations");
    VARIANT r1[] = { v_missing(), v_str(L"Dependent") };
    call_names(b1, L"References_", 2, r1, got, &hr);
    check_wstr(got, L"", "object: References_(strRole) that b1 does not play: nothing");
    call_names(base, L"References_", 0, NULL, got, &hr);
    check_wstr(got, L"Sim_Link", "object: References_ of a class: the association classes that refer to it");
    call_names(b1, L"Instances_", 0, NULL, got, &hr);
    check_hr(hr, WBEM_E_INVALID_CLASS_, "object: Instances_ of an instance (\"only works for class objects\") is wbemErrInvalidClass");
    call_names(b1, L"Subclasses_", 0, NULL, got, &hr);
    check_hr(hr, WBEM_E_INVALID_CLASS_, "object: Subclasses_ of an instance is wbemErrInvalidClass");
    hr = disp_call(svc, L"Delete", NULL, 1, v_str(B1));
    call_names(b1, L"Associators_", 0, NULL, got, &hr);
    check_hr(hr, WBEM_E_NOT_FOUND_, "object: Associators_ of an instance deleted meanwhile is wbemErrNotFound");
}

/* ---- asynchronous forms ---- */

static simsink *async_call(IDispatch *obj, const WCHAR *method, int argc, VARIANT *argv, HRESULT *hr)
{
    VARIANT args[16];
    simsink *s = simsink_keep(NULL, hr);
    args[0] = v_disp(s ? s->sink : NULL);
    for (int i = 0; i < argc; i++) args[i + 1] = argv[i];
    *hr = disp_invoke(obj, method, DISPATCH_METHOD, NULL, argc + 1, args);
    return s;
}

/* an asynchronous call on a fresh sink, checked by check_async */
static simsink *async_check(IDispatch *obj, const WCHAR *method, int argc, VARIANT *argv, HRESULT want,
                            const WCHAR *names, const char *mode, const char *label)
{
    HRESULT hr;
    char what[160];
    snprintf(what, sizeof what, "async (%s): %s", mode, label);
    simsink *s = async_call(obj, method, argc, argv, &hr);
    check_async(s, hr, want, names, what);
    return s;
}

static void async_forms_in(const char *mode)
{
    HRESULT hr;
    IDispatch *svc = cimv2();
    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Base"));
    IDispatch *b1 = disp_callo(svc, L"Get", &hr, 1, v_str(B1));
    IDispatch *actx = nvs_new(&hr, 1, L"Call", v_i4(7));

    VARIANT a1[] = { v_str(L"Sim_Base") };
    async_check(svc, L"SubclassesOfAsync", 1, a1, S_OK, L"Sim_Derived", mode, "SubclassesOfAsync");
    VARIANT a2[] = { v_str(L"Sim_NoSuch") };
    async_check(svc, L"SubclassesOfAsync", 1, a2, WBEM_E_INVALID_CLASS_, L"", mode, "SubclassesOfAsync of an unknown class");
    VARIANT a3[] = { v_str(B1), v_missing(), v_missing(), v_missing(), v_missing(), v_bool(FALSE), v_bool(FALSE),
                     v_missing(), v_missing(), v_i4(0), v_missing(), v_disp(actx) };
    simsink *s = async_check(svc, L"AssociatorsOfAsync", 12, a3, S_OK, L"d1", mode, "AssociatorsOfAsync");
    const event_rec *e = s ? find_event(s->rcv, EV_OBJECT_READY, 0) : NULL;
    ok(e && e->argc == 2 && same_object((IUnknown *)actx, &e->args[1]),
       "async (%s): AssociatorsOfAsync: OnObjectReady's objWbemAsyncContext is the object given", mode);
    VARIANT a4[] = { v_str(L"Sim_Base.Id=\"zz\"") };
    async_check(svc, L"AssociatorsOfAsync", 1, a4, WBEM_E_NOT_FOUND_, L"", mode, "AssociatorsOfAsync of a missing instance");
    VARIANT a5[] = { v_str(D1) };
    async_check(svc, L"ReferencesToAsync", 1, a5, S_OK, L"Sim_Link", mode, "ReferencesToAsync");
    VARIANT a6[] = { v_str(L"REFERENCES OF {" B1 L"} WHERE ClassDefsOnly") };
    async_check(svc, L"ExecQueryAsync", 1, a6, S_OK, L"Sim_Link", mode, "ExecQueryAsync of REFERENCES OF");

    /* the object's own forms */
    struct { IDispatch *obj; const WCHAR *method, *names; } forms[] = {
        { base, L"InstancesAsync_", L"b1,d1" }, { base, L"SubclassesAsync_", L"Sim_Derived" },
        { b1, L"AssociatorsAsync_", L"d1" }, { b1, L"ReferencesAsync_", L"Sim_Link" },
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        async_check(forms[i].obj, forms[i].method, 0, NULL, S_OK, forms[i].names, mode, u8(forms[i].method));
    async_call(b1, L"InstancesAsync_", 0, NULL, &hr);
    check_hr(hr, WBEM_E_INVALID_CLASS_, "async (%s): InstancesAsync_ of an instance is refused by the call itself", mode);
}

static void async_forms(void) { for_each_delivery(async_forms_in); }

/* LatencyMs, Hang and Cancel, FailNext, SendStatus apply as to ExecQueryAsync */
static void async_knobs(void)
{
    HRESULT hr;
    IDispatch *svc = cimv2();
    simsink *s;
    VARIANT a1[] = { v_str(L"Sim_Base") };

    ctl_set_long(g_ctl, L"LatencyMs", 150);
    double t0 = now_ms();
    s = async_call(svc, L"SubclassesOfAsync", 1, a1, &hr);
    check_async(s, hr, S_OK, L"Sim_Derived", "knobs: SubclassesOfAsync with LatencyMs 150");
    ok(now_ms() - t0 >= 140, "knobs: LatencyMs delays SubclassesOfAsync's completion (%.0f ms)", now_ms() - t0);
    ctl_set_long(g_ctl, L"LatencyMs", 0);

    VARIANT a2[] = { v_str(B1), v_missing(), v_missing(), v_missing(), v_missing(), v_bool(FALSE), v_bool(FALSE),
                     v_missing(), v_missing(), v_i4(wbemFlagSendStatus) };
    s = async_call(svc, L"AssociatorsOfAsync", 10, a2, &hr);
    check_async(s, hr, S_OK, L"d1", "knobs: AssociatorsOfAsync with wbemFlagSendStatus");
    check_long(s ? receiver_count_id(s->rcv, EV_PROGRESS) : -1, 3, "knobs: SendStatus gives ProgressSteps OnProgress");

    ctl_fail_next(g_ctl, WBEM_E_PROVIDER_FAILURE_, 1);
    VARIANT a3[] = { v_str(D1) };
    s = async_call(svc, L"ReferencesToAsync", 1, a3, &hr);
    check_async(s, hr, WBEM_E_PROVIDER_FAILURE_, L"", "knobs: FailNext fails ReferencesToAsync in OnCompleted");

    disp_put(g_ctl, L"Hang", v_bool(TRUE));
    VARIANT a4[] = { v_str(L"Sim_Base") };
    s = async_call(svc, L"SubclassesOfAsync", 1, a4, &hr);
    pump_for(100);
    check_long(s ? receiver_count_id(s->rcv, EV_COMPLETED) : -1, 0, "knobs: Hang holds SubclassesOfAsync");
    if (s) disp_call(s->sink, L"Cancel", NULL, 0);
    check_async(s, hr, WBEM_E_CALL_CANCELLED_, L"", "knobs: Cancel completes a hung SubclassesOfAsync");
    disp_put(g_ctl, L"Hang", v_bool(FALSE));
}

/* the synchronous forms are round trips (SyncLatencyMs), and FailNext applies */
static void sync_knobs(void)
{
    HRESULT hr;
    WCHAR got[512];
    IDispatch *svc = cimv2();
    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"Sim_Base"));
    ctl_set_long(g_ctl, L"SyncLatencyMs", 100);
    struct { IDispatch *obj; const WCHAR *method; const WCHAR *arg; } calls[] = {
        { svc, L"SubclassesOf", L"Sim_Base" }, { svc, L"AssociatorsOf", B1 }, { svc, L"ReferencesTo", B1 },
        { base, L"Instances_", NULL }, { base, L"Subclasses_", NULL }, { base, L"Associators_", NULL },
        { base, L"References_", NULL },
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        VARIANT a[] = { calls[i].arg ? v_str(calls[i].arg) : v_missing() };
        double t0 = now_ms();
        call_names(calls[i].obj, calls[i].method, calls[i].arg ? 1 : 0, a, got, &hr);
        if (!calls[i].arg) VariantClear(&a[0]);
        double dt = now_ms() - t0;
        ok(SUCCEEDED(hr) && dt >= 95, "sync: %s is a round trip: SyncLatencyMs 100 (%.0f ms, %s)", u8(calls[i].method),
           dt, hr_name(hr));
    }
    ctl_set_long(g_ctl, L"SyncLatencyMs", 0);
    ctl_fail_next(g_ctl, WBEM_E_PROVIDER_FAILURE_, 1);
    VARIANT a1[] = { v_str(L"Sim_Base") };
    call_names(svc, L"SubclassesOf", 1, a1, got, &hr);
    check_hr(hr, WBEM_E_PROVIDER_FAILURE_, "sync: FailNext fails SubclassesOf");
}

/* SyncHang holds the family's round trips made on MTA threads, as it holds Get */
static void hang_setup(member *m)
{
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    m->svc = loc ? disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"."), v_str(L"root\\cimv2")) : NULL;
}

static void hang_call(member *m)
{
    static const WCHAR *const methods[] = { L"SubclassesOf", L"AssociatorsOf", L"ReferencesTo", L"ExecQuery" };
    static const WCHAR *const args[] = { L"Sim_Derived", B1, B1, L"ASSOCIATORS OF {" B1 L"}" };
    LONG n = -1;
    IDispatch *set = m->svc ? disp_callo(m->svc, methods[m->i % 4], &m->hr, 1, v_str(args[m->i % 4])) : NULL;
    if (set) disp_get_long(set, L"Count", &n);
    /* SubclassesOf(Sim_Derived) is empty; the others give one object */
    if (n != (m->i % 4 ? 1 : 0) && !m->bad++)
        snprintf(m->note, sizeof m->note, "%s: 0x%08lX, %ld objects", u8(methods[m->i % 4]), (unsigned long)m->hr, (long)n);
}

static void sync_hang(void)
{
    LONG waiting = -1;
    team *t = team_new(4, hang_setup, hang_call);
    if (!t) return;
    disp_put(g_ctl, L"SyncHang", v_bool(TRUE));
    team_go(t);
    pump_for(300);
    disp_get_long(g_ctl, L"SyncWaiting", &waiting);
    check_long(waiting, 4, "sync: with SyncHang, SubclassesOf, AssociatorsOf, ReferencesTo and ASSOCIATORS OF on MTA "
               "threads wait");
    check_long(t->done, 0, "sync: none of them has returned");
    disp_put(g_ctl, L"SyncHang", v_bool(FALSE));
    ok(team_wait(t, 3000), "sync: SyncHang cleared, they go on");
    team_good(t, "sync: each then returns its result");
    team_end(t);
}

/* an SWbemObjectSet of AssociatorsOf enumerated on another (MTA) thread */
static DWORD WINAPI enum_thread(void *arg)
{
    IEnumVARIANT *en = arg;
    VARIANT v;
    ULONG got = 0;
    LONG n = 0;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    VariantInit(&v);
    while (IEnumVARIANT_Next(en, 1, &v, &got) == S_OK && got == 1) {
        n++;
        VariantClear(&v);
    }
    CoUninitialize();
    return (DWORD)n;
}

static void other_thread(void)
{
    HRESULT hr;
    IDispatch *svc = cimv2();
    second_link(svc);
    IDispatch *set = disp_callo(svc, L"AssociatorsOf", &hr, 2, v_str(B1), v_missing());
    IEnumVARIANT *en = new_enum(set, &hr);
    DWORD n = 0;
    HANDLE t = en ? CreateThread(NULL, 0, enum_thread, en, 0, NULL) : NULL;
    if (t) {
        WaitForSingleObject(t, 5000);
        GetExitCodeThread(t, &n);
        CloseHandle(t);
    }
    if (en) IEnumVARIANT_Release(en);
    check_long((LONG)n, 2, "thread: AssociatorsOf's enumerator works from an MTA thread (both endpoints)");
}

const test_case suite_family[] = {
    { "family: proplist: SELECT with a property list", property_lists },
    { "family: proplist async: ExecQueryAsync with a property list", property_lists_async },
    { "family: association: the seeded Sim_Link", seeded_association },
    { "family: associators: ASSOCIATORS OF", associators_of },
    { "family: references: REFERENCES OF", references_of },
    { "family: subclassesof: SubclassesOf", subclasses_of },
    { "family: associatorsof: AssociatorsOf and ReferencesTo", associators_of_method },
    { "family: object: Instances_, Subclasses_, Associators_, References_", object_forms },
    { "family: async: the Async forms, both deliveries", async_forms },
    { "family: knobs: LatencyMs, SendStatus, FailNext, Hang and Cancel", async_knobs },
    { "family: sync: round trips and FailNext", sync_knobs },
    { "family: sync: SyncHang holds the family's round trips", sync_hang },
    { "family: thread: an AssociatorsOf set enumerated on another thread", other_thread },
    { NULL, NULL },
};
