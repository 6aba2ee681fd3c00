/* The simulator fixture: creating its objects, the Control knobs, and schema
 * helpers written with the scripting API only (Get of "" for a new class,
 * Path_.Class, Properties_.Add, Qualifiers_.Add, SpawnInstance_, Put_). */
#include "client.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

IDispatch *g_ctl;

IDispatch *sim_create(const WCHAR *progid, HRESULT *phr)
{
    IDispatch *d = NULL;
    CLSID clsid;
    HRESULT hr = CLSIDFromProgID(progid, &clsid);
    if (SUCCEEDED(hr))
        hr = CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&d);
    if (phr) *phr = hr;
    return d;
}

IDispatch *sim_connect(const WCHAR *ns, HRESULT *phr)
{
    HRESULT hr;
    IDispatch *loc = keep(sim_create(L"WbemSim.SWbemLocator", &hr));
    IDispatch *svc = NULL;
    if (loc) svc = disp_callo(loc, L"ConnectServer", &hr, 2, v_str(L"."), v_str(ns));
    if (phr) *phr = hr;
    return svc;
}

HRESULT ctl_set_long(IDispatch *ctl, const WCHAR *name, LONG v)
{
    return disp_put(ctl, name, v_i4(v));
}

HRESULT ctl_set_str(IDispatch *ctl, const WCHAR *name, const WCHAR *v)
{
    return disp_put(ctl, name, v_str(v));
}

HRESULT ctl_fail_next(IDispatch *ctl, HRESULT fail, LONG count)
{
    return disp_call(ctl, L"FailNext", NULL, 2, v_i4(fail), v_i4(count));
}

LONG ctl_live(IDispatch *ctl)
{
    LONG n;
    if (!ctl || FAILED(disp_get_long(ctl, L"LiveObjects", &n))) return -1;
    return n;
}

/* LiveObjects once it is target, or after about ms of pumping: what a worker thread
 * lets go of (an operation that ends once it sees its sink released, the objects it
 * hands back) is released a moment after the call that ended it returns, so a count
 * is a leak only if it stays up. */
LONG ctl_live_settled(IDispatch *ctl, LONG target, DWORD ms)
{
    LONG live = ctl_live(ctl);
    for (DWORD waited = 0; live != target && waited < ms; waited += 20) {
        pump_for(20);
        live = ctl_live(ctl);
    }
    return live;
}

/* a WbemSim.SWbemNamedValueSet filled with (name, VARIANT) pairs */
IDispatch *nvs_new(HRESULT *phr, int pairs, ...)
{
    HRESULT hr;
    va_list ap;
    IDispatch *set = keep(sim_create(L"WbemSim.SWbemNamedValueSet", &hr));
    va_start(ap, pairs);
    for (int i = 0; i < pairs; i++) {
        const WCHAR *name = va_arg(ap, const WCHAR *);
        VARIANT v = va_arg(ap, VARIANT);
        VARIANT res;
        if (SUCCEEDED(hr)) {
            hr = disp_call(set, L"Add", &res, 2, v_str(name), v);
            VariantClear(&res);
        } else {
            VariantClear(&v);
        }
    }
    va_end(ap);
    if (phr) *phr = hr;
    return SUCCEEDED(hr) ? set : NULL;
}

static const struct { const char *name; int type; } cim_types[] = {
    { "sint8", CIM_T_SINT8 }, { "uint8", CIM_T_UINT8 }, { "sint16", CIM_T_SINT16 },
    { "uint16", CIM_T_UINT16 }, { "sint32", CIM_T_SINT32 }, { "uint32", CIM_T_UINT32 },
    { "sint64", CIM_T_SINT64 }, { "uint64", CIM_T_UINT64 }, { "real32", CIM_T_REAL32 },
    { "real64", CIM_T_REAL64 }, { "boolean", CIM_T_BOOLEAN }, { "string", CIM_T_STRING },
    { "datetime", CIM_T_DATETIME }, { "reference", CIM_T_REFERENCE }, { "char16", CIM_T_CHAR16 },
};

int cim_type(const char *name)
{
    for (size_t i = 0; i < sizeof cim_types / sizeof cim_types[0]; i++)
        if (!strcmp(cim_types[i].name, name)) return cim_types[i].type;
    return -1;
}

/* one "Name:type[:key][:array]" item of a spec */
static HRESULT add_property(IDispatch *cls, const char *item)
{
    char buf[128], *parts[4] = { 0 };
    WCHAR wname[64];
    int n = 0;
    HRESULT hr;

    snprintf(buf, sizeof buf, "%s", item);
    for (char *p = strtok(buf, ":"); p && n < 4; p = strtok(NULL, ":")) parts[n++] = p;
    if (n < 2 || cim_type(parts[1]) < 0) return E_INVALIDARG;
    BOOL key = FALSE, array = FALSE;
    for (int i = 2; i < n; i++) {
        if (!strcmp(parts[i], "key")) key = TRUE;
        if (!strcmp(parts[i], "array")) array = TRUE;
    }
    MultiByteToWideChar(CP_UTF8, 0, parts[0], -1, wname, 64);

    IDispatch *props = disp_geto(cls, L"Properties_", &hr);
    IDispatch *prop = disp_callo(props, L"Add", &hr, 3, v_str(wname), v_i4(cim_type(parts[1])),
                                 v_bool(array));
    if (SUCCEEDED(hr) && key) {
        IDispatch *quals = disp_geto(prop, L"Qualifiers_", &hr);
        VARIANT res;
        if (SUCCEEDED(hr)) hr = disp_call(quals, L"Add", &res, 2, v_str(L"key"), v_bool(TRUE));
        if (SUCCEEDED(hr)) VariantClear(&res);
    }
    return hr;
}

IDispatch *new_class(IDispatch *svc, const WCHAR *name, const WCHAR *super, const char *spec,
                     HRESULT *phr)
{
    HRESULT hr;
    IDispatch *cls;
    if (super) {
        IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(super));
        cls = disp_callo(base, L"SpawnDerivedClass_", &hr, 1, v_i4(0));
    } else {
        cls = disp_callo(svc, L"Get", &hr, 1, v_str(L""));
    }
    if (SUCCEEDED(hr)) {
        IDispatch *path = disp_geto(cls, L"Path_", &hr);
        if (SUCCEEDED(hr)) hr = disp_put(path, L"Class", v_str(name));
    }
    if (SUCCEEDED(hr) && spec && *spec) {
        char *copy = _strdup(spec), *save = NULL;
        for (char *item = strtok_r(copy, ",", &save); item && SUCCEEDED(hr);
             item = strtok_r(NULL, ",", &save))
            hr = add_property(cls, item);
        free(copy);
    }
    if (phr) *phr = hr;
    return SUCCEEDED(hr) ? cls : NULL;
}

HRESULT put_flags(IDispatch *obj, LONG flags, IDispatch **path)
{
    HRESULT hr;
    IDispatch *p = disp_callo(obj, L"Put_", &hr, 1, v_i4(flags));
    if (path) *path = p;
    return hr;
}

HRESULT make_class(IDispatch *svc, const WCHAR *name, const WCHAR *super, const char *spec)
{
    HRESULT hr;
    IDispatch *cls = new_class(svc, name, super, spec, &hr);
    if (SUCCEEDED(hr)) hr = put_flags(cls, 0, NULL);
    if (FAILED(hr)) diag("setting up class %s: %s %s", u8(name), hr_name(hr), disp_last_error());
    return hr;
}

IDispatch *spawn(IDispatch *svc, const WCHAR *clsname, HRESULT *phr)
{
    HRESULT hr;
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(clsname));
    IDispatch *inst = disp_callo(cls, L"SpawnInstance_", &hr, 1, v_i4(0));
    if (phr) *phr = hr;
    return inst;
}

HRESULT make_instance(IDispatch *svc, const WCHAR *clsname, const WCHAR *key, const WCHAR *val)
{
    HRESULT hr;
    IDispatch *inst = spawn(svc, clsname, &hr);
    if (SUCCEEDED(hr)) hr = disp_put(inst, key, v_str(val));
    if (SUCCEEDED(hr)) hr = put_flags(inst, 0, NULL);
    if (FAILED(hr))
        diag("setting up %s.%s=\"%s\": %s %s", u8(clsname), u8(key), u8(val), hr_name(hr),
             disp_last_error());
    return hr;
}

HRESULT instance_count(IDispatch *svc, const WCHAR *clsname, LONG *n)
{
    HRESULT hr;
    *n = -1;
    IDispatch *set = disp_callo(svc, L"InstancesOf", &hr, 2, v_str(clsname), v_i4(0));
    if (SUCCEEDED(hr)) hr = disp_get_long(set, L"Count", n);
    return hr;
}

IEnumVARIANT *new_enum(IDispatch *coll, HRESULT *phr)
{
    VARIANT res;
    IEnumVARIANT *en = NULL;
    HRESULT hr = disp_invoke_id(coll, DISPID_NEWENUM, DISPATCH_PROPERTYGET | DISPATCH_METHOD,
                                &res, 0, NULL);
    if (SUCCEEDED(hr)) {
        if ((V_VT(&res) == VT_UNKNOWN || V_VT(&res) == VT_DISPATCH) && V_UNKNOWN(&res))
            hr = IUnknown_QueryInterface(V_UNKNOWN(&res), &IID_IEnumVARIANT, (void **)&en);
        else
            hr = DISP_E_TYPEMISMATCH;
        VariantClear(&res);
    }
    if (phr) *phr = hr;
    return en;
}

int enum_objects(IDispatch *coll, IDispatch **out, int max, HRESULT *phr)
{
    VARIANT item;
    int n = 0;
    HRESULT hr;
    IEnumVARIANT *en = new_enum(coll, &hr);
    while (en) {
        ULONG got = 0;
        VariantInit(&item);
        if (IEnumVARIANT_Next(en, 1, &item, &got) != S_OK || got != 1) break;
        IDispatch *d = var_to_disp(&item);
        VariantClear(&item);
        if (!d) { hr = DISP_E_TYPEMISMATCH; break; }
        if (n < max) out[n] = keep(d);
        else IDispatch_Release(d);
        n++;
    }
    if (en) IEnumVARIANT_Release(en);
    if (phr) *phr = hr;
    return n;
}

HRESULT prop_item(IDispatch *obj, const WCHAR *name, IDispatch **prop)
{
    HRESULT hr;
    IDispatch *props = disp_geto(obj, L"Properties_", &hr);
    IDispatch *p = disp_callo(props, L"Item", &hr, 1, v_str(name));
    if (prop) *prop = p;
    return hr;
}
