/*
** errors.c: how the simulator fails.
**
** As in wbemdisp, a failing member reported through IDispatch gives DISP_E_EXCEPTION with
** EXCEPINFO {scode = the WBEM HRESULT, bstrSource = the object ("SWbemObjectEx"),
** bstrDescription = the WbemErrorEnum text}, and leaves the calling thread a last error
** object: an SWbemObject of class __ExtendedStatus (Operation, ProviderName, Description,
** StatusCode, ParameterInfo), which creating WbemSim.SWbemLastError hands out once.
** The same object shape reaches OnCompleted when an asynchronous call fails.
*/
#include "wbemsim.h"

static DWORD tls_slot = TLS_OUT_OF_INDEXES;

static const struct { HRESULT hr; const WCHAR *text; } texts[] = {
  { (HRESULT)WBEM_E_FAILED, L"Generic failure" },
  { (HRESULT)WBEM_E_NOT_FOUND, L"Not found" },
  { (HRESULT)WBEM_E_ACCESS_DENIED, L"Access denied" },
  { (HRESULT)WBEM_E_TYPE_MISMATCH, L"Type mismatch" },
  { (HRESULT)WBEM_E_OUT_OF_MEMORY, L"Out of memory" },
  { (HRESULT)WBEM_E_INVALID_CONTEXT, L"Invalid context" },
  { (HRESULT)WBEM_E_INVALID_PARAMETER, L"Invalid parameter" },
  { (HRESULT)WBEM_E_NOT_AVAILABLE, L"Not available" },
  { (HRESULT)WBEM_E_NOT_SUPPORTED, L"Not supported" },
  { (HRESULT)WBEM_E_INVALID_SUPERCLASS, L"Invalid superclass" },
  { (HRESULT)WBEM_E_INVALID_NAMESPACE, L"Invalid namespace" },
  { (HRESULT)WBEM_E_INVALID_OBJECT, L"Invalid object" },
  { (HRESULT)WBEM_E_INVALID_CLASS, L"Invalid class" },
  { (HRESULT)WBEM_E_INVALID_OPERATION, L"Invalid operation" },
  { (HRESULT)WBEM_E_INVALID_QUERY, L"Invalid query" },
  { (HRESULT)WBEM_E_INVALID_QUERY_TYPE, L"Invalid query type" },
  { (HRESULT)WBEM_E_ALREADY_EXISTS, L"Already exists" },
  { (HRESULT)WBEM_E_OVERRIDE_NOT_ALLOWED, L"Override not allowed" },
  { (HRESULT)WBEM_E_PROPAGATED_QUALIFIER, L"Propagated qualifier" },
  { (HRESULT)WBEM_E_PROPAGATED_PROPERTY, L"Propagated property" },
  { (HRESULT)WBEM_E_ILLEGAL_OPERATION, L"Illegal operation" },
  { (HRESULT)WBEM_E_CANNOT_BE_KEY, L"Cannot be key" },
  { (HRESULT)WBEM_E_INCOMPLETE_CLASS, L"Incomplete class" },
  { (HRESULT)WBEM_E_INVALID_SYNTAX, L"Invalid syntax" },
  { (HRESULT)WBEM_E_READ_ONLY, L"Read-only" },
  { (HRESULT)WBEM_E_CLASS_HAS_CHILDREN, L"Class has children" },
  { (HRESULT)WBEM_E_CLASS_HAS_INSTANCES, L"Class has instances" },
  { (HRESULT)WBEM_E_ILLEGAL_NULL, L"Illegal null value" },
  { (HRESULT)WBEM_E_INVALID_QUALIFIER_TYPE, L"Invalid qualifier type" },
  { (HRESULT)WBEM_E_INVALID_PROPERTY_TYPE, L"Invalid property type" },
  { (HRESULT)WBEM_E_VALUE_OUT_OF_RANGE, L"Value out of range" },
  { (HRESULT)WBEM_E_CANNOT_BE_SINGLETON, L"Cannot be singleton" },
  { (HRESULT)WBEM_E_INVALID_CIM_TYPE, L"Invalid CIM type" },
  { (HRESULT)WBEM_E_INVALID_PROPERTY, L"Invalid property" },
  { (HRESULT)WBEM_E_CALL_CANCELLED, L"Call cancelled" },
  { (HRESULT)WBEM_E_INVALID_OBJECT_PATH, L"Invalid object path" },
  { (HRESULT)WBEM_E_UPDATE_TYPE_MISMATCH, L"Update type mismatch" },
  { (HRESULT)WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED, L"Update override not allowed" },
  { (HRESULT)WBEM_E_TIMED_OUT, L"Timed out" },
  { SIM_E_TIMEDOUT, L"Timed out" },
  { (HRESULT)WBEMESS_E_REGISTRATION_TOO_PRECISE, L"A WITHIN clause was not used in this query" },
  { (HRESULT)WBEM_E_NOT_EVENT_CLASS, L"Not an event class" },
  { (HRESULT)WBEM_E_INVALID_METHOD, L"Invalid method" },
  { (HRESULT)WBEM_E_INVALID_METHOD_PARAMETERS, L"Invalid method Parameter(s)" },
  { (HRESULT)WBEM_E_METHOD_NOT_IMPLEMENTED, L"Method not implemented" },
  { E_NOTIMPL, L"Not implemented" },
  { E_INVALIDARG, L"Invalid argument" },
  { E_OUTOFMEMORY, L"Out of memory" },
};

const WCHAR *sim_error_text(HRESULT hr)
{
  size_t i;
  for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if (texts[i].hr == hr) return texts[i].text;
  return L"Generic failure";
}

void sim_excepinfo(EXCEPINFO *ei, HRESULT hr, const WCHAR *source)
{
  memset(ei, 0, sizeof *ei);
  ei->scode = hr;
  ei->bstrSource = SysAllocString(source);
  ei->bstrDescription = SysAllocString(sim_error_text(hr));
}

static void set_string(sim_data *d, const WCHAR *name, const WCHAR *value)
{
  sim_prop *p = data_add_prop(d, name, CIM_STRING, L"__ExtendedStatus");
  if (p && value) {
    V_VT(&p->value) = VT_BSTR;
    V_BSTR(&p->value) = SysAllocString(value);
  }
}

IDispatch *sim_error_object(HRESULT hr, const WCHAR *operation, const WCHAR *param)
{
  IDispatch *obj = NULL;
  sim_data *d = data_new(FALSE, L"root\\cimv2", L"__ExtendedStatus");
  sim_prop *p;
  if (!d) return NULL;
  set_string(d, L"Description", sim_error_text(hr));
  set_string(d, L"Operation", operation);
  set_string(d, L"ParameterInfo", param);
  set_string(d, L"ProviderName", L"WbemSim");
  p = data_add_prop(d, L"StatusCode", CIM_UINT32, L"__ExtendedStatus");
  if (p) {
    V_VT(&p->value) = VT_I4;
    V_I4(&p->value) = hr;
  }
  if (FAILED(object_create(d, TRUE, &obj))) return NULL;
  return obj;
}

HRESULT sim_fail(HRESULT hr, const WCHAR *operation, const WCHAR *param)
{
  IDispatch *obj, *old;
  if (tls_slot == TLS_OUT_OF_INDEXES) return hr;
  obj = sim_error_object(hr, operation, param);
  /* While only the thread slot holds it, the error object is not a leak: it leaves
  ** Control.LiveObjects until it is handed out. */
  if (obj) object_count(obj, FALSE);
  old = TlsGetValue(tls_slot);
  TlsSetValue(tls_slot, obj);
  if (old) IDispatch_Release(old);
  return hr;
}

/* Hands out the thread's last error once, as wbemdisp's SWbemLastError does. With no
** error recorded there is nothing to create. */
HRESULT sim_take_last_error(IDispatch **out)
{
  *out = tls_slot == TLS_OUT_OF_INDEXES ? NULL : TlsGetValue(tls_slot);
  if (!*out) return (HRESULT)WBEM_E_NOT_FOUND;
  TlsSetValue(tls_slot, NULL);
  object_count(*out, TRUE);
  return S_OK;
}

void sim_errors_thread_detach(void)
{
  IDispatch *old;
  if (tls_slot == TLS_OUT_OF_INDEXES) return;
  old = TlsGetValue(tls_slot);
  TlsSetValue(tls_slot, NULL);
  if (old) IDispatch_Release(old);
}

DWORD sim_errors_init(void)
{
  tls_slot = TlsAlloc();
  return tls_slot;
}
