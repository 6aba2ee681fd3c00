-- puts.lua: several PutAsync_ calls in flight at once, each in its own coroutine, with
-- a live progress display.
--
-- On Windows it writes to the real WMI repository: it creates a small class of its own
-- in root\default (LuaWbemDemo), puts instances of it, then deletes the class again.
-- Where WMI has no SWbemSink (Wine), or with --sim, it runs against the simulator
-- (spec/sim), which completes each put after a delay and sends progress on the way.
--
--   lua examples/puts.lua [--sim] [count]
local wbem = require "wbem"

local count = 5
for _, a in ipairs(arg) do count = math.tointeger(tonumber(a)) or count end
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/\\]*$")
local use_sim, options = dofile(here .. "target.lua")(arg)

options.namespace = "root\\default"
local control    -- the simulator's knobs
if use_sim then
  control = wbem.create("WbemSim.Control")
  control.ProgressSteps = 4      -- each put reports progress this many times on the way
end
local svc <close> = wbem.connect(options)

-- A class of our own to write instances of (a keyed string and a number).
local class <close> = svc:Get()
class.Path_.Class = "LuaWbemDemo"
class.Properties_:Add("Name", 8).Qualifiers_:Add("key", true)   -- 8: wbemCimtypeString
class.Properties_:Add("Size", 19)                                -- 19: wbemCimtypeUint32
class:Put_()

-- A line each time a put moves on: which put, a bar, what WMI said.
local function show(i, done, total, text)
  local width = 20
  local filled = total > 0 and width * done // total or 0
  io.write(("  put %d/%d [%s%s] %s\n"):format(i, count, ("#"):rep(filled),
    ("."):rep(width - filled), text))
  io.flush()
end

local started = wbem.clock()
wbem.run(function()
  for i = 1, count do
    -- the simulator takes a while per put, longer for each: they overlap and finish
    -- in their own time (real WMI takes what it takes)
    if control then control.LatencyMs = 300 + 150 * i end
    wbem.spawn(function()
      local cls <close> = svc:Get("LuaWbemDemo")
      local item <close> = cls:SpawnInstance_()
      item.Name = ("item-%d"):format(i)
      item.Size = i * 1024
      show(i, 0, 1, "sent")
      local path <close> = item:put_async{
        flags = wbem.flags.CreateOrUpdate,
        on_progress = function(upper, current, message)
          show(i, current, upper, message or "")
        end,
        timeout = 30000,
      }
      show(i, 1, 1, "written: " .. path.RelPath)
    end)
  end
end)
print(("%d puts, all in flight at once, completed in %.2f s"):format(count,
  (wbem.clock() - started) / 1000))

-- Clean up: the instances and the class.
for item in wbem.each(svc:InstancesOf("LuaWbemDemo")) do
  print("  in the repository: " .. item.Path_.RelPath .. "  Size=" .. tostring(item.Size))
  item:Delete_()
  wbem.close(item)
end
svc:Delete("LuaWbemDemo")
if control then control:close() end
