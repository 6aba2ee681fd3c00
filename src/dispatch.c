/*
** dispatch.c: the bridged object, a userdata around an IDispatch.
**
**   obj.Name            property get (DISPATCH_PROPERTYGET|DISPATCH_METHOD, as VBScript)
**   obj.Name = v        property put (PROPERTYPUTREF for objects when the type says so)
**   obj:Method(a, b)    method call; obj.Method is a callable bound to obj
**   obj:close(), <close>, __gc   release; afterwards every use raises "object is closed"
**
** A property read never calls a method. Whether a name is a method is decided
** before anything is invoked, from what the object says about itself:
**   1. its type information (IDispatch::GetTypeInfo; for the SWbem* objects
**      whose GetTypeInfo fails, as Wine's SWbemObject does, the interface's
**      description in the registered WbemScripting type library, found by the
**      interface the object answers QueryInterface for): FUNCDESC.invkind;
**   2. for the members WMI adds at run time (the properties and methods of a
**      WMI class), the object's Methods_ collection: Methods_.Item(name)
**      succeeds for a method and fails for a property. Wine implements
**      Methods_.Item with IWbemClassObject::GetMethod, Windows with its schema.
**      Objects without Methods_ are asked Properties_.Item(name) instead;
**   3. an object that tells nothing gets property reads (DISPATCH_PROPERTYGET
**      alone) and explicit calls through core.call(obj, name, ...).
** Declared parameter types shape the arguments: a nil for an interface
** parameter is Nothing, a trailing nil for an optional one is left out, and an
** unsigned 32-bit integer (an HRESULT such as err.hresult) for a long parameter
** passes as its bit pattern.
** What was found is cached per object and name (DISPIDs of WMI's dynamic
** members are per object, so the cache cannot be shared between objects).
**
** Out parameters: an argument that is core.out (wbem.out) is passed as a
** VT_BYREF|VT_VARIANT slot, as VBScript passes a variable; the call returns its
** result followed by the values of those slots, in order:
**   local rv, pid = cls:Create("cmd.exe /c exit", nil, nil, wbem.out)
** (Wine 8's SWbemObject answers DISPATCH_METHOD on WMI's own methods with
** E_NOTIMPL; there ExecMethod_ works, which wbem.exec wraps.)
**
** User values of the userdata: 1 = settings table (the options of the
** connection this object came from), 2 = the member cache.
** Errors found in Lua before COM is called (bad arguments, closed objects,
** read-only properties) are plain Lua errors; failures COM reports are error
** objects (errors.c).
*/
#include "wbem.h"

#include <initguid.h>
#include <wbemdisp.h>
#include <dispex.h>
#include <string.h>

#define WBEM_ARGS   "wbem.args"     /* VARIANT buffer of one call, cleared by __gc if a call raises */
#define WBEM_MEMBER "wbem.member"   /* what the cache knows about one name */
#define EXT_KEY     "wbem.extensions"
#define OUT_KEY     "wbem.out"

typedef struct object {
  wbem_ref ref;            /* first: WBEM_OBJECT and WBEM_SINK userdata start alike */
  ITypeInfo *ti;           /* the object's type information, or NULL */
  int ti_done;             /* ti was looked up already */
} object;

enum { KIND_PROPERTY = 1, KIND_METHOD = 2 };
enum { SRC_NONE = 0, SRC_TYPEINFO, SRC_DISPEX, SRC_WMI };

/* What a nil argument becomes, by the declared type of its parameter. A typed
** callee (ITypeInfo::Invoke) coerces each argument to the parameter's type and
** cannot turn VT_EMPTY into an interface pointer: there nil is Nothing, as in
** VBScript; for an optional parameter nil means "not given", so its default
** applies; everything else gets VT_EMPTY. */
enum { NIL_EMPTY = 0, NIL_NOTHING, NIL_MISSING };
#define MAX_TYPED_PARAMS 32

typedef struct member {
  DISPID id;
  int kind;
  int source;              /* where the kind came from */
  WORD callflags;          /* Invoke flags of a call (a parameterized property is read by calling it) */
  int maxargs;             /* -1: unknown or varargs */
  int put, putref;         /* the type allows PROPERTYPUT / PROPERTYPUTREF */
  int ntyped;              /* parameters described in nils[] */
  unsigned char nils[MAX_TYPED_PARAMS];
  unsigned char optional[MAX_TYPED_PARAMS];
  unsigned char is_long[MAX_TYPED_PARAMS];   /* declared a 32-bit signed integer */
} member;

typedef struct args {
  UINT n;                  /* VARIANTs in v */
  VARIANT v[1];
} args;

/* ---- userdata helpers ------------------------------------------------------ */

static object *check_open(lua_State *L, int idx) {
  object *o = (object *)luaL_checkudata(L, idx, WBEM_OBJECT);
  if (o->ref.disp == NULL) luaL_error(L, "wbem: object is closed");
  return o;
}

IDispatch *wbem_check_object(lua_State *L, int idx) {
  return check_open(L, idx)->ref.disp;
}

IDispatch *wbem_to_dispatch(lua_State *L, int idx) {
  wbem_ref *r = (wbem_ref *)luaL_testudata(L, idx, WBEM_OBJECT);
  if (r == NULL) r = (wbem_ref *)luaL_testudata(L, idx, WBEM_SINK);
  return r ? r->disp : NULL;
}

void wbem_push_object(lua_State *L, IDispatch *disp, int parent) {
  object *o;
  if (parent != 0) parent = lua_absindex(L, parent);
  o = (object *)lua_newuserdatauv(L, sizeof(object), 2);
  o->ref.disp = NULL;
  o->ti = NULL;
  o->ti_done = 0;
  luaL_setmetatable(L, WBEM_OBJECT);
  o->ref.disp = disp;
  IDispatch_AddRef(disp);
  if (parent != 0) {
    if (lua_type(L, parent) == LUA_TTABLE) lua_pushvalue(L, parent);
    else if (lua_type(L, parent) == LUA_TUSERDATA &&
             (luaL_testudata(L, parent, WBEM_OBJECT) || luaL_testudata(L, parent, WBEM_SINK)))
      lua_getiuservalue(L, parent, 1);
    else lua_pushnil(L);
    lua_setiuservalue(L, -2, 1);
  }
}

static void release(object *o) {
  if (o->ti) ITypeInfo_Release(o->ti);
  o->ti = NULL;
  if (o->ref.disp) IDispatch_Release(o->ref.disp);
  o->ref.disp = NULL;
}

/* __gc and __close; idempotent. */
static int obj_close(lua_State *L) {
  object *o = (object *)luaL_checkudata(L, 1, WBEM_OBJECT);
  release(o);
  lua_pushnil(L);
  lua_setiuservalue(L, 1, 2);   /* the cache's bound methods hold the object */
  return 0;
}

/* ---- type information -------------------------------------------------------- */

/* The scripting interfaces, most derived first, for objects whose GetTypeInfo fails. */
static const IID *const swbem_iids[] = {
  &IID_ISWbemObjectEx, &IID_ISWbemObject, &IID_ISWbemServicesEx, &IID_ISWbemServices,
  &IID_ISWbemObjectSet, &IID_ISWbemLocator, &IID_ISWbemObjectPath, &IID_ISWbemNamedValueSet,
  &IID_ISWbemNamedValue, &IID_ISWbemPropertySet, &IID_ISWbemProperty, &IID_ISWbemMethodSet,
  &IID_ISWbemMethod, &IID_ISWbemQualifierSet, &IID_ISWbemQualifier, &IID_ISWbemSecurity,
  &IID_ISWbemPrivilegeSet, &IID_ISWbemPrivilege, &IID_ISWbemLastError, &IID_ISWbemSink,
  &IID_ISWbemEventSource, &IID_ISWbemDateTime, &IID_ISWbemRefresher, &IID_ISWbemRefreshableItem,
};

/* The WbemScripting library's ITypeInfo of one interface, loaded once per Lua
** state: loading it for every object that WMI hands out costs more than the
** object's own property reads. The registry table TI_CACHE maps the IID to a
** userdata that holds the reference (released by its __gc). */
#define TI_CACHE "wbem.typeinfo.cache"
#define TI_META  "wbem.typeinfo"

static int ti_gc(lua_State *L) {
  ITypeInfo **p = (ITypeInfo **)luaL_checkudata(L, 1, TI_META);
  if (*p) ITypeInfo_Release(*p);
  *p = NULL;
  return 0;
}

static ITypeInfo *library_typeinfo(lua_State *L, REFIID iid) {
  ITypeInfo **p, *ti = NULL;
  ITypeLib *lib = NULL;
  lua_getfield(L, LUA_REGISTRYINDEX, TI_CACHE);
  lua_pushlstring(L, (const char *)iid, sizeof(IID));
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {
    ti = *(ITypeInfo **)lua_touserdata(L, -1);   /* NULL: the library doesn't have it */
    lua_pop(L, 2);
    return ti;
  }
  lua_pop(L, 1);
  p = (ITypeInfo **)lua_newuserdatauv(L, sizeof(ITypeInfo *), 0);
  *p = NULL;
  luaL_setmetatable(L, TI_META);
  if (SUCCEEDED(LoadRegTypeLib(&LIBID_WbemScripting, 1, 2, LOCALE_NEUTRAL, &lib))) {
    if (FAILED(ITypeLib_GetTypeInfoOfGuid(lib, iid, &ti))) ti = NULL;
    ITypeLib_Release(lib);
  }
  *p = ti;
  lua_pushlstring(L, (const char *)iid, sizeof(IID));
  lua_insert(L, -2);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return ti;
}

static ITypeInfo *swbem_typeinfo(lua_State *L, IDispatch *disp) {
  size_t i;
  for (i = 0; i < sizeof(swbem_iids) / sizeof(swbem_iids[0]); i++) {
    IUnknown *unk = NULL;
    if (SUCCEEDED(IDispatch_QueryInterface(disp, swbem_iids[i], (void **)&unk)) && unk) {
      ITypeInfo *ti;
      IUnknown_Release(unk);
      /* Wine's library lacks the *Ex interfaces: their base ones come next in the list */
      if ((ti = library_typeinfo(L, swbem_iids[i])) != NULL) {
        ITypeInfo_AddRef(ti);
        return ti;
      }
    }
  }
  return NULL;
}

static ITypeInfo *typeinfo(lua_State *L, object *o) {
  if (!o->ti_done) {
    UINT count = 0;
    o->ti_done = 1;
    if (SUCCEEDED(IDispatch_GetTypeInfoCount(o->ref.disp, &count)) && count > 0 &&
        FAILED(IDispatch_GetTypeInfo(o->ref.disp, 0, LOCALE_USER_DEFAULT, &o->ti)))
      o->ti = NULL;
    if (o->ti == NULL) o->ti = swbem_typeinfo(L, o->ref.disp);
  }
  return o->ti;
}

/* Whether a parameter's type is an interface pointer. */
static int is_interface(ITypeInfo *ti, const TYPEDESC *td) {
  ITypeInfo *ref = NULL;
  TYPEATTR *ta;
  int r = 0;
  if (td->vt == VT_DISPATCH || td->vt == VT_UNKNOWN) return 1;
  if (td->vt != VT_PTR || td->lptdesc == NULL) return 0;
  td = td->lptdesc;
  if (td->vt == VT_DISPATCH || td->vt == VT_UNKNOWN) return 0;   /* IDispatch**: an out pointer */
  if (td->vt != VT_USERDEFINED) return 0;
  if (FAILED(ITypeInfo_GetRefTypeInfo(ti, td->hreftype, &ref))) return 0;
  if (SUCCEEDED(ITypeInfo_GetTypeAttr(ref, &ta))) {
    r = ta->typekind == TKIND_INTERFACE || ta->typekind == TKIND_DISPATCH ||
        ta->typekind == TKIND_COCLASS;
    ITypeInfo_ReleaseTypeAttr(ref, ta);
  }
  ITypeInfo_Release(ref);
  return r;
}

static void describe_params(ITypeInfo *ti, const FUNCDESC *fd, member *m) {
  SHORT p;
  m->ntyped = 0;
  for (p = 0; p < fd->cParams && m->ntyped < MAX_TYPED_PARAMS; p++) {
    const ELEMDESC *ed = &fd->lprgelemdescParam[p];
    USHORT f = ed->paramdesc.wParamFlags;
    int opt = (f & (PARAMFLAG_FOPT | PARAMFLAG_FHASDEFAULT)) != 0;
    if (f & (PARAMFLAG_FRETVAL | PARAMFLAG_FLCID)) continue;
    m->optional[m->ntyped] = (unsigned char)opt;
    m->is_long[m->ntyped] = ed->tdesc.vt == VT_I4 || ed->tdesc.vt == VT_INT ||
                            ed->tdesc.vt == VT_HRESULT || ed->tdesc.vt == VT_ERROR;
    if (is_interface(ti, &ed->tdesc)) m->nils[m->ntyped] = NIL_NOTHING;
    else if (opt && ed->tdesc.vt != VT_VARIANT) m->nils[m->ntyped] = NIL_MISSING;
    else m->nils[m->ntyped] = NIL_EMPTY;
    m->ntyped++;
  }
}

/* Fills m from the type's descriptions of memid; 0 when the type doesn't know it. */
static int classify_typeinfo(ITypeInfo *ti, MEMBERID memid, member *m) {
  TYPEATTR *ta;
  UINT i;
  int found = 0, get = 0, func = 0, required = 0, max = 0, vararg = 0;
  if (FAILED(ITypeInfo_GetTypeAttr(ti, &ta))) return 0;
  for (i = 0; i < ta->cFuncs; i++) {
    FUNCDESC *fd;
    if (FAILED(ITypeInfo_GetFuncDesc(ti, i, &fd))) continue;
    if (fd->memid == memid) {
      found = 1;
      if (fd->invkind & INVOKE_PROPERTYPUT) m->put = 1;
      if (fd->invkind & INVOKE_PROPERTYPUTREF) m->putref = 1;
      if (fd->invkind & (INVOKE_FUNC | INVOKE_PROPERTYGET)) {
        SHORT p;
        if (fd->invkind & INVOKE_FUNC) func = 1;
        else get = 1;
        required = max = 0;
        for (p = 0; p < fd->cParams; p++) {
          USHORT f = fd->lprgelemdescParam[p].paramdesc.wParamFlags;
          if (f & (PARAMFLAG_FRETVAL | PARAMFLAG_FLCID)) continue;
          max++;
          if (!(f & (PARAMFLAG_FOPT | PARAMFLAG_FHASDEFAULT))) required++;
        }
        vararg = fd->cParamsOpt == -1;
        describe_params(ti, fd, m);
      }
    }
    ITypeInfo_ReleaseFuncDesc(ti, fd);
  }
  for (i = 0; i < ta->cVars; i++) {   /* properties a dispinterface declares as variables */
    VARDESC *vd;
    if (FAILED(ITypeInfo_GetVarDesc(ti, i, &vd))) continue;
    if (vd->memid == memid) {
      found = get = 1;
      if (!(vd->wVarFlags & VARFLAG_FREADONLY)) m->put = m->putref = 1;
    }
    ITypeInfo_ReleaseVarDesc(ti, vd);
  }
  ITypeInfo_ReleaseTypeAttr(ti, ta);
  if (!found) return 0;
  m->source = SRC_TYPEINFO;
  m->maxargs = vararg ? -1 : max;
  if (func) {
    m->kind = KIND_METHOD;
    m->callflags = DISPATCH_METHOD;
  } else if (get && required > 0) {
    /* A property that needs arguments (Dictionary.Item(key)) is read by calling it. */
    m->kind = KIND_METHOD;
    m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
  } else {
    m->kind = KIND_PROPERTY;
    m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
  }
  return 1;
}

/* Whether the object's type declares name as a property without arguments. */
static int typed_property(lua_State *L, object *o, const WCHAR *name) {
  ITypeInfo *ti = typeinfo(L, o);
  LPOLESTR n = (LPOLESTR)name;
  MEMBERID id;
  member m;
  memset(&m, 0, sizeof m);
  return ti != NULL && SUCCEEDED(ITypeInfo_GetIDsOfNames(ti, &n, 1, &id)) &&
         classify_typeinfo(ti, id, &m) && m.kind == KIND_PROPERTY;
}

/* Reads a property by name with no arguments; S_OK and *out on success. */
static HRESULT get_by_name(IDispatch *disp, const WCHAR *name, VARIANT *out) {
  DISPID id;
  DISPPARAMS none = { NULL, NULL, 0, 0 };
  LPOLESTR n = (LPOLESTR)name;
  HRESULT hr = IDispatch_GetIDsOfNames(disp, &IID_NULL, &n, 1, LOCALE_USER_DEFAULT, &id);
  VariantInit(out);
  if (FAILED(hr)) return hr;
  hr = IDispatch_Invoke(disp, id, &IID_NULL, LOCALE_USER_DEFAULT,
                        DISPATCH_PROPERTYGET | DISPATCH_METHOD, &none, out, NULL, NULL);
  if (FAILED(hr)) VariantInit(out);
  return hr;
}

/* coll.Item(name, 0) through IDispatch; S_OK when the collection has name. */
static HRESULT collection_has(IDispatch *coll, BSTR name) {
  DISPID id;
  LPOLESTR n = (LPOLESTR)L"Item";
  VARIANT argv[2], result;
  DISPPARAMS dp;
  HRESULT hr = IDispatch_GetIDsOfNames(coll, &IID_NULL, &n, 1, LOCALE_USER_DEFAULT, &id);
  if (FAILED(hr)) return hr;
  V_VT(&argv[1]) = VT_BSTR;  V_BSTR(&argv[1]) = name;    /* reversed: name first */
  V_VT(&argv[0]) = VT_I4;    V_I4(&argv[0]) = 0;
  dp.rgvarg = argv; dp.cArgs = 2; dp.rgdispidNamedArgs = NULL; dp.cNamedArgs = 0;
  VariantInit(&result);
  hr = IDispatch_Invoke(coll, id, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_METHOD, &dp, &result,
                        NULL, NULL);
  VariantClear(&result);
  return hr;
}

/* Objects of script engines (IDispatchEx) find names GetIDsOfNames does not know. */
static HRESULT lookup_id(IDispatch *disp, BSTR name, DISPID *id) {
  IDispatchEx *ex = NULL;
  HRESULT hr = IDispatch_GetIDsOfNames(disp, &IID_NULL, &name, 1, LOCALE_USER_DEFAULT, id);
  if (SUCCEEDED(hr)) return hr;
  if (SUCCEEDED(IDispatch_QueryInterface(disp, &IID_IDispatchEx, (void **)&ex)) && ex) {
    HRESULT hr2 = IDispatchEx_GetDispID(ex, name, fdexNameCaseInsensitive, id);
    IDispatchEx_Release(ex);
    if (SUCCEEDED(hr2)) return hr2;
  }
  return hr;
}

/* IDispatchEx::GetMemberProperties says whether a member can be called or read. */
static int classify_dispex(IDispatch *disp, DISPID id, member *m) {
  IDispatchEx *ex = NULL;
  DWORD props = 0;
  HRESULT hr;
  if (FAILED(IDispatch_QueryInterface(disp, &IID_IDispatchEx, (void **)&ex)) || ex == NULL) return 0;
  hr = IDispatchEx_GetMemberProperties(ex, id, grfdexPropCanAll, &props);
  IDispatchEx_Release(ex);
  if (FAILED(hr) || !(props & grfdexPropCanAll)) return 0;
  m->source = SRC_DISPEX;
  m->maxargs = -1;
  m->put = (props & fdexPropCanPut) != 0;
  m->putref = (props & fdexPropCanPutRef) != 0;
  if ((props & fdexPropCanCall) && !(props & fdexPropCanGet)) {
    m->kind = KIND_METHOD;
    m->callflags = DISPATCH_METHOD;
  } else {
    m->kind = KIND_PROPERTY;
    m->callflags = DISPATCH_PROPERTYGET;
  }
  return 1;
}

/* A name WMI added at run time: asks Methods_ (or Properties_) which it is.
** Only objects whose type declares Methods_ (Properties_) as a property are asked:
** reading it is then a property read, as the rule wants. */
static void classify_wmi(lua_State *L, object *o, BSTR name, member *m) {
  VARIANT set;
  m->kind = KIND_PROPERTY;
  m->callflags = DISPATCH_PROPERTYGET;   /* the object told nothing: never let a read call */
  m->maxargs = -1;
  m->source = SRC_NONE;
  m->put = 1;
  VariantInit(&set);
  if (typed_property(L, o, L"Methods_") && SUCCEEDED(get_by_name(o->ref.disp, L"Methods_", &set)) &&
      V_VT(&set) == VT_DISPATCH && V_DISPATCH(&set)) {
    m->source = SRC_WMI;
    if (SUCCEEDED(collection_has(V_DISPATCH(&set), name))) {
      m->kind = KIND_METHOD;
      m->callflags = DISPATCH_METHOD;
    } else
      m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
  } else {
    VariantClear(&set);
    if (typed_property(L, o, L"Properties_") &&
        SUCCEEDED(get_by_name(o->ref.disp, L"Properties_", &set)) &&
        V_VT(&set) == VT_DISPATCH && V_DISPATCH(&set)) {
      m->source = SRC_WMI;
      if (SUCCEEDED(collection_has(V_DISPATCH(&set), name)))
        m->callflags = DISPATCH_PROPERTYGET | DISPATCH_METHOD;
      else {
        m->kind = KIND_METHOD;
        m->callflags = DISPATCH_METHOD;
      }
    }
  }
  VariantClear(&set);
}

/* ---- errors ------------------------------------------------------------------ */

/* Pushes the WMI class of an SWbem object (Path_.Class); 0 when there is none. */
static int push_wmi_class(lua_State *L, object *o) {
  VARIANT path, cls;
  int pushed = 0;
  if (!typed_property(L, o, L"Path_")) return 0;
  if (FAILED(get_by_name(o->ref.disp, L"Path_", &path))) return 0;   /* E_NOTIMPL on Wine */
  if (V_VT(&path) == VT_DISPATCH && V_DISPATCH(&path) != NULL &&
      SUCCEEDED(get_by_name(V_DISPATCH(&path), L"Class", &cls))) {
    if (V_VT(&cls) == VT_BSTR && SysStringLen(V_BSTR(&cls)) > 0) {
      wbem_push_bstr(L, V_BSTR(&cls), SysStringLen(V_BSTR(&cls)));
      pushed = 1;
    }
    VariantClear(&cls);
  }
  VariantClear(&path);
  return pushed;
}

/* Pushes the interface name of the object without its leading I ("SWbemObject"). */
static void push_type_name(lua_State *L, object *o) {
  ITypeInfo *ti = typeinfo(L, o);
  BSTR name = NULL;
  if (ti != NULL && SUCCEEDED(ITypeInfo_GetDocumentation(ti, MEMBERID_NIL, &name, NULL, NULL, NULL)) &&
      name != NULL) {
    UINT len = SysStringLen(name);
    const OLECHAR *s = name;
    if (len > 1 && s[0] == L'I' && s[1] >= L'A' && s[1] <= L'Z') { s++; len--; }
    wbem_push_bstr(L, s, len);
    SysFreeString(name);
  } else
    lua_pushliteral(L, "IDispatch");
}

/* Pushes a short description of the object for messages: its WMI class when it
** has one, else its interface name. Never raises a COM error. */
static void push_description(lua_State *L, object *o) {
  if (o->ref.disp == NULL) lua_pushliteral(L, "closed object");
  else if (!push_wmi_class(L, o)) push_type_name(L, o);
}

/* Raises the error object for a failed call on obj: "<verb> <Class>.<name>". */
static int raise_com(lua_State *L, int obj, HRESULT hr, const char *verb, const char *name,
                     EXCEPINFO *ei, const char *message) {
  object *o = (object *)lua_touserdata(L, obj);
  /* the SWbemLastError class of the provider the object came from (settings.last_error) */
  if (lua_getiuservalue(L, obj, 1) != LUA_TTABLE ||
      lua_getfield(L, -1, "last_error") != LUA_TSTRING)
    lua_pushliteral(L, "WbemScripting.SWbemLastError");
  /* The error object first: SWbemLastError must be read before any other WMI call. */
  wbem_push_error_ex(L, hr, NULL, ei, lua_tostring(L, -1));
  if (ei) {
    SysFreeString(ei->bstrDescription);
    SysFreeString(ei->bstrSource);
    SysFreeString(ei->bstrHelpFile);
    memset(ei, 0, sizeof *ei);
  }
  lua_pushstring(L, verb);
  lua_pushliteral(L, " ");
  push_description(L, o);
  lua_pushliteral(L, ".");
  lua_pushstring(L, name);
  lua_concat(L, 5);
  lua_setfield(L, -2, "operation");
  if (message) {
    lua_pushstring(L, message);
    lua_setfield(L, -2, "message");
  }
  return lua_error(L);
}

/* ---- members ------------------------------------------------------------------- */

/* Pushes the member userdata for name (stack index nameidx) of the object at obj. */
static member *get_member(lua_State *L, int obj, int nameidx, const char *verb) {
  object *o = (object *)lua_touserdata(L, obj);
  member *m;
  BSTR name;
  DISPID id;
  HRESULT hr;
  ITypeInfo *ti;
  if (lua_getiuservalue(L, obj, 2) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, obj, 2);
  }
  lua_pushvalue(L, nameidx);
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {
    lua_remove(L, -2);
    return (member *)lua_touserdata(L, -1);
  }
  lua_pop(L, 1);
  /* the cache is on the stack; the new entry is made before the BSTR, which nothing
  ** raises between its allocation and its release */
  m = (member *)lua_newuserdatauv(L, sizeof(member), 1);
  memset(m, 0, sizeof *m);
  luaL_setmetatable(L, WBEM_MEMBER);
  {
    size_t len;
    const char *s = lua_tolstring(L, nameidx, &len);
    if (strlen(s) != len) luaL_error(L, "wbem: a member name cannot contain a zero byte");
  }
  name = wbem_check_bstr(L, nameidx);
  hr = lookup_id(o->ref.disp, name, &id);
  if (FAILED(hr)) {
    SysFreeString(name);
    if (hr == DISP_E_UNKNOWNNAME || hr == DISP_E_MEMBERNOTFOUND)
      lua_pushfstring(L, "no property or method named '%s'", lua_tostring(L, nameidx));
    else
      lua_pushnil(L);
    raise_com(L, obj, hr, verb, lua_tostring(L, nameidx), NULL, lua_tostring(L, -1));
  }
  m->id = id;
  ti = typeinfo(L, o);
  if ((ti == NULL || !classify_typeinfo(ti, id, m)) && !classify_dispex(o->ref.disp, id, m))
    classify_wmi(L, o, name, m);
  SysFreeString(name);
  lua_pushvalue(L, nameidx);
  lua_pushvalue(L, -2);
  lua_rawset(L, -4);
  lua_remove(L, -2);
  return m;
}

/* ---- calls ------------------------------------------------------------------------ */

/* The VARIANTs of one call live in a userdata, so that a Lua error raised while
** converting the arguments (or pushing the results) cannot leak them: __gc clears. */
static void args_clear(args *a) {
  UINT i;
  for (i = 0; i < a->n; i++) VariantClear(&a->v[i]);
  a->n = 0;
}

static int args_gc(lua_State *L) {
  args_clear((args *)luaL_checkudata(L, 1, WBEM_ARGS));
  return 0;
}

static int is_out(lua_State *L, int idx) {
  int r;
  lua_getfield(L, LUA_REGISTRYINDEX, OUT_KEY);
  r = lua_rawequal(L, idx, -1);
  lua_pop(L, 1);
  return r;
}

#define PUTFLAGS (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)

/* Invokes m on the object at obj with the Lua values first..first+nargs-1 as
** arguments. Pushes the result (none for a put), then the values of the
** out-parameter slots; returns how many values it pushed. */
static int invoke(lua_State *L, int obj, const member *m, WORD flags, int first, int nargs,
                  const char *verb, const char *name) {
  object *o = (object *)lua_touserdata(L, obj);
  args *a;
  VARIANT *argv, *slots, *result;
  DISPPARAMS dp;
  DISPID named = DISPID_PROPERTYPUT;
  EXCEPINFO ei;
  UINT argerr = (UINT)-1;
  HRESULT hr;
  int i, top, given = nargs;
  /* argv[nargs] (reversed, as DISPPARAMS wants them), slots[nargs] for out values, result */
  a = (args *)lua_newuserdatauv(L, sizeof(args) + sizeof(VARIANT) * (size_t)(2 * nargs), 0);
  a->n = 0;
  luaL_setmetatable(L, WBEM_ARGS);
  for (i = 0; i < 2 * nargs + 1; i++) VariantInit(&a->v[i]);
  a->n = (UINT)(2 * nargs + 1);
  argv = a->v;
  slots = a->v + nargs;
  result = a->v + 2 * nargs;
  /* trailing nils for optional parameters are not passed at all: their defaults apply
  ** (argv keeps its place; only cArgs shrinks) */
  while (nargs > 0 && nargs <= m->ntyped && m->optional[nargs - 1] && lua_isnil(L, first + nargs - 1))
    nargs--;
  for (i = 0; i < nargs; i++) {
    VARIANT *v = &argv[nargs - 1 - i];
    if (is_out(L, first + i)) {
      V_VT(v) = VT_BYREF | VT_VARIANT;
      V_VARIANTREF(v) = &slots[i];
    } else if (lua_isnil(L, first + i) && i < m->ntyped && m->nils[i] != NIL_EMPTY) {
      if (m->nils[i] == NIL_NOTHING) {
        V_VT(v) = VT_DISPATCH;
        V_DISPATCH(v) = NULL;
      } else {
        V_VT(v) = VT_ERROR;
        V_ERROR(v) = DISP_E_PARAMNOTFOUND;
      }
    } else if (i < m->ntyped && m->is_long[i] && lua_isinteger(L, first + i) &&
               lua_tointeger(L, first + i) > 0x7FFFFFFF &&
               lua_tointeger(L, first + i) <= 0xFFFFFFFF) {
      /* an unsigned 32-bit value (an HRESULT, a flag mask) for a long: its bit pattern */
      V_VT(v) = VT_I4;
      V_I4(v) = (LONG)(ULONG)lua_tointeger(L, first + i);
    } else
      wbem_check_variant(L, first + i, v);
  }
  dp.rgvarg = nargs ? argv : NULL;
  dp.cArgs = (UINT)nargs;
  dp.rgdispidNamedArgs = (flags & PUTFLAGS) ? &named : NULL;
  dp.cNamedArgs = (flags & PUTFLAGS) ? 1 : 0;
  memset(&ei, 0, sizeof ei);
  hr = IDispatch_Invoke(o->ref.disp, m->id, &IID_NULL, LOCALE_USER_DEFAULT, flags, &dp,
                        (flags & PUTFLAGS) ? NULL : result, &ei, &argerr);
  if (FAILED(hr)) {
    char msg[96];
    const char *text = NULL;
    args_clear(a);
    if (m->source == SRC_NONE && m->kind == KIND_PROPERTY && flags == DISPATCH_PROPERTYGET &&
        (hr == DISP_E_MEMBERNOTFOUND || hr == DISP_E_BADPARAMCOUNT)) {
      /* the object has no type information: it may be a method, which a read must not call */
      lua_pushfstring(L, "cannot read '%s'; the object does not tell whether it is a property "
                         "or a method: call a method with wbem.call(obj, \"%s\", ...)", name, name);
      text = lua_tostring(L, -1);
    } else if (hr == DISP_E_BADPARAMCOUNT) {
      snprintf(msg, sizeof msg, "wrong number of arguments (%d given)", given);
      text = msg;
    } else if ((hr == DISP_E_TYPEMISMATCH || hr == DISP_E_PARAMNOTFOUND) && argerr < (UINT)nargs) {
      snprintf(msg, sizeof msg, "%s in argument #%d",
               hr == DISP_E_TYPEMISMATCH ? "type mismatch" : "parameter not found",
               nargs - (int)argerr);
      text = msg;
    }
    return raise_com(L, obj, hr, verb, name, &ei, text);
  }
  top = lua_gettop(L);
  if (!(flags & PUTFLAGS)) wbem_push_variant_from(L, result, obj);
  for (i = 0; i < nargs; i++) {
    VARIANT *v = &argv[nargs - 1 - i];
    if (V_VT(v) == (VT_BYREF | VT_VARIANT) && V_VARIANTREF(v) == &slots[i])
      wbem_push_variant_from(L, &slots[i], obj);
  }
  args_clear(a);
  return lua_gettop(L) - top;
}

static void check_argcount(lua_State *L, const member *m, int nargs, const char *name) {
  if (m->maxargs >= 0 && nargs > m->maxargs)
    luaL_error(L, "wbem: too many arguments to %s (%d given, at most %d)", name, nargs, m->maxargs);
}

/* A method read from an object: upvalues (object, member, name). */
static int bound_call(lua_State *L) {
  const member *m = (const member *)lua_touserdata(L, lua_upvalueindex(2));
  const char *name = lua_tostring(L, lua_upvalueindex(3));
  int nargs = lua_gettop(L) - 1;
  if (!lua_rawequal(L, 1, lua_upvalueindex(1)))
    return luaL_error(L, "wbem: method '%s' called on %s it does not belong to; "
                         "call it as obj:%s(...)", name,
                      lua_isnone(L, 1) ? "nothing" : "an object", name);
  check_open(L, 1);
  check_argcount(L, m, nargs, name);
  return invoke(L, 1, m, m->callflags, 2, nargs, "call", name);
}

/* Pushes the callable for method m (on top of the stack), cached in m's user value. */
static void push_bound(lua_State *L, int obj, int nameidx) {
  if (lua_getiuservalue(L, -1, 1) == LUA_TFUNCTION) return;
  lua_pop(L, 1);
  lua_pushvalue(L, obj);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, nameidx);
  lua_pushcclosure(L, bound_call, 3);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, -3, 1);
}

/* ---- metamethods ------------------------------------------------------------------ */

static int obj_index(lua_State *L) {
  member *m;
  object *o = (object *)luaL_checkudata(L, 1, WBEM_OBJECT);
  /* extension methods written in Lua come first, for their exact key */
  lua_getfield(L, LUA_REGISTRYINDEX, EXT_KEY);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  lua_pop(L, 2);
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_error(L, "wbem: members of a COM object are named by strings, not by %s",
                      luaL_typename(L, 2));
  if (o->ref.disp == NULL) return luaL_error(L, "wbem: object is closed (reading '%s')", lua_tostring(L, 2));
  m = get_member(L, 1, 2, "get");
  if (m->kind == KIND_METHOD) {
    push_bound(L, 1, 2);
    return 1;
  }
  return invoke(L, 1, m, m->callflags, 0, 0, "get", lua_tostring(L, 2));
}

static int obj_newindex(lua_State *L) {
  member *m;
  const char *name;
  WORD flags;
  object *o = (object *)luaL_checkudata(L, 1, WBEM_OBJECT);
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_error(L, "wbem: members of a COM object are named by strings, not by %s",
                      luaL_typename(L, 2));
  name = lua_tostring(L, 2);
  if (o->ref.disp == NULL) return luaL_error(L, "wbem: object is closed (setting '%s')", name);
  m = get_member(L, 1, 2, "set");
  if (m->kind == KIND_METHOD && m->source != SRC_NONE)
    return luaL_error(L, "wbem: '%s' is a method; it cannot be assigned to", name);
  if (m->source == SRC_TYPEINFO && !m->put && !m->putref)
    return luaL_error(L, "wbem: property '%s' is read-only", name);
  flags = DISPATCH_PROPERTYPUT;
  if (lua_type(L, 3) == LUA_TUSERDATA && m->putref) flags = DISPATCH_PROPERTYPUTREF;
  if (m->source == SRC_TYPEINFO && !m->put) flags = DISPATCH_PROPERTYPUTREF;
  lua_pop(L, 1);   /* the member */
  invoke(L, 1, m, flags, 3, 1, "set", name);
  return 0;
}

static int obj_tostring(lua_State *L) {
  object *o = (object *)luaL_checkudata(L, 1, WBEM_OBJECT);
  int n = 2;
  if (o->ref.disp == NULL) {
    lua_pushliteral(L, "wbem.object: closed");
    return 1;
  }
  lua_pushliteral(L, "wbem.object: ");
  push_type_name(L, o);
  if (push_wmi_class(L, o)) {
    lua_pushliteral(L, " ");
    lua_insert(L, -2);
    n += 2;
  }
  lua_pushfstring(L, " (%p)", (void *)o->ref.disp);
  lua_concat(L, n + 1);
  return 1;
}

static IUnknown *identity(IDispatch *d) {
  IUnknown *u = NULL;
  if (d == NULL || FAILED(IDispatch_QueryInterface(d, &IID_IUnknown, (void **)&u))) return NULL;
  IUnknown_Release(u);   /* only the pointer is compared; d keeps the object alive */
  return u;
}

/* Same COM object: the same IUnknown, as COM's identity rule says. */
static int obj_eq(lua_State *L) {
  IDispatch *a = wbem_to_dispatch(L, 1), *b = wbem_to_dispatch(L, 2);
  IUnknown *ua = identity(a), *ub = identity(b);
  lua_pushboolean(L, ua != NULL && ua == ub);
  return 1;
}

/* ---- functions ---------------------------------------------------------------------- */

/* core.settings(obj) -> table | nil;  core.settings(obj, tbl) sets it. */
static int l_settings(lua_State *L) {
  luaL_checkudata(L, 1, WBEM_OBJECT);
  if (lua_gettop(L) >= 2) {
    if (!lua_isnil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_setiuservalue(L, 1, 1);
    lua_settop(L, 1);
    return 1;
  }
  lua_getiuservalue(L, 1, 1);
  return 1;
}

/* core.extend{name = function, ...}: Lua methods that every bridged object answers
** first, for exactly that key, before any name of the COM object. */
static int l_extend(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, LUA_REGISTRYINDEX, EXT_KEY);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "wbem: extension names must be strings");
    if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
      lua_pop(L, 1);       /* name = false removes an extension */
      lua_pushnil(L);
    } else if (lua_type(L, -1) != LUA_TFUNCTION)
      return luaL_error(L, "wbem: extension '%s' must be a function (or false to remove it)",
                        lua_tostring(L, -2));
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  return 0;
}

/* core.call(obj, name, ...): calls name as a method whatever the object says of it. */
static int l_call(lua_State *L) {
  member *m;
  const char *name;
  check_open(L, 1);
  name = luaL_checkstring(L, 2);
  m = get_member(L, 1, 2, "call");
  {
    member copy = *m;
    lua_pop(L, 1);
    if (copy.kind != KIND_METHOD) copy.callflags = DISPATCH_METHOD;
    check_argcount(L, &copy, lua_gettop(L) - 2, name);
    return invoke(L, 1, &copy, copy.callflags, 3, lua_gettop(L) - 2, "call", name);
  }
}

/* core.member(obj, name) -> "method" | "property", and where that came from. */
static int l_member(lua_State *L) {
  member *m;
  static const char *const sources[] = { "none", "typeinfo", "dispex", "wmi" };
  check_open(L, 1);
  luaL_checkstring(L, 2);
  m = get_member(L, 1, 2, "get");
  lua_pushstring(L, m->kind == KIND_METHOD ? "method" : "property");
  lua_pushstring(L, sources[m->source]);
  return 2;
}

static int l_is_object(lua_State *L) {
  lua_pushboolean(L, luaL_testudata(L, 1, WBEM_OBJECT) != NULL);
  return 1;
}

/* core.is_open(obj) */
static int l_is_open(lua_State *L) {
  object *o = (object *)luaL_checkudata(L, 1, WBEM_OBJECT);
  lua_pushboolean(L, o->ref.disp != NULL);
  return 1;
}

static const luaL_Reg obj_meta[] = {
  {"__index", obj_index},
  {"__newindex", obj_newindex},
  {"__gc", obj_close},
  {"__close", obj_close},
  {"__tostring", obj_tostring},
  {"__eq", obj_eq},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"settings", l_settings},
  {"extend", l_extend},
  {"call", l_call},
  {"member", l_member},
  {"close", obj_close},
  {"is_object", l_is_object},
  {"is_open", l_is_open},
  {NULL, NULL}
};

void wbem_open_dispatch(lua_State *L) {
  luaL_newmetatable(L, WBEM_OBJECT);   /* sets __name */
  luaL_setfuncs(L, obj_meta, 0);
  lua_pop(L, 1);
  luaL_newmetatable(L, WBEM_ARGS);
  lua_pushcfunction(L, args_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, WBEM_MEMBER);
  lua_pop(L, 1);
  luaL_newmetatable(L, TI_META);
  lua_pushcfunction(L, ti_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, TI_CACHE);
  if (lua_getfield(L, LUA_REGISTRYINDEX, EXT_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, EXT_KEY);
  }
  /* obj:close(), as file:close(): lower case, so COM's own Close stays reachable */
  lua_pushcfunction(L, obj_close);
  lua_setfield(L, -2, "close");
  lua_pop(L, 1);
  /* the out-parameter marker: a unique, empty, frozen table */
  if (lua_getfield(L, LUA_REGISTRYINDEX, OUT_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushliteral(L, "wbem.out");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "wbem.out");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, OUT_KEY);
  }
  lua_setfield(L, -2, "out");
  luaL_setfuncs(L, funcs, 0);
  wbem_open_enum(L);
}
