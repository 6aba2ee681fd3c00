/*
** hosts.c: the servers added with Control.AddServer(name, behaviour, latency_ms), so that
** the simulator can be many hosts (issue 11: fleets). A ConnectServer to an added server
** (its name compared case-insensitively, with or without a leading "\\") waits latency_ms
** and then does what the behaviour says:
**   "ok"           succeeds, with the server's own repository: the seeded schema of the
**                  local one, made on the first repository call that reaches it (so a
**                  thousand servers cost a thousand small records until they are used);
**                  a write on one server is seen on no other, nor on the local one
**   "unreachable"  HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE), 0x800706BA: "Connecting
**                  Through Windows Firewall" names it for a remote computer that does not
**                  answer ('an "RPC Server Unavailable" error - 0x800706ba'), and the WMI
**                  team's "Let's troubleshoot WMI (Part 1: Remoting and Security)" lists
**                  it, while connecting, for "The Machine does not exist" / the firewall
**   "denied"       E_ACCESSDENIED, 0x80070005: the same table's "DCOM Access Denied",
**                  while connecting, for "The Username/Password does not exist" or a user
**                  without remote launch or activation rights
**   "hang"         never answers: the call waits (asleep on a condition variable) until
**                  the server is removed or replaced (RemoveServer, AddServer, Reset), and
**                  then fails with WBEM_E_CALL_CANCELLED ("Call was canceled"), as a
**                  synchronous call waiting in SyncHang does at Reset
**   "flaky"        the first ConnectServer fails as "unreachable" does, every later one
**                  behaves as "ok" (a transient failure, what a caller's retry is for)
** A name that was not added keeps the locator's own rules (locator.c). The choices here
** (Microsoft documents no simulator):
**  - AddServer again for a name replaces its behaviour and latency (a "flaky" server fails
**    its first connect again) and keeps its repository, as a machine that was down keeps
**    its disk; the connects waiting on the old behaviour are cancelled (WBEM_E_CALL_CANCELLED);
**  - RemoveServer drops the server and its repository: connections already made to it
**    answer their repository calls with the unreachable HRESULT from then on;
**  - Reset removes every added server;
**  - the latency is counted from the moment the call reaches its server, after the round
**    trip of SyncLatencyMs and SyncHang (control.c), so the two add up;
**  - the behaviour is the one the server had when the call reached it;
**  - no lock is held while a call waits (sim_wait sleeps on the condition variable of the
**    servers' lock, which gives it up), so a thousand connects can wait together.
*/
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>
#include "wbemsim.h"

typedef enum { HOST_OK, HOST_UNREACHABLE, HOST_DENIED, HOST_HANG, HOST_FLAKY } host_behaviour;

static const WCHAR *const behaviour_names[] = { L"ok", L"unreachable", L"denied", L"hang", L"flaky" };
#define NBEHAVIOURS (int)(sizeof behaviour_names / sizeof behaviour_names[0])

typedef struct sim_host {
  struct sim_host *next;        /* in its bucket */
  WCHAR *name;                  /* as AddServer had it, without a leading "\\" */
  host_behaviour behaviour;
  LONG latency_ms;
  LONG id;                      /* new at every AddServer: what a waiting connect compares */
  BOOL failed_once;             /* "flaky": its first connect has failed */
  sim_repo *repo;               /* made on first use (hosts_repo) */
} sim_host;

#define NBUCKETS 1024           /* a power of two; a fleet of a thousand: about one a bucket */
static sim_host *buckets[NBUCKETS];
static SRWLOCK hosts_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE hosts_cv = CONDITION_VARIABLE_INIT;   /* a server replaced or removed */
static LONG last_id;

static const WCHAR *host_name(const WCHAR *server)
{
  if (!server) return L"";
  while (*server == L'\\') server++;
  return server;
}

static ULONG name_hash(const WCHAR *s, size_t n)
{
  ULONG h = 2166136261u;
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (ULONG)towupper(s[i])) * 16777619u;
  return h;
}

/* Where the server named by n characters at name is linked (*link NULL: not added), the
** lock held. */
static sim_host **find(const WCHAR *name, size_t n)
{
  sim_host **link = &buckets[name_hash(name, n) & (NBUCKETS - 1)];
  for (; *link; link = &(*link)->next)
    if (wcslen((*link)->name) == n && _wcsnicmp((*link)->name, name, n) == 0) break;
  return link;
}

static void host_free(sim_host *h)
{
  if (h->repo) repo_free(h->repo);     /* takes the repository lock: never under ours */
  free(h->name);
  free(h);
}

HRESULT hosts_add(const WCHAR *server, const WCHAR *behaviour, LONG latency_ms)
{
  const WCHAR *name = host_name(server);
  size_t n = wcslen(name);
  sim_host **link, *h;
  int b;
  for (b = 0; b < NBEHAVIOURS; b++)
    if (behaviour && _wcsicmp(behaviour, behaviour_names[b]) == 0) break;
  /* a local name would hide the local repository; a '\' cannot be in a computer name */
  if (!n || wcschr(name, L'\\') || sim_local_server(name) || b == NBEHAVIOURS || latency_ms < 0 ||
      latency_ms > SIM_MAX_LATENCY_MS)
    return E_INVALIDARG;
  AcquireSRWLockExclusive(&hosts_lock);
  link = find(name, n);
  if (!(h = *link) && (h = calloc(1, sizeof *h))) {
    if ((h->name = sim_strdup(name))) *link = h;     /* at the end of its bucket */
    else {
      free(h);
      h = NULL;
    }
  }
  if (h) {
    h->behaviour = (host_behaviour)b;
    h->latency_ms = latency_ms;
    h->failed_once = FALSE;
    h->id = ++last_id;
  }
  ReleaseSRWLockExclusive(&hosts_lock);
  WakeAllConditionVariable(&hosts_cv);     /* the connects waiting on the old behaviour end */
  return h ? S_OK : E_OUTOFMEMORY;
}

HRESULT hosts_remove(const WCHAR *server)
{
  const WCHAR *name = host_name(server);
  sim_host **link, *h;
  AcquireSRWLockExclusive(&hosts_lock);
  link = find(name, wcslen(name));
  if ((h = *link)) *link = h->next;
  ReleaseSRWLockExclusive(&hosts_lock);
  if (!h) return (HRESULT)WBEM_E_NOT_FOUND;
  WakeAllConditionVariable(&hosts_cv);
  host_free(h);
  return S_OK;
}

void hosts_reset(void)
{
  sim_host *all = NULL, *h;
  int i;
  AcquireSRWLockExclusive(&hosts_lock);
  for (i = 0; i < NBUCKETS; i++)
    while ((h = buckets[i])) {
      buckets[i] = h->next;
      h->next = all;
      all = h;
    }
  ReleaseSRWLockExclusive(&hosts_lock);
  WakeAllConditionVariable(&hosts_cv);
  while ((h = all)) {
    all = h->next;
    host_free(h);
  }
}

typedef struct host_wait {
  const WCHAR *name;
  size_t n;
  LONG id;                      /* the server as the call found it */
  BOOL hang;
} host_wait;

/* the servers' lock is held shared */
static sim_wait_state host_check(void *ctx)
{
  const host_wait *w = ctx;
  const sim_host *h = *find(w->name, w->n);
  if (!h || h->id != w->id) return SIM_WAIT_CANCEL;
  return w->hang ? SIM_WAIT_HOLD : SIM_WAIT_GO;
}

HRESULT hosts_connect(const WCHAR *server, WCHAR **name)
{
  LARGE_INTEGER start;
  host_wait w;
  sim_host *h;
  LONG latency;
  HRESULT outcome, hr;
  *name = NULL;
  QueryPerformanceCounter(&start);
  w.name = host_name(server);
  w.n = wcslen(w.name);
  /* exclusively: a flaky server's first failure goes to one call only */
  AcquireSRWLockExclusive(&hosts_lock);
  if (!(h = *find(w.name, w.n))) {
    ReleaseSRWLockExclusive(&hosts_lock);
    return S_FALSE;
  }
  w.id = h->id;
  w.hang = h->behaviour == HOST_HANG;
  latency = h->latency_ms;
  switch (h->behaviour) {
  case HOST_UNREACHABLE: outcome = HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE); break;
  case HOST_DENIED: outcome = E_ACCESSDENIED; break;
  case HOST_FLAKY:
    outcome = h->failed_once ? S_OK : HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
    h->failed_once = TRUE;
    break;
  default: outcome = S_OK; break;     /* "ok"; "hang" ends only by cancellation */
  }
  if (SUCCEEDED(outcome) && !(*name = sim_strdup(h->name))) outcome = E_OUTOFMEMORY;
  ReleaseSRWLockExclusive(&hosts_lock);
  /* a change between the two sections is seen by host_check: the id moved on */
  AcquireSRWLockShared(&hosts_lock);
  hr = sim_wait(&hosts_lock, &hosts_cv, start.QuadPart, latency, host_check, &w);
  ReleaseSRWLockShared(&hosts_lock);
  if (FAILED(hr)) outcome = hr;
  if (FAILED(outcome)) {
    free(*name);
    *name = NULL;
  }
  return outcome;
}

HRESULT hosts_repo(const WCHAR *name, size_t n, sim_repo **out)
{
  sim_host *h;
  HRESULT hr = S_OK;
  AcquireSRWLockExclusive(&hosts_lock);
  h = *find(name, n);
  if (!h) hr = HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
  else if (!h->repo && !(h->repo = repo_alloc(h->name))) hr = E_OUTOFMEMORY;
  *out = SUCCEEDED(hr) ? h->repo : NULL;
  ReleaseSRWLockExclusive(&hosts_lock);
  return hr;
}
