-- notify_floor.lua: the bridge's notify rounds and the notify floor's, in one process (as
-- bench.lua's notify_inproc and notify_floor rows, without the rest of the bench): five
-- rounds of the bridge's, each just after a plain round of the raw C client's, then five
-- of the floor's (bench/simbench.c: each event kept in a finalized userdata, read by a
-- generic for and closed), each just after a plain round. Prints the medians of the
-- ratios to the plain rounds and the rounds' own. Run it in several fresh processes:
--
--   for i in 1 2 3 4 5 6; do wineserver -w
--     taskset -c 1 wine build/win/bin/lua.exe bench/notify_floor.lua; done
-- (WINEPREFIX=build/prefix, pinned as tools/bench.sh pins)
local harness = require "bench.harness"
local core = require "wbem.core"
local simbench = require "simbench"

local NOTIFY, ROUNDS = 10000, 5
local clock, median, list = core.clock, harness.median, harness.list

local control, svc, obj = harness.simulator()
local _ <close> = control
local _ <close> = svc
local _ <close> = obj
local ev <close> = harness.extrinsic_event(svc, "Sim_LuaFloorEvent")
local c <close> = simbench.notify()
local next_ev, _, _, closer = svc:events("SELECT * FROM Sim_LuaFloorEvent", { buffer = NOTIFY })
local _ <close> = closer

local bridge, floor = {}, {}
for r = 1, ROUNDS do
  local plain = c:round()
  local t0 = clock()
  control:FireEvent(ev, NOTIFY)
  for _ = 1, NOTIFY do next_ev():close() end
  bridge[r] = NOTIFY / ((clock() - t0) / 1000) / plain
end
for r = 1, ROUNDS do
  local plain = c:round()
  local t0 = clock()
  local objs, i = c:floor(), 0
  for o in function() i = i + 1; return objs[i] end do o:close() end
  floor[r] = #objs / ((clock() - t0) / 1000) / plain
end
print(("bridge %.2f (%s)   floor %.2f (%s)"):format(median(bridge), list(bridge, "%.2f"),
                                                   median(floor), list(floor, "%.2f")))
