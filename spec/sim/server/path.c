/*
** path.c: WMI object paths ("Describing a WMI Namespace Object Path" / "Object paths" in
** Microsoft's WMI documentation):
**   Class                               a class
**   Class.Key="v"   Class.K1="a",K2=5   an instance by its keys
**   Class="v"                           an instance by its only key, unnamed
**   Class=@                             the instance of a singleton class
**   \\SERVER\root\cimv2:Class.Key="v"   any of these with server and namespace
** Keys are written sorted by name, as WMI writes __RELPATH; string values are quoted with
** backslash escapes for '"' and '\'.
*/
#include <stdlib.h>
#include "wbemsim.h"

const WCHAR *sim_server_name(void)
{
  static WCHAR name[MAX_COMPUTERNAME_LENGTH + 1];
  static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
  BOOL pending;
  if (InitOnceBeginInitialize(&once, 0, &pending, NULL) && pending) {
    DWORD n = MAX_COMPUTERNAME_LENGTH + 1;
    if (!GetComputerNameW(name, &n)) wcscpy(name, L"LOCALHOST");
    CharUpperW(name);
    InitOnceComplete(&once, 0, NULL);
  }
  return name;
}

void path_free(sim_path *p)
{
  int i;
  free(p->server);
  free(p->ns);
  free(p->cls);
  for (i = 0; i < p->nkeys; i++) {
    free(p->keys[i].name);
    free(p->keys[i].text);
  }
  free(p->keys);
  memset(p, 0, sizeof *p);
}

void path_copy(sim_path *dst, const sim_path *src)
{
  int i;
  memset(dst, 0, sizeof *dst);
  dst->server = sim_strdup(src->server);
  dst->ns = sim_strdup(src->ns);
  dst->cls = sim_strdup(src->cls);
  dst->singleton = src->singleton;
  if (src->nkeys) {
    dst->keys = calloc((size_t)src->nkeys, sizeof *dst->keys);
    if (!dst->keys) return;
    dst->nkeys = src->nkeys;
    for (i = 0; i < src->nkeys; i++) {
      dst->keys[i].name = sim_strdup(src->keys[i].name);
      dst->keys[i].text = sim_strdup(src->keys[i].text);
      dst->keys[i].quoted = src->keys[i].quoted;
    }
  }
}

/* IWbemServices names the two deletions apart, and so does __ExtendedStatus.Operation. */
const WCHAR *delete_operation(const WCHAR *text)
{
  sim_path p;
  BOOL is_class = FALSE;
  if (SUCCEEDED(path_parse(text, &p))) {
    is_class = path_is_class(&p);
    path_free(&p);
  }
  return is_class ? L"DeleteClass" : L"DeleteInstance";
}

BOOL path_is_class(const sim_path *p)
{
  return p->cls && !p->singleton && p->nkeys == 0;
}

static WCHAR *substr(const WCHAR *s, size_t n)
{
  WCHAR *r = malloc((n + 1) * sizeof(WCHAR));
  if (!r) return NULL;
  memcpy(r, s, n * sizeof(WCHAR));
  r[n] = 0;
  return r;
}

static BOOL name_char(WCHAR c)
{
  return (c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9') || c == L'_' || c > 0x7f;
}

static BOOL add_key(sim_path *p, WCHAR *name, WCHAR *text, BOOL quoted)
{
  sim_key *k = realloc(p->keys, (size_t)(p->nkeys + 1) * sizeof *k);
  if (!k) return FALSE;
  p->keys = k;
  k[p->nkeys].name = name;
  k[p->nkeys].text = text;
  k[p->nkeys].quoted = quoted;
  p->nkeys++;
  return TRUE;
}

/* A key value: "..." or '...' with backslash escapes, or a bare token up to ',' */
static const WCHAR *parse_value(const WCHAR *s, WCHAR **text, BOOL *quoted)
{
  if (*s == L'"' || *s == L'\'') {
    WCHAR q = *s++;
    size_t n = 0;
    WCHAR *r = malloc((wcslen(s) + 1) * sizeof(WCHAR));
    if (!r) return NULL;
    while (*s && *s != q) {
      if (*s == L'\\' && s[1]) s++;
      r[n++] = *s++;
    }
    if (*s != q) {
      free(r);
      return NULL;
    }
    r[n] = 0;
    *text = r;
    *quoted = TRUE;
    return s + 1;
  }
  else {
    const WCHAR *start = s;
    while (*s && *s != L',') s++;
    if (s == start) return NULL;
    *text = substr(start, (size_t)(s - start));
    *quoted = FALSE;
    return *text ? s : NULL;
  }
}

HRESULT path_parse(const WCHAR *text, sim_path *p)
{
  const WCHAR *s = text, *t;
  memset(p, 0, sizeof *p);
  if (!s) return S_OK;
  while (*s == L' ') s++;
  if ((s[0] == L'\\' || s[0] == L'/') && (s[1] == L'\\' || s[1] == L'/')) {
    s += 2;
    t = s;
    while (*t && *t != L'\\' && *t != L'/') t++;
    if (t == s) goto bad;
    p->server = substr(s, (size_t)(t - s));
    s = *t ? t + 1 : t;
    t = s;
    while (*t && *t != L':') t++;
    p->ns = substr(s, (size_t)(t - s));
    s = *t ? t + 1 : t;
  }
  else {
    /* a namespace prefix ends at the first ':' that comes before any key syntax */
    for (t = s; *t && *t != L':' && *t != L'.' && *t != L'=' && *t != L'"' && *t != L'\''; t++) ;
    if (*t == L':') {
      p->ns = substr(s, (size_t)(t - s));
      s = t + 1;
    }
  }
  if (p->ns) {
    WCHAR *c;
    for (c = p->ns; *c; c++)
      if (*c == L'/') *c = L'\\';
    if (!*p->ns) goto bad;
  }
  if (!*s) return S_OK;
  for (t = s; name_char(*t); t++) ;
  if (t == s) goto bad;
  p->cls = substr(s, (size_t)(t - s));
  s = t;
  if (!*s) return S_OK;
  if (s[0] == L'=' && s[1] == L'@' && !s[2]) {
    p->singleton = TRUE;
    return S_OK;
  }
  if (*s == L'=') {
    WCHAR *v;
    BOOL q;
    s = parse_value(s + 1, &v, &q);
    if (!s || *s || !add_key(p, NULL, v, q)) goto bad;
    return S_OK;
  }
  if (*s != L'.') goto bad;
  s++;
  for (;;) {
    WCHAR *name, *v;
    BOOL q;
    for (t = s; name_char(*t); t++) ;
    if (t == s || *t != L'=') goto bad;
    name = substr(s, (size_t)(t - s));
    s = parse_value(t + 1, &v, &q);
    if (!s) {
      free(name);
      goto bad;
    }
    if (!add_key(p, name, v, q)) {
      free(name);
      free(v);
      goto bad;
    }
    if (!*s) return S_OK;
    if (*s != L',') goto bad;
    s++;
  }
bad:
  path_free(p);
  return (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
}

static int key_cmp(const void *a, const void *b)
{
  const sim_key *x = a, *y = b;
  if (!x->name || !y->name) return 0;
  return _wcsicmp(x->name, y->name);
}

/* An added server's namespace ("\\\\HOST\\root\\cimv2", wbemsim.h) is that server's: HOST is
** what real WMI puts in the path of an object from a remote computer (__SERVER). */
void path_set_ns(sim_path *p, const WCHAR *ns)
{
  const WCHAR *host, *rest;
  size_t n;
  if (ns_split(ns, &host, &n, &rest) && (p->server = malloc((n + 1) * sizeof(WCHAR)))) {
    memcpy(p->server, host, n * sizeof(WCHAR));
    p->server[n] = 0;
  }
  p->ns = sim_strdup(rest);
}

HRESULT data_to_path(const sim_data *d, sim_path *p)
{
  int i;
  memset(p, 0, sizeof *p);
  path_set_ns(p, d->ns);
  p->cls = sim_strdup(d->cls);
  if (d->is_class || !d->cls) return S_OK;
  if (data_is_singleton(d)) {
    p->singleton = TRUE;
    return S_OK;
  }
  for (i = 0; i < d->n; i++) {
    const sim_prop *pr = &d->props[i];
    if (!prop_is_key(pr)) continue;
    if (!add_key(p, sim_strdup(pr->name), cim_key_text(&pr->value), cim_quoted(pr->type))) {
      path_free(p);
      return E_OUTOFMEMORY;
    }
  }
  if (p->nkeys > 1) qsort(p->keys, (size_t)p->nkeys, sizeof *p->keys, key_cmp);
  return S_OK;
}

static void key_value(sim_strbuf *b, const sim_key *k)
{
  if (k->quoted) strbuf_quoted(b, k->text);
  else strbuf_str(b, k->text);
}

WCHAR *path_relpath(const sim_path *p)
{
  sim_strbuf b = { NULL, 0, 0, FALSE };
  int i;
  if (!p->cls) return sim_strdup(L"");
  for (i = 0; i < p->nkeys; i++)
    if (!p->keys[i].text) return sim_strdup(L"");     /* a key still null: no path yet */
  strbuf_str(&b, p->cls);
  if (p->singleton) strbuf_str(&b, L"=@");
  else if (p->nkeys == 1 && !p->keys[0].name) {
    strbuf_str(&b, L"=");
    key_value(&b, &p->keys[0]);
  }
  else {
    for (i = 0; i < p->nkeys; i++) {
      strbuf_str(&b, i ? L"," : L".");
      strbuf_str(&b, p->keys[i].name);
      strbuf_str(&b, L"=");
      key_value(&b, &p->keys[i]);
    }
  }
  return strbuf_done(&b);
}

WCHAR *path_full(const sim_path *p)
{
  sim_strbuf b = { NULL, 0, 0, FALSE };
  WCHAR *rel = path_relpath(p);
  if (!rel) return NULL;
  if (!*rel && p->cls) return rel;          /* incomplete instance */
  strbuf_str(&b, L"\\\\");
  strbuf_str(&b, p->server && wcscmp(p->server, L".") ? p->server : sim_server_name());
  strbuf_str(&b, L"\\");
  strbuf_str(&b, p->ns ? p->ns : L"root\\cimv2");
  if (*rel) {
    strbuf_str(&b, L":");
    strbuf_str(&b, rel);
  }
  free(rel);
  return strbuf_done(&b);
}
