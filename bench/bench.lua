-- bench.lua: the Lua bridge doing the same work as `simclient.exe --bench` (the raw C
-- client, spec/sim/client/bench.c), against the simulator: an STA, marshal delivery,
-- LatencyMs 0, one sink per operation. Prints "name value" lines; tools/bench.sh sets
-- them beside the raw C figures.
package.cpath = "build/bench/?.dll;" .. package.cpath
local wbem = require "wbem"
local core = require "wbem.core"
local util = require "benchutil"
local simfix = require "spec.support.simfix"

local EVENT_OPS, EVENT_BATCH, EVENT_STEPS = 2000, 100, 8
local LAT_OPS = 1000
local INFLIGHT = 10000

local control <close> = simfix.control()
control:Reset()
control.Delivery = "marshal"
control.LatencyMs = 0
local svc <close> = simfix.connect()
simfix.item_class(svc)
local obj <close> = simfix.item(svc, "bench")

local function out(key, value) print(("%s %.1f"):format(key, value)) end
print("# Lua bridge, STA, marshal delivery, LatencyMs 0, one sink per operation")

-- Sink events per second into Lua handlers: batches of EVENT_BATCH puts in flight, each
-- on its own sink (wbem.sink with Lua handlers), each sending EVENT_STEPS OnProgress,
-- OnObjectPut and OnCompleted.
do
  control.ProgressSteps = EVENT_STEPS
  local events, completed = 0, 0
  local handlers = {
    on_progress = function() events = events + 1 end,
    on_object_put = function(path) events = events + 1; path:close() end,
    on_completed = function() events = events + 1; completed = completed + 1 end,
  }
  local t0 = core.clock()
  for _ = 1, EVENT_OPS // EVENT_BATCH do
    local sinks = {}
    completed = 0
    for i = 1, EVENT_BATCH do
      sinks[i] = svc:sink(handlers)
      obj:PutAsync_(sinks[i], wbem.flags.SendStatus)
    end
    while completed < EVENT_BATCH do wbem.pump() end
    for i = 1, EVENT_BATCH do sinks[i]:close(false) end
  end
  local t1 = core.clock()
  assert(events == EVENT_OPS * (EVENT_STEPS + 2), "events: " .. events)
  print(("# events: %d ops, %d in flight, ProgressSteps %d, %d events in %.1f ms")
        :format(EVENT_OPS, EVENT_BATCH, EVENT_STEPS, events, t1 - t0))
  out("events_per_s", events / ((t1 - t0) / 1000))
  control.ProgressSteps = 0
end

-- put_async completion latency: one at a time, from the call until it returns.
do
  local lat = {}
  for i = 1, LAT_OPS do
    local t0 = core.clock()
    local path = obj:put_async{}
    lat[i] = (core.clock() - t0) * 1000
    path:close()
  end
  table.sort(lat)
  out("latency_p50_us", lat[LAT_OPS // 2 + 1])
  out("latency_p99_us", lat[LAT_OPS * 99 // 100 + 1])
end

-- INFLIGHT put_async in flight: every task started (its sink created, its call made)
-- before the first pump, then pumped to completion. Memory per pending operation:
-- process private bytes, and the Lua heap, once all are pending.
do
  collectgarbage(); collectgarbage()
  local pu0, vq0 = util.private_bytes()
  local lua0 = collectgarbage("count")
  local done = 0
  local t0 = core.clock()
  for _ = 1, INFLIGHT do
    wbem.spawn(function()
      local path = obj:put_async{}
      path:close()
      done = done + 1
    end)
  end
  local pu1, vq1 = util.private_bytes()
  local lua1 = collectgarbage("count")
  assert(wbem.pending() == INFLIGHT)
  wbem.run()
  local t1 = core.clock()
  assert(done == INFLIGHT)
  out("inflight_10000_wall_ms", t1 - t0)
  print(("# inflight: PrivateUsage %+d bytes, committed private pages (VirtualQuery) %+d bytes")
        :format(pu1 - pu0, vq1 - vq0))
  out("inflight_10000_bytes_per_op", math.max(pu1 - pu0, vq1 - vq0) / INFLIGHT)
  out("inflight_10000_lua_bytes_per_op", (lua1 - lua0) * 1024 / INFLIGHT)
end

-- CPU used by a 2 s idle wait in the pump, nothing pending.
do
  local c0, t0 = util.cpu_ms(), core.clock()
  wbem.pump(2000)
  print(("# idle: waited %.1f ms"):format(core.clock() - t0))
  out("idle_2s_cpu_ms", util.cpu_ms() - c0)
end
