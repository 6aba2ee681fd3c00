local wbem = require "wbem"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"

describe("error objects", function()
  it("are tables with the unsigned HRESULT, its name and a message #smoke", function()
    local e = wbem.error{ hresult = 0x80041002, operation = "get Foo" }
    assert.is_true(wbem.is_error(e))
    assert.are.equal("table", type(e))
    assert.are.equal(0x80041002, e.hresult)
    assert.are.equal("integer", math.type(e.hresult))
    assert.are.equal("WBEM_E_NOT_FOUND", e.name)
    assert.are.equal("Object cannot be found", e.message)
    assert.are.equal("wbem: get Foo: WBEM_E_NOT_FOUND (0x80041002): Object cannot be found",
      tostring(e))
  end)

  it("take a signed HRESULT too and store it unsigned", function()
    local e = wbem.error{ hresult = -2147217362 }
    assert.are.equal(0x8004102E, e.hresult)
    assert.are.equal("WBEM_E_INVALID_METHOD", e.name)
  end)

  it("keep the fields the caller gives", function()
    local e = wbem.error{ hresult = 0x80041019, message = "custom text", operation = "put_async",
                          description = "from WMI", provider = "Sim", parameter = "Name" }
    assert.are.equal("WBEM_E_ALREADY_EXISTS", e.name)
    assert.are.equal("custom text", e.message)
    assert.are.equal("Sim", e.provider)
    assert.are.equal("Name", e.parameter)
    assert.are.equal("wbem: put_async: WBEM_E_ALREADY_EXISTS (0x80041019): custom text"
      .. " (from WMI) [provider Sim]", tostring(e))
  end)

  it("name common COM and automation HRESULTs", function()
    local names = {
      [0x80004001] = "E_NOTIMPL", [0x80070057] = "E_INVALIDARG", [0x80020006] = "DISP_E_UNKNOWNNAME",
      [0x8002000E] = "DISP_E_BADPARAMCOUNT", [0x80010106] = "RPC_E_CHANGED_MODE",
      [0x800401F0] = "CO_E_NOTINITIALIZED", [0x80040154] = "REGDB_E_CLASSNOTREG",
      [0x80041003] = "WBEM_E_ACCESS_DENIED", [0x8004100E] = "WBEM_E_INVALID_NAMESPACE",
      [0x80041087] = "WBEM_E_ENCRYPTED_CONNECTION_REQUIRED", [0x00040005] = "WBEM_S_NO_MORE_DATA",
    }
    for hr, name in pairs(names) do
      assert.are.equal(name, wbem.error{ hresult = hr }.name)
      assert.are.equal(hr, wbem.hresults[name])
    end
  end)

  it("name every WBEM_E_ code of 0x80041001..0x8004108A", function()
    local seen = 0
    for hr = 0x80041001, 0x8004108A do
      local name = wbem.core.hresult_name(hr)
      if name then
        seen = seen + 1
        assert.matches("^WBEM_E_", name)
        assert.are.equal(hr, wbem.hresults[name])
      end
    end
    -- 138 values minus the unassigned 0x4A-0x4F, 0x5E and 0x7B-0x7F
    assert.are.equal(126, seen)
  end)

  it("read well for an HRESULT without a name", function()
    local e = wbem.error{ hresult = 0x8004DEAD }
    assert.are.equal("0x8004DEAD", e.name)
    assert.matches("^wbem: 0x8004DEAD: ", tostring(e))
  end)

  it("refuse a missing or out-of-range hresult, naming wbem.error and the field, at the caller's line", function()
    for _, bad in ipairs{ {}, { hresult = 0x100000000 }, { hresult = -0x80000001 }, { hresult = 1.5 },
                          { hresult = 0 / 0 }, { hresult = math.huge }, { hresult = "0x80041002" } } do
      local ok, err = pcall(function() local _ = wbem.error(bad) end)
      assert.is_false(ok)
      assert.matches("^spec[/\\]errors_spec%.lua:%d+: wbem%.error: field 'hresult' must be an integer of 32 bits", err)
    end
    assert.matches("wbem%.error: expects a table of fields, got nil", select(2, pcall(wbem.error)))
  end)

  it("are told apart from other values", function()
    assert.is_false(wbem.is_error({ hresult = 1 }))
    assert.is_false(wbem.is_error("wbem: x"))
    assert.is_false(wbem.is_error(nil))
  end)

  it("come from COM failures with the operation that failed", function()
    local dict = wbem.create("Scripting.Dictionary")
    dict:Add("k", 1)
    local ok, err = pcall(dict.Add, dict, "k", 2)     -- the key exists already
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.is_true(err.hresult >= 0x80000000)
    assert.are.equal("call Dictionary.Add", err.operation)
    assert.matches("^wbem: call Dictionary%.Add: ", tostring(err))
    wbem.close(dict)
  end)
end)

-- What an OnCompleted that failed reports: the HRESULT and WMI's error object, read in C.
describe("core.completion_error #sim", function()
  local WBEM_E_FAILED, WBEM_E_ALREADY_EXISTS = 0x80041001, 0x80041019
  local control, svc

  before_each(function() control, svc = simfix.setup() end)
  after_each(function() simfix.teardown(control, svc) end)

  -- Puts item through a raw PutAsync_ and returns what OnCompleted handed over.
  local function failed_put(item, flags)
    local got
    local sink <close> = svc:sink{ on_completed = function(hresult, errobj)
      got = { hresult = hresult, errobj = errobj }
    end }
    item:PutAsync_(sink, flags or 0)
    local deadline = core.clock() + 5000
    while not got do
      assert(core.clock() < deadline, "timed out waiting for OnCompleted")
      wbem.pump(50)
    end
    return got.hresult, got.errobj
  end

  it("fills the details from the error object and leaves it open", function()
    local item <close> = simfix.item(svc, "dup")
    local p <close> = item:Put_()
    local hresult, errobj = failed_put(item, wbem.flags.CreateOnly)
    assert.equal(WBEM_E_ALREADY_EXISTS, hresult)
    local e = core.completion_error(hresult, errobj, "put_async")
    assert.is_true(core.is_error(e))
    assert.equal(getmetatable(wbem.error{ hresult = 1 }), getmetatable(e))
    assert.equal(WBEM_E_ALREADY_EXISTS, e.hresult)
    assert.equal("WBEM_E_ALREADY_EXISTS", e.name)
    assert.is_string(e.message)
    -- the same values the bridged reads give
    assert.equal(errobj.Description, e.description)
    assert.equal(errobj.ProviderName, e.provider)
    assert.equal(errobj.ParameterInfo, e.parameter)
    assert.equal(errobj.Operation, e.operation)       -- WMI's name wins over the given one
    assert.equal("WbemSim", e.provider)
    assert.matches("LuaSpec_Item", e.parameter)
    assert.matches("^wbem: " .. e.operation .. ": WBEM_E_ALREADY_EXISTS", tostring(e))
    assert.is_true(core.is_open(errobj))
    errobj:close()
  end)

  it("keeps the given operation when the error object has none, and reads only strings", function()
    local dict = wbem.create("Scripting.Dictionary")   -- no such properties at all
    local e = core.completion_error(WBEM_E_FAILED, dict, "put_async")
    assert.equal("put_async", e.operation)
    assert.is_nil(e.description)
    assert.is_nil(e.provider)
    assert.is_nil(e.parameter)
    assert.equal(0, dict.Count)
    wbem.close(dict)
  end)

  it("takes nil for the error object", function()
    local e = core.completion_error(WBEM_E_FAILED, nil, "delete_async")
    assert.equal(WBEM_E_FAILED, e.hresult)
    assert.equal("WBEM_E_FAILED", e.name)
    assert.equal("delete_async", e.operation)
    assert.equal("Call failed", e.message)
    assert.is_nil(e.description)
    e = core.completion_error(-2147217407, nil, "x")   -- signed as OnCompleted's long
    assert.equal(WBEM_E_FAILED, e.hresult)
  end)

  it("names the argument it refuses", function()
    local function err(...)
      local ok, e = pcall(core.completion_error, ...)
      assert.is_false(ok)
      return e
    end
    assert.matches("#1 to '[%w%.]*completion_error'", err("x", nil, "op"))
    assert.matches("#1 to '[%w%.]*completion_error' %(hresult is not a 32%-bit value%)", err(0x100000000, nil, "op"))
    assert.matches("#1 to '[%w%.]*completion_error'", err(1.5, nil, "op"))
    assert.matches("#2 to '[%w%.]*completion_error' %(an open bridged object or nil expected, got table%)",
      err(WBEM_E_FAILED, {}, "op"))
    local dict = wbem.create("Scripting.Dictionary")
    wbem.close(dict)
    assert.matches("got a closed object", err(WBEM_E_FAILED, dict, "op"))
    assert.matches("#3 to '[%w%.]*completion_error'", err(WBEM_E_FAILED, nil, nil))
  end)
end)

-- Every number core.pump can be given has a meaning or a clear error.
describe("core.pump's timeout", function()
  local function err(...)
    local ok, e = pcall(core.pump, ...)
    assert.is_false(ok)
    return e
  end

  it("takes integers and floats from 0 up, a fraction rounding up to a whole millisecond", function()
    assert.equal(0, (core.pump(0)))
    assert.equal(0, (core.pump(0.0)))
    assert.equal(0, (core.pump(-0.0)))
    local t0 = core.clock()
    assert.equal(0, (core.pump(0.2)))          -- one millisecond, not zero
    assert.equal(0, (core.pump(20.5)))
    assert.is_true(core.clock() - t0 >= 20)
  end)

  it("refuses NaN and negatives, naming 'timeout' and the value", function()
    assert.matches("bad argument #1 to '[%w%.]*pump' %(timeout must be a non%-negative number of " ..
                   "milliseconds, got nan%)", err(0/0))
    assert.matches("got %-5%)", err(-5))
    assert.matches("got %-0%.5%)", err(-0.5))
    assert.matches("got %-inf%)", err(-math.huge))
    assert.truthy(err(math.mininteger):find("got " .. math.mininteger .. ")", 1, true))
  end)

  it("refuses what is not a number with the usual type error", function()
    assert.matches("bad argument #1 to '[%w%.]*pump' %(number expected, got string%)", err("soon"))
    assert.matches("bad argument #1 to '[%w%.]*pump' %(number expected, got table%)", err({}))
    assert.matches("bad argument #1 to '[%w%.]*pump' %(number expected, got boolean%)", err(true))
  end)

  -- A wait without a bound: an event must end it. A hidden window posts itself nothing,
  -- so the test queues a completion first and checks that the pump returns with it.
  it("waits without a bound for +inf and anything from 0xFFFFFFFF ms up #sim", function()
    local control = simfix.control()
    control:Reset()
    local svc = simfix.connect()
    simfix.item_class(svc)
    for _, forever in ipairs{ math.huge, 0xFFFFFFFF, math.maxinteger, 1e300, 2^53 } do
      local done = false
      local sink <close> = svc:sink{ on_completed = function() done = true end }
      local item <close> = simfix.item(svc, "forever")
      control.LatencyMs = 20
      item:PutAsync_(sink)
      local t0 = core.clock()
      local n = core.pump(forever)
      assert.is_true(n >= 1 and done)
      assert.is_true(core.clock() - t0 < 5000)
    end
    svc:close()
    assert.equal(0, simfix.live(control))
    control:Reset()
    control:close()
  end)
end)
