/*
** wbemsim.h: what the files of the WMI simulator share.
**
** The simulator is an in-process COM server (build/sim/wbemsim.dll) that implements the
** write and async side of WMI's scripting API (wbemdisp) over an in-memory repository.
** One concept per file:
**   dllmain.c   class factories, registration, the count of live objects
**   dispatch.c  type information (wbemdisp's own type library) and IDispatch helpers
**   errors.c    WbemErrorEnum texts, EXCEPINFO, the per-thread last error object
**   data.c      the contents of a WMI object (properties, qualifiers, CIM values)
**   path.c      object paths: parsing and formatting
**   strbuf.c    a growing string (object paths, MOF text)
**   repo.c      the repository: namespaces, schema, instances, the put/delete rules
**   query.c     the WQL subset (SELECT * FROM C [WHERE P = v])
**   family.c    SubclassesOf, ASSOCIATORS OF / REFERENCES OF, the calls they share
**   mof.c       GetObjectText_
**   object.c    SWbemObject(Ex), also the SWbemLastError object
**   pathobj.c   SWbemObjectPath
**   propset.c   SWbemPropertySet, SWbemProperty
**   qualset.c   SWbemQualifierSet, SWbemQualifier
**   methods.c   provider methods: Win32_Process, ExecMethod, SWbemMethodSet, SWbemMethod
**   objset.c    SWbemObjectSet
**   enumvar.c   IEnumVARIANT over a snapshot of values
**   nvset.c     SWbemNamedValueSet, SWbemNamedValue
**   locator.c   SWbemLocator
**   hosts.c     the servers added with Control.AddServer (many simulated hosts)
**   services.c  SWbemServices(Ex)
**   security.c  SWbemSecurity, SWbemPrivilegeSet, SWbemPrivilege (a services' Security_)
**   sink.c      SWbemSink with its ISWbemSinkEvents connection point
**   mailbox.c   how events reach a single-threaded apartment
**   worker.c    the worker thread that completes asynchronous operations
**   control.c   WbemSim.Control, the test knobs
**   events.c    event subscriptions: SWbemEventSource, ExecNotificationQuery(Async), FireEvent
*/
#ifndef WBEMSIM_H
#define WBEMSIM_H

#define COBJMACROS
#define CONST_VTABLE
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <ole2.h>
#include <oleauto.h>
#include <olectl.h>
#include <ocidl.h>
#include <wbemcli.h>
#include <wbemdisp.h>

/* Fixed class ids of the simulator's creatable classes (progids in dllmain.c). */
DEFINE_GUID(CLSID_WbemSimLocator,      0xde306234, 0x7994, 0x46f7, 0x83, 0xff, 0xae, 0x0f, 0x38, 0xc0, 0x33, 0xa6);
DEFINE_GUID(CLSID_WbemSimSink,         0x4e364f61, 0x57f7, 0x4ae2, 0xbc, 0x01, 0xce, 0x12, 0x68, 0x27, 0x1b, 0xbf);
DEFINE_GUID(CLSID_WbemSimControl,      0x5b5263ab, 0xaec5, 0x4524, 0x84, 0xdb, 0xc0, 0x52, 0x01, 0xc4, 0xa4, 0x77);
DEFINE_GUID(CLSID_WbemSimNamedValueSet,0x20e7f7cc, 0x0329, 0x4967, 0x87, 0xc8, 0xb1, 0x55, 0x19, 0x8a, 0x94, 0x86);
DEFINE_GUID(CLSID_WbemSimLastError,    0xe1f7e078, 0x6fea, 0x4336, 0x97, 0x5b, 0x08, 0xa7, 0xc7, 0x3d, 0x84, 0x68);

/* Private interface ids: a QueryInterface for one of these answers the implementation
** itself, which is how the simulator recognises its own objects handed back to it. They
** are never marshaled, so a proxy (another apartment) is not recognised. */
DEFINE_GUID(IID_WbemSimSink,           0x1e1bf9b0, 0xa7b1, 0x4330, 0x91, 0xb6, 0x3a, 0x89, 0xc2, 0x91, 0x79, 0x88);
DEFINE_GUID(IID_WbemSimNamedValueSet,  0x267635a1, 0x5740, 0x4703, 0xbc, 0x05, 0x56, 0x7c, 0xa4, 0xfd, 0x25, 0xa3);
DEFINE_GUID(IID_WbemSimObject,         0x7d968502, 0x61e9, 0x4dd6, 0xb0, 0xbb, 0x86, 0xec, 0x9c, 0x99, 0x63, 0x98);
/* Type information of the simulator's own dispinterfaces (sink, control). */
DEFINE_GUID(IID_WbemSimSinkDisp,       0xb1f97ebe, 0x20ce, 0x4c64, 0x8b, 0x02, 0x99, 0xf7, 0x8a, 0xab, 0x9e, 0xc3);
DEFINE_GUID(IID_WbemSimControlDisp,    0x9dbe1d0f, 0x0520, 0x4116, 0x9f, 0x28, 0xa3, 0xca, 0x3b, 0x4b, 0x30, 0xe5);

/* Flags of the reference page (ISWbemObject-PutAsync_.md) and of the other calls. */
#define SIM_FLAG_UPDATE_ONLY   0x1
#define SIM_FLAG_CREATE_ONLY   0x2
#define SIM_FLAG_RETURN_IMMEDIATELY 0x10
#define SIM_FLAG_SAFE_MODE     0x20
#define SIM_FLAG_FORCE_MODE    0x40
#define SIM_FLAG_SEND_STATUS   0x80
#define SIM_FLAG_AMENDED       0x20000

/* ---- dllmain.c ---- */
extern HINSTANCE sim_instance;
void sim_live_add(void);        /* one more live object (everything but Control) */
void sim_live_sub(void);
LONG sim_live_count(void);
void sim_lock_module(BOOL lock);  /* for Control objects and IClassFactory::LockServer */

/* ---- dispatch.c ---- */
HRESULT sim_typeinfo(REFIID iid, ITypeInfo **ti);   /* AddRef'd */
HRESULT sim_disp_ids(REFIID iid, LPOLESTR *names, UINT count, DISPID *ids);
HRESULT sim_disp_invoke(REFIID iid, void *iface, const WCHAR *source, DISPID id, WORD flags,
                        DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr);
/* A member of one of the simulator's own dispinterfaces. */
typedef struct sim_member {
  const WCHAR *name;
  DISPID id;
  INVOKEKIND kind;
  VARTYPE ret;              /* VT_EMPTY for none */
  UINT nparams;
  VARTYPE params[3];
  const WCHAR *pnames[3];
} sim_member;
HRESULT sim_build_typeinfo(REFIID iid, const WCHAR *name, const sim_member *m, UINT n, ITypeInfo **ti);
HRESULT sim_member_ids(const sim_member *m, UINT n, LPOLESTR *names, UINT count, DISPID *ids);
/* One argument of a DISPPARAMS, by position (0 = first), converted to the wanted type. */
HRESULT sim_arg(DISPPARAMS *p, UINT pos, VARTYPE vt, VARIANT *out);
/* The IMarshal of the free-threaded marshaler, created on first use. */
HRESULT sim_ftm_query(IUnknown *outer, IUnknown **ftm, void **out);
/* The interfaces of the IDispatch members common to the wbemdisp objects. */
#define SIM_DISPATCH(prefix, Iface, iid, source, impl_from) \
static HRESULT WINAPI prefix##_GetTypeInfoCount(Iface *iface, UINT *count) \
{ (void)iface; *count = 1; return S_OK; } \
static HRESULT WINAPI prefix##_GetTypeInfo(Iface *iface, UINT index, LCID lcid, ITypeInfo **ti) \
{ (void)iface; (void)lcid; if (index) return DISP_E_BADINDEX; return sim_typeinfo(iid, ti); } \
static HRESULT WINAPI prefix##_GetIDsOfNames(Iface *iface, REFIID riid, LPOLESTR *names, UINT count, \
                                             LCID lcid, DISPID *ids) \
{ (void)iface; (void)riid; (void)lcid; return sim_disp_ids(iid, names, count, ids); } \
static HRESULT WINAPI prefix##_Invoke(Iface *iface, DISPID id, REFIID riid, LCID lcid, WORD flags, \
                                      DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr) \
{ (void)riid; (void)lcid; (void)impl_from; \
  return sim_disp_invoke(iid, iface, source, id, flags, params, result, ei, argerr); }

/* ---- errors.c ---- */
const WCHAR *sim_error_text(HRESULT hr);
void    sim_excepinfo(EXCEPINFO *ei, HRESULT hr, const WCHAR *source);
/* Records the calling thread's last error object (an SWbemLastError-shaped SWbemObject of
** class __ExtendedStatus) and returns hr, so a failing member can `return sim_fail(...)`. */
HRESULT sim_fail(HRESULT hr, const WCHAR *operation, const WCHAR *param);
IDispatch *sim_error_object(HRESULT hr, const WCHAR *operation, const WCHAR *param);
HRESULT sim_take_last_error(IDispatch **out);
void    sim_errors_thread_detach(void);
DWORD   sim_errors_init(void);

/* ---- data.c: the contents of a WMI object ---- */
typedef struct sim_qual {
  WCHAR *name;
  VARIANT value;
  LONG flavor;              /* WBEM_FLAVOR_* */
  BOOL local;
} sim_qual;
typedef struct sim_quals { sim_qual *v; int n, cap; } sim_quals;
typedef struct sim_prop {
  WCHAR *name;
  CIMTYPE type;             /* CIM_* | CIM_FLAG_ARRAY */
  VARIANT value;            /* VT_NULL when null; arrays are VT_ARRAY|VT_VARIANT */
  sim_quals quals;
  WCHAR *origin;            /* class that declared it */
} sim_prop;
typedef struct sim_data {
  BOOL is_class;
  WCHAR *ns;                /* namespace, e.g. root\cimv2 */
  WCHAR *cls;               /* class name, NULL for a new class without a name yet */
  WCHAR *super;             /* classes: the superclass or NULL */
  sim_quals quals;          /* class qualifiers */
  sim_prop *props;
  int n, cap;
} sim_data;

WCHAR   *sim_strdup(const WCHAR *s);
WCHAR   *sim_strcat3(const WCHAR *a, const WCHAR *b, const WCHAR *c);
/* An array v of *cap items of size with room for need: v itself, or v moved by realloc
** (*cap grows by doubling), or NULL with v and *cap as they were. */
void    *sim_grow(void *v, int *cap, int need, size_t size);
sim_data *data_new(BOOL is_class, const WCHAR *ns, const WCHAR *cls);
sim_data *data_clone(const sim_data *d);
void     data_free(sim_data *d);
sim_prop *data_prop(const sim_data *d, const WCHAR *name);          /* case-insensitive */
sim_prop *data_add_prop(sim_data *d, const WCHAR *name, CIMTYPE type, const WCHAR *origin);
BOOL     data_remove_prop(sim_data *d, const WCHAR *name);
sim_qual *quals_find(const sim_quals *q, const WCHAR *name);
HRESULT  quals_set(sim_quals *q, const WCHAR *name, const VARIANT *v, LONG flavor);
BOOL     quals_remove(sim_quals *q, const WCHAR *name);
void     quals_copy(sim_quals *dst, const sim_quals *src);
void     quals_clear(sim_quals *q);
BOOL     qual_true(const sim_quals *q, const WCHAR *name);              /* boolean qualifier set */
BOOL     prop_is_key(const sim_prop *p);
BOOL     data_is_singleton(const sim_data *d);
int      data_key_count(const sim_data *d);
sim_data *data_spawn_instance(const sim_data *cls);
sim_data *data_spawn_derived(const sim_data *cls);
HRESULT  cim_coerce(CIMTYPE type, const VARIANT *in, VARIANT *out);   /* VT_EMPTY/VT_NULL -> VT_NULL */
BOOL     cim_valid_type(LONG type);
/* The text of a value as it appears in an object path (and WQL comparisons). */
WCHAR   *cim_key_text(const VARIANT *v);
BOOL     cim_quoted(CIMTYPE type);

/* ---- strbuf.c ---- */
typedef struct sim_strbuf { WCHAR *s; size_t n, cap; BOOL failed; } sim_strbuf;   /* zeroed: empty */
void    strbuf_add(sim_strbuf *b, const WCHAR *s, size_t n);
void    strbuf_str(sim_strbuf *b, const WCHAR *s);             /* NULL adds nothing */
void    strbuf_quoted(sim_strbuf *b, const WCHAR *s);          /* "s", with \" and \\ */
WCHAR  *strbuf_done(sim_strbuf *b);       /* the string ("" when empty), NULL when an append failed */

/* ---- path.c ---- */
typedef struct sim_key {
  WCHAR *name;              /* NULL for Class="v" (the single key unnamed) */
  WCHAR *text;              /* the value as text, without quotes */
  BOOL quoted;
} sim_key;
typedef struct sim_path {
  WCHAR *server;            /* NULL when the path had none */
  WCHAR *ns;                /* NULL when the path had none */
  WCHAR *cls;               /* NULL: empty path */
  BOOL singleton;
  sim_key *keys;
  int nkeys;
} sim_path;
HRESULT path_parse(const WCHAR *text, sim_path *p);
void    path_free(sim_path *p);
void    path_copy(sim_path *dst, const sim_path *src);
HRESULT data_to_path(const sim_data *d, sim_path *p);                  /* fills server, cls, ns, keys */
void    path_set_ns(sim_path *p, const WCHAR *ns);                      /* server (an added one's) and ns */
WCHAR  *path_relpath(const sim_path *p);                                /* "" for an empty path */
WCHAR  *path_full(const sim_path *p);                                   /* \\SERVER\ns:relpath */
BOOL    path_is_class(const sim_path *p);
const WCHAR *delete_operation(const WCHAR *path);             /* "DeleteClass" or "DeleteInstance" */
const WCHAR *sim_server_name(void);

/* ---- repo.c ----
** A namespace names its repository: "root\cimv2" is the local one's, "\\HOST\root\cimv2"
** that of the added server HOST (hosts.c). Every ns argument below, and sim_data.ns, is in
** that form; data_to_path turns the prefix into the path's server. */
typedef struct sim_repo sim_repo;
/* The connection's namespace: host NULL for the local repository; the repository's
** spelling of ns with the host's prefix (*out to free), or WBEM_E_INVALID_NAMESPACE. */
HRESULT repo_namespace(const WCHAR *host, const WCHAR *ns, WCHAR **out);
/* "\\HOST\rest": the host (*n characters at *host) and the rest; FALSE for a local ns */
BOOL    ns_split(const WCHAR *ns, const WCHAR **host, size_t *n, const WCHAR **rest);
sim_repo *repo_alloc(const WCHAR *host);      /* empty, seeded on first use; NULL: no memory */
void    repo_free(sim_repo *r);               /* takes the repository lock */
HRESULT repo_get(const WCHAR *ns, const sim_path *p, sim_data **out);
HRESULT repo_get_class(const WCHAR *ns, const WCHAR *cls, sim_data **out);
HRESULT repo_put(const sim_data *d, LONG flags, sim_path *written);
HRESULT repo_delete(const WCHAR *ns, const sim_path *p);
HRESULT repo_instances(const WCHAR *ns, const WCHAR *cls, BOOL shallow, sim_data ***out, int *n);
HRESULT repo_derivation(const WCHAR *ns, const WCHAR *cls, SAFEARRAY **out);
HRESULT repo_subclasses(const WCHAR *ns, const WCHAR *super, BOOL shallow, sim_data ***out, int *n);
void    repo_reset(void);
void    repo_init(void);
LONG    sim_check_put_flags(LONG flags, BOOL is_class);  /* S_OK or WBEM_E_INVALID_PARAMETER */
void    seed_bool_qual(sim_quals *q, const WCHAR *name, LONG flavor);     /* True */
void    seed_text_qual(sim_quals *q, const WCHAR *name, const WCHAR *text);  /* flavor 0 */

/* ---- query.c ---- */
HRESULT wql_run(const WCHAR *ns, const WCHAR *query, sim_data ***out, int *n);
HRESULT wql_check_language(const WCHAR *lang);        /* "WQL" (or none) only */
void    data_list_free(sim_data **v, int n);
void    data_keys_only(sim_data *d);                   /* drops every property but the keys */

/* ---- family.c ---- */
typedef struct sim_assoc_query {
  BOOL references;          /* REFERENCES OF; else ASSOCIATORS OF */
  WCHAR *path;              /* the source, between the braces */
  WCHAR *assoc_class, *result_class, *result_role, *role, *assoc_qual, *qual;   /* NULL: none */
  BOOL class_defs, schema, keys;            /* ClassDefsOnly, SchemaOnly, KeysOnly */
} sim_assoc_query;
HRESULT assoc_run(const WCHAR *ns, const sim_assoc_query *q, sim_data ***out, int *n);
/* The statement that SWbemServices.AssociatorsOf / ReferencesTo perform (NULL: no memory);
** empty or NULL strings are left out. */
WCHAR  *assoc_text(BOOL references, const WCHAR *path, const WCHAR *assoc, const WCHAR *result, const WCHAR *rrole,
                   const WCHAR *role, BOOL classes, BOOL schema, const WCHAR *aqual, const WCHAR *qual);
/* OP_INSTANCES (text: the class), OP_SUBCLASSES (the superclass), OP_QUERY (WQL). */
HRESULT family_run(int kind, const WCHAR *ns, const WCHAR *text, LONG flags, sim_data ***out, int *n);
const WCHAR *family_operation(int kind);
/* The synchronous call: its round trip (then the refusal its own checks found, S_OK for
** none), the result as an SWbemObjectSet, or the failure recorded as the last error. */
HRESULT family_sync(int kind, const WCHAR *ns, const WCHAR *text, LONG flags, IDispatch *ctx, HRESULT refusal,
                    ISWbemObjectSet **out);

/* ---- mof.c ---- */
BSTR    mof_text(const sim_data *d);

/* ---- object.c ---- */
typedef struct sim_object sim_object;
HRESULT object_create(sim_data *d, BOOL is_error, IDispatch **out);    /* takes ownership of d */
sim_data *object_snapshot(IDispatch *obj);                              /* clone of a sim object's data or NULL */
void      object_count(IDispatch *obj, BOOL counted);                   /* in or out of LiveObjects */
/* Access to an object's data under the object lock (for the sub-objects). */
void      object_lock(void);
void      object_unlock(void);
sim_data *object_data(sim_object *o);
void      object_set_data(sim_object *o, sim_data *d);                  /* object lock held */
void      object_addref(sim_object *o);
void      object_release(sim_object *o);

/* ---- pathobj.c, propset.c, qualset.c, objset.c, enumvar.c ---- */
HRESULT pathobj_create(const sim_path *p, sim_object *linked, ISWbemObjectPath **out);
HRESULT propset_create(sim_object *o, ISWbemPropertySet **out);
HRESULT property_create(sim_object *o, const WCHAR *name, ISWbemProperty **out);
HRESULT qualset_create(sim_object *o, const WCHAR *prop, ISWbemQualifierSet **out);
HRESULT objset_create(sim_data **items, int n, ISWbemObjectSet **out);  /* takes ownership */
HRESULT enumvar_create(VARIANT *items, ULONG n, IEnumVARIANT **out);    /* takes ownership */
/* A _NewEnum: n objects made by make (by index, or by name), each into a VARIANT; on a
** failure those made are released. enumvar_of_names takes the names (each and the array;
** NULL: out of memory), which the caller copied under its lock: make runs without it. */
typedef HRESULT (*enumvar_make)(void *ctx, int i, IDispatch **out);
typedef HRESULT (*enumvar_make_named)(void *ctx, const WCHAR *name, IDispatch **out);
HRESULT enumvar_collect(int n, enumvar_make make, void *ctx, IUnknown **out);
HRESULT enumvar_of_names(WCHAR **names, int n, enumvar_make_named make, void *ctx, IUnknown **out);

/* ---- nvset.c ---- */
HRESULT nvset_create(ISWbemNamedValueSet **out);
HRESULT nvset_add(ISWbemNamedValueSet *set, const WCHAR *name, const VARIANT *v);
/* "Name=value;Name=value" sorted by name, from any SWbemNamedValueSet (ours, or another's
** through IDispatch); "" for NULL. */
WCHAR  *nvset_context_text(IDispatch *ctx);

/* ---- services.c, locator.c ---- */
HRESULT services_create(const WCHAR *ns, ISWbemServicesEx **out);
HRESULT services_method_in(IDispatch *in, sim_data **d);   /* ExecMethod's objwbemInParams */
LONG    services_alive(void);                           /* Control.Connections */
HRESULT locator_create(REFIID riid, void **out);
BOOL    sim_local_server(const WCHAR *server);          /* "", ".", "localhost", this computer */
LONG    locator_connecting(void);                       /* Control.Connecting */
LONG    locator_peak_connects(void);                    /* Control.PeakConnects */
void    locator_reset_peak(void);

/* ---- hosts.c ---- */
/* Control.AddServer, RemoveServer (E_INVALIDARG, WBEM_E_NOT_FOUND), and Reset's part */
HRESULT hosts_add(const WCHAR *server, const WCHAR *behaviour, LONG latency_ms);
HRESULT hosts_remove(const WCHAR *server);
void    hosts_reset(void);
/* A ConnectServer to server: S_FALSE when it is not an added server; else, after the
** server's latency, S_OK with *name (to free, the server's name as added) or the failure
** the server's behaviour gives. */
HRESULT hosts_connect(const WCHAR *server, WCHAR **name);
/* The repository of the added server named by n characters at name, made on first use:
** S_OK, E_OUTOFMEMORY, or HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) when there is no
** such server (any more). Called with the repository lock held (repo.c), which is what
** keeps *out alive: hosts_remove and hosts_reset free a repository under that lock. */
HRESULT hosts_repo(const WCHAR *name, size_t n, sim_repo **out);

/* ---- security.c ---- */
/* What a services object's Security_ reads and writes: shared (refcounted) by the
** services object and every SWbemSecurity, SWbemPrivilegeSet, SWbemPrivilege made from it. */
typedef struct sim_security sim_security;
sim_security *security_new(void);             /* NULL: no memory */
void    security_release(sim_security *s);
HRESULT security_create(sim_security *s, ISWbemSecurity **out);

/* ---- sink.c ---- */
typedef struct sim_sink sim_sink;
/* A sink's operations waiting in the worker's timed queue, in that queue's order: what
** Cancel (and the sink's release) walks, so that costs that sink's calls only. */
struct sim_op;
typedef struct sim_op_list { struct sim_op *head, *tail; } sim_op_list;
sim_op_list *sink_ops(sim_sink *s);                     /* the worker's, under its lock */
sim_sink *sink_from_dispatch(IDispatch *disp);          /* internal ref, or NULL when not ours */
void    sink_internal_release(sim_sink *s);
void    sink_internal_addref(sim_sink *s);
LONG    sink_generation(sim_sink *s);                   /* operations older than a Cancel are cancelled */
void    sink_bump_generation(sim_sink *s);
/* One event: DISPID and its arguments in DISPPARAMS order (reversed), owned by the event;
** done (if set) runs once the event was fired or dropped: an operation's last cleanup. */
typedef struct sim_event {
  struct sim_event *prev, *next;    /* in a mailbox, in delivery order */
  struct sim_event *sprev, *snext;  /* among the queued events of the same sink */
  struct sim_event **own;           /* the head of that list (the sink's), under the mailbox lock */
  sim_sink *sink;           /* internal reference while queued in a mailbox */
  DISPID id;
  VARIANT args[4];
  UINT nargs;
  void (*done)(void *ctx);
  void *done_ctx;
} sim_event;
void    sink_fire(sim_sink *s, DISPID id, VARIANT *args, UINT nargs);   /* on the calling thread */
BOOL    sink_in_sta(sim_sink *s);
BOOL    sink_post(sim_sink *s, sim_event *ev);          /* to the sink's STA; FALSE once closed */
void    event_free(sim_event *ev);                      /* runs done, clears the arguments */

/* ---- mailbox.c ---- */
typedef struct sim_mailbox sim_mailbox;
HRESULT mailbox_open(sim_mailbox **out);                /* the calling STA thread's; NULL in the MTA */
/* own is the sink's list of its queued events (a head pointer the sink keeps, NULL when
** none), kept by the mailbox under its lock: dropping a sink's events costs only those. */
BOOL    mailbox_push(sim_mailbox *mb, sim_event *ev, sim_event **own);  /* FALSE: the thread is gone, ev not taken */
void    mailbox_drop(sim_mailbox *mb, sim_event **own);  /* frees the events still queued in own */
HRESULT sink_create(REFIID riid, void **out);

/* ---- worker.c ---- */
typedef enum { OP_PUT, OP_DELETE, OP_GET, OP_INSTANCES, OP_QUERY, OP_NOTIFY, OP_METHOD,
               OP_SUBCLASSES } sim_op_kind;
/* Queues an operation; fails at once (no events) when the sink is not a simulator sink. */
HRESULT worker_submit(sim_op_kind kind, IDispatch *sink, LONG flags, IDispatch *ctx,
                      IDispatch *async_ctx, const WCHAR *ns, const WCHAR *text, sim_data *data);
/* OP_METHOD: the method name of the object at the path text, data its in-parameters */
HRESULT worker_submit_method(IDispatch *sink, LONG flags, IDispatch *ctx, IDispatch *actx, const WCHAR *ns,
                             const WCHAR *path, const WCHAR *method, sim_data *in);
void    worker_cancel_sink(sim_sink *s);
void    worker_cancel_all(void);
void    worker_wait_idle(DWORD timeout_ms);

/* ---- methods.c ---- */
/* Executes method name of the object at path in ns with the in-parameters in (NULL:
** none): the out-parameters (*out, an instance of __PARAMETERS) or the failure. */
HRESULT method_exec(const WCHAR *ns, const WCHAR *path, const WCHAR *name, const sim_data *in, sim_data **out);
HRESULT methodset_create(const WCHAR *ns, const WCHAR *cls, ISWbemMethodSet **out);
/* Methods as members of an object's IDispatch (a range of DISPIDs of their own). */
HRESULT method_dispid(const WCHAR *ns, const WCHAR *cls, const WCHAR *name, DISPID *id);
BOOL    method_is_dispid(DISPID id);
/* The direct call: a synchronous round trip; failures recorded (sim_fail). */
HRESULT method_invoke(const WCHAR *ns, const WCHAR *path, DISPID id, DISPPARAMS *params, VARIANT *result);
#define SIM_METHOD_SYNC_FLAGS  SIM_FLAG_RETURN_IMMEDIATELY   /* MS-WMI's one flag of ExecMethod */
#define SIM_METHOD_ASYNC_FLAGS SIM_FLAG_SEND_STATUS
/* Win32_Process's schema and seeded instances, for repo.c's seed (lock held: no repo calls). */
void    process_schema(sim_data *cls);
int     process_seed_count(void);
void    process_seed_fill(sim_data *d, int i);

/* ---- control.c ---- */
#define SIM_MAX_LATENCY_MS 10000000       /* the most any of the latencies may be set to */
typedef struct sim_settings {
  LONG latency_ms;
  BOOL direct;
  LONG progress_steps;
  BOOL hang;
  LONG sync_latency_ms;     /* Control.SyncLatencyMs */
  BOOL sync_hang;           /* Control.SyncHang */
} sim_settings;
void    control_settings(sim_settings *out);
HRESULT control_take_failure(void);                     /* S_OK, or the injected failure */
void    control_set_last_context(IDispatch *ctx);       /* from an operation's objWbemNamedValueSet */
HRESULT control_create(REFIID riid, void **out);

/* Every repository operation starts here: records the context (Control.LastContext) and
** consumes an injected failure (Control.FailNext). */
HRESULT sim_begin_operation(IDispatch *ctx);
/* The round trip of a synchronous call (the list is in control.c): waits
** Control.SyncLatencyMs, and while Control.SyncHang is set, holding no lock. S_OK, or
** WBEM_E_CALL_CANCELLED when Control.Reset() came while it waited. */
HRESULT sim_sync_wait(void);
/* The wait of a simulated round trip, lock held shared on entry and on return (given up
** while asleep on cv): until ms milliseconds after start (a QueryPerformanceCounter
** reading) while check says SIM_WAIT_GO, for as long as it says SIM_WAIT_HOLD, and
** WBEM_E_CALL_CANCELLED as soon as it says SIM_WAIT_CANCEL. check runs under the lock;
** whoever changes what it looks at does so under the lock held exclusively, then wakes cv. */
typedef enum { SIM_WAIT_GO, SIM_WAIT_HOLD, SIM_WAIT_CANCEL } sim_wait_state;
typedef sim_wait_state (*sim_wait_check)(void *ctx);
HRESULT sim_wait(SRWLOCK *lock, CONDITION_VARIABLE *cv, LONGLONG start, LONG ms, sim_wait_check check, void *ctx);
/* The start of a synchronous repository call: sim_sync_wait, then refusal (what the
** call's own checks of its arguments found, S_OK for none: a server refuses after the
** round trip), then sim_begin_operation. */
HRESULT sim_begin_sync(HRESULT refusal, IDispatch *ctx);

/* ---- events.c ----
** Intrinsic events of the repository's changes, extrinsic ones from Control.FireEvent,
** WITHIN polling of dynamic classes. The repository calls events_intrinsic under its lock;
** nothing there calls out of the simulator. */
#define SIM_E_TIMEDOUT ((HRESULT)0x80043001)          /* wbemErrTimedout (NextEvent) */
#define SIM_EV_CREATE 1
#define SIM_EV_DELETE 2
#define SIM_EV_MODIFY 4
typedef struct sim_sub sim_sub;
BOOL    events_active(void);                          /* any subscription at all: the cheap test first */
/* An instance (is_class FALSE) or class changed: chain is its class and the ancestors. */
void    events_intrinsic(const WCHAR *ns, BOOL is_class, int kind, const WCHAR *const *chain, int nchain,
                         const sim_data *before, const sim_data *after);
HRESULT events_exec_async(const WCHAR *ns, IDispatch *sink, const WCHAR *query, IDispatch *ctx, IDispatch *actx);
HRESULT events_exec(const WCHAR *ns, const WCHAR *query, IDispatch *ctx, ISWbemEventSource **out);
HRESULT events_fire(IDispatch *instance, LONG count);  /* Control.FireEvent */
void    events_ended(sim_sub *sub);                   /* its operation was cancelled (worker.c) */
void    events_reset(void);
/* worker.c: fn(ctx) on the worker thread, in the order posted, before any operation step. */
BOOL    worker_post(void (*fn)(void *ctx), void *ctx);
HRESULT worker_submit_notify(IDispatch *sink, IDispatch *ctx, IDispatch *actx, const WCHAR *ns, const WCHAR *text,
                             sim_sub *sub);
/* object.c: an embedded object (CIM_OBJECT): a frozen copy of d, uncounted, shared by the
** copies of the data; object_unembed turns such a value read out into a fresh object. */
HRESULT object_embed(sim_data *d, VARIANT *out);      /* takes d */
HRESULT object_unembed(VARIANT *v);
const sim_data *object_embedded_data(IDispatch *obj); /* the frozen data, no lock needed */
/* query.c: the WQL tokens, for the event queries */
const WCHAR *wql_skip(const WCHAR *s);
const WCHAR *wql_keyword(const WCHAR *s, const WCHAR *kw);
const WCHAR *wql_ident(const WCHAR *s, WCHAR **out);
const WCHAR *wql_literal(const WCHAR *s, WCHAR **out, BOOL *quoted);   /* 'text', "text", or a bare word */
BOOL    wql_prop_equal(const sim_prop *p, const WCHAR *literal);

#endif
