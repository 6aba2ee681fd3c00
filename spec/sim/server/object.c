/*
** object.c: SWbemObject(Ex), a class or an instance. Holds its own copy of the data
** (data.c); Put_ and PutAsync_ write a copy back into the repository. Put_ and Delete_
** are synchronous round trips (Control.SyncLatencyMs and SyncHang, control.c); the rest
** works on the object's own copy, as wbemdisp's does.
**
** As in wbemdisp, the object's WMI properties are members of its IDispatch: a name that
** the type library does not know resolves to a property (a DISPID of the object's own
** range), read with DISPATCH_PROPERTYGET and written with DISPATCH_PROPERTYPUT.
** The SWbemLastError object is an SWbemObject too (class __ExtendedStatus), answering
** ISWbemLastError besides.
*/
#include <stdlib.h>
#include "wbemsim.h"

#define DYN_BASE 0x10000    /* DISPIDs of WMI properties; the type library uses 1..25 */

struct sim_object {
  ISWbemObjectEx ISWbemObjectEx_iface;
  LONG ref;
  IUnknown *ftm;
  sim_data *data;
  BOOL is_error;
  LONG counted;             /* in Control.LiveObjects */
  WCHAR **names;            /* names handed out as DISPIDs, never reused */
  int nnames, capnames;
};

static SRWLOCK obj_lock = SRWLOCK_INIT;
void object_lock(void) { AcquireSRWLockExclusive(&obj_lock); }
void object_unlock(void) { ReleaseSRWLockExclusive(&obj_lock); }
sim_data *object_data(sim_object *o) { return o->data; }
void object_set_data(sim_object *o, sim_data *d) { data_free(o->data); o->data = d; }
void object_addref(sim_object *o) { ISWbemObjectEx_AddRef(&o->ISWbemObjectEx_iface); }
void object_release(sim_object *o) { ISWbemObjectEx_Release(&o->ISWbemObjectEx_iface); }

static inline sim_object *impl_from_ISWbemObjectEx(ISWbemObjectEx *iface)
{
  return CONTAINING_RECORD(iface, sim_object, ISWbemObjectEx_iface);
}

static sim_object *from_dispatch(IDispatch *disp)
{
  sim_object *o = NULL;
  if (disp && SUCCEEDED(IDispatch_QueryInterface(disp, &IID_WbemSimObject, (void **)&o))) {
    ISWbemObjectEx_Release(&o->ISWbemObjectEx_iface);   /* the caller holds disp */
    return o;
  }
  return NULL;
}

static sim_data *snapshot(sim_object *o)
{
  sim_data *d;
  object_lock();
  d = data_clone(o->data);
  object_unlock();
  return d;
}

sim_data *object_snapshot(IDispatch *disp)
{
  sim_object *o = from_dispatch(disp);
  return o ? snapshot(o) : NULL;
}

void object_count(IDispatch *disp, BOOL counted)
{
  sim_object *o = from_dispatch(disp);
  if (!o) return;
  if (counted && !InterlockedExchange(&o->counted, 1)) sim_live_add();
  if (!counted && InterlockedExchange(&o->counted, 0)) sim_live_sub();
}

static HRESULT WINAPI object_QueryInterface(ISWbemObjectEx *iface, REFIID riid, void **out)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemObject) ||
      IsEqualIID(riid, &IID_ISWbemObjectEx) || IsEqualIID(riid, &IID_WbemSimObject) ||
      (o->is_error && IsEqualIID(riid, &IID_ISWbemLastError))) {
    *out = iface;
    ISWbemObjectEx_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &o->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI object_AddRef(ISWbemObjectEx *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemObjectEx(iface)->ref);
}

static ULONG WINAPI object_Release(ISWbemObjectEx *iface)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  LONG ref = InterlockedDecrement(&o->ref);
  if (ref == 0) {
    int i;
    data_free(o->data);
    for (i = 0; i < o->nnames; i++) free(o->names[i]);
    free(o->names);
    if (o->ftm) IUnknown_Release(o->ftm);
    if (o->counted) sim_live_sub();
    free(o);
  }
  return ref;
}

static HRESULT WINAPI object_GetTypeInfoCount(ISWbemObjectEx *iface, UINT *count)
{
  (void)iface;
  *count = 1;
  return S_OK;
}

static HRESULT WINAPI object_GetTypeInfo(ISWbemObjectEx *iface, UINT index, LCID lcid, ITypeInfo **ti)
{
  (void)iface; (void)lcid;
  if (index) return DISP_E_BADINDEX;
  return sim_typeinfo(&IID_ISWbemObject, ti);
}

static HRESULT object_method_id(sim_object *o, const WCHAR *name, DISPID *id);

/* Copies of the object's namespace and class (NULL for a class without a name yet),
** to look its methods up without the object lock. */
static void object_names(sim_object *o, WCHAR **ns, WCHAR **cls)
{
  object_lock();
  *ns = sim_strdup(o->data->ns);
  *cls = sim_strdup(o->data->cls);
  object_unlock();
}

static HRESULT WINAPI object_GetIDsOfNames(ISWbemObjectEx *iface, REFIID riid, LPOLESTR *names, UINT count,
                                           LCID lcid, DISPID *ids)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  sim_prop *p;
  HRESULT hr;
  int i;
  (void)riid; (void)lcid;
  hr = sim_disp_ids(&IID_ISWbemObject, names, count, ids);
  if (hr != DISP_E_UNKNOWNNAME || count != 1) return hr;
  object_lock();
  p = data_prop(o->data, names[0]);
  if (p) {
    for (i = 0; i < o->nnames; i++)
      if (_wcsicmp(o->names[i], p->name) == 0) break;
    if (i == o->nnames) {
      WCHAR **nv = sim_grow(o->names, &o->capnames, o->nnames + 1, sizeof *nv);
      if (nv) o->names = nv;
      if (nv && (o->names[i] = sim_strdup(p->name))) o->nnames++;
      else i = -1;
    }
    if (i >= 0) {
      ids[0] = DYN_BASE + i;
      hr = S_OK;
    }
  }
  object_unlock();
  if (hr == DISP_E_UNKNOWNNAME) hr = object_method_id(o, names[0], ids);
  return hr;
}

/* A method of the object's class as a member (wbemdisp's direct access), looked up in
** the repository without the object lock. */
static HRESULT object_method_id(sim_object *o, const WCHAR *name, DISPID *id)
{
  WCHAR *ns, *cls;
  HRESULT hr;
  object_names(o, &ns, &cls);
  hr = ns && cls ? method_dispid(ns, cls, name, id) : DISP_E_UNKNOWNNAME;
  free(ns);
  free(cls);
  return hr;
}

static HRESULT object_path_text(sim_object *o, WCHAR **text, WCHAR **ns);

static HRESULT invoke_method(sim_object *o, DISPID id, WORD flags, DISPPARAMS *params, VARIANT *result,
                             EXCEPINFO *ei)
{
  WCHAR *text = NULL, *ns = NULL;
  HRESULT hr;
  if (!(flags & DISPATCH_METHOD)) return DISP_E_MEMBERNOTFOUND;
  if (SUCCEEDED(hr = object_path_text(o, &text, &ns))) hr = method_invoke(ns, text, id, params, result);
  else sim_fail(hr, L"ExecMethod", NULL);
  free(text);
  free(ns);
  if (FAILED(hr) && (HRESULT_FACILITY(hr) == FACILITY_ITF || hr == E_OUTOFMEMORY)) {
    if (ei) sim_excepinfo(ei, hr, L"SWbemObjectEx");
    hr = DISP_E_EXCEPTION;
  }
  return hr;
}

/* A WMI property through IDispatch. */
static HRESULT invoke_property(sim_object *o, DISPID id, WORD flags, DISPPARAMS *params, VARIANT *result,
                               EXCEPINFO *ei)
{
  const WCHAR *name;
  sim_prop *p;
  HRESULT hr = S_OK;
  object_lock();
  if (id - DYN_BASE >= o->nnames) {
    object_unlock();
    return DISP_E_MEMBERNOTFOUND;
  }
  name = o->names[id - DYN_BASE];
  p = data_prop(o->data, name);
  if (!p) hr = DISP_E_MEMBERNOTFOUND;
  else if (flags & DISPATCH_PROPERTYPUT) {
    VARIANT v;
    if (params->cArgs != 1) hr = DISP_E_BADPARAMCOUNT;
    else if (SUCCEEDED(hr = cim_coerce(p->type, &params->rgvarg[0], &v))) {
      VariantClear(&p->value);
      p->value = v;
    }
  }
  else if (flags & (DISPATCH_PROPERTYGET | DISPATCH_METHOD)) {
    if (params->cArgs) hr = DISP_E_BADPARAMCOUNT;
    else if (result) hr = VariantCopy(result, &p->value);
  }
  else hr = DISP_E_MEMBERNOTFOUND;
  object_unlock();
  if (SUCCEEDED(hr) && result && !(flags & DISPATCH_PROPERTYPUT)) hr = object_unembed(result);
  if (FAILED(hr) && HRESULT_FACILITY(hr) == FACILITY_ITF) {
    sim_fail(hr, L"Put", name);
    if (ei) sim_excepinfo(ei, hr, L"SWbemObjectEx");
    hr = DISP_E_EXCEPTION;
  }
  return hr;
}

static HRESULT WINAPI object_Invoke(ISWbemObjectEx *iface, DISPID id, REFIID riid, LCID lcid, WORD flags,
                                    DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
  DISPPARAMS none = { NULL, NULL, 0, 0 };
  (void)riid; (void)lcid;
  if (!params) params = &none;
  if (method_is_dispid(id)) return invoke_method(impl_from_ISWbemObjectEx(iface), id, flags, params, result, ei);
  if (id >= DYN_BASE) return invoke_property(impl_from_ISWbemObjectEx(iface), id, flags, params, result, ei);
  return sim_disp_invoke(&IID_ISWbemObject, iface, L"SWbemObjectEx", id, flags, params, result, ei, argerr);
}

static const WCHAR *put_operation(const sim_data *d) { return d->is_class ? L"PutClass" : L"PutInstance"; }

/* A failed put, recorded with the object's path (or class) as ParameterInfo. */
static HRESULT put_failed(HRESULT hr, const sim_data *d)
{
  sim_path p;
  WCHAR *rel = NULL;
  if (SUCCEEDED(data_to_path(d, &p))) {
    rel = path_relpath(&p);
    path_free(&p);
  }
  sim_fail(hr, put_operation(d), rel && *rel ? rel : d->cls);
  free(rel);
  return hr;
}

static HRESULT WINAPI object_Put_(ISWbemObjectEx *iface, LONG flags, IDispatch *ctx, ISWbemObjectPath **path)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  sim_data *d;
  sim_path written;
  HRESULT hr;
  *path = NULL;
  /* the object as it was at the call is what goes to the repository, after the round trip */
  if (!(d = snapshot(o))) return E_OUTOFMEMORY;
  hr = sim_begin_sync((HRESULT)sim_check_put_flags(flags, d->is_class), ctx);
  if (SUCCEEDED(hr)) hr = repo_put(d, flags, &written);
  if (SUCCEEDED(hr)) {
    hr = pathobj_create(&written, NULL, path);
    path_free(&written);
  }
  else put_failed(hr, d);
  data_free(d);
  return hr;
}

static HRESULT WINAPI object_PutAsync_(ISWbemObjectEx *iface, IDispatch *sink, LONG flags, IDispatch *ctx,
                                       IDispatch *actx)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  sim_data *d = snapshot(o);
  HRESULT hr;
  if (!d) return E_OUTOFMEMORY;
  /* Refusals that need no repository come back from the call itself, with no events. */
  hr = (HRESULT)sim_check_put_flags(flags, d->is_class);
  if (SUCCEEDED(hr)) return worker_submit(OP_PUT, sink, flags, ctx, actx, d->ns, NULL, d);
  put_failed(hr, d);
  data_free(d);
  return hr;
}

static HRESULT object_path_text(sim_object *o, WCHAR **text, WCHAR **ns)
{
  sim_path p;
  HRESULT hr;
  object_lock();
  hr = data_to_path(o->data, &p);
  *ns = sim_strdup(o->data->ns);
  object_unlock();
  if (FAILED(hr)) return hr;
  *text = path_relpath(&p);
  path_free(&p);
  if (*text && !**text) {
    free(*text);
    *text = NULL;
    return (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
  }
  return *text ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI object_Delete_(ISWbemObjectEx *iface, LONG flags, IDispatch *ctx)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  WCHAR *text = NULL, *ns = NULL;
  sim_path p;
  HRESULT hr = (flags & ~SIM_FLAG_RETURN_IMMEDIATELY) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK;
  /* the path as it was at the call is what is deleted, after the round trip */
  if (SUCCEEDED(hr)) hr = object_path_text(o, &text, &ns);
  hr = sim_begin_sync(hr, ctx);
  if (SUCCEEDED(hr) && SUCCEEDED(hr = path_parse(text, &p))) {
    hr = repo_delete(ns, &p);
    path_free(&p);
  }
  if (FAILED(hr)) sim_fail(hr, delete_operation(text), text);
  free(text);
  free(ns);
  return hr;
}

static HRESULT WINAPI object_DeleteAsync_(ISWbemObjectEx *iface, IDispatch *sink, LONG flags, IDispatch *ctx,
                                          IDispatch *actx)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  WCHAR *text = NULL, *ns = NULL;
  HRESULT hr = (flags & ~(SIM_FLAG_RETURN_IMMEDIATELY | SIM_FLAG_SEND_STATUS)) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK;
  if (SUCCEEDED(hr)) hr = object_path_text(o, &text, &ns);
  if (SUCCEEDED(hr)) hr = worker_submit(OP_DELETE, sink, flags, ctx, actx, ns, text, NULL);
  else sim_fail(hr, delete_operation(text), text);
  free(text);
  free(ns);
  return hr;
}

/* The query family on the object itself (family.c): Instances_ and Subclasses_ of the class
** it is ("The Instances_ method only works for class objects": an instance is refused with
** wbemErrInvalidClass, of the pages' errors the one that fits), Associators_ and References_ of
** its path (a (statement) then writes the statement). sink NULL: the synchronous call,
** whose round trip comes before any refusal. */
typedef struct assoc_args {
  BOOL references;
  BSTR assoc, result, rrole, role, aqual, qual;
  VARIANT_BOOL classes, schema;
} assoc_args;

static HRESULT object_family(sim_object *o, sim_op_kind kind, const assoc_args *a, IDispatch *sink, LONG flags,
                             IDispatch *ctx, IDispatch *actx, ISWbemObjectSet **out)
{
  WCHAR *path = NULL, *ns = NULL, *text = NULL;
  BOOL is_class;
  HRESULT hr = object_path_text(o, &path, &ns);
  object_lock();
  is_class = o->data->is_class;
  object_unlock();
  if (out) *out = NULL;
  if (SUCCEEDED(hr) && !a && !is_class) hr = (HRESULT)WBEM_E_INVALID_CLASS;
  if (SUCCEEDED(hr)) {
    text = a ? assoc_text(a->references, path, a->assoc, a->result, a->rrole, a->role, a->classes, a->schema,
                          a->aqual, a->qual)
             : sim_strdup(path);
    if (!text) hr = E_OUTOFMEMORY;
  }
  if (!sink) hr = family_sync(kind, ns, text ? text : path, flags, ctx, hr, out);
  else if (SUCCEEDED(hr)) hr = worker_submit(kind, sink, flags, ctx, actx, ns, text, NULL);
  else sim_fail(hr, family_operation(kind), path);
  free(text);
  free(path);
  free(ns);
  return hr;
}

static HRESULT WINAPI object_Instances_(ISWbemObjectEx *iface, LONG flags, IDispatch *ctx, ISWbemObjectSet **out)
{
  return object_family(impl_from_ISWbemObjectEx(iface), OP_INSTANCES, NULL, NULL, flags, ctx, NULL, out);
}

static HRESULT WINAPI object_InstancesAsync_(ISWbemObjectEx *iface, IDispatch *sink, LONG flags, IDispatch *ctx,
                                             IDispatch *actx)
{
  if (!sink) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"CreateInstanceEnum", L"objWbemSink");
  return object_family(impl_from_ISWbemObjectEx(iface), OP_INSTANCES, NULL, sink, flags, ctx, actx, NULL);
}

static HRESULT WINAPI object_Subclasses_(ISWbemObjectEx *iface, LONG flags, IDispatch *ctx, ISWbemObjectSet **out)
{
  return object_family(impl_from_ISWbemObjectEx(iface), OP_SUBCLASSES, NULL, NULL, flags, ctx, NULL, out);
}

static HRESULT WINAPI object_SubclassesAsync_(ISWbemObjectEx *iface, IDispatch *sink, LONG flags, IDispatch *ctx,
                                              IDispatch *actx)
{
  if (!sink) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"CreateClassEnum", L"objWbemSink");
  return object_family(impl_from_ISWbemObjectEx(iface), OP_SUBCLASSES, NULL, sink, flags, ctx, actx, NULL);
}

static HRESULT WINAPI object_Associators_(ISWbemObjectEx *iface, BSTR assoc, BSTR result, BSTR rrole, BSTR role,
                                          VARIANT_BOOL classes, VARIANT_BOOL schema, BSTR aqual, BSTR qual,
                                          LONG flags, IDispatch *ctx, ISWbemObjectSet **out)
{
  assoc_args a = { FALSE, assoc, result, rrole, role, aqual, qual, classes, schema };
  return object_family(impl_from_ISWbemObjectEx(iface), OP_QUERY, &a, NULL, flags, ctx, NULL, out);
}

static HRESULT WINAPI object_AssociatorsAsync_(ISWbemObjectEx *iface, IDispatch *sink, BSTR assoc, BSTR result,
                                               BSTR rrole, BSTR role, VARIANT_BOOL classes, VARIANT_BOOL schema,
                                               BSTR aqual, BSTR qual, LONG flags, IDispatch *ctx, IDispatch *actx)
{
  assoc_args a = { FALSE, assoc, result, rrole, role, aqual, qual, classes, schema };
  if (!sink) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"ExecQuery", L"objWbemSink");
  return object_family(impl_from_ISWbemObjectEx(iface), OP_QUERY, &a, sink, flags, ctx, actx, NULL);
}

static HRESULT WINAPI object_References_(ISWbemObjectEx *iface, BSTR result, BSTR role, VARIANT_BOOL classes,
                                         VARIANT_BOOL schema, BSTR qual, LONG flags, IDispatch *ctx,
                                         ISWbemObjectSet **out)
{
  assoc_args a = { TRUE, NULL, result, NULL, role, NULL, qual, classes, schema };
  return object_family(impl_from_ISWbemObjectEx(iface), OP_QUERY, &a, NULL, flags, ctx, NULL, out);
}

static HRESULT WINAPI object_ReferencesAsync_(ISWbemObjectEx *iface, IDispatch *sink, BSTR result, BSTR role,
                                              VARIANT_BOOL classes, VARIANT_BOOL schema, BSTR qual, LONG flags,
                                              IDispatch *ctx, IDispatch *actx)
{
  assoc_args a = { TRUE, NULL, result, NULL, role, NULL, qual, classes, schema };
  if (!sink) return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, L"ExecQuery", L"objWbemSink");
  return object_family(impl_from_ISWbemObjectEx(iface), OP_QUERY, &a, sink, flags, ctx, actx, NULL);
}

/* ExecMethod_ is SWbemServices.ExecMethod on the object's own path (methods.c). */
static HRESULT WINAPI object_ExecMethod_(ISWbemObjectEx *iface, BSTR method, IDispatch *in, LONG flags,
                                         IDispatch *ctx, ISWbemObject **out)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  WCHAR *text = NULL, *ns = NULL;
  sim_data *d = NULL, *res = NULL;
  HRESULT hr = (flags & ~SIM_METHOD_SYNC_FLAGS) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK;
  *out = NULL;
  /* the path and the in-parameters as they were at the call, before the round trip */
  if (SUCCEEDED(hr)) hr = object_path_text(o, &text, &ns);
  if (SUCCEEDED(hr)) hr = services_method_in(in, &d);
  hr = sim_begin_sync(hr, ctx);
  if (SUCCEEDED(hr)) hr = method_exec(ns, text, method, d, &res);
  if (FAILED(hr)) sim_fail(hr, L"ExecMethod", text);
  data_free(d);
  free(text);
  free(ns);
  return FAILED(hr) ? hr : object_create(res, FALSE, (IDispatch **)out);
}

static HRESULT WINAPI object_ExecMethodAsync_(ISWbemObjectEx *iface, IDispatch *sink, BSTR method, IDispatch *in,
                                              LONG flags, IDispatch *ctx, IDispatch *actx)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  WCHAR *text = NULL, *ns = NULL;
  sim_data *d = NULL;
  HRESULT hr = (flags & ~SIM_METHOD_ASYNC_FLAGS) ? (HRESULT)WBEM_E_INVALID_PARAMETER : S_OK;
  if (SUCCEEDED(hr)) hr = object_path_text(o, &text, &ns);
  if (SUCCEEDED(hr)) hr = services_method_in(in, &d);
  if (SUCCEEDED(hr)) hr = worker_submit_method(sink, flags, ctx, actx, ns, text, method, d);
  else sim_fail(hr, L"ExecMethod", text);
  free(text);
  free(ns);
  return hr;
}

static HRESULT WINAPI object_Clone_(ISWbemObjectEx *iface, ISWbemObject **out)
{
  sim_data *d = snapshot(impl_from_ISWbemObjectEx(iface));
  *out = NULL;
  if (!d) return E_OUTOFMEMORY;
  return object_create(d, FALSE, (IDispatch **)out);
}

static HRESULT WINAPI object_GetObjectText_(ISWbemObjectEx *iface, LONG flags, BSTR *text)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  (void)flags;
  object_lock();
  *text = mof_text(o->data);
  object_unlock();
  return *text ? S_OK : E_OUTOFMEMORY;
}

static HRESULT spawn(sim_object *o, BOOL derived, ISWbemObject **out)
{
  sim_data *d = NULL;
  HRESULT hr = S_OK;
  *out = NULL;
  object_lock();
  /* Only a class with a name can have instances or subclasses. */
  if (!o->data->is_class || !o->data->cls) hr = (HRESULT)WBEM_E_INVALID_OPERATION;
  else if (!(d = derived ? data_spawn_derived(o->data) : data_spawn_instance(o->data))) hr = E_OUTOFMEMORY;
  object_unlock();
  if (FAILED(hr)) return sim_fail(hr, derived ? L"SpawnDerivedClass" : L"SpawnInstance", NULL);
  return object_create(d, FALSE, (IDispatch **)out);
}

static HRESULT WINAPI object_SpawnDerivedClass_(ISWbemObjectEx *iface, LONG flags, ISWbemObject **out)
{
  (void)flags;
  return spawn(impl_from_ISWbemObjectEx(iface), TRUE, out);
}

static HRESULT WINAPI object_SpawnInstance_(ISWbemObjectEx *iface, LONG flags, ISWbemObject **out)
{
  (void)flags;
  return spawn(impl_from_ISWbemObjectEx(iface), FALSE, out);
}

static HRESULT WINAPI object_CompareTo_(ISWbemObjectEx *iface, IDispatch *other, LONG flags, VARIANT_BOOL *result)
{
  (void)iface; (void)other; (void)flags; (void)result;
  return E_NOTIMPL;
}

static HRESULT WINAPI object_get_Qualifiers_(ISWbemObjectEx *iface, ISWbemQualifierSet **out)
{
  return qualset_create(impl_from_ISWbemObjectEx(iface), NULL, out);
}

static HRESULT WINAPI object_get_Properties_(ISWbemObjectEx *iface, ISWbemPropertySet **out)
{
  return propset_create(impl_from_ISWbemObjectEx(iface), out);
}

static HRESULT WINAPI object_get_Methods_(ISWbemObjectEx *iface, ISWbemMethodSet **out)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  WCHAR *ns, *cls;
  HRESULT hr;
  object_names(o, &ns, &cls);
  hr = methodset_create(ns, cls, out);
  free(ns);
  free(cls);
  return hr;
}

static HRESULT WINAPI object_get_Derivation_(ISWbemObjectEx *iface, VARIANT *out)
{
  sim_object *o = impl_from_ISWbemObjectEx(iface);
  WCHAR *ns, *first = NULL, *cls = NULL;
  SAFEARRAY *sa;
  HRESULT hr;
  object_lock();
  ns = sim_strdup(o->data->ns);
  if (o->data->is_class) first = sim_strdup(o->data->super);
  else cls = sim_strdup(o->data->cls);
  object_unlock();
  if (cls) {
    /* an instance derives from its class's superclasses */
    sim_data *c;
    if (SUCCEEDED(repo_get_class(ns, cls, &c))) {
      first = sim_strdup(c->super);
      data_free(c);
    }
    free(cls);
  }
  hr = repo_derivation(ns, first, &sa);
  free(ns);
  free(first);
  VariantInit(out);
  if (SUCCEEDED(hr)) {
    V_VT(out) = VT_ARRAY | VT_BSTR;
    V_ARRAY(out) = sa;
  }
  return hr;
}

static HRESULT WINAPI object_get_Path_(ISWbemObjectEx *iface, ISWbemObjectPath **out)
{
  return pathobj_create(NULL, impl_from_ISWbemObjectEx(iface), out);
}

static HRESULT WINAPI object_get_Security_(ISWbemObjectEx *iface, ISWbemSecurity **out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI object_Refresh_(ISWbemObjectEx *iface, LONG flags, IDispatch *ctx)
{
  (void)iface; (void)flags; (void)ctx;
  return E_NOTIMPL;
}

static HRESULT WINAPI object_get_SystemProperties_(ISWbemObjectEx *iface, ISWbemPropertySet **out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI object_GetText_(ISWbemObjectEx *iface, WbemObjectTextFormatEnum format, LONG flags,
                                      IDispatch *ctx, BSTR *text)
{
  (void)iface; (void)format; (void)flags; (void)ctx;
  *text = NULL;
  return E_NOTIMPL;
}

static HRESULT WINAPI object_SetFromText_(ISWbemObjectEx *iface, BSTR text, WbemObjectTextFormatEnum format,
                                          LONG flags, IDispatch *ctx)
{
  (void)iface; (void)text; (void)format; (void)flags; (void)ctx;
  return E_NOTIMPL;
}

static const ISWbemObjectExVtbl object_vtbl = {
  object_QueryInterface, object_AddRef, object_Release,
  object_GetTypeInfoCount, object_GetTypeInfo, object_GetIDsOfNames, object_Invoke,
  object_Put_, object_PutAsync_, object_Delete_, object_DeleteAsync_,
  object_Instances_, object_InstancesAsync_, object_Subclasses_, object_SubclassesAsync_,
  object_Associators_, object_AssociatorsAsync_, object_References_, object_ReferencesAsync_,
  object_ExecMethod_, object_ExecMethodAsync_, object_Clone_, object_GetObjectText_,
  object_SpawnDerivedClass_, object_SpawnInstance_, object_CompareTo_,
  object_get_Qualifiers_, object_get_Properties_, object_get_Methods_, object_get_Derivation_,
  object_get_Path_, object_get_Security_,
  object_Refresh_, object_get_SystemProperties_, object_GetText_, object_SetFromText_,
};

/* An embedded object is stored as an object of its own that nobody else holds, so no one
** can change it: the copies of the data (data_clone) share it, and a read hands out a new
** object with a copy of its data (object_unembed), as wbemdisp hands out a new SWbemObject
** for an embedded object. It is not counted in LiveObjects: the data holding it is. */
HRESULT object_embed(sim_data *d, VARIANT *out)
{
  IDispatch *obj;
  HRESULT hr = object_create(d, FALSE, &obj);
  VariantInit(out);
  if (FAILED(hr)) return hr;
  object_count(obj, FALSE);
  V_VT(out) = VT_DISPATCH;
  V_DISPATCH(out) = obj;
  return S_OK;
}

/* The data of an embedded object, read without the lock: no one changes it. */
const sim_data *object_embedded_data(IDispatch *disp)
{
  sim_object *o = from_dispatch(disp);
  return o ? o->data : NULL;
}

/* Called without the object lock (object_snapshot takes it). */
HRESULT object_unembed(VARIANT *v)
{
  sim_data *d;
  IDispatch *obj;
  HRESULT hr;
  if (V_VT(v) != VT_DISPATCH || !V_DISPATCH(v)) return S_OK;
  d = object_snapshot(V_DISPATCH(v));
  VariantClear(v);
  if (!d) return E_OUTOFMEMORY;
  if (FAILED(hr = object_create(d, FALSE, &obj))) return hr;
  V_VT(v) = VT_DISPATCH;
  V_DISPATCH(v) = obj;
  return S_OK;
}

HRESULT object_create(sim_data *d, BOOL is_error, IDispatch **out)
{
  sim_object *o = calloc(1, sizeof *o);
  *out = NULL;
  if (!o) {
    data_free(d);
    return E_OUTOFMEMORY;
  }
  o->ISWbemObjectEx_iface.lpVtbl = &object_vtbl;
  o->ref = 1;
  o->data = d;
  o->is_error = is_error;
  o->counted = 1;
  sim_live_add();
  *out = (IDispatch *)&o->ISWbemObjectEx_iface;
  return S_OK;
}
