-- worker.lua: the worker transport beside the sink transport, in one run (tools/bench.sh
-- prints the ratios). Against the simulator (an STA Lua thread, marshal delivery) and,
-- for the property-read rows, Wine's real WMI too. Prints "name value" lines.
local wbem = require "wbem"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"
local harness = require "bench.harness"
local out = harness.out

local ROUND_TRIPS, INFLIGHT, LATENCY, READS = 1000, 1000, 50, 2000

local control <close> = simfix.control()
control:Reset()
local sink_svc <close> = simfix.connect(nil, "sink")
local worker_svc <close> = simfix.connect(nil, "worker")
simfix.item_class(sink_svc)

-- put_async round trips, one at a time, on each transport (the same object class, the
-- same simulator; sink: PutAsync_ and its events; worker: Put_ on a pool thread).
for _, t in ipairs{ { "sink", sink_svc }, { "worker", worker_svc } } do
  local obj <close> = simfix.item(t[2], "rt-" .. t[1])
  for _ = 1, 50 do local p <close> = obj:put_async{} end   -- warm: threads, caches
  harness.percentiles("put_" .. t[1], harness.round_trips(obj, ROUND_TRIPS))
end

-- INFLIGHT worker calls at once, each taking LATENCY ms in the simulator (SyncLatencyMs):
-- ideally INFLIGHT / pool size rounds of LATENCY ms.
do
  local pool = wbem.workers().max
  local items = {}
  for i = 1, INFLIGHT do items[i] = simfix.item(worker_svc, "if" .. i) end
  control.SyncLatencyMs = LATENCY
  local done = 0
  local t0 = core.clock()
  for i = 1, INFLIGHT do
    wbem.spawn(function()
      local p = items[i]:put_async{}
      p:close()
      done = done + 1
    end)
  end
  wbem.run()
  local wall = core.clock() - t0
  control.SyncLatencyMs = 0
  assert(done == INFLIGHT)
  for i = 1, INFLIGHT do items[i]:close() end
  print(("# %d worker puts in flight, SyncLatencyMs %d, pool of %d"):format(INFLIGHT, LATENCY, pool))
  out("worker_inflight_1000_wall_ms", wall)
  out("worker_inflight_1000_ideal_ms", math.ceil(INFLIGHT / pool) * LATENCY)
end

-- A property read on an object a worker call returned, and on the same object from a
-- plain connection: simulator objects are free-threaded (a direct call either way);
-- Wine's WMI objects made on a worker live in COM's host apartment (a proxy).
local function reads(obj, name)
  local t0 = core.clock()
  for _ = 1, READS do local _ = obj[name] end
  return (core.clock() - t0) * 1000 / READS
end

do
  local p <close> = simfix.item(sink_svc, "reads", 1)
  local w <close> = p:put_async{}
  local plain <close> = sink_svc:Get(simfix.path_of("reads"))
  local viaw <close> = wbem.call_async(worker_svc, "Get", { simfix.path_of("reads") })
  reads(plain, "Size"); reads(viaw, "Size")
  out("read_sim_plain_us", reads(plain, "Size"))
  out("read_sim_worker_us", reads(viaw, "Size"))
end

do
  local plain_svc <close> = wbem.connect{}
  local wine_svc <close> = wbem.connect{ async = "worker" }
  local function first(set)
    for o in wbem.each(set) do return o end
  end
  local wql = "SELECT * FROM Win32_OperatingSystem"
  local plain_set <close> = plain_svc:ExecQuery(wql)
  local worker_set <close> = wbem.call_async(wine_svc, "ExecQuery", { wql })
  local plain <close> = first(plain_set)
  local viaw <close> = first(worker_set)
  reads(plain, "Caption"); reads(viaw, "Caption")
  out("read_wine_plain_us", reads(plain, "Caption"))
  out("read_wine_worker_us", reads(viaw, "Caption"))
end
