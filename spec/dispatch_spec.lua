local wbem = require "wbem"

-- The bridged object, exercised on Wine's Scripting.Dictionary (type
-- information from its IDispatch) and on Wine's WMI objects.
describe("a bridged object", function()
  local dict

  before_each(function()
    dict = wbem.create("Scripting.Dictionary")
  end)

  after_each(function()
    wbem.close(dict)
  end)

  it("reads and writes properties #smoke", function()
    assert.are.equal(0, dict.Count)
    assert.are.equal(0, dict.CompareMode)
    dict.CompareMode = 1            -- text comparison: keys become case-insensitive
    assert.are.equal(1, dict.CompareMode)
    dict:Add("Key", "v")
    assert.is_true(dict:Exists("KEY"))
    assert.are.equal(1, dict.Count)
  end)

  it("calls methods with arguments, as obj:M(...) and as obj.M(obj, ...) #smoke", function()
    dict:Add("a", 1)
    dict.Add(dict, "b", 2)
    assert.are.equal(2, dict.Count)
    assert.is_true(dict:Exists("b"))
    assert.is_true(dict.Exists(dict, "a"))
    assert.is_false(dict:Exists("c"))
  end)

  it("reads a property that takes arguments by calling it", function()
    dict:Add("a", "alpha")
    assert.are.equal("alpha", dict:Item("a"))
    assert.are.equal("method", (wbem.core.member(dict, "Item")))
  end)

  it("names COM members case-insensitively", function()
    dict:add("x", 1)
    assert.are.equal(1, dict.count)
    assert.are.equal(1, dict.COUNT)
  end)

  it("never calls a method when a name is read", function()
    dict:Add("a", 1)
    dict:Add("b", 2)
    local f = dict.RemoveAll          -- a read: must not remove anything
    assert.are.equal("function", type(f))
    assert.are.equal(2, dict.Count)
    f(dict)                           -- the call does
    assert.are.equal(0, dict.Count)
  end)

  it("decides method or property from type information", function()
    local kind, source = wbem.core.member(dict, "Count")
    assert.are.equal("property", kind)
    assert.are.equal("typeinfo", source)
    kind, source = wbem.core.member(dict, "Add")
    assert.are.equal("method", kind)
    assert.are.equal("typeinfo", source)
  end)

  it("refuses a method used on an object it does not belong to", function()
    local other = wbem.create("Scripting.Dictionary")
    local ok, err = pcall(dict.Add, other, "k", 1)
    assert.is_false(ok)
    assert.matches("does not belong to", err)
    assert.are.equal(0, other.Count)
    ok, err = pcall(dict.Add)
    assert.is_false(ok)
    assert.matches("obj:Add%(%.%.%.%)", err)
    wbem.close(other)
  end)

  it("refuses too many arguments before calling COM", function()
    local ok, err = pcall(function() return dict:Exists("a", "b") end)
    assert.is_false(ok)
    assert.matches("too many arguments to Exists %(2 given, at most 1%)", err)
    ok, err = pcall(function() return dict:Add("a", 1, 2) end)
    assert.is_false(ok)
    assert.matches("too many arguments to Add", err)
    assert.are.equal(0, dict.Count)
  end)

  it("turns a wrong argument count COM reports into a clear error", function()
    local ok, err = pcall(function() return dict:Add("only the key") end)
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.matches("Add", tostring(err))
  end)

  it("refuses wrong argument types with a clear error", function()
    local ok, err = pcall(function() dict.CompareMode = "not a number" end)
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.are.equal(wbem.hresults.DISP_E_TYPEMISMATCH, err.hresult)
    assert.matches("set Dictionary%.CompareMode", tostring(err))
    ok, err = pcall(function() return dict[42] end)
    assert.is_false(ok)
    assert.matches("named by strings", err)
    ok, err = pcall(function() return dict["Count\0junk"] end)
    assert.is_false(ok)
    assert.matches("cannot contain a zero byte", err)
    ok, err = pcall(function() return dict["\xffCount"] end)
    assert.is_false(ok)
    assert.matches("not valid UTF%-8", err)
  end)

  it("gives a structured error for a property that does not exist", function()
    local ok, err = pcall(function() return dict.NoSuchProperty end)
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.are.equal(0x80020006, err.hresult)
    assert.are.equal("DISP_E_UNKNOWNNAME", err.name)
    assert.matches("NoSuchProperty", err.message)
    assert.matches("^wbem: get Dictionary%.NoSuchProperty: DISP_E_UNKNOWNNAME %(0x80020006%)",
      tostring(err))
    ok, err = pcall(function() dict.NoSuchProperty = 1 end)
    assert.is_false(ok)
    assert.matches("set Dictionary%.NoSuchProperty", tostring(err))
  end)

  it("refuses assignments to methods and to read-only properties", function()
    local ok, err = pcall(function() dict.Add = 1 end)
    assert.is_false(ok)
    assert.matches("'Add' is a method", err)
    ok, err = pcall(function() dict.Count = 5 end)
    assert.is_false(ok)
    assert.matches("read%-only", err)
  end)

  it("describes itself with __tostring and __name", function()
    assert.matches("^wbem%.object: Dictionary %(%x+%)$", tostring(dict))
    assert.are.equal("wbem.object", getmetatable(dict).__name)
  end)

  it("compares equal to another bridge of the same COM object", function()
    dict:Add("self", dict)
    local again = dict:Item("self")
    assert.is_false(rawequal(dict, again))
    assert.are.equal(dict, again)
    local other = wbem.create("Scripting.Dictionary")
    assert.are_not.equal(dict, other)
    wbem.close(other)
    dict:RemoveAll()                -- breaks the reference cycle inside COM
  end)

  it("calls any name as a method through wbem.call", function()
    dict:Add("a", 1)
    assert.is_true(wbem.call(dict, "Exists", "a"))
    assert.are.equal(1, wbem.call(dict, "Item", "a"))
  end)

  it("answers extension methods first, for their exact key only", function()
    wbem.core.extend{ describe_me = function(self) return "ext:" .. tostring(self.Count) end }
    dict:Add("a", 1)
    assert.are.equal("ext:1", dict:describe_me())
    local ok, err = pcall(function() return dict.Describe_Me end)
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    wbem.core.extend{ describe_me = false }
    ok = pcall(function() return dict:describe_me() end)
    assert.is_false(ok)
  end)

  it("iterates a collection with wbem.each, also with break #smoke", function()
    for _, k in ipairs{ "a", "b", "c" } do dict:Add(k, k:upper()) end
    local keys = {}
    for k in wbem.each(dict) do keys[#keys + 1] = k end
    assert.are.same({ "a", "b", "c" }, keys)
    local first
    for k in wbem.each(dict) do
      first = k
      break
    end
    assert.are.equal("a", first)
    assert.are.equal(3, dict.Count)
  end)

  it("refuses wbem.each on a non-collection", function()
    local ok, err = pcall(wbem.each, 42)
    assert.is_false(ok)
    assert.matches("wbem.object expected", err)
    -- an object that is not a collection (Wine's WMI: its SWbemObject has no _NewEnum)
    local svc <close> = wbem.connect{}
    local cls <close> = svc:Get("Win32_Process")
    ok, err = pcall(wbem.each, cls)
    assert.is_false(ok)
    assert.matches("wbem.each: the object is an SWbemObject, which is not a collection %(it has no "
                   .. "_NewEnum%)", err)
  end)
end)

describe("releasing a bridged object", function()
  it("closes with wbem.close; every later use is a clear error; closing twice is fine", function()
    local dict = wbem.create("Scripting.Dictionary")
    local add = dict.Add
    wbem.close(dict)
    wbem.close(dict)
    for _, use in ipairs{
      function() return dict.Count end,
      function() dict.CompareMode = 1 end,
      function() return dict:Exists("a") end,
      function() return add(dict, "k", 1) end,
      function() return wbem.each(dict) end,
      function() return wbem.call(dict, "Exists", "a") end,
    } do
      local ok, err = pcall(use)
      assert.is_false(ok)
      assert.matches("object is closed", err)
    end
    assert.are.equal("wbem.object: closed", tostring(dict))
    assert.is_false(wbem.core.is_open(dict))
    -- still an object, but one the collector has nothing to finalize for
    assert.is_true(wbem.core.is_object(dict))
    assert.are.equal("wbem.object", getmetatable(dict).__name)
    assert.is_nil(getmetatable(dict).__gc)
    assert.is_function(getmetatable(wbem.create("Scripting.Dictionary")).__gc)
    wbem.close(dict)
    -- closed by __close, which gets the error value as well: only the object changes
    pcall(function()
      local d <close> = wbem.create("Scripting.Dictionary")
      error("out")
    end)
    do
      local d <close> = wbem.create("Scripting.Dictionary")
    end
    assert.is_nil(getmetatable(nil))
    assert.are.equal("nil", tostring(nil))
    assert.are.equal("X", ("x"):upper())
    -- is_open tells the three apart: open, closed, and not an object at all
    assert.is_nil(wbem.core.is_open({}))
    assert.is_nil(wbem.core.is_open(nil))
    assert.is_nil(wbem.core.is_open(io.stdout))
  end)

  it("closes with obj:close(), leaving COM's own Close to obj:Close() #wine", function()
    local dict = wbem.create("Scripting.Dictionary")
    dict:close()
    dict:close()
    local ok, err = pcall(function() return dict.Count end)
    assert.is_false(ok)
    assert.matches("object is closed", err)
    local sc = wbem.create("MSScriptControl.ScriptControl")
    sc.Language = "VBScript"
    sc:AddCode("Function Close() : Close = \"COM's Close\" : End Function")
    local vb = sc.CodeObject
    assert.are.equal("COM's Close", vb:Close())
    vb:close()
    sc:close()
    assert.is_false(wbem.core.is_open(vb))
  end)

  it("closes at the end of a <close> scope", function()
    local kept
    do
      local dict <close> = wbem.create("Scripting.Dictionary")
      dict:Add("a", 1)
      kept = dict
      assert.is_true(wbem.core.is_open(kept))
    end
    assert.is_false(wbem.core.is_open(kept))
    local ok, err = pcall(function() return kept.Count end)
    assert.is_false(ok)
    assert.matches("object is closed", err)
  end)

  it("closes a <close> object when the scope ends with an error", function()
    local kept
    local ok = pcall(function()
      local dict <close> = wbem.create("Scripting.Dictionary")
      kept = dict
      error("boom")
    end)
    assert.is_false(ok)
    assert.is_false(wbem.core.is_open(kept))
  end)

  it("releases garbage through __gc without crashing", function()
    local svc = wbem.connect()
    for _ = 1, 50 do
      local d = wbem.create("Scripting.Dictionary")
      d:Add("a", { 1, 2, 3 })
      local _ = d.Add                 -- bound method: a cycle through the cache
      local os = svc:ExecQuery("SELECT * FROM Win32_OperatingSystem")
      for o in wbem.each(os) do local _ = o.Caption end
    end
    collectgarbage()
    collectgarbage()
    local d = wbem.create("Scripting.Dictionary")
    d:Add("still", "works")
    assert.are.equal("works", d:Item("still"))
    wbem.close(d)
    wbem.close(svc)
  end)
end)

describe("creating and binding objects", function()
  it("gives an error object for an unknown progid", function()
    local ok, err = pcall(wbem.create, "No.Such.Progid")
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.are.equal(0x800401F3, err.hresult)
    assert.are.equal("CO_E_CLASSSTRING", err.name)
    assert.matches("create No%.Such%.Progid", tostring(err))
  end)

  it("gives REGDB_E_CLASSNOTREG for an unregistered CLSID", function()
    local ok, err = pcall(wbem.create, "{00000000-0000-0000-0000-0000000000AB}")
    assert.is_false(ok)
    assert.are.equal(wbem.hresults.REGDB_E_CLASSNOTREG, err.hresult)
  end)

  it("refuses arguments that are not strings", function()
    assert.has_error(function() wbem.create(nil) end, "wbem.create: expects a progid string, got a nil")
    assert.has_error(function() wbem.get({}) end, "wbem.get: expects a moniker string, got a table")
    assert.has_error(function() wbem.get("winmgmts:\xff") end,
                     "wbem.get: the moniker is not valid UTF-8 (a bad byte at offset 9)")
    assert.has_error(function() wbem.create("Scripting.\xc0\x80") end,
                     "wbem.create: the progid is not valid UTF-8 (a bad byte at offset 10)")
  end)

  it("gives an error object for a moniker nobody parses", function()
    local ok, err = pcall(wbem.get, "nosuchmoniker:xyz")
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.is_true(err.hresult >= 0x80000000)
    assert.matches("get nosuchmoniker:xyz", tostring(err))
  end)
end)

describe("out parameters and objects without type information (Wine's VBScript) #wine", function()
  local sc, vb

  lazy_setup(function()
    sc = wbem.create("MSScriptControl.ScriptControl")
    sc.Language = "VBScript"
    sc:AddCode([[
Sub SetIt(ByRef x)
  x = 42
End Sub
Function Pair(ByRef a, n, ByRef b)
  a = "first" : b = Array(n, n * 2)
  Pair = "result"
End Function
Function Many(d, ByRef a)
  a = "out " & d.Count : Many = d.Items()
End Function
Class Counter
  Public Count
  Private Sub Class_Initialize() : Count = 0 : End Sub
  Public Function Bump() : Count = Count + 1 : Bump = Count : End Function
  Public Property Get Twice() : Twice = Count * 2 : End Property
End Class
Function NewCounter() : Set NewCounter = New Counter : End Function
]])
    vb = sc.CodeObject
  end)

  lazy_teardown(function()
    wbem.close(vb)
    wbem.close(sc)
  end)

  it("returns wbem.out slots after the result, in order", function()
    local rv, x = vb:SetIt(wbem.out)
    assert.is_nil(rv)
    assert.are.equal(42, x)
    local r, a, b = vb:Pair(wbem.out, 5, wbem.out)
    assert.are.equal("result", r)
    assert.are.equal("first", a)
    assert.are.same({ 5, 10 }, b)
  end)

  it("keeps a call's out values when a finalizer makes a call while they are converted", function()
    -- a collector step runs finalizers wherever the bridge allocates, here while the
    -- result is converted and before the out values are: the finalizer's own call must
    -- not take the interrupted call's buffer of VARIANTs
    local inner, bad = 0, 0
    local meta = { __gc = function()
      inner = inner + 1
      local r, a, b = vb:Pair(wbem.out, 7, wbem.out)
      if r ~= "result" or a ~= "first" or b[2] ~= 14 then bad = bad + 1 end
    end }
    local items <close> = wbem.create("Scripting.Dictionary")
    for i = 0, 100 do items:Add(i, "item number " .. i) end
    collectgarbage("incremental", 10, 1000)
    local ok, err = pcall(function()
      for _ = 1, 300 do
        for _ = 1, 20 do setmetatable({}, meta) end
        -- 101 strings made while the result is converted, then the out value
        local r, a = vb:Many(items, wbem.out)
        assert(#r == 101 and r[101] == "item number 100" and a == "out 101",
               "the interrupted call's values")
      end
    end)
    collectgarbage("generational")
    collectgarbage()
    assert(ok, err)
    assert.is_true(inner > 100, "finalizers that ran: " .. inner)
    assert.are.equal(0, bad)
  end)

  it("refuses too many arguments to a script function before calling it", function()
    local ok, err = pcall(function() return vb:SetIt(wbem.out, 2) end)
    assert.is_false(ok)
    assert.matches("too many arguments to SetIt %(2 given, at most 1%)", err)
  end)

  it("reads names of an object that tells nothing as properties only", function()
    local c = vb:NewCounter()
    assert.are.same({ "property", "none" }, { wbem.core.member(c, "Bump") })
    -- reading Bump must not run it: VBScript refuses a plain property get of a function
    local ok, err = pcall(function() return c.Bump end)
    assert.is_false(ok)
    assert.matches("wbem%.call%(obj, \"Bump\"", tostring(err))
    assert.are.equal(0, c.Count)
    -- an explicit call does
    assert.are.equal(1, wbem.call(c, "Bump"))
    assert.are.equal(1, c.Count)
    assert.are.equal(2, c.Twice)
    c.Count = 10
    assert.are.equal(20, c.Twice)
    wbem.close(c)
  end)
end)

-- VBScript runs Class_Terminate when the last reference to an instance goes:
-- a counter of live instances shows every reference we take is given back.
describe("references to COM objects #wine", function()
  local sc, vb

  local function alive() return sc:Eval("Alive") end

  lazy_setup(function()
    sc = wbem.create("MSScriptControl.ScriptControl")
    sc.Language = "VBScript"
    sc:AddCode([[
Dim Alive : Alive = 0
Class Probe
  Public Value
  Private Sub Class_Initialize() : Alive = Alive + 1 : End Sub
  Private Sub Class_Terminate() : Alive = Alive - 1 : End Sub
End Class
Function NewProbe() : Set NewProbe = New Probe : End Function
Function Keep(o) : Keep = IsObject(o) : End Function
]])
    vb = sc.CodeObject
  end)

  lazy_teardown(function()
    wbem.close(vb)
    wbem.close(sc)
  end)

  before_each(function()
    collectgarbage()
    collectgarbage()
    assert.are.equal(0, alive())
  end)

  it("are given back by wbem.close", function()
    local p = vb:NewProbe()
    assert.are.equal(1, alive())
    wbem.close(p)
    assert.are.equal(0, alive())
  end)

  it("are given back at the end of a <close> scope", function()
    do
      local p <close> = vb:NewProbe()
      assert.are.equal(1, alive())
    end
    assert.are.equal(0, alive())
  end)

  it("are given back by the garbage collector", function()
    for _ = 1, 20 do
      local p = vb:NewProbe()
      local _ = p.Value
    end
    assert.are.equal(20, alive())
    collectgarbage()
    collectgarbage()
    assert.are.equal(0, alive())
  end)

  it("are given back after a call, and after a call that failed on a later argument", function()
    local p = vb:NewProbe()
    assert.is_true(vb:Keep(p))
    local dict = wbem.create("Scripting.Dictionary")
    for _ = 1, 5 do
      assert.is_false(pcall(dict.Add, dict, p, "\xff"))
      assert.is_false(pcall(dict.Add, dict, { p, p }, print))
    end
    wbem.close(dict)
    wbem.close(p)
    collectgarbage()
    collectgarbage()
    assert.are.equal(0, alive())
  end)

  it("are given back at once when a call fails on a later argument, with no collection", function()
    local p = vb:NewProbe()
    local dict = wbem.create("Scripting.Dictionary")
    collectgarbage("stop")
    for _ = 1, 5 do
      assert.is_false(pcall(dict.Add, dict, p, print))
      assert.is_false(pcall(dict.Add, dict, { p, p }, print))
    end
    wbem.close(dict)
    wbem.close(p)
    local left = alive()
    collectgarbage("restart")
    assert.are.equal(0, left)
  end)

  it("inside arrays are given back", function()
    local p = vb:NewProbe()
    local dict = wbem.create("Scripting.Dictionary")
    dict:Add("arr", { p, { p } })
    local back = dict:Item("arr")
    assert.are.equal(p, back[2][1])
    wbem.close(dict)
    wbem.close(p)
    back = nil
    collectgarbage()
    collectgarbage()
    assert.are.equal(0, alive())
  end)
end)

-- What a type says about a name is shared by every object of that type (member.c), and
-- what WMI says is asked of each object: neither may make one object's answer another's.
describe("what is known about a name, shared between objects #sim", function()
  local simfix = require "spec.support.simfix"
  local control, svc

  -- A class of the simulator with a [key] Name and the given uint32 properties.
  local function define(name, props)
    local class <close> = svc:Get()
    class.Path_.Class = name
    local key <close> = class.Properties_:Add("Name", 8)
    local q <close> = key.Qualifiers_:Add("key", true)
    for _, p in ipairs(props) do
      local prop <close> = class.Properties_:Add(p, 19)
    end
    local path <close> = class:Put_()
  end

  local function instance(class, name, values)
    local cls <close> = svc:Get(class)
    local o <close> = cls:SpawnInstance_()
    o.Name = name
    for k, v in pairs(values) do o[k] = v end
    local path <close> = o:Put_()
  end

  local function fresh(path) return svc:Get(path) end

  before_each(function()
    control = simfix.control()
    control:Reset()
    svc = simfix.connect()
  end)

  after_each(function()
    svc:close()
    assert.equal(0, simfix.live(control))
    control:Reset()
    control:close()
  end)

  it("a WMI property named like a typed method of another interface stays a property", function()
    define("LuaSpec_HasAdd", { "Add", "Item" })
    define("LuaSpec_NoAdd", { "Size" })
    instance("LuaSpec_HasAdd", "a", { Add = 7, Item = 8 })
    instance("LuaSpec_NoAdd", "b", { Size = 9 })
    for round = 1, 3 do   -- the first round fills the shared tables, the others read them
      local props <close> = svc:Get("LuaSpec_HasAdd").Properties_   -- SWbemPropertySet.Add: a method
      assert.are.equal("function", type(props.Add))
      assert.are.same({ "method", "typeinfo" }, { wbem.core.member(props, "Add") })
      local a <close> = fresh('LuaSpec_HasAdd.Name="a"')
      assert.are.equal(7, a.Add)
      assert.are.equal(8, a.Item)
      assert.are.same({ "property", "wmi" }, { wbem.core.member(a, "Add") })
      local nv = wbem.create("WbemSim.SWbemNamedValueSet")     -- SWbemNamedValueSet.Add too
      assert.are.same({ "method", "typeinfo" }, { wbem.core.member(nv, "Add") })
      nv:Add("k", round)
      assert.are.equal(1, nv.Count)
      nv:close()
      local b <close> = fresh('LuaSpec_NoAdd.Name="b"')
      assert.are.equal(9, b.Size)
      local ok, err = pcall(function() return b.Add end)
      assert.is_false(ok)
      assert.matches("no property or method named 'Add'", err.message)
    end
  end)

  it("the same class name in two namespaces: each object answers for itself", function()
    define("LuaSpec_Twin", { "Size" })
    instance("LuaSpec_Twin", "t", { Size = 1 })
    local cim = simfix.connect("root\\cimv2")
    local saved = svc
    svc = cim
    define("LuaSpec_Twin", { "Weight" })
    instance("LuaSpec_Twin", "t", { Weight = 2 })
    svc = saved
    for _ = 1, 2 do
      local d <close> = svc:Get('LuaSpec_Twin.Name="t"')
      local c <close> = cim:Get('LuaSpec_Twin.Name="t"')
      assert.are.equal(1, d.Size)
      assert.are.equal(2, c.Weight)
      assert.is_false(pcall(function() return d.Weight end))
      assert.is_false(pcall(function() return c.Size end))
    end
    local cls <close> = cim:Get("LuaSpec_Twin")
    cls:Delete_()
    cim:close()
  end)

  it("a method of Wine's WMI and a property of the simulator by one name", function()
    define("LuaSpec_Proc", { "Create", "GetOwner" })
    instance("LuaSpec_Proc", "p", { Create = 3, GetOwner = 4 })
    local wmi <close> = wbem.connect{}
    for _ = 1, 3 do
      local sim <close> = fresh('LuaSpec_Proc.Name="p"')
      assert.are.equal(3, sim.Create)
      local cls <close> = wmi:Get("Win32_Process")
      assert.are.same({ "method", "wmi" }, { wbem.core.member(cls, "Create") })
      assert.are.equal("function", type(cls.Create))
      local sim2 <close> = fresh('LuaSpec_Proc.Name="p"')
      assert.are.equal(4, sim2.GetOwner)
      assert.are.same({ "property", "wmi" }, { wbem.core.member(sim2, "Create") })
    end
  end)

  it("a read still never calls a method, on fresh objects of a shared type", function()
    define("LuaSpec_Keep", { "Size" })
    instance("LuaSpec_Keep", "k", { Size = 5 })
    for _ = 1, 5 do
      local o <close> = fresh('LuaSpec_Keep.Name="k"')
      assert.are.equal("function", type(o.Delete_))      -- read: nothing is deleted
      assert.are.equal("function", type(o.Put_))
      local cls <close> = svc:Get("LuaSpec_Keep")
      local live = control.LiveObjects
      assert.are.equal("function", type(cls.SpawnInstance_))   -- read: nothing is spawned
      assert.are.equal(live, control.LiveObjects)
    end
    local again <close> = fresh('LuaSpec_Keep.Name="k"')   -- still there
    assert.are.equal(5, again.Size)
  end)

  -- What an object keeps of its Methods_: the objects the simulator holds while fn runs
  -- on a fresh Win32_Process class object, less the object itself; and what is held once
  -- the object is gone (how: "close" or "collect").
  local function held(fn, how)
    local cimv2 <close> = simfix.connect("root\\cimv2")
    collectgarbage(); collectgarbage()
    local base = control.LiveObjects
    local o = cimv2:Get("Win32_Process")
    local with_object = control.LiveObjects
    fn(o)
    local during = control.LiveObjects - with_object
    if how == "close" then o:close() else o = nil; collectgarbage(); collectgarbage() end
    return during, control.LiveObjects - base
  end

  it("holds the set while it lives, for a class with methods, and gives it back when closed", function()
    local during, after = held(function(o)
      assert.are.equal("property", (wbem.core.member(o, "Name")))
      assert.are.equal("method", (wbem.core.member(o, "Create")))
      assert.are.equal("property", (wbem.core.member(o, "Caption")))
    end, "close")
    assert.are.equal(1, during)   -- one set, read once for the three names
    assert.are.equal(0, after)
  end)

  it("gives it back when the object is collected", function()
    local during, after = held(function(o) wbem.core.member(o, "ProcessId") end, "collect")
    assert.are.equal(1, during)
    assert.are.equal(0, after)
  end)

  it("holds nothing for a class without methods, and reads its names as properties", function()
    local cimv2 <close> = simfix.connect("root\\cimv2")
    local class <close> = cimv2:Get("Sim_MultiKey")
    local live = control.LiveObjects
    assert.are.same({ "property", "wmi" }, { wbem.core.member(class, "Host") })
    assert.are.same({ "property", "wmi" }, { wbem.core.member(class, "Note") })
    assert.are.equal(live, control.LiveObjects)
  end)
end)

-- One body for Wine's real WMI (WBEM_TARGET=real) and the simulator: Win32_Process has
-- methods (Create and GetOwner; Wine's has no Terminate) on both.
describe("the names of one WMI object, classified from one reading of its Methods_", function()
  local simfix = require "spec.support.simfix"
  local svc

  before_each(function() svc = simfix.connect("root\\cimv2") end)
  after_each(function() svc:close() end)

  it("tells properties from methods in any order, on a class and on an instance", function()
    local cls <close> = svc:Get("Win32_Process")
    local inst
    for p in wbem.each(svc:ExecQuery("SELECT * FROM Win32_Process")) do
      if inst then p:close() else inst = p end
    end
    local want = { { "Name", "property" }, { "GetOwner", "method" }, { "ProcessId", "property" },
                   { "Create", "method" }, { "Caption", "property" }, { "Put_", "method" },
                   { "Methods_", "property" }, { "Handle", "property" } }
    for _, o in ipairs{ cls, inst } do
      for _, w in ipairs(want) do
        assert.are.equal(w[2], (wbem.core.member(o, w[1])), w[1])
      end
    end
    assert.are.equal("string", type(inst.Name))
    assert.are.equal("function", type(inst.GetOwner))
    inst:close()
  end)
end)
