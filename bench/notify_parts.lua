-- notify_parts.lua: where a notify round's time goes, on each side, in one process (as
-- bench.lua's notify_inproc row: a round of the raw C client's code, bench/simbench.c,
-- just before each round of the bridge's, each on an event class of its own).
--
--   fire    Control.FireEvent(ev, 10000): the simulator makes the 10,000 event objects
--           and queues them in the STA's mailbox (the same work on both sides)
--   first   Lua: the loop's first next_ev(), which pumps: the mailbox fires every event
--           into the module's queue, and the drain makes a Lua object for each and
--           buffers it (the subscription's buffer holds all 10,000)
--   rest    Lua: the other 9,999 next_ev() and ev:close(); C: everything after the fire
--           (the mailbox firing each event into a counter, and the event's release)
--
-- With "hold" the Lua rounds read every event first and close them all after, so that
-- reading from the buffer and closing are timed apart.
--
-- With "floor" it measures, instead of the parts, the bridge's rounds and the notify
-- floor's (bench.lua's notify_inproc and notify_floor rows, without the rest of the
-- bench): five rounds of the bridge's, each just after a plain round of the raw C
-- client's, then five of the floor's (bench/simbench.c: each event kept in a finalized
-- userdata, read by a generic for and closed), each just after a plain round; it prints
-- the medians of the ratios to the plain rounds. Run it in several fresh processes.
--
--   taskset -c 1 wine build/win/bin/lua.exe bench/notify_parts.lua [hold|floor] [rounds]
-- (WINEPREFIX=build/prefix, in a fresh wineserver, pinned as tools/bench.sh pins)
local harness = require "bench.harness"
local core = require "wbem.core"
local simbench = require "simbench"

local NOTIFY = 10000
local mode = (arg[1] == "hold" or arg[1] == "floor") and arg[1] or nil
local hold = mode == "hold"
local ROUNDS = tonumber(arg[mode and 2 or 1]) or (mode == "floor" and 5 or 15)
local clock, median, list = core.clock, harness.median, harness.list

local control, svc, obj = harness.simulator()
local _ <close> = control
local _ <close> = svc
local _ <close> = obj
local ev <close> = harness.extrinsic_event(svc, "Sim_LuaPartsEvent")

local c <close> = simbench.notify()
local next_ev, _, _, closer = svc:events("SELECT * FROM Sim_LuaPartsEvent", { buffer = NOTIFY })
local _ <close> = closer

if mode == "floor" then
  local bridge, floor = {}, {}
  for r = 1, ROUNDS do
    local plain = c:round()
    local t0 = clock()
    control:FireEvent(ev, NOTIFY)
    for _ = 1, NOTIFY do next_ev():close() end
    bridge[r] = NOTIFY / ((clock() - t0) / 1000) / plain
  end
  for r = 1, ROUNDS do floor[r] = harness.notify_floor_ratio(c) end
  print(("bridge %.2f (%s)   floor %.2f (%s)"):format(median(bridge), list(bridge, "%.2f"),
                                                     median(floor), list(floor, "%.2f")))
  return
end

local f = { c_fire = {}, c_rest = {}, fire = {}, first = {}, rest = {}, read = {}, close = {},
            ratio = {} }
for r = 1, ROUNDS do
  local rate, c_fire = c:round()
  local c_total = NOTIFY / rate * 1000
  f.c_fire[r], f.c_rest[r] = c_fire, c_total - c_fire
  local t0 = clock()
  control:FireEvent(ev, NOTIFY)
  local t1 = clock()
  next_ev():close()
  local t2 = clock()
  if hold then
    local evs = {}
    for i = 2, NOTIFY do evs[i] = next_ev() end
    local t3 = clock()
    for i = 2, NOTIFY do evs[i]:close() end
    f.read[r], f.close[r] = t3 - t2, clock() - t3
  else
    for _ = 2, NOTIFY do next_ev():close() end
  end
  local t4 = clock()
  f.fire[r], f.first[r], f.rest[r] = t1 - t0, t2 - t1, t4 - t2
  f.ratio[r] = c_total / (t4 - t0)
end

local function row(name, t)
  local m = median(t)
  print(("%-44s %7.1f ms  %6.2f us an event   rounds %s"):format(name, m, m * 1000 / NOTIFY,
                                                              list(t, "%.1f")))
end
print(("# %d events a round, %d rounds, medians%s"):format(NOTIFY, ROUNDS,
      hold and " (hold: every event read, then every one closed)" or ""))
row("C    fire", f.c_fire)
row("C    rest (fired into a counter, released)", f.c_rest)
row("Lua  fire", f.fire)
row("Lua  first next_ev (pump, drain to buffer)", f.first)
row("Lua  rest (9,999 next_ev + close)", f.rest)
if hold then
  row("Lua    of which next_ev", f.read)
  row("Lua    of which close", f.close)
end
print(("Lua/C (events per second) %.2f   rounds %s"):format(median(f.ratio), list(f.ratio, "%.2f")))
