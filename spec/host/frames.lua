-- An STA host: 20 puts in flight, each in a task; the host calls the returned frame
-- function once a frame, and it only ever pumps with a zero timeout.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local control, svc = simfix.setup()
control.LatencyMs = 30
control.ProgressSteps = 2

local done, progress = 0, 0
for i = 1, 20 do
  wbem.spawn(function()
    local item <close> = simfix.item(svc, "frame-" .. i, i)
    local path <close> = item:put_async{ on_progress = function() progress = progress + 1 end }
    assert(path.RelPath == ('LuaSpec_Item.Name="frame-%d"'):format(i), path.RelPath)
    done = done + 1
  end)
end

return function()
  local n = wbem.pump(0)
  assert(math.type(n) == "integer")
  if done == 20 then
    assert(progress == 40, "progress events: " .. progress)
    assert(wbem.pending() == 0)
    svc:close()
    control:close()
    return true
  end
end
