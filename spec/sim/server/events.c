/*
** events.c: event notification. A subscription (sim_sub) is made by
** SWbemServices.ExecNotificationQuery (semisynchronous: an SWbemEventSource whose
** NextEvent takes the queued events) or ExecNotificationQueryAsync (each event an
** OnObjectReady on the sink, through the delivery of the other asynchronous calls; the
** subscription is an operation of the worker that never completes by itself, so Cancel,
** the sink's release and Reset end it as they end any call).
**
** The event queries:
**   SELECT * FROM EventClass [WITHIN seconds] [WHERE cond]
**   cond: term { AND|OR term }, AND binding tighter; term: operand = | <> | != literal,
**         or operand ISA 'Class'; operand: Prop, __CLASS, TargetInstance.Prop,
**         TargetInstance.__CLASS, PreviousInstance.Prop (TargetClass, PreviousClass too)
** Intrinsic events come from the repository (repo.c calls events_intrinsic under its lock
** for every change of an instance or class); a class marked dynamic has a provider and no
** event provider, so its instances' events come from polling: the query needs WITHIN
** (WBEMESS_E_REGISTRATION_TOO_PRECISE without), and every WITHIN seconds the poller
** compares the instances with those of the last poll. Extrinsic events come from
** Control.FireEvent.
**
** Costs: subscriptions are kept in a hash by (namespace, kind, class): an event looks up
** the buckets of its class and of its class's ancestors (and, for instances, of the
** subscriptions without ISA), never every subscription. Each subscription's queue holds
** only its own events. Lock order: the repository's, then the subscriptions' (ev_cs),
** then one subscription's (sub->cs), then a sink's and a mailbox's. Nothing here calls a
** client while holding any of them.
*/
#include <stdlib.h>
#include <stdio.h>
#include "wbemsim.h"

enum { FAM_INSTANCE, FAM_CLASS, FAM_EXTRINSIC };

typedef struct term {
  int side;                 /* 0 the event itself, 1 TargetInstance/TargetClass, 2 Previous... */
  WCHAR *prop;              /* NULL: the object itself (ISA) */
  BOOL isa, negate, or_next;
  WCHAR *literal;
} term;

typedef struct queued {
  struct queued *next;
  sim_data *d;
} queued;

typedef struct snap_item { WCHAR *key; BSTR text; sim_data *d; } snap_item;

struct sim_sub {
  LONG ref;
  struct sim_sub *bnext, *bprev;        /* in its bucket, while registered */
  struct sim_sub *anext, *aprev;        /* among all registered subscriptions */
  struct sim_sub *pnext, *pprev;        /* among the polled ones */
  BOOL registered, polled;
  ULONG hash;
  WCHAR *key;               /* "ns|kind|class", lower case */
  WCHAR *ns;
  int family, ops;          /* FAM_*, SIM_EV_* mask */
  WCHAR *isa;               /* the class of TargetInstance ISA, NULL for none */
  term *terms;
  int nterms;
  LONG within_ms;           /* 0: no WITHIN */
  CRITICAL_SECTION cs;      /* closed, the queue, posting to the sink */
  CONDITION_VARIABLE cv;    /* an event queued, or closed */
  BOOL closed;
  queued *qhead, *qtail;    /* semisynchronous: events waiting for NextEvent */
  sim_sink *sink;           /* asynchronous: the sink (internal reference) */
  IDispatch *actx;
  LONG gen;                 /* the sink's Cancel generation at the call */
  BOOL direct;              /* Control.Delivery at the call */
  ULONGLONG due;            /* polled: the next poll */
  snap_item *snap;          /* polled: the instances at the last poll, by key */
  int nsnap;
};

#define NBUCKETS 1024
static CRITICAL_SECTION ev_cs;
static INIT_ONCE ev_once = INIT_ONCE_STATIC_INIT;
static sim_sub *buckets[NBUCKETS];
static sim_sub *all_subs;
static sim_sub *polled_subs;
static LONG nsubs;
static CONDITION_VARIABLE poll_cv = CONDITION_VARIABLE_INIT;
static INIT_ONCE poll_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK ev_init(INIT_ONCE *once, void *param, void **ctx)
{
  (void)once; (void)param; (void)ctx;
  InitializeCriticalSection(&ev_cs);
  return TRUE;
}

static void lock(void) { InitOnceExecuteOnce(&ev_once, ev_init, NULL, NULL); EnterCriticalSection(&ev_cs); }
static void unlock(void) { LeaveCriticalSection(&ev_cs); }

BOOL events_active(void) { return InterlockedCompareExchange(&nsubs, 0, 0) != 0; }

/* ---- keys ---- */

static WCHAR *make_key(const WCHAR *ns, int family, const WCHAR *cls)
{
  size_t n = wcslen(ns) + wcslen(cls ? cls : L"") + 8;
  WCHAR *k = malloc(n * sizeof(WCHAR));
  if (!k) return NULL;
  swprintf(k, n, L"%ls|%d|%ls", ns, family, cls ? cls : L"");
  _wcslwr(k);
  return k;
}

static ULONG key_hash(const WCHAR *k)
{
  ULONG h = 2166136261u;
  for (; *k; k++) h = (h ^ *k) * 16777619u;
  return h;
}

/* ---- subscriptions ---- */

static void free_queue(queued *q)
{
  while (q) {
    queued *next = q->next;
    data_free(q->d);
    free(q);
    q = next;
  }
}

static void free_snap(snap_item *v, int n)
{
  int i;
  for (i = 0; i < n; i++) {
    free(v[i].key);
    SysFreeString(v[i].text);
    data_free(v[i].d);
  }
  free(v);
}

static void sub_addref(sim_sub *s) { InterlockedIncrement(&s->ref); }

static void sub_release(sim_sub *s)
{
  int i;
  if (InterlockedDecrement(&s->ref)) return;
  for (i = 0; i < s->nterms; i++) {
    free(s->terms[i].prop);
    free(s->terms[i].literal);
  }
  free(s->terms);
  free(s->key);
  free(s->ns);
  free(s->isa);
  free_queue(s->qhead);
  free_snap(s->snap, s->nsnap);
  if (s->sink) sink_internal_release(s->sink);
  if (s->actx) IDispatch_Release(s->actx);
  DeleteCriticalSection(&s->cs);
  free(s);
}

/* Intrusive doubly linked lists: head, element, and the element's two link fields. */
#define LINK(head, s, next, prev) do { \
    (s)->next = (head); \
    (s)->prev = NULL; \
    if (head) { (head)->prev = (s); } \
    (head) = (s); \
  } while (0)
#define UNLINK(head, s, next, prev) do { \
    if ((s)->prev) { (s)->prev->next = (s)->next; } \
    else { (head) = (s)->next; } \
    if ((s)->next) { (s)->next->prev = (s)->prev; } \
    (s)->next = (s)->prev = NULL; \
  } while (0)

static DWORD WINAPI poll_main(void *param);

static BOOL CALLBACK start_poller(INIT_ONCE *once, void *param, void **ctx)
{
  HMODULE self;
  HANDLE t;
  (void)once; (void)param; (void)ctx;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCWSTR)(void *)start_poller, &self);
  if (!(t = CreateThread(NULL, 0, poll_main, NULL, 0, NULL))) return FALSE;
  CloseHandle(t);
  return TRUE;
}

static BOOL sub_register(sim_sub *s)
{
  if (s->polled && !InitOnceExecuteOnce(&poll_once, start_poller, NULL, NULL)) return FALSE;
  lock();
  sub_addref(s);                            /* the registry's */
  s->registered = TRUE;
  LINK(all_subs, s, anext, aprev);
  if (s->polled) {
    s->due = GetTickCount64() + (ULONGLONG)s->within_ms;
    LINK(polled_subs, s, pnext, pprev);
    WakeConditionVariable(&poll_cv);
  }
  else {
    sim_sub **b = &buckets[s->hash & (NBUCKETS - 1)];
    LINK(*b, s, bnext, bprev);
  }
  InterlockedIncrement(&nsubs);
  unlock();
  return TRUE;
}

/* Ends the subscription: no event is delivered after this returns; a NextEvent waiting
** wakes with WBEM_E_CALL_CANCELLED. */
static void sub_close(sim_sub *s)
{
  BOOL was;
  queued *q;
  lock();
  if ((was = s->registered)) {
    s->registered = FALSE;
    UNLINK(all_subs, s, anext, aprev);
    if (s->polled) UNLINK(polled_subs, s, pnext, pprev);
    else UNLINK(buckets[s->hash & (NBUCKETS - 1)], s, bnext, bprev);
    InterlockedDecrement(&nsubs);
  }
  unlock();
  EnterCriticalSection(&s->cs);
  s->closed = TRUE;
  q = s->qhead;
  s->qhead = s->qtail = NULL;
  LeaveCriticalSection(&s->cs);
  WakeAllConditionVariable(&s->cv);
  free_queue(q);
  if (was) sub_release(s);
}

void events_ended(sim_sub *s)
{
  if (!s) return;
  sub_close(s);
  sub_release(s);                           /* the operation's */
}

void events_reset(void)
{
  for (;;) {
    sim_sub *s;
    lock();
    if ((s = all_subs)) sub_addref(s);
    unlock();
    if (!s) break;
    sub_close(s);
    sub_release(s);
  }
}

/* ---- the query ---- */

static BOOL known_event_class(const WCHAR *cls, int *family, int *ops)
{
  static const struct { const WCHAR *name; int family, ops; } k[] = {
    { L"__InstanceOperationEvent", FAM_INSTANCE, SIM_EV_CREATE | SIM_EV_DELETE | SIM_EV_MODIFY },
    { L"__InstanceCreationEvent", FAM_INSTANCE, SIM_EV_CREATE },
    { L"__InstanceDeletionEvent", FAM_INSTANCE, SIM_EV_DELETE },
    { L"__InstanceModificationEvent", FAM_INSTANCE, SIM_EV_MODIFY },
    { L"__ClassOperationEvent", FAM_CLASS, SIM_EV_CREATE | SIM_EV_DELETE | SIM_EV_MODIFY },
    { L"__ClassCreationEvent", FAM_CLASS, SIM_EV_CREATE },
    { L"__ClassDeletionEvent", FAM_CLASS, SIM_EV_DELETE },
    { L"__ClassModificationEvent", FAM_CLASS, SIM_EV_MODIFY },
  };
  size_t i;
  for (i = 0; i < sizeof k / sizeof k[0]; i++)
    if (_wcsicmp(cls, k[i].name) == 0) {
      *family = k[i].family;
      *ops = k[i].ops;
      return TRUE;
    }
  return FALSE;
}

/* The class and its ancestors, as Derivation_ has them with the class first. */
static HRESULT class_chain(const WCHAR *ns, const WCHAR *cls, BSTR **out, LONG *n)
{
  SAFEARRAY *sa;
  LONG lb, ub, i;
  HRESULT hr = repo_derivation(ns, cls, &sa);
  *out = NULL;
  *n = 0;
  if (FAILED(hr)) return hr;
  SafeArrayGetLBound(sa, 1, &lb);
  SafeArrayGetUBound(sa, 1, &ub);
  if (ub >= lb && (*out = calloc((size_t)(ub - lb + 1), sizeof(BSTR))))
    for (i = lb; i <= ub; i++) SafeArrayGetElement(sa, &i, &(*out)[(*n)++]);
  SafeArrayDestroy(sa);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static void free_chain(BSTR *v, LONG n)
{
  LONG i;
  for (i = 0; i < n; i++) SysFreeString(v[i]);
  free(v);
}

static BOOL in_chain(const WCHAR *const *chain, int n, const WCHAR *cls)
{
  int i;
  for (i = 0; i < n; i++)
    if (_wcsicmp(chain[i], cls) == 0) return TRUE;
  return FALSE;
}

/* operand: Prop, __CLASS, Target.Prop, Target.__CLASS, or Target alone (for ISA) */
static const WCHAR *parse_operand(const WCHAR *s, int family, term *t)
{
  WCHAR *a = NULL;
  const WCHAR *target = family == FAM_CLASS ? L"TargetClass" : L"TargetInstance";
  const WCHAR *previous = family == FAM_CLASS ? L"PreviousClass" : L"PreviousInstance";
  if (!(s = wql_ident(s, &a))) return NULL;
  t->side = family != FAM_EXTRINSIC && !_wcsicmp(a, target) ? 1 :
            family != FAM_EXTRINSIC && !_wcsicmp(a, previous) ? 2 : 0;
  if (t->side && *s == L'.') {
    free(a);
    if (!(s = wql_ident(s + 1, &a))) return NULL;
  }
  else if (t->side) {
    free(a);
    a = NULL;                         /* the embedded object itself */
  }
  t->prop = a;
  return s;
}

static HRESULT parse_query(const WCHAR *q, WCHAR **cls, double *within, term **terms, int *nterms, int *family)
{
  const WCHAR *s;
  WCHAR *w = NULL;
  BOOL quoted;
  int cap = 0, ops;
  *cls = NULL;
  *terms = NULL;
  *nterms = 0;
  *within = 0;
  if (!(s = wql_keyword(q, L"SELECT")) || !(s = wql_keyword(s, L"*")) || !(s = wql_keyword(s, L"FROM")) ||
      !(s = wql_ident(s, cls)))
    goto bad;
  *family = known_event_class(*cls, family, &ops) ? *family : FAM_EXTRINSIC;
  if (wql_keyword(s, L"WITHIN")) {
    WCHAR *end;
    s = wql_skip(wql_keyword(s, L"WITHIN"));
    *within = wcstod(s, &end);
    if (end == s || !(*within > 0)) goto bad;     /* a polling interval is a positive number */
    s = end;
  }
  s = wql_skip(s);
  if (!*s) return S_OK;
  if (!(s = wql_keyword(s, L"WHERE"))) goto bad;
  for (;;) {
    term *t;
    if (*nterms == cap) {
      term *nv = sim_grow(*terms, &cap, *nterms + 1, sizeof *nv);
      if (!nv) goto bad;
      *terms = nv;
    }
    t = &(*terms)[(*nterms)++];
    memset(t, 0, sizeof *t);
    if (!(s = parse_operand(s, *family, t))) goto bad;
    s = wql_skip(s);
    if (wql_keyword(s, L"ISA")) {
      t->isa = TRUE;
      s = wql_keyword(s, L"ISA");
      if (!(s = wql_literal(s, &t->literal, &quoted)) || !quoted || t->prop) goto bad;
    }
    else {
      if (*s == L'=') s++;
      else if ((s[0] == L'<' && s[1] == L'>') || (s[0] == L'!' && s[1] == L'=')) {
        t->negate = TRUE;
        s += 2;
      }
      else goto bad;
      if (!t->prop || !(s = wql_literal(s, &t->literal, &quoted))) goto bad;
    }
    s = wql_skip(s);
    if (!*s) return S_OK;
    if (wql_keyword(s, L"OR")) {
      t->or_next = TRUE;
      s = wql_keyword(s, L"OR");
    }
    else if (!(s = wql_keyword(s, L"AND"))) goto bad;
  }
bad:
  free(w);
  return (HRESULT)WBEM_E_INVALID_QUERY;
}

/* What one event offers to the conditions. */
typedef struct ev_view {
  const WCHAR *evclass;
  const sim_data *self, *target, *previous;
  const WCHAR *const *chain;    /* the target's class and ancestors (extrinsic: the event's) */
  int nchain;
} ev_view;

static BOOL term_true(const term *t, const ev_view *v)
{
  const sim_data *d = t->side == 0 ? v->self : t->side == 1 ? v->target : v->previous;
  BOOL eq;
  if (t->isa) return d && (t->side == 1 ? in_chain(v->chain, v->nchain, t->literal) : _wcsicmp(d->cls, t->literal) == 0);
  if (!_wcsicmp(t->prop, L"__CLASS")) {
    const WCHAR *c = t->side == 0 ? v->evclass : d ? d->cls : NULL;
    if (!c) return FALSE;
    eq = _wcsicmp(c, t->literal) == 0;
  }
  else {
    const sim_prop *p = d ? data_prop(d, t->prop) : NULL;
    /* a null or missing value compares false either way, as WQL's comparisons with NULL */
    if (!p || V_VT(&p->value) == VT_NULL || V_VT(&p->value) == VT_DISPATCH) return FALSE;
    eq = wql_prop_equal(p, t->literal);
  }
  return t->negate ? !eq : eq;
}

/* OR of ANDs */
static BOOL sub_matches(const sim_sub *s, const ev_view *v)
{
  int i;
  BOOL group = TRUE;
  for (i = 0; i < s->nterms; i++) {
    group = group && term_true(&s->terms[i], v);
    if (s->terms[i].or_next) {
      if (group) return TRUE;
      group = TRUE;
    }
  }
  return group;
}

/* The class of a single ISA on the target that every alternative needs: a query without
** OR whose terms include "TargetInstance ISA 'C'". */
static const WCHAR *query_isa(const term *t, int n)
{
  const WCHAR *isa = NULL;
  int i;
  for (i = 0; i < n; i++) {
    if (t[i].or_next) return NULL;
    if (t[i].isa && t[i].side == 1) isa = t[i].literal;
  }
  return isa;
}

/* Parses and checks a query, as the call that subscribes must ("If any error code is
** returned, the supplied IWbemObjectSink pointer is not used"): a new subscription, not
** yet registered. */
static HRESULT sub_new(const WCHAR *ns, const WCHAR *query, sim_sub **out)
{
  sim_sub *s = calloc(1, sizeof *s);
  WCHAR *cls = NULL;
  double within;
  BSTR *chain = NULL;
  LONG nchain = 0;
  sim_data *c = NULL;
  HRESULT hr;
  *out = NULL;
  if (!s) return E_OUTOFMEMORY;
  s->ref = 1;
  InitializeCriticalSection(&s->cs);
  InitializeConditionVariable(&s->cv);
  hr = parse_query(query ? query : L"", &cls, &within, &s->terms, &s->nterms, &s->family);
  if (SUCCEEDED(hr)) hr = repo_get_class(ns, cls, &c);         /* an unknown class: WBEM_E_INVALID_CLASS */
  if (SUCCEEDED(hr)) {
    data_free(c);
    known_event_class(cls, &s->family, &s->ops);
    if (s->family == FAM_EXTRINSIC) {
      /* "__Event" and "__ExtrinsicEvent" and the classes derived from the latter */
      hr = class_chain(ns, cls, &chain, &nchain);
      if (SUCCEEDED(hr) && !in_chain((const WCHAR *const *)chain, nchain, L"__ExtrinsicEvent") &&
          _wcsicmp(cls, L"__Event"))
        hr = (HRESULT)WBEM_E_NOT_EVENT_CLASS;
      free_chain(chain, nchain);
    }
  }
  s->within_ms = (LONG)(within * 1000 + 0.5);
  if (within > 0 && s->within_ms < 1) s->within_ms = 1;
  if (SUCCEEDED(hr) && s->family != FAM_EXTRINSIC) {
    const WCHAR *isa = query_isa(s->terms, s->nterms);
    if (isa && !(s->isa = sim_strdup(isa))) hr = E_OUTOFMEMORY;
    else if (isa && SUCCEEDED(hr = repo_get_class(ns, isa, &c))) {
      BOOL dynamic = qual_true(&c->quals, L"dynamic");
      data_free(c);
      if (SUCCEEDED(hr = class_chain(ns, isa, &chain, &nchain))) {
        LONG i;
        for (i = 0; i < nchain && !dynamic; i++)
          if (c = NULL, SUCCEEDED(repo_get_class(ns, chain[i], &c))) {
            dynamic = qual_true(&c->quals, L"dynamic");
            data_free(c);
          }
        free_chain(chain, nchain);
      }
      /* a class with a provider but no event provider: WMI must poll, and only WITHIN
      ** tells it how often ("WITHIN Clause"); instance events only */
      if (SUCCEEDED(hr) && dynamic && s->family == FAM_INSTANCE) {
        if (!s->within_ms) hr = (HRESULT)WBEMESS_E_REGISTRATION_TOO_PRECISE;
        else s->polled = TRUE;
      }
    }
  }
  if (SUCCEEDED(hr) && !(s->ns = sim_strdup(ns))) hr = E_OUTOFMEMORY;
  if (SUCCEEDED(hr) && !(s->key = make_key(ns, s->family, s->family == FAM_EXTRINSIC ? cls : s->isa))) hr = E_OUTOFMEMORY;
  free(cls);
  if (FAILED(hr)) {
    sub_release(s);
    return hr;
  }
  s->hash = key_hash(s->key);
  *out = s;
  return S_OK;
}

/* ---- delivery ---- */

typedef struct job { sim_sub *sub; sim_event *ev; } job;

static BOOL sub_open(const sim_sub *s)
{
  return !s->closed && (!s->sink || sink_generation(s->sink) == s->gen);
}

/* On the worker ("direct", or a sink of the MTA). */
static void run_job(void *param)
{
  job *j = param;
  if (sub_open(j->sub)) sink_fire(j->sub->sink, j->ev->id, j->ev->args, j->ev->nargs);
  event_free(j->ev);
  sub_release(j->sub);
  free(j);
}

/* One event to one subscription; takes d. */
static void deliver(sim_sub *s, sim_data *d)
{
  IDispatch *obj;
  sim_event *ev;
  BOOL done = FALSE;
  if (!d) return;
  if (!s->sink) {
    queued *q = malloc(sizeof *q);
    if (!q) {
      data_free(d);
      return;
    }
    q->next = NULL;
    q->d = d;
    EnterCriticalSection(&s->cs);
    if (!s->closed) {
      if (s->qtail) s->qtail->next = q;
      else s->qhead = q;
      s->qtail = q;
      done = TRUE;
    }
    LeaveCriticalSection(&s->cs);
    if (done) WakeConditionVariable(&s->cv);
    else free_queue(q);
    return;
  }
  if (FAILED(object_create(d, FALSE, &obj))) return;
  if (!(ev = calloc(1, sizeof *ev))) {
    IDispatch_Release(obj);
    return;
  }
  ev->id = WBEMS_DISPID_OBJECT_READY;
  ev->nargs = 2;
  V_VT(&ev->args[0]) = VT_DISPATCH;       /* the async context, last */
  V_DISPATCH(&ev->args[0]) = s->actx;
  if (s->actx) IDispatch_AddRef(s->actx);
  V_VT(&ev->args[1]) = VT_DISPATCH;
  V_DISPATCH(&ev->args[1]) = obj;
  if (!s->direct && sink_in_sta(s->sink)) {
    /* under the subscription's lock: an event passes the check before the worker's
    ** OnCompleted (events_ended closes under the same lock), so none comes after it */
    EnterCriticalSection(&s->cs);
    if (sub_open(s)) done = sink_post(s->sink, ev);
    LeaveCriticalSection(&s->cs);
    if (!done) event_free(ev);
    return;
  }
  {
    job *j = malloc(sizeof *j);
    if (j) {
      j->sub = s;
      j->ev = ev;
      sub_addref(s);
      if (worker_post(run_job, j)) return;
      sub_release(s);
      free(j);
    }
    event_free(ev);
  }
}

static void set_time_created(sim_data *d)
{
  sim_prop *p = data_prop(d, L"TIME_CREATED");
  FILETIME ft;
  WCHAR text[32];
  if (!p || V_VT(&p->value) != VT_NULL) return;
  GetSystemTimeAsFileTime(&ft);
  swprintf(text, 32, L"%llu", ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
  VariantClear(&p->value);
  V_VT(&p->value) = VT_BSTR;
  V_BSTR(&p->value) = SysAllocString(text);
}

static void set_embedded(sim_data *ev, const WCHAR *name, const sim_data *d)
{
  sim_prop *p = data_prop(ev, name);
  VARIANT v;
  if (!p || !d || FAILED(object_embed(data_clone(d), &v))) return;
  VariantClear(&p->value);
  p->value = v;
}

static const WCHAR *event_class_name(BOOL is_class, int kind)
{
  if (is_class) return kind == SIM_EV_CREATE ? L"__ClassCreationEvent" : kind == SIM_EV_DELETE ?
                       L"__ClassDeletionEvent" : L"__ClassModificationEvent";
  return kind == SIM_EV_CREATE ? L"__InstanceCreationEvent" : kind == SIM_EV_DELETE ?
         L"__InstanceDeletionEvent" : L"__InstanceModificationEvent";
}

/* The event object of an intrinsic event, an instance of its system class. */
static sim_data *intrinsic_event(const WCHAR *ns, BOOL is_class, int kind, const sim_data *before,
                                 const sim_data *after)
{
  sim_data *cls, *ev;
  if (FAILED(repo_get_class(ns, event_class_name(is_class, kind), &cls))) return NULL;
  ev = data_spawn_instance(cls);
  data_free(cls);
  if (!ev) return NULL;
  set_time_created(ev);
  set_embedded(ev, is_class ? L"TargetClass" : L"TargetInstance", after ? after : before);
  if (kind == SIM_EV_MODIFY) set_embedded(ev, is_class ? L"PreviousClass" : L"PreviousInstance", before);
  return ev;
}

/* The registered subscriptions of one key whose check passes, each with a reference. */
typedef struct sub_vec { sim_sub **v; int n, cap; } sub_vec;

static void collect(sub_vec *out, const WCHAR *ns, int family, const WCHAR *cls, int kind)
{
  WCHAR *key = make_key(ns, family, cls);
  sim_sub *s;
  if (!key) return;
  for (s = buckets[key_hash(key) & (NBUCKETS - 1)]; s; s = s->bnext) {
    sim_sub **nv;
    if ((kind && !(s->ops & kind)) || wcscmp(s->key, key)) continue;
    if (!(nv = sim_grow(out->v, &out->cap, out->n + 1, sizeof *nv))) break;
    out->v = nv;
    sub_addref(s);
    out->v[out->n++] = s;
  }
  free(key);
}

static void dispatch_view(sub_vec *subs, const ev_view *v, const sim_data *ev, LONG copies)
{
  int i;
  LONG k;
  for (i = 0; i < subs->n; i++) {
    if (sub_matches(subs->v[i], v))
      for (k = 0; k < copies; k++) deliver(subs->v[i], data_clone(ev));
    sub_release(subs->v[i]);
  }
  free(subs->v);
}

void events_intrinsic(const WCHAR *ns, BOOL is_class, int kind, const WCHAR *const *chain, int nchain,
                      const sim_data *before, const sim_data *after)
{
  sub_vec subs = { NULL, 0, 0 };
  ev_view v;
  sim_data *ev;
  int family = is_class ? FAM_CLASS : FAM_INSTANCE, i;
  lock();
  for (i = 0; i < nchain; i++) collect(&subs, ns, family, chain[i], kind);
  collect(&subs, ns, family, NULL, kind);              /* the subscriptions without ISA */
  unlock();
  if (!subs.n) return;
  ev = intrinsic_event(ns, is_class, kind, before, after);
  memset(&v, 0, sizeof v);
  v.evclass = event_class_name(is_class, kind);
  v.self = ev;
  v.target = after ? after : before;
  v.previous = kind == SIM_EV_MODIFY ? before : NULL;
  v.chain = chain;
  v.nchain = nchain;
  if (ev) dispatch_view(&subs, &v, ev, 1);
  else dispatch_view(&subs, &v, NULL, 0);
  data_free(ev);
}

HRESULT events_fire(IDispatch *instance, LONG count)
{
  sim_data *d = object_snapshot(instance);
  sub_vec subs = { NULL, 0, 0 };
  BSTR *chain = NULL;
  LONG nchain = 0, i;
  ev_view v;
  HRESULT hr;
  if (!d || d->is_class || count < 1 || !d->cls) {
    data_free(d);
    return E_INVALIDARG;
  }
  /* an instance of a class derived from __ExtrinsicEvent, which the repository has */
  hr = class_chain(d->ns, d->cls, &chain, &nchain);
  if (SUCCEEDED(hr)) {
    sim_data *c = NULL;
    if (FAILED(repo_get_class(d->ns, d->cls, &c)) || !in_chain((const WCHAR *const *)chain, nchain, L"__ExtrinsicEvent"))
      hr = (HRESULT)WBEM_E_INVALID_CLASS;
    data_free(c);
  }
  if (FAILED(hr)) {
    free_chain(chain, nchain);
    data_free(d);
    return hr;
  }
  set_time_created(d);
  lock();
  for (i = 0; i < nchain; i++) collect(&subs, d->ns, FAM_EXTRINSIC, chain[i], 0);
  unlock();
  memset(&v, 0, sizeof v);
  v.evclass = d->cls;
  v.self = d;
  v.chain = (const WCHAR *const *)chain;
  v.nchain = (int)nchain;
  dispatch_view(&subs, &v, d, count);
  free_chain(chain, nchain);
  data_free(d);
  return S_OK;
}

/* ---- polling (WITHIN on a class without an event provider) ---- */

static int cmp_snap(const void *a, const void *b)
{
  return _wcsicmp(((const snap_item *)a)->key, ((const snap_item *)b)->key);
}

/* The instances of the subscription's class now, sorted by path; NULL with *n 0 for none. */
static snap_item *take_snapshot(const sim_sub *s, int *n)
{
  sim_data **items;
  snap_item *v;
  int count, i, kept = 0;
  *n = 0;
  if (FAILED(repo_instances(s->ns, s->isa, FALSE, &items, &count))) return NULL;
  v = calloc((size_t)(count ? count : 1), sizeof *v);
  for (i = 0; i < count; i++) {
    sim_path p;
    if (v && SUCCEEDED(data_to_path(items[i], &p))) {
      v[kept].key = path_relpath(&p);
      path_free(&p);
      v[kept].text = mof_text(items[i]);
      v[kept].d = items[i];
      items[i] = NULL;
      if (v[kept].key) kept++;
      else {
        SysFreeString(v[kept].text);
        data_free(v[kept].d);
      }
    }
  }
  data_list_free(items, count);
  if (v) qsort(v, (size_t)kept, sizeof *v, cmp_snap);
  *n = kept;
  return v;
}

static void poll_event(sim_sub *s, int kind, const sim_data *before, const sim_data *after)
{
  BSTR *chain;
  LONG nchain;
  ev_view v;
  sim_data *ev;
  if (!(s->ops & kind) || FAILED(class_chain(s->ns, (after ? after : before)->cls, &chain, &nchain))) return;
  ev = intrinsic_event(s->ns, FALSE, kind, before, after);
  memset(&v, 0, sizeof v);
  v.evclass = event_class_name(FALSE, kind);
  v.self = ev;
  v.target = after ? after : before;
  v.previous = kind == SIM_EV_MODIFY ? before : NULL;
  v.chain = (const WCHAR *const *)chain;
  v.nchain = (int)nchain;
  if (ev && sub_matches(s, &v)) deliver(s, ev);
  else data_free(ev);
  free_chain(chain, nchain);
}

/* One poll: what changed since the last one, as one event per instance ("changes between
** polls coalesce": created and deleted meanwhile, nothing; modified many times, once). */
static void poll_sub(sim_sub *s)
{
  int n, i = 0, j = 0;
  snap_item *now = take_snapshot(s, &n), *old = s->snap;
  while (i < s->nsnap || j < n) {
    int c = i >= s->nsnap ? 1 : j >= n ? -1 : cmp_snap(&old[i], &now[j]);
    if (c < 0) poll_event(s, SIM_EV_DELETE, old[i++].d, NULL);
    else if (c > 0) poll_event(s, SIM_EV_CREATE, NULL, now[j++].d);
    else {
      if (!old[i].text || !now[j].text || wcscmp(old[i].text, now[j].text))
        poll_event(s, SIM_EV_MODIFY, old[i].d, now[j].d);
      i++;
      j++;
    }
  }
  free_snap(old, s->nsnap);
  s->snap = now;
  s->nsnap = n;
}

static DWORD WINAPI poll_main(void *param)
{
  (void)param;
  lock();
  for (;;) {
    ULONGLONG now = GetTickCount64(), next = ~(ULONGLONG)0;
    sim_sub *s, *due = NULL;
    for (s = polled_subs; s; s = s->pnext) {
      if (s->due <= now && !due) due = s;
      else if (s->due < next) next = s->due;
    }
    if (due) {
      due->due = now + (ULONGLONG)due->within_ms;
      sub_addref(due);
      unlock();
      poll_sub(due);               /* the repository's lock, not ours */
      sub_release(due);
      lock();
      continue;
    }
    SleepConditionVariableCS(&poll_cv, &ev_cs, next == ~(ULONGLONG)0 ? INFINITE : (DWORD)(next - now));
  }
  return 0;
}

/* ---- SWbemEventSource ---- */

typedef struct sim_evsrc {
  ISWbemEventSource ISWbemEventSource_iface;
  LONG ref;
  IUnknown *ftm;
  sim_sub *sub;
} sim_evsrc;

static inline sim_evsrc *impl_from_ISWbemEventSource(ISWbemEventSource *iface)
{
  return CONTAINING_RECORD(iface, sim_evsrc, ISWbemEventSource_iface);
}

static HRESULT WINAPI evsrc_QueryInterface(ISWbemEventSource *iface, REFIID riid, void **out)
{
  sim_evsrc *e = impl_from_ISWbemEventSource(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemEventSource)) {
    *out = iface;
    ISWbemEventSource_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &e->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI evsrc_AddRef(ISWbemEventSource *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemEventSource(iface)->ref);
}

/* "Releasing the returned enumerator cancels the query" (IWbemServices::ExecNotificationQuery) */
static ULONG WINAPI evsrc_Release(ISWbemEventSource *iface)
{
  sim_evsrc *e = impl_from_ISWbemEventSource(iface);
  LONG ref = InterlockedDecrement(&e->ref);
  if (ref == 0) {
    sub_close(e->sub);
    sub_release(e->sub);
    if (e->ftm) IUnknown_Release(e->ftm);
    free(e);
    sim_live_sub();               /* the object */
    sim_live_sub();               /* its subscription, a pending operation */
  }
  return ref;
}

SIM_DISPATCH(evsrc, ISWbemEventSource, &IID_ISWbemEventSource, L"SWbemEventSource", impl_from_ISWbemEventSource)

/* "Number of milliseconds the call waits for an event before returning a time-out error.
** The default value for this parameter is wbemTimeoutInfinite (-1)". Any thread may wait
** here, asleep on the subscription's condition variable (its lock given up). */
static HRESULT WINAPI evsrc_NextEvent(ISWbemEventSource *iface, LONG timeout, ISWbemObject **out)
{
  sim_sub *s = impl_from_ISWbemEventSource(iface)->sub;
  ULONGLONG start = GetTickCount64();
  queued *q = NULL;
  HRESULT hr;
  sim_data *d;
  *out = NULL;
  EnterCriticalSection(&s->cs);
  for (;;) {
    ULONGLONG waited = GetTickCount64() - start;
    if ((q = s->qhead)) {
      if (!(s->qhead = q->next)) s->qtail = NULL;
      break;
    }
    if (s->closed || (timeout >= 0 && waited >= (ULONGLONG)timeout)) break;
    SleepConditionVariableCS(&s->cv, &s->cs, timeout < 0 ? INFINITE : (DWORD)((ULONGLONG)timeout - waited));
  }
  hr = q ? S_OK : s->closed ? (HRESULT)WBEM_E_CALL_CANCELLED : SIM_E_TIMEDOUT;
  LeaveCriticalSection(&s->cs);
  if (FAILED(hr)) return sim_fail(hr, L"NextEvent", NULL);
  d = q->d;
  free(q);
  return object_create(d, FALSE, (IDispatch **)out);
}

static HRESULT WINAPI evsrc_get_Security_(ISWbemEventSource *iface, ISWbemSecurity **out)
{
  (void)iface;
  *out = NULL;
  return E_NOTIMPL;
}

static const ISWbemEventSourceVtbl evsrc_vtbl = {
  evsrc_QueryInterface, evsrc_AddRef, evsrc_Release,
  evsrc_GetTypeInfoCount, evsrc_GetTypeInfo, evsrc_GetIDsOfNames, evsrc_Invoke,
  evsrc_NextEvent, evsrc_get_Security_,
};

/* ---- the calls ---- */

static HRESULT start(sim_sub *s)
{
  if (s->polled) s->snap = take_snapshot(s, &s->nsnap);     /* changes from now on */
  return sub_register(s) ? S_OK : E_OUTOFMEMORY;
}

HRESULT events_exec(const WCHAR *ns, const WCHAR *query, IDispatch *ctx, ISWbemEventSource **out)
{
  sim_evsrc *e;
  sim_sub *s;
  HRESULT hr;
  *out = NULL;
  control_set_last_context(ctx);
  if (FAILED(hr = sub_new(ns, query, &s))) return hr;
  if (!(e = calloc(1, sizeof *e))) {
    sub_release(s);
    return E_OUTOFMEMORY;
  }
  if (FAILED(hr = start(s))) {
    sub_release(s);
    free(e);
    return hr;
  }
  e->ISWbemEventSource_iface.lpVtbl = &evsrc_vtbl;
  e->ref = 1;
  e->sub = s;
  sim_live_add();
  sim_live_add();
  *out = &e->ISWbemEventSource_iface;
  return S_OK;
}

HRESULT events_exec_async(const WCHAR *ns, IDispatch *sink, const WCHAR *query, IDispatch *ctx, IDispatch *actx)
{
  sim_settings set;
  sim_sink *k = sink_from_dispatch(sink);
  sim_sub *s;
  HRESULT hr;
  if (!k) return (HRESULT)WBEM_E_INVALID_PARAMETER;       /* not a simulator sink, as the other calls */
  if (FAILED(hr = sub_new(ns, query, &s))) {
    sink_internal_release(k);
    return hr;
  }
  control_settings(&set);
  s->sink = k;
  s->gen = sink_generation(k);
  s->direct = set.direct;
  if ((s->actx = actx)) IDispatch_AddRef(actx);
  if (FAILED(hr = start(s))) {
    sub_release(s);
    return hr;
  }
  sub_addref(s);                            /* the operation's, given back by events_ended */
  if (FAILED(hr = worker_submit_notify(sink, ctx, actx, ns, query, s))) {
    sub_close(s);
    sub_release(s);
  }
  sub_release(s);
  return hr;
}
