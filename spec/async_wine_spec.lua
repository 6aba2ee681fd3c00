-- The async bridge against Wine's real WMI, where it can serve: Wine registers no
-- SWbemSink and answers E_NOTIMPL to PutAsync_; both must come back as clear errors,
-- never a crash or a hang.
local wbem = require "wbem"

local function raises(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error")
  return err
end

describe("async calls on Wine's real WMI #wine", function()
  it("a sink of an unregistered class is a clear error naming the class", function()
    local svc <close> = wbem.connect{}
    local err = raises(function() svc:sink{ on_completed = print } end)
    assert.matches("WbemScripting.SWbemSink", tostring(err))
    assert.is_number(err.hresult)
  end)

  it("put_async on a real object reports the failure to start the call", function()
    local svc <close> = wbem.connect{ sink = "WbemSim.SWbemSink" }
    local cls <close> = svc:Get("Win32_Process")
    local err = raises(function() cls:put_async{} end)
    assert.equal(0x80004001, err.hresult)     -- E_NOTIMPL: Wine's SWbemObject.PutAsync_
    assert.equal(0, wbem.pending())
  end)

  it("a call that fails to start releases its sink at once, not at a collection", function()
    local svc <close> = wbem.connect{ sink = "WbemSim.SWbemSink" }
    local cls <close> = svc:Get("Win32_Process")
    -- the simulator's sink class counts its live objects: the sink is one of them
    local control <close> = wbem.create("WbemSim.Control")
    collectgarbage()
    collectgarbage()
    local before = control.LiveObjects
    collectgarbage("stop")
    local ok, live = pcall(function()
      for _ = 1, 3 do raises(function() cls:put_async{} end) end
      raises(function() cls:delete_async{ timeout = 1000 } end)
      return control.LiveObjects
    end)
    collectgarbage("restart")
    assert(ok, live)
    assert.equal(before, live)
  end)

  it("misuse of Wine's own objects is refused before any call, naming the argument", function()
    local svc <close> = wbem.connect{}
    local cls <close> = svc:Get("Win32_Process")
    local nvs = wbem.create("WbemScripting.SWbemNamedValueSet")
    nvs:close()
    -- the kinds of object are told by Wine's type information
    assert.matches("obj:put_async: option 'context' must be .- got a closed object",
                   raises(function() cls:put_async{ context = nvs } end))
    assert.matches("svc:get_async: option 'context' must be .- got an object of type SWbemServices",
                   raises(function() svc:get_async("Win32_Process", { context = svc }) end))
    assert.matches("svc:query_async: option 'context' must be .- got an object of type SWbemObject",
                   raises(function() svc:query_async("SELECT * FROM Win32_Process", { context = cls }) end))
    local open <close> = wbem.create("WbemScripting.SWbemNamedValueSet")
    assert.equal("SWbemNamedValueSet", wbem.core.type_name(open))
    assert.matches("svc:get_async: the object path contains a zero byte %(byte 14%)",
                   raises(function() svc:get_async("Win32_Process\0.Handle=1") end))
    assert.matches("args%.n must be an integer in 0%.%.65535, got nan",
                   raises(function() wbem.call_async(cls, "Derivation_", { n = 0 / 0 }) end))
    assert.equal(0, wbem.pending())
  end)

  it("a call on another kind of Wine's objects names the call and the kind, on either transport", function()
    for _, async in ipairs{ "sink", "worker" } do
      local svc <close> = wbem.connect{ async = async, timeout = 10000 }
      local cls <close> = svc:Get("Win32_Process")
      local sink = async == "sink"
      assert.equal("obj:put_async: the object is an SWbemServices, which has no "
                   .. (sink and "PutAsync_" or "Put_"), raises(function() svc:put_async{} end))
      assert.equal("svc:get_async: the object is an SWbemObject, which has no "
                   .. (sink and "GetAsync" or "Get"),
                   raises(function() cls:get_async("Win32_Process") end))
      assert.equal("svc:instances_of_async: the object is an SWbemObject, which has no "
                   .. (sink and "InstancesOfAsync" or "InstancesOf"),
                   raises(function() cls:instances_of_async("Win32_Process") end))
      assert.equal(0, wbem.pending())
    end
  end)

  it("the pump runs against Wine's COM with nothing pending", function()
    assert.equal(0, wbem.pump(0))
    assert.equal(0, wbem.pump(20))
  end)
end)
