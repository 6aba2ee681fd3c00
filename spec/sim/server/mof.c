/*
** mof.c: GetObjectText_, the object in MOF ("instance of Class { P = v; };" for an
** instance, "class Name : Super { [key] string P; };" for a class), as
** IWbemClassObject::GetObjectText writes it: a leading newline, tab-indented members,
** instances list only the properties that are not null.
*/
#include <stdlib.h>
#include <stdio.h>
#include "wbemsim.h"

typedef struct mbuf { WCHAR *s; size_t n, cap; } mbuf;

static void add(mbuf *b, const WCHAR *s)
{
  size_t n = wcslen(s);
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    WCHAR *ns;
    while (cap < b->n + n + 1) cap *= 2;
    ns = realloc(b->s, cap * sizeof(WCHAR));
    if (!ns) return;
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n * sizeof(WCHAR));
  b->n += n;
  b->s[b->n] = 0;
}

static const WCHAR *type_name(CIMTYPE t)
{
  switch (t & ~CIM_FLAG_ARRAY) {
  case CIM_SINT8: return L"sint8";
  case CIM_UINT8: return L"uint8";
  case CIM_SINT16: return L"sint16";
  case CIM_UINT16: return L"uint16";
  case CIM_SINT32: return L"sint32";
  case CIM_UINT32: return L"uint32";
  case CIM_SINT64: return L"sint64";
  case CIM_UINT64: return L"uint64";
  case CIM_REAL32: return L"real32";
  case CIM_REAL64: return L"real64";
  case CIM_BOOLEAN: return L"boolean";
  case CIM_DATETIME: return L"datetime";
  case CIM_REFERENCE: return L"object ref";
  case CIM_CHAR16: return L"char16";
  default: return L"string";
  }
}

static void add_scalar(mbuf *b, CIMTYPE type, const VARIANT *v)
{
  VARIANT t;
  if (V_VT(v) == VT_BOOL) {
    add(b, V_BOOL(v) ? L"TRUE" : L"FALSE");
    return;
  }
  VariantInit(&t);
  if (FAILED(VariantChangeTypeEx(&t, (VARIANT *)v, LOCALE_INVARIANT, 0, VT_BSTR))) return;
  if (cim_quoted(type) || (type & ~CIM_FLAG_ARRAY) == CIM_STRING) {
    const WCHAR *c;
    WCHAR one[2] = { 0, 0 };
    add(b, L"\"");
    for (c = V_BSTR(&t); c && *c; c++) {
      if (*c == L'"' || *c == L'\\') add(b, L"\\");
      one[0] = *c;
      add(b, one);
    }
    add(b, L"\"");
  }
  else add(b, V_BSTR(&t));
  VariantClear(&t);
}

static void add_value(mbuf *b, CIMTYPE type, const VARIANT *v)
{
  if (V_VT(v) & VT_ARRAY) {
    LONG lb, ub, i;
    SafeArrayGetLBound(V_ARRAY(v), 1, &lb);
    SafeArrayGetUBound(V_ARRAY(v), 1, &ub);
    add(b, L"{");
    for (i = lb; i <= ub; i++) {
      VARIANT e;
      VariantInit(&e);
      if (SUCCEEDED(SafeArrayGetElement(V_ARRAY(v), &i, &e))) {
        if (i > lb) add(b, L", ");
        add_scalar(b, type, &e);
        VariantClear(&e);
      }
    }
    add(b, L"}");
  }
  else add_scalar(b, type, v);
}

static void add_quals(mbuf *b, const sim_quals *q, BOOL local_only)
{
  int i, n = 0;
  for (i = 0; i < q->n; i++) {
    const sim_qual *e = &q->v[i];
    if (local_only && !e->local) continue;
    add(b, n++ ? L", " : L"[");
    add(b, e->name);
    if (!(V_VT(&e->value) == VT_BOOL && V_BOOL(&e->value))) {
      add(b, L"(");
      add_value(b, CIM_STRING, &e->value);
      add(b, L")");
    }
  }
  if (n) add(b, L"]");
}

BSTR mof_text(const sim_data *d)
{
  mbuf b = { NULL, 0, 0 };
  BSTR r;
  int i;
  add(&b, L"\n");
  if (d->is_class) {
    add_quals(&b, &d->quals, TRUE);
    if (d->quals.n) add(&b, L"\n");
    add(&b, L"class ");
    add(&b, d->cls ? d->cls : L"");
    if (d->super) {
      add(&b, L" : ");
      add(&b, d->super);
    }
    add(&b, L"\n{\n");
    for (i = 0; i < d->n; i++) {
      const sim_prop *p = &d->props[i];
      BOOL local = !p->origin || (d->cls && _wcsicmp(p->origin, d->cls) == 0);
      if (!local) continue;                  /* inherited members belong to the superclass's text */
      add(&b, L"\t");
      if (p->quals.n) {
        add_quals(&b, &p->quals, FALSE);
        add(&b, L" ");
      }
      add(&b, type_name(p->type));
      add(&b, L" ");
      add(&b, p->name);
      if (p->type & CIM_FLAG_ARRAY) add(&b, L"[]");
      if (V_VT(&p->value) != VT_NULL) {
        add(&b, L" = ");
        add_value(&b, p->type, &p->value);
      }
      add(&b, L";\n");
    }
  }
  else {
    add(&b, L"instance of ");
    add(&b, d->cls ? d->cls : L"");
    add(&b, L"\n{\n");
    for (i = 0; i < d->n; i++) {
      const sim_prop *p = &d->props[i];
      if (V_VT(&p->value) == VT_NULL) continue;
      add(&b, L"\t");
      add(&b, p->name);
      add(&b, L" = ");
      add_value(&b, p->type, &p->value);
      add(&b, L";\n");
    }
  }
  add(&b, L"};\n");
  r = SysAllocString(b.s ? b.s : L"");
  free(b.s);
  return r;
}
