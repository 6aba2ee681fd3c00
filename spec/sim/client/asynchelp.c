/* The sink side of the checks: starting PutAsync_ with a sink, waiting for its
 * OnCompleted, and reading the recorded events back. */
#include "client.h"
#include <stdio.h>
#include <string.h>

VARIANT v_opt(IDispatch *d) { return d ? v_disp(d) : v_missing(); }

HRESULT put_async(IDispatch *obj, simsink *s, LONG flags, IDispatch *ctx, IDispatch *actx)
{
    if (!s) return E_POINTER;
    return disp_call(obj, L"PutAsync_", NULL, 4, v_disp(s->sink), v_i4(flags), v_opt(ctx),
                     v_opt(actx));
}

struct done_arg { receiver *r; int n; };

static BOOL has_completed(void *p)
{
    struct done_arg *a = p;
    return receiver_count_id(a->r, EV_COMPLETED) >= a->n;
}

BOOL wait_completions(receiver *r, int n, DWORD timeout_ms)
{
    struct done_arg a = { r, n };
    if (!r) return FALSE;
    return wait_until(receiver_group(r)->signal, has_completed, &a, timeout_ms);
}

BOOL wait_done(simsink *s, DWORD timeout_ms)
{
    return s && wait_completions(s->rcv, 1, timeout_ms);
}

const event_rec *find_event(receiver *r, DISPID id, int nth)
{
    int n = receiver_count(r);
    for (int i = 0; i < n; i++) {
        const event_rec *e = receiver_event(r, i);
        if (e->id == id && nth-- == 0) return e;
    }
    return NULL;
}

HRESULT completed_hr(receiver *r)
{
    const event_rec *e = find_event(r, EV_COMPLETED, 0);
    VARIANT v;
    HRESULT hr;
    if (!e || e->argc < 1) return E_PENDING;
    VariantInit(&v);
    if (FAILED(VariantChangeType(&v, (VARIANT *)&e->args[0], 0, VT_I4))) return E_UNEXPECTED;
    hr = V_I4(&v);
    return hr;
}

const char *event_trace(receiver *r)
{
    static char ring[4][1024];
    static int slot;
    static const char *names[] = { "?", "ObjectReady", "Completed", "Progress", "ObjectPut" };
    char *buf = ring[slot = (slot + 1) % 4];
    const size_t size = sizeof ring[0];
    int n = receiver_count(r), len = 0;
    buf[0] = 0;
    for (int i = 0; i < n && len < (int)size - 40; i++) {
        const event_rec *e = receiver_event(r, i);
        len += snprintf(buf + len, size - len, "%s%s", i ? "," : "",
                        e->id >= 1 && e->id <= 4 ? names[e->id] : "?");
        if (e->id == EV_COMPLETED && e->argc >= 1)
            len += snprintf(buf + len, size - len, "(%s)", vstr(&e->args[0]));
    }
    if (!n) snprintf(buf, size, "(no events)");
    return buf;
}

int check_completed(simsink *s, HRESULT want, const char *fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    BOOL done = wait_done(s, WAIT_MS);
    HRESULT got = done ? completed_hr(s->rcv) : E_PENDING;
    int r = ok(done && got == want, "%s", name);
    if (!r) {
        if (!done) diag("no OnCompleted within %d ms; events: %s", WAIT_MS, s ? event_trace(s->rcv) : "(no sink)");
        else diag("OnCompleted(%s), expected %s; events: %s", hr_name(got), hr_name(want), event_trace(s->rcv));
    }
    return r;
}

/* VBScript's Nothing: an object reference that is null (VT_DISPATCH, NULL) */
BOOL is_nothing(const VARIANT *v)
{
    return (V_VT(v) == VT_DISPATCH || V_VT(v) == VT_UNKNOWN) && !V_UNKNOWN(v);
}

BOOL same_object(IUnknown *a, const VARIANT *v)
{
    IUnknown *ua = NULL, *ub = NULL;
    BOOL same;
    if (!a || (V_VT(v) != VT_DISPATCH && V_VT(v) != VT_UNKNOWN) || !V_UNKNOWN(v)) return FALSE;
    IUnknown_QueryInterface(a, &IID_IUnknown, (void **)&ua);
    IUnknown_QueryInterface(V_UNKNOWN(v), &IID_IUnknown, (void **)&ub);
    same = ua && ua == ub;
    if (ua) IUnknown_Release(ua);
    if (ub) IUnknown_Release(ub);
    return same;
}

/* One put under a rule: Put_(flags) when !async, else PutAsync_ on a fresh sink, whose
 * result is OnCompleted's iHResult. For PutAsync_, a refusal that depends on the
 * repository (the instance exists, the class has children...) can only be known when
 * the operation runs, so it must come through OnCompleted; a refusal of the arguments
 * themselves (at_once_ok: contradictory or unknown flag bits) may also fail the call at
 * once, as IWbemServices::PutInstanceAsync validates its parameters before it starts. */
HRESULT put_rule(int async, IDispatch *obj, LONG flags, BOOL at_once_ok)
{
    HRESULT hr;
    if (!async) return put_flags(obj, flags, NULL);
    simsink *s = simsink_keep(NULL, &hr);
    if (!s) { diag("opening a WbemSim.SWbemSink: %s", hr_name(hr)); return hr; }
    hr = put_async(obj, s, flags, NULL, NULL);
    if (FAILED(hr)) {
        if (!at_once_ok) {
            diag("PutAsync_ itself failed with %s %s; this refusal must come through OnCompleted",
                 hr_name(hr), disp_last_error());
            return E_ABORT;
        }
        pump_for(50);
        if (receiver_count(s->rcv))
            diag("events after a call that failed at once: %s", event_trace(s->rcv));
        return receiver_count(s->rcv) ? E_UNEXPECTED : hr;
    }
    if (!wait_done(s, WAIT_MS)) {
        diag("no OnCompleted within %d ms; events: %s", WAIT_MS, event_trace(s->rcv));
        return E_PENDING;
    }
    /* the result is OnCompleted's iHResult, and it must agree with the other events:
     * one OnObjectPut on success, none on failure */
    hr = completed_hr(s->rcv);
    if (SUCCEEDED(hr) && receiver_count_id(s->rcv, EV_OBJECT_PUT) != 1) {
        diag("a successful put without exactly one OnObjectPut: %s", event_trace(s->rcv));
        return E_UNEXPECTED;
    }
    if (FAILED(hr) && receiver_count_id(s->rcv, EV_OBJECT_PUT) != 0) {
        diag("a failed put sent OnObjectPut: %s", event_trace(s->rcv));
        return E_UNEXPECTED;
    }
    return hr;
}

