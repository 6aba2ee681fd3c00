--- wbem.async: the asynchronous calls of the scripting API over SWbemSink (PutAsync_,
-- DeleteAsync_, GetAsync, ExecQueryAsync) as operations of wbem.loop, and sinks with
-- Lua handlers (wbem.sink, obj:sink). The same calls go over the worker transport
-- (wbem.worker: Put_, Delete_, Get, a semisynchronous ExecQuery on a pool thread) when
-- their connection or their own options say async = "worker".
--
-- Every operation gets a sink of its own (WMI's documentation advises it: Cancel cancels
-- every call on a sink). Handlers run only at pump points, on the Lua thread: the C side
-- queues what COM delivers, wherever it delivers it. Loading this module adds put_async,
-- delete_async, get_async, query_async and sink to every bridged object.

local core = require "wbem.core"
local flags = require "wbem.flags"
local loop = require "wbem.loop"
local options = require "wbem.options"
local provider = require "wbem.provider"
local stream = require "wbem.stream"
local worker = require "wbem.worker"

local type, pairs, ipairs, error, pcall, xpcall, setmetatable = type, pairs, ipairs,
  error, pcall, xpcall, setmetatable
local pack, unpack = table.pack, table.unpack
local find = string.find
local show = options.show

local SEND_STATUS = flags.SendStatus
local WBEM_E_CALL_CANCELLED = 0x80041032

local M = {}

--------------------------------------------------------------------------------------
-- Operations on sinks
--------------------------------------------------------------------------------------

-- An operation is anchored by its sink until OnCompleted, whoever still refers to it:
-- the sink is made kept (core.sink's keep) and holds the operation as its handlers'
-- first argument, the operation holds its coroutine.
local serial = 0

-- Stops waiting for op: cancels the call through its sink; the sink stays anchored
-- until its OnCompleted (WBEM_E_CALL_CANCELLED) arrives, so nothing leaks. What still
-- comes is nobody's: the sink releases its objects itself (cancel's discard).
local function abandon(op, err)
  if op.done then return end
  op.abandoned = true
  if op.sink:is_open() then pcall(op.sink.cancel, op.sink, true) end
  loop.settle(op, err)
end

local progress_failed = loop.handler("on_progress")

local close = core.close

-- One handler table for all operations: the operation is the handlers' first argument.
-- Every event ends with objWbemAsyncContext, the named value set the call carried: the
-- Lua value it stands for is in the operation, so the object is released at once.
local handlers = {
  on_progress = function(op, upper, current, message, actx)
    if actx then close(actx) end
    local f = op.on_progress
    if f and not op.done then
      local ok, err = xpcall(f, progress_failed, upper, current, message, op.async_context)
      if not ok then abandon(op, err) end
    end
  end,
  on_object_put = function(op, path, actx)
    if actx then close(actx) end
    if op.abandoned then
      if path then close(path) end
    else
      op.result = path
    end
  end,
  on_object_ready = function(op, obj, actx)
    if actx then close(actx) end
    if op.abandoned then
      if obj then close(obj) end
    elseif op.on_item then
      op.on_item(op, obj)
    elseif op.items ~= nil then
      stream.push(op, obj)
    else
      op.result = obj
    end
  end,
  on_completed = function(op, hresult, errobj, actx)
    if actx then close(actx) end
    op.sink:close(false)       -- nothing more will come: release everything
    local err
    -- read through the error object's own interface: bridged reads of a fresh object
    -- would cost more than the whole operation
    if not op.abandoned and hresult >= 0x80000000 then
      err = core.completion_error(hresult, errobj, op.what)
    end
    -- released before settling: settling may run code that raises (a subscription's)
    if errobj then close(errobj) end
    if op.abandoned then
      if op.result then close(op.result) end
    else
      loop.settle(op, err)
    end
  end,
}

-- The message of a timeout of ms: calls with the same timeout expire together, and
-- formatting a number costs more than the rest of an expiry (the C runtime's locale).
local last_ms, last_message
local function timed_out(ms)
  if ms ~= last_ms then
    last_ms, last_message = ms, ("timed out after %g ms; cancelled"):format(ms)
  end
  return last_message
end

-- A deadline passed before the operation completed.
local function expire(op)
  abandon(op, core.error{
    hresult = WBEM_E_CALL_CANCELLED,
    operation = op.what,
    message = timed_out(op.deadline - op.started),
    timeout = true,
  })
end

local function fill(nvs, t)
  local add = nvs.Add
  for k, v in pairs(t) do
    if type(k) ~= "string" then
      error("context names must be strings, got " .. show(k), 0)
    end
    -- Add returns the SWbemNamedValue, which holds the set: released now, not by the GC.
    -- Called by pcall, a value it cannot take raises without this file's position.
    local ok, nv = pcall(add, nvs, k, v)
    if not ok then
      if type(nv) == "string" then error(("value '%s': %s"):format(k, nv), 0) end
      error(nv, 0)
    end
    core.close(nv)
  end
end

-- A new SWbemNamedValueSet of the connection's class holding the pairs of t; whatever
-- fails (a bad name or value, an iteration that raises), nothing stays behind.
local function named_values(s, t, fname)
  local nvs = core.create(s.named_value_set)
  local ok, err = pcall(fill, nvs, t)
  if not ok then
    core.close(nvs)
    if type(err) == "string" then err = fname .. ": option 'context': " .. err end
    error(err, 0)
  end
  return nvs
end

-- What every operation on a sink shares, so that an operation holds only its own state
-- (a pending operation is mostly what the bridge costs per call in flight).
local Op = { __index = { abandon = abandon } }

local start, lookup, type_name = core.start, core.lookup, core.type_name

-- obj has no method of that name: fname was called on another kind of object
-- (svc:put_async{}, obj:get_async(path)), which is the caller's mistake to name.
local function no_method(obj, fname, method)
  local kind = type_name(obj)
  error(("%s: the object is %s, which has no %s"):format(fname,
        kind and "an " .. kind or "of a kind that does not say what it is", method), 0)
end

-- Raises unless obj has a member named method (the kind of object fname needs).
local function check_method(obj, fname, method)
  if not lookup(obj, method) then no_method(obj, fname, method) end
end
M.check_method = check_method

-- Starts obj[method](obj, sink, ..., flags, context, async_context) (the argument order
-- of every *Async call of the scripting API) on a sink of its own (core.start: a call
-- that raises closes it), and anchors the operation until OnCompleted; opts.timeout
-- bounds the whole call. The named value sets it makes are released when the call
-- returns or fails (the provider keeps what it needs).
-- It runs off the caller's stack (core.offstack): a task that then waits keeps only the
-- stack of its own frames, not the depth of the COM call.
local function begin(obj, fname, what, opts, method, ...)
  local s = provider.of(obj)
  local call = lookup(obj, method) or no_method(obj, fname, method)
  local ctx, timeout, on_progress = opts.context, opts.timeout, opts.on_progress
  local own <close> = type(ctx) == "table" and named_values(s, ctx, fname) or nil
  -- the async context's Lua value stays in the operation; the call carries a set naming it
  serial = serial + 1
  local actx <close> = opts.async_context ~= nil and
                       named_values(s, { LuaWbemOperation = serial }, fname) or nil
  local fl = opts.flags or 0
  -- the fields a pending operation has (a deadline's too), so that it is sized once while
  -- it waits: four slots, not eight; its result and failure come with its completion,
  -- when a resize costs the one operation that ends rather than every one that waits
  local op = timeout == nil and
    setmetatable({ what = what, sink = false, done = false, co = false }, Op) or
    setmetatable({ what = what, sink = false, done = false, result = false, co = false,
                   err = false, started = false, deadline = false, expire = false }, Op)
  if on_progress then
    fl = fl | SEND_STATUS
    op.on_progress = on_progress
  end
  op.async_context = opts.async_context
  start(op, handlers, s.sink, s, call, obj, fl, own or ctx, actx, ...)
  loop.begin(op, timeout, expire)
  return op
end
begin = core.offstack(begin)
M.begin = begin

--------------------------------------------------------------------------------------
-- The asynchronous calls, as methods of every bridged object
--------------------------------------------------------------------------------------

local call_options = {
  flags = options.flags, context = options.context, async_context = options.any,
  on_progress = options.fn, timeout = options.ms, async = options.choice{ "sink", "worker" },
}
M.call_options = call_options

-- The transport of a call: its own async option, else its connection's, else "sink".
-- What only a sink can serve is refused on a worker, never ignored. (The settings are
-- read with core.settings, not provider.of: this runs in the task, and a call level more
-- is a CallInfo more that every waiting task may keep; the default settings name no
-- transport anyway.)
local function transport(obj, opts, fname)
  local s = core.settings(obj)
  local mode = opts.async or s and s.async or "sink"
  if mode == "worker" then
    for _, k in ipairs{ "on_progress", "async_context" } do
      if opts[k] ~= nil then
        error(("%s: option '%s' needs the sink transport (async = \"sink\"); this call "
               .. "runs on a worker"):format(fname, k), 3)
      end
    end
    worker.check_reachable(obj, fname, 3)
    if core.is_object(opts.context) and core.lives_here(opts.context) then
      error(fname .. ": option 'context': this named value set lives in the Lua thread's "
            .. "apartment; give a worker call a table", 3)
    end
  end
  return mode
end
M.transport = transport

-- Starts obj[method](..., flags, context) on a worker: the synchronous (or, for a
-- query, semisynchronous) call of the same arguments, options and results. kind: nil
-- for a call, "query" to enumerate the set it returns, "events" to read the event
-- source it returns. Off the caller's stack, as begin.
local function on_worker(obj, fname, what, opts, kind, method, ...)
  check_method(obj, fname, method)
  local args = pack(...)
  local ctx = opts.context
  local spec = worker.context_spec(provider.of(obj), ctx, args.n + 1)
  spec.query = kind == "query"
  spec.events = kind == "events"
  spec.window = opts.window         -- at most so many objects fetched ahead (nil: the most)
  if ctx ~= nil then
    args.n = args.n + 1
    if type(ctx) == "table" then ctx = false end   -- a stand-in for the set made on the worker
    args[args.n] = ctx
  end
  return worker.start(what, opts.timeout, core.job_call, spec, obj, method,
                      unpack(args, 1, args.n))
end
on_worker = core.offstack(on_worker)
M.on_worker = on_worker

-- Raises unless obj is an open bridged object (o.put_async{} instead of o:put_async{}):
-- one C call, which tells an open object, a closed one and anything else apart.
local function check_self(obj, fname)
  local open = core.is_open(obj)
  if open then return end
  if open == nil then
    error(("%s: expects a bridged object before the colon (%s), got %s"):format(
      fname, fname, show(obj)), 3)
  end
  error(fname .. ": the object is closed", 3)
end
M.check_self = check_self

-- A path, a query, a name: text that WMI reads up to its first zero character, so a zero
-- byte would make it act on the part before, silently.
local function check_string(v, fname, what)
  if type(v) ~= "string" then
    error(("%s: %s must be a string, got %s"):format(fname, what, show(v)), 3)
  end
  local zero = find(v, "\0", 1, true)
  if zero then error(("%s: %s contains a zero byte (byte %d)"):format(fname, what, zero), 3) end
end
M.check_string = check_string

local methods = {}
local check_put = options.checker("obj:put_async", call_options)
local check_delete = options.checker("obj:delete_async", call_options)
local check_get = options.checker("svc:get_async", call_options)

-- obj:put_async{flags=, context=, async_context=, on_progress=, timeout=} -> SWbemObjectPath
function methods.put_async(obj, opts)
  check_self(obj, "obj:put_async")
  opts = check_put(opts)
  if transport(obj, opts, "obj:put_async") == "worker" then
    return loop.await(on_worker(obj, "obj:put_async", "Put_", opts, nil, "Put_",
                                opts.flags or 0))
  end
  return loop.await(begin(obj, "obj:put_async", "PutAsync_", opts, "PutAsync_"))
end

-- obj:delete_async{...} -> true
function methods.delete_async(obj, opts)
  check_self(obj, "obj:delete_async")
  opts = check_delete(opts)
  if transport(obj, opts, "obj:delete_async") == "worker" then
    loop.await(on_worker(obj, "obj:delete_async", "Delete_", opts, nil, "Delete_",
                         opts.flags or 0))
  else
    loop.await(begin(obj, "obj:delete_async", "DeleteAsync_", opts, "DeleteAsync_"))
  end
  return true
end

-- svc:get_async(path, {...}) -> SWbemObject
function methods.get_async(svc, path, opts)
  check_self(svc, "svc:get_async")
  check_string(path, "svc:get_async", "the object path")
  opts = check_get(opts)
  if transport(svc, opts, "svc:get_async") == "worker" then
    return loop.await(on_worker(svc, "svc:get_async", "Get " .. path, opts, nil, "Get", path,
                                opts.flags or 0))
  end
  return loop.await(begin(svc, "svc:get_async", "GetAsync " .. path, opts, "GetAsync", path))
end

--------------------------------------------------------------------------------------
-- Sinks with Lua handlers
--------------------------------------------------------------------------------------

local handler_fields = {
  on_object_ready = options.fn, on_completed = options.fn, on_progress = options.fn,
  on_object_put = options.fn, class = options.string,
}

local check_wbem_sink = options.checker("wbem.sink", handler_fields, "field")
local check_obj_sink = options.checker("obj:sink", handler_fields, "field")

-- A sink with the handlers fns (checked), of the class fns.class or else s.sink.
local function make_sink(s, checked)
  local class, fns = checked.class, {}
  for k, f in pairs(checked) do
    if k ~= "class" then fns[k] = f end
  end
  if class then s = provider.for_prefix(provider.prefix_of(class), { sink = class }) end
  return core.sink(fns, s.sink, s)
end

-- obj:sink{on_...=} -> a sink of this object's connection's sink class
function methods.sink(obj, h)
  check_self(obj, "obj:sink")
  local fns = check_obj_sink(h)
  return make_sink(provider.of(obj), fns)
end

--- wbem.sink{on_object_ready=, on_completed=, on_progress=, on_object_put=, class=}:
-- a sink of class (a progid), default the real WbemScripting.SWbemSink; objects that
-- arrive through it belong to the same provider as the class.
function M.sink(h)
  local fns = check_wbem_sink(h)
  return make_sink(provider.default, fns)
end

core.extend(methods)

return M
