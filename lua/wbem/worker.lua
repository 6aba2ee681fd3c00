--- wbem.worker: the worker transport. A blocking call (ConnectServer, Put_, Get,
-- ExecQuery, any method or property get) runs on a thread of the module's worker pool,
-- in the multithreaded apartment; the Lua thread goes on running tasks and pumping, and
-- what the call returns comes back through the event queue. No sink exists and nothing
-- calls into the process: this is the reference page's "semisynchronous or synchronous
-- communication", bounded by a timeout even where WMI gives no cancellation.
--
-- An operation here is a wbem.loop operation whose producer is a job (job.c): it ends
-- when the job's "done" arrives, or when the caller stops waiting (a deadline, a loop
-- left early), after which whatever the job still brings is released as it comes.

local core = require "wbem.core"
local flags = require "wbem.flags"
local loop = require "wbem.loop"
local stream = require "wbem.stream"

local select, error, pack, unpack, type = select, error, table.pack, table.unpack, type
local close, is_object = core.close, core.is_object

local WBEM_E_TIMED_OUT = 0x80041069
-- the semisynchronous form of a query: results as the provider makes them, forward only
local SEMISYNC = flags.ReturnImmediately | flags.ForwardOnly

local M = {}

-- Releases the objects among the values v1.. (results nobody waits for any more).
local function release(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if is_object(v) then close(v) end
  end
end

-- One handler for every job of the state: op is what the job was started for.
core.job_handler(function(op, kind, err, ...)
  if kind == "ready" then          -- a subscription is registered
    op.ready = true
    loop.wake(op)
    return
  end
  if kind == "item" then           -- err is the object here
    if op.abandoned then close(err)
    elseif op.on_item then op.on_item(op, err)
    else stream.push(op, err) end
    return
  end
  if op.abandoned then
    release(...)
  elseif err then
    err.operation = op.what
    loop.settle(op, err)
  else
    local n = select("#", ...)
    op.result = (...)
    if n > 1 then op.values = pack(...) end
    loop.settle(op, nil)
  end
end)

--- Stops waiting for op: its job goes on where it cannot be stopped, and what it brings
-- is released when it comes.
function M.abandon(op, err)
  if op.done then return end
  op.abandoned = true
  op.job:abandon()
  loop.settle(op, err)
end

local function expire(op)
  local err = core.error{
    hresult = WBEM_E_TIMED_OUT,
    operation = op.what,
    message = ("timed out after %g ms (the call goes on on its worker; what it returns "
               .. "will be released)"):format(op.bound),
    timeout = true,
  }
  if op.server then err.server = op.server end
  M.abandon(op, err)
end

-- Starts submit(op, ...) (core.job_call or core.job_create) as an operation of the loop.
local function start(what, timeout, submit, ...)
  local op = { what = what, done = false, result = false, co = false, err = false, job = false,
               abandon = M.abandon }
  op.job = submit(op, ...)
  op.bound = timeout              -- what the message says; a deadline may be what is left of it
  loop.begin(op, timeout, expire)
  return op
end
M.start = start

--- The values a finished operation returned (a worker call may return several).
function M.values(op)
  if op.values then return unpack(op.values, 1, op.values.n) end
  return op.result or nil
end

--- The spec of a call that takes a context (the argument at position pos): a table
-- becomes a named value set made on the worker; an object goes as it is.
function M.context_spec(s, ctx, pos)
  local spec = { last_error = s.last_error }
  if type(ctx) == "table" then
    spec.context, spec.context_arg, spec.named_value_set = ctx, pos, s.named_value_set
  end
  return spec
end

--- The flags of a query run semisynchronously.
function M.query_flags(fl)
  return (fl or 0) | SEMISYNC
end

--- Connects on a worker: the locator is made there and ConnectServer runs there, so
-- the connection lives off the Lua thread. timeout bounds both steps together.
function M.connect(settings, timeout, ...)
  local clock = core.clock
  local started = clock()
  local server = settings.server
  local what = ("connect to \\\\%s\\%s"):format(server, settings.namespace)
  local made = start("create " .. settings.locator, timeout, core.job_create,
                     settings.locator, settings)
  made.server = server
  local locator = loop.await(made)
  local left = timeout and timeout - (clock() - started)
  if left and left < 0 then left = 0 end
  local op = start(what, left, core.job_call, { last_error = settings.last_error }, locator,
                   "ConnectServer", ...)
  op.server = server
  op.bound = timeout                              -- the bound covers both steps
  local ok, svc = pcall(loop.await, op)
  close(locator)
  if not ok then
    if core.is_error(svc) then svc.server = server end
    error(svc, 0)
  end
  return svc
end

--------------------------------------------------------------------------------------
-- wbem.call_async and wbem.workers
--------------------------------------------------------------------------------------

local options = require "wbem.options"
local show = options.show

local check_call = options.checker("wbem.call_async", { timeout = options.ms })

--- Raises unless a worker can call obj without the Lua thread; fname names the caller.
function M.check_reachable(obj, fname, level)
  if core.lives_here(obj) then
    error(("%s: the object lives in the Lua thread's apartment, so a worker could call it "
           .. "only through this thread; use an object of a connection made with "
           .. "async = \"worker\" (or timeout = ms)"):format(fname), level + 1)
  end
end

-- How many arguments a worker call takes at most: more than any COM method has, and few
-- enough that they always fit on the stack (table.unpack's own refusal names nothing).
local MAX_ARGS = 0xFFFF
local arg_count = options.integer(0, MAX_ARGS)

--- call_async(obj, name, args, opts) -> what obj:name(table.unpack(args)) returns, the
-- call made on a worker. args: a sequence (args.n counts trailing nils); wbem.out marks
-- an out parameter, as in a direct call. opts: { timeout = ms }.
function M.call_async(obj, name, args, opts)
  if not is_object(obj) then
    error("wbem.call_async: expects a bridged object, got " .. show(obj), 2)
  end
  if not core.is_open(obj) then error("wbem.call_async: the object is closed", 2) end
  if type(name) ~= "string" then
    error("wbem.call_async: the member name must be a string, got " .. show(name), 2)
  end
  if args ~= nil and type(args) ~= "table" then
    error("wbem.call_async: the arguments must be a table (a sequence), got " .. show(args), 2)
  end
  local counted, n = arg_count(args and (args.n or #args) or 0)
  if not counted then
    error(("wbem.call_async: %s %s"):format(args.n ~= nil and "args.n" or "the arguments' length",
                                            n), 2)
  end
  opts = check_call(opts)
  M.check_reachable(obj, "wbem.call_async", 2)
  local s = core.settings(obj) or {}
  local ok, op = pcall(start, "call " .. name, opts.timeout, core.job_call,
                       { last_error = s.last_error }, obj, name, unpack(args or {}, 1, n))
  if not ok then
    -- an argument refused: said from the caller's line, not this file's
    if type(op) == "string" then
      error("wbem.call_async: " .. options.unplaced(op):gsub("^wbem: ", ""), 2)
    end
    error(op, 0)
  end
  loop.await(op)
  return M.values(op)
end

local check_workers = options.checker("wbem.workers", {
  max = options.integer(1, 256), idle_ms = options.integer(1, 0x7FFFFFFE),
})

--- workers([{ max = n, idle_ms = ms }]) -> the pool's figures: threads, idle, busy,
-- stuck (abandoned calls still running), listening (subscriptions waiting for events),
-- queued, parked (queries waiting to be read),
-- max, idle_ms, window (a query's objects unread at most).
function M.workers(opts)
  opts = check_workers(opts)
  return core.workers(opts.max, opts.idle_ms)
end

return M
