local wbem = require "wbem"

describe("error objects", function()
  it("are tables with the unsigned HRESULT, its name and a message", function()
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

  it("refuse a missing or out-of-range hresult", function()
    assert.has_error(function() wbem.error{} end)
    assert.has_error(function() wbem.error{ hresult = 0x100000000 } end)
    assert.has_error(function() wbem.error{ hresult = 1.5 } end)
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
