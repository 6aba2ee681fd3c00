-- simfix: fixtures for the specs of the write and asynchronous side: against the WMI
-- simulator (spec/sim), or with WBEM_TARGET=real against the real WbemScripting.*
-- classes (spec/support/target.lua), in a class of their own that setup creates in
-- root\default and teardown deletes.
local wbem = require "wbem"
local target = require "spec.support.target"

local M = {}

M.real = target.real

-- The connection options of the target's provider.
M.options = M.real and {} or { locator = "WbemSim.SWbemLocator", sink = "WbemSim.SWbemSink" }

-- "SWbemNamedValueSet" -> the target provider's progid of that class.
function M.progid(class)
  return (M.real and "WbemScripting." or "WbemSim.") .. class
end

-- A connection to the target (root\default unless told otherwise), whose asynchronous
-- calls use the transport async ("sink" unless told otherwise), made off the Lua thread
-- within timeout ms when one is given.
function M.connect(namespace, async, timeout)
  return wbem.connect{ locator = M.options.locator, sink = M.options.sink,
                       namespace = namespace or "root\\default", async = async,
                       timeout = timeout }
end

function M.control()
  if M.real then error("simfix.control: the simulator's Control needs WBEM_TARGET=sim (tag the spec #sim)", 2) end
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

-- Pumps until the simulator's LiveObjects is target, or ms pass (collecting garbage
-- first each time when collect is set: cancelled operations complete on the worker);
-- returns the count.
local function settle(control, target, ms, collect)
  local deadline = wbem.clock() + ms
  local n
  repeat
    if collect then
      collectgarbage()
      collectgarbage()
    end
    wbem.pump(0)
    n = control.LiveObjects
    if n == target then return n end
    wbem.pump(collect and 10 or 5)
  until wbem.clock() > deadline
  return n
end

-- Collects garbage until the simulator's live objects settle at zero, pumping meanwhile;
-- returns the count.
function M.live(control, ms)
  return settle(control, 0, ms or 2000, true)
end

-- Runs fn with the garbage collector stopped, then pumps (still without collecting)
-- until the simulator's LiveObjects is back where it was before fn, or 2 s pass; returns
-- (before, after). What the module made for fn's calls must be released by the calls
-- themselves: with the collector stopped, nothing else can release it.
function M.released(control, fn)
  collectgarbage()
  collectgarbage()
  local before = control.LiveObjects
  collectgarbage("stop")
  local ok, err = pcall(fn)
  local n = ok and settle(control, before, 2000, false)
  collectgarbage("restart")
  if not ok then error(err, 0) end
  return before, n
end

-- ('LuaSpec_Item.Name="x"'): the relative path of an item.
function M.path_of(name)
  return ('LuaSpec_Item.Name="%s"'):format(name)
end

-- Calls fn(...), which must raise; returns what it raised.
function M.raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

--- Two tasks reading one stream: the first waits in next_fn for an object, and read(obj)
-- is kept once it has it; the second calls next_fn meanwhile. Returns the second's error
-- (an error is expected), and a function that gives what the first read.
function M.two_readers(next_fn, read)
  local got, second
  wbem.spawn(function()
    local obj <close> = next_fn()
    got = read(obj)
  end)
  wbem.spawn(function() second = M.raises(next_fn) end)
  return second, function() return got end
end

-- Busy-waits without pumping: nothing is dispatched on this thread meanwhile.
function M.spin(ms)
  local t = wbem.clock() + ms
  while wbem.clock() < t do end
end

-- Deletes the specs' class (its subclasses and instances go with it), if it is there.
local function drop_class(svc)
  local ok, err = pcall(svc.Delete, svc, "LuaSpec_Item")
  if not ok and not (wbem.is_error(err) and err.name == "WBEM_E_NOT_FOUND") then error(err, 0) end
end

-- What every asynchronous spec starts from: a reset simulator (none with
-- WBEM_TARGET=real), a connection (whose calls use the transport async, default
-- "sink"), the item class. Returns control, svc.
function M.setup(async)
  local control = not M.real and M.control() or nil
  if control then control:Reset() end
  local svc = M.connect(nil, async)
  if M.real then drop_class(svc) end      -- what an interrupted run left
  M.item_class(svc)
  return control, svc
end

-- And what each must leave: nothing pending, no deadline, every simulator object
-- released (with WBEM_TARGET=real: the class deleted again).
function M.teardown(control, svc)
  assert(wbem.pending() == 0, "operations still pending: " .. wbem.pending())
  assert(wbem.timeout() == nil, "a deadline is still set")
  if not control then
    drop_class(svc)
    svc:close()
    return
  end
  svc:close()
  control.Hang = false
  control.SyncHang = false
  local live = M.live(control)
  assert(live == 0, "LiveObjects: " .. live)
  control:Reset()
  control:close()
end

return M
