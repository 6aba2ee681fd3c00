--- wbem.datetime: CIM DATETIME strings to and from Lua, in plain Lua (Wine has no
-- SWbemDateTime). The rules are WMI's "Date and Time Format" and "Interval Format":
--
--   yyyymmddHHMMSS.mmmmmmsUUU    a point in time: s is + or -, UUU the offset from UTC in
--                                minutes; a field may be all asterisks (a wildcard)
--   ddddddddHHMMSS.mmmmmm:000    an interval: days, hours, minutes, seconds, microseconds;
--                                no asterisks
--
-- Tables: { year, month, day, hour, min, sec, usec, utc_offset } (os.date("*t")'s names), a
-- wildcard field false; { interval = true, days, hours, minutes, seconds, usec }.
-- Epoch seconds are computed here (proleptic Gregorian, UTC), never through the C library's
-- time zone.

local M = {}

local DATE_FORM = "yyyymmddHHMMSS.mmmmmmsUUU"
local INTERVAL_FORM = "ddddddddHHMMSS.mmmmmm:000"

local function is_leap(y)
  return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)
end

local MONTH_DAYS = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- The last day of month m of year y; a wildcard (false) year allows Feb 29, a wildcard
-- month day 31.
local function last_day(y, m)
  if not m then return 31 end
  if m == 2 and y and not is_leap(y) then return 28 end
  return MONTH_DAYS[m]
end

-- Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- Errors are raised at level 0 inside and given the caller's position by public.
local function public(impl)
  return function(...)
    local r = table.pack(pcall(impl, ...))
    if not r[1] then error(r[2], 2) end
    return table.unpack(r, 2, r.n)
  end
end

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  return ("a %s (%s)"):format(type(v), tostring(v))
end

-- Date fields: name, first character, width, lowest, highest (a function for day).
local DATE_FIELDS = {
  { "year", 1, 4, 0, 9999 }, { "month", 5, 2, 1, 12 }, { "day", 7, 2, 1, 31 },
  { "hour", 9, 2, 0, 23 }, { "min", 11, 2, 0, 59 }, { "sec", 13, 2, 0, 59 },
  { "usec", 16, 6, 0, 999999 }, { "utc_offset", 23, 3, 0, 999 },
}
local INTERVAL_FIELDS = {
  { "days", 1, 8, 0, 99999999 }, { "hours", 9, 2, 0, 23 }, { "minutes", 11, 2, 0, 59 },
  { "seconds", 13, 2, 0, 59 }, { "usec", 16, 6, 0, 999999 },
}

local function check_day(fn, t, where)
  local last = last_day(t.year, t.month)
  if t.day and t.day > last then
    error(("%s: day %d is out of range for %s (01 to %02d)%s"):format(fn, t.day,
      t.month and ("month %02d%s"):format(t.month, t.year and (" of " .. t.year) or "")
        or "any month", last, where), 0)
  end
end

local function parse(fn, s)
  local bad = ("%s: expects a CIM datetime string (%s, or an interval %s), got %s")
    :format(fn, DATE_FORM, INTERVAL_FORM, show(s))
  if type(s) ~= "string" or #s ~= 25 or s:sub(15, 15) ~= "." then error(bad, 0) end
  local sign = s:sub(22, 22)
  local where = " in " .. show(s)
  local function field(f, wild)
    local name, at, width, lo, hi = f[1], f[2], f[3], f[4], f[5]
    local text = s:sub(at, at + width - 1)
    if wild and text == ("*"):rep(width) then return false end
    if not text:match("^%d+$") then error(bad, 0) end
    local v = math.tointeger(tonumber(text))
    if v < lo or v > hi then
      error(("%s: %s %s is out of range (%d to %d)%s"):format(fn, name, text, lo, hi, where), 0)
    end
    return v
  end
  local t = {}
  if sign == ":" then
    if s:sub(23) ~= "000" then error(bad, 0) end
    t.interval = true
    for _, f in ipairs(INTERVAL_FIELDS) do t[f[1]] = field(f, false) end
    return t
  end
  if sign ~= "+" and sign ~= "-" then error(bad, 0) end
  for _, f in ipairs(DATE_FIELDS) do t[f[1]] = field(f, true) end
  if sign == "-" and t.utc_offset then t.utc_offset = -t.utc_offset end
  check_day(fn, t, where)
  return t
end

--- parse(s) -> a table: { year, month, day, hour, min, sec, usec, utc_offset } (integers;
-- false for a field of asterisks) or { interval = true, days, hours, minutes, seconds, usec }.
M.parse = public(function(s)
  return parse("wbem.datetime.parse", s)
end)

-- An integer field of a table, or false (a wildcard, when allowed), or the default when nil.
local function get(fn, t, f, default, wild)
  local name, lo, hi = f[1], f[4], f[5]
  local v = t[name]
  if v == nil then v = default end
  if v == nil then
    error(("%s: field '%s' is missing (an integer %d to %d%s)"):format(fn, name, lo, hi,
      wild and ", or false for a wildcard" or ""), 0)
  end
  if v == false and wild then return false end
  local i = math.type(v) and math.tointeger(v)
  if not i then
    error(("%s: field '%s' must be an integer %d to %d%s, got %s"):format(fn, name, lo, hi,
      wild and " or false" or "", show(v)), 0)
  end
  if i < lo or i > hi then
    error(("%s: field '%s' is out of range (%d to %d), got %d"):format(fn, name, lo, hi, i), 0)
  end
  return i
end

local function digits(v, width)
  if v == false then return ("*"):rep(width) end
  return ("%0" .. width .. "d"):format(v)
end

local function check_table(fn, t)
  if type(t) ~= "table" then
    error(("%s: expects a date table (year, month, day, hour, min, sec, usec, utc_offset) or an interval table (interval = true, days, hours, minutes, seconds, usec), got %s")
      :format(fn, show(t)), 0)
  end
end

local function check_offset(fn, v, what)
  if v == false then return false end
  local i = math.type(v) and math.tointeger(v)
  if not i or i < -999 or i > 999 then
    error(("%s: %s must be an integer number of minutes, -999 to 999, got %s")
      :format(fn, what, show(v)), 0)
  end
  return i
end

local function format(fn, t)
  check_table(fn, t)
  if t.interval then
    local v = {}
    for i, f in ipairs(INTERVAL_FIELDS) do v[i] = digits(get(fn, t, f, 0, false), f[3]) end
    return ("%s%s%s%s.%s:000"):format(table.unpack(v))
  end
  local v = {}
  for i = 1, 7 do
    local f = DATE_FIELDS[i]
    v[f[1]] = get(fn, t, f, f[1] == "usec" and 0 or nil, true)
  end
  local offset = t.utc_offset
  if offset == nil then offset = 0 end
  offset = check_offset(fn, offset, "field 'utc_offset'")
  check_day(fn, v, "")
  return ("%s%s%s%s%s%s.%s%s%s"):format(digits(v.year, 4), digits(v.month, 2),
    digits(v.day, 2), digits(v.hour, 2), digits(v.min, 2), digits(v.sec, 2),
    digits(v.usec, 6), (offset or 0) < 0 and "-" or "+",
    offset and ("%03d"):format(math.abs(offset)) or "***")
end

--- format(t) -> the CIM datetime string of a table as parse returns, or of an
-- os.date("*t") table (usec defaults to 0, utc_offset to 0).
M.format = public(function(t)
  return format("wbem.datetime.format", t)
end)

--- from_time(n [, utc_offset]) -> the CIM datetime string of epoch seconds n (UTC, as
-- os.time gives), written as the local time at utc_offset minutes (default 0).
M.from_time = public(function(n, utc_offset)
  local fn = "wbem.datetime.from_time"
  if math.type(n) == nil or n ~= n or n == math.huge or n == -math.huge then
    error(("%s: expects epoch seconds (a finite number), got %s"):format(fn, show(n)), 0)
  end
  local offset = check_offset(fn, utc_offset == nil and 0 or utc_offset, "utc_offset")
  if offset == false then
    error(("%s: utc_offset must be an integer number of minutes, -999 to 999, got false"):format(fn), 0)
  end
  local secs = math.floor(n)
  local usec = math.floor((n - secs) * 1e6 + 0.5)
  if usec > 999999 then usec = 999999 end
  if math.type(secs) ~= "integer" then
    secs = math.tointeger(secs)
    if not secs then error(("%s: %s is out of range (years 0000 to 9999)"):format(fn, show(n)), 0) end
  end
  local here = secs + offset * 60
  local days, rest = here // 86400, here % 86400
  local y, m, d = civil_from_days(days)
  if y < 0 or y > 9999 then
    error(("%s: %s is out of range (years 0000 to 9999)"):format(fn, show(n)), 0)
  end
  return format(fn, { year = y, month = m, day = d, hour = rest // 3600,
    min = rest % 3600 // 60, sec = rest % 60, usec = math.tointeger(usec), utc_offset = offset })
end)

--- to_time(s_or_t) -> seconds, usec: integer epoch seconds (UTC, the offset applied) and
-- the microseconds beyond them; for an interval, its length in seconds, and usec.
M.to_time = public(function(v)
  local fn = "wbem.datetime.to_time"
  local t
  if type(v) == "string" then
    t = parse(fn, v)
  else
    check_table(fn, v)
    t = parse(fn, format(fn, v))
  end
  if t.interval then
    return ((t.days * 24 + t.hours) * 60 + t.minutes) * 60 + t.seconds, t.usec
  end
  for _, f in ipairs(DATE_FIELDS) do
    if t[f[1]] == false then
      error(("%s: %s has a wildcard %s, so it is no point in time"):format(fn,
        show(type(v) == "string" and v or format(fn, v)), f[1]), 0)
    end
  end
  local days = days_from_civil(t.year, t.month, t.day)
  return days * 86400 + t.hour * 3600 + t.min * 60 + t.sec - t.utc_offset * 60, t.usec
end)

return M
