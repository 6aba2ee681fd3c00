-- bench.lua: the Lua bridge doing the same work as `simclient.exe --bench` (the raw C
-- client, spec/sim/client/bench.c), against the simulator: an STA, marshal delivery,
-- LatencyMs 0, one sink per operation. Prints "name value" lines; tools/bench.sh sets
-- them beside the raw C figures.
-- wbem first, then the heap switch (harness), the order these rows were measured in
local wbem = require "wbem"
local harness = require "bench.harness"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"
local simbench = require "simbench"   -- the raw C client's rounds in this process
local util, out = harness.util, harness.out

local EVENT_OPS, EVENT_BATCH, EVENT_STEPS = 2000, 100, 8
local LAT_OPS = 1000
local INFLIGHT = 10000

local control, svc, obj = harness.simulator()
local _ <close> = control
local _ <close> = svc
local _ <close> = obj

print("# Lua bridge, STA, marshal delivery, LatencyMs 0, one sink per operation")

-- Sink events per second into Lua handlers: batches of EVENT_BATCH puts in flight, each
-- on its own sink (wbem.sink with Lua handlers), each sending EVENT_STEPS OnProgress,
-- OnObjectPut and OnCompleted. One round is the figure; then the raw C client's rounds in
-- this process (bench/simbench.c), each just before a round of the bridge's, as for the
-- other in-process rows.
do
  local function events_round()
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
    control.ProgressSteps = 0
    assert(events == EVENT_OPS * (EVENT_STEPS + 2), "events: " .. events)
    return events, t1 - t0
  end
  local events, ms = events_round()
  print(("# events: %d ops, %d in flight, ProgressSteps %d, %d events in %.1f ms")
        :format(EVENT_OPS, EVENT_BATCH, EVENT_STEPS, events, ms))
  out("events_per_s", events / (ms / 1000))
  local c <close> = simbench.inflight()
  local ratios = {}
  for r = 1, 9 do
    local crate = c:events()
    local n, t = events_round()
    ratios[r] = n / (t / 1000) / crate
  end
  print(("# events in one process: Lua/C round by round %s"):format(harness.list(ratios, "%.2f")))
  out("events_inproc_lua_vs_c_pct", 100 * harness.median(ratios))
end

-- put_async completion latency: one at a time, from the call until it returns. Then the
-- raw C client's rounds in this process (bench/simbench.c), each just before a round of
-- the bridge's: the ratio of the medians, round by round.
harness.percentiles("latency", harness.round_trips(obj, LAT_OPS))
do
  local c <close> = simbench.inflight()
  local ratios = {}
  for r = 1, 9 do
    local c_p50 = c:latency()
    local lat = harness.round_trips(obj, LAT_OPS)
    ratios[r] = lat[#lat // 2 + 1] / c_p50
  end
  print(("# latency in one process: Lua/C p50 round by round %s"):format(harness.list(ratios, "%.2f")))
  out("latency_inproc_lua_vs_c_pct", 100 * harness.median(ratios))
end

-- N put_async in flight: every task started (its sink created, its call made) before the
-- first pump, then pumped to completion. Memory per pending operation: process private
-- bytes, and the Lua heap, once all are pending.
-- One round: its wall (ms), the process's bytes and the Lua heap's bytes per operation
-- once all are pending; it prints how long the issuing and the completions took.
local function inflight_round(n, latency)
  control.LatencyMs = latency
  collectgarbage(); collectgarbage()
  local pu0, vq0 = util.private_bytes()
  local lua0 = collectgarbage("count")
  local done = 0
  local t0 = core.clock()
  for _ = 1, n do
    wbem.spawn(function()
      local path = obj:put_async{}
      path:close()
      done = done + 1
    end)
  end
  local t_issued = core.clock()
  local pu1, vq1 = util.private_bytes()
  local lua1 = collectgarbage("count")
  assert(wbem.pending() == n)
  wbem.run()
  local t1 = core.clock()
  assert(done == n)
  control.LatencyMs = 0
  print(("# inflight %d (LatencyMs %d): issued in %.1f ms, all completed %.1f ms later"):format(
    n, latency, t_issued - t0, t1 - t_issued))
  print(("# inflight %d: PrivateUsage %+d bytes, committed private pages (VirtualQuery) %+d bytes")
        :format(n, pu1 - pu0, vq1 - vq0))
  return t1 - t0, math.max(pu1 - pu0, vq1 - vq0) / n, (lua1 - lua0) * 1024 / n
end

local function inflight(n, latency)
  local wall, bytes, lua_bytes = inflight_round(n, latency)
  out(("inflight_%d_wall_ms"):format(n), wall)
  out(("inflight_%d_bytes_per_op"):format(n), bytes)
  out(("inflight_%d_lua_bytes_per_op"):format(n), lua_bytes)
end
inflight(INFLIGHT, 0)
if os.getenv("BENCH_BIG") ~= "0" then inflight(100000, 2000) end

-- The same 10,000 in flight, the raw C client's rounds (bench/simbench.c: its own
-- connection and object, bench.c's code) and the bridge's alternating in this process,
-- five of each: both meet the same process and the same speed of the machine, which
-- drifts between processes by as much as the figures differ.
do
  local c <close> = simbench.inflight()
  local cs, ratios = {}, {}
  for r = 1, 5 do
    collectgarbage(); collectgarbage()
    cs[r] = c:round(INFLIGHT, 0)
    ratios[r] = inflight_round(INFLIGHT, 0) / cs[r]
  end
  print(("# inflight in one process: the raw C client's rounds %s ms, Lua/C %s"):format(
    harness.list(cs), harness.list(ratios, "%.2f")))
  out("inflight_inproc_c_wall_ms", harness.median(cs))
  out("inflight_inproc_lua_vs_c_pct", 100 * harness.median(ratios))
  -- The floor beside it: the C client's rounds with the least any binding that parks each
  -- call in a coroutine must add (bench/simbench.c), again alternating with plain rounds.
  local floors = {}
  local task = function() coroutine.yield() end
  for r = 1, 5 do
    collectgarbage(); collectgarbage()
    local plain = c:round(INFLIGHT, 0)
    collectgarbage(); collectgarbage()
    floors[r] = c:floor(INFLIGHT, 0, task) / plain
  end
  print(("# inflight in one process: the floor (a coroutine and a finalized userdata per call) "
         .. "over the raw C client %s"):format(harness.list(floors, "%.2f")))
  out("inflight_floor_inproc_pct", 100 * harness.median(floors))
end

-- The cost of one pump(0) (a host's frame with nothing ready), in microseconds.
local function pump0_us()
  local reps = 2000
  local t0 = core.clock()
  for _ = 1, reps do wbem.pump(0) end
  return (core.clock() - t0) * 1000 / reps
end

-- pump(0) with n operations pending, each with a deadline (none due), against Hang.
-- Direct delivery: nothing arrives while pump(0) is measured, and the n cancellations
-- that follow do not pile up in the simulator's STA mailbox (see bench/README.md).
local function pump0_timed(n)
  control.Delivery = "direct"
  control.Hang = true
  local failed = 0
  for _ = 1, n do
    wbem.spawn(function()
      local ok = pcall(obj.put_async, obj, { timeout = 3600 * 1000 })
      if not ok then failed = failed + 1 end
    end)
  end
  print(("# pump0 %d: the process quiet after %.0f ms"):format(n, harness.settle()))
  local us = pump0_us()
  control.Hang = false
  control:Reset()        -- completes every hung call with WBEM_E_CALL_CANCELLED
  while wbem.pending() > 0 do wbem.pump() end
  control.Delivery = "marshal"
  simfix.item_class(svc)  -- Reset re-seeded the repository
  assert(failed == n)
  return us
end

do
  out("pump0_idle_us", pump0_us())
  out("pump0_10000_timed_us", pump0_timed(10000))
  if os.getenv("BENCH_BIG") ~= "0" then out("pump0_100000_timed_us", pump0_timed(100000)) end
  collectgarbage(); collectgarbage()
  out("pump0_after_us", pump0_us())
end

-- Cancelling CANCEL_OPS pending operations: their deadlines pass together; from the pump
-- step that finds them due until every task has its timeout error and every sink has
-- heard its OnCompleted (WBEM_E_CALL_CANCELLED) and been closed. The first round is the
-- row beside the C client's own process; then, in this process, five rounds of the raw
-- C client (bench/simbench.c), each followed by one of its floor (the least any binding
-- that parks each call in a coroutine adds: the task resumed once its call is cancelled,
-- raising and catching the cancellation) and one of the bridge's, so that the bridge's
-- figure can be read against the C client's in a process of the same speed (the C
-- client's own cancel takes from 10 to 40 us an operation, from process to process).
do
  local CANCEL_OPS = 2000
  local function cancel_round()
    control.Hang = true
    collectgarbage(); collectgarbage()
    local baseline = control.LiveObjects
    local timeouts = 0
    for _ = 1, CANCEL_OPS do
      wbem.spawn(function()
        local ok, err = pcall(obj.put_async, obj, { timeout = 200 })
        assert(not ok and err.timeout)
        timeouts = timeouts + 1
      end)
    end
    wbem.pump(0)
    -- every deadline passes (without a pump that would expire the first ones early)
    local last = core.clock() + 200
    while core.clock() <= last do end
    local t0 = core.clock()
    collectgarbage("stop")
    while wbem.pending() > 0 or control.LiveObjects > baseline do wbem.pump(1) end
    local t1 = core.clock()
    collectgarbage("restart")
    control.Hang = false
    assert(timeouts == CANCEL_OPS)
    return (t1 - t0) * 1000 / CANCEL_OPS
  end
  out("cancel_us_per_op", cancel_round())
  local c <close> = simbench.inflight()
  local err_mt = { __tostring = function(e) return e.message end }
  local function park_then_fail()
    coroutine.yield()
    error(setmetatable({ hresult = 0x80041032, timeout = true,
                         message = "timed out after 200 ms; cancelled" }, err_mt), 0)
  end
  local function task()
    local ok, err = pcall(park_then_fail)
    assert(not ok and err.timeout)
  end
  local cs, floors, lua, ratios = {}, {}, {}, {}
  for r = 1, 5 do
    collectgarbage(); collectgarbage()
    cs[r] = c:cancel()
    collectgarbage(); collectgarbage()
    collectgarbage("stop")            -- as in the bridge's rounds: the collector is not timed
    floors[r] = c:cancel_floor(task)
    collectgarbage("restart")
    lua[r] = cancel_round()
    ratios[r] = lua[r] / cs[r]
  end
  print(("# cancel in one process: the raw C client %s us an operation, its floor %s, "
         .. "the bridge %s"):format(harness.list(cs), harness.list(floors), harness.list(lua)))
  out("cancel_inproc_c_us_per_op", harness.median(cs))
  out("cancel_floor_inproc_us_per_op", harness.median(floors))
  out("cancel_inproc_lua_us_per_op", harness.median(lua))
  out("cancel_inproc_lua_vs_c_pct", 100 * harness.median(ratios))
end

-- The first property read on a fresh object: 1,000 objects got by path, each read once;
-- then the first read of a second property of each.
do
  local FRESH = 1000
  local item <close> = simfix.item(svc, "bench", 7)
  local p <close> = item:Put_()
  local path = 'LuaSpec_Item.Name="bench"'
  local spent, second = 0, 0
  for _ = 1, FRESH do
    local o <close> = svc:Get(path)
    local t0 = core.clock()
    local v = o.Size
    local t1 = core.clock()
    local name = o.Name
    second = second + (core.clock() - t1)
    spent = spent + (t1 - t0)
    assert(v == 7 and name == "bench")
  end
  out("first_read_us", spent * 1000 / FRESH)
  out("second_read_us", second * 1000 / FRESH)
end

-- Events through a subscription into a Lua loop: NOTIFY extrinsic events fired at once
-- (Control.FireEvent), read by `for ev in svc:events(...)` outside a task; from the fire
-- to the last event read. The raw C client receives the same on a sink: in its own
-- process (simclient --bench), and here, in this process, a round of its before each
-- round of the bridge's (bench/simbench.c), each side on an event class of its own.
do
  local NOTIFY, NOTIFY_ROUNDS = 10000, 5
  local ev <close> = harness.extrinsic_event(svc, "Sim_LuaBenchEvent")
  local median = harness.median
  local function show(t) return (table.concat(t, ", "):gsub("(%d+)%.%d*", "%1")) end
  -- NOTIFY_ROUNDS fires into the one subscription; the median round is the figure (one
  -- round takes some 30 ms, a few wake-ups of Wine's either way), as the C client takes it
  local function run(async, c)
    local next_ev, _, _, closer = svc:events("SELECT * FROM Sim_LuaBenchEvent",
                                             { async = async, buffer = NOTIFY })
    local _ <close> = closer
    local rates, crates, ratios = {}, {}, {}
    for r = 1, NOTIFY_ROUNDS do
      if c then crates[r] = c:round() end
      local got = 0
      local t0 = core.clock()
      control:FireEvent(ev, NOTIFY)
      while got < NOTIFY do
        local e = next_ev()
        got = got + 1
        e:close()
      end
      rates[r] = NOTIFY / ((core.clock() - t0) / 1000)
      if c then ratios[r] = rates[r] / crates[r] end
    end
    print(("# notify (%s): rounds of %s events per second"):format(async, show(rates)))
    if c then
      print(("# notify: the raw C client's rounds in this process, each just before the "
             .. "bridge's: %s events per second"):format(show(crates)))
      out("notify_inproc_c_events_per_s", median(crates))
      out("notify_inproc_lua_vs_c_pct", 100 * median(ratios))
    end
    return median(rates)
  end
  do
    local c <close> = simbench.notify()
    out("notify_events_per_s", run("sink", c))
    -- The floor: the C client's rounds with the least any binding that hands a Lua loop an
    -- object per event must add (bench/simbench.c), alternating with plain rounds.
    local floors = {}
    for r = 1, NOTIFY_ROUNDS do floors[r] = harness.notify_floor_ratio(c) end
    print(("# notify: the floor (a finalized userdata per event, kept in a table, read by a "
           .. "generic for and closed) over the raw C client, round by round: %s"):format(
           harness.list(floors, "%.2f")))
    out("notify_floor_inproc_pct", 100 * median(floors))
  end
  print("# notify: " .. NOTIFY .. " extrinsic events fired at once, read by svc:events outside a "
        .. "task; the worker transport's figure (NextEvent on a worker) beside it")
  out("notify_worker_events_per_s", run("worker"))
end

-- CPU used by a 2 s idle wait in the pump, nothing pending.
do
  local c0, t0 = util.cpu_ms(), core.clock()
  wbem.pump(2000)
  print(("# idle: waited %.1f ms"):format(core.clock() - t0))
  out("idle_2s_cpu_ms", util.cpu_ms() - c0)
end
