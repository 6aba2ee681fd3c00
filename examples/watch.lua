-- watch.lua: prints processes as they start and end, live, as Microsoft's
-- process-monitoring samples do: two subscriptions (__InstanceCreationEvent and
-- __InstanceDeletionEvent of Win32_Process, polled WITHIN half a second), each read by
-- a task of its own, while a third task starts a few short-lived processes with
-- Win32_Process.Create (exec_async) so that there is something to see.
--
-- On Windows it watches the real processes. Where WMI has no event notification
-- (Wine's has none), or with --sim, it runs against the simulator (spec/sim), whose
-- Win32_Process instances are simulated: Create makes one, Terminate deletes it.
--
--   lua examples/watch.lua [--sim] [count]
local wbem = require "wbem"

local count = 3
for _, a in ipairs(arg) do count = math.tointeger(tonumber(a)) or count end
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/\\]*$")
local use_sim, options = dofile(here .. "target.lua")(arg)

options.namespace = "root\\cimv2"
local svc <close> = wbem.connect(options)
local started, created, deleted = {}, 0, 0

-- One subscription, read by a task until count of our processes were seen.
local function watch(event, mark)
  local wql = ("SELECT * FROM %s WHERE TargetInstance ISA 'Win32_Process'"):format(event)
  for ev in svc:events(wql, { within = 0.5, timeout = 30000 }) do
    local p <close> = ev.TargetInstance
    print(("%s %-8s pid %-6d %s"):format(mark, event == "__InstanceCreationEvent" and "started"
          or "ended", p.ProcessId, p.Name))
    local ours = started[p.ProcessId]
    ev:close()
    if ours then
      if mark == "+" then created = created + 1 else deleted = deleted + 1 end
      if (mark == "+" and created or deleted) == count then break end
    end
  end
end

wbem.spawn(watch, "__InstanceCreationEvent", "+")
wbem.spawn(watch, "__InstanceDeletionEvent", "-")

-- Something to watch: count processes started one after the other, each ended again.
wbem.spawn(function()
  local class <close> = svc:get_async("Win32_Process")
  for i = 1, count do
    local out <close> = class:exec_async("Create", {
      CommandLine = use_sim and ("worker.exe --job %d"):format(i) or "cmd.exe /c ping -n 2 127.0.0.1 >nul",
    })
    assert(out.ReturnValue == 0, "Win32_Process.Create returned " .. tostring(out.ReturnValue))
    started[out.ProcessId] = true
    wbem.sleep(700)                -- more than the polling interval: seen as it runs
    if use_sim then                -- a simulated process ends only when told to
      local proc <close> = svc:get_async(('Win32_Process.Handle="%d"'):format(out.ProcessId))
      local done <close> = proc:exec_async("Terminate", { Reason = 0 })
    end
  end
end)

wbem.run()
print(("%d processes seen starting and %d ending"):format(created, deleted))
