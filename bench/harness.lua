-- harness.lua: what every Lua benchmark starts with: benchutil (build/bench), the
-- low-fragmentation heap the raw C client uses too, line-buffered output, and out(),
-- which prints one "name value" line for tools/bench.sh.
package.cpath = "build/bench/?.dll;" .. package.cpath
local util = require "benchutil"

assert(util.low_fragmentation_heap(), "cannot switch on the low-fragmentation heap")
io.stdout:setvbuf("line")

local M = { util = util }

function M.out(key, value) print(("%s %.1f"):format(key, value)) end

--- The simulator as the benchmarks start with it: reset, "marshal" delivery, LatencyMs 0,
-- a connection and the object they put ("bench" of the spec's item class). Returns
-- control, svc, obj: to-be-closed values, each.
function M.simulator()
  local simfix = require "spec.support.simfix"
  local control = simfix.control()
  control:Reset()
  control.Delivery = "marshal"
  control.LatencyMs = 0
  local svc = simfix.connect()
  simfix.item_class(svc)
  return control, svc, simfix.item(svc, "bench")
end

--- An instance (Seq = 1) of a new event class named name, derived from __ExtrinsicEvent
-- with a uint32 Seq, for Control:FireEvent; a to-be-closed value.
function M.extrinsic_event(svc, name)
  local base <close> = svc:Get("__ExtrinsicEvent")
  local cls <close> = base:SpawnDerivedClass_()
  do
    local path <close> = cls.Path_
    path.Class = name
    local seq <close> = cls.Properties_:Add("Seq", 19)
    local put <close> = cls:Put_()
  end
  local ev = cls:SpawnInstance_()
  ev.Seq = 1
  return ev
end

--- One round of the notify floor (bench/simbench.c's notify:floor) on c, a simbench.notify
-- handle, just after a plain round of its own: the floor's events per second over the
-- plain round's. The floor's objects are read as a loop reads a subscription (a generic
-- for), each closed.
function M.notify_floor_ratio(c)
  local clock = require("wbem.core").clock
  local plain = c:round()
  local t0 = clock()
  local objs, i = c:floor(), 0
  for o in function() i = i + 1; return objs[i] end do o:close() end
  return #objs / ((clock() - t0) / 1000) / plain
end

--- Pumps until the process is quiet (a 50 ms pump that used under 5 ms of its CPU), at
-- most 5 s; returns the ms waited. The simulator's threads go on taking calls after the
-- bridge made them, and on the one CPU a run is pinned to, their work would be timed as
-- whatever the bridge does next.
function M.settle()
  local clock = require("wbem.core").clock
  local wbem = require "wbem"
  local t0 = clock()
  repeat
    local c0 = util.cpu_ms()
    wbem.pump(50)
  until util.cpu_ms() - c0 < 5 or clock() - t0 > 5000
  return clock() - t0
end

--- The median of the numbers in t (the upper one of an even count).
function M.median(t)
  local s = table.move(t, 1, #t, 1, {})
  table.sort(s)
  return s[#s // 2 + 1]
end

--- The numbers in t, formatted with fmt (default "%.1f") and joined by ", ".
function M.list(t, fmt)
  local s = {}
  for i, v in ipairs(t) do s[i] = (fmt or "%.1f"):format(v) end
  return table.concat(s, ", ")
end

--- The round trips of n obj:put_async{} made one at a time, in microseconds, sorted.
function M.round_trips(obj, n)
  local clock = require("wbem.core").clock
  local lat = {}
  for i = 1, n do
    local t0 = clock()
    local path = obj:put_async{}
    lat[i] = (clock() - t0) * 1000
    path:close()
  end
  table.sort(lat)
  return lat
end

--- Prints prefix_p50_us and prefix_p99_us of a sorted list of microseconds.
function M.percentiles(prefix, lat)
  M.out(prefix .. "_p50_us", lat[#lat // 2 + 1])
  M.out(prefix .. "_p99_us", lat[#lat * 99 // 100 + 1])
end

return M
