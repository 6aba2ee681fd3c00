-- A bug of Lua 5.4.0-5.4.4, in the loop shape wbem.each (and svc:query_async) invite:
-- leaving a generic for whose iterator has a to-be-closed value with break, after
-- creating a closure in the loop body, skips closing that value, and the next call
-- fails with "attempt to call a nil value". Lua 5.4.7 (the default here) is fixed;
-- README.md tells users of the older releases what to do. tools/test.sh runs the busted
-- suite on 5.4.7 and 5.4.4 and says which in WBEM_LUA_RELEASE.
local wbem = require "wbem"

local function called() return "called" end

-- The shape, with any iterator (wbem.each, or a pure Lua one): what the call after the
-- loop returned, and how many items the loop saw.
local function leave_with_break(iterate, ...)
  local n = 0
  for item in iterate(...) do
    local keep = function() return item end
    n = n + 1
    break
  end
  return tostring(called()), n
end

-- A pure Lua iterator with a to-be-closed fourth value, as wbem.each returns.
local closes = 0
local function closing_iterator()
  local i = 0
  local closer = setmetatable({}, { __close = function() closes = closes + 1 end })
  return function() i = i + 1; if i <= 3 then return i end end, nil, nil, closer
end

-- Whether this Lua has the bug (asked of Lua alone, no module involved).
local function has_bug()
  local ok, err = pcall(leave_with_break, closing_iterator)
  if ok then return false end
  assert.matches("attempt to call a nil value", err)
  return true
end

-- "5.4.4" -> 50404
local function number(release)
  local a, b, c = release:match("^(%d+)%.(%d+)%.(%d+)$")
  assert(a, "WBEM_LUA_RELEASE: " .. release)
  return a * 10000 + b * 100 + c
end

describe("the Lua 5.4.4 loop bug", function()
  it("is in this Lua exactly when it is 5.4.0-5.4.4 (WBEM_LUA_RELEASE) #smoke", function()
    local release = os.getenv("WBEM_LUA_RELEASE")
    if not release then
      pending("WBEM_LUA_RELEASE is not set: which Lua this is is not known")
      return
    end
    assert.are.equal(number(release) <= 50404, has_bug(),
                     "Lua " .. release .. (has_bug() and " has" or " does not have") .. " the bug")
  end)

  it("wbem.each: break after making a closure closes the enumerator, and the next call works", function()
    if has_bug() then
      pending("this Lua (5.4.0-5.4.4) has the bug: README.md, 'Lua 5.4.0 to 5.4.4'")
      return
    end
    local dict <close> = wbem.create("Scripting.Dictionary")
    for _, k in ipairs{ "a", "b", "c" } do dict:Add(k, true) end
    assert.are.same({ "called", 1 }, { leave_with_break(wbem.each, dict) })
    -- the enumerator was closed at the break: its step function gives nothing more
    local step, state, init, closer = wbem.each(dict)
    closes = 0
    for key in step, state, init, closer do
      local keep = function() return key end
      break
    end
    assert.is_nil(step(state))
    -- and the pure Lua iterator's value was closed once
    assert.are.same({ "called", 1 }, { leave_with_break(closing_iterator) })
    assert.are.equal(1, closes)
  end)
end)
