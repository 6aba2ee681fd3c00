-- simfix: fixtures for specs that run against the WMI simulator (spec/sim).
local wbem = require "wbem"

local M = {}

M.options = { locator = "WbemSim.SWbemLocator", sink = "WbemSim.SWbemSink" }

-- A connection to the simulator (root\default unless told otherwise).
function M.connect(namespace)
  return wbem.connect{ locator = M.options.locator, sink = M.options.sink,
                       namespace = namespace or "root\\default" }
end

function M.control()
  return wbem.create("WbemSim.Control")
end

-- Creates (or recreates) the class LuaSpec_Item { [key] string Name; uint32 Size; }
-- through the scripting API, the way a user would.
function M.item_class(svc)
  local class <close> = svc:Get()
  class.Path_.Class = "LuaSpec_Item"
  local name <close> = class.Properties_:Add("Name", 8)       -- wbemCimtypeString
  local key <close> = name.Qualifiers_:Add("key", true)
  local size <close> = class.Properties_:Add("Size", 19)      -- wbemCimtypeUint32
  local path <close> = class:Put_()
end

-- A new, unsaved instance of LuaSpec_Item.
function M.item(svc, name, size)
  local class <close> = svc:Get("LuaSpec_Item")
  local item = class:SpawnInstance_()
  item.Name = name
  if size then item.Size = size end
  return item
end

-- Collects garbage until the simulator's live objects settle, pumping meanwhile
-- (cancelled operations complete on the simulator's worker); returns the count.
function M.live(control, ms)
  local deadline = os.clock() + (ms or 2000) / 1000
  local n
  repeat
    collectgarbage()
    collectgarbage()
    wbem.pump(0)
    n = control.LiveObjects
    if n == 0 then return 0 end
    wbem.pump(10)
  until os.clock() > deadline
  return n
end

return M
