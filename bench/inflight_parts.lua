-- inflight_parts.lua: where the wall time of inflight_10000 goes, by taking the bridge's
-- layers away one at a time. Each run is one process doing 10,000 puts in flight against
-- the simulator (STA, marshal delivery, LatencyMs 0), as bench.lua's inflight row does:
--
--   raw      obj:PutAsync_(sink) on 10,000 sinks made first (core.sink, Lua handlers):
--            no task, no operation; what a Lua loop over the bridged call costs
--   rawtask  the same, each sink made and the call made in a task of its own (wbem.spawn)
--            that ends at once
--   begin    the bridge's operations (wbem.async.begin) without tasks, pumped to the end
--   full     10,000 tasks, each obj:put_async{} (the inflight row)
--
-- Run each in a fresh process, pinned as tools/bench.sh pins, beside the raw C client:
--   for m in raw rawtask begin full; do wineserver -k
--     taskset -c 1 wine build/win/bin/lua.exe bench/inflight_parts.lua $m; done
local harness = require "bench.harness"
local wbem = require "wbem"
local core = require "wbem.core"
local async = require "wbem.async"

local N = 10000
local mode = arg[1] or "full"
local control, svc, obj = harness.simulator()
local _ <close> = control
local _ <close> = svc
local _ <close> = obj
local s = core.settings(obj)
local done = 0
local handlers = {
  on_object_put = function(_, path) path:close() end,
  on_completed = function() done = done + 1 end,
}

local t0 = core.clock()
if mode == "raw" then
  local sinks = {}
  for i = 1, N do sinks[i] = core.sink(handlers, s.sink, s, i) end
  for i = 1, N do obj:PutAsync_(sinks[i], 0) end
  while done < N do wbem.pump() end
  for i = 1, N do sinks[i]:close(false) end
elseif mode == "rawtask" then
  local sinks = {}
  for i = 1, N do
    wbem.spawn(function()
      sinks[i] = core.sink(handlers, s.sink, s, i)
      obj:PutAsync_(sinks[i], 0)
    end)
  end
  while done < N do wbem.pump() end
  for i = 1, N do sinks[i]:close(false) end
elseif mode == "begin" then
  local ops, opts = {}, {}
  for i = 1, N do ops[i] = async.begin(obj, "bench", "PutAsync_", opts, "PutAsync_") end
  wbem.run()
  for i = 1, N do ops[i].result:close(); done = done + 1 end
elseif mode == "full" then
  for _ = 1, N do
    wbem.spawn(function()
      obj:put_async{}:close()
      done = done + 1
    end)
  end
  wbem.run()
else
  error("inflight_parts.lua: raw, rawtask, begin or full, not " .. tostring(mode))
end
assert(done == N)
print(("%-8s %d puts in flight: %.1f ms"):format(mode, N, core.clock() - t0))
