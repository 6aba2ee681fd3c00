/*
** errors.c: HRESULTs become Lua error objects.
**
** An error object is a plain table with the metatable WBEM_ERROR:
**   { hresult = <unsigned 32-bit integer>, name = "WBEM_E_NOT_FOUND",
**     message = <text>, operation = <what we were doing>,
**     description =, provider =, parameter = }
** hresult is the unsigned value, so err.hresult == 0x8004102E holds in Lua.
** The last three fields come from WMI's SWbemLastError (or the EXCEPINFO of
** a failed IDispatch::Invoke) when WMI gives one.
*/
#include "wbem.h"

#include <stdio.h>
#include <string.h>
#include <wbemcli.h>
#include <wbemdisp.h>
#include <olectl.h>

/* Names and short descriptions. WMI's own codes come first (wbemcli.h's
** WBEMSTATUS, the names of WbemErrorEnum's documentation), then the HRESULTs a
** script host meets when it talks to automation objects. */
typedef struct hr_entry {
  HRESULT hr;
  const char *name;
  const char *message;
} hr_entry;

#define E(code, msg) { (HRESULT)(code), #code, msg }

static const hr_entry hr_table[] = {
  E(WBEM_S_NO_ERROR, "The call succeeded"),
  E(WBEM_S_FALSE, "The call succeeded with a false result"),
  E(WBEM_S_ALREADY_EXISTS, "The object already exists"),
  E(WBEM_S_RESET_TO_DEFAULT, "The value was reset to its default"),
  E(WBEM_S_DIFFERENT, "The objects are different"),
  E(WBEM_S_TIMEDOUT, "The call timed out"),
  E(WBEM_S_NO_MORE_DATA, "No more data is available"),
  E(WBEM_S_OPERATION_CANCELLED, "The operation was cancelled"),
  E(WBEM_S_PENDING, "The operation is still pending"),
  E(WBEM_S_DUPLICATE_OBJECTS, "More than one copy of the same object was detected"),
  E(WBEM_S_ACCESS_DENIED, "Access was denied to some of the results"),
  E(WBEM_S_PARTIAL_RESULTS, "Only partial results were returned"),
  E(WBEM_S_SOURCE_NOT_AVAILABLE, "The source of the results is not available"),
  E(WBEM_E_FAILED, "Call failed"),
  E(WBEM_E_NOT_FOUND, "Object cannot be found"),
  E(WBEM_E_ACCESS_DENIED, "Current user does not have permission to perform the action"),
  E(WBEM_E_PROVIDER_FAILURE, "Provider has failed at some time other than during initialization"),
  E(WBEM_E_TYPE_MISMATCH, "Type mismatch occurred"),
  E(WBEM_E_OUT_OF_MEMORY, "Not enough memory for the operation"),
  E(WBEM_E_INVALID_CONTEXT, "The context object is not valid"),
  E(WBEM_E_INVALID_PARAMETER, "One of the parameters to the call is not correct"),
  E(WBEM_E_NOT_AVAILABLE, "Resource, typically a remote server, is not currently available"),
  E(WBEM_E_CRITICAL_ERROR, "Internal, critical, and unexpected error occurred"),
  E(WBEM_E_INVALID_STREAM, "One or more network packets were corrupted during a remote session"),
  E(WBEM_E_NOT_SUPPORTED, "Feature or operation is not supported"),
  E(WBEM_E_INVALID_SUPERCLASS, "Parent class specified is not valid"),
  E(WBEM_E_INVALID_NAMESPACE, "Namespace specified cannot be found"),
  E(WBEM_E_INVALID_OBJECT, "Specified instance is not valid"),
  E(WBEM_E_INVALID_CLASS, "Specified class is not valid"),
  E(WBEM_E_PROVIDER_NOT_FOUND, "Provider referenced in the schema does not have a registration"),
  E(WBEM_E_INVALID_PROVIDER_REGISTRATION, "Provider referenced in the schema has an incorrect or incomplete registration"),
  E(WBEM_E_PROVIDER_LOAD_FAILURE, "COM cannot locate a provider referenced in the schema"),
  E(WBEM_E_INITIALIZATION_FAILURE, "Component, such as a provider, failed to initialize"),
  E(WBEM_E_TRANSPORT_FAILURE, "Networking error that prevents normal operation has occurred"),
  E(WBEM_E_INVALID_OPERATION, "Requested operation is not valid"),
  E(WBEM_E_INVALID_QUERY, "Query was not syntactically valid"),
  E(WBEM_E_INVALID_QUERY_TYPE, "Requested query language is not supported"),
  E(WBEM_E_ALREADY_EXISTS, "In a put operation, the create-only flag was set but the object already exists"),
  E(WBEM_E_OVERRIDE_NOT_ALLOWED, "Not possible to perform the add operation on this qualifier because the owning object does not permit overrides"),
  E(WBEM_E_PROPAGATED_QUALIFIER, "User attempted to delete a qualifier that was not owned"),
  E(WBEM_E_PROPAGATED_PROPERTY, "User attempted to delete a property that was not owned"),
  E(WBEM_E_UNEXPECTED, "Client made an unexpected and illegal sequence of calls"),
  E(WBEM_E_ILLEGAL_OPERATION, "User requested an illegal operation"),
  E(WBEM_E_CANNOT_BE_KEY, "Illegal attempt to specify a key qualifier on a property that cannot be a key"),
  E(WBEM_E_INCOMPLETE_CLASS, "Current object is not a valid class definition"),
  E(WBEM_E_INVALID_SYNTAX, "Query is syntactically not valid"),
  E(WBEM_E_NONDECORATED_OBJECT, "Reserved for future use"),
  E(WBEM_E_READ_ONLY, "An attempt was made to modify a read-only property"),
  E(WBEM_E_PROVIDER_NOT_CAPABLE, "Provider cannot perform the requested operation"),
  E(WBEM_E_CLASS_HAS_CHILDREN, "Attempt was made to make a change that invalidates a subclass"),
  E(WBEM_E_CLASS_HAS_INSTANCES, "Attempt was made to delete or modify a class that has instances"),
  E(WBEM_E_QUERY_NOT_IMPLEMENTED, "Reserved for future use"),
  E(WBEM_E_ILLEGAL_NULL, "Value of Nothing/NULL was specified for a property that must have a value"),
  E(WBEM_E_INVALID_QUALIFIER_TYPE, "Variant value for a qualifier was provided that is not a legal qualifier type"),
  E(WBEM_E_INVALID_PROPERTY_TYPE, "CIM type specified for a property is not valid"),
  E(WBEM_E_VALUE_OUT_OF_RANGE, "Request was made with an out-of-range value or it is incompatible with the type"),
  E(WBEM_E_CANNOT_BE_SINGLETON, "Illegal attempt was made to make a class singleton"),
  E(WBEM_E_INVALID_CIM_TYPE, "CIM type specified is not valid"),
  E(WBEM_E_INVALID_METHOD, "Requested method is not available"),
  E(WBEM_E_INVALID_METHOD_PARAMETERS, "Parameters provided for the method are not valid"),
  E(WBEM_E_SYSTEM_PROPERTY, "There was an attempt to get qualifiers on a system property"),
  E(WBEM_E_INVALID_PROPERTY, "Property type is not recognized"),
  E(WBEM_E_CALL_CANCELLED, "Asynchronous process has been canceled"),
  E(WBEM_E_SHUTTING_DOWN, "User has requested an operation while WMI is in the process of shutting down"),
  E(WBEM_E_PROPAGATED_METHOD, "Attempt was made to reuse an existing method name from a parent class"),
  E(WBEM_E_UNSUPPORTED_PARAMETER, "One or more parameter values, such as a query text, is too complex or unsupported"),
  E(WBEM_E_MISSING_PARAMETER_ID, "Parameter was missing from the method call"),
  E(WBEM_E_INVALID_PARAMETER_ID, "Method parameter has an ID qualifier that is not valid"),
  E(WBEM_E_NONCONSECUTIVE_PARAMETER_IDS, "One or more of the method parameters have ID qualifiers that are out of sequence"),
  E(WBEM_E_PARAMETER_ID_ON_RETVAL, "Return value for a method has an ID qualifier"),
  E(WBEM_E_INVALID_OBJECT_PATH, "Specified object path was not valid"),
  E(WBEM_E_OUT_OF_DISK_SPACE, "Disk is out of space or the 4 GB limit on WMI repository size is reached"),
  E(WBEM_E_BUFFER_TOO_SMALL, "Supplied buffer was too small to hold all of the objects in the enumerator"),
  E(WBEM_E_UNSUPPORTED_PUT_EXTENSION, "Provider does not support the requested put operation"),
  E(WBEM_E_UNKNOWN_OBJECT_TYPE, "Object with an incorrect type or version was encountered during marshaling"),
  E(WBEM_E_UNKNOWN_PACKET_TYPE, "Packet with an incorrect type or version was encountered during marshaling"),
  E(WBEM_E_MARSHAL_VERSION_MISMATCH, "Packet has an unsupported version"),
  E(WBEM_E_MARSHAL_INVALID_SIGNATURE, "Packet appears to be corrupt"),
  E(WBEM_E_INVALID_QUALIFIER, "Attempt was made to mismatch qualifiers, such as putting [key] on an object instead of a property"),
  E(WBEM_E_INVALID_DUPLICATE_PARAMETER, "Duplicate parameter was declared in a CIM method"),
  E(WBEM_E_TOO_MUCH_DATA, "Reserved for future use"),
  E(WBEM_E_SERVER_TOO_BUSY, "Call into the sink was rejected because the client is busy"),
  E(WBEM_E_INVALID_FLAVOR, "Specified qualifier flavor was not valid"),
  E(WBEM_E_CIRCULAR_REFERENCE, "Attempt was made to create a reference that is circular"),
  E(WBEM_E_UNSUPPORTED_CLASS_UPDATE, "Specified class is not supported"),
  E(WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE, "Attempt was made to change a key when instances or subclasses are already using the key"),
  E(WBEM_E_CANNOT_CHANGE_INDEX_INHERITANCE, "An attempt was made to change an index when instances or subclasses are already using the index"),
  E(WBEM_E_TOO_MANY_PROPERTIES, "Attempt was made to create more properties than the current version of the class supports"),
  E(WBEM_E_UPDATE_TYPE_MISMATCH, "Property was redefined with a conflicting type in a derived class"),
  E(WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED, "Attempt was made in a derived class to override a qualifier that cannot be overridden"),
  E(WBEM_E_UPDATE_PROPAGATED_METHOD, "Method was re-declared with a conflicting signature in a derived class"),
  E(WBEM_E_METHOD_NOT_IMPLEMENTED, "Attempt was made to execute a method not marked with [implemented] in any relevant class"),
  E(WBEM_E_METHOD_DISABLED, "Attempt was made to execute a method marked with [disabled]"),
  E(WBEM_E_REFRESHER_BUSY, "Refresher is busy with another operation"),
  E(WBEM_E_UNPARSABLE_QUERY, "Filtering query is syntactically not valid"),
  E(WBEM_E_NOT_EVENT_CLASS, "The FROM clause of a filtering query references a class that is not an event class"),
  E(WBEM_E_MISSING_GROUP_WITHIN, "A GROUP BY clause was used without the corresponding GROUP WITHIN clause"),
  E(WBEM_E_MISSING_AGGREGATION_LIST, "A GROUP BY clause was used; aggregation on all properties is not supported"),
  E(WBEM_E_PROPERTY_NOT_AN_OBJECT, "Dot notation was used on a property that is not an embedded object"),
  E(WBEM_E_AGGREGATING_BY_OBJECT, "A GROUP BY clause references a property that is an embedded object without using dot notation"),
  E(WBEM_E_UNINTERPRETABLE_PROVIDER_QUERY, "Event provider registration query did not specify the classes for which events were provided"),
  E(WBEM_E_BACKUP_RESTORE_WINMGMT_RUNNING, "Request was made to back up or restore the repository while it was in use by WinMgmt.exe"),
  E(WBEM_E_QUEUE_OVERFLOW, "Asynchronous delivery queue overflowed from the event consumer being too slow"),
  E(WBEM_E_PRIVILEGE_NOT_HELD, "Operation failed because the client did not have the necessary security privilege"),
  E(WBEM_E_INVALID_OPERATOR, "Operator is not valid for this property type"),
  E(WBEM_E_LOCAL_CREDENTIALS, "User specified a username/password/authority on a local connection"),
  E(WBEM_E_CANNOT_BE_ABSTRACT, "Class was made abstract when its parent class is not abstract"),
  E(WBEM_E_AMENDED_OBJECT, "Amended object was written without the UseAmendedQualifiers flag"),
  E(WBEM_E_CLIENT_TOO_SLOW, "Client did not retrieve objects quickly enough from an enumeration"),
  E(WBEM_E_NULL_SECURITY_DESCRIPTOR, "Null security descriptor was used"),
  E(WBEM_E_TIMED_OUT, "Operation timed out"),
  E(WBEM_E_INVALID_ASSOCIATION, "Association is not valid"),
  E(WBEM_E_AMBIGUOUS_OPERATION, "Operation was ambiguous"),
  E(WBEM_E_QUOTA_VIOLATION, "WMI is taking up too much memory"),
  E(WBEM_E_RESERVED_001, "Reserved for future use"),
  E(WBEM_E_RESERVED_002, "Reserved for future use"),
  E(WBEM_E_UNSUPPORTED_LOCALE, "Specified locale identifier was not valid for the operation"),
  E(WBEM_E_HANDLE_OUT_OF_DATE, "Provider is out of date"),
  E(WBEM_E_CONNECTION_FAILED, "Connection to the server failed"),
  E(WBEM_E_INVALID_HANDLE_REQUEST, "Handle request was not valid"),
  E(WBEM_E_PROPERTY_NAME_TOO_WIDE, "Property name contains more than 255 characters"),
  E(WBEM_E_CLASS_NAME_TOO_WIDE, "Class name contains more than 255 characters"),
  E(WBEM_E_METHOD_NAME_TOO_WIDE, "Method name contains more than 255 characters"),
  E(WBEM_E_QUALIFIER_NAME_TOO_WIDE, "Qualifier name contains more than 255 characters"),
  E(WBEM_E_RERUN_COMMAND, "The SQL command must be rerun because of a pending schema change"),
  E(WBEM_E_DATABASE_VER_MISMATCH, "The database version does not match the version that the repository driver understands"),
  E(WBEM_E_VETO_DELETE, "WMI cannot delete this object: a provider refused"),
  E(WBEM_E_VETO_PUT, "WMI cannot put this object: a provider refused"),
  E(WBEM_E_INVALID_LOCALE, "The locale is not valid"),
  E(WBEM_E_PROVIDER_SUSPENDED, "Provider is suspended"),
  E(WBEM_E_SYNCHRONIZATION_REQUIRED, "Object must be written to the repository and retrieved again before the requested operation can succeed"),
  E(WBEM_E_NO_SCHEMA, "Operation cannot be completed; no schema is available"),
  E(WBEM_E_PROVIDER_ALREADY_REGISTERED, "Provider cannot be registered because it is already registered"),
  E(WBEM_E_PROVIDER_NOT_REGISTERED, "Provider was not registered"),
  E(WBEM_E_FATAL_TRANSPORT_ERROR, "A fatal transport error occurred"),
  E(WBEM_E_ENCRYPTED_CONNECTION_REQUIRED, "User attempted to set a computer name or domain without an encrypted connection"),
  E(WBEM_E_PROVIDER_TIMED_OUT, "A provider failed to report results within the specified timeout"),
  E(WBEM_E_NO_KEY, "User attempted to put an instance with no defined key"),
  E(WBEM_E_PROVIDER_DISABLED, "User attempted to register a provider instance but the COM server for the provider instance was unloaded"),
  E(WBEMESS_E_REGISTRATION_TOO_BROAD, "Provider registration overlaps with the system event domain"),
  E(WBEMESS_E_REGISTRATION_TOO_PRECISE, "A WITHIN clause was not used in this query"),
  E(WBEMESS_E_AUTHZ_NOT_PRIVILEGED, "The client is not privileged for this event registration"),
  /* Automation and COM: what Invoke, CoCreateInstance and monikers return. */
  E(S_OK, "Success"),
  E(E_NOTIMPL, "Not implemented"),
  E(E_NOINTERFACE, "No such interface supported"),
  E(E_POINTER, "Invalid pointer"),
  E(E_ABORT, "Operation aborted"),
  E(E_FAIL, "Unspecified error"),
  E(E_UNEXPECTED, "Catastrophic failure"),
  E(E_ACCESSDENIED, "Access is denied"),
  /* what a connection to a host that does not answer gets (a fleet retries it) */
  { (HRESULT)0x800706BA, "RPC_S_SERVER_UNAVAILABLE", "The RPC server is unavailable" },
  E(E_HANDLE, "Invalid handle"),
  E(E_OUTOFMEMORY, "Not enough memory"),
  E(E_INVALIDARG, "One or more arguments are invalid"),
  E(DISP_E_UNKNOWNINTERFACE, "Unknown interface"),
  E(DISP_E_MEMBERNOTFOUND, "Member not found"),
  E(DISP_E_PARAMNOTFOUND, "Parameter not found"),
  E(DISP_E_TYPEMISMATCH, "Type mismatch"),
  E(DISP_E_UNKNOWNNAME, "Unknown name"),
  E(DISP_E_NONAMEDARGS, "No named arguments"),
  E(DISP_E_BADVARTYPE, "Bad variable type"),
  E(DISP_E_EXCEPTION, "Exception occurred"),
  E(DISP_E_OVERFLOW, "Out of present range"),
  E(DISP_E_BADINDEX, "Invalid index"),
  E(DISP_E_UNKNOWNLCID, "Unknown language"),
  E(DISP_E_ARRAYISLOCKED, "Memory is locked"),
  E(DISP_E_BADPARAMCOUNT, "Invalid number of parameters"),
  E(DISP_E_PARAMNOTOPTIONAL, "Parameter not optional"),
  E(DISP_E_BADCALLEE, "Invalid callee"),
  E(DISP_E_NOTACOLLECTION, "Does not support a collection"),
  E(DISP_E_DIVBYZERO, "Division by zero"),
  E(DISP_E_BUFFERTOOSMALL, "Buffer too small"),
  E(TYPE_E_ELEMENTNOTFOUND, "Element not found"),
  E(TYPE_E_LIBNOTREGISTERED, "Library not registered"),
  E(TYPE_E_CANTLOADLIBRARY, "Error loading type library/DLL"),
  E(CO_E_NOTINITIALIZED, "CoInitialize has not been called"),
  E(CO_E_ALREADYINITIALIZED, "CoInitialize has already been called"),
  E(CO_E_CLASSSTRING, "Invalid class string"),
  E(CO_E_APPNOTFOUND, "Application not found"),
  E(CO_E_DLLNOTFOUND, "DLL for class not found"),
  E(CO_E_ERRORINDLL, "Error in the DLL"),
  E(CO_E_SERVER_EXEC_FAILURE, "Server execution failed"),
  E(CO_E_OBJNOTCONNECTED, "Object is not connected to server"),
  E(CLASS_E_NOAGGREGATION, "Class does not support aggregation"),
  E(CLASS_E_CLASSNOTAVAILABLE, "ClassFactory cannot supply requested class"),
  E(REGDB_E_CLASSNOTREG, "Class not registered"),
  E(REGDB_E_IIDNOTREG, "Interface not registered"),
  E(REGDB_E_READREGDB, "Could not read key from registry"),
  E(RPC_E_CHANGED_MODE, "Cannot change thread mode after it is set"),
  E(RPC_E_WRONG_THREAD, "The application called an interface that was marshalled for a different thread"),
  E(RPC_E_DISCONNECTED, "The object invoked has disconnected from its clients"),
  E(RPC_E_SERVERFAULT, "The server threw an exception"),
  E(RPC_E_CALL_REJECTED, "Call was rejected by callee"),
  E(RPC_E_SERVERCALL_RETRYLATER, "The message filter indicated that the application is busy"),
  E(RPC_E_CANTCALLOUT_ININPUTSYNCCALL, "An outgoing call cannot be made since the application is dispatching an input-synchronous call"),
  E(RPC_E_TIMEOUT, "This operation returned because the timeout period expired"),
  E(MK_E_SYNTAX, "Invalid syntax"),
  E(MK_E_NOOBJECT, "Object could not be found"),
  E(MK_E_UNAVAILABLE, "Operation unavailable"),
  E(MK_E_CONNECTMANUALLY, "The moniker needs to be connected manually"),
  E(MK_E_EXCEEDEDDEADLINE, "Operation exceeded deadline"),
  E(MK_E_NEEDGENERIC, "Moniker needs to be generic"),
  E(MK_E_INVALIDEXTENSION, "Bad extension for file"),
  E(MK_E_INTERMEDIATEINTERFACENOTSUPPORTED, "Intermediate interface not supported"),
  E(MK_E_NOTBINDABLE, "Moniker is not bindable"),
  E(MK_E_NOTBOUND, "Moniker is not bound"),
  E(MK_E_CANTOPENFILE, "Moniker cannot open file"),
  E(OLE_E_BLANK, "Uninitialized object"),
  E(CONNECT_E_NOCONNECTION, "No connection for this connection ID"),
  E(CONNECT_E_ADVISELIMIT, "Advise limit reached"),
  E(CONNECT_E_CANNOTCONNECT, "Cannot connect"),
};

#undef E

static const hr_entry *find_entry(HRESULT hr) {
  size_t i;
  for (i = 0; i < sizeof(hr_table) / sizeof(hr_table[0]); i++)
    if (hr_table[i].hr == hr) return &hr_table[i];
  return NULL;
}

const char *wbem_hresult_name(HRESULT hr) {
  const hr_entry *e = find_entry(hr);
  return e ? e->name : NULL;
}

static void setfield_bstr(lua_State *L, const char *k, BSTR s) {
  if (s == NULL || SysStringLen(s) == 0) return;
  wbem_push_bstr(L, s, SysStringLen(s));
  lua_setfield(L, -2, k);
}

/* The system's text for an HRESULT, trimmed of its trailing line break. */
static int push_system_message(lua_State *L, HRESULT hr) {
  WCHAR buf[512];
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                           NULL, (DWORD)hr, 0, buf, sizeof(buf) / sizeof(buf[0]), NULL);
  while (n > 0 && (buf[n - 1] == L'\r' || buf[n - 1] == L'\n' || buf[n - 1] == L' ' ||
                   buf[n - 1] == L'.'))
    n--;
  if (n == 0) return 0;
  wbem_push_bstr(L, buf, n);
  return 1;
}

/* Reads the WMI property name of an SWbemObject: through its dual interface when it
** has one (Properties_.Item(name).Value: no name lookups, which cost most of a read of
** a fresh object), else by name through IDispatch. set: the object's Properties_, or
** NULL. */
static void wmi_get(IDispatch *obj, ISWbemPropertySet *set, const WCHAR *name, VARIANT *out) {
  ISWbemProperty *prop = NULL;
  BSTR b;
  HRESULT hr = E_NOINTERFACE;
  VariantInit(out);
  if (set != NULL && (b = SysAllocString(name)) != NULL) {
    hr = ISWbemPropertySet_Item(set, b, 0, &prop);
    SysFreeString(b);
    if (SUCCEEDED(hr) && prop != NULL) {
      hr = ISWbemProperty_get_Value(prop, out);
      ISWbemProperty_Release(prop);
    }
    if (SUCCEEDED(hr)) return;
    VariantClear(out);
  }
  wbem_disp_get(obj, name, out);
}

/* Sets the fields description, provider, parameter and (named op) the operation of the
** table on top from an SWbemLastError-shaped object, each when a non-empty string. */
static void set_details(lua_State *L, IDispatch *obj, const char *op) {
  static const WCHAR *const names[] = { L"Description", L"ProviderName", L"ParameterInfo", L"Operation" };
  const char *fields[] = { "description", "provider", "parameter", op };
  ISWbemObject *wo = NULL;
  ISWbemPropertySet *set = NULL;
  int i;
  if (SUCCEEDED(IDispatch_QueryInterface(obj, &IID_ISWbemObject, (void **)&wo)) && wo != NULL) {
    if (FAILED(ISWbemObject_get_Properties_(wo, &set))) set = NULL;
    ISWbemObject_Release(wo);
  }
  for (i = 0; i < 4; i++) {
    VARIANT v;
    wmi_get(obj, set, names[i], &v);
    if (V_VT(&v) == VT_BSTR) setfield_bstr(L, fields[i], V_BSTR(&v));
    VariantClear(&v);
  }
  if (set != NULL) ISWbemPropertySet_Release(set);
}

void wbem_error_details(lua_State *L, IDispatch *errobj) {
  set_details(L, errobj, "wmi_operation");
}

/* WMI keeps the details of the last failure of this thread in an
** __ExtendedStatus object that a client reads by creating SWbemLastError
** right after the failing call (creating it consumes the thread's error
** information). Absent on Wine: CLSIDFromProgID fails fast and we skip it. */
static void add_last_error(lua_State *L, const char *progid) {
  WCHAR wprogid[128];
  CLSID clsid;
  IDispatch *last = NULL;
  if (!MultiByteToWideChar(CP_UTF8, 0, progid, -1, wprogid, 128)) return;
  if (FAILED(CLSIDFromProgID(wprogid, &clsid))) return;
  if (FAILED(wbem_create_dispatch(&clsid, &last)) || last == NULL) return;
  set_details(L, last, "wmi_operation");
  IDispatch_Release(last);
}

/* ei: completed already (wbem_disp_invoke does it) and only read here. */
void wbem_push_error_ex(lua_State *L, HRESULT hr, const char *operation, const EXCEPINFO *ei,
                        const char *last_error_progid) {
  const hr_entry *e;
  int has_message = 0;
  luaL_checkstack(L, 6, "wbem: error object");
  if (ei != NULL && hr == DISP_E_EXCEPTION) {   /* the real code is in the EXCEPINFO */
    if (ei->scode != 0) hr = ei->scode;
    else if (ei->wCode != 0) hr = MAKE_HRESULT(SEVERITY_ERROR, FACILITY_DISPATCH, ei->wCode);
  }
  e = find_entry(hr);
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, (lua_Integer)(unsigned long)hr);
  lua_setfield(L, -2, "hresult");
  if (e != NULL) lua_pushstring(L, e->name);
  else {
    char buf[16];
    snprintf(buf, sizeof buf, "0x%08X", (unsigned int)hr);
    lua_pushstring(L, buf);
  }
  lua_setfield(L, -2, "name");
  if (operation != NULL) {
    lua_pushstring(L, operation);
    lua_setfield(L, -2, "operation");
  }
  if (ei != NULL) {
    if (ei->bstrDescription != NULL && SysStringLen(ei->bstrDescription) > 0) {
      setfield_bstr(L, "message", ei->bstrDescription);
      setfield_bstr(L, "description", ei->bstrDescription);
      has_message = 1;
    }
    setfield_bstr(L, "source", ei->bstrSource);
  }
  if (!has_message) {
    if (e != NULL && HRESULT_FACILITY(hr) == FACILITY_ITF) lua_pushstring(L, e->message);
    else if (!push_system_message(L, hr)) {
      if (e != NULL) lua_pushstring(L, e->message);
      else lua_pushliteral(L, "Unknown error");
    }
    lua_setfield(L, -2, "message");
  }
  if (wbem_is_wbem_code(hr) && last_error_progid != NULL) add_last_error(L, last_error_progid);
  luaL_setmetatable(L, WBEM_ERROR);
}

void wbem_push_error(lua_State *L, HRESULT hr, const char *operation, const EXCEPINFO *ei) {
  wbem_push_error_ex(L, hr, operation, ei, "WbemScripting.SWbemLastError");
}

int wbem_raise(lua_State *L, HRESULT hr, const char *operation, const EXCEPINFO *ei) {
  wbem_push_error(L, hr, operation, ei);
  return lua_error(L);
}

/* "wbem: call Foo: WBEM_E_INVALID_METHOD (0x8004102E): Requested method is not available" */
static int error_tostring(lua_State *L) {
  luaL_Buffer b;
  lua_Integer hr;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "wbem: ");
  if (lua_getfield(L, 1, "operation") == LUA_TSTRING) {
    lua_pushliteral(L, ": ");
    lua_concat(L, 2);
    luaL_addvalue(&b);
  } else lua_pop(L, 1);
  lua_getfield(L, 1, "hresult");
  hr = lua_tointeger(L, -1);
  lua_pop(L, 1);
  {
    char buf[16];
    snprintf(buf, sizeof buf, "0x%08X", (unsigned int)(hr & 0xFFFFFFFF));
    /* "NAME (0x...)", or the bare value when it has no name of its own */
    if (lua_getfield(L, 1, "name") == LUA_TSTRING && strcmp(lua_tostring(L, -1), buf) != 0) {
      luaL_addvalue(&b);
      luaL_addstring(&b, " (");
      luaL_addstring(&b, buf);
      luaL_addstring(&b, ")");
    } else {
      lua_pop(L, 1);
      luaL_addstring(&b, buf);
    }
  }
  if (lua_getfield(L, 1, "message") == LUA_TSTRING) {
    luaL_addstring(&b, ": ");
    luaL_addvalue(&b);
  } else lua_pop(L, 1);
  /* SWbemLastError's description tells what the message doesn't. */
  lua_getfield(L, 1, "description");
  lua_getfield(L, 1, "message");
  if (lua_type(L, -2) == LUA_TSTRING && !lua_rawequal(L, -1, -2)) {
    lua_pop(L, 1);
    luaL_addstring(&b, " (");
    luaL_addvalue(&b);
    luaL_addstring(&b, ")");
  } else lua_pop(L, 2);
  if (lua_getfield(L, 1, "provider") == LUA_TSTRING) {
    luaL_addstring(&b, " [provider ");
    luaL_addvalue(&b);
    luaL_addstring(&b, "]");
  } else lua_pop(L, 1);
  luaL_pushresult(&b);
  return 1;
}

/* core.error{hresult=, name=, message=, operation=, ...}: an error object built
** by the Lua layer. Missing name and message are derived from hresult. */
static int l_error(lua_State *L) {
  lua_Integer hr;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if (lua_getfield(L, 1, "hresult") != LUA_TNUMBER || !lua_isinteger(L, -1))
    return luaL_argerror(L, 1, "field 'hresult' must be an integer");
  hr = lua_tointeger(L, -1);
  if (hr < -0x80000000LL || hr > 0xFFFFFFFFLL)
    return luaL_argerror(L, 1, "field 'hresult' is not a 32-bit value");
  wbem_push_error_ex(L, (HRESULT)(unsigned long)(hr & 0xFFFFFFFF), NULL, NULL, NULL);
  /* Fields given by the caller win over the derived ones. */
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "hresult") == 0)
      lua_pop(L, 2);
    else
      lua_rawset(L, -4);
  }
  return 1;
}

/* The hresult argument at idx: an integer of 32 bits, signed or unsigned. */
static HRESULT check_hresult(lua_State *L, int idx) {
  lua_Integer hr = luaL_checkinteger(L, idx);
  luaL_argcheck(L, hr >= -0x80000000LL && hr <= 0xFFFFFFFFLL, idx, "hresult is not a 32-bit value");
  return (HRESULT)(unsigned long)(hr & 0xFFFFFFFF);
}

/* core.completion_error(hresult, errobj, operation) -> error object: what an
** OnCompleted that failed reports. errobj (SWbemLastError-shaped, or nil) gives
** description, provider, parameter and WMI's own name of the operation, each when it is
** a non-empty string; they are read straight through its dual interface (or its
** IDispatch by name), not as bridged property reads, and errobj stays open: closing it
** is the caller's business. */
static int l_completion_error(lua_State *L) {
  HRESULT hr = check_hresult(L, 1);
  const char *operation = luaL_checkstring(L, 3);
  IDispatch *errobj = NULL;
  if (!lua_isnoneornil(L, 2) && (errobj = wbem_to_dispatch(L, 2)) == NULL)
    luaL_argerror(L, 2, lua_pushfstring(L, "an open bridged object or nil expected, got %s",
                                        lua_type(L, 2) == LUA_TUSERDATA && luaL_getmetafield(L, 2, "__name")
                                          ? "a closed object" : luaL_typename(L, 2)));
  wbem_push_error_ex(L, hr, operation, NULL, NULL);
  if (errobj) set_details(L, errobj, "operation");
  return 1;
}

static int l_is_error(lua_State *L) {
  int is = 0;
  if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
    luaL_getmetatable(L, WBEM_ERROR);
    is = lua_rawequal(L, -1, -2);
  }
  lua_pushboolean(L, is);
  return 1;
}

/* core.hresult_name(hr) -> "WBEM_E_NOT_FOUND" or nil */
static int l_hresult_name(lua_State *L) {
  lua_Integer hr = luaL_checkinteger(L, 1);
  const char *name = wbem_hresult_name((HRESULT)(unsigned long)(hr & 0xFFFFFFFF));
  if (name) lua_pushstring(L, name);
  else lua_pushnil(L);
  return 1;
}

/* core.hresults: name -> unsigned value, for code that compares err.hresult. */
static void push_hresults(lua_State *L) {
  size_t i, n = sizeof(hr_table) / sizeof(hr_table[0]);
  lua_createtable(L, 0, (int)n);
  for (i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)(unsigned long)hr_table[i].hr);
    lua_setfield(L, -2, hr_table[i].name);
  }
}

static const luaL_Reg error_meta[] = {
  {"__tostring", error_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"error", l_error},
  {"completion_error", l_completion_error},
  {"is_error", l_is_error},
  {"hresult_name", l_hresult_name},
  {NULL, NULL}
};

void wbem_open_errors(lua_State *L) {
  wbem_newmeta(L, WBEM_ERROR, error_meta, NULL);
  luaL_setfuncs(L, funcs, 0);
  push_hresults(L);
  lua_setfield(L, -2, "hresults");
}
