-- inflight_parts.lua: where the wall time of inflight_10000 goes, by taking the bridge's
-- layers away one at a time. Each round is 10,000 puts in flight against the simulator
-- (STA, marshal delivery, LatencyMs 0), as bench.lua's inflight row does:
--
--   raw      obj:PutAsync_(sink) on 10,000 sinks made first (core.sink, Lua handlers):
--            no task, no operation; what a Lua loop over the bridged call costs
--   rawtask  the same, each sink made and the call made in a task of its own (wbem.spawn)
--            that ends at once
--   parked   each sink made and the call made in a coroutine (the set-up through
--            core.offstack, as async.begin has it) that stays parked until OnCompleted
--            resumes it: the C side of the bridge plus the least a task adds
--   begin    the bridge's operations (wbem.async.begin) without tasks, pumped to the end
--   wrapbegin each of those operations started in a coroutine.wrap coroutine that yields
--            until OnCompleted wakes it: begin plus a coroutine per call, no task
--   spawnbegin each started in a task (wbem.spawn) that waits in wbem.loop's await:
--            wrapbegin plus what a task's bookkeeping adds, without put_async's checks
--   full     10,000 tasks, each obj:put_async{} (the inflight row)
--   cwrap    each call in a coroutine.wrap coroutine, through bench/benchops.c: a put
--            whose operation, handlers and wait are C (no options, no deadline), on
--            the bridge's C side (core.start, its sinks and queue)
--   cspawn   the same in tasks of wbem.spawn: the in-flight row with the Lua layer of
--            the call in C, and the coroutine per call kept
--
-- One mode in a fresh process, pinned as tools/bench.sh pins, beside the raw C client:
--   for m in raw rawtask parked begin full; do wineserver -k
--     taskset -c 1 wine build/win/bin/lua.exe bench/inflight_parts.lua $m; done
-- the user CPU time of ten rounds of one mode (a process's threads, not wineserver's):
--   wineserver -k; taskset -c 1 perf stat -e user_time wine build/win/bin/lua.exe \
--     bench/inflight_parts.lua full 10
-- or several in one process, each round just after a round of the raw C client's
-- (bench/simbench.c, build/bench), printing the median ratio of each to the C client's:
--   taskset -c 1 wine build/win/bin/lua.exe bench/inflight_parts.lua inproc 9 raw parked full
-- (cwrap and cspawn need build/bench/benchops.dll: make bench builds it)
local harness = require "bench.harness"
local wbem = require "wbem"
local core = require "wbem.core"
local async = require "wbem.async"
local loop = require "wbem.loop"

local N = 10000
local control, svc, obj = harness.simulator()
local _ <close> = control
local _ <close> = svc
local _ <close> = obj
local s = core.settings(obj)
local done
local handlers = {
  on_object_put = function(_, path) path:close() end,
  on_completed = function() done = done + 1 end,
}

-- A parked call's operation: OnObjectPut keeps the path, OnCompleted closes the sink and
-- resumes the coroutine.
local parked_handlers = {
  on_object_put = function(op, path) op.result = path end,
  on_completed = function(op)
    op.sink:close(false)
    op.done = true
    coroutine.resume(op.co)
  end,
}
local parked_setup = core.offstack(function(op)
  op.sink = core.sink(parked_handlers, s.sink, s, op, true)
  obj:PutAsync_(op.sink, 0)
end)

local modes = {}
function modes.raw()
  local sinks = {}
  for i = 1, N do sinks[i] = core.sink(handlers, s.sink, s, i) end
  for i = 1, N do obj:PutAsync_(sinks[i], 0) end
  while done < N do wbem.pump() end
  for i = 1, N do sinks[i]:close(false) end
end
function modes.rawtask()
  local sinks = {}
  for i = 1, N do
    wbem.spawn(function()
      sinks[i] = core.sink(handlers, s.sink, s, i)
      obj:PutAsync_(sinks[i], 0)
    end)
  end
  while done < N do wbem.pump() end
  for i = 1, N do sinks[i]:close(false) end
end
function modes.parked()
  for _ = 1, N do
    coroutine.wrap(function()
      local op = { sink = false, co = coroutine.running(), done = false, result = false }
      parked_setup(op)
      while not op.done do coroutine.yield() end
      op.result:close()
      done = done + 1
    end)()
  end
  while done < N do wbem.pump() end
end
function modes.begin()
  local ops, opts = {}, {}
  for i = 1, N do ops[i] = async.begin(obj, "bench", "PutAsync_", opts, "PutAsync_") end
  wbem.run()
  for i = 1, N do ops[i].result:close(); done = done + 1 end
end
local NOOPTS = {}
function modes.wrapbegin()
  for _ = 1, N do
    coroutine.wrap(function()
      local op = async.begin(obj, "bench", "PutAsync_", NOOPTS, "PutAsync_")
      op.co = coroutine.running()       -- settle wakes it, as it wakes a task
      while not op.done do coroutine.yield() end
      op.result:close()
      done = done + 1
    end)()
  end
  wbem.run()
end
function modes.spawnbegin()
  for _ = 1, N do
    wbem.spawn(function()
      loop.await(async.begin(obj, "bench", "PutAsync_", NOOPTS, "PutAsync_")):close()
      done = done + 1
    end)
  end
  wbem.run()
end
-- What a task yields while it waits (wbem.loop keeps it to itself), read off spawn's
-- after_resume, so that a task of wbem.spawn accepts benchops' wait as its own.
local function upvalue(f, name)
  for i = 1, math.huge do
    local n, v = debug.getupvalue(f, i)
    if n == nil or n == name then return v end
  end
end
-- Each call in a coroutine that start starts (it runs until its first wait).
local cput, put_call
local function cmode(start)
  return function()
    if not cput then   -- build/bench/benchops.dll: only these modes need it
      -- started off the task's stack, as async.begin starts (a task that waits keeps the stack
      -- its deepest call needed: some 700 bytes more per call without it)
      local after_resume = upvalue(loop.spawn, "after_resume")
      local parked = after_resume and upvalue(after_resume, "PARKED")
      assert(parked, "inflight_parts.lua: wbem.loop's parked value is not where it was")
      cput = require("benchops").put_for(core.offstack(core.start), s.sink, s, parked)
      put_call = core.lookup(obj, "PutAsync_")
    end
    for _ = 1, N do
      start(function()
        cput(obj, put_call):close()
        done = done + 1
      end)
    end
    while done < N do wbem.pump() end
  end
end
modes.cwrap = cmode(function(f) coroutine.wrap(f)() end)
modes.cspawn = cmode(wbem.spawn)
function modes.full()
  for _ = 1, N do
    wbem.spawn(function()
      obj:put_async{}:close()
      done = done + 1
    end)
  end
  wbem.run()
end

-- One round of mode: its wall in ms.
local function round(mode)
  local f = modes[mode]
  if not f then
    error("inflight_parts.lua: raw, rawtask, parked, begin, wrapbegin, spawnbegin, full, cwrap "
          .. "or cspawn, not " .. tostring(mode))
  end
  done = 0
  local t0 = core.clock()
  f()
  assert(done == N)
  return core.clock() - t0
end

if arg[1] == "inproc" then
  local c <close> = require("simbench").inflight()   -- build/bench, on the path by harness
  local rounds, ratios = math.tointeger(tonumber(arg[2])) or 5, {}
  for r = 1, rounds do
    for i = 3, #arg do
      collectgarbage(); collectgarbage()
      local cw = c:round(N, 0)
      collectgarbage(); collectgarbage()
      ratios[i] = ratios[i] or {}
      ratios[i][r] = round(arg[i]) / cw
    end
  end
  for i = 3, #arg do
    print(("%-8s %d puts in flight, %d rounds: %.2f of the C client's wall (%s)"):format(
      arg[i], N, rounds, harness.median(ratios[i]), harness.list(ratios[i], "%.2f")))
  end
else
  -- rounds in one process: their walls, and under perf stat the CPU time the mode costs
  local mode, rounds = arg[1] or "full", math.tointeger(tonumber(arg[2])) or 1
  local walls = {}
  for r = 1, rounds do walls[r] = round(mode) end
  print(("%-8s %d puts in flight, %d rounds: %s ms"):format(mode, N, rounds,
    harness.list(walls, "%.1f")))
end
