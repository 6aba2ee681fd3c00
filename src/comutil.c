/*
** comutil.c: the COM chores every part of the project does the same way (comutil.h).
*/
#include "comutil.h"

#include <string.h>

HRESULT wbem_disp_id(IDispatch *disp, const WCHAR *name, DISPID *id) {
  LPOLESTR n = (LPOLESTR)name;
  return IDispatch_GetIDsOfNames(disp, &IID_NULL, &n, 1, LOCALE_USER_DEFAULT, id);
}

HRESULT wbem_disp_invoke(IDispatch *disp, DISPID id, WORD flags, DISPPARAMS *dp,
                         VARIANT *result, EXCEPINFO *ei, UINT *argerr) {
  DISPPARAMS none = { NULL, NULL, 0, 0 };
  HRESULT hr;
  if (result) VariantInit(result);
  if (ei) memset(ei, 0, sizeof *ei);
  hr = IDispatch_Invoke(disp, id, &IID_NULL, LOCALE_USER_DEFAULT, flags, dp ? dp : &none,
                        result, ei, argerr);
  if (FAILED(hr)) {
    if (result) VariantClear(result);   /* nothing half-made survives a failure */
    if (ei) wbem_excepinfo_complete(ei);
  }
  return hr;
}

#define MAX_CALL_ARGS 8   /* what the helpers' callers pass: two at most */

HRESULT wbem_disp_call(IDispatch *disp, const WCHAR *name, WORD flags, VARIANT *argv, UINT argc,
                       VARIANT *result) {
  VARIANT reversed[MAX_CALL_ARGS];
  DISPID id, named = DISPID_PROPERTYPUT;
  DISPPARAMS dp = { NULL, NULL, 0, 0 };
  HRESULT hr;
  UINT i;
  if (result) VariantInit(result);
  if (argc > MAX_CALL_ARGS) return DISP_E_BADPARAMCOUNT;
  if (FAILED(hr = wbem_disp_id(disp, name, &id))) return hr;
  for (i = 0; i < argc; i++) reversed[argc - 1 - i] = argv[i];   /* shallow: argv keeps owning */
  dp.rgvarg = argc ? reversed : NULL;
  dp.cArgs = argc;
  if (flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)) {
    dp.rgdispidNamedArgs = &named;
    dp.cNamedArgs = 1;
  }
  return wbem_disp_invoke(disp, id, flags, &dp, result, NULL, NULL);
}

HRESULT wbem_disp_get(IDispatch *disp, const WCHAR *name, VARIANT *out) {
  return wbem_disp_call(disp, name, DISPATCH_PROPERTYGET | DISPATCH_METHOD, NULL, 0, out);
}

void wbem_excepinfo_complete(EXCEPINFO *ei) {
  if (ei->pfnDeferredFillIn != NULL) {
    HRESULT (STDAPICALLTYPE *fill)(EXCEPINFO *) = ei->pfnDeferredFillIn;
    ei->pfnDeferredFillIn = NULL;
    fill(ei);
  }
}

void wbem_excepinfo_clear(EXCEPINFO *ei) {
  SysFreeString(ei->bstrDescription);
  SysFreeString(ei->bstrSource);
  SysFreeString(ei->bstrHelpFile);
  memset(ei, 0, sizeof *ei);
}

HRESULT wbem_clsid_of(const WCHAR *name, CLSID *clsid) {
  return name[0] == L'{' ? CLSIDFromString(name, clsid) : CLSIDFromProgID(name, clsid);
}

HRESULT wbem_create_dispatch(const CLSID *clsid, IDispatch **out) {
  *out = NULL;
  return CoCreateInstance(clsid, NULL, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER, &IID_IDispatch,
                          (void **)out);
}

static REFIID iid_of(const VARIANT *v) {
  return V_VT(v) == VT_DISPATCH ? &IID_IDispatch : &IID_IUnknown;
}

HRESULT wbem_variant_marshal(VARIANT *v, IStream **s) {
  HRESULT hr;
  *s = NULL;
  if ((V_VT(v) != VT_DISPATCH && V_VT(v) != VT_UNKNOWN) || !V_UNKNOWN(v)) return S_FALSE;
  hr = CoMarshalInterThreadInterfaceInStream(iid_of(v), V_UNKNOWN(v), s);
  if (FAILED(hr)) {
    *s = NULL;
    return hr;
  }
  IUnknown_Release(V_UNKNOWN(v));   /* same slot for VT_DISPATCH and VT_UNKNOWN */
  V_UNKNOWN(v) = NULL;
  return S_OK;
}

HRESULT wbem_variant_unmarshal(VARIANT *v, IStream *s) {
  void *p = NULL;
  HRESULT hr = CoGetInterfaceAndReleaseStream(s, iid_of(v), &p);
  V_UNKNOWN(v) = SUCCEEDED(hr) ? p : NULL;
  return hr;
}

void wbem_stream_release(IStream *s) {
  LARGE_INTEGER zero = {{0, 0}};
  IStream_Seek(s, zero, STREAM_SEEK_SET, NULL);
  CoReleaseMarshalData(s);
  IStream_Release(s);
}

int wbem_com_is_sta(void) {
  APTTYPE type;
  APTTYPEQUALIFIER qualifier;
  if (FAILED(CoGetApartmentType(&type, &qualifier))) return 0;
  return type == APTTYPE_STA || type == APTTYPE_MAINSTA;
}
