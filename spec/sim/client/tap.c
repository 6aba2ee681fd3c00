/* TAP output, the per-test object pool, and the runner that wraps every test in
 * Control.Reset() before and a LiveObjects check after. */
#include "client.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int n_run, n_failed;

static void vline(const char *status, const char *fmt, va_list ap)
{
    printf("%s %d - ", status, ++n_run);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
}

int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(cond ? "ok" : "not ok", fmt, ap);
    va_end(ap);
    if (!cond) n_failed++;
    return cond;
}

/* every line of a diagnostic starts with "# ", so multi-line text (MOF) stays TAP */
void diag(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *line = buf, *end; line; line = end) {
        end = strchr(line, '\n');
        if (end) *end++ = 0;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r') line[--len] = 0;
        if (!len && !end) break;
        printf("# %s\n", line);
    }
    fflush(stdout);
}

static const struct { HRESULT hr; const char *name; } names[] = {
    { S_OK, "S_OK" }, { S_FALSE, "S_FALSE" },
    { E_NOTIMPL, "E_NOTIMPL" }, { E_NOINTERFACE, "E_NOINTERFACE" },
    { E_POINTER, "E_POINTER" }, { E_FAIL, "E_FAIL" }, { E_INVALIDARG, "E_INVALIDARG" },
    { E_OUTOFMEMORY, "E_OUTOFMEMORY" }, { REGDB_E_CLASSNOTREG, "REGDB_E_CLASSNOTREG" },
    { CO_E_CLASSSTRING, "CO_E_CLASSSTRING" }, { RPC_E_WRONG_THREAD, "RPC_E_WRONG_THREAD" },
    { DISP_E_UNKNOWNNAME, "DISP_E_UNKNOWNNAME" }, { DISP_E_MEMBERNOTFOUND, "DISP_E_MEMBERNOTFOUND" },
    { DISP_E_TYPEMISMATCH, "DISP_E_TYPEMISMATCH" }, { DISP_E_BADPARAMCOUNT, "DISP_E_BADPARAMCOUNT" },
    { DISP_E_PARAMNOTFOUND, "DISP_E_PARAMNOTFOUND" }, { DISP_E_EXCEPTION, "DISP_E_EXCEPTION" },
    { DISP_E_BADVARTYPE, "DISP_E_BADVARTYPE" }, { DISP_E_OVERFLOW, "DISP_E_OVERFLOW" },
    { (HRESULT)0x80041001, "WBEM_E_FAILED" }, { (HRESULT)0x80041002, "WBEM_E_NOT_FOUND" },
    { (HRESULT)0x80041004, "WBEM_E_PROVIDER_FAILURE" }, { (HRESULT)0x80041005, "WBEM_E_TYPE_MISMATCH" },
    { (HRESULT)0x80041008, "WBEM_E_INVALID_PARAMETER" }, { (HRESULT)0x8004100C, "WBEM_E_NOT_SUPPORTED" },
    { (HRESULT)0x8004100D, "WBEM_E_INVALID_SUPERCLASS" }, { (HRESULT)0x8004100E, "WBEM_E_INVALID_NAMESPACE" },
    { (HRESULT)0x8004100F, "WBEM_E_INVALID_OBJECT" }, { (HRESULT)0x80041010, "WBEM_E_INVALID_CLASS" },
    { (HRESULT)0x80041016, "WBEM_E_INVALID_OPERATION" }, { (HRESULT)0x80041017, "WBEM_E_INVALID_QUERY" },
    { (HRESULT)0x80041019, "WBEM_E_ALREADY_EXISTS" }, { (HRESULT)0x8004101D, "WBEM_E_UNEXPECTED" },
    { (HRESULT)0x80041021, "WBEM_E_INVALID_SYNTAX" }, { (HRESULT)0x80041025, "WBEM_E_CLASS_HAS_CHILDREN" },
    { (HRESULT)0x80041026, "WBEM_E_CLASS_HAS_INSTANCES" }, { (HRESULT)0x80041028, "WBEM_E_ILLEGAL_NULL" },
    { (HRESULT)0x8004102A, "WBEM_E_INVALID_PROPERTY_TYPE" }, { (HRESULT)0x80041031, "WBEM_E_INVALID_PROPERTY" },
    { (HRESULT)0x80041032, "WBEM_E_CALL_CANCELLED" }, { (HRESULT)0x8004103A, "WBEM_E_INVALID_OBJECT_PATH" },
    { (HRESULT)0x80041048, "WBEM_E_UNSUPPORTED_CLASS_UPDATE" }, { (HRESULT)0x80041052, "WBEM_E_UPDATE_TYPE_MISMATCH" },
    { (HRESULT)0x80041018, "WBEM_E_INVALID_QUERY_TYPE" }, { (HRESULT)0x80041053, "WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED" },
    { (HRESULT)0x80041089, "WBEM_E_NO_KEY" },
};

const char *hr_name(HRESULT hr)
{
    static char buf[4][64];
    static int slot;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].hr == hr) return names[i].name;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof buf[slot], "0x%08lX", (unsigned long)hr);
    return buf[slot];
}

static int vcheck(int cond, const char *fmt, va_list ap)
{
    vline(cond ? "ok" : "not ok", fmt, ap);
    if (!cond) n_failed++;
    return cond;
}

int check_hr(HRESULT got, HRESULT want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vcheck(got == want, fmt, ap);
    va_end(ap);
    if (!r) {
        diag("got %s (0x%08lX), expected %s (0x%08lX)%s%s", hr_name(got), (unsigned long)got,
             hr_name(want), (unsigned long)want, *disp_last_error() ? ": " : "", disp_last_error());
    }
    return r;
}

int check_wstr(const WCHAR *got, const WCHAR *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vcheck(got && want && wcscmp(got, want) == 0, fmt, ap);
    va_end(ap);
    if (!r) diag("got \"%s\", expected \"%s\"", got ? u8(got) : "(null)", u8(want));
    return r;
}

int check_long(LONG got, LONG want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vcheck(got == want, fmt, ap);
    va_end(ap);
    if (!r) diag("got %ld, expected %ld", (long)got, (long)want);
    return r;
}

/* ---- the pool: tests keep what they get, the runner releases it all ---- */
/* per thread: an MTA helper thread keeps its own and releases it before it ends */
static __thread IDispatch **pool;
static __thread size_t pool_n, pool_cap;
static __thread VARIANT **vpool;
static __thread size_t vpool_n, vpool_cap;

IDispatch *keep(IDispatch *obj)
{
    if (!obj) return NULL;
    if (pool_n == pool_cap) {
        pool_cap = pool_cap ? pool_cap * 2 : 64;
        pool = realloc(pool, pool_cap * sizeof *pool);
    }
    pool[pool_n++] = obj;
    return obj;
}

VARIANT *vkeep(void)
{
    VARIANT *v = calloc(1, sizeof *v);
    VariantInit(v);
    if (vpool_n == vpool_cap) {
        vpool_cap = vpool_cap ? vpool_cap * 2 : 64;
        vpool = realloc(vpool, vpool_cap * sizeof *vpool);
    }
    vpool[vpool_n++] = v;
    return v;
}

void pool_release_all(void)
{
    simsink_pool_close();
    simsink_factory_release();
    /* newest first: children before the objects they came from */
    while (vpool_n) {
        VARIANT *v = vpool[--vpool_n];
        VariantClear(v);
        free(v);
    }
    while (pool_n) {
        IDispatch *d = pool[--pool_n];
        IDispatch_Release(d);
    }
}

/* ---- utilities ---- */
const char *u8(const WCHAR *s)
{
    static char ring[8][1024];
    static int slot;
    slot = (slot + 1) % 8;
    if (!s) return "(null)";
    if (!WideCharToMultiByte(CP_UTF8, 0, s, -1, ring[slot], sizeof ring[slot], NULL, NULL))
        strcpy(ring[slot], "(unprintable)");
    return ring[slot];
}

const char *vstr(const VARIANT *v)
{
    static char ring[4][1100];
    static int slot;
    slot = (slot + 1) % 4;
    char *b = ring[slot];
    VARIANT t;
    VariantInit(&t);
    if (V_VT(v) == VT_DISPATCH || V_VT(v) == VT_UNKNOWN)
        snprintf(b, 1100, "vt=%d ptr=%p", V_VT(v), (void *)V_UNKNOWN(v));
    else if (V_VT(v) & VT_ARRAY)
        snprintf(b, 1100, "vt=0x%x (array)", V_VT(v));
    else if (SUCCEEDED(VariantChangeTypeEx(&t, (VARIANT *)v, LOCALE_INVARIANT, VARIANT_ALPHABOOL, VT_BSTR)))
        snprintf(b, 1100, "vt=%d \"%s\"", V_VT(v), u8(V_BSTR(&t)));
    else
        snprintf(b, 1100, "vt=%d", V_VT(v));
    VariantClear(&t);
    return b;
}

static double qpc_freq_ms;

LONGLONG qpc(void)
{
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    return c.QuadPart;
}

double qpc_ms(LONGLONG ticks)
{
    if (!qpc_freq_ms) {
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f);
        qpc_freq_ms = (double)f.QuadPart / 1000.0;
    }
    return (double)ticks / qpc_freq_ms;
}

double now_ms(void) { return qpc_ms(qpc()); }

/* ---- the runner ---- */
static int matches(const char *name, const char *filter)
{
    return !filter || strstr(name, filter) != NULL;
}

static void after_test(const test_case *t)
{
    pool_release_all();
    /* up to 1 s while pumping (marshaled releases arrive as messages) */
    LONG live = ctl_live_settled(g_ctl, 0, 1000);
    check_long(live, 0, "%s: Control.LiveObjects back to zero after the test", t->name);
}

int tap_run(const test_case *const *suites, const char *filter)
{
    HRESULT hr;
    g_ctl = sim_create(L"WbemSim.Control", &hr);
    for (const test_case *const *s = suites; *s; s++) {
        for (const test_case *t = *s; t->name; t++) {
            if (!matches(t->name, filter)) continue;
            if (!g_ctl) {
                ok(0, "%s: WbemSim.Control can be created", t->name);
                diag("CoCreateInstance(WbemSim.Control): %s", hr_name(hr));
                continue;
            }
            hr = disp_call(g_ctl, L"Reset", NULL, 0);
            if (FAILED(hr)) {
                ok(0, "%s: Control.Reset() before the test", t->name);
                diag("Reset: %s %s", hr_name(hr), disp_last_error());
            }
            t->run();
            after_test(t);
        }
    }
    if (g_ctl) {
        disp_call(g_ctl, L"Reset", NULL, 0);
        IDispatch_Release(g_ctl);
        g_ctl = NULL;
    }
    printf("1..%d\n", n_run);
    if (n_failed) printf("# %d of %d checks failed\n", n_failed, n_run);
    fflush(stdout);
    return n_failed == 0 && n_run > 0 ? 0 : 1;
}
