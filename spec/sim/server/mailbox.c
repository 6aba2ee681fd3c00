/*
** mailbox.c: how events reach a single-threaded apartment.
**
** Each STA thread that creates a simulator sink gets one mailbox for its lifetime: a queue
** of events and a message-only window. The worker appends an event and, when the queue was
** idle, posts one wake-up message; the window procedure, run when the thread pumps its
** messages, fires every queued event in order. So an STA receives its events only while it
** pumps (as with a call marshaled into it), the worker never waits for the apartment, and a
** burst of events costs one message.
*/
#include <stdlib.h>
#include "wbemsim.h"

#define WM_SIM_WAKE (WM_APP + 0x51)

struct sim_mailbox {
  HWND window;
  CRITICAL_SECTION cs;
  sim_event *head, *tail;
  LONG count;
  BOOL woken;               /* a wake-up message is on its way */
};

static DWORD slot = TLS_OUT_OF_INDEXES;
static const WCHAR mailbox_class[] = L"WbemSimMailbox";

static sim_event *pop(sim_mailbox *mb)
{
  sim_event *ev;
  EnterCriticalSection(&mb->cs);
  ev = mb->head;
  if (ev) {
    mb->head = ev->next;
    if (!mb->head) mb->tail = NULL;
    mb->count--;
  }
  LeaveCriticalSection(&mb->cs);
  return ev;
}

/* Fires the events queued when the wake-up came, one at a time from the queue itself, so
** that a handler which pumps messages (and so runs this again, nested) keeps them in order.
** The mailbox lives as long as its thread, so a handler cannot pull it away. */
static void deliver(sim_mailbox *mb)
{
  sim_event *ev;
  LONG n;
  EnterCriticalSection(&mb->cs);
  n = mb->count;
  mb->woken = FALSE;
  LeaveCriticalSection(&mb->cs);
  while (n-- > 0 && (ev = pop(mb))) {
    sink_fire(ev->sink, ev->id, ev->args, ev->nargs);
    event_free(ev);
  }
  /* what came meanwhile gets a wake-up of its own: the thread's other messages go first */
  EnterCriticalSection(&mb->cs);
  if (mb->head && !mb->woken) mb->woken = PostMessageW(mb->window, WM_SIM_WAKE, 0, 0);
  LeaveCriticalSection(&mb->cs);
}

static LRESULT CALLBACK mailbox_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
  sim_mailbox *mb = (sim_mailbox *)GetWindowLongPtrW(hwnd, GWLP_USERDATA);
  if (msg == WM_SIM_WAKE && mb) {
    deliver(mb);
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

static BOOL CALLBACK register_class(INIT_ONCE *once, void *param, void **ctx)
{
  WNDCLASSW wc;
  HMODULE self;
  (void)once; (void)param; (void)ctx;
  slot = TlsAlloc();
  if (slot == TLS_OUT_OF_INDEXES) return FALSE;
  memset(&wc, 0, sizeof wc);
  wc.lpfnWndProc = mailbox_proc;
  wc.hInstance = sim_instance;
  wc.lpszClassName = mailbox_class;
  /* windows of this class call into this DLL for as long as their threads live */
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCWSTR)(void *)mailbox_proc, &self);
  return RegisterClassW(&wc) != 0;
}

HRESULT mailbox_open(sim_mailbox **out)
{
  static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
  APTTYPE type;
  APTTYPEQUALIFIER qualifier;
  sim_mailbox *mb;
  *out = NULL;
  if (FAILED(CoGetApartmentType(&type, &qualifier)) || (type != APTTYPE_STA && type != APTTYPE_MAINSTA))
    return S_OK;                         /* the MTA: the worker is in it already */
  if (!InitOnceExecuteOnce(&once, register_class, NULL, NULL)) return E_FAIL;
  mb = TlsGetValue(slot);
  if (!mb) {
    mb = calloc(1, sizeof *mb);
    if (!mb) return E_OUTOFMEMORY;
    mb->window = CreateWindowExW(0, mailbox_class, NULL, 0, 0, 0, 0, 0, HWND_MESSAGE, NULL, sim_instance, NULL);
    if (!mb->window) {
      free(mb);
      return HRESULT_FROM_WIN32(GetLastError());
    }
    InitializeCriticalSection(&mb->cs);
    SetWindowLongPtrW(mb->window, GWLP_USERDATA, (LONG_PTR)mb);
    TlsSetValue(slot, mb);
  }
  *out = mb;
  return S_OK;
}

BOOL mailbox_push(sim_mailbox *mb, sim_event *ev)
{
  BOOL ok = TRUE;
  ev->next = NULL;
  EnterCriticalSection(&mb->cs);
  if (mb->tail) mb->tail->next = ev;
  else mb->head = ev;
  mb->tail = ev;
  mb->count++;
  if (!mb->woken) ok = mb->woken = PostMessageW(mb->window, WM_SIM_WAKE, 0, 0);
  if (!ok) {
    /* the thread is gone: nothing will ever read this queue; ev goes back to the caller */
    sim_event *e;
    mb->tail = NULL;
    for (e = mb->head; e && e->next; e = e->next) mb->tail = e;
    if (mb->tail) mb->tail->next = NULL;
    else mb->head = NULL;
    mb->count--;
  }
  LeaveCriticalSection(&mb->cs);
  return ok;
}

void mailbox_drop(sim_mailbox *mb, sim_sink *s)
{
  sim_event *ev, *next, *prev = NULL, *gone = NULL;
  EnterCriticalSection(&mb->cs);
  for (ev = mb->head; ev; ev = next) {
    next = ev->next;
    if (ev->sink != s) {
      prev = ev;
      continue;
    }
    if (prev) prev->next = next;
    else mb->head = next;
    if (mb->tail == ev) mb->tail = prev;
    mb->count--;
    ev->next = gone;
    gone = ev;
  }
  LeaveCriticalSection(&mb->cs);
  /* freed outside the lock: an operation's last event frees the operation */
  for (; gone; gone = next) {
    next = gone->next;
    event_free(gone);
  }
}
