-- frame.lua: the script of examples/host/host.c. It starts a few asynchronous writes,
-- each a task, and returns the function the host calls once a frame: one wbem.pump(0)
-- step, which runs whatever handlers and tasks have events, and never blocks.
--
--   example-host.exe examples/host/frame.lua [--sim]
--
-- The writes go to a class of the script's own in root\default, deleted at the end.
-- Where WMI has no SWbemSink (Wine's has none), or with --sim, the WMI simulator
-- (spec/sim) takes them, and answers each one after a delay.
local wbem = require "wbem"

local here = debug.getinfo(1, "S").source:match("^@(.-)[^/\\]*$")
local use_sim, options = dofile(here .. "../target.lua")(arg)
options.namespace = "root\\default"
if use_sim then
  local control <close> = wbem.create("WbemSim.Control")
  control.LatencyMs = 200        -- each write takes a while: they span many frames
end
local svc = wbem.connect(options)

local class <close> = svc:Get()
class.Path_.Class = "LuaWbemHostDemo"
class.Properties_:Add("Name", 8).Qualifiers_:Add("key", true)   -- 8: wbemCimtypeString
class:Put_()

local count, written, now = 5, 0, 0
for i = 1, count do
  wbem.spawn(function()
    local cls <close> = svc:Get("LuaWbemHostDemo")
    local item <close> = cls:SpawnInstance_()
    item.Name = "item-" .. i
    local path <close> = item:put_async{ timeout = 30000 }
    written = written + 1
    print(("  frame %d: written %s"):format(now, path.RelPath))
  end)
end

return function(frame)
  now = frame
  wbem.pump(0)
  if written == count then
    print(("all %d writes done by frame %d"):format(count, frame))
    svc:Delete("LuaWbemHostDemo")
    svc:close()
    return true
  end
end
