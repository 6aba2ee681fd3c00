/*
** repo.c: the repositories: the local one, shared by every local connection, and one of
** each server added with Control.AddServer (hosts.c), made empty and seeded on the first
** call that reaches it, so that a server nobody uses costs nothing here. All of them are
** behind one lock that is never held while calling out of the simulator (their calls are
** short; the waits of a connect hold no lock). A namespace says which repository it is in
** ("\\HOST\root\cimv2": HOST's; wbemsim.h). Everything that goes in or out is copied, so
** callers never see the repositories' own memory.
**
** The rules for writing are Microsoft's:
**  - IWbemServices::PutInstance / SWbemObject.Put_: wbemChangeFlagCreateOrUpdate (0)
**    "Causes the class or instance to be created if it does not exist or overwritten if it
**    exists already"; wbemChangeFlagUpdateOnly (1) "The class or instance must exist for the
**    call to be successful" (else WBEM_E_NOT_FOUND); wbemChangeFlagCreateOnly (2) "The call
**    fails if the class or instance already exists" (WBEM_E_ALREADY_EXISTS).
**  - IWbemServices::PutClass and WbemChangeFlagEnum for the class update modes; see
**    put_class below and spec/sim/README.md.
*/
#include <stdio.h>
#include <stdlib.h>
#include "wbemsim.h"

/* A stored instance: in its namespace's list (the order instances were first put, which
** is the order InstancesOf and ExecQuery return them) and in a bucket of the namespace's
** hash of identities (instance_hash), so that Put, Get and Delete by path find an
** instance without looking at the others. */
typedef struct sim_inst {
  struct sim_inst *prev, *next;
  struct sim_inst *chain;   /* the next in its bucket */
  ULONG hash;
  sim_data *d;
} sim_inst;

typedef struct sim_ns {
  const WCHAR *name;
  sim_data **classes;
  int nclasses, capc;
  sim_inst *first, *last;
  sim_inst **buckets;       /* nbuckets, a power of two, at least ninsts */
  ULONG nbuckets, ninsts;
} sim_ns;

static const WCHAR *const ns_names[] = { L"root", L"root\\cimv2", L"root\\default" };
#define NSPACES (int)(sizeof ns_names / sizeof ns_names[0])

struct sim_repo {
  sim_ns spaces[NSPACES];   /* names: ns_names, with the host's prefix for an added server */
  BOOL seeded;
  BOOL local;
};

static sim_repo local_repo = {
  { { .name = L"root" }, { .name = L"root\\cimv2" }, { .name = L"root\\default" } }, FALSE, TRUE
};
static CRITICAL_SECTION repo_cs;
static INIT_ONCE repo_once = INIT_ONCE_STATIC_INIT;

static void seed(sim_repo *r);

static BOOL CALLBACK repo_init_once(INIT_ONCE *once, void *param, void **ctx)
{
  (void)once; (void)param; (void)ctx;
  InitializeCriticalSection(&repo_cs);
  return TRUE;
}

void repo_init(void) { InitOnceExecuteOnce(&repo_once, repo_init_once, NULL, NULL); }

static void lock(void) { repo_init(); EnterCriticalSection(&repo_cs); }
static void unlock(void) { LeaveCriticalSection(&repo_cs); }

BOOL ns_split(const WCHAR *ns, const WCHAR **host, size_t *n, const WCHAR **rest)
{
  const WCHAR *end;
  if (!ns || ns[0] != L'\\' || ns[1] != L'\\' || !(end = wcschr(ns + 2, L'\\'))) {
    *host = NULL;
    *n = 0;
    *rest = ns;
    return FALSE;
  }
  *host = ns + 2;
  *n = (size_t)(end - *host);
  *rest = end + 1;
  return TRUE;
}

static int ns_index(const WCHAR *name)
{
  int i;
  for (i = 0; name && i < NSPACES; i++)
    if (_wcsicmp(ns_names[i], name) == 0) return i;
  return -1;
}

/* The namespace that conn (a connection's or an object's namespace) names, or, when
** name is given (a path's own namespace), that namespace of conn's repository. The lock
** is held; an added server's repository is seeded here, on first use. */
static HRESULT lookup_ns(const WCHAR *conn, const WCHAR *name, sim_ns **out)
{
  const WCHAR *host, *rest;
  sim_repo *r = &local_repo;
  size_t n;
  HRESULT hr;
  int i;
  *out = NULL;
  if (ns_split(conn, &host, &n, &rest) && FAILED(hr = hosts_repo(host, n, &r))) return hr;
  if ((i = ns_index(name ? name : rest)) < 0) return (HRESULT)WBEM_E_INVALID_NAMESPACE;
  if (!r->seeded) seed(r);
  *out = &r->spaces[i];
  return S_OK;
}

HRESULT repo_namespace(const WCHAR *host, const WCHAR *ns, WCHAR **out)
{
  int i = ns_index(ns);
  *out = NULL;
  if (i < 0) return (HRESULT)WBEM_E_INVALID_NAMESPACE;
  *out = host ? sim_strcat3(L"\\\\", host, L"\\") : sim_strdup(ns_names[i]);
  if (*out && host) {
    WCHAR *full = sim_strcat3(*out, ns_names[i], NULL);
    free(*out);
    *out = full;
  }
  return *out ? S_OK : E_OUTOFMEMORY;
}

sim_repo *repo_alloc(const WCHAR *host)
{
  sim_repo *r = calloc(1, sizeof *r);
  int i;
  for (i = 0; r && i < NSPACES; i++)
    if (FAILED(repo_namespace(host, ns_names[i], (WCHAR **)&r->spaces[i].name))) {
      repo_free(r);
      r = NULL;
    }
  return r;
}

static BOOL push(sim_data ***v, int *n, int *cap, sim_data *d)
{
  sim_data **nv = sim_grow(*v, cap, *n + 1, sizeof *nv);
  if (!nv) return FALSE;
  *v = nv;
  (*v)[(*n)++] = d;
  return TRUE;
}

static void remove_at(sim_data **v, int *n, int i)
{
  data_free(v[i]);
  memmove(&v[i], &v[i + 1], (size_t)(*n - i - 1) * sizeof *v);
  (*n)--;
}

static int class_index(sim_ns *ns, const WCHAR *name)
{
  int i;
  if (!name) return -1;
  for (i = 0; i < ns->nclasses; i++)
    if (_wcsicmp(ns->classes[i]->cls, name) == 0) return i;
  return -1;
}

static sim_data *find_class(sim_ns *ns, const WCHAR *name)
{
  int i = class_index(ns, name);
  return i < 0 ? NULL : ns->classes[i];
}

/* cls is base or derives from it */
static BOOL derives(sim_ns *ns, const WCHAR *cls, const WCHAR *base)
{
  int guard = 0;
  while (cls && guard++ < 64) {
    sim_data *c;
    if (_wcsicmp(cls, base) == 0) return TRUE;
    c = find_class(ns, cls);
    cls = c ? c->super : NULL;
  }
  return FALSE;
}

/* ---- instance identity ---- */

/* A key's value as text (cim_key_text), NULL for none; *owned is what to free. A string is
** its own text: every put and lookup compares keys, and most keys are strings. */
static const WCHAR *key_text(const VARIANT *v, WCHAR **owned)
{
  *owned = NULL;
  if (V_VT(v) == VT_BSTR) return V_BSTR(v) ? V_BSTR(v) : L"";
  return *owned = cim_key_text(v);
}

static BOOL key_equal(const sim_prop *p, const WCHAR *text)
{
  WCHAR *owned;
  const WCHAR *mine = key_text(&p->value, &owned);
  BOOL eq = mine && text && _wcsicmp(mine, text) == 0;
  free(owned);
  return eq;
}

/* Does the instance carry the keys of the path? */
static BOOL inst_matches_path(sim_ns *ns, const sim_data *inst, const sim_path *p)
{
  int i;
  if (!derives(ns, inst->cls, p->cls)) return FALSE;
  if (p->singleton) return data_is_singleton(inst);
  if (p->nkeys != data_key_count(inst)) return FALSE;
  for (i = 0; i < p->nkeys; i++) {
    const sim_prop *kp = NULL;
    if (p->keys[i].name) kp = data_prop(inst, p->keys[i].name);
    else {
      int j;
      for (j = 0; j < inst->n; j++)
        if (prop_is_key(&inst->props[j])) kp = &inst->props[j];
    }
    if (!kp || !prop_is_key(kp) || !key_equal(kp, p->keys[i].text)) return FALSE;
  }
  return TRUE;
}

/* Same keys in the same class hierarchy: the same object to WMI. A put of an instance of a
** sibling class with those keys replaces the other ("Changing the Inheritance of an
** Instance": "If you do, you implicitly delete the original ManualService instance."). */
static const WCHAR *key_origin(const sim_data *d)
{
  int i;
  for (i = 0; i < d->n; i++)
    if (prop_is_key(&d->props[i])) return d->props[i].origin ? d->props[i].origin : d->cls;
  return NULL;
}

static BOOL same_instance(sim_ns *ns, const sim_data *a, const sim_data *b)
{
  const WCHAR *oa, *ob;
  int i;
  if (data_is_singleton(a) || data_is_singleton(b))
    return data_is_singleton(a) && data_is_singleton(b) &&
           (derives(ns, a->cls, b->cls) || derives(ns, b->cls, a->cls));
  /* the hierarchy that matters is that of the class declaring the keys: siblings
  ** (ManualService, AutoService) share it as much as a parent and its child do */
  oa = key_origin(a);
  ob = key_origin(b);
  if (!oa || !ob || _wcsicmp(oa, ob) != 0) return FALSE;
  for (i = 0; i < a->n; i++) {
    const sim_prop *ka = &a->props[i], *kb;
    WCHAR *owned;
    BOOL eq;
    if (!prop_is_key(ka)) continue;
    kb = data_prop(b, ka->name);
    if (!kb) return FALSE;
    eq = key_equal(kb, key_text(&ka->value, &owned));
    free(owned);
    if (!eq) return FALSE;
  }
  return TRUE;
}

/* ---- the index of instances ----
** An instance's identity hash covers what same_instance and inst_matches_path compare:
** the class declaring the keys and the keys it declares (names and values, case folded as
** _wcsicmp compares them, combined in any order). Every singleton hashes alike:
** which singletons are the same object depends on the hierarchy, not on a value. A lookup
** hashes, then compares only the instances of one bucket with the same hash. */

static ULONG hash_text(ULONG h, const WCHAR *s)
{
  for (; s && *s; s++) h = (h ^ (ULONG)towlower(*s)) * 16777619u;    /* FNV-1a */
  return h;
}

static ULONG hash_key(ULONG h, const WCHAR *name, const WCHAR *text)
{
  return h + hash_text(hash_text(hash_text(2166136261u, name), L"="), text) * 2654435761u;
}

#define SINGLETON_HASH 0x5e1f5e1fu

static BOOL declared_by(const sim_data *d, const sim_prop *p, const WCHAR *origin)
{
  return _wcsicmp(p->origin ? p->origin : d->cls, origin) == 0;
}

static ULONG instance_hash(const sim_data *d)
{
  const WCHAR *origin;
  ULONG h;
  int i;
  if (data_is_singleton(d) || !(origin = key_origin(d))) return SINGLETON_HASH;
  h = hash_text(2166136261u, origin);
  for (i = 0; i < d->n; i++) {
    const sim_prop *p = &d->props[i];
    WCHAR *owned;
    if (!prop_is_key(p) || !declared_by(d, p, origin)) continue;
    h = hash_key(h, p->name, key_text(&p->value, &owned));
    free(owned);
  }
  return h;
}

/* The hash of the instance a path names (check_path_keys passed: a key without a name is
** the class's only key). */
static ULONG path_hash(const sim_data *cls, const sim_path *p)
{
  const WCHAR *origin;
  ULONG h;
  int i, j;
  if (p->singleton || !(origin = key_origin(cls))) return SINGLETON_HASH;
  h = hash_text(2166136261u, origin);
  for (i = 0; i < p->nkeys; i++) {
    const sim_prop *kp = NULL;
    if (p->keys[i].name) kp = data_prop(cls, p->keys[i].name);
    else
      for (j = 0; j < cls->n && !kp; j++)
        if (prop_is_key(&cls->props[j])) kp = &cls->props[j];
    if (kp && declared_by(cls, kp, origin)) h = hash_key(h, kp->name, p->keys[i].text);
  }
  return h;
}

static sim_inst **bucket(sim_ns *ns, ULONG hash) { return &ns->buckets[hash & (ns->nbuckets - 1)]; }

/* Room for one more at a load of at most one per bucket; doubling keeps a put O(1)
** amortized. */
static BOOL index_grow(sim_ns *ns)
{
  ULONG n = ns->nbuckets ? ns->nbuckets * 2 : 64;
  sim_inst **v, *it;
  if (ns->ninsts < ns->nbuckets) return TRUE;
  if (!(v = calloc(n, sizeof *v))) return FALSE;
  free(ns->buckets);
  ns->buckets = v;
  ns->nbuckets = n;
  for (it = ns->first; it; it = it->next) {
    sim_inst **b = bucket(ns, it->hash);
    it->chain = *b;
    *b = it;
  }
  return TRUE;
}

static void unchain(sim_ns *ns, sim_inst *it)
{
  sim_inst **at = bucket(ns, it->hash);
  while (*at != it) at = &(*at)->chain;
  *at = it->chain;
  it->chain = NULL;
}

static void chain(sim_ns *ns, sim_inst *it)
{
  sim_inst **b = bucket(ns, it->hash);
  it->chain = *b;
  *b = it;
}

/* Stores d (taken, its instance_hash h) last in the namespace's order; FALSE (d not taken)
** when out of memory. */
static BOOL index_add(sim_ns *ns, sim_data *d, ULONG h)
{
  sim_inst *it;
  if (!index_grow(ns) || !(it = calloc(1, sizeof *it))) return FALSE;
  it->d = d;
  it->hash = h;
  it->prev = ns->last;
  if (ns->last) ns->last->next = it;
  else ns->first = it;
  ns->last = it;
  chain(ns, it);
  ns->ninsts++;
  return TRUE;
}

/* d (taken, its instance_hash h) in place of the instance it holds: the namespace's order
** stays as it was. */
static void index_replace(sim_ns *ns, sim_inst *it, sim_data *d, ULONG h)
{
  data_free(it->d);
  it->d = d;
  if (h == it->hash) return;
  unchain(ns, it);
  it->hash = h;
  chain(ns, it);
}

static void index_remove(sim_ns *ns, sim_inst *it)
{
  unchain(ns, it);
  if (it->prev) it->prev->next = it->next;
  else ns->first = it->next;
  if (it->next) it->next->prev = it->prev;
  else ns->last = it->prev;
  ns->ninsts--;
  data_free(it->d);
  free(it);
}

/* The stored instance that is the same object as d (of instance_hash h), or NULL. */
static sim_inst *find_instance(sim_ns *ns, const sim_data *d, ULONG h)
{
  sim_inst *it;
  if (!ns->nbuckets) return NULL;
  for (it = *bucket(ns, h); it; it = it->chain)
    if (it->hash == h && same_instance(ns, it->d, d)) return it;
  return NULL;
}

/* Key names in a path must be the class's keys. */
/* The intrinsic events of a change (events.c), nothing when no one subscribed; the lock is
** held. Instances of a class marked dynamic have a provider without an event provider:
** their events come from WITHIN polling only, never from here. */
#define MAX_CHAIN 64
static void notify(sim_ns *ns, BOOL is_class, int kind, const sim_data *before, const sim_data *after)
{
  const WCHAR *chain[MAX_CHAIN];
  const WCHAR *name = (after ? after : before)->cls;
  BOOL dynamic = FALSE;
  int n = 0;
  if (!events_active()) return;
  while (name && n < MAX_CHAIN) {
    sim_data *c = find_class(ns, name);
    chain[n++] = name;
    if (!c) break;
    if (qual_true(&c->quals, L"dynamic")) dynamic = TRUE;
    name = c->super;
  }
  if (!is_class && dynamic) return;
  events_intrinsic(ns->name, is_class, kind, chain, n, before, after);
}

static HRESULT check_path_keys(const sim_data *cls, const sim_path *p)
{
  int i;
  if (p->singleton) return data_is_singleton(cls) ? S_OK : (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
  if (p->nkeys != data_key_count(cls)) return (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
  for (i = 0; i < p->nkeys; i++) {
    const sim_prop *kp;
    if (!p->keys[i].name) {
      if (p->nkeys != 1) return (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
      continue;
    }
    kp = data_prop(cls, p->keys[i].name);
    if (!kp || !prop_is_key(kp)) return (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
  }
  return S_OK;
}

/* What a path names, for Get and Delete alike, the lock held: the namespace (the path's own,
** or nsname), and the class (*at NULL) or the instance (*at its place in the index). A path
** without a class is invalid; an absent class is not found, but for an instance path it is
** an invalid class; key names that are not the class's make an invalid path. */
static HRESULT find_path(const WCHAR *nsname, const sim_path *p, sim_ns **ns, sim_data **found, sim_inst **at)
{
  sim_data *cls;
  sim_inst *it;
  HRESULT hr;
  ULONG h;
  if (!p->cls) return (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
  if (FAILED(hr = lookup_ns(nsname, p->ns, ns))) return hr;
  if (!(cls = find_class(*ns, p->cls)))
    return path_is_class(p) ? (HRESULT)WBEM_E_NOT_FOUND : (HRESULT)WBEM_E_INVALID_CLASS;
  if (path_is_class(p)) {
    *found = cls;
    *at = NULL;
    return S_OK;
  }
  if (FAILED(hr = check_path_keys(cls, p))) return hr;
  if (!(*ns)->nbuckets) return (HRESULT)WBEM_E_NOT_FOUND;
  h = path_hash(cls, p);
  for (it = *bucket(*ns, h); it; it = it->chain)
    if (it->hash == h && inst_matches_path(*ns, it->d, p)) {
      *found = it->d;
      *at = it;
      return S_OK;
    }
  return (HRESULT)WBEM_E_NOT_FOUND;
}

/* ---- reading ---- */

HRESULT repo_get(const WCHAR *nsname, const sim_path *p, sim_data **out)
{
  sim_ns *ns;
  sim_data *found;
  sim_inst *at;
  HRESULT hr;
  *out = NULL;
  lock();
  if (SUCCEEDED(hr = find_path(nsname, p, &ns, &found, &at))) hr = (*out = data_clone(found)) ? S_OK : E_OUTOFMEMORY;
  unlock();
  return hr;
}

HRESULT repo_get_class(const WCHAR *nsname, const WCHAR *name, sim_data **out)
{
  sim_ns *ns;
  sim_data *c;
  HRESULT hr;
  *out = NULL;
  lock();
  hr = lookup_ns(nsname, NULL, &ns);
  c = ns ? find_class(ns, name) : NULL;
  if (FAILED(hr)) ;
  else if (!c) hr = (HRESULT)WBEM_E_INVALID_CLASS;
  else hr = (*out = data_clone(c)) ? S_OK : E_OUTOFMEMORY;
  unlock();
  return hr;
}

/* A list made under the lock: kept, or (on a failure) freed. */
static HRESULT list_result(HRESULT hr, sim_data ***out, int *n)
{
  if (FAILED(hr)) {
    data_list_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return hr;
}

/* Instances of the class and of every class derived from it ("deep", the default of
** SWbemServices.InstancesOf), or of the class alone (wbemQueryFlagShallow). */
HRESULT repo_instances(const WCHAR *nsname, const WCHAR *cls, BOOL shallow, sim_data ***out, int *n)
{
  sim_ns *ns;
  sim_inst *it;
  HRESULT hr;
  int cap = 0;
  *out = NULL;
  *n = 0;
  lock();
  if (FAILED(hr = lookup_ns(nsname, NULL, &ns))) ;
  else if (!find_class(ns, cls)) hr = (HRESULT)WBEM_E_INVALID_CLASS;
  else
    for (it = ns->first; it && SUCCEEDED(hr); it = it->next)
      if (shallow ? _wcsicmp(it->d->cls, cls) == 0 : derives(ns, it->d->cls, cls)) {
        sim_data *c = data_clone(it->d);
        if (!c || !push(out, n, &cap, c)) {
          data_free(c);
          hr = E_OUTOFMEMORY;
        }
      }
  unlock();
  return list_result(hr, out, n);
}

/* SWbemServices.SubclassesOf: "Only subclasses of this class return in the enumerator. If
** you leave this parameter blank, and if iFlags is wbemQueryFlagShallow, only the top-level
** classes are returned ... If this parameter is blank and iFlags is wbemQueryFlagDeep all
** classes within the namespace are returned." The class itself is never among them. */
HRESULT repo_subclasses(const WCHAR *nsname, const WCHAR *super, BOOL shallow, sim_data ***out, int *n)
{
  sim_ns *ns;
  HRESULT hr;
  int i, cap = 0;
  *out = NULL;
  *n = 0;
  if (super && !*super) super = NULL;
  lock();
  if (FAILED(hr = lookup_ns(nsname, NULL, &ns))) ;
  else if (super && !find_class(ns, super)) hr = (HRESULT)WBEM_E_INVALID_CLASS;
  else
    for (i = 0; i < ns->nclasses && SUCCEEDED(hr); i++) {
      const sim_data *c = ns->classes[i];
      BOOL in = shallow ? (super ? c->super && _wcsicmp(c->super, super) == 0 : !c->super)
                        : !super || (_wcsicmp(c->cls, super) != 0 && derives(ns, c->cls, super));
      sim_data *copy;
      if (!in) continue;
      if (!(copy = data_clone(c)) || !push(out, n, &cap, copy)) {
        data_free(copy);
        hr = E_OUTOFMEMORY;
      }
    }
  unlock();
  return list_result(hr, out, n);
}

HRESULT repo_derivation(const WCHAR *nsname, const WCHAR *first, SAFEARRAY **out)
{
  WCHAR *copies[64];
  LONG n = 0, i;
  SAFEARRAYBOUND b;
  sim_ns *ns;
  lock();
  lookup_ns(nsname, NULL, &ns);      /* none: the object's own class only */
  while (first && n < 64) {
    sim_data *c;
    copies[n] = sim_strdup(first);
    n++;
    c = ns ? find_class(ns, first) : NULL;
    first = c ? c->super : NULL;
  }
  unlock();
  b.lLbound = 0;
  b.cElements = (ULONG)n;
  *out = SafeArrayCreate(VT_BSTR, 1, &b);
  for (i = 0; i < n; i++) {
    if (*out) {
      BSTR s = SysAllocString(copies[i]);
      SafeArrayPutElement(*out, &i, s);
      SysFreeString(s);
    }
    free(copies[i]);
  }
  return *out ? S_OK : E_OUTOFMEMORY;
}

/* ---- writing instances ---- */

/* The flags of the reference page (ISWbemObject.PutAsync_). The class update modes are
** class flags: IWbemServices::PutInstance takes only CREATE_OR_UPDATE, UPDATE_ONLY,
** CREATE_ONLY, RETURN_IMMEDIATELY and USE_AMENDED_QUALIFIERS, and MS-WMI 3.1.4.3.12 says
** "Any other DWORD value that does not match a flag condition MUST be treated as not
** valid", so an instance put with SafeMode or ForceMode is WBEM_E_INVALID_PARAMETER. */
LONG sim_check_put_flags(LONG flags, BOOL is_class)
{
  const LONG known = SIM_FLAG_UPDATE_ONLY | SIM_FLAG_CREATE_ONLY | SIM_FLAG_RETURN_IMMEDIATELY |
                     SIM_FLAG_SAFE_MODE | SIM_FLAG_FORCE_MODE | SIM_FLAG_SEND_STATUS | SIM_FLAG_AMENDED;
  if (flags & ~known) return (LONG)WBEM_E_INVALID_PARAMETER;
  /* UpdateOnly with CreateOnly, SafeMode with ForceMode: each pair contradicts itself */
  if ((flags & (SIM_FLAG_UPDATE_ONLY | SIM_FLAG_CREATE_ONLY)) == (SIM_FLAG_UPDATE_ONLY | SIM_FLAG_CREATE_ONLY))
    return (LONG)WBEM_E_INVALID_PARAMETER;
  if ((flags & (SIM_FLAG_SAFE_MODE | SIM_FLAG_FORCE_MODE)) == (SIM_FLAG_SAFE_MODE | SIM_FLAG_FORCE_MODE))
    return (LONG)WBEM_E_INVALID_PARAMETER;
  if (!is_class && (flags & (SIM_FLAG_SAFE_MODE | SIM_FLAG_FORCE_MODE))) return (LONG)WBEM_E_INVALID_PARAMETER;
  return S_OK;
}

/* The instance as the class defines it now: the class's properties with the values the
** object carries. */
static HRESULT conform(const sim_data *cls, const sim_data *d, sim_data **out)
{
  sim_data *n = data_spawn_instance(cls);
  int i;
  *out = NULL;
  if (!n) return E_OUTOFMEMORY;
  for (i = 0; i < n->n; i++) {
    sim_prop *p = &n->props[i];
    const sim_prop *src = data_prop(d, p->name);
    if (src) {
      VARIANT v;
      HRESULT hr = cim_coerce(p->type, &src->value, &v);
      if (FAILED(hr)) {
        data_free(n);
        return hr;
      }
      VariantClear(&p->value);
      p->value = v;
    }
  }
  *out = n;
  return S_OK;
}

static HRESULT put_instance(sim_ns *ns, const sim_data *d, LONG flags, sim_path *written)
{
  sim_data *cls, *inst;
  sim_inst *at;
  HRESULT hr;
  ULONG h;
  int i;
  if (!d->cls) return (HRESULT)WBEM_E_INVALID_OBJECT;
  cls = find_class(ns, d->cls);
  if (!cls) return (HRESULT)WBEM_E_INVALID_CLASS;
  if (!data_is_singleton(cls) && data_key_count(cls) == 0) return (HRESULT)WBEM_E_NO_KEY;
  hr = conform(cls, d, &inst);
  if (FAILED(hr)) return hr;
  for (i = 0; i < inst->n; i++)
    if (prop_is_key(&inst->props[i]) && V_VT(&inst->props[i].value) == VT_NULL) {
      data_free(inst);
      return (HRESULT)WBEM_E_ILLEGAL_NULL;
    }
  h = instance_hash(inst);
  at = find_instance(ns, inst, h);
  if (at && (flags & SIM_FLAG_CREATE_ONLY)) hr = (HRESULT)WBEM_E_ALREADY_EXISTS;
  else if (!at && (flags & SIM_FLAG_UPDATE_ONLY)) hr = (HRESULT)WBEM_E_NOT_FOUND;
  else if (written && FAILED(hr = data_to_path(inst, written))) ;
  else if (at) {
    if (_wcsicmp(at->d->cls, inst->cls) == 0) notify(ns, FALSE, SIM_EV_MODIFY, at->d, inst);
    else {
      /* "Changing the Inheritance of an Instance": the original is implicitly deleted */
      notify(ns, FALSE, SIM_EV_DELETE, at->d, NULL);
      notify(ns, FALSE, SIM_EV_CREATE, NULL, inst);
    }
    index_replace(ns, at, inst, h);
    return S_OK;
  }
  else if (!index_add(ns, inst, h)) hr = E_OUTOFMEMORY;
  else {
    notify(ns, FALSE, SIM_EV_CREATE, NULL, inst);
    return S_OK;
  }
  if (written) path_free(written);
  data_free(inst);
  return hr;
}

/* ---- writing classes ---- */

/* Description is the documented example of a non-important qualifier; amended
** (localized) qualifiers are not important either. */
static BOOL important_qual(const sim_qual *q)
{
  return _wcsicmp(q->name, L"Description") != 0 && !(q->flavor & WBEM_FLAVOR_AMENDED);
}

static BOOL quals_same(const sim_quals *a, const sim_quals *b)
{
  int i;
  for (i = 0; i < a->n; i++) {
    const sim_qual *o;
    if (!important_qual(&a->v[i])) continue;
    o = quals_find(b, a->v[i].name);
    if (!o || VarCmp((VARIANT *)&a->v[i].value, (VARIANT *)&o->value, LOCALE_INVARIANT, 0) != VARCMP_EQ) return FALSE;
  }
  for (i = 0; i < b->n; i++)
    if (important_qual(&b->v[i]) && !quals_find(a, b->v[i].name)) return FALSE;
  return TRUE;
}

static BOOL values_same(const VARIANT *a, const VARIANT *b)
{
  if (V_VT(a) != V_VT(b)) return FALSE;
  if (V_VT(a) == VT_NULL) return TRUE;
  if (V_VT(a) & VT_ARRAY) return FALSE;     /* array defaults: any rewrite counts as a change */
  return VarCmp((VARIANT *)a, (VARIANT *)b, LOCALE_INVARIANT, 0) == VARCMP_EQ;
}

/* An important change: anything but non-important qualifiers. */
static BOOL class_changed(const sim_data *a, const sim_data *b)
{
  int i;
  if (a->n != b->n) return TRUE;
  if ((a->super == NULL) != (b->super == NULL) || (a->super && _wcsicmp(a->super, b->super))) return TRUE;
  if (!quals_same(&a->quals, &b->quals)) return TRUE;
  for (i = 0; i < a->n; i++) {
    const sim_prop *p = &a->props[i], *o = data_prop(b, p->name);
    if (!o || o->type != p->type || !values_same(&p->value, &o->value) || !quals_same(&p->quals, &o->quals))
      return TRUE;
  }
  return FALSE;
}

static BOOL has_children(sim_ns *ns, const WCHAR *cls)
{
  int i;
  for (i = 0; i < ns->nclasses; i++)
    if (ns->classes[i]->super && _wcsicmp(ns->classes[i]->super, cls) == 0) return TRUE;
  return FALSE;
}

static BOOL has_instances(sim_ns *ns, const WCHAR *cls)
{
  sim_inst *it;
  for (it = ns->first; it; it = it->next)
    if (derives(ns, it->d->cls, cls)) return TRUE;
  return FALSE;
}

/* cls NULL: every instance */
static void delete_instances(sim_ns *ns, const WCHAR *cls)
{
  sim_inst *it, *next;
  for (it = ns->first; it; it = next) {
    next = it->next;
    if (!cls || derives(ns, it->d->cls, cls)) {
      notify(ns, FALSE, SIM_EV_DELETE, it->d, NULL);
      index_remove(ns, it);
    }
  }
}

/* The new definition of a child class under its updated parent. A conflict is a child's
** own property that the parent now declares with another type, or a child's own class
** qualifier that the parent now propagates with another value. Safe mode refuses a
** conflict; force mode resolves it for the parent ("this conflict is resolved by deleting
** the conflicting qualifier in the child class", WbemChangeFlagEnum). */
static HRESULT rebuild_child(const sim_data *parent, const sim_data *child, BOOL force, sim_data **out)
{
  sim_data *n = data_spawn_derived(parent);
  int i;
  *out = NULL;
  if (!n) return E_OUTOFMEMORY;
  free(n->cls);
  n->cls = sim_strdup(child->cls);
  for (i = 0; i < child->quals.n; i++) {
    const sim_qual *q = &child->quals.v[i];
    sim_qual *inh;
    if (!q->local) continue;
    inh = quals_find(&n->quals, q->name);
    /* only a qualifier the parent marks not overridable is a conflict
    ** (WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED: "an attempt was made to override a qualifier
    ** that cannot be overridden"); an overridable one keeps the child's value */
    if (inh && (inh->flavor & WBEM_FLAVOR_NOT_OVERRIDABLE) &&
        VarCmp((VARIANT *)&inh->value, (VARIANT *)&q->value, LOCALE_INVARIANT, 0) != VARCMP_EQ) {
      if (!force) {
        data_free(n);
        return (HRESULT)WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED;
      }
      continue;
    }
    quals_set(&n->quals, q->name, &q->value, q->flavor);
  }
  for (i = 0; i < child->n; i++) {
    const sim_prop *cp = &child->props[i];
    sim_prop *np = data_prop(n, cp->name);
    BOOL own = cp->origin && _wcsicmp(cp->origin, child->cls) == 0;
    if (!own) {
      int j;
      if (!np) continue;                     /* the parent dropped it */
      VariantClear(&np->value);
      VariantCopy(&np->value, (VARIANT *)&cp->value);
      for (j = 0; j < cp->quals.n; j++)
        if (cp->quals.v[j].local) quals_set(&np->quals, cp->quals.v[j].name, &cp->quals.v[j].value, cp->quals.v[j].flavor);
      continue;
    }
    if (np && np->type != cp->type) {
      if (!force) {
        data_free(n);
        return (HRESULT)WBEM_E_UPDATE_TYPE_MISMATCH;
      }
      continue;                              /* the parent's declaration wins */
    }
    if (np) data_remove_prop(n, cp->name);
    np = data_add_prop(n, cp->name, cp->type, cp->origin);
    if (!np) {
      data_free(n);
      return E_OUTOFMEMORY;
    }
    VariantCopy(&np->value, (VARIANT *)&cp->value);
    quals_copy(&np->quals, &cp->quals);
  }
  *out = n;
  return S_OK;
}

/* Rebuilds every descendant of parent; with apply FALSE it only looks for conflicts. */
static HRESULT propagate(sim_ns *ns, const sim_data *parent, BOOL force, BOOL apply)
{
  int i;
  for (i = 0; i < ns->nclasses; i++) {
    sim_data *c = ns->classes[i], *n;
    HRESULT hr;
    if (!c->super || _wcsicmp(c->super, parent->cls) != 0) continue;
    hr = rebuild_child(parent, c, force, &n);
    if (FAILED(hr)) return hr;
    hr = propagate(ns, n, force, apply);
    if (FAILED(hr) || !apply) {
      data_free(n);
      if (FAILED(hr)) return hr;
      continue;
    }
    data_free(ns->classes[i]);
    ns->classes[i] = n;
  }
  return S_OK;
}

static HRESULT put_class(sim_ns *ns, const sim_data *d, LONG flags, sim_path *written)
{
  sim_data *old, *def;
  LONG mode = flags & (SIM_FLAG_SAFE_MODE | SIM_FLAG_FORCE_MODE);
  HRESULT hr;
  int i, at;
  /* "Must point to a valid class definition" (IWbemServices::PutClass): a class needs a name. */
  if (!d->cls || !*d->cls) return (HRESULT)WBEM_E_INVALID_OBJECT;
  /* "The user may not create classes with names that begin or end with an underscore" */
  if (d->cls[0] == L'_' || d->cls[wcslen(d->cls) - 1] == L'_') return (HRESULT)WBEM_E_INVALID_OPERATION;
  if (d->super && (!find_class(ns, d->super) || _wcsicmp(d->super, d->cls) == 0))
    return (HRESULT)WBEM_E_INVALID_SUPERCLASS;
  at = class_index(ns, d->cls);
  old = at >= 0 ? ns->classes[at] : NULL;
  if (old && (flags & SIM_FLAG_CREATE_ONLY)) return (HRESULT)WBEM_E_ALREADY_EXISTS;
  if (!old && (flags & SIM_FLAG_UPDATE_ONLY)) return (HRESULT)WBEM_E_NOT_FOUND;

  def = data_clone(d);
  if (!def) return E_OUTOFMEMORY;
  free(def->ns);
  def->ns = sim_strdup(ns->name);
  for (i = 0; i < def->n; i++)
    if (!def->props[i].origin) def->props[i].origin = sim_strdup(def->cls);
  if (written) {
    memset(written, 0, sizeof *written);
    path_set_ns(written, ns->name);
    written->cls = sim_strdup(def->cls);
  }
  if (!old) {
    if (push(&ns->classes, &ns->nclasses, &ns->capc, def)) {
      notify(ns, TRUE, SIM_EV_CREATE, NULL, def);
      return S_OK;
    }
    hr = E_OUTOFMEMORY;
    goto fail;
  }
  /* "It also allows updates in all cases if the change is just to unimportant qualifiers
  ** (for example the Description qualifier)" */
  if (!class_changed(old, def)) {
    notify(ns, TRUE, SIM_EV_MODIFY, old, def);
    data_free(ns->classes[at]);
    ns->classes[at] = def;
    return S_OK;
  }
  if (mode == 0 && has_children(ns, def->cls)) {
    /* Compatible: "Allows a class to be updated if there are no derived classes and there
    ** are no instances for that class." */
    hr = (HRESULT)WBEM_E_CLASS_HAS_CHILDREN;
    goto fail;
  }
  if (has_instances(ns, def->cls)) {
    /* Compatible and SafeMode: "If the class has instances the update fails."
    ** ForceMode: the page says the same and also "Using force mode to update a static class
    ** results in the deletion of all instances of that class"; every class here is static,
    ** so force mode follows the second sentence (README, "Choices"). */
    if (mode != SIM_FLAG_FORCE_MODE) {
      hr = (HRESULT)WBEM_E_CLASS_HAS_INSTANCES;
      goto fail;
    }
  }
  /* SafeMode: "Allows updates of classes, even if there are child classes, if the change
  ** does not cause conflicts with child classes." Check every child before changing any. */
  if (mode == SIM_FLAG_SAFE_MODE && FAILED(hr = propagate(ns, def, FALSE, FALSE))) goto fail;
  if (mode == SIM_FLAG_FORCE_MODE) delete_instances(ns, def->cls);
  notify(ns, TRUE, SIM_EV_MODIFY, old, def);
  data_free(ns->classes[at]);
  ns->classes[at] = def;
  return propagate(ns, def, mode == SIM_FLAG_FORCE_MODE, TRUE);
fail:
  if (written) path_free(written);
  data_free(def);
  return hr;
}

HRESULT repo_put(const sim_data *d, LONG flags, sim_path *written)
{
  sim_ns *ns;
  HRESULT hr = (HRESULT)sim_check_put_flags(flags, d->is_class);
  if (written) memset(written, 0, sizeof *written);
  if (FAILED(hr)) return hr;
  lock();
  if (FAILED(hr = lookup_ns(d->ns, NULL, &ns))) ;
  else if (d->is_class) hr = put_class(ns, d, flags, written);
  else hr = put_instance(ns, d, flags, written);
  unlock();
  if (SUCCEEDED(hr) && written && !written->server) written->server = sim_strdup(sim_server_name());
  return hr;
}

/* ---- deleting ---- */

/* IWbemServices::DeleteClass: "deletes the specified class from the current namespace ...
** all instances of the class ... and all subclasses" go with it. */
static void delete_class(sim_ns *ns, const WCHAR *name)
{
  WCHAR *cls = sim_strdup(name);
  int i;
  if (!cls) return;
  for (;;) {
    for (i = 0; i < ns->nclasses; i++)
      if (ns->classes[i]->super && _wcsicmp(ns->classes[i]->super, cls) == 0) break;
    if (i == ns->nclasses) break;
    delete_class(ns, ns->classes[i]->cls);
  }
  delete_instances(ns, cls);
  i = class_index(ns, cls);
  if (i >= 0) {
    notify(ns, TRUE, SIM_EV_DELETE, ns->classes[i], NULL);
    remove_at(ns->classes, &ns->nclasses, i);
  }
  free(cls);
}

HRESULT repo_delete(const WCHAR *nsname, const sim_path *p)
{
  sim_ns *ns;
  sim_data *found;
  sim_inst *at;
  HRESULT hr;
  lock();
  if (SUCCEEDED(hr = find_path(nsname, p, &ns, &found, &at))) {
    if (!at) delete_class(ns, p->cls);
    else {
      notify(ns, FALSE, SIM_EV_DELETE, at->d, NULL);
      index_remove(ns, at);
    }
  }
  unlock();
  return hr;
}

/* ---- the seeded schema (spec/sim/README.md lists it) ---- */

#define KEY_FLAVOR (WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE | WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS | \
                    WBEM_FLAVOR_NOT_OVERRIDABLE)

void seed_bool_qual(sim_quals *q, const WCHAR *name, LONG flavor)
{
  VARIANT v;
  V_VT(&v) = VT_BOOL;
  V_BOOL(&v) = VARIANT_TRUE;
  quals_set(q, name, &v, flavor);
}

void seed_text_qual(sim_quals *q, const WCHAR *name, const WCHAR *text)
{
  VARIANT v;
  V_VT(&v) = VT_BSTR;
  V_BSTR(&v) = SysAllocString(text);
  quals_set(q, name, &v, 0);
  VariantClear(&v);
}

static sim_data *seed_class(sim_ns *ns, const WCHAR *name, const WCHAR *super, const WCHAR *description)
{
  sim_data *d;
  if (super) {
    d = data_spawn_derived(find_class(ns, super));
    if (!d) return NULL;
    d->cls = sim_strdup(name);
  }
  else d = data_new(TRUE, ns->name, name);
  if (!d) return NULL;
  if (description) seed_text_qual(&d->quals, L"Description", description);
  if (!push(&ns->classes, &ns->nclasses, &ns->capc, d)) {
    data_free(d);
    return NULL;
  }
  return d;
}

static void seed_prop(sim_data *c, const WCHAR *name, CIMTYPE type, BOOL key)
{
  sim_prop *p;
  if (!c) return;
  p = data_add_prop(c, name, type, c->cls);
  if (p && key) seed_bool_qual(&p->quals, L"key", KEY_FLAVOR);
}

/* Sets a value from its text, through the same coercion a client's put goes through. */
static void seed_value(sim_data *d, const WCHAR *name, const WCHAR *text)
{
  sim_prop *p = d ? data_prop(d, name) : NULL;
  VARIANT in, out;
  if (!p) return;
  V_VT(&in) = VT_BSTR;
  V_BSTR(&in) = SysAllocString(text);
  if (p->type & CIM_FLAG_ARRAY) {
    /* "a|b|c" */
    SAFEARRAYBOUND b = { 0, 0 };
    SAFEARRAY *sa;
    const WCHAR *s = text;
    LONG i = 0;
    b.cElements = 1;
    for (; *s; s++) b.cElements += *s == L'|';
    sa = SafeArrayCreate(VT_BSTR, 1, &b);
    for (s = text; sa && *s; i++) {
      const WCHAR *e = wcschr(s, L'|');
      size_t n = e ? (size_t)(e - s) : wcslen(s);
      BSTR part = SysAllocStringLen(s, (UINT)n);
      SafeArrayPutElement(sa, &i, part);
      SysFreeString(part);
      s += n + (e ? 1 : 0);
    }
    VariantClear(&in);
    V_VT(&in) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&in) = sa;
  }
  if (SUCCEEDED(cim_coerce(p->type, &in, &out))) {
    VariantClear(&p->value);
    p->value = out;
  }
  VariantClear(&in);
}

/* Seeded instances are stored once their values are set (seed_store): the index hashes
** the keys. */
static sim_data *seed_instance(sim_ns *ns, const WCHAR *cls)
{
  return data_spawn_instance(find_class(ns, cls));
}

static void seed_store(sim_ns *ns, sim_data *d)
{
  if (d && !index_add(ns, d, instance_hash(d))) data_free(d);
}

static const struct { const WCHAR *name; CIMTYPE type; const WCHAR *value, *array; } alltypes[] = {
  { L"S8", CIM_SINT8, L"-8", L"-1|2" },
  { L"U8", CIM_UINT8, L"8", L"1|2" },
  { L"S16", CIM_SINT16, L"-16", L"-1|2" },
  { L"U16", CIM_UINT16, L"16", L"1|2" },
  { L"S32", CIM_SINT32, L"-32", L"-1|2" },
  { L"U32", CIM_UINT32, L"32", L"1|2" },
  { L"S64", CIM_SINT64, L"-9223372036854775807", L"-1|2" },
  { L"U64", CIM_UINT64, L"18446744073709551615", L"1|2" },
  { L"R32", CIM_REAL32, L"1.5", L"0.5|2.5" },
  { L"R64", CIM_REAL64, L"2.25", L"0.25|4.5" },
  { L"Bool", CIM_BOOLEAN, L"True", L"True|False" },
  { L"Text", CIM_STRING, L"hello", L"a|b" },
  { L"When", CIM_DATETIME, L"20240102030405.000000+000", L"20240102030405.000000+000|20250102030405.000000+000" },
  { L"Ref", CIM_REFERENCE, L"Sim_Base.Id=\"b1\"", L"Sim_Base.Id=\"b1\"|Sim_Derived.Id=\"d1\"" },
  { L"Char", CIM_CHAR16, L"65", L"65|66" },
};

/* A key reference to class to (the CIMTYPE qualifier "ref:Class", as WMI gives one). */
static void seed_ref(sim_data *c, const WCHAR *name, const WCHAR *to)
{
  sim_prop *p;
  WCHAR type[64];
  seed_prop(c, name, CIM_REFERENCE, TRUE);
  if (!c || !(p = data_prop(c, name))) return;
  swprintf(type, 64, L"ref:%ls", to);
  seed_text_qual(&p->quals, L"CIMTYPE", type);
}

static void seed_link(sim_ns *ns, const WCHAR *antecedent, const WCHAR *dependent)
{
  sim_data *i = seed_instance(ns, L"Sim_Link");
  seed_value(i, L"Antecedent", antecedent);
  seed_value(i, L"Dependent", dependent);
  seed_store(ns, i);
}

/* The lock is held. */
/* The event classes WMI has in every namespace (system classes: "__Event",
** "__InstanceOperationEvent", ...), their properties as WMI declares them. */
static void seed_event_classes(sim_ns *ns)
{
  static const struct { const WCHAR *name, *super, *prop, *prop2; CIMTYPE type; } ev[] = {
    { L"__Event", NULL, L"TIME_CREATED", L"SECURITY_DESCRIPTOR", CIM_UINT64 },
    { L"__InstanceOperationEvent", L"__Event", L"TargetInstance", NULL, CIM_OBJECT },
    { L"__InstanceCreationEvent", L"__InstanceOperationEvent", NULL, NULL, 0 },
    { L"__InstanceDeletionEvent", L"__InstanceOperationEvent", NULL, NULL, 0 },
    { L"__InstanceModificationEvent", L"__InstanceOperationEvent", L"PreviousInstance", NULL, CIM_OBJECT },
    { L"__ClassOperationEvent", L"__Event", L"TargetClass", NULL, CIM_OBJECT },
    { L"__ClassCreationEvent", L"__ClassOperationEvent", NULL, NULL, 0 },
    { L"__ClassDeletionEvent", L"__ClassOperationEvent", NULL, NULL, 0 },
    { L"__ClassModificationEvent", L"__ClassOperationEvent", L"PreviousClass", NULL, CIM_OBJECT },
    { L"__ExtrinsicEvent", L"__Event", NULL, NULL, 0 },
  };
  size_t k;
  for (k = 0; k < sizeof ev / sizeof ev[0]; k++) {
    sim_data *c = seed_class(ns, ev[k].name, ev[k].super, NULL);
    if (ev[k].prop) seed_prop(c, ev[k].prop, ev[k].type, FALSE);
    if (ev[k].prop2) seed_prop(c, ev[k].prop2, CIM_UINT8 | CIM_FLAG_ARRAY, FALSE);
  }
}

static void seed(sim_repo *r)
{
  sim_ns *cimv2 = &r->spaces[ns_index(L"root\\cimv2")], *def = &r->spaces[ns_index(L"root\\default")];
  sim_data *c, *i;
  size_t k;

  r->seeded = TRUE;
  for (k = 0; k < (size_t)NSPACES; k++) seed_event_classes(&r->spaces[k]);
  c = seed_class(cimv2, L"Sim_Base", NULL, L"A keyed base class");
  seed_prop(c, L"Id", CIM_STRING, TRUE);
  seed_prop(c, L"Label", CIM_STRING, FALSE);
  c = seed_class(cimv2, L"Sim_Derived", L"Sim_Base", L"Derived from Sim_Base");
  seed_prop(c, L"Extra", CIM_UINT32, FALSE);

  c = seed_class(cimv2, L"Sim_AllTypes", NULL, L"A keyed class with a property of every CIM type");
  seed_prop(c, L"Name", CIM_STRING, TRUE);
  for (k = 0; k < sizeof alltypes / sizeof alltypes[0]; k++) {
    WCHAR arr[32];
    seed_prop(c, alltypes[k].name, alltypes[k].type, FALSE);
    swprintf(arr, 32, L"%lsArray", alltypes[k].name);
    seed_prop(c, arr, alltypes[k].type | CIM_FLAG_ARRAY, FALSE);
  }

  c = seed_class(cimv2, L"Sim_MultiKey", NULL, L"Two keys");
  seed_prop(c, L"Host", CIM_STRING, TRUE);
  seed_prop(c, L"Port", CIM_UINT32, TRUE);
  seed_prop(c, L"Note", CIM_STRING, FALSE);

  c = seed_class(cimv2, L"Sim_Settings", NULL, L"A singleton");
  if (c) seed_bool_qual(&c->quals, L"singleton", WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE |
                                                 WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS);
  seed_prop(c, L"Level", CIM_UINT32, FALSE);
  seed_prop(c, L"Mode", CIM_STRING, FALSE);

  i = seed_instance(cimv2, L"Sim_Base");
  seed_value(i, L"Id", L"b1");
  seed_value(i, L"Label", L"base one");
  seed_store(cimv2, i);
  i = seed_instance(cimv2, L"Sim_Derived");
  seed_value(i, L"Id", L"d1");
  seed_value(i, L"Label", L"derived one");
  seed_value(i, L"Extra", L"7");
  seed_store(cimv2, i);
  i = seed_instance(cimv2, L"Sim_AllTypes");
  seed_value(i, L"Name", L"one");
  for (k = 0; k < sizeof alltypes / sizeof alltypes[0]; k++) {
    WCHAR arr[32];
    seed_value(i, alltypes[k].name, alltypes[k].value);
    swprintf(arr, 32, L"%lsArray", alltypes[k].name);
    seed_value(i, arr, alltypes[k].array);
  }
  seed_store(cimv2, i);
  i = seed_instance(cimv2, L"Sim_MultiKey");
  seed_value(i, L"Host", L"h1");
  seed_value(i, L"Port", L"80");
  seed_value(i, L"Note", L"web");
  seed_store(cimv2, i);
  i = seed_instance(cimv2, L"Sim_Settings");
  seed_value(i, L"Level", L"1");
  seed_value(i, L"Mode", L"normal");
  seed_store(cimv2, i);

  /* Win32_Process: one flat class (no CIM_Process above it); methods.c has the rest.
  ** This computer's repository only: seeding it costs more than the rest of a repository,
  ** under the repository lock, which a fleet of added servers would pay a thousand times
  ** (README, "Many hosts"). */
  c = !r->local ? NULL : seed_class(cimv2, L"Win32_Process", NULL, L"The Win32_Process WMI class represents a process on an operating system.");
  process_schema(c);
  for (k = 0; c && k < (size_t)process_seed_count(); k++) {
    i = seed_instance(cimv2, L"Win32_Process");
    process_seed_fill(i, (int)k);
    seed_store(cimv2, i);
  }

  /* an association as CIM_Dependency names its ends (spec/sim/README.md) */
  c = seed_class(cimv2, L"Sim_Link", NULL, L"An association of two Sim_Base objects");
  if (c) seed_bool_qual(&c->quals, L"association", WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE |
                                                   WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS |
                                                   WBEM_FLAVOR_NOT_OVERRIDABLE);
  seed_ref(c, L"Antecedent", L"Sim_Base");
  seed_ref(c, L"Dependent", L"Sim_Base");
  seed_link(cimv2, L"Sim_Base.Id=\"b1\"", L"Sim_Derived.Id=\"d1\"");

  c = seed_class(def, L"Sim_Thing", NULL, NULL);
  seed_prop(c, L"Name", CIM_STRING, TRUE);
  seed_prop(c, L"Value", CIM_SINT32, FALSE);
}

/* Everything out of r, to be seeded again on its next use; the lock is held. */
static void empty(sim_repo *r)
{
  int i;
  for (i = 0; i < NSPACES; i++) {
    sim_ns *ns = &r->spaces[i];
    delete_instances(ns, NULL);
    while (ns->nclasses) remove_at(ns->classes, &ns->nclasses, ns->nclasses - 1);
  }
  r->seeded = FALSE;
}

/* The local repository; the added servers' go with them (hosts_reset). */
void repo_reset(void)
{
  lock();
  empty(&local_repo);
  unlock();
}

void repo_free(sim_repo *r)
{
  int i;
  if (!r || r->local) return;
  lock();        /* a call in the repository now finishes first (hosts_repo) */
  empty(r);
  unlock();
  for (i = 0; i < NSPACES; i++) {
    free(r->spaces[i].classes);
    free(r->spaces[i].buckets);
    free((WCHAR *)r->spaces[i].name);
  }
  free(r);
}
