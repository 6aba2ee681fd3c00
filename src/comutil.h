/*
** comutil.h: one way to do each COM chore. No Lua here: comutil.c is compiled into
** the module, the simulator DLL (spec/sim) and the test host (spec/host) alike.
**
** References: a function that hands out an interface (an out parameter, a VARIANT
** result) gives the caller one reference, which the caller releases.
** EXCEPINFO: it belongs to whoever passed it to Invoke. wbem_disp_invoke completes it
** (runs a deferred fill-in) when the call fails, so that every string in it is the
** caller's; readers never free it; the caller clears it once with wbem_excepinfo_clear.
*/
#ifndef WBEM_COMUTIL_H
#define WBEM_COMUTIL_H

#ifndef COBJMACROS
#define COBJMACROS
#endif
#ifndef CONST_VTABLE
#define CONST_VTABLE
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <ole2.h>
#include <oleauto.h>

/* The DISPID of name on disp (IDispatch::GetIDsOfNames, the user's locale). */
HRESULT wbem_disp_id(IDispatch *disp, const WCHAR *name, DISPID *id);

/* IDispatch::Invoke in the user's locale. dp NULL: no arguments. result (may be NULL)
** is cleared on failure; ei (may be NULL) starts zeroed and is completed on failure;
** argerr may be NULL. */
HRESULT wbem_disp_invoke(IDispatch *disp, DISPID id, WORD flags, DISPPARAMS *dp,
                         VARIANT *result, EXCEPINFO *ei, UINT *argerr);

/* Looks name up and invokes it with argc arguments in declaration order (argv[0]
** first: this reverses them for DISPPARAMS; a put names its value). */
HRESULT wbem_disp_call(IDispatch *disp, const WCHAR *name, WORD flags, VARIANT *argv, UINT argc,
                       VARIANT *result);

/* Reads a property by name, as a script does (DISPATCH_PROPERTYGET|DISPATCH_METHOD). */
HRESULT wbem_disp_get(IDispatch *disp, const WCHAR *name, VARIANT *out);

/* Runs a deferred fill-in, if any, so that the EXCEPINFO holds all it will hold. */
void wbem_excepinfo_complete(EXCEPINFO *ei);
/* Frees the strings of an EXCEPINFO and zeroes it; safe on a zeroed one. */
void wbem_excepinfo_clear(EXCEPINFO *ei);

/* The class named by a progid or by a "{CLSID}" string. */
HRESULT wbem_clsid_of(const WCHAR *name, CLSID *clsid);
/* CoCreateInstance of an automation object, in process or out of it. */
HRESULT wbem_create_dispatch(const CLSID *clsid, IDispatch **out);

/* Objects that cross apartments as marshal data. wbem_variant_marshal puts the
** interface pointer of v (VT_DISPATCH or VT_UNKNOWN; S_FALSE and *s NULL for anything
** else or a null pointer) into a new stream and releases it from v, which keeps its
** type; wbem_variant_unmarshal puts it back (a proxy where needed) and releases the
** stream, whatever it returns. */
HRESULT wbem_variant_marshal(VARIANT *v, IStream **s);
HRESULT wbem_variant_unmarshal(VARIANT *v, IStream *s);

/* Releases marshal data that was never unmarshaled, and the stream: otherwise the
** object it names stays pinned. */
void wbem_stream_release(IStream *s);

/* A WBEM_E_* or WBEM_S_* code (facility ITF, 0x1000 range): WMI has details for it. */
static inline int wbem_is_wbem_code(HRESULT hr) {
  return HRESULT_FACILITY(hr) == FACILITY_ITF && (HRESULT_CODE(hr) & 0xF000) == 0x1000;
}

/* 1 when the calling thread is in a single-threaded apartment. */
int wbem_com_is_sta(void);

#endif
