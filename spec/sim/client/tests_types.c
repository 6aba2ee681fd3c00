/* Data: a property of every CIM type of WbemCimtypeEnum, and an array of each,
 * round-trips through Put_ and Get with the VARIANT a script would use; 64-bit
 * integers travel as strings ("Numbers" in the WMI scripting documentation: sint64 and
 * uint64 are strings in scripts, so no digit is lost). */
#include "client.h"
#include <math.h>
#include <string.h>

/* ---- every CIM type round-trips through Put_ and Get ---- */
enum { K_STR, K_NUM, K_BOOL, K_STR64 };
struct cim_case {
    const char *prop, *type;
    int kind;
    const WCHAR *s;     /* string value (K_STR, K_STR64) */
    double d;           /* number (K_NUM) */
};

static const struct cim_case cases[] = {
    { "Str", "string", K_STR, L"h\u00e9llo \u2713 \"quoted\"", 0 },
    { "Flag", "boolean", K_BOOL, NULL, 1 },
    { "S8", "sint8", K_NUM, NULL, -100 },
    { "U8", "uint8", K_NUM, NULL, 200 },
    { "S16", "sint16", K_NUM, NULL, -30000 },
    { "U16", "uint16", K_NUM, NULL, 60000 },
    { "S32", "sint32", K_NUM, NULL, -2000000000.0 },
    { "U32", "uint32", K_NUM, NULL, 4000000000.0 },
    { "S64", "sint64", K_STR64, L"-9223372036854775808", 0 },
    { "U64", "uint64", K_STR64, L"18446744073709551615", 0 },
    { "R32", "real32", K_NUM, NULL, 1.5 },
    { "R64", "real64", K_NUM, NULL, 3.141592653589793 },
    { "When", "datetime", K_STR, L"20261125161500.123456+060", 0 },
    { "Ref", "reference", K_STR, L"SimT_Types.Name=\"b\"", 0 },
    { "Ch", "char16", K_NUM, NULL, 65 },
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

/* the VARIANT a script would assign: VBScript numbers are I4 or R8, 64-bit as strings */
static VARIANT script_value(const struct cim_case *c)
{
    switch (c->kind) {
    case K_STR: case K_STR64: return v_str(c->s);
    case K_BOOL: return v_bool(c->d != 0);
    default:
        if (c->d >= -2147483648.0 && c->d <= 2147483647.0 && c->d == floor(c->d))
            return v_i4((LONG)c->d);
        return v_r8(c->d);
    }
}

static int value_matches(const struct cim_case *c, VARIANT *got)
{
    VARIANT t;
    int r = 0;
    VariantInit(&t);
    switch (c->kind) {
    case K_STR: case K_STR64:
        r = V_VT(got) == VT_BSTR && !wcscmp(V_BSTR(got), c->s);
        break;
    case K_BOOL:
        r = SUCCEEDED(VariantChangeType(&t, got, 0, VT_BOOL)) && (V_BOOL(&t) != 0) == (c->d != 0);
        break;
    default:
        r = V_VT(got) != VT_BSTR && SUCCEEDED(VariantChangeType(&t, got, 0, VT_R8)) && V_R8(&t) == c->d;
    }
    VariantClear(&t);
    return r;
}

static void cim_types(void)
{
    HRESULT hr;
    char spec[1024] = "Name:string:key";
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    for (int i = 0; i < NCASES; i++) {
        strcat(spec, ",");
        strcat(spec, cases[i].prop);
        strcat(spec, ":");
        strcat(spec, cases[i].type);
    }
    make_class(svc, L"SimT_Types", NULL, spec);
    IDispatch *inst = spawn(svc, L"SimT_Types", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    for (int i = 0; i < NCASES; i++) {
        WCHAR w[32];
        MultiByteToWideChar(CP_UTF8, 0, cases[i].prop, -1, w, 32);
        hr = disp_put(inst, w, script_value(&cases[i]));
        if (FAILED(hr)) diag("setting %s: %s %s", cases[i].prop, hr_name(hr), disp_last_error());
    }
    hr = put_flags(inst, 0, NULL);
    check_hr(hr, S_OK, "types: an instance with a property of every CIM type is written by Put_");
    IDispatch *back = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Types.Name=\"a\""));
    for (int i = 0; i < NCASES; i++) {
        WCHAR w[32];
        VARIANT *v = vkeep();
        MultiByteToWideChar(CP_UTF8, 0, cases[i].prop, -1, w, 32);
        hr = disp_get(back, w, v);
        if (!ok(SUCCEEDED(hr) && value_matches(&cases[i], v),
                "types: a %s property round-trips through Put_ and Get", cases[i].type))
            diag("read %s: %s, value %s", cases[i].prop, hr_name(hr), vstr(v));
        if (cases[i].kind == K_STR64 && !ok(V_VT(v) == VT_BSTR,
                "types: a %s value comes back as a string (VT_BSTR), every digit kept", cases[i].type))
            diag("got %s", vstr(v));
    }
}

/* ---- arrays ---- */
static VARIANT var_array(int n, VARIANT *elems)
{
    VARIANT v;
    SAFEARRAY *sa = SafeArrayCreateVector(VT_VARIANT, 0, n);
    for (LONG i = 0; i < n; i++) {
        SafeArrayPutElement(sa, &i, &elems[i]);
        VariantClear(&elems[i]);
    }
    VariantInit(&v);
    V_VT(&v) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(&v) = sa;
    return v;
}

/* element i of any SAFEARRAY as a VARIANT */
static HRESULT array_elem(VARIANT *arr, LONG i, VARIANT *out)
{
    VARTYPE vt;
    SAFEARRAY *sa = V_ARRAY(arr);
    LONG lb;
    VariantInit(out);
    if (!(V_VT(arr) & VT_ARRAY) || !sa) return DISP_E_TYPEMISMATCH;
    SafeArrayGetVartype(sa, &vt);
    SafeArrayGetLBound(sa, 1, &lb);
    i += lb;
    if (vt == VT_VARIANT) return SafeArrayGetElement(sa, &i, out);
    V_VT(out) = vt;
    return SafeArrayGetElement(sa, &i, &V_UI1(out));
}

static LONG array_len(VARIANT *arr)
{
    LONG lb, ub;
    if (!(V_VT(arr) & VT_ARRAY) || !V_ARRAY(arr)) return -1;
    SafeArrayGetLBound(V_ARRAY(arr), 1, &lb);
    SafeArrayGetUBound(V_ARRAY(arr), 1, &ub);
    return ub - lb + 1;
}

static void arrays(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Arrays", NULL,
               "Name:string:key,Strs:string:array,Ints:sint32:array,Big:uint64:array,"
               "Bools:boolean:array,Reals:real64:array,Whens:datetime:array");
    IDispatch *inst = spawn(svc, L"SimT_Arrays", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    VARIANT s[3] = { v_str(L"x"), v_str(L"y\u00e9"), v_str(L"") };
    VARIANT n[3] = { v_i4(1), v_i4(-2), v_i4(2147483647) };
    VARIANT b[2] = { v_str(L"18446744073709551615"), v_str(L"0") };
    VARIANT f[2] = { v_bool(TRUE), v_bool(FALSE) };
    VARIANT r[2] = { v_r8(0.25), v_r8(-1e300) };
    VARIANT w[1] = { v_str(L"20000101000000.000000+000") };
    disp_put(inst, L"Strs", var_array(3, s));
    disp_put(inst, L"Ints", var_array(3, n));
    disp_put(inst, L"Big", var_array(2, b));
    disp_put(inst, L"Bools", var_array(2, f));
    disp_put(inst, L"Reals", var_array(2, r));
    disp_put(inst, L"Whens", var_array(1, w));
    hr = put_flags(inst, 0, NULL);
    check_hr(hr, S_OK, "types: an instance with array properties is written by Put_");
    IDispatch *back = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Arrays.Name=\"a\""));

    static const struct { const WCHAR *prop; const char *what; int len; } arr[] = {
        { L"Strs", "string", 3 }, { L"Ints", "sint32", 3 }, { L"Big", "uint64", 2 },
        { L"Bools", "boolean", 2 }, { L"Reals", "real64", 2 }, { L"Whens", "datetime", 1 },
    };
    static const WCHAR *want_s[] = { L"x", L"y\u00e9", L"" };
    static const double want_n[] = { 1, -2, 2147483647 };
    static const WCHAR *want_b[] = { L"18446744073709551615", L"0" };
    for (int k = 0; k < 6; k++) {
        VARIANT *v = vkeep(), e;
        int good;
        hr = disp_get(back, arr[k].prop, v);
        good = SUCCEEDED(hr) && array_len(v) == arr[k].len;
        for (LONG i = 0; good && i < arr[k].len; i++) {
            VARIANT t;
            VariantInit(&t);
            good = SUCCEEDED(array_elem(v, i, &e));
            if (good) switch (k) {
            case 0: good = V_VT(&e) == VT_BSTR && !wcscmp(V_BSTR(&e), want_s[i]); break;
            case 1: good = SUCCEEDED(VariantChangeType(&t, &e, 0, VT_R8)) && V_R8(&t) == want_n[i]; break;
            case 2: good = V_VT(&e) == VT_BSTR && !wcscmp(V_BSTR(&e), want_b[i]); break;
            case 3: good = SUCCEEDED(VariantChangeType(&t, &e, 0, VT_BOOL)) && (V_BOOL(&t) != 0) == (i == 0); break;
            case 4: good = SUCCEEDED(VariantChangeType(&t, &e, 0, VT_R8)) && V_R8(&t) == (i ? -1e300 : 0.25); break;
            case 5: good = V_VT(&e) == VT_BSTR && !wcscmp(V_BSTR(&e), L"20000101000000.000000+000"); break;
            }
            if (!good) diag("element %ld of %s: %s", (long)i, u8(arr[k].prop), vstr(&e));
            VariantClear(&e);
            VariantClear(&t);
        }
        if (!ok(good, "types: an array of %s round-trips through Put_ and Get%s", arr[k].what,
                k == 2 ? " (64-bit elements as strings)" : ""))
            diag("read %s: %s, %s, length %ld", u8(arr[k].prop), hr_name(hr), vstr(v), (long)array_len(v));
    }
}

/* "arrays of each" CIM type: two elements of the same value as the scalar case */
static void cim_arrays(void)
{
    HRESULT hr;
    char spec[1024] = "Name:string:key";
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    for (int i = 0; i < NCASES; i++) {
        strcat(spec, ",A");
        strcat(spec, cases[i].prop);
        strcat(spec, ":");
        strcat(spec, cases[i].type);
        strcat(spec, ":array");
    }
    make_class(svc, L"SimT_TypeArrays", NULL, spec);
    IDispatch *inst = spawn(svc, L"SimT_TypeArrays", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    for (int i = 0; i < NCASES; i++) {
        WCHAR w[32];
        VARIANT two[2] = { script_value(&cases[i]), script_value(&cases[i]) };
        w[0] = L'A';
        MultiByteToWideChar(CP_UTF8, 0, cases[i].prop, -1, w + 1, 31);
        hr = disp_put(inst, w, var_array(2, two));
        if (FAILED(hr)) diag("setting %s: %s %s", u8(w), hr_name(hr), disp_last_error());
    }
    hr = put_flags(inst, 0, NULL);
    check_hr(hr, S_OK, "types: an instance with an array of every CIM type is written by Put_");
    IDispatch *back = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_TypeArrays.Name=\"a\""));
    for (int i = 0; i < NCASES; i++) {
        WCHAR w[32];
        VARIANT *v = vkeep();
        int good;
        w[0] = L'A';
        MultiByteToWideChar(CP_UTF8, 0, cases[i].prop, -1, w + 1, 31);
        hr = disp_get(back, w, v);
        good = SUCCEEDED(hr) && array_len(v) == 2;
        for (LONG k = 0; good && k < 2; k++) {
            VARIANT e;
            good = SUCCEEDED(array_elem(v, k, &e)) && value_matches(&cases[i], &e);
            if (!good) diag("element %ld: %s", (long)k, vstr(&e));
            VariantClear(&e);
        }
        if (!ok(good, "types: an array of %s round-trips through Put_ and Get", cases[i].type))
            diag("read %s: %s, %s", u8(w), hr_name(hr), vstr(v));
    }
}

const test_case suite_types[] = {
    { "types: every CIM type round-trips", cim_types },
    { "types: arrays round-trip", arrays },
    { "types: an array of every CIM type round-trips", cim_arrays },
    { NULL, NULL },
};
