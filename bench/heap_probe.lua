-- heap_probe.lua: how Wine's heap treats the allocations of a Lua process over time.
-- Times 10,000 allocations of a few sizes (strings), coroutines and tables, then again
-- after each of `rounds` rounds of 10,000 put_async calls in flight (Control.Hang, then
-- Reset), in one process. On Windows each figure stays flat; under Wine 8 some size
-- classes slow down by ten to a hundred times once a round's frees have piled up, and the
-- low-fragmentation switch (bench/harness.lua) does not change that. bench/README.md says
-- what that does to the in-flight figures.
--   taskset -c 1 wine build/win/bin/lua.exe bench/heap_probe.lua [rounds]
local harness = require "bench.harness"
local wbem = require "wbem"
local core = require "wbem.core"

local N = 10000
local control, svc, obj = harness.simulator()
local clock = core.clock

local function per_op(f)
  local keep = {}
  local t0 = clock()
  for i = 1, N do keep[i] = f(i) end
  return (clock() - t0) * 1000 / N
end

local function probe(when)
  local row = {}
  collectgarbage("stop")
  for _, n in ipairs{ 100, 200, 400, 700, 1000, 1500, 3000 } do
    local base = string.rep("x", n - 30)
    row[#row + 1] = ("s%d %.2f"):format(n, per_op(function(i) return base .. i end))
  end
  row[#row + 1] = ("coroutine %.2f"):format(per_op(function()
    local co = coroutine.create(coroutine.yield)
    coroutine.resume(co)
    return co
  end))
  row[#row + 1] = ("table6 %.2f"):format(per_op(function()
    return { a = 1, b = 2, c = 3, d = 4, e = 5, f = 6 }
  end))
  collectgarbage("restart")
  collectgarbage()
  print(("%-14s us per allocation: %s"):format(when, table.concat(row, "  ")))
end

probe("fresh")
for r = 1, tonumber(arg[1] or 2) do
  control.Hang = true
  local t0 = clock()
  for _ = 1, N do wbem.spawn(function() pcall(obj.put_async, obj, {}) end) end
  local issued = clock() - t0
  control:Reset()
  wbem.run()
  print(("round %d: 10,000 put_async issued in %.1f ms"):format(r, issued))
  svc, obj = nil, nil
  control, svc, obj = harness.simulator()
  probe("after round " .. r)
end
