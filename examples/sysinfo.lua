-- sysinfo.lua: what WMI says about this machine.
--
--   lua sysinfo.lua [max_processes]
--
-- Reads the operating system's description and a few processes through WMI's
-- scripting objects, and asks one process for its owner.

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
local shown, first = 0, nil
for p in wbem.each(svc:ExecQuery("SELECT * FROM Win32_Process")) do
  if shown == max then break end       -- break closes the enumerator at once
  shown = shown + 1
  first = first or p.ProcessId
  print(("%6d  %-28s %7d"):format(p.ProcessId, p.Name, p.ThreadCount))
end

-- Methods of WMI classes: wbem.exec runs one (ExecMethod_) and returns its
-- out-parameters as an object, e.g. wbem.exec(cls, "Create", { CommandLine = "..." }).
if first then
  for p in wbem.each(svc:ExecQuery("SELECT * FROM Win32_Process WHERE ProcessId = " .. first)) do
    local ok, owner = pcall(wbem.exec, p, "GetOwner")
    if ok and owner.ReturnValue == 0 then
      print(("\nprocess %d belongs to %s\\%s"):format(first, owner.Domain, owner.User))
    elseif not ok then
      print("\nGetOwner failed: " .. tostring(owner))   -- a structured WMI error reads well
    end
  end
end
