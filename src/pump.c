/*
** pump.c: the event queue and the pump.
**
** COM delivers sink events on whatever thread it chooses: on the Lua thread while that
** thread dispatches window messages (an STA: incoming calls arrive as messages), or on
** worker threads (an MTA host, or a provider delivering directly). None of them may touch
** the Lua state, so a callback only appends the event to this queue and signals an event
** handle; the Lua thread takes events out at pump points and runs their handlers there,
** in protected mode.
**
** The queue is reference counted: the COM event objects advised to sinks hold it, and
** they can outlive the Lua state (a provider may keep a connection alive). Once the state
** is gone the queue is "closed" and whatever still arrives is released, not kept.
*/
#include "wbem.h"

#define QUEUE_KEY "wbem.queue"

struct wbem_queue {
  LONG refs;
  CRITICAL_SECTION lock;
  HANDLE ready;             /* manual-reset: signalled while events wait */
  wbem_event *head, *tail;
  lua_Integer length;
  int closed;               /* the Lua state is gone */
  int signalled;            /* ready is set (under the lock) */
  int pumping;              /* the Lua thread dispatches messages in l_pump (its own flag) */
  DWORD thread;             /* the Lua thread */
  int sta;                  /* the Lua thread is in a single-threaded apartment */
};

typedef struct queue_box { wbem_queue *q; } queue_box;


/* --- events ------------------------------------------------------------------------ */

static void event_free(wbem_event *ev) {
  UINT i;
  for (i = 0; i < ev->argc; i++) {
    if (ev->marshaled[i]) {
      /* Never unmarshaled: release the marshal data or the object stays pinned. */
      LARGE_INTEGER zero = {{0, 0}};
      IStream_Seek(ev->marshaled[i], zero, STREAM_SEEK_SET, NULL);
      CoReleaseMarshalData(ev->marshaled[i]);
      IStream_Release(ev->marshaled[i]);
    }
    VariantClear(&ev->argv[i]);
  }
  free(ev);
}

/* An interface pointer that arrived on another thread belongs to that thread's
** apartment; an STA Lua thread may use it only through a proxy, so it travels as
** marshal data and is unmarshaled on the Lua thread. */
static HRESULT event_marshal_arg(wbem_event *ev, UINT i) {
  VARIANT *v = &ev->argv[i];
  IUnknown *unk;
  REFIID iid = V_VT(v) == VT_DISPATCH ? &IID_IDispatch : &IID_IUnknown;
  HRESULT hr;
  if (V_VT(v) == VT_DISPATCH) unk = (IUnknown *)V_DISPATCH(v);
  else if (V_VT(v) == VT_UNKNOWN) unk = V_UNKNOWN(v);
  else return S_OK;
  if (!unk) return S_OK;
  hr = CoMarshalInterThreadInterfaceInStream(iid, unk, &ev->marshaled[i]);
  if (FAILED(hr)) {
    /* Not marshalable (no proxy/stub, or no apartment on this thread): the event is
    ** still worth more than its loss, so the pointer travels as it is, as it would in
    ** an MTA host. */
    ev->marshaled[i] = NULL;
    return S_OK;
  }
  /* keep the type, drop the pointer: unmarshaling puts the proxy back */
  IUnknown_Release(unk);
  V_UNKNOWN(v) = NULL;
  return S_OK;
}

static void event_unmarshal(wbem_event *ev) {
  UINT i;
  for (i = 0; i < ev->argc; i++) {
    IStream *s = ev->marshaled[i];
    VARIANT *v = &ev->argv[i];
    void *p = NULL;
    if (!s) continue;
    ev->marshaled[i] = NULL;
    /* CoGetInterfaceAndReleaseStream releases the stream whatever it returns. */
    if (FAILED(CoGetInterfaceAndReleaseStream(s, V_VT(v) == VT_DISPATCH ? &IID_IDispatch
                                                                          : &IID_IUnknown, &p)))
      p = NULL;
    V_UNKNOWN(v) = p;   /* same slot for VT_DISPATCH and VT_UNKNOWN */
  }
}


/* --- the queue ---------------------------------------------------------------------- */

void wbem_queue_addref(wbem_queue *q) {
  InterlockedIncrement(&q->refs);
}

static void queue_drop_all(wbem_queue *q) {
  wbem_event *ev, *next;
  EnterCriticalSection(&q->lock);
  ev = q->head;
  q->head = q->tail = NULL;
  q->length = 0;
  ResetEvent(q->ready);
  q->signalled = 0;
  LeaveCriticalSection(&q->lock);
  for (; ev; ev = next) {
    next = ev->next;
    event_free(ev);
  }
}

void wbem_queue_release(wbem_queue *q) {
  if (InterlockedDecrement(&q->refs) == 0) {
    queue_drop_all(q);
    CloseHandle(q->ready);
    DeleteCriticalSection(&q->lock);
    free(q);
  }
}

HRESULT wbem_queue_push(wbem_queue *q, int sink, DISPID member, const DISPPARAMS *params) {
  wbem_event *ev;
  UINT i, argc = params ? params->cArgs : 0;
  HRESULT hr = S_OK;
  int foreign;
  if (argc > WBEM_MAX_EVENT_ARGS) return DISP_E_BADPARAMCOUNT;
  ev = calloc(1, sizeof *ev);
  if (!ev) return E_OUTOFMEMORY;
  ev->sink = sink;
  ev->member = member;
  foreign = q->sta && GetCurrentThreadId() != q->thread;
  for (i = 0; i < argc && SUCCEEDED(hr); i++) {
    /* VariantCopyInd: a by-reference argument points into the caller's frame, which
    ** is gone by the time the Lua thread looks at it. */
    hr = VariantCopyInd(&ev->argv[i], &params->rgvarg[argc - 1 - i]);
    if (SUCCEEDED(hr)) {
      ev->argc = i + 1;
      if (foreign) hr = event_marshal_arg(ev, i);
    }
  }
  if (FAILED(hr)) {
    event_free(ev);
    return hr;
  }
  EnterCriticalSection(&q->lock);
  if (q->closed) {
    LeaveCriticalSection(&q->lock);
    event_free(ev);
    return S_OK;
  }
  if (q->tail) q->tail->next = ev; else q->head = ev;
  q->tail = ev;
  q->length++;
  /* Each SetEvent and ResetEvent is a trip to the kernel (to wineserver under Wine),
  ** which would double the cost of an event. The handle is set only when someone may
  ** be waiting on it: not when the event comes in on the Lua thread while l_pump
  ** dispatches its messages, since l_pump drains the queue right after. */
  if (!q->signalled && !(q->pumping && GetCurrentThreadId() == q->thread)) {
    SetEvent(q->ready);
    q->signalled = 1;
  }
  LeaveCriticalSection(&q->lock);
  return S_OK;
}

/* After a drain stopped early: what is left must wake a host that waits on the handle. */
static void queue_signal_pending(wbem_queue *q) {
  EnterCriticalSection(&q->lock);
  if (q->head && !q->signalled) {
    SetEvent(q->ready);
    q->signalled = 1;
  }
  LeaveCriticalSection(&q->lock);
}

static wbem_event *queue_pop(wbem_queue *q) {
  wbem_event *ev;
  EnterCriticalSection(&q->lock);
  ev = q->head;
  if (ev) {
    q->head = ev->next;
    if (!q->head) q->tail = NULL;
    q->length--;
  }
  if (!q->head && q->signalled) {
    ResetEvent(q->ready);
    q->signalled = 0;
  }
  LeaveCriticalSection(&q->lock);
  return ev;
}

static lua_Integer queue_length(wbem_queue *q) {
  lua_Integer n;
  EnterCriticalSection(&q->lock);
  n = q->length;
  LeaveCriticalSection(&q->lock);
  return n;
}

static int queue_gc(lua_State *L) {
  queue_box *box = luaL_checkudata(L, 1, QUEUE_KEY);
  if (box->q) {
    wbem_queue *q = box->q;
    box->q = NULL;
    EnterCriticalSection(&q->lock);
    q->closed = 1;
    LeaveCriticalSection(&q->lock);
    queue_drop_all(q);
    wbem_queue_release(q);
  }
  return 0;
}

wbem_queue *wbem_queue_of(lua_State *L) {
  queue_box *box;
  wbem_queue *q;
  if (lua_getfield(L, LUA_REGISTRYINDEX, QUEUE_KEY) == LUA_TUSERDATA) {
    box = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (box->q) return box->q;
    luaL_error(L, "wbem: the event queue is closed");
  }
  lua_pop(L, 1);
  box = lua_newuserdatauv(L, sizeof *box, 0);
  box->q = NULL;
  if (luaL_newmetatable(L, QUEUE_KEY)) {
    lua_pushcfunction(L, queue_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  q = calloc(1, sizeof *q);
  if (!q) luaL_error(L, "wbem: out of memory");
  q->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!q->ready) {
    free(q);
    wbem_raise(L, HRESULT_FROM_WIN32(GetLastError()), "create the event queue", NULL);
  }
  InitializeCriticalSection(&q->lock);
  q->refs = 1;
  q->thread = GetCurrentThreadId();
  q->sta = wbem_com_is_sta();
  box->q = q;
  lua_setfield(L, LUA_REGISTRYINDEX, QUEUE_KEY);
  return q;
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

/* Runs in protected mode: converting the arguments may fail too. */
static int deliver(lua_State *L) {
  wbem_event *ev = lua_touserdata(L, 1);
  int nargs;
  lua_settop(L, 0);
  event_unmarshal(ev);
  nargs = wbem_sink_push_event(L, ev);
  if (nargs < 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_call(L, nargs, 0);
  lua_pushboolean(L, 1);
  return 1;
}

/* Runs every queued handler; the first error stops the drain and is raised, with
** the events behind it left queued for the next pump. */
static int drain(lua_State *L, wbem_queue *q) {
  int n = 0;
  wbem_event *ev;
  while ((ev = queue_pop(q)) != NULL) {
    int status;
    lua_pushcfunction(L, traceback);
    lua_pushcfunction(L, deliver);
    lua_pushlightuserdata(L, ev);
    status = lua_pcall(L, 1, 1, -3);
    event_free(ev);
    if (status != LUA_OK) {
      queue_signal_pending(q);
      lua_remove(L, -2);
      lua_error(L);
    }
    n += lua_toboolean(L, -1);
    lua_pop(L, 2);
  }
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

/* pump([timeout_ms]) -> dispatched, quit
** nil: wait until at least one handler ran; 0: one non-blocking step. */
static int l_pump(lua_State *L) {
  wbem_queue *q = wbem_queue_of(L);
  DWORD timeout = INFINITE;
  ULONGLONG start = now_ms();
  int quit = 0;
  if (!lua_isnoneornil(L, 1)) {
    lua_Integer t = luaL_checkinteger(L, 1);
    luaL_argcheck(L, t >= 0, 1, "timeout must not be negative");
    timeout = t >= (lua_Integer)INFINITE ? INFINITE - 1 : (DWORD)t;
  }
  for (;;) {
    int n;
    DWORD wait = timeout, r;
    if (q->sta) {
      q->pumping = 1;
      quit = dispatch_messages();
      q->pumping = 0;
    }
    n = drain(L, q);
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
    if (q->sta)
      r = MsgWaitForMultipleObjectsEx(1, &q->ready, wait, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
    else
      r = WaitForSingleObject(q->ready, wait);
    if (r == WAIT_TIMEOUT) break;
    if (r == WAIT_FAILED)
      return wbem_raise(L, HRESULT_FROM_WIN32(GetLastError()), "wait for events", NULL);
  }
  lua_pushinteger(L, 0);
  lua_pushboolean(L, 0);
  return 2;
}

/* queued() -> how many events wait for a pump */
static int l_queued(lua_State *L) {
  lua_pushinteger(L, queue_length(wbem_queue_of(L)));
  return 1;
}

/* wait_handle() -> the HANDLE (an integer) signalled while events wait */
static int l_wait_handle(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)(intptr_t)wbem_queue_of(L)->ready);
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

static const luaL_Reg funcs[] = {
  {"pump", l_pump},
  {"queued", l_queued},
  {"wait_handle", l_wait_handle},
  {"clock", l_clock},
  {NULL, NULL}
};

void wbem_open_pump(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
