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

/* Takes ev out of the queue and out of its sink's list (lock held). Both lists are doubly
** linked, so this costs the same however many events wait: a sink released while
** thousands of others' events are queued pays for its own only. */
static void unlink_event(sim_mailbox *mb, sim_event *ev)
{
  if (ev->prev) ev->prev->next = ev->next;
  else mb->head = ev->next;
  if (ev->next) ev->next->prev = ev->prev;
  else mb->tail = ev->prev;
  if (ev->sprev) ev->sprev->snext = ev->snext;
  else *ev->own = ev->snext;
  if (ev->snext) ev->snext->sprev = ev->sprev;
  ev->prev = ev->next = ev->sprev = ev->snext = NULL;
  ev->own = NULL;
  mb->count--;
}

static sim_event *pop(sim_mailbox *mb)
{
  sim_event *ev;
  EnterCriticalSection(&mb->cs);
  ev = mb->head;
  if (ev) unlink_event(mb, ev);
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

BOOL mailbox_push(sim_mailbox *mb, sim_event *ev, sim_event **own)
{
  BOOL ok = TRUE;
  EnterCriticalSection(&mb->cs);
  ev->next = NULL;
  ev->prev = mb->tail;
  if (mb->tail) mb->tail->next = ev;
  else mb->head = ev;
  mb->tail = ev;
  /* the sink's list needs no order: it is only ever emptied */
  ev->own = own;
  ev->sprev = NULL;
  ev->snext = *own;
  if (*own) (*own)->sprev = ev;
  *own = ev;
  mb->count++;
  if (!mb->woken) ok = mb->woken = PostMessageW(mb->window, WM_SIM_WAKE, 0, 0);
  /* the thread is gone: nothing will ever read this queue; ev goes back to the caller */
  if (!ok) unlink_event(mb, ev);
  LeaveCriticalSection(&mb->cs);
  return ok;
}

void mailbox_drop(sim_mailbox *mb, sim_event **own)
{
  sim_event *ev, *gone = NULL;
  EnterCriticalSection(&mb->cs);
  while ((ev = *own)) {
    unlink_event(mb, ev);
    ev->next = gone;
    gone = ev;
  }
  LeaveCriticalSection(&mb->cs);
  /* freed outside the lock: an operation's last event frees the operation */
  while ((ev = gone)) {
    gone = ev->next;
    event_free(ev);
  }
}
