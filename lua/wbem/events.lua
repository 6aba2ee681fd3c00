--- wbem.events: event subscriptions, as an iterator or with a handler.
--
--   for ev in svc:events(wql, { timeout = ms, within = s, buffer = n, on_overflow = fn,
--                               async = "sink" | "worker", flags =, context = }) do
--     print(ev.TargetInstance.Name)
--   end
--   local sub = svc:subscribe(wql, function(ev) ... end, { within =, on_error = fn, ... })
--   sub:close()                     -- or <close>, or let it be collected
--
-- The sink transport subscribes with ExecNotificationQueryAsync (the events come to a sink
-- at pump points); the worker transport with the semisynchronous ExecNotificationQuery,
-- whose NextEvent a pool thread calls, fetching only as the loop reads (nothing calls into
-- the process). within = s adds "WITHIN s" to a query that has none (the polling interval
-- WMI needs for classes without an event provider).
--
-- Iterator: in a task it yields between events, elsewhere it pumps. timeout bounds each
-- wait for the next event: when it passes the loop raises an error with timeout = true
-- (hresult wbemErrTimedout), as NextEvent does. Leaving the loop (break, error, <close>,
-- or dropping the iterator) cancels the subscription at once. Events that come faster
-- than the loop reads them wait in a buffer of `buffer` events (default 1000; sink
-- transport: the worker transport fetches at most its window ahead); what comes while it
-- is full is released and reported exactly where it was lost: the loop raises an error
-- with overflow = true and lost = n, or calls on_overflow(n) and goes on.
--
-- Handler: fn(ev) runs at pump points, on the Lua thread. A subscription counts as
-- pending (wbem.run goes on) until it is closed. If fn raises, the subscription is closed
-- and the pump that ran fn raises the failure; if the subscription fails (the connection
-- goes, the provider cancels it), on_error(err) hears it, or else the pump raises it.

local core = require "wbem.core"
local async = require "wbem.async"
local loop = require "wbem.loop"
local options = require "wbem.options"
local stream = require "wbem.stream"
local worker = require "wbem.worker"

local type, select, error, xpcall, setmetatable, tostring = type, select, error, xpcall,
  setmetatable, tostring
local math_type = math.type
local show = options.show

local DEFAULT_BUFFER = 1000

local function seconds(v)
  if type(v) ~= "number" or v ~= v or v <= 0 or v == math.huge then
    return false, "must be a positive number of seconds, got " .. show(v)
  end
  return true, v
end

local common = {
  flags = options.flags, context = options.context, within = seconds,
  async = options.choice{ "sink", "worker" },
}
local check_events = options.checker("svc:events", options.merge(common, {
  timeout = options.ms, buffer = options.integer(1, 0x7FFFFFFF), on_overflow = options.fn,
}))
local check_subscribe = options.checker("svc:subscribe", options.merge(common, { on_error = options.fn }))

-- The query in upper case with its string literals ('...' or "...", a backslash escaping
-- the next character) blanked, so that a word inside one is not taken for a keyword.
local function keywords_of(wql)
  local out, i, n = {}, 1, #wql
  while i <= n do
    local c = wql:sub(i, i)
    if c == "'" or c == '"' then
      local j = i + 1
      while j <= n and wql:sub(j, j) ~= c do
        if wql:sub(j, j) == "\\" then j = j + 1 end
        j = j + 1
      end
      out[#out + 1] = (" "):rep(math.min(j, n) - i + 1)
      i = j + 1
    else
      out[#out + 1] = c:upper()
      i = i + 1
    end
  end
  return table.concat(out)
end

-- The query with "WITHIN s" after its FROM class, unless it has a WITHIN of its own.
local function within_query(wql, s, fname)
  if s == nil then return wql end
  local upper = keywords_of(wql)
  if upper:find("%f[%w_]WITHIN%f[^%w_]") then
    error(fname .. ": option 'within': the query has a WITHIN clause of its own", 4)
  end
  local text = math_type(s) == "integer" and tostring(s) or ("%.6g"):format(s)
  local at = select(2, upper:find("%f[%w_]FROM%s+[%w_]+"))
  if not at then
    error(fname .. ": option 'within': the query has no FROM class to put WITHIN after", 4)
  end
  return wql:sub(1, at) .. " WITHIN " .. text .. wql:sub(at + 1)
end

-- The options of the subscribing call itself (timeout is per event here, not for the call).
local function call_options(opts)
  return { flags = opts.flags, context = opts.context, async = opts.async }
end

-- Closes the worker subscription whose registration was being waited for when the wait
-- ended without it (a pump that raised, the waiting task closed): nobody will read it.
local Registering = {
  __close = function(g)
    local op = g.op
    if not op.ready and not op.done then op.abandon(op, nil) end
  end,
}

-- Subscribes over the transport mode: the operation whose events come in order.
local function start(svc, wql, opts, call, mode, fname)
  local query = within_query(wql, opts.within, fname)
  local op
  if mode == "worker" then
    -- the buffer bounds what the thread fetches ahead of the loop (at most its window)
    call = opts.buffer and options.merge(call, { window = opts.buffer }) or call
    op = async.on_worker(svc, fname, "ExecNotificationQuery " .. query, call, "events",
                         "ExecNotificationQuery", query, "WQL", worker.query_flags(opts.flags))
    stream.open(op)                    -- bounded by the worker's window
    -- registered before the call returns, as ExecNotificationQueryAsync is: what happens
    -- from then on is seen, and a refused query raises here
    do
      local _ <close> = setmetatable({ op = op }, Registering)
      while not op.ready and not op.done do loop.park(op) end
    end
    if op.done and op.err then error(op.err, 0) end
  else
    op = async.begin(svc, fname, "ExecNotificationQueryAsync " .. query, call,
                     "ExecNotificationQueryAsync", query, "WQL")
    stream.open(op, opts.buffer or DEFAULT_BUFFER)
  end
  return op
end

local methods = {}

-- for ev in svc:events(wql, opts) do ... end
function methods.events(svc, wql, opts)
  local fname = "svc:events"
  async.check_self(svc, fname)
  async.check_string(wql, fname, "the WQL event query")
  opts = check_events(opts)
  local call = call_options(opts)
  local op = start(svc, wql, opts, call, async.transport(svc, call, fname), fname)
  -- pending only while the loop waits for its next event: a loop nobody reads (left
  -- without closing, not yet collected) must not keep wbem.run() going
  loop.unpend(op)
  return stream.iterate(op, fname, opts.timeout, opts.on_overflow)
end

--------------------------------------------------------------------------------------
-- Subscriptions with a handler
--------------------------------------------------------------------------------------

local handler_failed = loop.handler("a subscription's handler")

local Subscription = {}
Subscription.__index = Subscription
Subscription.__name = "wbem.subscription"

local function stop(op)
  if not op.done then op.abandon(op, nil) end
end

--- sub:close(): cancels the subscription (again: nothing).
function Subscription:close()
  stop(self.op)
end
Subscription.__close = Subscription.close
Subscription.__gc = Subscription.close

--- sub:is_open() -> true until it was closed or failed.
function Subscription:is_open()
  return not self.op.done
end

function Subscription:__tostring()
  return ("wbem.subscription (%s): %s"):format(self.op.done and "closed" or "open", self.op.what)
end

-- Each event goes to fn as it is dispatched; a worker's window gets it back at once.
local function deliver(op, ev)
  local ok, err = xpcall(op.handler, handler_failed, ev)
  if op.job and not op.done then op.job:credit(1) end
  if not ok then
    stop(op)
    error(err, 0)
  end
end

-- The subscription ended: a failure that its own close did not cause is reported.
local function settled(op)
  local err = op.err
  if not err then return end
  if op.on_error then return loop.call("a subscription's on_error", op.on_error, err) end
  error(err, 0)
end

-- svc:subscribe(wql, fn, opts) -> a subscription
function methods.subscribe(svc, wql, fn, opts)
  local fname = "svc:subscribe"
  async.check_self(svc, fname)
  async.check_string(wql, fname, "the WQL event query")
  if type(fn) ~= "function" then
    error(fname .. ": the handler must be a function, got " .. show(fn), 2)
  end
  opts = check_subscribe(opts)
  local call = call_options(opts)
  local op = start(svc, wql, opts, call, async.transport(svc, call, fname), fname)
  op.handler, op.on_error, op.on_item, op.on_settle = fn, opts.on_error, deliver, settled
  -- the subscription object is not referred to by op (which is anchored while it
  -- runs), so that dropping it lets the collector close it
  return setmetatable({ op = op }, Subscription)
end

core.extend(methods)

-- methods: what bridged objects gained; Subscription: the metatable of subscriptions
return { methods = methods, Subscription = Subscription }
