-- Leaves worker calls in flight (Control.SyncHang blocks them on their workers) and a
-- query parked with objects unread; the host closes the Lua state after the first frame.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local control, svc = simfix.setup("worker")
for i = 1, 50 do
  local item <close> = simfix.item(svc, "q" .. i, i)
  item:Put_()
end
-- a query whose worker parks: one object read, the rest of its window unread
local next_item, _, _, closer = svc:query_async("SELECT * FROM LuaSpec_Item")
KEEP = { next_item, closer, next_item() }

local items = {}
for i = 1, 5 do items[i] = simfix.item(svc, "pending-" .. i) end
control.SyncHang = true
for i = 1, 5 do
  wbem.spawn(function()
    items[i]:put_async{}
    error("unreachable: the put never completes")
  end)
end
wbem.spawn(function()
  wbem.call_async(svc, "Get", { "LuaSpec_Item" }, { timeout = 60000 })
  error("unreachable: the call never completes")
end)

return function()
  -- five puts, the call, and the query its loop still waits on
  assert(wbem.pending() == 7, "pending: " .. wbem.pending())
  assert(wbem.workers().parked == 1, "parked: " .. wbem.workers().parked)
  return true
end
