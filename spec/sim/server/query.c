/*
** query.c: the subset of WQL the simulator answers:
**   SELECT * FROM Class [WHERE Property = value]     (also <> and !=)
**   SELECT Prop[, Prop...] FROM Class [WHERE ...]     (a property list)
**   ASSOCIATORS OF {path} [WHERE keyword...]          (family.c answers them)
**   REFERENCES OF {path} [WHERE keyword...]
** value: 'text', "text", a number, TRUE or FALSE. Keywords are case-insensitive; string
** comparisons too, as in WMI. Anything else is WBEM_E_INVALID_QUERY; an unknown class is
** WBEM_E_INVALID_CLASS.
*/
#include <stdlib.h>
#include "wbemsim.h"

void data_list_free(sim_data **v, int n)
{
  int i;
  for (i = 0; i < n; i++) data_free(v[i]);
  free(v);
}

static const WCHAR *skip(const WCHAR *s)
{
  while (*s == L' ' || *s == L'\t' || *s == L'\r' || *s == L'\n') s++;
  return s;
}

static const WCHAR *keyword(const WCHAR *s, const WCHAR *kw)
{
  size_t n = wcslen(kw);
  s = skip(s);
  if (_wcsnicmp(s, kw, n) != 0) return NULL;
  if (s[n] && s[n] != L' ' && s[n] != L'\t' && s[n] != L'\r' && s[n] != L'\n' && kw[n - 1] != L'*') return NULL;
  return s + n;
}

static const WCHAR *ident(const WCHAR *s, WCHAR **out)
{
  const WCHAR *start;
  s = skip(s);
  start = s;
  while ((*s >= L'a' && *s <= L'z') || (*s >= L'A' && *s <= L'Z') || (*s >= L'0' && *s <= L'9') || *s == L'_') s++;
  if (s == start) return NULL;
  *out = malloc((size_t)(s - start + 1) * sizeof(WCHAR));
  if (!*out) return NULL;
  memcpy(*out, start, (size_t)(s - start) * sizeof(WCHAR));
  (*out)[s - start] = 0;
  return s;
}

/* 'text' or "text" (with \ escapes), or a bare word; NULL when there is none. */
static const WCHAR *literal(const WCHAR *s, WCHAR **out, BOOL *quoted)
{
  *out = NULL;
  *quoted = FALSE;
  s = skip(s);
  if (*s == L'\'' || *s == L'"') {
    WCHAR quote = *s++;
    size_t n = 0;
    if (!(*out = malloc((wcslen(s) + 1) * sizeof(WCHAR)))) return NULL;
    while (*s && *s != quote) {
      if (*s == L'\\' && s[1]) s++;
      (*out)[n++] = *s++;
    }
    (*out)[n] = 0;
    if (*s != quote) {
      free(*out);
      *out = NULL;
      return NULL;
    }
    *quoted = TRUE;
    return s + 1;
  }
  else {
    const WCHAR *start = s;
    while (*s && *s != L' ' && *s != L'\t' && *s != L')') s++;
    if (s == start || !(*out = malloc((size_t)(s - start + 1) * sizeof(WCHAR)))) return NULL;
    memcpy(*out, start, (size_t)(s - start) * sizeof(WCHAR));
    (*out)[s - start] = 0;
    return s;
  }
}

typedef struct wql {
  WCHAR *cls, *prop, *literal;
  BOOL quoted, negate;
  WCHAR **select;           /* a property list; NULL for * */
  int nselect;
} wql;

static void wql_free(wql *q)
{
  int i;
  free(q->cls);
  free(q->prop);
  free(q->literal);
  for (i = 0; i < q->nselect; i++) free(q->select[i]);
  free(q->select);
}

/* SELECT's property list: "Prop[, Prop...]" up to FROM. */
static const WCHAR *property_list(const WCHAR *s, wql *q)
{
  int cap = 0;
  for (;;) {
    WCHAR *name, **v;
    if (!(s = ident(s, &name))) return NULL;
    if (!(v = sim_grow(q->select, &cap, q->nselect + 1, sizeof *v))) {
      free(name);
      return NULL;
    }
    q->select = v;
    q->select[q->nselect++] = name;
    s = skip(s);
    if (*s != L',') return s;
    s++;
  }
}

static HRESULT parse(const WCHAR *s, wql *q)
{
  memset(q, 0, sizeof *q);
  if (!(s = keyword(s, L"SELECT"))) goto bad;
  if (*skip(s) == L'*') s = skip(s) + 1;
  else if (!(s = property_list(s, q))) goto bad;
  if (!(s = keyword(s, L"FROM"))) goto bad;
  if (!(s = ident(s, &q->cls))) goto bad;
  s = skip(s);
  if (!*s) return S_OK;
  if (!(s = keyword(s, L"WHERE")) || !(s = ident(s, &q->prop))) goto bad;
  s = skip(s);
  if (*s == L'=') s++;
  else if ((s[0] == L'<' && s[1] == L'>') || (s[0] == L'!' && s[1] == L'=')) {
    q->negate = TRUE;
    s += 2;
  }
  else goto bad;
  if (!(s = literal(s, &q->literal, &q->quoted))) goto bad;
  if (*skip(s)) goto bad;
  return S_OK;
bad:
  wql_free(q);
  return (HRESULT)WBEM_E_INVALID_QUERY;
}

BOOL wql_prop_equal(const sim_prop *p, const WCHAR *literal)
{
  BOOL eq = FALSE;
  if (!p || V_VT(&p->value) == VT_NULL || (p->type & CIM_FLAG_ARRAY)) return FALSE;
  if (V_VT(&p->value) == VT_BSTR) eq = _wcsicmp(V_BSTR(&p->value), literal) == 0;
  else {
    VARIANT lit, conv;
    V_VT(&lit) = VT_BSTR;
    V_BSTR(&lit) = SysAllocString(literal);
    VariantInit(&conv);
    if (SUCCEEDED(VariantChangeTypeEx(&conv, &lit, LOCALE_INVARIANT, VARIANT_ALPHABOOL, V_VT(&p->value))))
      eq = VarCmp((VARIANT *)&p->value, &conv, LOCALE_INVARIANT, 0) == VARCMP_EQ;
    VariantClear(&lit);
    VariantClear(&conv);
  }
  return eq;
}

static BOOL matches(const wql *q, const sim_data *d)
{
  const sim_prop *p = data_prop(d, q->prop);
  if (!p || V_VT(&p->value) == VT_NULL || (p->type & CIM_FLAG_ARRAY)) return FALSE;
  return q->negate ? !wql_prop_equal(p, q->literal) : wql_prop_equal(p, q->literal);
}

const WCHAR *wql_skip(const WCHAR *s) { return skip(s); }
const WCHAR *wql_keyword(const WCHAR *s, const WCHAR *kw) { return keyword(s, kw); }
const WCHAR *wql_ident(const WCHAR *s, WCHAR **out) { return ident(s, out); }
const WCHAR *wql_literal(const WCHAR *s, WCHAR **out, BOOL *quoted) { return literal(s, out, quoted); }

HRESULT wql_check_language(const WCHAR *lang)
{
  return (!lang || !*lang || _wcsicmp(lang, L"WQL") == 0) ? S_OK : (HRESULT)WBEM_E_INVALID_QUERY_TYPE;
}

/* ---- ASSOCIATORS OF {path} [WHERE ...], REFERENCES OF {path} [WHERE ...] ----
** The keywords of "ASSOCIATORS OF Statement" and "REFERENCES OF Statement" (and of
** "Schema Associations": SchemaOnly; and KeysOnly, a WQL keyword "used in REFERENCES OF
** and ASSOCIATORS OF queries"), each at most once, in any order, not comma separated.
** REFERENCES OF takes only ResultClass, Role, RequiredQualifier and the flags. */

static BOOL assoc_statement(const WCHAR *s)
{
  return keyword(s, L"ASSOCIATORS") || keyword(s, L"REFERENCES");
}

static void assoc_free(sim_assoc_query *q)
{
  free(q->path);
  free(q->assoc_class);
  free(q->result_class);
  free(q->result_role);
  free(q->role);
  free(q->assoc_qual);
  free(q->qual);
}

/* The slot of a keyword taking "= value"; NULL when it is none (or not REFERENCES OF's). */
static WCHAR **assoc_slot(sim_assoc_query *q, const WCHAR *word)
{
  if (!_wcsicmp(word, L"ResultClass")) return &q->result_class;
  if (!_wcsicmp(word, L"Role")) return &q->role;
  if (!_wcsicmp(word, L"RequiredQualifier")) return &q->qual;
  if (q->references) return NULL;
  if (!_wcsicmp(word, L"AssocClass")) return &q->assoc_class;
  if (!_wcsicmp(word, L"ResultRole")) return &q->result_role;
  if (!_wcsicmp(word, L"RequiredAssocQualifier")) return &q->assoc_qual;
  return NULL;
}

static BOOL *assoc_flag(sim_assoc_query *q, const WCHAR *word)
{
  if (!_wcsicmp(word, L"ClassDefsOnly")) return &q->class_defs;
  if (!_wcsicmp(word, L"SchemaOnly")) return &q->schema;
  if (!_wcsicmp(word, L"KeysOnly")) return &q->keys;
  return NULL;
}

static HRESULT parse_assoc(const WCHAR *s, sim_assoc_query *q)
{
  const WCHAR *t, *start, *end;
  BOOL quoted = FALSE;
  memset(q, 0, sizeof *q);
  if ((t = keyword(s, L"REFERENCES"))) q->references = TRUE;
  else t = keyword(s, L"ASSOCIATORS");
  s = skip(t);
  if (_wcsnicmp(s, L"OF", 2) != 0) goto bad;
  s = skip(s + 2);
  if (*s != L'{') goto bad;
  start = skip(s + 1);
  for (s = start; *s && (quoted || *s != L'}'); s++) {
    if (quoted && *s == L'\\' && s[1]) s++;
    else if (*s == L'"') quoted = !quoted;
  }
  if (*s != L'}') goto bad;
  for (end = s; end > start && (end[-1] == L' ' || end[-1] == L'\t'); end--) ;
  if (!(q->path = malloc((size_t)(end - start + 1) * sizeof(WCHAR)))) goto bad;
  memcpy(q->path, start, (size_t)(end - start) * sizeof(WCHAR));
  q->path[end - start] = 0;
  s = skip(s + 1);
  if (!*s) return S_OK;
  if (!(s = keyword(s, L"WHERE")) || !*skip(s)) goto bad;
  while (*(s = skip(s))) {
    WCHAR *word, **slot;
    BOOL *flag;
    if (!(s = ident(s, &word))) goto bad;
    slot = assoc_slot(q, word);
    flag = slot ? NULL : assoc_flag(q, word);
    free(word);
    if (flag) {
      if (*flag) goto bad;
      *flag = TRUE;
      continue;
    }
    if (!slot || *slot) goto bad;
    s = skip(s);
    if (*s != L'=' || !(s = ident(s + 1, slot))) goto bad;
  }
  return S_OK;
bad:
  assoc_free(q);
  return (HRESULT)WBEM_E_INVALID_QUERY;
}

static HRESULT assoc_query(const WCHAR *ns, const WCHAR *query, sim_data ***out, int *n)
{
  sim_assoc_query q;
  HRESULT hr = parse_assoc(query, &q);
  if (FAILED(hr)) return hr;
  hr = assoc_run(ns, &q, out, n);
  assoc_free(&q);
  return hr;
}

/* A property list: "Attempts to access other properties known to be in the class will
** fail" (the keys stay, which is what the object's path is made of). */
static void project(sim_data *d, WCHAR *const *keep, int nkeep)
{
  int i = 0, k;
  while (i < d->n) {
    sim_prop *p = &d->props[i];
    BOOL listed = prop_is_key(p);
    for (k = 0; k < nkeep && !listed; k++) listed = _wcsicmp(keep[k], p->name) == 0;
    if (listed) i++;
    else data_remove_prop(d, p->name);
  }
}

void data_keys_only(sim_data *d) { project(d, NULL, 0); }

/* The names of a property list are the class's properties, or system properties
** ("__PATH", "__CLASS", ...: every object here carries its keys and class anyway). */
static HRESULT check_select(const wql *q, const sim_data *cls)
{
  int i;
  for (i = 0; i < q->nselect; i++)
    if (wcsncmp(q->select[i], L"__", 2) != 0 && !data_prop(cls, q->select[i])) return (HRESULT)WBEM_E_INVALID_QUERY;
  return S_OK;
}

HRESULT wql_run(const WCHAR *ns, const WCHAR *query, sim_data ***out, int *n)
{
  wql q;
  sim_data *cls;
  HRESULT hr;
  int i, kept = 0;
  *out = NULL;
  *n = 0;
  if (!query) query = L"";
  if (assoc_statement(query)) return assoc_query(ns, query, out, n);
  if (FAILED(hr = parse(query, &q))) return hr;
  hr = repo_get_class(ns, q.cls, &cls);
  if (SUCCEEDED(hr)) {
    if (q.prop && !data_prop(cls, q.prop)) hr = (HRESULT)WBEM_E_INVALID_QUERY;
    if (SUCCEEDED(hr)) hr = check_select(&q, cls);
    data_free(cls);
  }
  if (SUCCEEDED(hr)) hr = repo_instances(ns, q.cls, FALSE, out, n);
  if (SUCCEEDED(hr)) {
    for (i = 0; i < *n; i++) {
      if (q.prop && !matches(&q, (*out)[i])) {
        data_free((*out)[i]);
        continue;
      }
      if (q.select) project((*out)[i], q.select, q.nselect);
      (*out)[kept++] = (*out)[i];
    }
    *n = kept;
  }
  wql_free(&q);
  return hr;
}
