-- worker.lua: connect with a timeout and query on worker threads, so that a slow or
-- unreachable WMI never blocks the script. Runs against the local WMI (Wine's, here):
--   make run SCRIPT=examples/worker.lua
local wbem = require "wbem"

-- A connection made on a worker, given up after 5 s; its *_async calls use the worker
-- transport (no sink, nothing calls into this process).
local svc <close> = wbem.connect{ timeout = 5000, async = "worker" }

wbem.run(function()
  -- the query runs on a worker (semisynchronous); objects arrive as it enumerates them
  for p in svc:query_async("SELECT * FROM Win32_Process", { timeout = 10000 }) do
    print(("%6d  %s"):format(p.ProcessId, p.Name))
    p:close()
  end

  -- any call can be bounded: here the operating system's instance
  local set <close> = wbem.call_async(svc, "ExecQuery",
    { "SELECT Caption, Version FROM Win32_OperatingSystem" }, { timeout = 5000 })
  for os in wbem.each(set) do print(os.Caption, os.Version) end
end)

-- An unreachable host fails within its bound instead of hanging the script.
local ok, err = pcall(wbem.connect, { server = "no-such-host.invalid", timeout = 3000 })
assert(not ok, "connected to a host that does not exist")
print("unreachable host: " .. (err.timeout and "timed out after 3 s" or tostring(err)))
