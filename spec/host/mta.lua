-- An MTA host (the thread chose COINIT_MULTITHREADED before loading wbem): events come
-- on the simulator's worker threads ("direct" delivery) and wake the host's wait on
-- wbem.wait_handle().
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local control, svc = simfix.setup()
control.Delivery = "direct"
control.LatencyMs = 20

local done = 0
for i = 1, 10 do
  wbem.spawn(function()
    local item <close> = simfix.item(svc, "mta-" .. i, i)
    local path <close> = item:put_async{}
    done = done + 1
  end)
end

return function()
  wbem.pump(0)
  if done == 10 then
    svc:close()
    control:Reset()
    control:close()
    return true
  end
end
