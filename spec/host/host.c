/*
** host.c: a host that embeds Lua the way a game or tool does, to test what busted cannot
** from inside one Lua state: a frame loop that only ever calls wbem.pump(0), waiting on
** wbem.wait_handle() and its own messages between frames; closing the Lua state with
** operations still pending; and a host thread that chose the MTA before loading wbem.
**
** Each test loads a script from spec/host/ that returns a frame function (true when
** done). Output is TAP, counted by make test.
**
**   host.exe [substring]
*/
#define COBJMACROS
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "comutil.h"   /* src/: the module's COM helpers */

static int planned, failed;
static const char *only;

static void report(int ok, const char *name, const char *why) {
  planned++;
  printf("%s %d - %s\n", ok ? "ok" : "not ok", planned, name);
  if (!ok) {
    failed++;
    printf("# %s\n", why ? why : "failed");
  }
  fflush(stdout);
}

/* The simulator's Control.LiveObjects, read from C after the Lua state is gone. */
static long live_objects(void) {
  CLSID clsid;
  IDispatch *control = NULL;
  VARIANT v;
  long n = -1;
  if (FAILED(CLSIDFromProgID(L"WbemSim.Control", &clsid))) return -1;
  if (FAILED(CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch,
                              (void **)&control)))
    return -1;
  if (SUCCEEDED(wbem_disp_call(control, L"LiveObjects", DISPATCH_PROPERTYGET, NULL, 0, &v)) &&
      SUCCEEDED(VariantChangeType(&v, &v, 0, VT_I4)))
    n = V_I4(&v);
  VariantClear(&v);
  IDispatch_Release(control);
  return n;
}

/* Control.SyncHang = on: blocks (or, off, releases) the simulator's synchronous calls. */
static void set_sync_hang(int on) {
  CLSID clsid;
  IDispatch *control = NULL;
  VARIANT v;
  if (FAILED(CLSIDFromProgID(L"WbemSim.Control", &clsid)) ||
      FAILED(CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&control)))
    return;
  V_VT(&v) = VT_BOOL;
  V_BOOL(&v) = on ? VARIANT_TRUE : VARIANT_FALSE;
  wbem_disp_call(control, L"SyncHang", DISPATCH_PROPERTYPUT, &v, 1, NULL);
  IDispatch_Release(control);
}

/* Waits up to ms for the simulator's worker to finish what was cancelled, dispatching
** this thread's messages meanwhile (an STA must, for marshaled calls to arrive). */
static long settle_live_objects(DWORD ms) {
  ULONGLONG end = GetTickCount64() + ms;
  long n;
  while ((n = live_objects()) > 0 && GetTickCount64() < end) {
    MSG msg;
    MsgWaitForMultipleObjectsEx(0, NULL, 10, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
    while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
  }
  return n;
}

static lua_State *load(const char *script, char *why, size_t whylen) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  if (luaL_dofile(L, script) != LUA_OK) {
    snprintf(why, whylen, "%s", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
  }
  return L;
}

/* Calls the frame function at the top of the stack; 1 done, 0 not yet, -1 error. */
static int frame(lua_State *L, char *why, size_t whylen) {
  int done;
  lua_pushvalue(L, -1);
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
    snprintf(why, whylen, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
  }
  done = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return done;
}

static HANDLE wait_handle(lua_State *L) {
  HANDLE h;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "wbem");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "wait_handle");
  lua_call(L, 0, 1);
  h = (HANDLE)(intptr_t)lua_tointeger(L, -1);
  lua_pop(L, 2);
  return h;
}

/* The host's frame loop: its own messages, one wbem.pump(0) a frame, and between frames
** a wait on the module's handle and the message queue (at most 16 ms, a 60 Hz frame). */
static int run_frames(lua_State *L, int sta, int max_frames, int *frames, char *why, size_t whylen) {
  HANDLE h = wait_handle(L);
  int r = 0;
  for (*frames = 0; *frames < max_frames; (*frames)++) {
    if (sta) {
      MSG msg;
      while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
      }
    }
    r = frame(L, why, whylen);
    if (r != 0) break;
    if (sta) MsgWaitForMultipleObjectsEx(1, &h, 16, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
    else WaitForSingleObject(h, 16);
  }
  if (r == 0) snprintf(why, whylen, "not done after %d frames", *frames);
  return r == 1;
}

static int selected(const char *name) {
  return !only || strstr(name, only) != NULL;
}

/* wbem.timeout(): milliseconds to the nearest deadline, INFINITE when there is none. */
static DWORD next_timeout(lua_State *L) {
  DWORD ms = INFINITE;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "wbem");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "timeout");
  lua_call(L, 0, 1);
  if (lua_isinteger(L, -1)) ms = (DWORD)lua_tointeger(L, -1);
  lua_pop(L, 2);
  return ms;
}

/* A host that sleeps between frames until the module's handle is signalled or the
** nearest deadline comes (wbem.timeout()), and never otherwise: the frames it needs are
** the deadlines plus the events, not a polling rate. */
static void test_deadline(const char *name, const char *script) {
  char why[2048] = "", msg[2300];
  lua_State *L;
  HANDLE h;
  int frames = 0, r = 0;
  long live;
  if (!selected(name)) return;
  if (!(L = load(script, why, sizeof why))) { report(0, name, why); return; }
  h = wait_handle(L);
  for (frames = 0; frames < 50; frames++) {
    DWORD ms;
    if ((r = frame(L, why, sizeof why)) != 0) break;
    ms = next_timeout(L);
    if (ms == INFINITE) { snprintf(why, sizeof why, "wbem.timeout() is nil with deadlines pending"); break; }
    MsgWaitForMultipleObjectsEx(1, &h, ms, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
  }
  if (r == 1 && next_timeout(L) != INFINITE) {
    r = 0;
    snprintf(why, sizeof why, "wbem.timeout() is not nil once every deadline passed");
  }
  if (r == 0 && !*why) snprintf(why, sizeof why, "not done after %d frames", frames);
  lua_close(L);
  live = settle_live_objects(5000);
  if (r == 1 && live != 0) {
    r = 0;
    snprintf(why, sizeof why, "LiveObjects is %ld after lua_close", live);
  }
  snprintf(msg, sizeof msg, "%s (%d frames)", name, frames);
  report(r == 1, msg, why);
}


static void test_frames(const char *name, const char *script, int sta) {
  char why[2048] = "", msg[2300];
  int frames = 0, ok;
  long live;
  lua_State *L;
  if (!selected(name)) return;
  if (!(L = load(script, why, sizeof why))) { report(0, name, why); return; }
  ok = run_frames(L, sta, 600, &frames, why, sizeof why);
  lua_close(L);
  live = settle_live_objects(5000);
  if (ok && live != 0) {
    ok = 0;
    snprintf(why, sizeof why, "LiveObjects is %ld after lua_close", live);
  }
  snprintf(msg, sizeof msg, "%s (%d frames)", name, frames);
  report(ok, msg, why);
}

/* The script starts operations that never complete (Control.Hang) and returns; the
** host closes the state right away. Closing must cancel them: no crash, no hang, and
** the simulator's objects all released. */
static void test_close_pending(const char *name, const char *script) {
  char why[2048] = "";
  lua_State *L;
  long live;
  if (!selected(name)) return;
  if (!(L = load(script, why, sizeof why))) { report(0, name, why); return; }
  if (frame(L, why, sizeof why) < 0) { lua_close(L); report(0, name, why); return; }
  lua_close(L);
  live = settle_live_objects(5000);
  if (live != 0) snprintf(why, sizeof why, "LiveObjects is %ld after lua_close", live);
  report(live == 0, name, why);
}

/* The script leaves worker calls blocked in the simulator (Control.SyncHang) and a
** query parked; the host closes the state. lua_close must not wait for the calls; when
** they are released they end on their workers, into a state that is gone: no crash
** (the module stays loaded while its threads run), and everything is released. */
static void test_close_workers(const char *name, const char *script) {
  char why[2048] = "";
  lua_State *L;
  long live;
  ULONGLONG t;
  if (!selected(name)) return;
  if (!(L = load(script, why, sizeof why))) { report(0, name, why); return; }
  if (frame(L, why, sizeof why) < 0) { lua_close(L); set_sync_hang(0); report(0, name, why); return; }
  t = GetTickCount64();
  lua_close(L);
  t = GetTickCount64() - t;
  set_sync_hang(0);
  live = settle_live_objects(5000);
  if (t > 1000) snprintf(why, sizeof why, "lua_close took %llu ms", (unsigned long long)t);
  else if (live != 0) snprintf(why, sizeof why, "LiveObjects is %ld after the calls ended", live);
  report(t <= 1000 && live == 0, name, why);
}

/* A host that waits on wbem.wait_handle() in its own loop, dispatching its own messages
** and never calling wbem.pump while it waits: the handle must be signalled when events
** are queued (in an STA they come in during the host's DispatchMessage), and one pump(0)
** then dispatches them. */
static void test_wait_handle(const char *name, const char *script, int sta) {
  char why[2048] = "";
  lua_State *L;
  HANDLE h;
  ULONGLONG end;
  int signals = 0, r = 0;
  if (!selected(name)) return;
  if (!(L = load(script, why, sizeof why))) { report(0, name, why); return; }
  h = wait_handle(L);
  /* a frame only when the handle says something waits: the put's events may come in
  ** more than one signal (a worker thread queues OnObjectPut, then OnCompleted a moment
  ** later), so the host goes on until its frame reports the put done */
  end = GetTickCount64() + 5000;
  while (r != 1 && !*why && GetTickCount64() < end) {
    DWORD w = sta ? MsgWaitForMultipleObjectsEx(1, &h, 100, QS_ALLINPUT, MWMO_INPUTAVAILABLE)
                  : WaitForSingleObject(h, 100);
    if (w == WAIT_OBJECT_0) {
      signals++;
      r = frame(L, why, sizeof why);
    } else if (sta && w == WAIT_OBJECT_0 + 1) {
      MSG msg;
      while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
      }
    }
  }
  if (!signals) snprintf(why, sizeof why, "the wait handle was not signalled within 5 s");
  else if (r != 1 && !*why)
    snprintf(why, sizeof why, "%d frames, each after a signal, did not complete the put within 5 s",
             signals);
  lua_close(L);
  report(r == 1, name, why);
}

/* The host posted WM_QUIT; pump(0) must say so and leave it for the host's own loop. */
static void test_quit(const char *name, const char *script) {
  char why[2048] = "";
  lua_State *L;
  MSG msg;
  int r, again;
  if (!selected(name)) return;
  if (!(L = load(script, why, sizeof why))) { report(0, name, why); return; }
  PostQuitMessage(7);
  r = frame(L, why, sizeof why);
  lua_close(L);
  again = PeekMessageW(&msg, NULL, WM_QUIT, WM_QUIT, PM_REMOVE) && msg.wParam == 7;
  if (r != 1 && !*why) snprintf(why, sizeof why, "pump(0) did not report the quit");
  else if (r == 1 && !again) snprintf(why, sizeof why, "WM_QUIT (7) is not in the queue any more");
  report(r == 1 && again, name, why);
}

static DWORD WINAPI mta_thread(LPVOID arg) {
  (void)arg;
  CoInitializeEx(NULL, COINIT_MULTITHREADED);
  test_frames("an MTA host thread: puts complete with direct delivery, pump(0) each frame",
              "spec/host/mta.lua", 0);
  test_wait_handle("an MTA host: events from worker threads signal wait_handle",
                   "spec/host/signal.lua", 0);
  test_frames("an MTA host: worker calls on its own objects, pump(0) each frame",
              "spec/host/mta_worker.lua", 0);
  CoUninitialize();
  return 0;
}

int main(int argc, char **argv) {
  HANDLE t;
  if (argc > 1) only = argv[1];
  CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
  test_frames("an STA host loop that only calls pump(0) between frames completes 20 puts",
              "spec/host/frames.lua", 1);
  test_close_pending("closing the Lua state with operations pending cancels and releases them",
                     "spec/host/close_pending.lua");
  test_close_workers("closing the Lua state with worker calls blocked neither waits nor leaks",
                     "spec/host/close_workers.lua");
  test_quit("pump(0) reports a WM_QUIT it meets and posts it again for the host",
            "spec/host/quit.lua");
  test_deadline("a host that sleeps until wbem.timeout() wakes for each deadline, and only then",
                "spec/host/deadline.lua");
  test_wait_handle("an STA host's own message loop: events it dispatches signal wait_handle",
                   "spec/host/signal.lua", 1);
  CoUninitialize();
  /* a thread of its own: the apartment of a thread is chosen once */
  t = CreateThread(NULL, 0, mta_thread, NULL, 0, NULL);
  WaitForSingleObject(t, INFINITE);
  CloseHandle(t);
  printf("1..%d\n", planned);
  return failed ? 1 : 0;
}
