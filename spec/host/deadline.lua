-- The only thing pending is a deadline: three puts that never complete (Control.Hang),
-- with timeouts of 150, 250 and 350 ms. The host waits on wbem.wait_handle() for at most
-- wbem.timeout() between frames (no polling): without it, nothing would ever wake it.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local control, svc = simfix.setup()
control.Hang = true

local timed_out, started = 0, wbem.clock()
for i, ms in ipairs{ 150, 250, 350 } do
  wbem.spawn(function()
    local item <close> = simfix.item(svc, "deadline-" .. i)
    local ok, err = pcall(item.put_async, item, { timeout = ms })
    assert(not ok and err.timeout, tostring(err))
    -- no earlier than its deadline
    assert(wbem.clock() - started >= ms, "timed out early: " .. (wbem.clock() - started))
    timed_out = timed_out + 1
  end)
end

return function()
  wbem.pump(0)
  if timed_out == 3 then
    control.Hang = false
    svc:close()
    control:close()
    return true
  end
end
