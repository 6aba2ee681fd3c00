/* Waiting for events without spinning. In a single-threaded apartment COM brings
 * calls from other apartments in as window messages, so the wait must also wake
 * for input and dispatch it: MsgWaitForMultipleObjectsEx on the receivers' signal,
 * then PeekMessage/DispatchMessage until the queue is empty. In the MTA nothing
 * needs pumping; a plain wait on the signal is enough. */
#include "client.h"

static BOOL in_sta(void)
{
    APTTYPE type;
    APTTYPEQUALIFIER qual;
    if (FAILED(CoGetApartmentType(&type, &qual))) return FALSE;
    return type == APTTYPE_STA || type == APTTYPE_MAINSTA;
}

static void dispatch_pending(void)
{
    MSG msg;
    while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
    }
}

/* Waits until cond(arg) holds or timeout_ms passes; cond is evaluated after each
 * wake-up. signal may be NULL (then only messages and the timeout wake us). */
BOOL wait_until(HANDLE signal, wait_cond cond, void *arg, DWORD timeout_ms)
{
    BOOL sta = in_sta();
    double deadline = now_ms() + timeout_ms;
    for (;;) {
        if (sta) dispatch_pending();
        if (cond && cond(arg)) return TRUE;
        double left = deadline - now_ms();
        if (left <= 0) return cond ? cond(arg) : TRUE;
        DWORD ms = (DWORD)(left + 0.999);
        if (sta)
            MsgWaitForMultipleObjectsEx(signal ? 1 : 0, signal ? &signal : NULL, ms,
                                        QS_ALLINPUT, MWMO_INPUTAVAILABLE);
        else if (signal)
            WaitForSingleObject(signal, ms);
        else
            Sleep(ms);
    }
}

struct count_arg { receiver *r; int n; };

static BOOL enough_events(void *p)
{
    struct count_arg *a = p;
    return receiver_count(a->r) >= a->n;
}

BOOL wait_events(receiver *r, int n, DWORD timeout_ms)
{
    struct count_arg a = { r, n };
    if (!r) return FALSE;
    return wait_until(receiver_group(r)->signal, enough_events, &a, timeout_ms);
}

struct group_arg { ev_group *g; LONG n; };

static BOOL enough_completed(void *p)
{
    struct group_arg *a = p;
    return a->g->completed >= a->n;
}

BOOL wait_group_completed(ev_group *g, LONG n, DWORD timeout_ms)
{
    struct group_arg a = { g, n };
    return wait_until(g->signal, enough_completed, &a, timeout_ms);
}

void pump_for(DWORD ms)
{
    wait_until(NULL, NULL, NULL, ms);
}

/* What a busy STA looks like to COM: the thread is blocked in a wait that does not
 * look at its message queue, so no marshaled call can get in. */
void block_without_pumping(DWORD ms)
{
    HANDLE never = CreateEventW(NULL, TRUE, FALSE, NULL);
    WaitForSingleObject(never, ms);
    CloseHandle(never);
}
