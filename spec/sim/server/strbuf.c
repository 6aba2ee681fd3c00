/*
** strbuf.c: a growing string, what object paths (path.c) and MOF text (mof.c) are written
** into. After a failed allocation it takes nothing more, so a writer checks once, at the end.
*/
#include <stdlib.h>
#include "wbemsim.h"

void strbuf_add(sim_strbuf *b, const WCHAR *s, size_t n)
{
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    WCHAR *ns;
    while (cap < b->n + n + 1) cap *= 2;
    ns = realloc(b->s, cap * sizeof(WCHAR));
    if (!ns) {
      b->failed = TRUE;
      return;
    }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n * sizeof(WCHAR));
  b->n += n;
  b->s[b->n] = 0;
}

void strbuf_str(sim_strbuf *b, const WCHAR *s)
{
  if (s) strbuf_add(b, s, wcslen(s));
}

/* Quoted as object paths and MOF quote strings: '"' and '\' escaped with '\'. */
void strbuf_quoted(sim_strbuf *b, const WCHAR *s)
{
  const WCHAR *c;
  strbuf_add(b, L"\"", 1);
  for (c = s; c && *c; c++) {
    if (*c == L'"' || *c == L'\\') strbuf_add(b, L"\\", 1);
    strbuf_add(b, c, 1);
  }
  strbuf_add(b, L"\"", 1);
}

WCHAR *strbuf_done(sim_strbuf *b)
{
  if (b->failed) {
    free(b->s);
    return NULL;
  }
  if (!b->s) return sim_strdup(L"");
  return b->s;
}
