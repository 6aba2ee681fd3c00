/*
** query.c: the subset of WQL the simulator answers:
**   SELECT * FROM Class [WHERE Property = value]     (also <> and !=)
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
} wql;

static void wql_free(wql *q)
{
  free(q->cls);
  free(q->prop);
  free(q->literal);
}

static HRESULT parse(const WCHAR *s, wql *q)
{
  memset(q, 0, sizeof *q);
  if (!(s = keyword(s, L"SELECT")) || !(s = keyword(s, L"*")) || !(s = keyword(s, L"FROM"))) goto bad;
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

HRESULT wql_run(const WCHAR *ns, const WCHAR *query, sim_data ***out, int *n)
{
  wql q;
  sim_data *cls;
  HRESULT hr = parse(query ? query : L"", &q);
  int i, kept = 0;
  *out = NULL;
  *n = 0;
  if (FAILED(hr)) return hr;
  hr = repo_get_class(ns, q.cls, &cls);
  if (SUCCEEDED(hr)) {
    if (q.prop && !data_prop(cls, q.prop)) hr = (HRESULT)WBEM_E_INVALID_QUERY;
    data_free(cls);
  }
  if (SUCCEEDED(hr)) hr = repo_instances(ns, q.cls, FALSE, out, n);
  if (SUCCEEDED(hr) && q.prop) {
    for (i = 0; i < *n; i++) {
      if (matches(&q, (*out)[i])) (*out)[kept++] = (*out)[i];
      else data_free((*out)[i]);
    }
    *n = kept;
  }
  wql_free(&q);
  return hr;
}
