-- An MTA host's Lua thread shares the workers' apartment: worker calls take objects of a
-- plain connection, even Wine's apartment-threaded WMI (nothing lives "on" the Lua
-- thread), and their results come back as direct pointers, with no marshaling.
local wbem = require "wbem"
local core = require "wbem.core"

local svc = wbem.connect{}                       -- Wine's real WMI, made on this thread
assert(not core.lives_here(svc), "an MTA thread's objects are reachable from workers")
local got
wbem.spawn(function()
  local set <close> = wbem.call_async(svc, "ExecQuery", { "SELECT * FROM Win32_Process" },
                                      { timeout = 10000 })
  got = set.Count
end)

return function()
  wbem.pump(0)
  if got then
    assert(got >= 1, "processes: " .. tostring(got))
    svc:close()
    return true
  end
end
