-- What a user installs: the version it says, and (in tools/test.sh's run of the smoke
-- specs against the DLL LuaRocks built) that the module under test is that rock's.
local wbem = require "wbem"

describe("the release", function()
  it("wbem._VERSION is a version number #smoke", function()
    assert.matches("^%d+%.%d+%.%d+$", wbem._VERSION)
  end)

  it("the module comes from where the test command says (WBEM_MODULE_FROM) #smoke", function()
    local from = os.getenv("WBEM_MODULE_FROM")
    if not from then
      pending("WBEM_MODULE_FROM is not set: the module comes from the default paths")
      return
    end
    local function under(path)
      return path ~= nil and path:lower():find(from:lower(), 1, true) ~= nil
    end
    local core = package.searchpath("wbem.core", package.cpath)
    local init = package.searchpath("wbem", package.path)
    assert.is_true(under(core), "wbem.core from " .. tostring(core))
    assert.is_true(under(init), "wbem from " .. tostring(init))
    -- and that is what require loaded: the rock's init.lua names the same version
    local f = assert(io.open(init))
    local text = f:read("a")
    f:close()
    assert.are.equal(text:match('_VERSION = "([^"]+)"'), wbem._VERSION)
  end)
end)
