/*
** dispatch.c: IDispatch for the simulator's objects.
**
** The SWbem* objects answer with the names, DISPIDs and type information of wbemdisp's
** own type library (Wine's wbemdisp.dll embeds it), so a client written against real WMI
** resolves the same names to the same DISPIDs here, and a bridge can tell methods from
** properties through GetTypeInfo. Wine's library lacks ISWbemObjectEx, ISWbemServicesEx,
** ISWbemLastError and ISWbemSink: the first three answer with their base interface
** (their vtables begin with it), the sink and Control with dispinterfaces built here.
*/
#include <stdlib.h>
#include "wbemsim.h"

#define MAX_TYPEINFOS 32

static struct { IID iid; ITypeInfo *ti; } cache[MAX_TYPEINFOS];
static int ncache;
static ITypeLib *wbemdisp_lib;
static SRWLOCK cache_lock = SRWLOCK_INIT;

static HRESULT load_library(void)
{
  HRESULT hr;
  if (wbemdisp_lib) return S_OK;
  /* Registered (Windows, and Wine's prefix), then the SDK's .tlb, then the DLL itself. */
  hr = LoadRegTypeLib(&LIBID_WbemScripting, 1, 2, LOCALE_NEUTRAL, &wbemdisp_lib);
  if (FAILED(hr)) hr = LoadTypeLibEx(L"wbemdisp.tlb", REGKIND_NONE, &wbemdisp_lib);
  if (FAILED(hr)) hr = LoadTypeLibEx(L"wbemdisp.dll", REGKIND_NONE, &wbemdisp_lib);
  return hr;
}

/* The interface whose type information describes iid. */
static const IID *base_iid(REFIID iid)
{
  if (IsEqualIID(iid, &IID_ISWbemObjectEx) || IsEqualIID(iid, &IID_ISWbemLastError)) return &IID_ISWbemObject;
  if (IsEqualIID(iid, &IID_ISWbemServicesEx)) return &IID_ISWbemServices;
  return iid;
}

static ITypeInfo *cache_find(REFIID iid)
{
  int i;
  for (i = 0; i < ncache; i++)
    if (IsEqualIID(&cache[i].iid, iid)) return cache[i].ti;
  return NULL;
}

/* The type information cached for iid (AddRef'd) or NULL, read under the shared lock. */
static ITypeInfo *cache_get(REFIID iid)
{
  ITypeInfo *ti;
  AcquireSRWLockShared(&cache_lock);
  ti = cache_find(iid);
  if (ti) ITypeInfo_AddRef(ti);
  ReleaseSRWLockShared(&cache_lock);
  return ti;
}

/* Called with the lock held exclusively; the cache keeps its reference for the process. */
static void cache_add(REFIID iid, ITypeInfo *ti)
{
  if (ncache < MAX_TYPEINFOS) {
    cache[ncache].iid = *iid;
    cache[ncache].ti = ti;
    ncache++;
    ITypeInfo_AddRef(ti);
  }
}

HRESULT sim_typeinfo(REFIID riid, ITypeInfo **ti)
{
  const IID *iid = base_iid(riid);
  ITypeInfo *found;
  HRESULT hr = S_OK;
  if ((*ti = cache_get(iid))) return S_OK;
  AcquireSRWLockExclusive(&cache_lock);
  found = cache_find(iid);
  if (!found) {
    hr = load_library();
    if (SUCCEEDED(hr)) hr = ITypeLib_GetTypeInfoOfGuid(wbemdisp_lib, iid, &found);
    if (SUCCEEDED(hr)) {
      cache_add(iid, found);
      ITypeInfo_Release(found);
    }
  }
  if (found) ITypeInfo_AddRef(found);
  ReleaseSRWLockExclusive(&cache_lock);
  *ti = found;
  return found ? S_OK : hr;
}

HRESULT sim_disp_ids(REFIID iid, LPOLESTR *names, UINT count, DISPID *ids)
{
  ITypeInfo *ti;
  HRESULT hr = sim_typeinfo(iid, &ti);
  if (FAILED(hr)) return hr;
  hr = ITypeInfo_GetIDsOfNames(ti, names, count, ids);
  ITypeInfo_Release(ti);
  return hr;
}

static BOOL holds_object(const VARIANT *v)
{
  while (V_VT(v) == (VT_BYREF | VT_VARIANT)) v = V_VARIANTREF(v);
  return (V_VT(v) & ~VT_BYREF) == VT_DISPATCH || (V_VT(v) & ~VT_BYREF) == VT_UNKNOWN;
}

static BOOL is_variant_param(const TYPEDESC *t)
{
  return t->vt == VT_VARIANT || (t->vt == VT_PTR && t->lptdesc && t->lptdesc->vt == VT_VARIANT);
}

/* The arguments as ITypeInfo_Invoke should see them, or NULL to pass them as they are.
**  - Empty and null arguments for object parameters (objWbemNamedValueSet, ...) mean
**    Nothing, as a script's missing or null value does; ITypeInfo_Invoke would refuse them.
**  - When an object goes to a VARIANT parameter (SWbemNamedValueSet.Add(name, object)),
**    the other arguments are checked first: Wine's ITypeInfo_Invoke keeps a reference to
**    the copied VARIANT when a later argument fails to convert, so such a call is refused
**    here, with DISP_E_TYPEMISMATCH and the argument's position, before it can leak.
** The copy is shallow; only the changed slots differ. */
/* Where each member sits in its type information, found once: (typeinfo, DISPID, kind) ->
** the index for GetFuncDesc. (Wine's ITypeInfo2::GetFuncIndexOfMemId answers with the
** index of another list on these dual interfaces.) */
#define MAX_MEMBERS 512
static struct { ITypeInfo *ti; DISPID id; INVOKEKIND kind; UINT index; } members[MAX_MEMBERS];
static int nmembers;
static SRWLOCK members_lock = SRWLOCK_INIT;

static BOOL member_index(ITypeInfo *ti, DISPID id, INVOKEKIND kind, UINT *index)
{
  TYPEATTR *ta;
  BOOL found = FALSE;
  UINT i;
  int k;
  AcquireSRWLockShared(&members_lock);
  for (k = 0; k < nmembers && !found; k++)
    if (members[k].ti == ti && members[k].id == id && members[k].kind == kind) {
      *index = members[k].index;
      found = TRUE;
    }
  ReleaseSRWLockShared(&members_lock);
  if (found || FAILED(ITypeInfo_GetTypeAttr(ti, &ta))) return found;
  for (i = 0; i < ta->cFuncs && !found; i++) {
    FUNCDESC *fd;
    if (FAILED(ITypeInfo_GetFuncDesc(ti, i, &fd))) continue;
    if (fd->memid == id && fd->invkind == kind) {
      *index = i;
      found = TRUE;
    }
    ITypeInfo_ReleaseFuncDesc(ti, fd);
  }
  ITypeInfo_ReleaseTypeAttr(ti, ta);
  if (found) {
    /* the cached type informations live for the process, so the pointers stay valid */
    AcquireSRWLockExclusive(&members_lock);
    if (nmembers < MAX_MEMBERS) {
      members[nmembers].ti = ti;
      members[nmembers].id = id;
      members[nmembers].kind = kind;
      members[nmembers].index = *index;
      nmembers++;
    }
    ReleaseSRWLockExclusive(&members_lock);
  }
  return found;
}

/* The description of the member a call reaches: the one of that DISPID whose kind the
** flags allow (a property read may come as DISPATCH_PROPERTYGET|DISPATCH_METHOD). */
static FUNCDESC *find_member(ITypeInfo *ti, DISPID id, WORD flags)
{
  static const INVOKEKIND kinds[] = { INVOKE_FUNC, INVOKE_PROPERTYGET, INVOKE_PROPERTYPUT, INVOKE_PROPERTYPUTREF };
  FUNCDESC *fd = NULL;
  size_t k;
  UINT index;
  for (k = 0; k < sizeof kinds / sizeof kinds[0] && !fd; k++)
    if ((flags & kinds[k]) && member_index(ti, id, kinds[k], &index) && FAILED(ITypeInfo_GetFuncDesc(ti, index, &fd)))
      fd = NULL;
  return fd;
}

static HRESULT prepare_args(ITypeInfo *ti, DISPID id, WORD flags, const DISPPARAMS *p, VARIANT **out, UINT *argerr)
{
  FUNCDESC *fd;
  HRESULT hr = S_OK;
  BOOL nothing = FALSE, objects = FALSE, variant_object = FALSE;
  UINT k;
  *out = NULL;
  for (k = 0; k < p->cArgs; k++) {
    if (V_VT(&p->rgvarg[k]) == VT_EMPTY || V_VT(&p->rgvarg[k]) == VT_NULL) nothing = TRUE;
    if (holds_object(&p->rgvarg[k])) objects = TRUE;
  }
  if ((!nothing && !objects) || p->cNamedArgs || !(fd = find_member(ti, id, flags))) return S_OK;
  if (p->cArgs > (UINT)fd->cParams) {
    ITypeInfo_ReleaseFuncDesc(ti, fd);     /* ITypeInfo_Invoke refuses it by itself */
    return S_OK;
  }
  for (k = 0; k < p->cArgs; k++)
    if (holds_object(&p->rgvarg[k]) && is_variant_param(&fd->lprgelemdescParam[p->cArgs - 1 - k].tdesc))
      variant_object = TRUE;
  for (k = 0; variant_object && k < p->cArgs && SUCCEEDED(hr); k++) {
    const TYPEDESC *t = &fd->lprgelemdescParam[p->cArgs - 1 - k].tdesc;
    VARTYPE vt = t->vt == VT_USERDEFINED ? VT_I4 : t->vt;     /* the enums of the library */
    const VARIANT *a = &p->rgvarg[k];
    VARIANT tmp;
    if (is_variant_param(t) || vt == VT_PTR || (V_VT(a) == VT_ERROR && V_ERROR(a) == DISP_E_PARAMNOTFOUND)) continue;
    if ((V_VT(a) == VT_EMPTY || V_VT(a) == VT_NULL) && vt == VT_DISPATCH) continue;
    VariantInit(&tmp);
    if (FAILED(VariantChangeType(&tmp, (VARIANT *)a, 0, vt))) {
      hr = DISP_E_TYPEMISMATCH;
      if (argerr) *argerr = k;
    }
    VariantClear(&tmp);
  }
  if (SUCCEEDED(hr) && nothing && (*out = malloc(p->cArgs * sizeof **out))) {
    memcpy(*out, p->rgvarg, p->cArgs * sizeof **out);
    for (k = 0; k < p->cArgs; k++) {
      VARIANT *a = &(*out)[k];
      if ((V_VT(a) == VT_EMPTY || V_VT(a) == VT_NULL) && fd->lprgelemdescParam[p->cArgs - 1 - k].tdesc.vt == VT_DISPATCH) {
        V_VT(a) = VT_DISPATCH;
        V_DISPATCH(a) = NULL;
      }
    }
  }
  ITypeInfo_ReleaseFuncDesc(ti, fd);
  return hr;
}

HRESULT sim_disp_invoke(REFIID iid, void *iface, const WCHAR *source, DISPID id, WORD flags,
                        DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
  ITypeInfo *ti;
  EXCEPINFO local;
  DISPPARAMS dp, none = { NULL, NULL, 0, 0 };
  VARIANT *copy = NULL;
  HRESULT hr = sim_typeinfo(iid, &ti);
  if (FAILED(hr)) return hr;
  if (!params) params = &none;
  memset(&local, 0, sizeof local);
  hr = prepare_args(ti, id, flags, params, &copy, argerr);
  if (FAILED(hr)) {
    ITypeInfo_Release(ti);
    return hr;
  }
  if (copy) {
    dp = *params;
    dp.rgvarg = copy;
    params = &dp;
  }
  hr = ITypeInfo_Invoke(ti, iface, id, flags, params, result, &local, argerr);
  free(copy);
  ITypeInfo_Release(ti);
  if (hr == DISP_E_EXCEPTION) {
    /* The member failed: report it the way wbemdisp does (scode = the WBEM HRESULT,
    ** source = the object, description = WbemErrorEnum's text). */
    HRESULT scode = local.scode ? local.scode : E_FAIL;
    SysFreeString(local.bstrSource);
    SysFreeString(local.bstrDescription);
    SysFreeString(local.bstrHelpFile);
    if (ei) sim_excepinfo(ei, scode, source);
  }
  else if (FAILED(hr) && (HRESULT_FACILITY(hr) == FACILITY_ITF || hr == E_NOTIMPL || hr == E_INVALIDARG)) {
    /* Some builds of ITypeInfo_Invoke hand the member's HRESULT straight back. */
    if (ei) sim_excepinfo(ei, hr, source);
    hr = DISP_E_EXCEPTION;
  }
  return hr;
}

HRESULT sim_member_ids(const sim_member *m, UINT n, LPOLESTR *names, UINT count, DISPID *ids)
{
  UINT i, j;
  HRESULT hr = S_OK;
  for (i = 0; i < count; i++) ids[i] = DISPID_UNKNOWN;
  if (count == 0) return S_OK;
  for (j = 0; j < n; j++)
    if (_wcsicmp(m[j].name, names[0]) == 0) {
      ids[0] = m[j].id;
      break;
    }
  if (ids[0] == DISPID_UNKNOWN) hr = DISP_E_UNKNOWNNAME;
  /* Named arguments are not supported by the simulator's own dispinterfaces. */
  if (count > 1) hr = DISP_E_UNKNOWNNAME;
  return hr;
}

/* A dispinterface for GetTypeInfo only: the simulator's own objects (sink, Control) answer
** Invoke themselves, the type information tells a client which names are properties. */
HRESULT sim_build_typeinfo(REFIID iid, const WCHAR *name, const sim_member *m, UINT n, ITypeInfo **out)
{
  ICreateTypeLib2 *lib = NULL;
  ICreateTypeInfo *cti = NULL;
  ITypeLib *stdole = NULL;
  ITypeInfo *dispatch_ti = NULL, *ti;
  HREFTYPE href;
  HRESULT hr;
  UINT i;

  if ((*out = cache_get(iid))) return S_OK;

  hr = CreateTypeLib2(SYS_WIN64, L"wbemsim_private.tlb", &lib);
  if (SUCCEEDED(hr)) hr = ICreateTypeLib2_CreateTypeInfo(lib, (LPOLESTR)name, TKIND_DISPATCH, &cti);
  if (SUCCEEDED(hr)) hr = ICreateTypeInfo_SetGuid(cti, iid);
  if (SUCCEEDED(hr)) hr = LoadTypeLib(L"stdole2.tlb", &stdole);
  if (SUCCEEDED(hr)) hr = ITypeLib_GetTypeInfoOfGuid(stdole, &IID_IDispatch, &dispatch_ti);
  if (SUCCEEDED(hr)) hr = ICreateTypeInfo_AddRefTypeInfo(cti, dispatch_ti, &href);
  if (SUCCEEDED(hr)) hr = ICreateTypeInfo_AddImplType(cti, 0, href);
  for (i = 0; SUCCEEDED(hr) && i < n; i++) {
    FUNCDESC fd;
    ELEMDESC params[3];
    LPOLESTR names[4];
    UINT p;
    memset(&fd, 0, sizeof fd);
    memset(params, 0, sizeof params);
    fd.memid = m[i].id;
    fd.funckind = FUNC_DISPATCH;
    fd.invkind = m[i].kind;
    fd.callconv = CC_STDCALL;
    fd.cParams = (SHORT)m[i].nparams;
    fd.lprgelemdescParam = params;
    fd.elemdescFunc.tdesc.vt = m[i].ret == VT_EMPTY ? VT_VOID : m[i].ret;
    names[0] = (LPOLESTR)m[i].name;
    for (p = 0; p < m[i].nparams; p++) {
      params[p].tdesc.vt = m[i].params[p];
      params[p].paramdesc.wParamFlags = PARAMFLAG_FIN;
      names[p + 1] = (LPOLESTR)m[i].pnames[p];
    }
    hr = ICreateTypeInfo_AddFuncDesc(cti, i, &fd);
    /* A property put names only the property, not its value parameter. */
    if (SUCCEEDED(hr))
      hr = ICreateTypeInfo_SetFuncAndParamNames(cti, i, names, m[i].kind == INVOKE_PROPERTYPUT ? 1 : m[i].nparams + 1);
  }
  if (SUCCEEDED(hr)) hr = ICreateTypeInfo_LayOut(cti);
  if (SUCCEEDED(hr)) hr = ICreateTypeInfo_QueryInterface(cti, &IID_ITypeInfo, (void **)&ti);
  if (SUCCEEDED(hr)) {
    AcquireSRWLockExclusive(&cache_lock);
    if (!cache_find(iid)) cache_add(iid, ti);
    ReleaseSRWLockExclusive(&cache_lock);
    *out = ti;
  }
  if (dispatch_ti) ITypeInfo_Release(dispatch_ti);
  if (stdole) ITypeLib_Release(stdole);
  if (cti) ICreateTypeInfo_Release(cti);
  if (lib) ICreateTypeLib2_Release(lib);
  return hr;
}

HRESULT sim_arg(DISPPARAMS *p, UINT pos, VARTYPE vt, VARIANT *out)
{
  VARIANT *arg;
  VariantInit(out);
  if (pos >= p->cArgs) return DISP_E_PARAMNOTFOUND;
  arg = &p->rgvarg[p->cArgs - 1 - pos];     /* DISPPARAMS hold the arguments in reverse */
  if (V_VT(arg) == VT_ERROR && V_ERROR(arg) == DISP_E_PARAMNOTFOUND) return DISP_E_PARAMNOTFOUND;
  if (vt == VT_VARIANT) return VariantCopyInd(out, arg);
  return VariantChangeType(out, arg, VARIANT_ALPHABOOL, vt);
}

/* Threads may ask at once: the first marshaler stored wins, the others are let go. Every
** read of *ftm is an interlocked one, so none sees it half made. */
HRESULT sim_ftm_query(IUnknown *outer, IUnknown **ftm, void **out)
{
  IUnknown *cur = InterlockedCompareExchangePointer((void **)ftm, NULL, NULL);
  if (!cur) {
    IUnknown *created;
    HRESULT hr = CoCreateFreeThreadedMarshaler(outer, &created);
    if (FAILED(hr)) {
      *out = NULL;
      return hr;
    }
    cur = InterlockedCompareExchangePointer((void **)ftm, created, NULL);
    if (cur) IUnknown_Release(created);
    else cur = created;
  }
  return IUnknown_QueryInterface(cur, &IID_IMarshal, out);
}
