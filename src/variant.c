/*
** variant.c: VARIANT <-> Lua.
**
**   VT_EMPTY, VT_NULL, VT_ERROR(DISP_E_PARAMNOTFOUND)  -> nil        (nil goes out as VT_EMPTY)
**   VT_BOOL                                            <-> boolean
**   VT_I1 .. VT_UI8, VT_INT, VT_UINT                   -> integer    (out: VT_I4 if it fits, else VT_I8)
**   VT_UI8 above math.maxinteger                       -> decimal string (no digit is lost; WMI
**                                                         hands 64-bit integers to scripts as strings too)
**   VT_R4, VT_R8, VT_CY, VT_DECIMAL                    -> float      (floats go out as VT_R8, 1.0 too)
**   VT_BSTR                                            <-> string    (UTF-8 <-> UTF-16; invalid UTF-8 is an
**                                                         error; embedded zeros are kept both ways)
**   VT_DATE                                            -> "YYYY-MM-DDTHH:MM:SS" (local time, as stored;
**                                                         ".mmm" added when there are milliseconds);
**                                                         a table {year=,month=,day=[,hour=,min=,sec=]}
**                                                         (the shape of os.date("*t")) goes out as VT_DATE
**   VT_ARRAY of anything                               <-> sequence  (multi-dimensional arrays become
**                                                         nested sequences; a sequence goes out as a
**                                                         VT_ARRAY|VT_VARIANT, nested tables as nested arrays)
**   VT_DISPATCH, VT_UNKNOWN (with IDispatch)           <-> bridged object (WBEM_OBJECT; a WBEM_SINK goes out too)
**   VT_BYREF|x                                         -> the value it points to
**   VT_ERROR (other codes)                             -> an error object (a value, not raised)
**
** Conversion out of Lua is done in two passes: check_value() walks the value
** and raises on anything that cannot be converted before anything is
** allocated; build_value() then allocates and only fails on out-of-memory,
** cleaning up after itself. So a Lua error never leaks a BSTR or a SAFEARRAY.
** (What a nil becomes for a typed parameter, and unsigned 32-bit integers for
** long parameters, is dispatch.c's business: it knows the parameter types.)
*/
#include "wbem.h"

#include <stdarg.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 32   /* nested tables: deeper is almost surely a cycle */

/* ---- UTF-8 <-> UTF-16 ---------------------------------------------------- */

/* Decodes one UTF-8 sequence at s[0..len); returns its length or 0 when it is
** not well formed (overlong forms, surrogates and values above U+10FFFF are
** rejected, as RFC 3629 says). */
static size_t utf8_decode(const unsigned char *s, size_t len, unsigned long *cp) {
  unsigned long c = s[0];
  size_t n, i;
  unsigned long min;
  if (c < 0x80) { *cp = c; return 1; }
  else if ((c & 0xE0) == 0xC0) { n = 2; c &= 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { n = 3; c &= 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { n = 4; c &= 0x07; min = 0x10000; }
  else return 0;
  if (len < n) return 0;
  for (i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return n;
}

/* Number of UTF-16 units for s, or (size_t)-1 when s is not valid UTF-8; *bad gets the offset. */
static size_t utf16_length(const char *s, size_t len, size_t *bad) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, units = 0;
  while (i < len) {
    unsigned long cp;
    size_t n = utf8_decode(p + i, len - i, &cp);
    if (n == 0) { *bad = i; return (size_t)-1; }
    units += cp >= 0x10000 ? 2 : 1;
    i += n;
  }
  return units;
}

static void utf16_fill(OLECHAR *out, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    unsigned long cp = 0;
    i += utf8_decode(p + i, len - i, &cp);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      *out++ = (OLECHAR)(0xD800 + (cp >> 10));
      *out++ = (OLECHAR)(0xDC00 + (cp & 0x3FF));
    } else *out++ = (OLECHAR)cp;
  }
}

/* What a Lua value being converted is, for the error that refuses it: argument argno
** of the member name (a call), the value put into name (argno 0), or nothing said
** (name NULL). Formatted only when a value is refused. */
typedef struct conv {
  const char *name;
  int argno;
} conv;

/* Raises "wbem: <what the value is>: <reason>", at the caller's line (as luaL_error). */
static int conv_error(lua_State *L, const conv *c, const char *fmt, ...) {
  va_list ap;
  luaL_where(L, 1);
  if (c == NULL || c->name == NULL) lua_pushliteral(L, "wbem: ");
  else if (c->argno > 0) lua_pushfstring(L, "wbem: argument #%d to '%s': ", c->argno, c->name);
  else lua_pushfstring(L, "wbem: the value for '%s': ", c->name);
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  lua_concat(L, 3);
  return lua_error(L);
}

/* Raises unless the string at idx is valid UTF-8. */
static void check_utf8(lua_State *L, int idx, const char *what, const conv *c) {
  size_t len, bad = 0;
  const char *s = lua_tolstring(L, idx, &len);
  if (utf16_length(s, len, &bad) == (size_t)-1) {
    char buf[64];
    snprintf(buf, sizeof buf, "bad byte 0x%02X at offset %u", (unsigned int)(unsigned char)s[bad],
             (unsigned int)bad);
    conv_error(L, c, "%s is not valid UTF-8 (%s)", what, buf);
  }
}

/* A BSTR for a string already known to be valid UTF-8; NULL when out of memory. */
static BSTR make_bstr(const char *s, size_t len) {
  size_t bad = 0, units = utf16_length(s, len, &bad);
  BSTR b;
  if (units == (size_t)-1 || units > 0x7FFFFFFF) return NULL;
  b = SysAllocStringLen(NULL, (UINT)units);
  if (b != NULL) utf16_fill(b, s, len);
  return b;
}

BSTR wbem_check_bstr(lua_State *L, int idx) {
  size_t len;
  const char *s = luaL_checklstring(L, idx, &len);
  BSTR b;
  check_utf8(L, idx, "string", NULL);
  b = make_bstr(s, len);
  if (b == NULL) luaL_error(L, "wbem: not enough memory for a string");
  return b;
}

/* UTF-16 -> UTF-8. An unpaired surrogate becomes U+FFFD: UTF-8 cannot carry it. */
void wbem_push_bstr(lua_State *L, const OLECHAR *s, UINT len) {
  luaL_Buffer b;
  UINT i;
  luaL_buffinit(L, &b);
  for (i = 0; i < len; i++) {
    unsigned long c = s[i];
    char *o;
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
    o = luaL_prepbuffsize(&b, 4);
    if (c < 0x80) { o[0] = (char)c; luaL_addsize(&b, 1); }
    else if (c < 0x800) {
      o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 0x3F));
      luaL_addsize(&b, 2);
    } else if (c < 0x10000) {
      o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
      o[2] = (char)(0x80 | (c & 0x3F));
      luaL_addsize(&b, 3);
    } else {
      o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
      o[2] = (char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F));
      luaL_addsize(&b, 4);
    }
  }
  luaL_pushresult(&b);
}

/* ---- VARIANT -> Lua ------------------------------------------------------- */

static int vt_error(lua_State *L, const char *what, VARTYPE vt) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%04x", (unsigned int)vt);
  return luaL_error(L, "%s%s", what, buf);
}

static void push_date(lua_State *L, DATE d) {
  SYSTEMTIME st;
  char buf[40];
  /* VariantTimeToSystemTime rounds to whole seconds; keep the milliseconds ourselves. */
  double frac = d - (double)(long long)d;
  long long ms_of_day;
  if (frac < 0) frac = -frac;
  ms_of_day = (long long)(frac * 86400000.0 + 0.5);
  if (!VariantTimeToSystemTime(d, &st)) {
    lua_pushnumber(L, d);
    return;
  }
  if (ms_of_day % 1000 != 0) {
    /* VariantTimeToSystemTime may have rounded the second up: rebuild it from ms_of_day. */
    long long s = ms_of_day / 1000;
    st.wHour = (WORD)(s / 3600);
    st.wMinute = (WORD)((s / 60) % 60);
    st.wSecond = (WORD)(s % 60);
    snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", st.wYear, st.wMonth, st.wDay,
             st.wHour, st.wMinute, st.wSecond, (unsigned)(ms_of_day % 1000));
  } else
    snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u", st.wYear, st.wMonth, st.wDay,
             st.wHour, st.wMinute, st.wSecond);
  lua_pushstring(L, buf);
}

static void push_ui8(lua_State *L, ULONGLONG u) {
  if (u <= (ULONGLONG)LUA_MAXINTEGER) lua_pushinteger(L, (lua_Integer)u);
  else {
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
    lua_pushstring(L, buf);
  }
}

static size_t scalar_size(VARTYPE vt) {
  switch (vt) {
    case VT_I1: case VT_UI1: return 1;
    case VT_I2: case VT_UI2: case VT_BOOL: return 2;
    case VT_I4: case VT_UI4: case VT_INT: case VT_UINT: case VT_R4: case VT_ERROR: return 4;
    case VT_I8: case VT_UI8: case VT_R8: case VT_CY: case VT_DATE: return 8;
    case VT_BSTR: case VT_DISPATCH: case VT_UNKNOWN: return sizeof(void *);
    default: return 0;
  }
}

static void push_array(lua_State *L, SAFEARRAY *psa, VARTYPE elemvt, int parent, int depth);

/* A non-owning VARIANT view of one element stored at p with type vt. */
static int view_of(VARIANT *view, VARTYPE vt, void *p) {
  size_t n;
  VariantInit(view);
  if (vt == VT_VARIANT) { *view = *(VARIANT *)p; return 1; }
  if (vt == VT_DECIMAL) {
    V_DECIMAL(view) = *(DECIMAL *)p;
    V_VT(view) = VT_DECIMAL;   /* after: DECIMAL's first field overlaps vt */
    return 1;
  }
  n = scalar_size(vt);
  if (n == 0) return 0;
  memcpy(&V_UI1(view), p, n);
  V_VT(view) = vt;
  return 1;
}

/* A VARIANT that is neither an array nor a reference. */
static void push_scalar(lua_State *L, const VARIANT *v, int parent) {
  VARTYPE vt = V_VT(v);
  switch (vt) {
    case VT_EMPTY: case VT_NULL: lua_pushnil(L); break;
    case VT_BOOL: lua_pushboolean(L, V_BOOL(v) != VARIANT_FALSE); break;
    case VT_I1: lua_pushinteger(L, V_I1(v)); break;
    case VT_UI1: lua_pushinteger(L, V_UI1(v)); break;
    case VT_I2: lua_pushinteger(L, V_I2(v)); break;
    case VT_UI2: lua_pushinteger(L, V_UI2(v)); break;
    case VT_I4: lua_pushinteger(L, V_I4(v)); break;
    case VT_UI4: lua_pushinteger(L, V_UI4(v)); break;
    case VT_INT: lua_pushinteger(L, V_INT(v)); break;
    case VT_UINT: lua_pushinteger(L, V_UINT(v)); break;
    case VT_I8: lua_pushinteger(L, (lua_Integer)V_I8(v)); break;
    case VT_UI8: push_ui8(L, V_UI8(v)); break;
    case VT_R4: lua_pushnumber(L, V_R4(v)); break;
    case VT_R8: lua_pushnumber(L, V_R8(v)); break;
    case VT_CY: case VT_DECIMAL: {
      double d;
      if (vt == VT_CY) VarR8FromCy(V_CY(v), &d);
      else {
        DECIMAL dec = V_DECIMAL(v);
        VarR8FromDec(&dec, &d);
      }
      lua_pushnumber(L, d);
      break;
    }
    case VT_DATE: push_date(L, V_DATE(v)); break;
    case VT_BSTR:
      if (V_BSTR(v) == NULL) lua_pushliteral(L, "");
      else wbem_push_bstr(L, V_BSTR(v), SysStringLen(V_BSTR(v)));
      break;
    case VT_DISPATCH:
      if (V_DISPATCH(v) == NULL) lua_pushnil(L);
      else wbem_push_object(L, V_DISPATCH(v), parent);
      break;
    case VT_UNKNOWN: {
      IDispatch **d;
      if (V_UNKNOWN(v) == NULL) { lua_pushnil(L); break; }
      d = wbem_new_object(L, parent);   /* the holder first (wbem.h) */
      if (FAILED(IUnknown_QueryInterface(V_UNKNOWN(v), &IID_IDispatch, (void **)d)) || *d == NULL)
        luaL_error(L, "wbem: got an object without IDispatch (VT_UNKNOWN), which Lua cannot use");
      break;
    }
    case VT_ERROR:
      if (V_ERROR(v) == DISP_E_PARAMNOTFOUND) lua_pushnil(L);
      else wbem_push_error_ex(L, V_ERROR(v), "VT_ERROR value", NULL, NULL);
      break;
    default:
      vt_error(L, "wbem: cannot convert a VARIANT of type ", vt);
  }
}

static void push_variant(lua_State *L, const VARIANT *v, int parent, int depth) {
  VARTYPE vt = V_VT(v);
  if (depth > MAX_DEPTH) luaL_error(L, "wbem: VARIANT nested too deeply");
  luaL_checkstack(L, 4, "wbem: VARIANT");
  if (vt & VT_ARRAY) {
    SAFEARRAY *psa = (vt & VT_BYREF) ? (V_ARRAYREF(v) ? *V_ARRAYREF(v) : NULL) : V_ARRAY(v);
    if (psa == NULL) lua_pushnil(L);
    else push_array(L, psa, vt & VT_TYPEMASK, parent, depth + 1);
  } else if (vt & VT_BYREF) {
    VARIANT view;
    if (V_BYREF(v) == NULL) { lua_pushnil(L); return; }
    if (!view_of(&view, vt & VT_TYPEMASK, V_BYREF(v)))
      vt_error(L, "wbem: cannot convert a VARIANT of type ", vt);
    push_variant(L, &view, parent, depth + 1);
  } else
    push_scalar(L, v, parent);
}

/* Fills the table on top with dimension dim (1-based, leftmost first) of psa. */
static void push_dimension(lua_State *L, SAFEARRAY *psa, VARTYPE vt, LONG *index, UINT dim,
                           int parent, int depth) {
  LONG lo, hi, i;
  SafeArrayGetLBound(psa, dim, &lo);
  SafeArrayGetUBound(psa, dim, &hi);
  lua_createtable(L, hi >= lo ? (int)(hi - lo + 1) : 0, 0);
  for (i = lo; i <= hi; i++) {
    index[dim - 1] = i;
    if (dim == SafeArrayGetDim(psa)) {
      void *p;
      VARIANT view;
      if (FAILED(SafeArrayPtrOfIndex(psa, index, &p)) || !view_of(&view, vt, p))
        vt_error(L, "wbem: cannot read an array element of type ", vt);
      push_variant(L, &view, parent, depth);
    } else
      push_dimension(L, psa, vt, index, dim + 1, parent, depth);
    lua_rawseti(L, -2, (lua_Integer)(i - lo + 1));
  }
}

static void push_array(lua_State *L, SAFEARRAY *psa, VARTYPE elemvt, int parent, int depth) {
  LONG index[64];
  VARTYPE vt = elemvt;
  UINT dims = SafeArrayGetDim(psa);
  if (dims == 0 || dims > 64) luaL_error(L, "wbem: SAFEARRAY with %d dimensions", (int)dims);
  /* The array's own element type wins over the one in the VARIANT. */
  if (psa->fFeatures & FADF_HAVEVARTYPE) SafeArrayGetVartype(psa, &vt);
  else if (psa->fFeatures & FADF_VARIANT) vt = VT_VARIANT;
  else if (psa->fFeatures & FADF_BSTR) vt = VT_BSTR;
  else if (psa->fFeatures & FADF_DISPATCH) vt = VT_DISPATCH;
  else if (psa->fFeatures & FADF_UNKNOWN) vt = VT_UNKNOWN;
  if (vt != VT_VARIANT && vt != VT_DECIMAL && scalar_size(vt) == 0)
    vt_error(L, "wbem: cannot convert a SAFEARRAY of type ", vt);
  push_dimension(L, psa, vt, index, 1, parent, depth);
}

void wbem_push_variant_from(lua_State *L, const VARIANT *v, int parent) {
  if (parent != 0) parent = lua_absindex(L, parent);
  push_variant(L, v, parent, 0);
}

/* An event's argument: an object's reference moves from v to the pushed object (v is
** left empty) instead of an AddRef now and v's Release when the event is freed. Under
** Wine each is a call into an object a burst of events has long left cold. */
void wbem_take_variant(lua_State *L, VARIANT *v, int parent) {
  if (V_VT(v) == VT_DISPATCH && V_DISPATCH(v) != NULL) {
    IDispatch **slot = wbem_new_object(L, parent);   /* the holder first: it may raise */
    *slot = V_DISPATCH(v);
    V_VT(v) = VT_EMPTY;
  } else
    wbem_push_variant_from(L, v, parent);
}

void wbem_push_variant(lua_State *L, const VARIANT *v) {
  push_variant(L, v, 0, 0);
}

/* ---- Lua -> VARIANT ------------------------------------------------------- */

/* A table counts as a date when it has the fields of os.date("*t"). */
int wbem_is_date_table(lua_State *L, int idx) {
  int t = lua_getfield(L, idx, "year");
  lua_pop(L, 1);
  return t != LUA_TNIL && lua_rawlen(L, idx) == 0;
}

static int date_field(lua_State *L, int idx, const char *k, int dflt, int lo, int hi, const conv *c) {
  lua_Integer v;
  int isnum;
  lua_getfield(L, idx, k);
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return dflt; }
  v = lua_tointegerx(L, -1, &isnum);
  lua_pop(L, 1);
  if (!isnum || v < lo || v > hi)
    conv_error(L, c, "date field '%s' must be an integer in %d..%d", k, lo, hi);
  return (int)v;
}

/* The proleptic Gregorian calendar, as VT_DATE counts. */
static int days_in_month(int year, int month) {
  static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

static DATE check_date(lua_State *L, int idx, const conv *c) {
  SYSTEMTIME st;
  DATE d;
  memset(&st, 0, sizeof st);
  st.wYear = (WORD)date_field(L, idx, "year", 0, 100, 9999, c);
  st.wMonth = (WORD)date_field(L, idx, "month", 0, 1, 12, c);
  st.wDay = (WORD)date_field(L, idx, "day", 0, 1, 31, c);
  st.wHour = (WORD)date_field(L, idx, "hour", 0, 0, 23, c);
  st.wMinute = (WORD)date_field(L, idx, "min", 0, 0, 59, c);
  st.wSecond = (WORD)date_field(L, idx, "sec", 0, 0, 59, c);
  if (st.wMonth == 0 || st.wDay == 0) conv_error(L, c, "a date needs year, month and day");
  /* SystemTimeToVariantTime would carry 30 February into 2 March: refuse it instead */
  if (st.wDay > days_in_month(st.wYear, st.wMonth)) {
    char month[16];
    snprintf(month, sizeof month, "%04d-%02d", (int)st.wYear, (int)st.wMonth);
    conv_error(L, c, "date field 'day' is %d, but %s has %d days", (int)st.wDay, month,
               days_in_month(st.wYear, st.wMonth));
  }
  if (!SystemTimeToVariantTime(&st, &d)) conv_error(L, c, "not a valid date");
  return d;
}

/* Raises unless the table at idx is a sequence 1..n; returns n. */
static lua_Integer check_sequence(lua_State *L, int idx, const conv *c) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n)
      conv_error(L, c, "a table given to COM must be a sequence (an array), "
                       "but it has the key %s", luaL_tolstring(L, -1, NULL));
    count++;
  }
  if (count != n) conv_error(L, c, "a table given to COM must be a sequence without holes");
  if (n > 0x7FFFFFFF) conv_error(L, c, "table too long for a SAFEARRAY");
  return n;
}

/* First pass: raises on anything that cannot be converted. */
static void check_value(lua_State *L, int idx, int depth, const conv *c) {
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 4, "wbem: converting to VARIANT");
  switch (lua_type(L, idx)) {
    case LUA_TNIL: case LUA_TBOOLEAN: case LUA_TNUMBER: return;
    case LUA_TSTRING: check_utf8(L, idx, "string", c); return;
    case LUA_TUSERDATA:
      if (wbem_to_dispatch(L, idx) == NULL) {
        if (wbem_test_object(L, idx))
          conv_error(L, c, "object is closed");
        if (luaL_testudata(L, idx, WBEM_SINK))
          conv_error(L, c, "the sink is closed");
        conv_error(L, c, "cannot pass a %s to COM", luaL_typename(L, idx));
      }
      return;
    case LUA_TTABLE: {
      lua_Integer i, n;
      if (depth >= MAX_DEPTH) conv_error(L, c, "table nested too deeply (a cycle?)");
      if (wbem_is_date_table(L, idx)) { check_date(L, idx, c); return; }
      n = check_sequence(L, idx, c);
      for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        check_value(L, -1, depth + 1, c);
        lua_pop(L, 1);
      }
      return;
    }
    default:
      conv_error(L, c, "cannot pass a %s to COM", luaL_typename(L, idx));
  }
}

static HRESULT build_value(lua_State *L, int idx, VARIANT *out);

/* A sequence at idx (absolute) as a VT_ARRAY|VT_VARIANT. */
static HRESULT build_array(lua_State *L, int idx, VARIANT *out) {
  lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);
  SAFEARRAY *psa = SafeArrayCreateVector(VT_VARIANT, 0, (ULONG)n);
  VARIANT *data;
  HRESULT hr = S_OK;
  if (psa == NULL) return E_OUTOFMEMORY;
  if (n > 0) {
    if (FAILED(hr = SafeArrayAccessData(psa, (void **)&data))) {
      SafeArrayDestroy(psa);
      return hr;
    }
    for (i = 1; i <= n && SUCCEEDED(hr); i++) {
      lua_rawgeti(L, idx, i);
      hr = build_value(L, -1, &data[i - 1]);
      lua_pop(L, 1);
    }
    SafeArrayUnaccessData(psa);
  }
  if (FAILED(hr)) {
    SafeArrayDestroy(psa);   /* clears the elements already built */
    return hr;
  }
  V_VT(out) = VT_ARRAY | VT_VARIANT;
  V_ARRAY(out) = psa;
  return S_OK;
}

/* Second pass: the value is known to be convertible; only memory can fail. */
static HRESULT build_value(lua_State *L, int idx, VARIANT *out) {
  VariantInit(out);
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return S_OK;
    case LUA_TBOOLEAN:
      V_VT(out) = VT_BOOL;
      V_BOOL(out) = lua_toboolean(L, idx) ? VARIANT_TRUE : VARIANT_FALSE;
      return S_OK;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        lua_Integer i = lua_tointeger(L, idx);
        if (i >= INT32_MIN && i <= INT32_MAX) { V_VT(out) = VT_I4; V_I4(out) = (LONG)i; }
        else { V_VT(out) = VT_I8; V_I8(out) = (LONGLONG)i; }
      } else {
        V_VT(out) = VT_R8;
        V_R8(out) = lua_tonumber(L, idx);
      }
      return S_OK;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      BSTR b = make_bstr(s, len);
      if (b == NULL) return E_OUTOFMEMORY;
      V_VT(out) = VT_BSTR;
      V_BSTR(out) = b;
      return S_OK;
    }
    case LUA_TUSERDATA: {
      IDispatch *d = wbem_to_dispatch(L, idx);
      IDispatch_AddRef(d);
      V_VT(out) = VT_DISPATCH;
      V_DISPATCH(out) = d;
      return S_OK;
    }
    case LUA_TTABLE:
      if (wbem_is_date_table(L, idx)) {
        V_VT(out) = VT_DATE;
        V_DATE(out) = check_date(L, idx, NULL);   /* checked already: it cannot raise */
        return S_OK;
      }
      return build_array(L, idx, out);
    default:
      return E_INVALIDARG;   /* check_value rejected it already */
  }
}

static void check_variant(lua_State *L, int idx, VARIANT *out, const conv *c) {
  HRESULT hr;
  idx = lua_absindex(L, idx);
  VariantInit(out);
  check_value(L, idx, 0, c);
  hr = build_value(L, idx, out);
  if (FAILED(hr)) {
    VariantClear(out);
    wbem_raise(L, hr, "convert a Lua value to a VARIANT", NULL);
  }
}

void wbem_check_variant(lua_State *L, int idx, VARIANT *out) {
  check_variant(L, idx, out, NULL);
}

void wbem_check_arg(lua_State *L, int idx, VARIANT *out, const char *name, int argno) {
  conv c;
  c.name = name;
  c.argno = argno;
  check_variant(L, idx, out, &c);
}

/* core.roundtrip(v [, vt]): Lua -> VARIANT [-> VariantChangeType(vt)] -> Lua
** without any COM object, to see what a value becomes and to reach the VARIANT
** types no Lua value converts to (VT_UI8, VT_DECIMAL, ...). Returns the value
** and the VARTYPE it had. */
static int l_roundtrip(lua_State *L) {
  VARIANT v, changed;
  HRESULT hr;
  luaL_checkany(L, 1);
  wbem_check_variant(L, 1, &v);
  if (!lua_isnoneornil(L, 2)) {
    lua_Integer vt = luaL_checkinteger(L, 2);
    VariantInit(&changed);
    hr = (vt < 0 || vt > 0xFFFF) ? E_INVALIDARG : VariantChangeType(&changed, &v, 0, (VARTYPE)vt);
    VariantClear(&v);
    if (FAILED(hr)) return wbem_raise(L, hr, "VariantChangeType", NULL);
    v = changed;
  }
  lua_pushinteger(L, V_VT(&v));
  wbem_push_variant(L, &v);
  VariantClear(&v);
  lua_insert(L, -2);
  return 2;
}

static const luaL_Reg funcs[] = {
  {"roundtrip", l_roundtrip},
  {NULL, NULL}
};

void wbem_open_variant(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
