-- fleet.lua: an inventory of many hosts at once: the operating system, when it last
-- booted, the free space of C:, with a live progress line and a summary of failures.
--
--   lua fleet.lua host1 host2 ...        the hosts named (Windows: real remote hosts)
--   lua fleet.lua                        this computer under its names, and one that is not
--   lua fleet.lua --sim [n]              n simulated hosts (spec/sim), some of them failing
--
-- Each host runs in a task of its own, 32 at once; a host that is down, refuses, or
-- takes too long gets a failure record and never holds up the others.
local wbem = require "wbem"

local args = { ... }
local sim = args[1] == "--sim"
local hosts, connect = {}, {}

if sim then
  -- simulated hosts: most answer after 50 ms, some are unreachable, refuse, or hang
  local control = wbem.create("WbemSim.Control")
  control:Reset()
  local kinds = { "ok", "ok", "ok", "ok", "ok", "ok", "unreachable", "denied", "hang", "flaky" }
  for i = 1, tonumber(args[2]) or 40 do
    local name = ("sim-host-%03d"):format(i)
    control:AddServer(name, kinds[(i - 1) % #kinds + 1], 50)
    hosts[#hosts + 1] = name
  end
  connect = { locator = "WbemSim.SWbemLocator", sink = "WbemSim.SWbemSink" }
elseif #args > 0 then
  hosts = args
else
  hosts = { ".", "localhost", os.getenv("COMPUTERNAME") or "localhost", "no-such-host.invalid" }
end

local function first(svc, wql)
  local set <close> = svc:ExecQuery(wql)
  for o in wbem.each(set) do return o end
end

-- What one host reports: a line of text.
local function inventory(svc)
  if sim then             -- the simulator's seeded classes stand in for Win32_*
    local s <close> = first(svc, "SELECT * FROM Sim_Settings")
    return ("settings level %d, mode %s"):format(s.Level, s.Mode)
  end
  local os_ <close> = first(svc, "SELECT Caption, LastBootUpTime FROM Win32_OperatingSystem")
  -- a CIM datetime: yyyymmddHHMMSS.mmmmmmsUUU
  local y, mo, d, h, mi = tostring(os_.LastBootUpTime):match("^(%d%d%d%d)(%d%d)(%d%d)(%d%d)(%d%d)")
  local line = ("%s, booted %s-%s-%s %s:%s"):format(os_.Caption, y, mo, d, h, mi)
  local disk = first(svc, "SELECT FreeSpace FROM Win32_LogicalDisk WHERE DeviceID = 'C:'")
  if disk then
    line = line .. (", C: %s bytes free"):format(tostring(disk.FreeSpace))
    disk:close()
  end
  return line
end

local records = wbem.fleet(hosts, inventory, {
  concurrency = 32, connect = connect, connect_timeout = 3000, timeout = 10000,
  retries = 1, backoff = 100,
  on_progress = function(done, total)
    io.stderr:write(("\r%d/%d hosts done"):format(done, total))
  end,
})
io.stderr:write("\n")

local causes = {}
for _, r in ipairs(records) do
  if r.ok then
    print(("%-24s %s"):format(r.host, r.result))
  else
    local cause = r.err.timeout and "timed out" or (r.err.name or "error")
    causes[cause] = (causes[cause] or 0) + 1
    print(("%-24s FAILED (%s) after %.0f ms"):format(r.host, cause, r.finished - r.started))
  end
end
print()
print("failures by cause:")
for cause, n in pairs(causes) do print(("  %-32s %d"):format(cause, n)) end
if sim then wbem.create("WbemSim.Control"):Reset() end   -- releases the hung connects
