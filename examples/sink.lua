-- sink.lua: an SWbemSink whose handlers are Lua functions, with the raw scripting call.
--
--   lua sink.lua [--sim]
--
-- svc:sink{} makes a sink of the connection's sink class; ExecQueryAsync, as VBScript
-- calls it, sends its events there. The handlers run on the Lua thread, only while the
-- script pumps (wbem.pump): here until OnCompleted has come. Where WMI has no
-- SWbemSink (Wine's has none), or with --sim, it runs against the WMI simulator.
local wbem = require "wbem"

local here = debug.getinfo(1, "S").source:match("^@(.-)[^/\\]*$")
local use_sim, options = dofile(here .. "target.lua")(arg)
options.namespace = "root\\cimv2"
local wql, property = "SELECT * FROM Win32_Service", "Name"
if use_sim then wql, property = "SELECT * FROM Sim_Base", "Label" end
local svc <close> = wbem.connect(options)

local objects, done = 0, false
local sink <close> = svc:sink{
  on_object_ready = function(obj, async_context)
    objects = objects + 1
    if objects <= 5 then print("  OnObjectReady: " .. tostring(obj[property])) end
    obj:close()
    if async_context then async_context:close() end
  end,
  on_completed = function(hresult, err, async_context)
    print(("  OnCompleted: 0x%08X%s"):format(hresult,
      err and (" " .. tostring(err.Description)) or ""))
    if err then err:close() end
    if async_context then async_context:close() end
    done = true
  end,
}

-- SWbemServices.ExecQueryAsync(objWbemSink, strQuery, [strQueryLanguage], [iFlags])
svc:ExecQueryAsync(sink, wql, "WQL")
local deadline = wbem.clock() + 30000
while not done and wbem.clock() < deadline do
  wbem.pump(100)                -- runs the handlers of whatever has arrived
end
print(("%d objects, %s"):format(objects, done and "completed" or "not completed in 30 s"))
os.exit(done and 0 or 1)
