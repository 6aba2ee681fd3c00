/*
** pump.c: the Lua-thread side of the bridge. The state's event queue (queue.c) is
** anchored here; pump() waits for events (and, in an STA, dispatches the window messages
** through which COM delivers calls from other apartments), takes them out of the queue
** and hands each to the deliverer module.c registered (sink.c's), in protected mode.
*/
#include "wbem.h"

#include <math.h>

#define QUEUE_KEY  "wbem.queue.state"   /* registry: the box of this state's queue */
#define QUEUE_META "wbem.queue"

/* paused: a handler asked the drain to stop after it (core.pause) */
typedef struct queue_box {
  wbem_queue *q;
  int paused;
  wbem_event *current;      /* the event a drain is delivering */
} queue_box;

static wbem_deliver_fn deliverer;   /* pushes an event's handler and arguments */

static int queue_gc(lua_State *L) {
  queue_box *box = luaL_checkudata(L, 1, QUEUE_META);
  if (box->q) {
    wbem_queue *q = box->q;
    box->q = NULL;
    wbem_queue_close(q);
  }
  return 0;
}

static queue_box *box_of(lua_State *L) {
  queue_box *box;
  wbem_queue *q;
  if (lua_getfield(L, LUA_REGISTRYINDEX, QUEUE_KEY) == LUA_TUSERDATA) {
    box = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (box->q) return box;
    luaL_error(L, "wbem: the event queue is closed");
  }
  lua_pop(L, 1);
  box = lua_newuserdatauv(L, sizeof *box, 0);
  box->q = NULL;
  box->paused = 0;
  box->current = NULL;
  luaL_setmetatable(L, QUEUE_META);
  q = wbem_queue_new();
  if (!q) wbem_raise(L, HRESULT_FROM_WIN32(GetLastError()), "create the event queue", NULL);
  box->q = q;
  lua_setfield(L, LUA_REGISTRYINDEX, QUEUE_KEY);
  return box;
}

wbem_queue *wbem_queue_of(lua_State *L) {
  return box_of(L)->q;
}


/* --- dispatching -------------------------------------------------------------------- */

/* Message handler: keep the traceback with the error, a string or an error object. */
static int traceback(lua_State *L) {
  if (lua_type(L, 1) == LUA_TTABLE) {
    luaL_traceback(L, L, NULL, 1);
    lua_setfield(L, 1, "traceback");
    lua_settop(L, 1);
  } else {
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
  }
  return 1;
}

/* Runs in protected mode, the whole drain in one protected call (one per event would
** cost more than a small event's delivery): converting the arguments may fail too. The
** event being delivered is box->current, so that the caller frees it if a handler raises;
** the events behind it stay queued. Returns the count of handlers that ran. */
static int deliver_all(lua_State *L) {
  queue_box *box = lua_touserdata(L, 1);
  wbem_event *ev;
  int n = 0, base = lua_gettop(L);
  while (!box->paused && (ev = wbem_queue_pop(box->q)) != NULL) {
    int nargs;
    box->current = ev;
    wbem_event_unmarshal(ev);
    nargs = deliverer(L, ev);
    if (nargs >= 0) {
      lua_call(L, nargs, 0);
      n++;
    }
    lua_settop(L, base);
    box->current = NULL;
    wbem_event_free(ev);
  }
  lua_pushinteger(L, n);
  return 1;
}

/* Runs every queued handler; the first error stops the drain and is raised, with
** the events behind it left queued for the next pump. So does a handler's core.pause(),
** without the error: a reader whose buffer is full gets to read before more come.
** A handler may pump (a wbem call outside a task): that drain runs inside this one's
** handler, and gives this one back its own state when it ends. */
static int drain(lua_State *L, queue_box *box) {
  wbem_queue *q = box->q;
  wbem_event *outer = box->current;
  int outer_paused = box->paused, n, status, paused;
  box->paused = 0;
  box->current = NULL;
  lua_pushcfunction(L, traceback);
  lua_pushcfunction(L, deliver_all);
  lua_pushlightuserdata(L, box);
  status = lua_pcall(L, 1, 1, -3);
  if (status != LUA_OK && box->current) wbem_event_free(box->current);
  paused = box->paused;
  box->current = outer;
  box->paused = outer_paused;
  if (status != LUA_OK) {
    wbem_queue_signal_pending(q);
    lua_remove(L, -2);
    lua_error(L);
  }
  n = (int)lua_tointeger(L, -1);
  lua_pop(L, 2);
  if (paused) wbem_queue_signal_pending(q);
  return n;
}

/* Dispatches the window messages waiting for this thread: in an STA, that is how COM
** delivers calls from other apartments. WM_QUIT belongs to the host: post it again and
** report it, so the host's own loop sees it. */
static int dispatch_messages(void) {
  MSG msg;
  while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
    if (msg.message == WM_QUIT) {
      PostQuitMessage((int)msg.wParam);
      return 1;
    }
    TranslateMessage(&msg);
    DispatchMessageW(&msg);
  }
  return 0;
}

static ULONGLONG now_ms(void) {
  return GetTickCount64();
}

/* The timeout argument in whole milliseconds, every number defined: nil waits without
** a bound, as do +inf and anything from 0xFFFFFFFF ms (49.7 days) up; a fraction
** rounds up, so that a wait is never shorter than asked; NaN and negatives are refused. */
static DWORD check_timeout(lua_State *L, int idx) {
  lua_Number t;
  if (lua_isnoneornil(L, idx)) return INFINITE;
  if (lua_isinteger(L, idx)) {
    lua_Integer i = lua_tointeger(L, idx);
    if (i < 0)
      luaL_argerror(L, idx, lua_pushfstring(L, "timeout must be a non-negative number of "
                                                "milliseconds, got %I", (LUAI_UACINT)i));
    return i >= (lua_Integer)INFINITE ? INFINITE : (DWORD)i;
  }
  t = luaL_checknumber(L, idx);
  if (t != t || t < 0)
    luaL_argerror(L, idx, lua_pushfstring(L, "timeout must be a non-negative number of "
                                              "milliseconds, got %s",
                                          t != t ? "nan" : t == -HUGE_VAL ? "-inf"
                                                 : lua_pushfstring(L, "%f", (LUAI_UACNUMBER)t)));
  if (t >= (lua_Number)INFINITE) return INFINITE;
  return (DWORD)ceil(t);
}

/* pump([timeout_ms]) -> dispatched, quit
** nil: wait until at least one handler ran; 0: one non-blocking step. */
static int l_pump(lua_State *L) {
  DWORD timeout = check_timeout(L, 1);
  queue_box *box = box_of(L);
  wbem_queue *q = box->q;
  HANDLE ready = wbem_queue_handle(q);
  ULONGLONG start = now_ms();
  int quit = 0;
  for (;;) {
    int n;
    DWORD wait = timeout, r;
    if (wbem_queue_sta(q)) {
      wbem_queue_pumping(q, 1);
      quit = dispatch_messages();
      wbem_queue_pumping(q, 0);
    }
    n = drain(L, box);
    if (n > 0 || quit || timeout == 0) {
      lua_pushinteger(L, n);
      lua_pushboolean(L, quit);
      return 2;
    }
    if (timeout != INFINITE) {
      ULONGLONG spent = now_ms() - start;
      if (spent >= timeout) break;
      wait = (DWORD)(timeout - spent);
    }
    /* MWMO_INPUTAVAILABLE: wake for messages already in the queue too, not only new
    ** ones, so nothing sits unseen until the next message arrives. */
    if (wbem_queue_sta(q))
      r = MsgWaitForMultipleObjectsEx(1, &ready, wait, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
    else
      r = WaitForSingleObject(ready, wait);
    if (r == WAIT_TIMEOUT) break;
    if (r == WAIT_FAILED)
      return wbem_raise(L, HRESULT_FROM_WIN32(GetLastError()), "wait for events", NULL);
  }
  lua_pushinteger(L, 0);
  lua_pushboolean(L, 0);
  return 2;
}

/* pause(): the pump dispatching now stops after the running handler; what is queued
** waits for the next pump */
static int l_pause(lua_State *L) {
  box_of(L)->paused = 1;
  return 0;
}

/* queued() -> how many events wait for a pump */
static int l_queued(lua_State *L) {
  lua_pushinteger(L, wbem_queue_length(wbem_queue_of(L)));
  return 1;
}

/* wait_handle() -> the HANDLE (an integer) signalled while events wait */
static int l_wait_handle(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)(intptr_t)wbem_queue_handle(wbem_queue_of(L)));
  return 1;
}

/* clock() -> milliseconds from an arbitrary start, monotonic, as a float */
static int l_clock(lua_State *L) {
  static LARGE_INTEGER freq;
  LARGE_INTEGER c;
  if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&c);
  lua_pushnumber(L, (lua_Number)c.QuadPart * 1000.0 / (lua_Number)freq.QuadPart);
  return 1;
}

static const luaL_Reg queue_meta[] = {
  {"__gc", queue_gc},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"pump", l_pump},
  {"pause", l_pause},
  {"queued", l_queued},
  {"wait_handle", l_wait_handle},
  {"clock", l_clock},
  {NULL, NULL}
};

void wbem_open_pump(lua_State *L, wbem_deliver_fn deliver) {
  deliverer = deliver;
  wbem_newmeta(L, QUEUE_META, queue_meta, NULL);
  luaL_setfuncs(L, funcs, 0);
}
