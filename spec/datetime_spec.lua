-- wbem.datetime against the rules of WMI's "Date and Time Format" (CIM_DATETIME) and
-- "Interval Format" pages: yyyymmddHHMMSS.mmmmmmsUUU, fields of asterisks as wildcards
-- ("19980416******.000000+***" is legal, "199*0416******.000000+***" is not), days valid
-- for the month, and ddddddddHHMMSS.mmmmmm:000 intervals without asterisks
-- ("00000001120032.000000:000" is 1 day, 12 hours, 0 minutes and 32 seconds).
local wbem = require "wbem"
local dt = wbem.datetime

local function fails(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error matching " .. pattern)
  assert.is_string(err)
  assert.matches(pattern, err)
end

describe("wbem.datetime #smoke", function()
  it("is the module wbem.datetime", function()
    assert.equal(require "wbem.datetime", dt)
  end)

  describe("parse", function()
    it("reads a point in time with its offset (the documented example)", function()
      assert.same({ year = 2024, month = 2, day = 29, hour = 14, min = 30, sec = 0,
                    usec = 123456, utc_offset = -300 }, dt.parse("20240229143000.123456-300"))
      assert.same({ year = 1998, month = 4, day = 16, hour = 0, min = 0, sec = 0,
                    usec = 0, utc_offset = 999 }, dt.parse("19980416000000.000000+999"))
    end)

    it("reads a field of asterisks as false (a wildcard)", function()
      assert.same({ year = false, month = false, day = false, hour = 14, min = 30, sec = 0,
                    usec = 0, utc_offset = 0 }, dt.parse("********143000.000000+000"))
      assert.same({ year = 1998, month = 4, day = 16, hour = false, min = false, sec = false,
                    usec = 0, utc_offset = false }, dt.parse("19980416******.000000+***"))
      assert.same({ year = false, month = 4, day = 1, hour = false, min = false, sec = false,
                    usec = false, utc_offset = false }, dt.parse("****0401******.******+***"))
    end)

    it("reads an interval", function()
      assert.same({ interval = true, days = 1, hours = 12, minutes = 0, seconds = 32, usec = 0 },
                  dt.parse("00000001120032.000000:000"))
      assert.same({ interval = true, days = 99999999, hours = 23, minutes = 59, seconds = 59,
                    usec = 999999 }, dt.parse("99999999235959.999999:000"))
    end)

    it("knows leap years: Feb 29 in 2024, 2000 and a wildcard year, not in 2023 or 1900", function()
      assert.equal(29, dt.parse("20240229000000.000000+000").day)
      assert.equal(29, dt.parse("20000229000000.000000+000").day)
      assert.equal(29, dt.parse("****0229000000.000000+000").day)
      fails('^wbem%.datetime%.parse: day 29 is out of range for month 02 of 2023 %(01 to 28%) in "20230229000000%.000000%+000"$',
            dt.parse, "20230229000000.000000+000")
      fails("day 29 is out of range for month 02 of 1900", dt.parse, "19000229000000.000000+000")
      fails("day 30 is out of range for month 02 %(01 to 29%)", dt.parse, "****0230000000.000000+000")
      fails("day 31 is out of range for month 04 of 2024 %(01 to 30%)", dt.parse, "20240431000000.000000+000")
      fails("day 32 is out of range %(1 to 31%)", dt.parse, "******32000000.000000+000")
    end)

    it("refuses each field out of range, naming it", function()
      for s, want in pairs{
        ["20241301000000.000000+000"] = "month 13 is out of range %(1 to 12%)",
        ["20240001000000.000000+000"] = "month 00 is out of range %(1 to 12%)",
        ["20240100000000.000000+000"] = "day 00 is out of range %(1 to 31%)",
        ["20240101240000.000000+000"] = "hour 24 is out of range %(0 to 23%)",
        ["20240101006000.000000+000"] = "min 60 is out of range %(0 to 59%)",
        ["20240101000060.000000+000"] = "sec 60 is out of range %(0 to 59%)",
        ["00000000240000.000000:000"] = "hours 24 is out of range %(0 to 23%)",
        ["00000000006000.000000:000"] = "minutes 60 is out of range %(0 to 59%)",
        ["00000000000060.000000:000"] = "seconds 60 is out of range %(0 to 59%)",
      } do
        fails("^wbem%.datetime%.parse: " .. want .. ' in "' .. s:gsub("%p", "%%%0") .. '"$', dt.parse, s)
      end
    end)

    it("refuses what is no CIM datetime, showing it", function()
      local shape = "^wbem%.datetime%.parse: expects a CIM datetime string %(yyyymmddHHMMSS%.mmmmmmsUUU, or an interval ddddddddHHMMSS%.mmmmmm:000%), got "
      for _, s in ipairs{
        "", "2024", "20240101000000.000000+00", "20240101000000.000000+0000",
        "20240101000000,000000+000", "20240101000000.000000*000", "199*0416******.000000+***",
        "2024-1-01000000.000000+000", "2024 101000000.000000+000", "20240101000000.00000a+000",
        "********143000.000000:000", "00000001120032.000000:001", "0000000112003*.000000:000",
        "00000001120032.000000:***", "1998-04-16 ******:***",
      } do
        fails(shape .. ("%q"):format(s):gsub("%p", "%%%0") .. "$", dt.parse, s)
      end
      for _, v in ipairs{ 42, true, {}, print } do
        fails(shape .. "a " .. type(v), dt.parse, v)
      end
      fails(shape .. "a nil %(nil%)$", dt.parse)
    end)

    it("raises at the caller's line", function()
      local ok, err = pcall(function() return (dt.parse("x")) end)
      assert.is_false(ok)
      assert.matches("datetime_spec%.lua:%d+: wbem%.datetime%.parse:", err)
    end)
  end)

  describe("format", function()
    it("writes the documented example", function()
      assert.equal("20240229143000.123456-300", dt.format{ year = 2024, month = 2, day = 29,
        hour = 14, min = 30, sec = 0, usec = 123456, utc_offset = -300 })
    end)

    it("writes an os.date table, usec and utc_offset defaulting to 0, other keys ignored", function()
      assert.equal("19710101000000.000000+000", dt.format(os.date("!*t", 365 * 86400)))
      assert.equal("20240102030405.000000+060", dt.format{ year = 2024, month = 1, day = 2,
        hour = 3, min = 4, sec = 5, utc_offset = 60, isdst = false, wday = 3, yday = 2 })
      assert.equal("20240102030405.000000+000", dt.format{ year = 2024.0, month = 1, day = 2,
        hour = 3, min = 4, sec = 5 })
    end)

    it("writes false as asterisks, and intervals with fields defaulting to 0", function()
      assert.equal("********143000.000000+***", dt.format{ year = false, month = false,
        day = false, hour = 14, min = 30, sec = 0, utc_offset = false })
      assert.equal("00000001120032.000000:000", dt.format{ interval = true, days = 1, hours = 12, seconds = 32 })
      assert.equal("00000000000000.000000:000", dt.format{ interval = true })
    end)

    it("round-trips: format(parse(s)) == s", function()
      for _, s in ipairs{
        "20240229143000.123456-300", "19700101000000.000000+000", "00000101000000.000000+000",
        "99991231235959.999999+999", "20001231235959.000001-999", "********143000.000000+000",
        "19980416******.000000+***", "****0401******.******+***", "**************.******+***",
        "00000001120032.000000:000", "99999999235959.999999:000", "00000000000000.000000:000",
      } do
        assert.equal(s, dt.format(dt.parse(s)))
      end
      -- "-000" and "-***" are read; the sign of no offset is written "+"
      assert.equal("20240101000000.000000+000", dt.format(dt.parse("20240101000000.000000-000")))
      assert.equal("20240101000000.000000+***", dt.format(dt.parse("20240101000000.000000-***")))
    end)

    it("refuses each bad field, naming it", function()
      local function date(changes)
        local t = { year = 2023, month = 4, day = 3, hour = 0, min = 0, sec = 0 }
        for k, v in pairs(changes) do t[k] = v end
        return t
      end
      local F = "^wbem%.datetime%.format: "
      fails(F .. "field 'month' is out of range %(1 to 12%), got 13$", dt.format, date{ month = 13 })
      fails(F .. "field 'hour' is out of range %(0 to 23%), got 24$", dt.format, date{ hour = 24 })
      fails(F .. "field 'year' is out of range %(0 to 9999%), got %-1$", dt.format, date{ year = -1 })
      fails(F .. "field 'year' is out of range %(0 to 9999%), got 10000$", dt.format, date{ year = 10000 })
      fails(F .. "field 'usec' is out of range %(0 to 999999%), got 1000000$", dt.format, date{ usec = 1000000 })
      fails(F .. "day 31 is out of range for month 04 of 2023 %(01 to 30%)$", dt.format, date{ day = 31 })
      fails(F .. "day 29 is out of range for month 02 of 2023", dt.format, date{ month = 2, day = 29 })
      assert.equal("20240229000000.000000+000", dt.format(date{ year = 2024, month = 2, day = 29 }))
      fails(F .. "field 'day' must be an integer 1 to 31 or false, got a number %(3%.5%)$", dt.format, date{ day = 3.5 })
      fails(F .. "field 'sec' must be an integer 0 to 59 or false, got a number %(%-?nan%)$", dt.format, date{ sec = 0 / 0 })
      fails(F .. "field 'sec' must be an integer 0 to 59 or false, got a number %(inf%)$", dt.format, date{ sec = math.huge })
      fails(F .. "field 'min' must be an integer 0 to 59 or false, got \"5\"$", dt.format, date{ min = "5" })
      fails(F .. "field 'min' must be an integer 0 to 59 or false, got a boolean %(true%)$", dt.format, date{ min = true })
      fails(F .. "field 'hour' is missing %(an integer 0 to 23, or false for a wildcard%)$", dt.format,
            { year = 2023, month = 4, day = 3, min = 0, sec = 0 })
      fails(F .. "field 'utc_offset' must be an integer number of minutes, %-999 to 999, got a number %(1000%)$", dt.format, date{ utc_offset = 1000 })
      fails(F .. "field 'utc_offset' must be an integer number of minutes, %-999 to 999, got a number %(%-1000%)$", dt.format, date{ utc_offset = -1000 })
      fails(F .. "field 'utc_offset' must be an integer number of minutes, %-999 to 999, got a number %(0%.5%)$", dt.format, date{ utc_offset = 0.5 })
      fails(F .. "field 'days' is out of range %(0 to 99999999%), got 100000000$", dt.format, { interval = true, days = 100000000 })
      fails(F .. "field 'hours' must be an integer 0 to 23, got a boolean %(false%)$", dt.format, { interval = true, hours = false })
      fails(F .. "field 'seconds' is out of range %(0 to 59%), got %-1$", dt.format, { interval = true, seconds = -1 })
      for _, v in ipairs{ "20240101000000.000000+000", 5, true } do
        fails(F .. "expects a date table %(year, month, day, hour, min, sec, usec, utc_offset%) or an interval table", dt.format, v)
      end
      fails(F .. "expects a date table .*got a nil %(nil%)$", dt.format)
    end)
  end)

  describe("from_time and to_time", function()
    it("convert epoch seconds (UTC) and honour the offset", function()
      assert.equal("19700101000000.000000+000", dt.from_time(0))
      assert.equal("19700101010000.000000+060", dt.from_time(0, 60))
      assert.equal("19691231190000.000000-300", dt.from_time(0, -300))
      assert.equal("20240229143000.000000-300", dt.from_time(1709235000, -300))
      assert.equal("19700101000001.500000+000", dt.from_time(1.5))
      assert.equal("19691231235959.000000+000", dt.from_time(-1))
      assert.equal("00000101000000.000000+000", dt.from_time(-62167219200))
      assert.equal("99991231235959.000000+000", dt.from_time(253402300799))
      local s, us = dt.to_time("20240229143000.123456-300")
      assert.equal(1709235000, s)
      assert.equal(123456, us)
      assert.equal("integer", math.type(s))
      assert.equal("integer", math.type(us))
      assert.equal(0, (dt.to_time("19700101010000.000000+060")))
      assert.equal(1709235000, (dt.to_time{ year = 2024, month = 2, day = 29, hour = 19, min = 30, sec = 0 }))
    end)

    it("round-trip any os.time number, at any offset, leap days included", function()
      for _, n in ipairs{ 0, 951782400, 951868800, 1709164800, 1709251199, os.time(), -2208988800 } do
        for _, offset in ipairs{ 0, 1, -1, 330, -480, 999, -999 } do
          local s = dt.from_time(n, offset)
          assert.equal(n, (dt.to_time(s)), s)
          assert.equal(s, dt.format(dt.parse(s)))
        end
      end
      assert.equal("20000229000000.000000+000", dt.from_time(951782400))
      assert.equal("20000301000000.000000+000", dt.from_time(951868800))
      assert.equal("20240229235959.000000+000", dt.from_time(1709251199))
    end)

    it("agree with os.date('!*t')", function()
      local now = os.time()
      local t = os.date("!*t", now)
      assert.equal(dt.format(t), dt.from_time(now))
      assert.equal(now, (dt.to_time(t)))
    end)

    it("give an interval's length in seconds", function()
      local s, us = dt.to_time("00000001120032.000250:000")
      assert.equal(129632, s)
      assert.equal(250, us)
      assert.equal(86400, (dt.to_time{ interval = true, days = 1 }))
    end)

    it("refuse every bad input, naming the function and argument", function()
      local F = "^wbem%.datetime%.from_time: "
      fails(F .. "expects epoch seconds %(a finite number%), got a number %(%-?nan%)$", dt.from_time, 0 / 0)
      fails(F .. "expects epoch seconds %(a finite number%), got a number %(inf%)$", dt.from_time, math.huge)
      fails(F .. "expects epoch seconds %(a finite number%), got a number %(%-inf%)$", dt.from_time, -math.huge)
      fails(F .. "expects epoch seconds %(a finite number%), got \"0\"$", dt.from_time, "0")
      fails(F .. "expects epoch seconds %(a finite number%), got a nil %(nil%)$", dt.from_time)
      fails(F .. "a number %(253402300800%) is out of range %(years 0000 to 9999%)$", dt.from_time, 253402300800)
      fails(F .. "a number %(%-62167219201%) is out of range", dt.from_time, -62167219201)
      fails(F .. "a number %(%-1e%+20%) is out of range", dt.from_time, -1e20)
      fails(F .. "utc_offset must be an integer number of minutes, %-999 to 999, got a number %(1000%)$", dt.from_time, 0, 1000)
      fails(F .. "utc_offset must be an integer number of minutes, %-999 to 999, got a number %(1%.5%)$", dt.from_time, 0, 1.5)
      fails(F .. "utc_offset must be an integer number of minutes, %-999 to 999, got \"60\"$", dt.from_time, 0, "60")
      fails(F .. "utc_offset must be an integer number of minutes, %-999 to 999, got false$", dt.from_time, 0, false)
      local T = "^wbem%.datetime%.to_time: "
      fails(T .. '"%*%*%*%*%*%*%*%*143000%.000000%+000" has a wildcard year, so it is no point in time$',
            dt.to_time, "********143000.000000+000")
      fails(T .. ".-has a wildcard utc_offset", dt.to_time, "20240101000000.000000+***")
      fails(T .. ".-has a wildcard usec", dt.to_time, { year = 2024, month = 1, day = 1, hour = 0, min = 0, sec = 0, usec = false })
      fails(T .. "expects a CIM datetime string", dt.to_time, "2024")
      fails(T .. ".-day 31 is out of range for month 04", dt.to_time, "20240431000000.000000+000")
      fails(T .. "field 'month' is out of range", dt.to_time, { year = 2024, month = 0, day = 1, hour = 0, min = 0, sec = 0 })
      fails(T .. "expects a date table", dt.to_time, 5)
    end)
  end)
end)

describe("wbem.datetime and WMI", function()
  local svc

  lazy_setup(function() svc = wbem.connect{ namespace = "root\\cimv2" } end)
  lazy_teardown(function() wbem.close(svc) end)

  it("parses Win32_OperatingSystem.LastBootUpTime, a time before now", function()
    local found = 0
    for os_ in wbem.each(svc:ExecQuery("SELECT * FROM Win32_OperatingSystem")) do
      found = found + 1
      local t = dt.parse(os_.LastBootUpTime)
      assert.is_nil(t.interval)
      assert.equal(os_.LastBootUpTime, dt.format(t))
      local boot = dt.to_time(t)
      assert.is_true(boot <= os.time() + 60, "booted before now")
      assert.is_true(boot > os.time() - 10 * 365 * 86400, "booted in the last ten years")
      -- Wine writes LocalDateTime with two offset digits ("...+00"), which is no CIM datetime.
      local ok, err = pcall(dt.parse, os_.LocalDateTime)
      assert.is_true(ok or (#os_.LocalDateTime == 24 and err:find("expects a CIM datetime string", 1, true) ~= nil),
                     tostring(err))
    end
    assert.equal(1, found)
  end)

  it("writes a formatted Lua date to a datetime property, and reads it back #sim", function()
    local sim <close> = wbem.connect{ locator = "WbemSim.SWbemLocator", namespace = "root\\cimv2" }
    local control = wbem.create("WbemSim.Control")
    control:Reset()
    local o <close> = sim:Get('Sim_AllTypes.Name="one"')
    assert.same({ year = 2024, month = 1, day = 2, hour = 3, min = 4, sec = 5, usec = 0, utc_offset = 0 },
                dt.parse(o.When))
    for _, value in ipairs{
      dt.format{ year = 2025, month = 2, day = 28, hour = 23, min = 59, sec = 58, usec = 7, utc_offset = -90 },
      dt.from_time(os.time(), 60),
      dt.format{ year = false, month = false, day = false, hour = 14, min = 30, sec = 0, utc_offset = false },
    } do
      o.When = value
      local path <close> = o:Put_()
      local back <close> = sim:Get('Sim_AllTypes.Name="one"')
      assert.equal(value, back.When)
      assert.equal(value, dt.format(dt.parse(back.When)))
    end
    -- a date table assigned to the property goes as its CIM datetime string
    o.When = os.date("!*t", 86400)
    assert.equal("19700102000000.000000+000", o.When)
    o.When = { year = 2030, month = 6, day = 1, hour = 12, min = 0, sec = 0, utc_offset = 120 }
    do
      local path <close> = o:Put_()
      local back <close> = sim:Get('Sim_AllTypes.Name="one"')
      assert.equal("20300601120000.000000+120", back.When)
    end
    -- a bad date raises datetime's error naming the property, at the assignment's line,
    -- and the property keeps its value
    local ok, err = pcall(function() o.When = { year = 2023, month = 2, day = 30, hour = 0, min = 0, sec = 0 } end)
    assert.is_false(ok)
    assert.matches("^spec[/\\]datetime_spec%.lua:%d+: wbem: the value for 'When': day 30 is out of range", tostring(err))
    assert.equal("20300601120000.000000+120", o.When)
    control:Reset()
  end)
end)
