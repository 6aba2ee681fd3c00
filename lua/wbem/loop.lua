--- wbem.loop: the Lua-thread side of the event queue: tasks, waiting, deadlines, the pump.
--
-- Whatever is asynchronous is an operation (a table) that some producer completes from
-- a pump step: the sink transport's handlers today. This module knows nothing of COM or
-- sinks; it only knows operations:
--
--   op.done      set by settle()
--   op.err       the failure (never nil or false when the operation failed: see fail())
--   op.result    the value await() returns
--   op.co        the task parked on it, while one is
--   op.unpended  set by unpend(): pending only while a task is parked on it
--   op.deadline  with a deadline: when op.expire(op) is called (from a pump step)
--   op.on_settle called by settle(), after the waiter was woken (a subscription that
--                nobody waits on hears its failure so)
--
-- Which coroutines yield: only tasks, the coroutines that wbem.spawn (or wbem.run)
-- made. Any other coroutine (a coroutine.wrap generator, a host's own scheduler) gets
-- the same call without yielding: it pumps until done, as the main thread does. So a
-- wbem call never yields a coroutine whose resumer expects that coroutine's own values,
-- and no value a generator yields ever ends up in the pump.

local core = require "wbem.core"
local deadlines = require "wbem.deadlines"
local options = require "wbem.options"

local create, resume_co, yield, status, running, isyieldable, close_co =
  coroutine.create, coroutine.resume, coroutine.yield, coroutine.status,
  coroutine.running, coroutine.isyieldable, coroutine.close
local type, error, tostring, pcall, xpcall, select, setmetatable = type, error, tostring,
  pcall, xpcall, select, setmetatable
local huge, ceil = math.huge, math.ceil
local traceback = debug.traceback
local clock = core.clock
local show = options.show

local M = {}

local timers = deadlines.new()
-- spawn's coroutines: task -> the operation it waits on, or true while it runs
local tasks = setmetatable({}, { __mode = "k" })
local pending = 0                                   -- operations whose caller waits

-- What a task yields while it waits: nothing else may come out of a task.
local PARKED = setmetatable({}, {
  __name = "wbem.parked",
  __tostring = function() return "wbem: a task waiting for a wbem call" end,
})

-- The longest wait handed to core.pump at once (ms, about 24 days): a longer bound is
-- waited in several steps (core.pump would take anything from 0xFFFFFFFF ms as no bound).
local MAX_WAIT = 0x7FFFFFFE

-- A wait in milliseconds as core.pump takes it: nil (no bound), or 0..MAX_WAIT (core.pump
-- rounds a fraction up itself).
local function wait_arg(ms)
  if ms == nil then return nil end
  if ms <= 0 then return 0 end
  if ms >= MAX_WAIT then return MAX_WAIT end
  return ms
end

--------------------------------------------------------------------------------------
-- Failures
--------------------------------------------------------------------------------------

-- A traceback of co (a coroutine that stopped on an error), or of the running code.
local function trace(co, msg)
  if co then return traceback(co, msg) end
  return traceback(msg, 3)
end

--- The failure to report for value v raised by user code (a task, a handler) at where.
-- Strings get a traceback (of co, or of the code running); wbem error objects get a
-- traceback field; other tables and userdata are kept as they are (the caller may compare
-- them); and a value that says nothing (nil, a boolean) becomes a message that says what
-- happened. The result is never nil or false, so a failure can never pass for success.
function M.failure(v, where, co)
  local t = type(v)
  if t == "string" or t == "number" then
    return trace(co, tostring(v))
  elseif t == "table" then
    if core.is_error(v) and v.traceback == nil then v.traceback = trace(co) end
    return v
  elseif t == "userdata" or t == "thread" or t == "function" then
    return v
  end
  return trace(co, ("%s raised %s, an error value with no message"):format(where, show(v)))
end

local handlers = {}

--- A message handler for xpcall that makes M.failure(e, where) of what is raised.
function M.handler(where)
  local h = handlers[where]
  if not h then
    h = function(e) return M.failure(e, where) end
    handlers[where] = h
  end
  return h
end

local function rethrow(ok, ...)
  if not ok then error((...), 0) end
  return ...
end

--- call(where, f, ...) -> what f(...) returns: a callback of the user's (where names it:
-- "on_overflow") called so that what it raises goes on as M.failure makes it, never as a
-- bare nil or false that would read as no error at all.
function M.call(where, f, ...)
  return rethrow(xpcall(f, M.handler(where), ...))
end

--------------------------------------------------------------------------------------
-- Tasks
--------------------------------------------------------------------------------------

-- After a task ran until it stopped: raise its failure (with its own traceback, its
-- to-be-closed variables closed), or refuse a yield that did not come from a wbem call
-- (nobody would resume it, and what it yielded would vanish).
local function after_resume(co, ok, first, ...)
  if not ok then
    local err = M.failure(first, "a task", co)
    close_co(co)
    error(err, 0)
  end
  if first ~= PARKED and status(co) == "suspended" then
    local n = select("#", ...) + 1
    close_co(co)
    error(("wbem: a task yielded %s (%d value%s) outside a wbem call; a task waits only "
           .. "through wbem's calls, and nothing would resume it"):format(show(first), n,
           n == 1 and "" or "s"), 0)
  end
end

--- spawn(fn, ...) -> coroutine: starts a task now; it runs until its first wait.
function M.spawn(fn, ...)
  if type(fn) ~= "function" then error("wbem.spawn: expects a function, got " .. show(fn), 2) end
  local co = create(fn)
  tasks[co] = true
  after_resume(co, resume_co(co, ...))
  return co
end

--------------------------------------------------------------------------------------
-- Operations
--------------------------------------------------------------------------------------

--- The caller now waits for op: it counts as pending until settle(); with ms, op has a
-- deadline too (see deadline()).
function M.begin(op, ms, expire)
  pending = pending + 1
  M.deadline(op, ms, expire)
end

-- A task that failed after the pump resumed it fails the pump call that woke it.
local function wake(op)
  local co = op.co
  if co and status(co) == "suspended" then after_resume(co, resume_co(co)) end
end
M.wake = wake

--- The caller is done with op: its result is in (err == nil), or it failed with err
-- (which must be a value that says so: use M.failure for what user code raised).
function M.settle(op, err)
  if op.done then return end
  op.done, op.err = true, err
  if not op.unpended then pending = pending - 1 end
  if op.slot then timers:remove(op) end
  wake(op)
  if op.on_settle then op.on_settle(op) end
end

--- op stops counting as pending while nobody waits in it: an events loop's
-- subscription, open until the loop is left, which wbem.run() must not wait on when no
-- task reads it (a loop left without being closed is closed only by the collector). A
-- task parked on it (park) counts while it waits.
function M.unpend(op)
  if op.done or op.unpended then return end
  op.unpended = true
  pending = pending - 1
end

--- Gives op a deadline ms from now: op.expire(op) runs from the pump step that finds it
-- due. nil or math.huge: no deadline.
function M.deadline(op, ms, expire)
  if ms == nil or ms == huge then return end
  op.started = clock()
  op.deadline = op.started + ms
  op.expire = expire
  timers:add(op)
end

--- Removes op's deadline, if it has one (settle does it for an operation).
function M.undeadline(op)
  if op.slot then timers:remove(op) end
end

-- The running task, or nil when the caller is none (or cannot yield).
local function current_task()
  local co = running()
  if tasks[co] and isyieldable() then return co end
end

-- A task parked on an unpended operation counts as pending while it waits, and stops
-- counting however its wait ends (a task closed while parked too: a to-be-closed value).
local uncount = setmetatable({}, { __close = function() pending = pending - 1 end })
local function count_waiter()
  pending = pending + 1
  return uncount
end

--- Waits until op changes: a task yields (a pump step resumes it); any other caller pumps.
function M.park(op)
  local co = current_task()
  if co then
    local _ <close> = op.unpended and count_waiter() or nil
    op.co = co
    tasks[co] = op
    yield(PARKED)
    tasks[co] = true
    op.co = false
  else
    M.pump()
  end
end

-- Gives up op for its waiter, which is gone: it is abandoned (cancelled, or left to its
-- worker, its result released when it comes), or, having no abandon, settled with err.
local function give_up(op, err)
  if op.abandon then op.abandon(op, err) else M.settle(op, err) end
end

-- Closed when a task's wait in await ends. A task closed while it waits (coroutine.close,
-- or a scheduler of the host's that drops it so) closes it too, in that task (running()
-- names it): its operation is given up, so that nothing goes on waiting for a waiter that
-- is gone (a closed sleeper kept wbem.run() pumping until its deadline, for ever with
-- math.huge; a closed put kept its call running and counted as pending).
local WAITING = setmetatable({}, { __close = function()
  local op = tasks[running()]
  if type(op) == "table" and not op.done then
    give_up(op, ("wbem: the task waiting for %s was closed"):format(op.what or "a wbem call"))
  end
end })

--- Waits until op is done; returns its result or raises its failure. A task parks until
-- a pump step settles op (nothing can raise into a task meanwhile); closed meanwhile, it
-- gives op up. Any other caller pumps; if that raises (a handler that a pump ran failed),
-- nobody waits for op any more: it is given up too.
function M.await(op)
  local co = current_task()
  if co then
    -- park's wait, in this frame: a call to park would stay on the stack of every task
    -- that waits (a call frame more for each of the thousands that may)
    op.co = co
    tasks[co] = op
    do
      local _ <close> = WAITING
      while not op.done do yield(PARKED) end
    end
    tasks[co] = true
    op.co = false
  else
    while not op.done do
      local ok, err = pcall(M.pump)
      if not ok then
        if not op.done then give_up(op, err) end
        error(err, 0)
      end
    end
  end
  if op.err then error(op.err, 0) end
  return op.result or nil
end

--------------------------------------------------------------------------------------
-- The pump
--------------------------------------------------------------------------------------

-- Runs the expiry of every deadline that is due; how many there were.
local function expire()
  local due = timers:due(clock())
  if not due then return 0 end
  for i = 1, #due do
    local op = due[i]
    local ok, err = pcall(op.expire, op)
    if not ok then
      -- a task resumed by this expiry failed: raise it, the rest wait for the next step
      for j = i + 1, #due do timers:add(due[j]) end
      error(err, 0)
    end
  end
  return #due
end

--- pump([timeout_ms]) -> dispatched, quit
-- nil (or math.huge) waits until something is dispatched; 0 is one non-blocking step (a
-- host's frame); ms waits at most that long. Deadlines bound the wait and expire here.
-- Within one step, what has arrived is dispatched before deadlines are looked at: a
-- result that came in before the pump looked wins over a deadline that passed meanwhile.
function M.pump(timeout)
  if timeout ~= nil then
    local ok, why = options.ms(timeout)
    if not ok then error("wbem.pump: timeout " .. why, 2) end
    if timeout == huge then timeout = nil end
  end
  local start = clock()
  while true do
    local now = clock()
    local wait = timeout and timeout - (now - start)
    local top = timers:peek()
    if top then
      local left = top.deadline - now
      if not wait or left < wait then wait = left end
    end
    local n, quit = core.pump(wait_arg(wait))
    n = n + expire()
    if n > 0 or quit or timeout == 0 then return n, quit end
    if timeout and clock() - start >= timeout then return 0, false end
  end
end

--- run([fn, ...]): spawns fn, then pumps until no operation is pending.
function M.run(fn, ...)
  if fn ~= nil then
    if type(fn) ~= "function" then error("wbem.run: expects a function, got " .. show(fn), 2) end
    M.spawn(fn, ...)
  end
  while pending > 0 do M.pump() end
end

function M.pending()
  return pending
end

--- interrupt(co, err): the task co stops waiting: the operation it waits on is abandoned
-- (op.abandon: cancelled or left to its worker) and its wbem call raises err. Returns
-- false when co waits on nothing.
function M.interrupt(co, err)
  local op = tasks[co]
  if type(op) ~= "table" or op.done then return false end
  give_up(op, err)
  return true
end

local function wake_up(op) M.settle(op, nil) end

--- sleep(ms): waits ms milliseconds (a task yields meanwhile; anything else pumps).
function M.sleep(ms)
  local ok, why = options.ms(ms)
  if not ok then error("wbem.sleep: milliseconds " .. why, 2) end
  local op = { done = false, co = false, err = false, result = false }
  M.begin(op)
  M.deadline(op, ms, wake_up)   -- math.huge: none, so only an interrupt ends it
  M.await(op)
end

--- timeout() -> milliseconds until the nearest deadline (an integer, 0 when one is due),
-- or nil when no call has one: how long a host that waits on wait_handle() may sleep.
function M.timeout()
  local top = timers:peek()
  if not top then return nil end
  local ms = wait_arg(top.deadline - clock())
  return ms == MAX_WAIT and ms or ceil(ms)
end

return M
