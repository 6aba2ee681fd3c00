-- methods.lua: WMI methods, with in and out parameters.
--
--   lua methods.lua
--
-- Starts a short-lived process with Win32_Process.Create and takes its process id out
-- (wbem.out marks an out parameter: the call returns the method's ReturnValue, then
-- the out values in order), asks that process for its owner (two out parameters), and
-- reads a registry value through StdRegProv. Where WMI does not take a direct call of
-- a method (Wine's answers E_NOTIMPL), the module makes it through ExecMethod_ by
-- itself; wbem.exec(obj, "Create", { CommandLine = ... }) is that call written out.

local wbem = require "wbem"

local svc <close> = wbem.connect{ namespace = "root\\cimv2" }

local process <close> = svc:Get("Win32_Process")
local rc, pid = process:Create("cmd.exe /c ping -n 2 127.0.0.1 >NUL", nil, nil, wbem.out)
if rc ~= 0 then
  print("Win32_Process.Create returned " .. rc)
  os.exit(1)
end
print("started cmd.exe, ProcessId " .. pid)

-- The new process, by its key (an object fetched by its path, not one taken from
-- inside a running query: see README.md's limits)
local started <close> = svc:Get(('Win32_Process.Handle="%d"'):format(pid))
local owner_rc, user, domain = started:GetOwner(wbem.out, wbem.out)
if owner_rc == 0 then
  print(("it belongs to %s\\%s"):format(domain, user))
else
  print("GetOwner returned " .. owner_rc)
end

-- StdRegProv lives in root\default; 0x80000002 is HKEY_LOCAL_MACHINE
local default <close> = wbem.connect{ namespace = "root\\default" }
local registry <close> = default:Get("StdRegProv")
local reg_rc, product = registry:GetStringValue(0x80000002,
  "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "ProductName", wbem.out)
print(reg_rc == 0 and ("this is " .. product) or ("GetStringValue returned " .. reg_rc))

-- The same Create, with named parameters, through ExecMethod_: an out-parameters object
local out <close> = wbem.exec(process, "Create", { CommandLine = "cmd.exe /c exit" })
print(("wbem.exec: ReturnValue %d, ProcessId %d"):format(out.ReturnValue, out.ProcessId))
