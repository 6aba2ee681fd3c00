/* Calling objects by name through IDispatch, as a script host does.
 * Failures of the scripting API come back as DISP_E_EXCEPTION with the WBEM
 * HRESULT in EXCEPINFO.scode (that is what VBScript's Err.Number shows), so
 * disp_invoke hands that scode back as the call's HRESULT. */
#include "client.h"
#include <stdio.h>

static __thread char last_error[512];

const char *disp_last_error(void) { return last_error; }

VARIANT v_i4(LONG i) { VARIANT v; VariantInit(&v); V_VT(&v) = VT_I4; V_I4(&v) = i; return v; }
VARIANT v_bool(BOOL b) { VARIANT v; VariantInit(&v); V_VT(&v) = VT_BOOL; V_BOOL(&v) = b ? VARIANT_TRUE : VARIANT_FALSE; return v; }
VARIANT v_r8(double d) { VARIANT v; VariantInit(&v); V_VT(&v) = VT_R8; V_R8(&v) = d; return v; }
VARIANT v_r4(float f) { VARIANT v; VariantInit(&v); V_VT(&v) = VT_R4; V_R4(&v) = f; return v; }
VARIANT v_str(const WCHAR *s) { VARIANT v; VariantInit(&v); V_VT(&v) = VT_BSTR; V_BSTR(&v) = SysAllocString(s); return v; }
VARIANT v_null(void) { VARIANT v; VariantInit(&v); V_VT(&v) = VT_NULL; return v; }

VARIANT v_disp(IDispatch *d)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_DISPATCH;
    V_DISPATCH(&v) = d;
    if (d) IDispatch_AddRef(d);
    return v;
}

VARIANT v_missing(void)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_ERROR;
    V_ERROR(&v) = DISP_E_PARAMNOTFOUND;
    return v;
}

HRESULT disp_id(IDispatch *obj, const WCHAR *name, DISPID *id)
{
    if (!obj) return E_POINTER;
    LPOLESTR n = (LPOLESTR)name;
    HRESULT hr = IDispatch_GetIDsOfNames(obj, &IID_NULL, &n, 1, LOCALE_USER_DEFAULT, id);
    if (FAILED(hr))
        snprintf(last_error, sizeof last_error, "GetIDsOfNames(%s): 0x%08lX", u8(name), (unsigned long)hr);
    return hr;
}

HRESULT disp_invoke_id(IDispatch *obj, DISPID id, WORD kind, VARIANT *result,
                       int argc, VARIANT *argv)
{
    VARIANT rev[16], res;
    DISPID put_id = DISPID_PROPERTYPUT;
    DISPPARAMS dp = { rev, NULL, (UINT)argc, 0 };
    EXCEPINFO ei;
    UINT argerr = 0;
    HRESULT hr;

    if (argc > 16) argc = 16;
    /* DISPPARAMS carry the arguments last first */
    for (int i = 0; i < argc; i++) rev[argc - 1 - i] = argv[i];
    if (kind & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)) {
        dp.rgdispidNamedArgs = &put_id;
        dp.cNamedArgs = 1;
    }
    memset(&ei, 0, sizeof ei);
    VariantInit(&res);
    if (!obj) hr = E_POINTER;
    else hr = IDispatch_Invoke(obj, id, &IID_NULL, LOCALE_USER_DEFAULT, kind, &dp,
                               result ? &res : NULL, &ei, &argerr);
    if (hr == DISP_E_EXCEPTION) {
        if (ei.pfnDeferredFillIn) ei.pfnDeferredFillIn(&ei);
        hr = ei.scode ? ei.scode : E_FAIL;
        snprintf(last_error, sizeof last_error, "%s%s%s", ei.bstrSource ? u8(ei.bstrSource) : "",
                 ei.bstrSource ? ": " : "", ei.bstrDescription ? u8(ei.bstrDescription) : "");
        SysFreeString(ei.bstrSource);
        SysFreeString(ei.bstrDescription);
        SysFreeString(ei.bstrHelpFile);
    } else if (FAILED(hr)) {
        snprintf(last_error, sizeof last_error, "Invoke(dispid %ld) returned 0x%08lX",
                 (long)id, (unsigned long)hr);
    } else {
        last_error[0] = 0;
    }
    for (int i = 0; i < argc; i++) VariantClear(&argv[i]);
    if (result) {
        if (SUCCEEDED(hr)) *result = res;
        else { VariantClear(&res); VariantInit(result); }
    }
    return hr;
}

HRESULT disp_invoke(IDispatch *obj, const WCHAR *name, WORD kind, VARIANT *result,
                    int argc, VARIANT *argv)
{
    DISPID id;
    HRESULT hr = disp_id(obj, name, &id);
    if (FAILED(hr)) {
        for (int i = 0; i < argc; i++) VariantClear(&argv[i]);
        if (result) VariantInit(result);
        return hr;
    }
    return disp_invoke_id(obj, id, kind, result, argc, argv);
}

/* Reads use PROPERTYGET|METHOD, as VBScript does for `x = obj.Name`. */
HRESULT disp_get(IDispatch *obj, const WCHAR *name, VARIANT *result)
{
    return disp_invoke(obj, name, DISPATCH_PROPERTYGET | DISPATCH_METHOD, result, 0, NULL);
}

HRESULT disp_put(IDispatch *obj, const WCHAR *name, VARIANT value)
{
    /* objects are assigned with Set in VBScript: PROPERTYPUTREF */
    WORD kind = V_VT(&value) == VT_DISPATCH ? DISPATCH_PROPERTYPUTREF : DISPATCH_PROPERTYPUT;
    return disp_invoke(obj, name, kind, NULL, 1, &value);
}

static HRESULT vcall(IDispatch *obj, const WCHAR *name, VARIANT *result, int argc, va_list ap)
{
    VARIANT args[16];
    if (argc > 16) argc = 16;
    for (int i = 0; i < argc; i++) args[i] = va_arg(ap, VARIANT);
    /* a method called for its value is METHOD|PROPERTYGET in VBScript */
    WORD kind = result ? DISPATCH_METHOD | DISPATCH_PROPERTYGET : DISPATCH_METHOD;
    return disp_invoke(obj, name, kind, result, argc, args);
}

HRESULT disp_call(IDispatch *obj, const WCHAR *name, VARIANT *result, int argc, ...)
{
    va_list ap;
    va_start(ap, argc);
    HRESULT hr = vcall(obj, name, result, argc, ap);
    va_end(ap);
    return hr;
}

IDispatch *var_to_disp(VARIANT *v)
{
    IDispatch *d = NULL;
    if ((V_VT(v) == VT_DISPATCH || V_VT(v) == VT_UNKNOWN) && V_UNKNOWN(v))
        IUnknown_QueryInterface(V_UNKNOWN(v), &IID_IDispatch, (void **)&d);
    return d;
}

static IDispatch *to_obj(HRESULT *hr, VARIANT *res)
{
    IDispatch *d = NULL;
    if (SUCCEEDED(*hr)) {
        d = var_to_disp(res);
        if (!d) {
            *hr = DISP_E_TYPEMISMATCH;
            snprintf(last_error, sizeof last_error, "expected an object, got %s", vstr(res));
        }
    }
    VariantClear(res);
    return keep(d);
}

IDispatch *disp_geto(IDispatch *obj, const WCHAR *name, HRESULT *phr)
{
    VARIANT res;
    HRESULT hr = disp_get(obj, name, &res);
    IDispatch *d = to_obj(&hr, &res);
    if (phr) *phr = hr;
    return d;
}

IDispatch *disp_callo(IDispatch *obj, const WCHAR *name, HRESULT *phr, int argc, ...)
{
    VARIANT res;
    va_list ap;
    va_start(ap, argc);
    HRESULT hr = vcall(obj, name, &res, argc, ap);
    va_end(ap);
    IDispatch *d = to_obj(&hr, &res);
    if (phr) *phr = hr;
    return d;
}

HRESULT disp_get_long(IDispatch *obj, const WCHAR *name, LONG *out)
{
    VARIANT v;
    HRESULT hr = disp_get(obj, name, &v);
    *out = 0;
    if (SUCCEEDED(hr)) hr = VariantChangeType(&v, &v, 0, VT_I4);
    if (SUCCEEDED(hr)) *out = V_I4(&v);
    VariantClear(&v);
    return hr;
}

HRESULT disp_get_bool(IDispatch *obj, const WCHAR *name, BOOL *out)
{
    VARIANT v;
    HRESULT hr = disp_get(obj, name, &v);
    *out = FALSE;
    if (SUCCEEDED(hr)) hr = VariantChangeType(&v, &v, 0, VT_BOOL);
    if (SUCCEEDED(hr)) *out = V_BOOL(&v) != VARIANT_FALSE;
    VariantClear(&v);
    return hr;
}

HRESULT disp_get_bstr(IDispatch *obj, const WCHAR *name, BSTR *out)
{
    VARIANT v;
    HRESULT hr = disp_get(obj, name, &v);
    *out = NULL;
    if (SUCCEEDED(hr)) {
        if (V_VT(&v) == VT_BSTR) { *out = V_BSTR(&v); return hr; }
        hr = DISP_E_TYPEMISMATCH;
        snprintf(last_error, sizeof last_error, "%s is %s, not a string", u8(name), vstr(&v));
    }
    VariantClear(&v);
    return hr;
}
