-- docs/API.md covers the whole public API, and names nothing that is not there. What is
-- public is read from the module as it runs, not from a list kept here: every key of
-- require "wbem"; every method the module adds to bridged objects (the extension table
-- that core.extend fills, obj:close among them); every method of a sink; every name and
-- value of wbem.flags. A function added to any of these fails this spec until API.md
-- documents it.
local wbem = require "wbem"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local doc = read("docs/API.md")

local function sorted(set)
  local list = {}
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end

-- What the documentation names: wbem.NAME, and RECEIVER:name( or RECEIVER:name{ with a
-- lower-case name (upper-case ones are COM's own methods: svc:Get, obj:PutAsync_).
local documented = { wbem = {}, object = {}, sink = {}, sub = {} }
for name in doc:gmatch("wbem%.([%a_][%w_]*)") do documented.wbem[name] = true end
for receiver, name in doc:gmatch("(%f[%w_][%a_][%w_]*):([%l_][%w_]*)%s*[%({]") do
  if receiver == "sink" then documented.sink[name] = true
  elseif receiver == "sub" then documented.sub[name] = true
  elseif receiver ~= "wbem" then documented.object[name] = true end
end

-- What the module has.
local exported = {}
for k in pairs(wbem) do exported[k] = true end
local extensions = {}
for k in pairs(debug.getregistry()["wbem.extensions"]) do extensions[k] = true end
local sub_methods = {}
for k, v in pairs(require("wbem.events").Subscription) do
  if type(v) == "function" and not k:find("^__") then sub_methods[k] = true end
end
local sink_methods = {}
for k in pairs(debug.getregistry()["wbem.sink"].__index) do sink_methods[k] = true end

local function missing(want, have)
  local out = {}
  for _, k in ipairs(sorted(want)) do
    if not have[k] then out[#out + 1] = k end
  end
  return out
end

describe("docs/API.md #smoke", function()
  it("documents every key of the wbem table", function()
    assert.are.same({}, missing(exported, documented.wbem))
  end)

  it("names no wbem.<name> that the wbem table does not have", function()
    assert.are.same({}, missing(documented.wbem, exported))
  end)

  it("documents every method the module adds to bridged objects", function()
    assert.is_true(extensions.put_async and extensions.close, "the extension table is read")
    assert.are.same({}, missing(extensions, documented.object))
  end)

  it("names no obj:<method> that bridged objects do not have", function()
    assert.are.same({}, missing(documented.object, extensions))
  end)

  it("documents every method of a subscription (sub:), and names no other", function()
    assert.is_true(sub_methods.close, "the subscription's methods are read")
    assert.are.same({}, missing(sub_methods, documented.sub))
    assert.are.same({}, missing(documented.sub, sub_methods))
  end)

  it("documents every method of a sink, and names no other", function()
    assert.is_true(sink_methods.cancel, "the sink's methods are read")
    assert.are.same({}, missing(sink_methods, documented.sink))
    assert.are.same({}, missing(documented.sink, sink_methods))
  end)

  it("lists every flag of wbem.flags with its value, and no other", function()
    local listed = {}
    for name, value in doc:gmatch("\n| `([%a_][%w_]*)` | (0x%x+) |") do
      assert.is_nil(listed[name], name .. " is listed twice")
      listed[name] = tonumber(value)
    end
    local actual = {}
    for name, value in pairs(wbem.flags) do actual[name] = value end
    assert.is_true(next(actual) ~= nil, "wbem.flags is read")
    assert.are.same(actual, listed)
  end)
end)
