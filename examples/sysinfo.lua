-- sysinfo.lua: what WMI says about this machine, with synchronous queries.
--
--   lua sysinfo.lua [max_processes]
--
-- Reads the operating system's description and a few processes through WMI's
-- scripting objects: wbem.each iterates what ExecQuery returns, and each object's
-- properties read as fields.

local wbem = require "wbem"

local max = tonumber(arg and arg[1]) or 8

local svc <close> = wbem.connect{ namespace = "root\\cimv2", impersonation = "impersonate" }

for os in wbem.each(svc:ExecQuery("SELECT * FROM Win32_OperatingSystem")) do
  print(("%s, version %s (build %s)"):format(os.Caption, os.Version, os.BuildNumber))
  -- WMI hands 64-bit values to scripts as strings: they stay exact
  print(("memory: %s KiB visible, %s KiB free"):format(os.TotalVisibleMemorySize,
                                                      os.FreePhysicalMemory))
end

print()
print(("%6s  %-28s %7s"):format("PID", "NAME", "THREADS"))
local shown = 0
for p in wbem.each(svc:ExecQuery("SELECT * FROM Win32_Process")) do
  if shown == max then break end       -- break closes the enumerator at once
  shown = shown + 1
  print(("%6d  %-28s %7d"):format(p.ProcessId, p.Name, p.ThreadCount))
end
