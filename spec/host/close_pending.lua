-- Starts operations that never complete (Control.Hang) and leaves them pending; the
-- host closes the Lua state right after the first frame.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local control, svc = simfix.setup()
control.Hang = true

for i = 1, 5 do
  wbem.spawn(function()
    local item <close> = simfix.item(svc, "pending-" .. i)
    item:put_async{}
    error("unreachable: the put never completes")
  end)
end
-- and a raw sink with a call pending on it
local sink = svc:sink{ on_completed = function() end }
local item = simfix.item(svc, "raw")
item:PutAsync_(sink)

return function()
  assert(wbem.pending() == 5, "pending: " .. wbem.pending())
  return true
end
