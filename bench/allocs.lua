-- allocs.lua: what the Lua heap is asked for per operation (blocks, bytes, and blocks by
-- size class), for the bridge's main paths against the simulator. Not a side-by-side
-- figure (the raw C client has no Lua heap): a diagnosis of where the bytes per pending
-- operation of `make bench` come from. Run: make run SCRIPT=bench/allocs.lua
local harness = require "bench.harness"
local util = harness.util
local wbem = require "wbem"

local N = 1000
local control, svc, obj = harness.simulator()
local _ <close> = control
local _ <close> = svc
local _ <close> = obj

local function report(name, n, bytes, sizes)
  print(("%-44s %6.2f blocks %8.1f bytes   by size <=64 <=128 ... >4096: %s"):format(
    name, n / N, bytes / N, table.concat(sizes, " ")))
end

-- f(i) N times with the collector stopped, so that every block asked for is counted
local function count(name, f)
  collectgarbage()
  collectgarbage("stop")
  local keep = {}
  for i = 1, N do keep[i] = false end
  util.count_allocs()
  for i = 1, N do keep[i] = f(i) end
  report(name, util.count_allocs())
  collectgarbage("restart")
  return keep
end

count("a coroutine that yields (for scale)", function()
  local co = coroutine.create(coroutine.yield)
  coroutine.resume(co)
  return co
end)
count("a task's put_async{} started", function()
  return wbem.spawn(function() obj:put_async{}:close() end)
end)
util.count_allocs()
wbem.run()
report("  ... and its completion, in the pump", util.count_allocs())
control.Hang = true
count("a task parked in put_async (Control.Hang)", function()
  return wbem.spawn(function() pcall(obj.put_async, obj, {}) end)
end)
control:Reset()
wbem.run()
