/*
** family.c: the query family beyond SELECT: SubclassesOf, ASSOCIATORS OF and REFERENCES OF
** (the statements, and SWbemServices.AssociatorsOf / ReferencesTo, which "perform the same
** function" and are written as those statements here, as wbemdisp writes them), and the
** calls they share: the synchronous round trip that returns an SWbemObjectSet and the
** work the async worker does for them.
**
** An association is an instance of a class with the "association" qualifier; its ends are
** its reference properties (each with a CIMTYPE qualifier "ref:Class" in the schema).
** "ASSOCIATORS OF Statement": "Each endpoint is returned as many times as there are
** associations between it and the source object"; ClassDefsOnly returns "the definitions
** of the classes to which the endpoint instances belong" (each class once). A class as the
** source makes a schema query ("Schema Associations"), with or without SchemaOnly: the
** classes that the association classes' references name, each once.
** Costs: the instances of the namespace's association classes, and one lookup by path
** (hashed, repo.c) for each reference they hold.
*/
#include <stdlib.h>
#include "wbemsim.h"

/* ---- the schema, copied once per query ---- */

typedef struct schema { sim_data **v; int n; } schema;

static const sim_data *class_of(const schema *s, const WCHAR *name)
{
  int i;
  for (i = 0; name && i < s->n; i++)
    if (_wcsicmp(s->v[i]->cls, name) == 0) return s->v[i];
  return NULL;
}

/* cls is base or derives from it */
static BOOL derives(const schema *s, const WCHAR *cls, const WCHAR *base)
{
  int guard = 0;
  while (cls && guard++ < 64) {
    const sim_data *c;
    if (_wcsicmp(cls, base) == 0) return TRUE;
    cls = (c = class_of(s, cls)) ? c->super : NULL;
  }
  return FALSE;
}

static BOOL is_association(const sim_data *c) { return c && qual_true(&c->quals, L"association"); }

/* A reference end of an association (class or instance): a scalar reference property. */
static BOOL is_end(const sim_prop *p) { return p->type == CIM_REFERENCE; }

/* The class a reference property names ("ref:Class"), NULL for any. */
static const WCHAR *end_class(const sim_prop *p)
{
  sim_qual *q = quals_find(&p->quals, L"CIMTYPE");
  const WCHAR *t = q && V_VT(&q->value) == VT_BSTR ? V_BSTR(&q->value) : NULL;
  return t && _wcsnicmp(t, L"ref:", 4) == 0 && t[4] ? t + 4 : NULL;
}

/* ---- results ---- */

typedef struct results { sim_data **v; int n, cap; HRESULT hr; } results;

/* Takes d. */
static void add(results *r, sim_data *d)
{
  sim_data **v;
  if (!d || FAILED(r->hr)) {
    if (!d) r->hr = E_OUTOFMEMORY;
    data_free(d);
    return;
  }
  if (!(v = sim_grow(r->v, &r->cap, r->n + 1, sizeof *v))) {
    data_free(d);
    r->hr = E_OUTOFMEMORY;
    return;
  }
  r->v = v;
  r->v[r->n++] = d;
}

/* A class definition, once. */
static void add_class(results *r, const schema *s, const WCHAR *name)
{
  int i;
  const sim_data *c = class_of(s, name);
  if (!c) return;
  for (i = 0; i < r->n; i++)
    if (_wcsicmp(r->v[i]->cls, c->cls) == 0) return;
  add(r, data_clone(c));
}

/* ---- identities ---- */

/* The relative path of what d is (its keys, in the order paths are written). */
static WCHAR *identity(const sim_data *d)
{
  sim_path p;
  WCHAR *rel;
  if (FAILED(data_to_path(d, &p))) return NULL;
  rel = path_relpath(&p);
  path_free(&p);
  return rel;
}

/* The object a reference value names, NULL when it names none (a dangling end). */
static sim_data *resolve(const WCHAR *ns, const VARIANT *v)
{
  sim_data *d = NULL;
  sim_path p;
  if (V_VT(v) != VT_BSTR || !V_BSTR(v) || FAILED(path_parse(V_BSTR(v), &p))) return NULL;
  if (!path_is_class(&p)) repo_get(ns, &p, &d);
  path_free(&p);
  return d;
}

static BOOL refers_to(const WCHAR *ns, const VARIANT *v, const WCHAR *id)
{
  sim_data *d = resolve(ns, v);
  WCHAR *rel = d ? identity(d) : NULL;
  BOOL same = rel && _wcsicmp(rel, id) == 0;
  free(rel);
  data_free(d);
  return same;
}

static BOOL named(const WCHAR *want, const WCHAR *name) { return !want || _wcsicmp(want, name) == 0; }

static BOOL has_qual(const sim_data *c, const WCHAR *q) { return !q || (c && quals_find(&c->quals, q)); }

/* ---- data queries ---- */

/* One association instance a against the source (identity id): its references, its
** endpoints. */
static void data_association(const WCHAR *ns, const sim_assoc_query *q, const schema *s, const sim_data *a,
                             const WCHAR *id, results *r)
{
  const sim_data *ac = class_of(s, a->cls);
  int i, j;
  if (q->assoc_class && !derives(s, a->cls, q->assoc_class)) return;
  if (!has_qual(ac, q->assoc_qual)) return;
  for (i = 0; i < a->n; i++) {
    const sim_prop *src = &a->props[i];
    if (!is_end(src) || !named(q->role, src->name) || !refers_to(ns, &src->value, id)) continue;
    if (q->references) {
      /* "all association instances that refer to a particular source instance": each once */
      if (q->result_class && !derives(s, a->cls, q->result_class)) return;
      if (!has_qual(ac, q->qual)) return;
      if (q->class_defs) add_class(r, s, a->cls);
      else {
        sim_data *d = data_clone(a);
        if (d && q->keys) data_keys_only(d);
        add(r, d);
      }
      return;
    }
    for (j = 0; j < a->n; j++) {
      const sim_prop *end = &a->props[j];
      sim_data *e;
      if (j == i || !is_end(end) || !named(q->result_role, end->name)) continue;
      if (!(e = resolve(ns, &end->value))) continue;
      if ((q->result_class && !derives(s, e->cls, q->result_class)) || !has_qual(class_of(s, e->cls), q->qual)) {
        data_free(e);
        continue;
      }
      if (q->class_defs) {
        add_class(r, s, e->cls);
        data_free(e);
        continue;
      }
      if (q->keys) data_keys_only(e);
      add(r, e);
    }
    return;       /* the association counts once, whichever of its ends is the source */
  }
}

static void data_query(const WCHAR *ns, const sim_assoc_query *q, const schema *s, const sim_data *src, results *r)
{
  WCHAR *id = identity(src);
  int i, k;
  if (!id) {
    r->hr = E_OUTOFMEMORY;
    return;
  }
  for (i = 0; i < s->n && SUCCEEDED(r->hr); i++) {
    sim_data **insts;
    int n;
    /* each association class's own instances, so that none is looked at twice */
    if (!is_association(s->v[i]) || FAILED(repo_instances(ns, s->v[i]->cls, TRUE, &insts, &n))) continue;
    for (k = 0; k < n; k++) data_association(ns, q, s, insts[k], id, r);
    data_list_free(insts, n);
  }
  free(id);
}

/* ---- schema queries ---- */

static void schema_query(const sim_assoc_query *q, const schema *s, const WCHAR *src, results *r)
{
  int i, j, k;
  for (i = 0; i < s->n && SUCCEEDED(r->hr); i++) {
    const sim_data *a = s->v[i];
    if (!is_association(a) || (q->assoc_class && !derives(s, a->cls, q->assoc_class)) || !has_qual(a, q->assoc_qual))
      continue;
    for (j = 0; j < a->n; j++) {
      const sim_prop *p = &a->props[j];
      const WCHAR *to = end_class(p);
      if (!is_end(p) || !named(q->role, p->name) || (to && !derives(s, src, to))) continue;
      if (q->references) {
        if ((!q->result_class || derives(s, a->cls, q->result_class)) && has_qual(a, q->qual)) add_class(r, s, a->cls);
        break;
      }
      for (k = 0; k < a->n; k++) {
        const sim_prop *e = &a->props[k];
        const WCHAR *ec = end_class(e);
        if (k == j || !is_end(e) || !ec || !named(q->result_role, e->name)) continue;
        if ((q->result_class && !derives(s, ec, q->result_class)) || !has_qual(class_of(s, ec), q->qual)) continue;
        add_class(r, s, ec);
      }
      break;
    }
  }
}

HRESULT assoc_run(const WCHAR *ns, const sim_assoc_query *q, sim_data ***out, int *n)
{
  results r = { NULL, 0, 0, S_OK };
  schema s = { NULL, 0 };
  sim_data *src = NULL;
  sim_path p;
  HRESULT hr;
  *out = NULL;
  *n = 0;
  /* "The ClassDefsOnly and ResultClass keywords are mutually exclusive"; "The ClassDefsOnly
  ** keyword is not valid" in a schema query */
  if (q->class_defs && (q->result_class || q->schema)) return (HRESULT)WBEM_E_INVALID_QUERY;
  if (FAILED(hr = path_parse(q->path, &p))) return hr;
  /* the source must exist: a class (not found) or an instance (not found, invalid class) */
  hr = repo_get(ns, &p, &src);
  if (SUCCEEDED(hr) && q->schema && !src->is_class) hr = (HRESULT)WBEM_E_INVALID_QUERY;
  if (SUCCEEDED(hr)) hr = repo_subclasses(ns, NULL, FALSE, &s.v, &s.n);
  if (SUCCEEDED(hr)) {
    if (src->is_class) schema_query(q, &s, src->cls, &r);
    else data_query(ns, q, &s, src, &r);
    hr = r.hr;
  }
  path_free(&p);
  data_free(src);
  data_list_free(s.v, s.n);
  if (FAILED(hr)) {
    data_list_free(r.v, r.n);
    return hr;
  }
  *out = r.v;
  *n = r.n;
  return S_OK;
}

/* ---- the calls ---- */

static void add_clause(sim_strbuf *b, const WCHAR *word, const WCHAR *value)
{
  if (!value || !*value) return;
  strbuf_str(b, L" ");
  strbuf_str(b, word);
  strbuf_str(b, L" = ");
  strbuf_str(b, value);
}

WCHAR *assoc_text(BOOL references, const WCHAR *path, const WCHAR *assoc, const WCHAR *result, const WCHAR *rrole,
                  const WCHAR *role, BOOL classes, BOOL schema_only, const WCHAR *aqual, const WCHAR *qual)
{
  sim_strbuf b = { 0 };
  size_t bare;
  strbuf_str(&b, references ? L"REFERENCES OF {" : L"ASSOCIATORS OF {");
  strbuf_str(&b, path);
  strbuf_str(&b, L"} WHERE");
  bare = b.n;
  add_clause(&b, L"AssocClass", assoc);
  add_clause(&b, L"ResultClass", result);
  add_clause(&b, L"ResultRole", rrole);
  add_clause(&b, L"Role", role);
  add_clause(&b, L"RequiredAssocQualifier", aqual);
  add_clause(&b, L"RequiredQualifier", qual);
  if (classes) strbuf_str(&b, L" ClassDefsOnly");
  if (schema_only) strbuf_str(&b, L" SchemaOnly");
  if (b.n == bare && !b.failed) {
    b.n -= 6;             /* no keyword: no WHERE */
    b.s[b.n] = 0;
  }
  return strbuf_done(&b);
}

const WCHAR *family_operation(int kind)
{
  switch (kind) {
  case OP_INSTANCES: return L"CreateInstanceEnum";
  case OP_SUBCLASSES: return L"CreateClassEnum";
  default: return L"ExecQuery";
  }
}

#define QUERY_FLAG_SHALLOW 0x1     /* wbemQueryFlagShallow */

HRESULT family_run(int kind, const WCHAR *ns, const WCHAR *text, LONG flags, sim_data ***out, int *n)
{
  switch (kind) {
  case OP_INSTANCES: return repo_instances(ns, text, (flags & QUERY_FLAG_SHALLOW) != 0, out, n);
  case OP_SUBCLASSES: return repo_subclasses(ns, text, (flags & QUERY_FLAG_SHALLOW) != 0, out, n);
  default: return wql_run(ns, text, out, n);
  }
}

HRESULT family_sync(int kind, const WCHAR *ns, const WCHAR *text, LONG flags, IDispatch *ctx, HRESULT refusal,
                    ISWbemObjectSet **out)
{
  sim_data **items;
  int n;
  HRESULT hr;
  *out = NULL;
  hr = sim_begin_sync(refusal, ctx);
  if (SUCCEEDED(hr)) hr = family_run(kind, ns, text, flags, &items, &n);
  if (FAILED(hr)) return sim_fail(hr, family_operation(kind), text);
  return objset_create(items, n, out);
}
