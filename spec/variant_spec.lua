local wbem = require "wbem"

-- VARIANT round trips through Wine's Scripting.Dictionary (code nobody here
-- wrote): Add stores the VARIANT we built, Item hands a copy back, which we
-- convert to Lua again.
describe("VARIANT conversion through Scripting.Dictionary", function()
  local dict

  before_each(function()
    dict = wbem.create("Scripting.Dictionary")
  end)

  after_each(function()
    wbem.close(dict)
  end)

  local n = 0
  local function roundtrip(v)
    n = n + 1
    local key = "k" .. n
    dict:Add(key, v)
    assert.is_true(dict:Exists(key))
    return dict:Item(key)
  end

  it("keeps UTF-8 strings beyond ASCII, including characters outside the BMP", function()
    for _, s in ipairs{ "héllo wörld", "日本語のテキスト", "Ελληνικά", "emoji 😀 and 𝄞", "\u{FFFD}\u{10FFFF}" } do
      local back = roundtrip(s)
      assert.are.equal(s, back)
      assert.are.equal(#s, #back)
    end
  end)

  it("keeps empty strings as empty strings", function()
    local back = roundtrip("")
    assert.are.equal("string", type(back))
    assert.are.equal("", back)
  end)

  it("keeps embedded zeros in strings", function()
    local s = "a\0b\0\0c\0"
    local back = roundtrip(s)
    assert.are.equal(#s, #back)
    assert.are.equal(s, back)
    -- as a key too: Keys() hands back the whole string
    local keyed = wbem.create("Scripting.Dictionary")
    keyed:Add(s, true)
    assert.are.same({ s }, keyed:Keys())
    wbem.close(keyed)
  end)

  it("keeps integers at the 32- and 64-bit edges, as integers", function()
    local values = {
      0, 1, -1, 0x7FFFFFFF, -0x80000000, 0x80000000, -0x80000001, 0xFFFFFFFF,
      0x100000000, math.maxinteger, math.mininteger, math.maxinteger - 1, math.mininteger + 1,
    }
    for _, i in ipairs(values) do
      local back = roundtrip(i)
      assert.are.equal("integer", math.type(back), "math.type of " .. i)
      assert.are.equal(i, back)
    end
  end)

  it("sends integers as VT_I4 when they fit and VT_I8 otherwise", function()
    local _, vt = wbem.core.roundtrip(0x7FFFFFFF)
    assert.are.equal(3, vt)         -- VT_I4
    _, vt = wbem.core.roundtrip(-0x80000000)
    assert.are.equal(3, vt)
    _, vt = wbem.core.roundtrip(0x80000000)
    assert.are.equal(20, vt)        -- VT_I8
    _, vt = wbem.core.roundtrip(math.mininteger)
    assert.are.equal(20, vt)
  end)

  it("keeps floats as floats, 1.0 included", function()
    for _, f in ipairs{ 1.0, 0.5, -2.25, 1e300, -1e-300, 2^53, 2^63, math.huge, -math.huge, 0.1 } do
      local back = roundtrip(f)
      assert.are.equal("float", math.type(back), "math.type of " .. f)
      assert.are.equal(f, back)
    end
    local _, vt = wbem.core.roundtrip(1.0)
    assert.are.equal(5, vt)         -- VT_R8
  end)

  it("keeps NaN a NaN", function()
    local back = roundtrip(0 / 0)
    assert.are_not.equal(back, back)
  end)

  it("keeps booleans", function()
    assert.is_true(roundtrip(true))
    assert.is_false(roundtrip(false))
    local _, vt = wbem.core.roundtrip(true)
    assert.are.equal(11, vt)        -- VT_BOOL
  end)

  it("sends nil as VT_EMPTY and reads it back as nil", function()
    dict:Add("nothing", nil)
    assert.is_true(dict:Exists("nothing"))
    assert.is_nil(dict:Item("nothing"))
    local _, vt = wbem.core.roundtrip(nil)
    assert.are.equal(0, vt)
  end)

  it("turns sequences into arrays and back", function()
    local t = { 1, "two", 3.5, true, false, "" }
    local back = roundtrip(t)
    assert.are.same(t, back)
    assert.are.equal("integer", math.type(back[1]))
    local _, vt = wbem.core.roundtrip(t)
    assert.are.equal(0x200C, vt)    -- VT_ARRAY | VT_VARIANT
  end)

  it("turns nested tables into nested arrays and back", function()
    local t = { { 1, 2 }, { 3, { 4, { "five", {} } } }, {} }
    assert.are.same(t, roundtrip(t))
  end)

  it("keeps an empty table an empty array", function()
    local back = roundtrip({})
    assert.are.equal("table", type(back))
    assert.are.equal(0, #back)
  end)

  it("passes bridged objects and gets the same COM object back", function()
    local other = wbem.create("Scripting.Dictionary")
    other:Add("x", 42)
    local back = roundtrip(other)
    assert.is_true(wbem.is_object(back))
    assert.are.equal(42, back:Item("x"))
    assert.are.equal(other, back)   -- same IUnknown, different userdata
    assert.is_false(rawequal(other, back))
    -- arrays of objects too
    local arr = roundtrip({ other, other })
    assert.are.equal(other, arr[2])
    wbem.close(other)
  end)

  it("sends os.date-shaped tables as VT_DATE and reads dates as ISO 8601 strings", function()
    local d = { year = 2024, month = 2, day = 29, hour = 13, min = 5, sec = 9 }
    assert.are.equal("2024-02-29T13:05:09", roundtrip(d))
    assert.are.equal("1999-12-31T00:00:00", roundtrip({ year = 1999, month = 12, day = 31 }))
    local _, vt = wbem.core.roundtrip(d)
    assert.are.equal(7, vt)         -- VT_DATE
  end)
end)

describe("VARIANT conversion refuses bad input with a clear Lua error", function()
  local dict

  before_each(function()
    dict = wbem.create("Scripting.Dictionary")
  end)

  after_each(function()
    wbem.close(dict)
  end)

  it("refuses invalid UTF-8 and leaves the target untouched", function()
    for _, bad in ipairs{ "\xff", "abc\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80" } do
      local ok, err = pcall(dict.Add, dict, "k", bad)
      assert.is_false(ok)
      assert.matches("not valid UTF%-8", tostring(err))
    end
    assert.are.equal(0, dict.Count)
    local ok, err = pcall(dict.Add, dict, "\xfe", 1)
    assert.is_false(ok)
    assert.matches("not valid UTF%-8", err)
  end)

  it("refuses tables that are not sequences", function()
    local ok, err = pcall(dict.Add, dict, "k", { a = 1 })
    assert.is_false(ok)
    assert.matches("must be a sequence", err)
    ok, err = pcall(dict.Add, dict, "k", { 1, 2, [4] = 4 })
    assert.is_false(ok)
    assert.matches("sequence", err)
    ok, err = pcall(dict.Add, dict, "k", { { 1 }, { x = 1 } })
    assert.is_false(ok)
    assert.matches("sequence", err)
    assert.are.equal(0, dict.Count)
  end)

  it("refuses a table that contains itself", function()
    local t = {}
    t[1] = t
    local ok, err = pcall(dict.Add, dict, "k", t)
    assert.is_false(ok)
    assert.matches("nested too deeply", err)
  end)

  it("refuses values COM has no type for", function()
    for _, v in ipairs{ print, coroutine.create(print), io.stdout } do
      local ok, err = pcall(dict.Add, dict, "k", v)
      assert.is_false(ok)
      assert.matches("wbem: argument #2 to 'Add': cannot pass a %a+ to COM", err)
    end
    assert.are.equal(0, dict.Count)
  end)

  it("refuses a closed object as an argument", function()
    local other = wbem.create("Scripting.Dictionary")
    wbem.close(other)
    local ok, err = pcall(dict.Add, dict, "k", other)
    assert.is_false(ok)
    assert.matches("argument #2 to 'Add': object is closed", err)
  end)

  it("names the argument it refuses, or the property whose value it refuses, at the caller's line", function()
    local err = select(2, pcall(function() dict:Add(print, 1) end))
    assert.matches("^spec[/\\]variant_spec%.lua:%d+: wbem: argument #1 to 'Add': cannot pass a function to COM$", err)
    err = select(2, pcall(function() dict:Add("k", { 1, nil, 3 }) end))
    assert.matches("^spec[/\\]variant_spec%.lua:%d+: wbem: argument #2 to 'Add': .*sequence", err)
    err = select(2, pcall(function() dict:Add("k\xff", 1) end))
    assert.matches("wbem: argument #1 to 'Add': string is not valid UTF%-8", err)
    err = select(2, pcall(function() dict.CompareMode = print end))
    assert.matches("^spec[/\\]variant_spec%.lua:%d+: wbem: the value for 'CompareMode': cannot pass a function to COM$", err)
    assert.are.equal(0, dict.Count)
  end)

  it("does not leak what it converted before a bad argument", function()
    -- the first arguments convert to BSTRs, the second fails: no crash, no
    -- half-made call, and the dictionary still works afterwards
    for _ = 1, 200 do
      local ok = pcall(dict.Add, dict, ("x"):rep(1000), "\xff")
      assert.is_false(ok)
    end
    collectgarbage()
    dict:Add("fine", 1)
    assert.are.equal(1, dict.Count)
  end)

  it("refuses malformed dates", function()
    local ok, err = pcall(dict.Add, dict, "k", { year = 2024, month = 13, day = 1 })
    assert.is_false(ok)
    assert.matches("month", err)
    ok, err = pcall(dict.Add, dict, "k", { year = 2024 })
    assert.is_false(ok)
    assert.matches("month", err)
  end)

  -- SystemTimeToVariantTime would carry a day past the month's end into the next month.
  it("refuses a day the month does not have, naming the field and the month's length", function()
    local refused = {
      { { year = 2023, month = 2, day = 30 }, "'day' is 30, but 2023%-02 has 28 days" },
      { { year = 2023, month = 2, day = 29 }, "'day' is 29, but 2023%-02 has 28 days" },
      { { year = 1900, month = 2, day = 29 }, "'day' is 29, but 1900%-02 has 28 days" }, -- not leap: /100
      { { year = 2100, month = 2, day = 29 }, "2100%-02 has 28 days" },
      { { year = 2024, month = 2, day = 30 }, "2024%-02 has 29 days" },
      { { year = 2023, month = 4, day = 31 }, "'day' is 31, but 2023%-04 has 30 days" },
      { { year = 2023, month = 6, day = 31 }, "2023%-06 has 30 days" },
      { { year = 2023, month = 9, day = 31 }, "2023%-09 has 30 days" },
      { { year = 2023, month = 11, day = 31 }, "2023%-11 has 30 days" },
      { { year = 2023, month = 1, day = 32 }, "'day' must be an integer in 1%.%.31" },
      { { year = 2023, month = 1, day = 0 }, "'day' must be an integer in 1%.%.31" },
      { { year = 2023, month = 1, day = 1, hour = 24 }, "'hour' must be an integer in 0%.%.23" },
      { { year = 2023, month = 1, day = 1, min = 60 }, "'min' must be an integer in 0%.%.59" },
      { { year = 2023, month = 1, day = 1, sec = 60 }, "'sec' must be an integer in 0%.%.59" },
      { { year = 2023, month = 1, day = 1.5 }, "'day' must be an integer" },
      { { year = 2023, month = 0, day = 1 }, "'month' must be an integer in 1%.%.12" },
    }
    for _, case in ipairs(refused) do
      local ok, err = pcall(dict.Add, dict, "k", case[1])
      assert.is_false(ok)
      assert.matches("wbem: argument #2 to 'Add': date field '", err)
      assert.matches(case[2], err)
      ok, err = pcall(wbem.core.roundtrip, case[1])
      assert.is_false(ok)
      assert.matches(case[2], err)
    end
    assert.are.equal(0, dict.Count)
  end)

  it("accepts the last day of every month, and 29 February of leap years", function()
    local accepted = {
      { { year = 2024, month = 2, day = 29 }, "2024-02-29T00:00:00" },
      { { year = 2000, month = 2, day = 29 }, "2000-02-29T00:00:00" },   -- leap: /400
      { { year = 1600, month = 2, day = 29 }, "1600-02-29T00:00:00" },
      { { year = 2023, month = 1, day = 31 }, "2023-01-31T00:00:00" },
      { { year = 2023, month = 2, day = 28 }, "2023-02-28T00:00:00" },
      { { year = 2023, month = 4, day = 30 }, "2023-04-30T00:00:00" },
      { { year = 2023, month = 12, day = 31, hour = 23, min = 59, sec = 59 }, "2023-12-31T23:59:59" },
    }
    for _, case in ipairs(accepted) do
      assert.are.equal(case[2], (wbem.core.roundtrip(case[1])))
    end
  end)
end)

-- Wine's VBScript engine (through MSScriptControl.ScriptControl) is a second
-- automation implementation nobody here wrote: its functions hand back VARIANT
-- types the dictionary never produces, and VarType() tells what we sent it.
describe("VARIANT conversion against Wine's VBScript engine #wine", function()
  local sc, vb

  lazy_setup(function()
    sc = wbem.create("MSScriptControl.ScriptControl")
    sc.Language = "VBScript"
    sc:AddCode([[
Function Kind(v)
  Kind = VarType(v)
End Function
Function Typed()
  Typed = Array(CByte(200), CInt(-3), CLng(70000), CSng(1.5), CDbl(2.25), CCur(12.5), _
                CBool(True), Null, Empty, DateSerial(2020, 1, 2) + TimeSerial(3, 4, 5))
End Function
Function Grid()
  Dim g(1, 2)
  g(0, 0) = 1 : g(0, 1) = 2 : g(0, 2) = 3
  g(1, 0) = 4 : g(1, 1) = 5 : g(1, 2) = 6
  Grid = g
End Function
Function Len2(s)
  Len2 = Len(s)
End Function
Function Sum(a)
  Dim x, t : t = 0
  For Each x In a : t = t + x : Next
  Sum = t
End Function
]])
    vb = sc.CodeObject
  end)

  lazy_teardown(function()
    wbem.close(vb)
    wbem.close(sc)
  end)

  it("sends each Lua type as the VARIANT type VBScript sees", function()
    assert.are.equal(0, vb:Kind(nil))               -- vbEmpty
    assert.are.equal(3, vb:Kind(7))                 -- vbLong
    assert.are.equal(5, vb:Kind(1.0))               -- vbDouble
    assert.are.equal(8, vb:Kind("s"))               -- vbString
    assert.are.equal(11, vb:Kind(false))            -- vbBoolean
    assert.are.equal(7, vb:Kind({ year = 2020, month = 1, day = 2 }))  -- vbDate
    assert.are.equal(8204, vb:Kind({ 1, 2 }))       -- vbArray + vbVariant
    assert.are.equal(9, vb:Kind(vb))                -- vbObject
  end)

  it("counts UTF-16 units as VBScript does, embedded zeros included", function()
    assert.are.equal(5, vb:Len2("héllo"))
    assert.are.equal(2, vb:Len2("😀"))               -- one surrogate pair
    assert.are.equal(3, vb:Len2("a\0b"))
    assert.are.equal(0, vb:Len2(""))
  end)

  it("hands arrays to VBScript that it can iterate", function()
    assert.are.equal(10, vb:Sum({ 1, 2, 3, 4 }))
    assert.are.equal(0, vb:Sum({}))
  end)

  it("reads VT_UI1, VT_I2, VT_I4, VT_R4, VT_R8, VT_CY, VT_BOOL, VT_NULL, VT_EMPTY and VT_DATE", function()
    local t = vb:Typed()
    assert.are.equal(200, t[1]); assert.are.equal("integer", math.type(t[1]))
    assert.are.equal(-3, t[2]); assert.are.equal("integer", math.type(t[2]))
    assert.are.equal(70000, t[3]); assert.are.equal("integer", math.type(t[3]))
    assert.are.equal(1.5, t[4]); assert.are.equal("float", math.type(t[4]))
    assert.are.equal(2.25, t[5])
    assert.are.equal(12.5, t[6]); assert.are.equal("float", math.type(t[6]))
    assert.is_true(t[7])
    assert.is_nil(t[8])
    assert.is_nil(t[9])
    assert.are.equal("2020-01-02T03:04:05", t[10])
  end)

  it("reads a two-dimensional array as nested sequences, first index outermost", function()
    assert.are.same({ { 1, 2, 3 }, { 4, 5, 6 } }, vb:Grid())
  end)
end)

-- VARIANT types no Lua value becomes, made with oleaut32's VariantChangeType.
describe("VARIANT types reached through VariantChangeType", function()
  local rt = wbem.core.roundtrip
  local VT_I1, VT_UI2, VT_UI4, VT_UI8, VT_R4, VT_CY, VT_DATE, VT_DECIMAL = 16, 18, 19, 21, 4, 6, 7, 14

  it("reads VT_UI8 as an integer up to math.maxinteger and as a decimal string above", function()
    local v, vt = rt("9223372036854775807", VT_UI8)
    assert.are.equal(VT_UI8, vt)
    assert.are.equal(math.maxinteger, v)
    assert.are.equal("integer", math.type(v))
    assert.are.equal("9223372036854775808", (rt("9223372036854775808", VT_UI8)))
    assert.are.equal("18446744073709551615", (rt("18446744073709551615", VT_UI8)))
  end)

  it("reads the small and unsigned integer types as integers", function()
    assert.are.equal(-5, (rt(-5, VT_I1)))
    assert.are.equal(65535, (rt(65535, VT_UI2)))
    local v = rt(4294967295, VT_UI4)
    assert.are.equal(4294967295, v)
    assert.are.equal("integer", math.type(v))
  end)

  it("reads VT_R4, VT_CY and VT_DECIMAL as floats", function()
    assert.are.equal(1.5, (rt(1.5, VT_R4)))
    assert.are.equal(12.5, (rt(12.5, VT_CY)))
    local d, vt = rt("123.25", VT_DECIMAL)
    assert.are.equal(VT_DECIMAL, vt)
    assert.are.equal(123.25, d)
    assert.are.equal("float", math.type(d))
  end)

  it("reads VT_DATE with milliseconds and before 1899-12-30", function()
    assert.are.equal("2023-03-15T12:00:00", (rt(45000.5, VT_DATE)))
    assert.are.equal("2023-03-15T00:00:01.500", (rt(45000 + 1.5 / 86400, VT_DATE)))
    assert.are.equal("1899-12-29T06:00:00", (rt(-1.25, VT_DATE)))
  end)

  it("reads a SAFEARRAY of typed elements (VT_ARRAY|VT_UI1) as a sequence", function()
    -- oleaut32 turns a BSTR into the bytes of its UTF-16 text
    local bytes, vt = rt("ab\0c", 0x2011)
    assert.are.equal(0x2011, vt)
    assert.are.same({ 97, 0, 98, 0, 0, 0, 99, 0 }, bytes)
    assert.are.equal("integer", math.type(bytes[1]))
  end)

  it("reports a conversion oleaut32 refuses as an error object", function()
    local ok, err = pcall(rt, "abc", 3)
    assert.is_false(ok)
    assert.are.equal("DISP_E_TYPEMISMATCH", err.name)
  end)
end)
