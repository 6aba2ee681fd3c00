/*
** mof.c: GetObjectText_, the object in MOF ("instance of Class { P = v; };" for an
** instance, "class Name : Super { [key] string P; };" for a class), as
** IWbemClassObject::GetObjectText writes it: a leading newline, tab-indented members,
** instances list only the properties that are not null.
*/
#include <stdlib.h>
#include <stdio.h>
#include "wbemsim.h"

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
  case CIM_OBJECT: return L"object";
  default: return L"string";
  }
}

static void add_scalar(sim_strbuf *b, CIMTYPE type, const VARIANT *v)
{
  VARIANT t;
  if (V_VT(v) == VT_DISPATCH) {
    /* an embedded object (an event's TargetInstance ...): its own MOF, inline */
    const sim_data *d = object_embedded_data(V_DISPATCH(v));
    BSTR text = d ? mof_text(d) : NULL;
    if (text) {
      size_t n = wcslen(text);
      if (n && text[n - 1] == L'\n') n--;          /* the value's ";" follows */
      if (n && text[n - 1] == L';') n--;
      strbuf_add(b, text, n);
    }
    SysFreeString(text);
    return;
  }
  if (V_VT(v) == VT_BOOL) {
    strbuf_str(b, V_BOOL(v) ? L"TRUE" : L"FALSE");
    return;
  }
  VariantInit(&t);
  if (FAILED(VariantChangeTypeEx(&t, (VARIANT *)v, LOCALE_INVARIANT, 0, VT_BSTR))) return;
  if (cim_quoted(type) || (type & ~CIM_FLAG_ARRAY) == CIM_STRING) strbuf_quoted(b, V_BSTR(&t));
  else strbuf_str(b, V_BSTR(&t));
  VariantClear(&t);
}

static void add_value(sim_strbuf *b, CIMTYPE type, const VARIANT *v)
{
  if (V_VT(v) & VT_ARRAY) {
    LONG lb, ub, i;
    SafeArrayGetLBound(V_ARRAY(v), 1, &lb);
    SafeArrayGetUBound(V_ARRAY(v), 1, &ub);
    strbuf_str(b, L"{");
    for (i = lb; i <= ub; i++) {
      VARIANT e;
      VariantInit(&e);
      if (SUCCEEDED(SafeArrayGetElement(V_ARRAY(v), &i, &e))) {
        if (i > lb) strbuf_str(b, L", ");
        add_scalar(b, type, &e);
        VariantClear(&e);
      }
    }
    strbuf_str(b, L"}");
  }
  else add_scalar(b, type, v);
}

static void add_quals(sim_strbuf *b, const sim_quals *q, BOOL local_only)
{
  int i, n = 0;
  for (i = 0; i < q->n; i++) {
    const sim_qual *e = &q->v[i];
    if (local_only && !e->local) continue;
    strbuf_str(b, n++ ? L", " : L"[");
    strbuf_str(b, e->name);
    if (!(V_VT(&e->value) == VT_BOOL && V_BOOL(&e->value))) {
      strbuf_str(b, L"(");
      add_value(b, CIM_STRING, &e->value);
      strbuf_str(b, L")");
    }
  }
  if (n) strbuf_str(b, L"]");
}

BSTR mof_text(const sim_data *d)
{
  sim_strbuf b = { NULL, 0, 0, FALSE };
  BSTR r;
  int i;
  strbuf_str(&b, L"\n");
  if (d->is_class) {
    add_quals(&b, &d->quals, TRUE);
    if (d->quals.n) strbuf_str(&b, L"\n");
    strbuf_str(&b, L"class ");
    strbuf_str(&b, d->cls ? d->cls : L"");
    if (d->super) {
      strbuf_str(&b, L" : ");
      strbuf_str(&b, d->super);
    }
    strbuf_str(&b, L"\n{\n");
    for (i = 0; i < d->n; i++) {
      const sim_prop *p = &d->props[i];
      BOOL local = !p->origin || (d->cls && _wcsicmp(p->origin, d->cls) == 0);
      if (!local) continue;                  /* inherited members belong to the superclass's text */
      strbuf_str(&b, L"\t");
      if (p->quals.n) {
        add_quals(&b, &p->quals, FALSE);
        strbuf_str(&b, L" ");
      }
      strbuf_str(&b, type_name(p->type));
      strbuf_str(&b, L" ");
      strbuf_str(&b, p->name);
      if (p->type & CIM_FLAG_ARRAY) strbuf_str(&b, L"[]");
      if (V_VT(&p->value) != VT_NULL) {
        strbuf_str(&b, L" = ");
        add_value(&b, p->type, &p->value);
      }
      strbuf_str(&b, L";\n");
    }
  }
  else {
    strbuf_str(&b, L"instance of ");
    strbuf_str(&b, d->cls ? d->cls : L"");
    strbuf_str(&b, L"\n{\n");
    for (i = 0; i < d->n; i++) {
      const sim_prop *p = &d->props[i];
      if (V_VT(&p->value) == VT_NULL) continue;
      strbuf_str(&b, L"\t");
      strbuf_str(&b, p->name);
      strbuf_str(&b, L" = ");
      add_value(&b, p->type, &p->value);
      strbuf_str(&b, L";\n");
    }
  }
  strbuf_str(&b, L"};\n");
  r = SysAllocString(b.s ? b.s : L"");
  free(b.s);
  return r;
}
