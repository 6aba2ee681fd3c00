-- One put through a raw sink; the host waits on wbem.wait_handle() with its own loop
-- (never calling wbem.pump while it waits) and calls the frame function each time the
-- handle is signalled, until the put is done.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local control, svc = simfix.setup()
-- in an MTA host, events come on the worker threads (what a host of the MTA sees)
if require("wbem.core").apartment() == "mta" then control.Delivery = "direct" end
control.LatencyMs = 30

local done = false
local sink = svc:sink{
  on_object_put = function(path) path:close() end,
  on_completed = function(hresult) done = (hresult == 0) end,
}
local item = simfix.item(svc, "signal")
item:PutAsync_(sink)

return function()
  wbem.pump(0)
  if done then
    sink:close(); item:close(); svc:close(); control:Reset(); control:close()
  end
  return done
end
