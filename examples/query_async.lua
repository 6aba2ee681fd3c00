-- query_async.lua: a query whose objects arrive as WMI finds them.
--
--   lua query_async.lua [--sim]
--
-- svc:query_async yields each object as its OnObjectReady event comes; in a task
-- (wbem.run, wbem.spawn) the loop waits without blocking other tasks, and leaving it
-- early (break) cancels the query. Where WMI has no SWbemSink (Wine's has none), or
-- with --sim, it runs against the WMI simulator (spec/sim) and its seeded classes.
local wbem = require "wbem"

local here = debug.getinfo(1, "S").source:match("^@(.-)[^/\\]*$")
local use_sim, options = dofile(here .. "target.lua")(arg)
options.namespace = "root\\cimv2"
-- the simulator's root\cimv2 has classes of its own (spec/sim/README.md)
local wql, property = "SELECT * FROM Win32_Process", "Name"
if use_sim then wql, property = "SELECT * FROM Sim_Base", "Label" end
local svc <close> = wbem.connect(options)

local count = 0
wbem.run(function()
  for obj in svc:query_async(wql, { timeout = 30000 }) do
    count = count + 1
    if count <= 10 then print(("  %s = %s"):format(property, tostring(obj[property]))) end
    obj:close()
  end
end)
print(("%d objects from %s"):format(count, wql))
