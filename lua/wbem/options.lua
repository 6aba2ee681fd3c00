--- wbem.options: the one checker of the options tables the API takes.
--
--   local check = options.checker("obj:put_async", {
--     flags = options.flags, timeout = options.ms, on_progress = options.fn, ...
--   })
--   opts = check(opts)     -- a new table of the checked (and normalised) values
--
-- Every misuse is an error that names the public function and the field:
--   obj:put_async: option 'flags' must be an integer in 0..0xFFFFFFFF, got 1099511627776
-- A field check is a function(value) -> true, normalised | false, "must be ...".

local core = require "wbem.core"

local type, pairs, ipairs, next, tostring, error, setmetatable, select =
  type, pairs, ipairs, next, tostring, error, setmetatable, select
local concat, sort = table.concat, table.sort
local huge, tointeger = math.huge, math.tointeger

local M = {}

--- msg without the position a Lua error put before it ("file.lua:12: "): for a message
-- raised inside this library that is raised again from the caller's line.
function M.unplaced(msg)
  return (msg:gsub("^.-%.lua:%d+: ", "", 1))
end

-- How a value is shown in a message: numbers, booleans, nil and short strings as
-- themselves, anything else by its type.
function M.show(v)
  if type(v) == "number" then
    if v ~= v then return "nan" end
    if v == huge then return "inf" end
    if v == -huge then return "-inf" end
    return tostring(v)
  end
  if v == nil or type(v) == "boolean" then return tostring(v) end
  if type(v) == "string" then
    return #v <= 40 and ("%q"):format(v) or ("a string of %d bytes"):format(#v)
  end
  return "a " .. type(v)
end
local show = M.show

local function of_type(t, desc, secret)
  return function(v)
    if type(v) == t then return true, v end
    return false, "must be " .. desc .. ", got " .. (secret and "a " .. type(v) or show(v))
  end
end

M.string = of_type("string", "a string")
M.table = of_type("table", "a table")
M.fn = of_type("function", "a function")
M.boolean = of_type("boolean", "a boolean")
function M.any(v) return true, v end
-- A string whose value no message may show (a password).
M.secret = of_type("string", "a string", true)

-- Milliseconds: a number >= 0; math.huge (or any larger than a wait can be) means
-- without a bound. NaN is refused: it compares false with everything, so a deadline
-- of NaN would never come and never stop being "pending".
function M.ms(v)
  if type(v) ~= "number" then
    return false, "must be a number of milliseconds, got " .. show(v)
  end
  if v ~= v or v < 0 then
    return false, "must be a non-negative number of milliseconds, got " .. show(v)
  end
  return true, v
end

-- A 32-bit flag mask (WMI's flags are a long; the high bit counts as unsigned).
function M.flags(v)
  local i = type(v) == "number" and tointeger(v)
  if not i or i < 0 or i > 0xFFFFFFFF then
    return false, "must be an integer in 0..0xFFFFFFFF, got " .. show(v)
  end
  return true, i
end

-- A table of named values, or an SWbemNamedValueSet the caller owns: an open one, and
-- not another kind of object (a provider that casts what it is given would take it for
-- one). An object whose type information is not there to tell passes.
function M.context(v)
  if type(v) == "table" then return true, v end
  local open, got = core.is_open(v)
  if open then
    local name = core.type_name(v)
    if name == nil or name == "SWbemNamedValueSet" then return true, v end
    got = "an object of type " .. name
  elseif open == false then
    got = "a closed object"
  else
    got = show(v)
  end
  return false, "must be a table of named values or an SWbemNamedValueSet, got " .. got
end

-- An integer (a float with an integer value counts) from lo, up to hi when given.
function M.integer(lo, hi)
  local range = hi and ("in %d..%d"):format(lo, hi) or (">= %d"):format(lo)
  return function(v)
    local i = type(v) == "number" and tointeger(v)
    if not i or i < lo or (hi and i > hi) then
      return false, ("must be an integer %s, got %s"):format(range, show(v))
    end
    return true, i
  end
end

-- One of the strings of list.
function M.choice(list)
  local set, names = {}, {}
  for i, v in ipairs(list) do
    set[v] = true
    names[i] = ("%q"):format(v)
  end
  local text = "must be " .. concat(names, " or ")
  return function(v)
    if set[v] then return true, v end
    return false, text .. ", got " .. show(v)
  end
end

-- A sequence whose every element passes check; name is the field's, for messages.
function M.list(check, name)
  return function(v)
    if type(v) ~= "table" then return false, "must be a list, got " .. show(v) end
    for i, item in ipairs(v) do
      local ok, why = check(item)
      if not ok then return false, (": %s[%d] %s"):format(name, i, why) end
    end
    return true, v
  end
end

-- A level by name (case-insensitive) from levels, or its number (an integer of levels'
-- range): what becomes ISWbemSecurity's ImpersonationLevel or AuthenticationLevel.
function M.level(levels, what)
  local names, lo, hi = {}, math.huge, -math.huge
  for name, n in pairs(levels) do
    names[#names + 1] = name
    lo, hi = math.min(lo, n), math.max(hi, n)
  end
  sort(names)
  names = concat(names, ", ")
  return function(v)
    if type(v) == "string" then
      local n = levels[v:lower()]
      if n then return true, n end
      return false, (": unknown %s level '%s' (one of: %s)"):format(what, v, names)
    end
    local i = type(v) == "number" and tointeger(v)
    if i and i >= lo and i <= hi then return true, i end
    return false, ("must be an %s level name (%s) or an integer in %d..%d, got %s"):format(
      what, names, lo, hi, show(v))
  end
end

--- merge(t1, t2, ...) -> a new table holding the pairs of each table given, in order, so
-- that a later one's field wins (nil arguments are skipped).
function M.merge(...)
  local out = {}
  for i = 1, select("#", ...) do
    local t = select(i, ...)
    if t then
      for k, v in pairs(t) do out[k] = v end
    end
  end
  return out
end

local function names_of(schema)
  local names = {}
  for name in pairs(schema) do names[#names + 1] = name end
  sort(names)
  return concat(names, ", ")
end

-- Raises msg at the caller of the public function that called the checker.
local function fail(msg)
  error(msg, 4)
end

-- What a checker returns for no options: shared, and frozen so that no caller can
-- change what the next one gets.
local NONE = setmetatable({}, {
  __newindex = function() error("wbem.options: the empty options table is read-only", 2) end,
  __metatable = false,
})

--- A checker for fname's options: check(opts) -> checked copy (nil and {} give an empty,
-- read-only table).
-- noun names the fields in messages ("option", the default, or "field").
function M.checker(fname, schema, noun)
  local known = names_of(schema)
  noun = noun or "option"
  return function(opts)
    if opts == nil then return NONE end
    if type(opts) ~= "table" then
      fail(("%s: expects a table of %ss, got %s"):format(fname, noun, show(opts)))
    end
    if next(opts) == nil then return NONE end
    local out = {}
    for k, v in pairs(opts) do
      local check = schema[k]
      if not check then
        fail(("%s: unknown %s '%s' (known: %s)"):format(fname, noun, tostring(k), known))
      end
      local ok, r = check(v)
      if not ok then
        fail(("%s: %s '%s'%s%s"):format(fname, noun, k, r:sub(1, 1) == ":" and "" or " ", r))
      end
      out[k] = r
    end
    return out
  end
end

return M
