--- wbem.fleet: one function run against many hosts, each in a task of its own, a bounded
-- number at once, one record per host whatever happens to it.
--
--   local records = wbem.fleet({ "web1", "web2", { server = "db1", user = "ops" } },
--     function(svc, host) ... return value end,
--     { concurrency = 32, connect = { user = ..., password = ... }, timeout = 60000 })
--   for record in wbem.fleet_each(hosts, fn, opts) do ... end   -- as they finish
--
-- WMI's DCOM does the remote work; this is the fan-out. A host's record:
--   { host = name, ok = true | false, result = (what fn returned), err = (error object),
--     started = ms, finished = ms, attempts = connection attempts }   (wbem.clock times)

local core = require "wbem.core"
local loop = require "wbem.loop"
local worker = require "wbem.worker"
local options = require "wbem.options"
local connection = require "wbem.connection"

local type, ipairs, error, xpcall, setmetatable, tostring =
  type, ipairs, error, xpcall, setmetatable, tostring
local spawn, clock, show = loop.spawn, core.clock, options.show

local M = {}

local RPC_S_SERVER_UNAVAILABLE = 0x800706BA   -- what WMI documents as a transient failure
local WBEM_E_CALL_CANCELLED = 0x80041032
local WBEM_E_TIMED_OUT = 0x80041069

-- Names that are this computer: the secure remote defaults do not apply to them.
local function is_local(server)
  local s = server:lower():gsub("^\\\\", "")
  local me = (os.getenv("COMPUTERNAME") or ""):lower()
  return s == "" or s == "." or s == "localhost" or s == "127.0.0.1" or (me ~= "" and s == me)
end

local FLEET_OPTIONS = {
  concurrency = options.integer(1), connect = options.table, connect_timeout = options.ms,
  timeout = options.ms, on_progress = options.fn, retries = options.integer(0), backoff = options.ms,
}
-- each public function checks its options itself, so that an error names it and points
-- at its caller
local check_fleet = options.checker("wbem.fleet", FLEET_OPTIONS)
local check_each = options.checker("wbem.fleet_each", FLEET_OPTIONS)

local DEFAULTS = { concurrency = 32, connect_timeout = 30000, retries = 0, backoff = 500 }

-- The connection options of each host, checked before anything starts: a typo must not
-- become a failure record per host.
local function plan(hosts, given, fname)
  if type(hosts) ~= "table" then
    error(("%s: hosts must be a list of names or tables, got %s"):format(fname, show(hosts)), 4)
  end
  -- a list without holes: a host after a nil would be skipped without a word
  local n = #hosts
  for k in pairs(hosts) do
    if math.type(k) == "integer" and k > n then
      error(("%s: hosts[%d] is nil, and hosts[%d] after it is not (a list of hosts has no "
             .. "holes)"):format(fname, n + 1, k), 4)
    end
  end
  local list = {}
  for i = 1, n do
    local h = hosts[i]
    local o
    if type(h) == "string" then
      o = options.merge(given, { server = h })
    elseif type(h) == "table" then
      o = options.merge(given, h)
      if type(o.server) ~= "string" then
        error(("%s: hosts[%d] has no server name"):format(fname, i), 4)
      end
    else
      error(("%s: hosts[%d] must be a name or a table, got %s"):format(fname, i, show(h)), 4)
    end
    if o.async == nil then o.async = "worker" end      -- nothing calls into the process
    if o.authentication == nil and not is_local(o.server) then
      o.authentication = "pktprivacy"   -- DCOM hardening refuses less than packet integrity
    end
    local ok, err = xpcall(connection.check, function(e) return e end, o)
    if not ok then
      error(("%s: hosts[%d] (%s): %s"):format(fname, i, o.server,
        (options.unplaced(tostring(err)):gsub("^wbem%.connect: ", ""))), 4)
    end
    list[i] = { host = o.server, options = o }
  end
  return list
end

--------------------------------------------------------------------------------------
-- One host
--------------------------------------------------------------------------------------

local failed_in_fn = loop.handler("a fleet's function")

-- Connects, retrying what is transient, with a doubling backoff.
local function connect(f, job, record)
  local o = job.options
  local delay = f.backoff
  while true do
    record.attempts = record.attempts + 1
    local ok, svc = xpcall(connection.connect, function(e) return e end, o)
    if ok then return svc end
    local transient = core.is_error(svc) and svc.hresult == RPC_S_SERVER_UNAVAILABLE
    if not transient or record.attempts > f.retries then error(svc, 0) end
    loop.sleep(delay)
    delay = delay * 2
  end
end

-- The task of one host: its record is filled whatever happens.
local function run_host(f, job)
  local record = { host = job.host, ok = false, attempts = 0, started = clock() }
  job.record = record
  local svc
  local ok, result = xpcall(function()
    svc = connect(f, job, record)
    return f.fn(svc, job.host)
  end, failed_in_fn)
  if svc and core.is_open(svc) then core.close(svc) end
  if job.cut then ok, result = false, job.cut end      -- a timeout or close came first
  record.ok = ok
  if ok then record.result = result else record.err = loop.failure(result, "a fleet's function") end
  record.finished = clock()
  f:finished(job)
end

--------------------------------------------------------------------------------------
-- The fleet: starts hosts while fewer than concurrency run, collects their records
--------------------------------------------------------------------------------------

local Fleet = {}
Fleet.__index = Fleet

-- A deadline passed for a host (its whole run), or the fleet closes: the host's task
-- stops waiting (the call it waits in raises err) and unwinds; its record says err.
local function cut(job, err)
  if job.cut or not job.co then return end
  job.cut = err
  loop.interrupt(job.co, err)
end

local function host_expired(timer)
  local job = timer.job
  cut(job, core.error{
    hresult = WBEM_E_TIMED_OUT, operation = "fleet host " .. job.host, server = job.host,
    message = ("timed out after %g ms"):format(timer.bound), timeout = true,
  })
end

function Fleet:start(job)
  self.running = self.running + 1
  if self.timeout then
    job.timer = { job = job, bound = self.timeout }
    loop.deadline(job.timer, self.timeout, host_expired)
  end
  job.co = spawn(run_host, self, job)
end

function Fleet:finished(job)
  if job.timer then loop.undeadline(job.timer) end
  self.running = self.running - 1
  self.ready[#self.ready + 1] = job.record
  job.co = false
  loop.wake(self.op)
end

-- Starts what the concurrency allows; returns the next finished record, or nil at the end.
function Fleet:next()
  while true do
    while self.running < self.concurrency and self.next_job <= #self.jobs and not self.closed do
      local job = self.jobs[self.next_job]
      self.next_job = self.next_job + 1
      self:start(job)
    end
    if self.taken < #self.ready then
      self.taken = self.taken + 1
      local record = self.ready[self.taken]
      self.ready[self.taken] = false            -- handed over: the fleet keeps no copy
      if self.on_progress then
        loop.call("a fleet's on_progress", self.on_progress, self.taken, #self.jobs, record)
      end
      return record
    end
    if self.running == 0 then
      self:close()
      return nil
    end
    loop.park(self.op)
  end
end

--- Stops the fleet: hosts not started never start; running ones are cut (their calls
-- raise a cancellation, their connections are closed) and their records dropped.
function Fleet:close()
  if self.closed then return end
  self.closed = true
  local err = core.error{ hresult = WBEM_E_CALL_CANCELLED, operation = "wbem.fleet",
                          message = "the fleet was closed" }
  for _, job in ipairs(self.jobs) do
    if job.co then cut(job, err) end
  end
  if not self.op.done then loop.settle(self.op, nil) end
  if self.pool_max then worker.workers{ max = self.pool_max } end
end
Fleet.__close = Fleet.close

local function new(fname, hosts, fn, opts)
  if type(fn) ~= "function" then
    error(("%s: expects a function(svc, host), got %s"):format(fname, show(fn)), 3)
  end
  local f = setmetatable({
    fn = fn, jobs = plan(hosts, opts.connect or {}, fname), running = 0,
    next_job = 1, ready = {}, taken = 0, closed = false, on_progress = opts.on_progress,
    concurrency = opts.concurrency or DEFAULTS.concurrency,
    retries = opts.retries or DEFAULTS.retries, backoff = opts.backoff or DEFAULTS.backoff,
    timeout = opts.timeout ~= math.huge and opts.timeout or nil,
    op = { done = false, co = false, err = false, result = false },
  }, Fleet)
  local ct = opts.connect_timeout or DEFAULTS.connect_timeout
  for _, job in ipairs(f.jobs) do
    if job.options.timeout == nil and ct ~= math.huge then job.options.timeout = ct end
  end
  -- each connect holds a worker while it waits: the pool must be as wide as the fleet
  local pool = worker.workers().max
  if pool < f.concurrency then
    f.pool_max = pool
    worker.workers{ max = math.min(f.concurrency, 256) }
  end
  loop.begin(f.op)
  return f
end

--- fleet_each(hosts, fn, opts): for record in ... do end, the records in the order the
-- hosts finish; leaving the loop early closes the fleet.
function M.each(hosts, fn, opts)
  local f = new("wbem.fleet_each", hosts, fn, check_each(opts))
  return function() return f:next() end, nil, nil, f
end

--- fleet(hosts, fn, opts) -> records, one per host in the order of hosts.
function M.fleet(hosts, fn, opts)
  local f <close> = new("wbem.fleet", hosts, fn, check_fleet(opts))
  local out = {}
  while f:next() do end
  for i, job in ipairs(f.jobs) do out[i] = job.record end
  return out
end

return M
