-- fleet.lua: wbem.fleet over simulated hosts (Control.AddServer), beside the ideal
-- schedule of the same mix: hosts whose connect takes LATENCY ms and a tenth that hang
-- until connect_timeout, fn doing one query and one put. The ideal is the same greedy
-- schedule (each host to the first free slot, in order) with zero overhead: what the
-- fleet adds is the ratio. Prints "name value" lines.
local wbem = require "wbem"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"
local harness = require "bench.harness"
local out, util = harness.out, harness.util

local LATENCY, HANG_EVERY, CONNECT_TIMEOUT = 50, 10, 2000

local control <close> = simfix.control()
control:Reset()

-- The hosts: every HANG_EVERY-th hangs, the others answer after LATENCY ms.
local function hosts(n, tag)
  local list = {}
  for i = 1, n do
    local name = ("%s-%04d"):format(tag, i)
    control:AddServer(name, i % HANG_EVERY == 0 and "hang" or "ok", LATENCY)
    list[i] = { server = name, namespace = "root\\default" }
  end
  return list
end

-- The greedy schedule's makespan: host i takes d(i) ms in the first slot to free up.
local function ideal(n, slots)
  local free = {}
  for s = 1, slots do free[s] = 0 end
  local makespan = 0
  for i = 1, n do
    local best = 1
    for s = 2, slots do if free[s] < free[best] then best = s end end
    free[best] = free[best] + (i % HANG_EVERY == 0 and CONNECT_TIMEOUT or LATENCY)
    makespan = math.max(makespan, free[best])
  end
  return makespan
end

local function fn(svc, host)
  simfix.item_class(svc)                     -- a class of its own on each host: one put
  local set <close> = svc:ExecQuery("SELECT * FROM LuaSpec_Item")   -- and one query
  return set.Count
end

local function run(n, concurrency, tag)
  local list = hosts(n, tag)
  collectgarbage(); collectgarbage()
  -- committed private pages (VirtualQuery): Wine does not keep PrivateUsage up to date
  local _, vq0 = util.private_bytes()
  local peak_bytes, peak_lua, lua0 = 0, 0, collectgarbage("count")
  local t0 = core.clock()
  local ok = 0
  for r in wbem.fleet_each(list, fn, {
    concurrency = concurrency, connect_timeout = CONNECT_TIMEOUT,
    connect = { locator = simfix.options.locator, sink = simfix.options.sink },
    on_progress = function(done)
      if done == concurrency then
        local _, vq = util.private_bytes()
        peak_bytes = vq - vq0
        peak_lua = (collectgarbage("count") - lua0) * 1024
      end
    end,
  }) do
    if r.ok then ok = ok + 1 end
  end
  local wall = core.clock() - t0
  assert(ok == n - n // HANG_EVERY, ("%d of %d hosts ok"):format(ok, n))
  local key = ("fleet_%d_c%d"):format(n, concurrency)
  print(("# %d hosts, concurrency %d, %d ok, %d hung"):format(n, concurrency, ok, n // HANG_EVERY))
  out(key .. "_wall_ms", wall)
  out(key .. "_ideal_ms", ideal(n, concurrency))
  -- the process's share includes each simulated host's repository and the worker stacks
  out(key .. "_bytes_per_host_in_flight", peak_bytes / concurrency)
  out(key .. "_lua_bytes_per_host_in_flight", peak_lua / concurrency)
  control:Reset()                            -- releases the hung connects, removes the hosts
end

run(1000, 64, "a")
run(1000, 256, "b")
run(50, 1, "c")
