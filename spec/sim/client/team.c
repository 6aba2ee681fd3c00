/* A team of MTA threads for the checks that call from many threads at once (tests_sync.c,
 * tests_hosts.c): each member sets up on its own thread, waits for the start, makes its
 * calls; what it found stays in its member, and the TAP lines are written on the main
 * thread. */
#include "client.h"
#include <stdio.h>
#include <stdlib.h>

/* a check made on a member's thread: counted, the first failure kept for a diagnostic */
void expect(member *m, int cond, const char *fmt, ...)
{
    va_list ap;
    if (cond) return;
    if (!m->bad++) {
        va_start(ap, fmt);
        vsnprintf(m->note, sizeof m->note, fmt, ap);
        va_end(ap);
    }
}

static DWORD WINAPI member_main(void *p)
{
    member *m = p;
    team *t = m->t;
    HRESULT com = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    expect(m, SUCCEEDED(com), "CoInitializeEx(MTA): 0x%08lX", (unsigned long)com);
    if (SUCCEEDED(com) && t->setup) t->setup(m);
    if (InterlockedIncrement(&t->ready) == t->n) SetEvent(t->all_ready);
    WaitForSingleObject(t->go, INFINITE);
    if (SUCCEEDED(com)) t->call(m);
    m->end = now_ms();
    pool_release_all();
    if (SUCCEEDED(com)) CoUninitialize();
    if (InterlockedIncrement(&t->done) == t->n) SetEvent(t->all_done);
    return 0;
}

static BOOL team_ready(void *p) { team *t = p; return t->ready == t->n; }
static BOOL team_done(void *p) { team *t = p; return t->done == t->n; }

/* n threads, each set up and waiting for team_go; NULL when they could not all start */
team *team_new(int n, member_fn setup, member_fn call)
{
    team *t = calloc(1, sizeof *t);
    int started = 0;
    now_ms();                      /* the clock's frequency, read once on this thread */
    if (!t) return NULL;
    t->n = n;
    t->setup = setup;
    t->call = call;
    t->go = CreateEventW(NULL, TRUE, FALSE, NULL);
    t->all_ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    t->all_done = CreateEventW(NULL, TRUE, FALSE, NULL);
    for (int i = 0; i < n; i++) {
        t->m[i].t = t;
        t->m[i].i = i;
    }
    for (; started < n; started++)
        if (!(t->threads[started] = CreateThread(NULL, 0, member_main, &t->m[started], 0, NULL))) break;
    if (started < n) {
        /* the threads that run must still end: they count as ready and done */
        InterlockedExchangeAdd(&t->ready, n - started);
        InterlockedExchangeAdd(&t->done, n - started);
        t->n = started;
        ok(0, "team: %d threads can be started (%d were)", n, started);
    }
    if (!wait_until(t->all_ready, team_ready, t, 5000)) ok(0, "team: the %d threads set up in time", n);
    return t;
}

void team_go(team *t)
{
    t->start = now_ms();
    SetEvent(t->go);
}

BOOL team_wait(team *t, DWORD timeout_ms)
{
    return wait_until(t->all_done, team_done, t, timeout_ms);
}

/* Joins and frees the team. Threads still out after the test's own wait are released
 * with Reset (what a hung call waits for); a team that still does not end is left to
 * the process rather than freed under its threads. */
BOOL team_end(team *t)
{
    if (!team_wait(t, 0)) {
        SetEvent(t->go);
        disp_call(g_ctl, L"Reset", NULL, 0);
        if (!team_wait(t, 5000)) {
            ok(0, "team: every thread of the team ends");
            return FALSE;
        }
    }
    for (int i = 0; i < t->n; i++) {
        WaitForSingleObject(t->threads[i], INFINITE);
        CloseHandle(t->threads[i]);
        if (t->m[i].in) IStream_Release(t->m[i].in);
        free(t->m[i].ids);
    }
    CloseHandle(t->go);
    CloseHandle(t->all_ready);
    CloseHandle(t->all_done);
    free(t);
    return TRUE;
}

/* from the start to the last member done */
double team_wall(team *t)
{
    double last = t->start;
    for (int i = 0; i < t->n; i++)
        if (t->m[i].end > last) last = t->m[i].end;
    return last - t->start;
}

/* every member's own checks held; the first failure shown */
int team_good(team *t, const char *what)
{
    int bad = 0, first = -1;
    for (int i = 0; i < t->n; i++)
        if (t->m[i].bad) {
            bad += t->m[i].bad;
            if (first < 0) first = i;
        }
    if (!ok(bad == 0, "%s", what)) diag("%d failed checks; thread %d: %s", bad, first, t->m[first].note);
    return bad == 0;
}

