-- wbem.async: Lua functions as SWbemSink handlers, the pump, and the asynchronous
-- calls of the scripting API (PutAsync_, DeleteAsync_, GetAsync, ExecQueryAsync_) as
-- coroutines.
--
-- Every operation gets a sink of its own (WMI's documentation advises it: Cancel
-- cancels every call on a sink). Handlers run only at pump points, on the Lua thread:
-- the C side queues what COM delivers, wherever it delivers it.

local core            -- wbem.core, given to install()

local coroutine, math, pairs, type, error, setmetatable, getmetatable, tostring, pcall, xpcall =
      coroutine, math, pairs, type, error, setmetatable, getmetatable, tostring, pcall, xpcall
local traceback = debug.traceback

-- Every WbemChangeFlagEnum and WbemFlagEnum value, under its WMI name without prefix.
local flags = {
  CreateOrUpdate = 0x0, UpdateOnly = 0x1, CreateOnly = 0x2,
  UpdateCompatible = 0x0, UpdateSafeMode = 0x20, UpdateForceMode = 0x40,
  StrongValidation = 0x80, Advisory = 0x10000,
  ReturnImmediately = 0x10, ReturnWhenComplete = 0x0,
  Bidirectional = 0x0, ForwardOnly = 0x20,
  NoErrorObject = 0x40, ReturnErrorObject = 0x0,
  SendStatus = 0x80, DontSendStatus = 0x0,
  EnsureLocatable = 0x100, DirectRead = 0x200, SendOnlySelected = 0x0,
  UseAmendedQualifiers = 0x20000,
  GetDefault = 0x0, SpawnInstance = 0x1, UseCurrentTime = 0x1,
}
setmetatable(flags, {
  __index = function(_, name) error("wbem.flags: no flag named " .. tostring(name), 2) end,
  __newindex = function() error("wbem.flags is read-only", 2) end,
})

local WBEM_E_CALL_CANCELLED = 0x80041032

--------------------------------------------------------------------------------------
-- Operations
--------------------------------------------------------------------------------------

local live = {}          -- op -> true: anchors an operation (and its coroutine) until
                         -- its sink has heard OnCompleted, whoever still refers to it
local timed = {}         -- op -> true: operations with a deadline
local pending = 0        -- operations whose caller still waits for them
local serial = 0

-- Resumes a task; its failure is raised here, with the task's own traceback.
local function resume(co, ...)
  local ok, err = coroutine.resume(co, ...)
  if not ok then
    if type(err) == "table" then
      err.traceback = err.traceback or traceback(co)
      error(err, 0)
    end
    error(traceback(co, tostring(err)), 0)
  end
end

-- A task that failed after the pump resumed it fails the pump call that woke it.
local function wake(op)
  local co = op.co
  if co and coroutine.status(co) == "suspended" then resume(co) end
end

-- The caller is done with op (result, failure, timeout): it stops being pending.
local function settle(op, err)
  if op.done then return end
  op.done, op.err = true, err
  pending = pending - 1
  timed[op] = nil
  wake(op)
end

-- The sink heard OnCompleted: nothing more will come, release everything.
local function retire(op)
  live[op] = nil
  timed[op] = nil
  if op.sink then op.sink:close(false) end
end

-- Stops waiting for op: cancels the call through its sink; the sink stays anchored
-- until its OnCompleted (WBEM_E_CALL_CANCELLED) arrives, so nothing leaks.
local function abandon(op, err)
  if op.done then return end
  op.abandoned = true
  if op.sink and op.sink:is_open() then pcall(op.sink.cancel, op.sink) end
  settle(op, err)
end

-- An error object from OnCompleted's hresult and its SWbemLastError-shaped object.
local function completion_error(op, hresult, errobj)
  local details = { hresult = hresult, operation = op.what }
  if errobj then
    local function read(name)
      local ok, v = pcall(function() return errobj[name] end)
      if ok and v ~= nil and v ~= "" then return v end
    end
    details.description = read("Description")
    details.provider = read("ProviderName")
    details.parameter = read("ParameterInfo")
    details.operation = read("Operation") or details.operation
    core.close(errobj)
  end
  return core.error(details)
end

-- One handler table for all operations: the operation is the handlers' first argument.
local handlers = {
  on_progress = function(op, upper, current, message)
    if op.on_progress and not op.done then
      local ok, err = xpcall(op.on_progress, traceback, upper, current, message,
                             op.async_context)
      if not ok then abandon(op, err) end
    end
  end,
  on_object_put = function(op, path)
    if op.abandoned then core.close(path) else op.result = path end
  end,
  on_object_ready = function(op, obj)
    if op.abandoned then
      core.close(obj)
    elseif op.items ~= nil then
      op.last = op.last + 1
      op.items[op.last] = obj
      wake(op)
    else
      op.result = obj
    end
  end,
  on_completed = function(op, hresult, errobj)
    retire(op)
    if op.abandoned then
      if errobj then core.close(errobj) end
      if op.result then core.close(op.result) end
      return
    end
    if hresult >= 0x80000000 then
      settle(op, completion_error(op, hresult, errobj))
    else
      if errobj then core.close(errobj) end
      settle(op, nil)
    end
  end,
}

local function settings_of(obj)
  return core.settings(obj) or {}
end

-- A new SWbemNamedValueSet of the connection's class holding the pairs of t.
local function named_values(settings, t)
  local nvs = core.create(settings.named_value_set or "WbemScripting.SWbemNamedValueSet")
  for k, v in pairs(t) do
    if type(k) ~= "string" then
      core.close(nvs)
      error("wbem: context names must be strings, got " .. type(k), 0)
    end
    local ok, err = pcall(nvs.Add, nvs, k, v)
    if not ok then
      core.close(nvs)
      error(err, 0)
    end
  end
  return nvs
end

local option_names = {
  flags = true, context = true, async_context = true, on_progress = true, timeout = true,
}

local function check_string(v, what, desc)
  if type(v) ~= "string" then
    error(("wbem: %s expects %s, got %s"):format(what, desc, type(v)), 3)
  end
end

local function check_options(opts, what)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(("wbem: %s expects a table of options, got %s"):format(what, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not option_names[k] then
      error(("wbem: %s: unknown option '%s'"):format(what, tostring(k)), 3)
    end
  end
  if opts.flags ~= nil and math.type(opts.flags) ~= "integer" then
    error(("wbem: %s: flags must be an integer"):format(what), 3)
  end
  if opts.on_progress ~= nil and type(opts.on_progress) ~= "function" then
    error(("wbem: %s: on_progress must be a function"):format(what), 3)
  end
  if opts.context ~= nil and type(opts.context) ~= "table" and not core.is_object(opts.context) then
    error(("wbem: %s: context must be a table of named values or an SWbemNamedValueSet"):format(what), 3)
  end
  if opts.timeout ~= nil and (type(opts.timeout) ~= "number" or opts.timeout < 0) then
    error(("wbem: %s: timeout must be a number of milliseconds"):format(what), 3)
  end
  return opts
end

-- Makes the call: obj[method](obj, sink, [a1, [a2,]] flags, context, async_context),
-- the argument order of every *Async call of the scripting API. The named value sets it
-- makes are released when it returns or fails (the provider keeps what it needs).
local function start(obj, method, sink, settings, opts, fl, a1, a2)
  local own_ctx <close> = type(opts.context) == "table" and named_values(settings, opts.context) or nil
  -- the async context's Lua value stays in the operation; the call carries a set naming it
  local actx <close> = opts.async_context ~= nil and
                       named_values(settings, { LuaWbemOperation = serial }) or nil
  local ctx = own_ctx or opts.context
  local call = obj[method]
  if a2 ~= nil then call(obj, sink, a1, a2, fl, ctx, actx)
  elseif a1 ~= nil then call(obj, sink, a1, fl, ctx, actx)
  else call(obj, sink, fl, ctx, actx) end
end

-- Starts an asynchronous call on a sink of its own and anchors it until OnCompleted.
local function begin(obj, what, opts, method, a1, a2)
  local settings = settings_of(obj)
  serial = serial + 1
  -- every field the operation will have, so it is sized once
  local op = { what = what, sink = false, done = false, result = false, co = false,
               err = false, async_context = opts.async_context,
               on_progress = opts.on_progress }
  local fl = opts.flags or 0
  if op.on_progress then fl = fl | flags.SendStatus end
  local sink = core.sink(handlers, settings.sink or "WbemScripting.SWbemSink", settings, op)
  op.sink = sink
  local ok, err = pcall(start, obj, method, sink, settings, opts, fl, a1, a2)
  if not ok then
    sink:close(false)
    error(err, 0)
  end
  live[op] = true
  pending = pending + 1
  if opts.timeout then
    op.started = core.clock()
    op.deadline = op.started + opts.timeout
    timed[op] = true
  end
  return op
end

local function expire()
  local now, n = core.clock(), 0
  for op in pairs(timed) do
    if op.deadline <= now then
      n = n + 1
      abandon(op, core.error{
        hresult = WBEM_E_CALL_CANCELLED,
        operation = op.what,
        message = ("timed out after %g ms; cancelled"):format(op.deadline - op.started),
        timeout = true,
      })
    end
  end
  return n
end

local function nearest_deadline()
  local d
  for op in pairs(timed) do
    if not d or op.deadline < d then d = op.deadline end
  end
  return d
end

--------------------------------------------------------------------------------------
-- The pump
--------------------------------------------------------------------------------------

-- pump([timeout_ms]) -> dispatched, quit
-- nil waits until something is dispatched; 0 is one non-blocking step (a host's frame).
-- Deadlines of operations with a timeout bound the wait, and expire here.
local function pump(timeout)
  if timeout ~= nil and (type(timeout) ~= "number" or timeout < 0) then
    error("wbem.pump: timeout must be a non-negative number of milliseconds", 2)
  end
  local start = core.clock()
  while true do
    local wait = timeout and math.max(0, math.ceil(timeout - (core.clock() - start)))
    local d = nearest_deadline()
    if d then
      local left = math.max(0, math.ceil(d - core.clock()))
      wait = wait and math.min(wait, left) or left
    end
    local n, quit = core.pump(wait)
    n = n + expire()
    if n > 0 or quit or timeout == 0 then return n, quit end
    if timeout and core.clock() - start >= timeout then return 0, false end
  end
end

-- Waits until op changes: yields when the caller is a coroutine that can yield (the
-- pump resumes it), pumps otherwise.
local function park(op)
  local co, main = coroutine.running()
  if not main and coroutine.isyieldable() then
    op.co = co
    coroutine.yield()
    op.co = false
  else
    pump()
  end
end

local function await(op)
  while not op.done do park(op) end
  if op.err then error(op.err, 0) end
  return op.result or nil
end

--------------------------------------------------------------------------------------
-- The asynchronous calls, as methods of every bridged object
--------------------------------------------------------------------------------------

local methods = {}
local sink_for

-- obj:put_async{flags=, context=, async_context=, on_progress=, timeout=} -> SWbemObjectPath
function methods.put_async(obj, opts)
  opts = check_options(opts, "put_async")
  return await(begin(obj, "PutAsync_", opts, "PutAsync_"))
end

-- obj:delete_async{...} -> true
function methods.delete_async(obj, opts)
  opts = check_options(opts, "delete_async")
  await(begin(obj, "DeleteAsync_", opts, "DeleteAsync_"))
  return true
end

-- svc:get_async(path, {...}) -> SWbemObject
function methods.get_async(svc, path, opts)
  check_string(path, "get_async", "an object path string")
  opts = check_options(opts, "get_async")
  return await(begin(svc, "GetAsync " .. path, opts, "GetAsync", path))
end

-- for obj in svc:query_async(wql, {...}) do ... end
-- Yields each object as OnObjectReady brings it; leaving the loop early cancels the query.
function methods.query_async(svc, wql, opts)
  check_string(wql, "query_async", "a WQL string")
  opts = check_options(opts, "query_async")
  local op = begin(svc, "ExecQueryAsync " .. wql, opts, "ExecQueryAsync", wql, "WQL")
  op.items, op.first, op.last = {}, 1, 0
  local function next_item()
    while true do
      if op.first <= op.last then
        local item = op.items[op.first]
        op.items[op.first] = nil
        op.first = op.first + 1
        return item
      end
      if op.done then
        if op.err then error(op.err, 0) end
        return nil
      end
      park(op)
    end
  end
  local closer = setmetatable({}, { __close = function()
    if not op.done then abandon(op, nil) end
    for i = op.first, op.last do core.close(op.items[i]) end
    op.first = op.last + 1
  end })
  return next_item, nil, nil, closer
end

-- obj:sink{on_...=} -> a sink of this object's connection's sink class
function methods.sink(obj, h)
  return sink_for(settings_of(obj), h)
end

--------------------------------------------------------------------------------------
-- Public functions
--------------------------------------------------------------------------------------

local default_settings = {}
local handler_names = {
  on_object_ready = true, on_completed = true, on_progress = true, on_object_put = true,
}

sink_for = function(settings, h)
  if type(h) ~= "table" then error("wbem.sink expects a table of handlers", 3) end
  local fns = {}
  for k, v in pairs(h) do
    if handler_names[k] then
      if type(v) ~= "function" then error(("wbem.sink: %s must be a function"):format(k), 3) end
      fns[k] = v
    elseif k ~= "class" then
      error(("wbem.sink: unknown field '%s'"):format(tostring(k)), 3)
    end
  end
  return core.sink(fns, h.class or settings.sink or "WbemScripting.SWbemSink", settings)
end

local M = {}

-- wbem.connect tells: the default sink class is the latest connection's.
function M.connected(settings)
  default_settings = settings or {}
end

function M.install(wbem, c)
  core = c
  core.extend(methods)
  wbem.flags = flags

  -- wbem.sink{...} makes a sink of the sink class of the most recent connection
  -- (svc:sink{...} names its connection; class= names a progid).
  function wbem.sink(h) return sink_for(default_settings, h) end

  wbem.pump = pump
  wbem.clock = core.clock      -- milliseconds, monotonic (a float)
  function wbem.pending() return pending end
  function wbem.wait_handle() return core.wait_handle() end

  -- spawn(fn, ...) -> coroutine: starts a task now; it runs until its first wait.
  function wbem.spawn(fn, ...)
    if type(fn) ~= "function" then error("wbem.spawn expects a function", 2) end
    local co = coroutine.create(fn)
    resume(co, ...)
    return co
  end

  -- run([fn, ...]): spawns fn, then pumps until no operation is pending.
  function wbem.run(fn, ...)
    if fn ~= nil then wbem.spawn(fn, ...) end
    while pending > 0 do pump() end
  end
end

return M
