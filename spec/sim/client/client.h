/* The raw C client of the WMI simulator (spec/sim/server): shared declarations.
 * No Lua here: every check goes through IDispatch by name, the way a script host
 * calls wbemdisp, and every event through a real ISWbemSinkEvents connection. */
#ifndef SIMCLIENT_H
#define SIMCLIENT_H

#define COBJMACROS
#define CONST_VTABLE
#include <windows.h>
#include <ole2.h>
#include <oleauto.h>
#include <ocidl.h>
#include <stdarg.h>

/* ---- WMI constants (wbemdisp.h / wbemcli.h values, spelled out so the checks
 *      read like the documentation) ---- */
#define wbemChangeFlagCreateOrUpdate   0x0
#define wbemChangeFlagUpdateOnly       0x1
#define wbemChangeFlagCreateOnly       0x2
#define wbemChangeFlagUpdateCompatible 0x0
#define wbemChangeFlagUpdateSafeMode   0x20
#define wbemChangeFlagUpdateForceMode  0x40
#define wbemFlagReturnImmediately      0x10
#define wbemFlagReturnWhenComplete     0x0
#define wbemFlagForwardOnly            0x20
#define wbemFlagSendStatus             0x80
#define wbemFlagDontSendStatus         0x0
#define wbemFlagUseAmendedQualifiers   0x20000

#define CIM_T_SINT8 16
#define CIM_T_UINT8 17
#define CIM_T_SINT16 2
#define CIM_T_UINT16 18
#define CIM_T_SINT32 3
#define CIM_T_UINT32 19
#define CIM_T_SINT64 20
#define CIM_T_UINT64 21
#define CIM_T_REAL32 4
#define CIM_T_REAL64 5
#define CIM_T_BOOLEAN 11
#define CIM_T_STRING 8
#define CIM_T_DATETIME 101
#define CIM_T_REFERENCE 102
#define CIM_T_CHAR16 103

#define E_WBEM(x) ((HRESULT)(x))
#define WBEM_E_FAILED_            E_WBEM(0x80041001)
#define WBEM_E_NOT_FOUND_         E_WBEM(0x80041002)
#define WBEM_E_INVALID_PARAMETER_ E_WBEM(0x80041008)
#define WBEM_E_INVALID_NAMESPACE_ E_WBEM(0x8004100E)
#define WBEM_E_INVALID_CLASS_     E_WBEM(0x80041010)
#define WBEM_E_INVALID_QUERY_     E_WBEM(0x80041017)
#define WBEM_E_ALREADY_EXISTS_    E_WBEM(0x80041019)
#define WBEM_E_CLASS_HAS_CHILDREN_  E_WBEM(0x80041025)
#define WBEM_E_CLASS_HAS_INSTANCES_ E_WBEM(0x80041026)
#define WBEM_E_ILLEGAL_NULL_      E_WBEM(0x80041028)
#define WBEM_E_CALL_CANCELLED_    E_WBEM(0x80041032)
#define WBEM_E_PROVIDER_FAILURE_  E_WBEM(0x80041004)
#define WBEM_E_TYPE_MISMATCH_     E_WBEM(0x80041005)
#define WBEM_E_INVALID_SUPERCLASS_ E_WBEM(0x8004100D)
#define WBEM_E_INVALID_OBJECT_    E_WBEM(0x8004100F)
#define WBEM_E_INVALID_OPERATION_ E_WBEM(0x80041016)
#define WBEM_E_UPDATE_TYPE_MISMATCH_        E_WBEM(0x80041052)
#define WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED_ E_WBEM(0x80041053)
#define WBEM_E_NO_KEY_            E_WBEM(0x80041089)
#define WBEM_E_INVALID_OBJECT_PATH_ E_WBEM(0x8004103A)
#define WBEM_E_INVALID_QUERY_TYPE_  E_WBEM(0x80041018)

/* ISWbemSinkEvents DISPIDs (WBEMS_DISPID_* in wbemdisp.h) */
#define EV_OBJECT_READY 1
#define EV_COMPLETED    2
#define EV_PROGRESS     3
#define EV_OBJECT_PUT   4

extern const IID DIID_SimSinkEvents;  /* {75718CA0-F029-11D1-A1AC-00C04FB6C223} */

/* ---- tap.c: TAP output and the test registry ---- */
typedef struct test_case {
    const char *name;          /* "put: create/update modes", the selection key */
    void (*run)(void);
} test_case;

int  ok(int cond, const char *fmt, ...);            /* one TAP line; returns cond */
void diag(const char *fmt, ...);                     /* "# ..." line */
int  check_hr(HRESULT got, HRESULT want, const char *fmt, ...);
int  check_wstr(const WCHAR *got, const WCHAR *want, const char *fmt, ...);
int  check_long(LONG got, LONG want, const char *fmt, ...);
const char *hr_name(HRESULT hr);
int  tap_run(const test_case *const *suites, const char *filter);

/* per-test pool: everything kept here is released before the leak check */
IDispatch *keep(IDispatch *obj);     /* takes the caller's reference; NULL-safe */
VARIANT   *vkeep(void);              /* a VARIANT cleared at the end of the test */
void       pool_release_all(void);

/* ---- util: strings, clocks ---- */
const char *u8(const WCHAR *s);      /* UTF-8 copy in a small ring of buffers */
const char *vstr(const VARIANT *v);  /* a VARIANT for diagnostics */
double now_ms(void);                 /* monotonic, QueryPerformanceCounter */
LONGLONG qpc(void);
double qpc_ms(LONGLONG ticks);

/* ---- disp.c: IDispatch by name ---- */
VARIANT v_i4(LONG i);
VARIANT v_bool(BOOL b);
VARIANT v_r8(double d);
VARIANT v_r4(float f);
VARIANT v_str(const WCHAR *s);       /* a new BSTR */
VARIANT v_disp(IDispatch *d);        /* AddRefs */
VARIANT v_null(void);
VARIANT v_missing(void);             /* an omitted optional argument */

/* Invoke; args are given in call order and are consumed (VariantClear'd).
 * DISP_E_EXCEPTION becomes EXCEPINFO.scode, the HRESULT WMI reports. */
HRESULT disp_invoke(IDispatch *obj, const WCHAR *name, WORD kind,
                    VARIANT *result, int argc, VARIANT *argv);
HRESULT disp_invoke_id(IDispatch *obj, DISPID id, WORD kind,
                       VARIANT *result, int argc, VARIANT *argv);
HRESULT disp_id(IDispatch *obj, const WCHAR *name, DISPID *id);
HRESULT disp_get(IDispatch *obj, const WCHAR *name, VARIANT *result);
HRESULT disp_put(IDispatch *obj, const WCHAR *name, VARIANT value);
HRESULT disp_call(IDispatch *obj, const WCHAR *name, VARIANT *result, int argc, ...);
/* the same returning an object (kept in the test pool when keep_it) */
IDispatch *disp_geto(IDispatch *obj, const WCHAR *name, HRESULT *hr);
IDispatch *disp_callo(IDispatch *obj, const WCHAR *name, HRESULT *hr, int argc, ...);
/* convenience reads */
HRESULT disp_get_long(IDispatch *obj, const WCHAR *name, LONG *out);
HRESULT disp_get_bool(IDispatch *obj, const WCHAR *name, BOOL *out);
HRESULT disp_get_bstr(IDispatch *obj, const WCHAR *name, BSTR *out);   /* caller frees */
IDispatch *var_to_disp(VARIANT *v);  /* an AddRef'd IDispatch from VT_DISPATCH/VT_UNKNOWN */
const char *disp_last_error(void);   /* EXCEPINFO description of the last failure */

/* ---- events.c: the event receiver (our ISWbemSinkEvents implementation) ---- */
typedef struct ev_group {              /* receivers that signal one waiter */
    HANDLE signal;                     /* auto-reset, set on events from other threads */
    DWORD waiter;                      /* the thread that created the group and waits */
    volatile LONG events, completed;
} ev_group;
void ev_group_init(ev_group *g);
void ev_group_free(ev_group *g);

typedef struct event_rec {
    DISPID id;
    DWORD thread;
    LONGLONG t;                        /* qpc() at arrival */
    LONG seq;                          /* arrival order among all receivers of the process */
    int argc;
    VARIANT args[4];                   /* in declaration order (DISPPARAMS reversed) */
} event_rec;

typedef struct receiver receiver;
receiver *receiver_new(ev_group *g);   /* refcount 1; g may be NULL (private group) */
IDispatch *receiver_disp(receiver *r); /* borrowed */
void receiver_release(receiver *r);
int receiver_count(receiver *r);
int receiver_count_id(receiver *r, DISPID id);
const event_rec *receiver_event(receiver *r, int i);   /* stable while r lives */
ev_group *receiver_group(receiver *r);
void receiver_clear(receiver *r);      /* drops recorded events (and their objects) */

/* a simulator SWbemSink advised to a fresh receiver */
typedef struct simsink {
    IDispatch *sink;
    receiver *rcv;
    IConnectionPoint *cp;
    DWORD cookie;
} simsink;
HRESULT simsink_open(simsink *s, const WCHAR *progid, ev_group *g);
void simsink_close(simsink *s);
simsink *simsink_keep(ev_group *g, HRESULT *hr);   /* opened and pooled for the test */
void simsink_pool_close(void);
void simsink_factory_release(void);    /* the cached class factory of the default sink */

/* ---- wait.c: waiting without spinning ---- */
typedef BOOL (*wait_cond)(void *arg);
BOOL wait_until(HANDLE signal, wait_cond cond, void *arg, DWORD timeout_ms);
BOOL wait_events(receiver *r, int n, DWORD timeout_ms);
BOOL wait_group_completed(ev_group *g, LONG n, DWORD timeout_ms);
void pump_for(DWORD ms);               /* STA: dispatch messages for ms; MTA: sleep */
void block_without_pumping(DWORD ms);  /* an STA that does NOT pump */

/* ---- sim.c: the simulator fixture ---- */
extern IDispatch *g_ctl;               /* WbemSim.Control of the main thread */
IDispatch *sim_create(const WCHAR *progid, HRESULT *hr);
IDispatch *sim_connect(const WCHAR *ns, HRESULT *hr);       /* kept */
HRESULT ctl_set_long(IDispatch *ctl, const WCHAR *name, LONG v);
HRESULT ctl_set_str(IDispatch *ctl, const WCHAR *name, const WCHAR *v);
HRESULT ctl_fail_next(IDispatch *ctl, HRESULT hr, LONG count);
LONG ctl_live(IDispatch *ctl);
LONG ctl_live_settled(IDispatch *ctl, LONG target, DWORD ms);   /* pumps until target or ms */
IDispatch *nvs_new(HRESULT *hr, int pairs, ...);  /* (const WCHAR*, VARIANT)... kept */

/* schema helpers: spec is "Name:string:key,Size:uint32,Tags:string:array" */
IDispatch *new_class(IDispatch *svc, const WCHAR *name, const WCHAR *super,
                     const char *spec, HRESULT *hr);        /* not put; kept */
HRESULT make_class(IDispatch *svc, const WCHAR *name, const WCHAR *super, const char *spec);
IDispatch *spawn(IDispatch *svc, const WCHAR *cls, HRESULT *hr);   /* kept */
HRESULT make_instance(IDispatch *svc, const WCHAR *cls, const WCHAR *key, const WCHAR *val);
HRESULT put_flags(IDispatch *obj, LONG flags, IDispatch **path);   /* Put_(flags) */
HRESULT instance_count(IDispatch *svc, const WCHAR *cls, LONG *n);
int cim_type(const char *name);
/* a collection's _NewEnum (DISPID_NEWENUM) as an IEnumVARIANT (a reference), or NULL */
IEnumVARIANT *new_enum(IDispatch *coll, HRESULT *hr);
/* For Each: _NewEnum -> IEnumVARIANT; objects kept; returns how many */
int enum_objects(IDispatch *coll, IDispatch **out, int max, HRESULT *hr);
HRESULT prop_item(IDispatch *obj, const WCHAR *name, IDispatch **prop);   /* Properties_.Item */

/* ---- asynchelp.c: the sink side of a check ---- */
VARIANT v_opt(IDispatch *d);           /* v_disp(d), or an omitted argument when d is NULL */
HRESULT put_async(IDispatch *obj, simsink *s, LONG flags, IDispatch *ctx, IDispatch *actx);
BOOL wait_done(simsink *s, DWORD timeout_ms);         /* until OnCompleted arrives */
BOOL wait_completions(receiver *r, int n, DWORD timeout_ms);   /* until n OnCompleted */
const event_rec *find_event(receiver *r, DISPID id, int nth);
HRESULT completed_hr(receiver *r);     /* OnCompleted's iHResult; E_PENDING when none */
int check_completed(simsink *s, HRESULT want, const char *fmt, ...);
const char *event_trace(receiver *r);  /* "Progress,ObjectPut,Completed(0x0)" */
BOOL is_nothing(const VARIANT *v);     /* Nothing: a null object reference */
BOOL same_object(IUnknown *a, const VARIANT *v);   /* COM identity */
HRESULT put_rule(int async, IDispatch *obj, LONG flags, BOOL at_once_ok);
#define WAIT_MS 3000

/* ---- team.c: a team of MTA threads; each sets up, waits for the start, makes its calls.
 *      The checks that run on other threads record what they found in their member;
 *      the TAP lines are all written on the main thread. ---- */
#define MAX_TEAM 64               /* WaitForMultipleObjects' limit */
typedef struct team team;
typedef struct member {
    team *t;
    int i;
    IDispatch *svc, *obj;          /* made in setup, in the thread's pool */
    IStream *in;                   /* an interface marshaled to this thread, or NULL */
    HRESULT hr;                    /* the call under test */
    double elapsed, end;           /* its duration, and when the member was done (now_ms) */
    int bad;                       /* checks on the thread that failed */
    char note[200];                /* the first of them */
    LONG status;                   /* the thread's SWbemLastError.StatusCode, when read */
    WCHAR op[32];                  /* and its Operation */
    int nids;                      /* semisync: the Ids this member enumerated */
    WCHAR (*ids)[8];
    const WCHAR *server;           /* hosts: the server this member connects to */
} member;

typedef void (*member_fn)(member *m);

struct team {
    int n;
    member_fn setup, call;
    HANDLE go, all_ready, all_done;
    volatile LONG ready, done;
    double start;                  /* when go was given */
    HANDLE threads[MAX_TEAM];
    member m[MAX_TEAM];
};

void   expect(member *m, int cond, const char *fmt, ...);   /* a check on the member's thread */
team  *team_new(int n, member_fn setup, member_fn call);   /* NULL when they could not all start */
void   team_go(team *t);
BOOL   team_wait(team *t, DWORD timeout_ms);
BOOL   team_end(team *t);          /* joins and frees; Reset releases threads still out */
double team_wall(team *t);         /* from the start to the last member done */
int    team_good(team *t, const char *what);   /* every member's own checks held */

/* ---- suites ---- */
extern const test_case suite_namespace[];
extern const test_case suite_schema[];
extern const test_case suite_types[];
extern const test_case suite_path[];
extern const test_case suite_put[];
extern const test_case suite_classput[];
extern const test_case suite_query[];
extern const test_case suite_async[];
extern const test_case suite_asyncops[];
extern const test_case suite_control[];
extern const test_case suite_scale[];
extern const test_case suite_sync[];
extern const test_case suite_hosts[];
extern const test_case suite_events[];
extern const test_case suite_methods[];
extern const test_case suite_family[];

/* ---- bench.c ---- */
int bench_main(void);
/* The notify figure (bench.c), also run in the Lua bridge's process (bench/simbench.c). */
#define NOTIFY_EVENTS 10000     /* fired at once in each round */
typedef struct notify_bench notify_bench;
notify_bench *notify_open(IDispatch *svc, HRESULT *hr);
double notify_round(notify_bench *nb, double *fire_ms);
void notify_close(notify_bench *nb);
/* Each event object received is passed to take (borrowed: take AddRefs what it keeps). */
void notify_take(notify_bench *nb, void (*take)(void *ctx, IDispatch *obj), void *ctx);
/* The in-flight figure (bench.c), also run in the Lua bridge's process: nonzero if a
** call failed or they did not all complete. */
typedef struct inflight_figures {
    double wall_ms, issued_ms, open_ms, call_ms, d_pu, d_vq;
    LONG completed;
} inflight_figures;
int inflight_round(IDispatch *obj, int n, LONG latency_ms, inflight_figures *f);
/* bench/simbench.c's floor: issued(ctx, i) after each call is made, done(ctx, i) for each
** once all have completed (NULL, NULL: none) */
void bench_floor(void (*issued)(void *ctx, int i), void (*done)(void *ctx, int i), void *ctx);
/* The events figure (bench.c), also run in the Lua bridge's process: events per second
** (negative on failure); count and setup_ms (optional) get the events and the ms spent
** opening sinks and calling. */
double events_round(IDispatch *obj, LONG *count, double *setup_ms);
/* The latency figure (bench.c), also run in the Lua bridge's process: LAT_OPS put round
** trips one at a time, in us, sorted into lat; nonzero on failure. */
#define LAT_OPS 1000
int latency_round(IDispatch *obj, double *lat);
/* The cancel figure (bench.c), also run in the Lua bridge's process, with the hooks of
** bench_floor: done runs for each call once all have completed, and is timed. */
#define CANCEL_OPS 2000
typedef struct cancel_figures {
    double us_per_op, cancel_ms, completed_ms, closed_ms;
    LONG early;
    int opened, cancelled;
} cancel_figures;
int cancel_round(IDispatch *obj, cancel_figures *f);

#endif
