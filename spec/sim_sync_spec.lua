-- The simulator's synchronous side (Get, Put_, Delete, Delete_, InstancesOf, ExecQuery,
-- object paths, the seeded schema) through the bridged objects, checked against the
-- rules of spec/sim/README.md. Every expectation comes from Microsoft's documentation as
-- that table quotes it (RP = reference/ISWbemObject-PutAsync_.md, PI = PutInstance,
-- PC = PutClass, CF = WbemChangeFlagEnum, DC = DeleteClass, SG = SWbemServices.Get),
-- never from what the simulator happens to answer.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

-- WbemChangeFlagEnum / WbemFlagEnum values, as the reference page lists them.
local F = {
  CreateOrUpdate = 0x0, UpdateOnly = 0x1, CreateOnly = 0x2,
  UpdateCompatible = 0x0, UpdateSafeMode = 0x20, UpdateForceMode = 0x40,
  ReturnImmediately = 0x10, SendStatus = 0x80, UseAmendedQualifiers = 0x20000,
}
local wbemQueryFlagShallow = 1

-- WbemErrorEnum values (wbemcli.h's WBEMSTATUS), unsigned as err.hresult gives them.
local E = {
  WBEM_E_NOT_FOUND = 0x80041002, WBEM_E_TYPE_MISMATCH = 0x80041005,
  WBEM_E_INVALID_PARAMETER = 0x80041008, WBEM_E_INVALID_SUPERCLASS = 0x8004100D,
  WBEM_E_INVALID_OBJECT = 0x8004100F, WBEM_E_INVALID_CLASS = 0x80041010,
  WBEM_E_INVALID_OPERATION = 0x80041016, WBEM_E_INVALID_QUERY = 0x80041017,
  WBEM_E_INVALID_QUERY_TYPE = 0x80041018, WBEM_E_ALREADY_EXISTS = 0x80041019,
  WBEM_E_CLASS_HAS_CHILDREN = 0x80041025, WBEM_E_CLASS_HAS_INSTANCES = 0x80041026,
  WBEM_E_ILLEGAL_NULL = 0x80041028, WBEM_E_INVALID_OBJECT_PATH = 0x8004103A,
  WBEM_E_UPDATE_TYPE_MISMATCH = 0x80041052, WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED = 0x80041053,
  WBEM_E_NO_KEY = 0x80041089, WBEM_E_INVALID_NAMESPACE = 0x8004100E,
}

local CIM_STRING, CIM_UINT32, CIM_SINT32 = 8, 19, 3

local control, svc, cim      -- svc: root\default (the specs' own classes); cim: root\cimv2 (seeded)

before_each(function()
  control = simfix.control()
  control:Reset()
  svc = simfix.connect()
  cim = simfix.connect("root\\cimv2")
end)

after_each(function()
  svc:close()
  cim:close()
  assert.equal(0, simfix.live(control))
  control:Reset()
  control:close()
end)

-- Every failure must be a structured error object with the WBEM code, unsigned, and its
-- name, carrying the details of the simulator's SWbemLastError. Returns the error.
local function raises(name, fn)
  local ok, err = pcall(fn)
  assert(not ok, ("expected %s, but the call succeeded"):format(name))
  assert.is_true(wbem.is_error(err), "a structured error object, got: " .. tostring(err))
  assert.equal(E[name], err.hresult)
  assert.is_true(err.hresult > 0, "hresult is unsigned")
  assert.equal(name, err.name)
  assert.is_string(err.message)
  assert.equal("WbemSim", err.provider)          -- SWbemLastError.ProviderName
  assert.is_string(err.description)              -- SWbemLastError.Description
  assert.truthy(tostring(err):find(name, 1, true))
  return err
end

-- A new, unsaved class; props: { { name, cimtype [, key = true] [, array = true] }, ... }.
local function new_class(s, name, super, props)
  local class
  if super then
    local base <close> = s:Get(super)
    class = base:SpawnDerivedClass_()
  else
    class = s:Get()
  end
  if name then
    local path <close> = class.Path_
    path.Class = name
  end
  local set <close> = class.Properties_
  for _, p in ipairs(props or {}) do
    local prop <close> = set:Add(p[1], p[2], p.array or false)
    if p.key then local q <close> = prop.Qualifiers_:Add("key", true) end
  end
  return class
end

local function make_class(s, name, super, props)
  local class <close> = new_class(s, name, super, props)
  local path <close> = class:Put_()
end

-- Put_ with flags; returns the RelPath of the SWbemObjectPath it returns.
local function put(obj, flags)
  local path <close> = obj:Put_(flags or 0)
  return path.RelPath
end

-- A new, unsaved instance of cls with the given values.
local function instance(s, cls, values)
  local class <close> = s:Get(cls)
  local inst = class:SpawnInstance_()
  for k, v in pairs(values or {}) do inst[k] = v end
  return inst
end

local function put_new(s, cls, values, flags)
  local inst <close> = instance(s, cls, values)
  return put(inst, flags)
end

local function count(s, cls, flags)
  local set <close> = s:InstancesOf(cls, flags or 0)
  return set.Count
end

-- Reads one property of the object at path.
local function read(s, path, prop)
  local obj <close> = s:Get(path)
  return obj[prop]
end

local function exists(s, path)
  local ok, err = pcall(function() local o <close> = s:Get(path) end)
  if ok then return true end
  assert.equal(E.WBEM_E_NOT_FOUND, err.hresult)
  return false
end

local function class_of(s, path)
  local obj <close> = s:Get(path)
  local p <close> = obj.Path_
  return p.Class
end

local function qualifier(obj, name)
  local quals <close> = obj.Qualifiers_
  local q <close> = quals:Item(name)
  return q.Value
end

local function add_qualifier(obj, name, value, ...)
  local quals <close> = obj.Qualifiers_
  local q <close> = quals:Add(name, value, ...)
end

-- LuaSpec_Parent { [key] Name } and its child LuaSpec_Kid with its own class qualifier
-- name = value; returns the parent class, to be changed and put again.
local function parent_of_kid_with_qualifier(name, value)
  make_class(svc, "LuaSpec_Parent", nil, { { "Name", CIM_STRING, key = true } })
  local kid <close> = new_class(svc, "LuaSpec_Kid", "LuaSpec_Parent")
  add_qualifier(kid, name, value)
  put(kid)
  return svc:Get("LuaSpec_Parent")
end

local function add_property(obj, name, cimtype)
  local set <close> = obj.Properties_
  local p <close> = set:Add(name, cimtype)
end

local function property(obj, name)
  local set <close> = obj.Properties_
  return set:Item(name)
end

local function names_of(set)
  local names = {}
  for obj in wbem.each(set) do
    names[#names + 1] = obj.Id or obj.Name
    obj:close()
  end
  table.sort(names)
  return names
end

-- LuaSpec_Item { [key] string Name; uint32 Size; } in root\default.
local function item_class() simfix.item_class(svc) end
local function item_path(name) return ('LuaSpec_Item.Name="%s"'):format(name) end

--------------------------------------------------------------------------------------

describe("SWbemLocator.ConnectServer #sim", function()
  it("namespaces: root, root\\cimv2 and root\\default exist; any other is WBEM_E_INVALID_NAMESPACE", function()
    for _, ns in ipairs{ "root", "root\\cimv2", "root\\default" } do
      local s <close> = simfix.connect(ns)
      assert.is_true(wbem.is_object(s), ns)
    end
    for _, ns in ipairs{ "root\\nosuch", "nosuch", "root\\cimv2\\deeper" } do
      local err = raises("WBEM_E_INVALID_NAMESPACE", function() return simfix.connect(ns) end)
      assert.equal("ConnectServer", err.wmi_operation)
    end
  end)
end)

describe("SWbemServices.Get #sim", function()
  it("Get of a class returns the class with its properties and qualifiers", function()
    local class <close> = cim:Get("Sim_Base")
    local path <close> = class.Path_
    assert.is_true(path.IsClass)
    assert.equal("Sim_Base", path.Class)
    local set <close> = class.Properties_
    assert.equal(2, set.Count)
    assert.equal("A keyed base class", qualifier(class, "Description"))
    local id <close> = property(class, "Id")
    assert.is_true(qualifier(id, "key"))
  end)

  it("Get of an instance by its path returns the instance with its values", function()
    local obj <close> = cim:Get('Sim_Derived.Id="d1"')
    assert.equal("d1", obj.Id)
    assert.equal("derived one", obj.Label)
    assert.equal(7, obj.Extra)
    local path <close> = obj.Path_
    assert.is_false(path.IsClass)
    assert.equal("Sim_Derived", path.Class)
  end)

  it("Get of an instance by several keys (in any order) and of a singleton (Class=@)", function()
    assert.equal("web", read(cim, 'Sim_MultiKey.Host="h1",Port=80', "Note"))
    assert.equal("web", read(cim, 'Sim_MultiKey.Port=80,Host="h1"', "Note"))
    assert.equal(1, read(cim, "Sim_Settings=@", "Level"))
    assert.equal("normal", read(cim, "Sim_Settings=@", "Mode"))
  end)

  it("Get of nothing: Get() gives an empty unnamed class, Path_.Class names it, Put_ writes it (SG)", function()
    local class <close> = svc:Get()
    local path <close> = class.Path_
    assert.is_true(path.IsClass)
    assert.equal("", path.Class or "")
    local set <close> = class.Properties_
    assert.equal(0, set.Count)
    path.Class = "LuaSpec_New"
    assert.equal("LuaSpec_New", path.Class)
    local prop <close> = set:Add("Name", CIM_STRING)
    local key <close> = prop.Qualifiers_:Add("key", true)
    assert.equal("LuaSpec_New", put(class))
    local back <close> = svc:Get("LuaSpec_New")
    local back_props <close> = back.Properties_
    assert.equal(1, back_props.Count)
  end)

  it("Get of nothing: Get(\"\") gives an empty class as well (SG)", function()
    local class <close> = svc:Get("")
    local set <close> = class.Properties_
    assert.equal(0, set.Count)
    local path <close> = class.Path_
    path.Class = "LuaSpec_Empty"
    assert.equal("LuaSpec_Empty", put(class))
    assert.is_true(exists(svc, "LuaSpec_Empty"))
  end)

  it("Get errors: an absent class or instance is WBEM_E_NOT_FOUND (SG)", function()
    raises("WBEM_E_NOT_FOUND", function() return cim:Get("Sim_NoSuchClass") end)
    raises("WBEM_E_NOT_FOUND", function() return cim:Get('Sim_Base.Id="nobody"') end)
  end)

  it("Get errors: an instance of an unknown class is WBEM_E_INVALID_CLASS", function()
    raises("WBEM_E_INVALID_CLASS", function() return cim:Get('Sim_NoSuchClass.Id="x"') end)
  end)

  it("Get errors: key names that are not the class's keys are WBEM_E_INVALID_OBJECT_PATH (SG)", function()
    raises("WBEM_E_INVALID_OBJECT_PATH", function() return cim:Get('Sim_Base.Label="base one"') end)
    raises("WBEM_E_INVALID_OBJECT_PATH", function() return cim:Get('Sim_MultiKey.Host="h1"') end)
  end)
end)

describe("the seeded schema #sim", function()
  it("Sim_AllTypes: integers as Lua integers, 64-bit values as strings, reals, booleans, strings", function()
    local o <close> = cim:Get('Sim_AllTypes.Name="one"')
    local ints = { S8 = -8, U8 = 8, S16 = -16, U16 = 16, S32 = -32, U32 = 32, Char = 65 }
    for name, want in pairs(ints) do
      assert.equal("integer", math.type(o[name]), name)
      assert.equal(want, o[name], name)
    end
    -- WMI hands 64-bit integers to scripts as strings: no digit may be lost
    assert.equal("-9223372036854775807", o.S64)
    assert.equal("18446744073709551615", o.U64)
    assert.equal("float", math.type(o.R32))
    assert.equal(1.5, o.R32)
    assert.equal(2.25, o.R64)
    assert.equal(true, o.Bool)
    assert.equal("hello", o.Text)
    assert.equal("20240102030405.000000+000", o.When)
    assert.equal('Sim_Base.Id="b1"', o.Ref)
  end)

  it("Sim_AllTypes: arrays are Lua sequences of two elements of the element type", function()
    local o <close> = cim:Get('Sim_AllTypes.Name="one"')
    local kinds = {
      S8Array = "integer", U8Array = "integer", S16Array = "integer", U16Array = "integer",
      S32Array = "integer", U32Array = "integer", CharArray = "integer",
      S64Array = "string", U64Array = "string", R32Array = "float", R64Array = "float",
      BoolArray = "boolean", TextArray = "string", WhenArray = "string", RefArray = "string",
    }
    for name, kind in pairs(kinds) do
      local v = o[name]
      assert.equal("table", type(v), name)
      assert.equal(2, #v, name)
      for i = 1, 2 do
        assert.equal(kind, math.type(v[i]) or type(v[i]), name .. "[" .. i .. "]")
      end
    end
    assert.equal("boolean", type(o.BoolArray[1]))
  end)

  it("Sim_Derived inherits Sim_Base's key; root\\default has Sim_Thing without instances", function()
    local class <close> = cim:Get("Sim_Derived")
    local id <close> = property(class, "Id")
    assert.is_true(qualifier(id, "key"))
    assert.equal("Sim_Base", id.Origin)
    assert.equal(2, count(cim, "Sim_Base"))
    local thing <close> = svc:Get("Sim_Thing")
    local name <close> = property(thing, "Name")
    assert.is_true(qualifier(name, "key"))
    assert.equal(0, count(svc, "Sim_Thing"))
  end)
end)

describe("object paths (SWbemObjectPath) #sim", function()
  it("an instance's Path_: Path, RelPath, Class, Namespace, Server, IsClass", function()
    local o <close> = cim:Get('Sim_AllTypes.Name="one"')
    local p <close> = o.Path_
    local server = os.getenv("COMPUTERNAME")
    assert.is_string(p.Server)
    assert.equal(p.Server:upper(), p.Server)
    if server then assert.equal(server:upper(), p.Server) end
    assert.equal('Sim_AllTypes.Name="one"', p.RelPath)
    assert.equal("Sim_AllTypes", p.Class)
    assert.equal("root\\cimv2", p.Namespace)
    assert.equal("\\\\" .. p.Server .. "\\root\\cimv2:" .. p.RelPath, p.Path)
    assert.is_false(p.IsClass)
  end)

  it("a class's Path_: IsClass, RelPath is the class name", function()
    local class <close> = cim:Get("Sim_Base")
    local p <close> = class.Path_
    assert.is_true(p.IsClass)
    assert.equal("Sim_Base", p.RelPath)
    assert.equal("Sim_Base", p.Class)
    assert.equal("root\\cimv2", p.Namespace)
  end)

  it("several keys are written sorted by name, a singleton as Class=@", function()
    local mk <close> = cim:Get('Sim_MultiKey.Port=80,Host="h1"')
    local p1 <close> = mk.Path_
    assert.equal('Sim_MultiKey.Host="h1",Port=80', p1.RelPath)
    local single <close> = cim:Get("Sim_Settings=@")
    local p2 <close> = single.Path_
    assert.equal("Sim_Settings=@", p2.RelPath)
  end)

  it("the path Put_ returns names the instance written, in its namespace", function()
    item_class()
    local item <close> = simfix.item(svc, 'a"b', 1)
    local path <close> = item:Put_()
    assert.equal('LuaSpec_Item.Name="a\\"b"', path.RelPath)
    assert.equal("LuaSpec_Item", path.Class)
    assert.equal("root\\default", path.Namespace)
    assert.is_false(path.IsClass)
    assert.equal(1, read(svc, path.Path, "Size"))
  end)
end)

describe("Put_ of instances: the flags of the reference page #sim", function()
  before_each(item_class)

  it("CreateOrUpdate creates the instance, then overwrites it (RP)", function()
    assert.equal(item_path("x"), put_new(svc, "LuaSpec_Item", { Name = "x", Size = 1 }, F.CreateOrUpdate))
    assert.equal(1, read(svc, item_path("x"), "Size"))
    put_new(svc, "LuaSpec_Item", { Name = "x", Size = 2 }, F.CreateOrUpdate)
    assert.equal(2, read(svc, item_path("x"), "Size"))
    assert.equal(1, count(svc, "LuaSpec_Item"))
  end)

  it("UpdateOnly: an absent instance is WBEM_E_NOT_FOUND, a present one is updated (RP)", function()
    raises("WBEM_E_NOT_FOUND", function()
      put_new(svc, "LuaSpec_Item", { Name = "u", Size = 1 }, F.UpdateOnly)
    end)
    assert.equal(0, count(svc, "LuaSpec_Item"))
    put_new(svc, "LuaSpec_Item", { Name = "u", Size = 1 })
    put_new(svc, "LuaSpec_Item", { Name = "u", Size = 3 }, F.UpdateOnly)
    assert.equal(3, read(svc, item_path("u"), "Size"))
  end)

  it("CreateOnly: a present instance is WBEM_E_ALREADY_EXISTS and stays unchanged (RP)", function()
    put_new(svc, "LuaSpec_Item", { Name = "c", Size = 1 }, F.CreateOnly)
    raises("WBEM_E_ALREADY_EXISTS", function()
      put_new(svc, "LuaSpec_Item", { Name = "c", Size = 2 }, F.CreateOnly)
    end)
    assert.equal(1, read(svc, item_path("c"), "Size"))
  end)

  it("contradictory flags: UpdateOnly|CreateOnly is WBEM_E_INVALID_PARAMETER (RP)", function()
    raises("WBEM_E_INVALID_PARAMETER", function()
      put_new(svc, "LuaSpec_Item", { Name = "p" }, F.UpdateOnly | F.CreateOnly)
    end)
    assert.equal(0, count(svc, "LuaSpec_Item"))
  end)

  it("unknown flag bits are WBEM_E_INVALID_PARAMETER (MS)", function()
    for _, bit in ipairs{ 0x8, 0x4000000 } do
      raises("WBEM_E_INVALID_PARAMETER", function()
        put_new(svc, "LuaSpec_Item", { Name = "p" }, bit)
      end)
    end
    assert.equal(0, count(svc, "LuaSpec_Item"))
  end)

  it("class modes on an instance: SafeMode or ForceMode is WBEM_E_INVALID_PARAMETER (PI, MS)", function()
    raises("WBEM_E_INVALID_PARAMETER", function()
      put_new(svc, "LuaSpec_Item", { Name = "s" }, F.UpdateSafeMode)
    end)
    raises("WBEM_E_INVALID_PARAMETER", function()
      put_new(svc, "LuaSpec_Item", { Name = "f" }, F.UpdateForceMode)
    end)
    assert.equal(0, count(svc, "LuaSpec_Item"))
  end)

  it("UseAmendedQualifiers, ReturnImmediately and SendStatus are accepted, alone and combined (RP)", function()
    put_new(svc, "LuaSpec_Item", { Name = "a" }, F.UseAmendedQualifiers)
    put_new(svc, "LuaSpec_Item", { Name = "r" }, F.ReturnImmediately)
    put_new(svc, "LuaSpec_Item", { Name = "s" }, F.SendStatus)
    assert.equal(item_path("all"), put_new(svc, "LuaSpec_Item", { Name = "all" },
      F.CreateOnly | F.ReturnImmediately | F.SendStatus | F.UseAmendedQualifiers))
    assert.equal(4, count(svc, "LuaSpec_Item"))
  end)

  it("null key: an instance whose key is null is WBEM_E_ILLEGAL_NULL (PI)", function()
    raises("WBEM_E_ILLEGAL_NULL", function()
      put_new(svc, "LuaSpec_Item", { Size = 1 })
    end)
    assert.equal(0, count(svc, "LuaSpec_Item"))
  end)

  it("unknown class: an instance of a class that no longer exists is WBEM_E_INVALID_CLASS (PI)", function()
    local item <close> = simfix.item(svc, "orphan", 1)
    svc:Delete("LuaSpec_Item")
    raises("WBEM_E_INVALID_CLASS", function() put(item) end)
  end)

  it("keyless class: an instance of a class with neither keys nor singleton is WBEM_E_NO_KEY", function()
    make_class(svc, "LuaSpec_Keyless", nil, { { "Size", CIM_UINT32 } })
    raises("WBEM_E_NO_KEY", function() put_new(svc, "LuaSpec_Keyless", { Size = 1 }) end)
    assert.equal(0, count(svc, "LuaSpec_Keyless"))
  end)

  it("same keys, other class: a subclass instance with a base instance's keys replaces it", function()
    -- "Changing the Inheritance of an Instance": "If you do, you implicitly delete the
    -- original ... instance."
    assert.equal(2, count(cim, "Sim_Base"))
    put_new(cim, "Sim_Derived", { Id = "b1", Label = "now derived", Extra = 1 })
    assert.equal("Sim_Derived", class_of(cim, 'Sim_Base.Id="b1"'))
    assert.equal("now derived", read(cim, 'Sim_Base.Id="b1"', "Label"))
    assert.equal(2, count(cim, "Sim_Base"))
    put_new(cim, "Sim_Base", { Id = "d1", Label = "now base" })
    assert.equal("Sim_Base", class_of(cim, 'Sim_Base.Id="d1"'))
    assert.equal(2, count(cim, "Sim_Base"))
    assert.equal(1, count(cim, "Sim_Derived"))
  end)

  it("same keys, other class: CreateOnly over an instance of another class of the hierarchy is WBEM_E_ALREADY_EXISTS", function()
    raises("WBEM_E_ALREADY_EXISTS", function()
      put_new(cim, "Sim_Derived", { Id = "b1" }, F.CreateOnly)
    end)
    assert.equal("Sim_Base", class_of(cim, 'Sim_Base.Id="b1"'))
    raises("WBEM_E_ALREADY_EXISTS", function()
      put_new(cim, "Sim_Base", { Id = "d1" }, F.CreateOnly)
    end)
    assert.equal("Sim_Derived", class_of(cim, 'Sim_Base.Id="d1"'))
  end)

  it("same keys, other class: the documented case, two sibling classes (ManualService, AutoService)", function()
    make_class(svc, "LuaSpec_Service", nil, { { "Name", CIM_STRING, key = true } })
    make_class(svc, "LuaSpec_ManualService", "LuaSpec_Service")
    make_class(svc, "LuaSpec_AutoService", "LuaSpec_Service")
    put_new(svc, "LuaSpec_ManualService", { Name = "spooler" })
    raises("WBEM_E_ALREADY_EXISTS", function()
      put_new(svc, "LuaSpec_AutoService", { Name = "spooler" }, F.CreateOnly)
    end)
    put_new(svc, "LuaSpec_AutoService", { Name = "spooler" })
    assert.equal(0, count(svc, "LuaSpec_ManualService"))
    assert.equal(1, count(svc, "LuaSpec_Service"))
    assert.equal("LuaSpec_AutoService", class_of(svc, 'LuaSpec_Service.Name="spooler"'))
  end)

  it("instance properties: Properties_.Add on an instance is WBEM_E_INVALID_OPERATION (CP)", function()
    local item <close> = simfix.item(svc, "p")
    local set <close> = item.Properties_
    raises("WBEM_E_INVALID_OPERATION", function() return set:Add("Extra", CIM_STRING) end)
    assert.equal(2, set.Count)
  end)
end)

describe("Put_ of classes #sim", function()
  it("CreateOnly on an existing class is WBEM_E_ALREADY_EXISTS; UpdateOnly on a missing one WBEM_E_NOT_FOUND (RP)", function()
    local again <close> = new_class(cim, "Sim_Base", nil, { { "Id", CIM_STRING, key = true } })
    raises("WBEM_E_ALREADY_EXISTS", function() put(again, F.CreateOnly) end)
    local missing <close> = new_class(svc, "LuaSpec_Missing", nil, { { "Name", CIM_STRING, key = true } })
    raises("WBEM_E_NOT_FOUND", function() put(missing, F.UpdateOnly) end)
    assert.is_false(exists(svc, "LuaSpec_Missing"))
    assert.equal("LuaSpec_Missing", put(missing, F.CreateOnly))
    assert.is_true(exists(svc, "LuaSpec_Missing"))
  end)

  it("CreateOrUpdate updates a class without children or instances (RP)", function()
    item_class()
    local class <close> = svc:Get("LuaSpec_Item")
    add_property(class, "More", CIM_UINT32)
    assert.equal("LuaSpec_Item", put(class, F.CreateOrUpdate))
    local back <close> = svc:Get("LuaSpec_Item")
    local more <close> = property(back, "More")
    assert.equal(CIM_UINT32, more.CIMType)
  end)

  it("contradictory flags: UpdateSafeMode|UpdateForceMode is WBEM_E_INVALID_PARAMETER (RP)", function()
    item_class()
    local class <close> = svc:Get("LuaSpec_Item")
    add_property(class, "More", CIM_UINT32)
    raises("WBEM_E_INVALID_PARAMETER", function() put(class, F.UpdateSafeMode | F.UpdateForceMode) end)
  end)

  it("Compatible: a class with children is WBEM_E_CLASS_HAS_CHILDREN, checked before instances (RP, CF)", function()
    local base <close> = cim:Get("Sim_Base")          -- has Sim_Derived and instances
    add_property(base, "Added", CIM_UINT32)
    raises("WBEM_E_CLASS_HAS_CHILDREN", function() put(base, F.UpdateCompatible) end)
    local back <close> = cim:Get("Sim_Base")
    local set <close> = back.Properties_
    assert.equal(2, set.Count)
  end)

  it("Compatible: a class with instances and no children is WBEM_E_CLASS_HAS_INSTANCES (RP, CF)", function()
    local class <close> = cim:Get("Sim_MultiKey")
    add_property(class, "Added", CIM_UINT32)
    raises("WBEM_E_CLASS_HAS_INSTANCES", function() put(class, F.UpdateCompatible) end)
    assert.equal(1, count(cim, "Sim_MultiKey"))
  end)

  it("unimportant change: a Description-only change is accepted in every mode, children and instances kept (RP)", function()
    for _, mode in ipairs{ F.UpdateCompatible, F.UpdateSafeMode, F.UpdateForceMode, F.UpdateOnly } do
      local base <close> = cim:Get("Sim_Base")
      add_qualifier(base, "Description", "changed in mode " .. mode)
      assert.equal("Sim_Base", put(base, mode))
      local back <close> = cim:Get("Sim_Base")
      assert.equal("changed in mode " .. mode, qualifier(back, "Description"))
      if mode ~= F.UpdateForceMode then assert.equal(2, count(cim, "Sim_Base")) end
    end
    assert.is_true(exists(cim, "Sim_Derived"))
  end)

  it("SafeMode without conflicts: a class with children is updated and the children inherit (RP)", function()
    make_class(svc, "LuaSpec_Parent", nil, { { "Name", CIM_STRING, key = true } })
    make_class(svc, "LuaSpec_Kid", "LuaSpec_Parent", { { "Extra", CIM_STRING } })
    local parent <close> = svc:Get("LuaSpec_Parent")
    add_property(parent, "Added", CIM_UINT32)
    assert.equal("LuaSpec_Parent", put(parent, F.UpdateSafeMode))
    local kid <close> = svc:Get("LuaSpec_Kid")
    local added <close> = property(kid, "Added")
    assert.equal("LuaSpec_Parent", added.Origin)
    local extra <close> = property(kid, "Extra")
    assert.equal("LuaSpec_Kid", extra.Origin)
  end)

  it("SafeMode: a class with instances is WBEM_E_CLASS_HAS_INSTANCES (RP)", function()
    local base <close> = cim:Get("Sim_Base")
    add_property(base, "Added", CIM_UINT32)
    raises("WBEM_E_CLASS_HAS_INSTANCES", function() put(base, F.UpdateSafeMode) end)
    assert.equal(2, count(cim, "Sim_Base"))
  end)

  it("SafeMode conflict: a child's own property redeclared with another type is WBEM_E_UPDATE_TYPE_MISMATCH", function()
    make_class(svc, "LuaSpec_Parent", nil, { { "Name", CIM_STRING, key = true } })
    make_class(svc, "LuaSpec_Kid", "LuaSpec_Parent", { { "V", CIM_UINT32 } })
    local parent <close> = svc:Get("LuaSpec_Parent")
    add_property(parent, "V", CIM_STRING)
    raises("WBEM_E_UPDATE_TYPE_MISMATCH", function() put(parent, F.UpdateSafeMode) end)
    local back <close> = svc:Get("LuaSpec_Parent")
    local set <close> = back.Properties_
    assert.equal(1, set.Count)                       -- the refused update changed nothing
    local kid <close> = svc:Get("LuaSpec_Kid")
    local v <close> = property(kid, "V")
    assert.equal(CIM_UINT32, v.CIMType)
  end)

  it("SafeMode conflict: a child's own class qualifier against a propagated, not overridable one is WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED", function()
    local parent <close> = parent_of_kid_with_qualifier("Q", "kid")
    -- Add(name, value, PropagatesToSubclass, PropagatesToInstance, Overridable)
    add_qualifier(parent, "Q", "base", true, true, false)
    raises("WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED", function() put(parent, F.UpdateSafeMode) end)
    local back <close> = svc:Get("LuaSpec_Kid")
    assert.equal("kid", qualifier(back, "Q"))
  end)

  it("SafeMode without conflicts: a child overriding an overridable qualifier is no conflict (WbemErrorEnum, SWbemQualifier.IsOverridable)", function()
    -- wbemErrUpdateOverrideNotAllowed: "An attempt was made in a derived class to override
    -- a qualifier that cannot be overridden"; an overridable one can be.
    local parent <close> = parent_of_kid_with_qualifier("Q", "kid")
    add_qualifier(parent, "Q", "base", true, true, true)
    assert.equal("LuaSpec_Parent", put(parent, F.UpdateSafeMode))
    local back <close> = svc:Get("LuaSpec_Kid")
    assert.equal("kid", qualifier(back, "Q"))
  end)

  it("ForceMode resolves a property conflict for the parent: the parent's declaration wins in the child (RP)", function()
    make_class(svc, "LuaSpec_Parent", nil, { { "Name", CIM_STRING, key = true } })
    make_class(svc, "LuaSpec_Kid", "LuaSpec_Parent", { { "V", CIM_UINT32 } })
    local parent <close> = svc:Get("LuaSpec_Parent")
    add_property(parent, "V", CIM_STRING)
    assert.equal("LuaSpec_Parent", put(parent, F.UpdateForceMode))
    local kid <close> = svc:Get("LuaSpec_Kid")
    local v <close> = property(kid, "V")
    assert.equal(CIM_STRING, v.CIMType)
    assert.equal("LuaSpec_Parent", v.Origin)
  end)

  it("ForceMode resolves a qualifier conflict by deleting the child's conflicting qualifier (RP)", function()
    local parent <close> = parent_of_kid_with_qualifier("Q", "kid")
    add_qualifier(parent, "Q", "base", true, true, false)
    assert.equal("LuaSpec_Parent", put(parent, F.UpdateForceMode))
    local back <close> = svc:Get("LuaSpec_Kid")
    assert.equal("base", qualifier(back, "Q"))      -- the child's own "kid" is gone
  end)

  it("ForceMode and instances (README choice): the update succeeds and deletes the instances of the class and its subclasses", function()
    -- RP: "Using force mode to update a static class results in the deletion of all
    -- instances of that class."
    local base <close> = cim:Get("Sim_Base")
    add_property(base, "Added", CIM_UINT32)
    assert.equal("Sim_Base", put(base, F.UpdateForceMode))
    assert.equal(0, count(cim, "Sim_Base"))
    assert.equal(0, count(cim, "Sim_Derived"))
    assert.is_false(exists(cim, 'Sim_Base.Id="b1"'))
    local kid <close> = cim:Get("Sim_Derived")
    local added <close> = property(kid, "Added")
    assert.equal("Sim_Base", added.Origin)
    assert.equal(1, count(cim, "Sim_AllTypes"))     -- other classes keep theirs
  end)

  it("new class name: a name beginning or ending with an underscore is WBEM_E_INVALID_OPERATION (PC)", function()
    for _, name in ipairs{ "_LuaSpec", "LuaSpec_" } do
      local class <close> = new_class(svc, name, nil, { { "Name", CIM_STRING, key = true } })
      raises("WBEM_E_INVALID_OPERATION", function() put(class) end)
      assert.is_false(exists(svc, name))
    end
  end)

  it("class without a name: Put_ of Get() never named is WBEM_E_INVALID_OBJECT (PC)", function()
    local class <close> = svc:Get()
    add_property(class, "Name", CIM_STRING)
    raises("WBEM_E_INVALID_OBJECT", function() put(class) end)
  end)

  it("unknown superclass: a derived class whose base is gone is WBEM_E_INVALID_SUPERCLASS", function()
    make_class(svc, "LuaSpec_Parent", nil, { { "Name", CIM_STRING, key = true } })
    local kid <close> = new_class(svc, "LuaSpec_Kid", "LuaSpec_Parent")
    svc:Delete("LuaSpec_Parent")
    raises("WBEM_E_INVALID_SUPERCLASS", function() put(kid) end)
    assert.is_false(exists(svc, "LuaSpec_Kid"))
  end)

  it("class properties: a name beginning or ending with '_' is WBEM_E_INVALID_PARAMETER, another type WBEM_E_TYPE_MISMATCH", function()
    local kid <close> = new_class(cim, "LuaSpec_Kid", "Sim_Base")
    local set <close> = kid.Properties_
    raises("WBEM_E_INVALID_PARAMETER", function() return set:Add("_x", CIM_STRING) end)
    raises("WBEM_E_INVALID_PARAMETER", function() return set:Add("x_", CIM_STRING) end)
    raises("WBEM_E_TYPE_MISMATCH", function() return set:Add("Label", CIM_SINT32) end)
    assert.equal(2, set.Count)
  end)
end)

describe("Delete and Delete_ #sim", function()
  it("Delete(path) deletes an instance; a second time is WBEM_E_NOT_FOUND", function()
    cim:Delete('Sim_Base.Id="b1"')
    assert.is_false(exists(cim, 'Sim_Base.Id="b1"'))
    assert.equal(1, count(cim, "Sim_Base"))
    raises("WBEM_E_NOT_FOUND", function() cim:Delete('Sim_Base.Id="b1"') end)
  end)

  it("Delete_ deletes the object it is called on; a second time is WBEM_E_NOT_FOUND", function()
    local obj <close> = cim:Get('Sim_Derived.Id="d1"')
    obj:Delete_()
    assert.is_false(exists(cim, 'Sim_Base.Id="d1"'))
    raises("WBEM_E_NOT_FOUND", function() obj:Delete_() end)
  end)

  it("DeleteClass: deleting a class deletes its subclasses and their instances (DC)", function()
    cim:Delete("Sim_Base")
    assert.is_false(exists(cim, "Sim_Base"))
    assert.is_false(exists(cim, "Sim_Derived"))
    make_class(cim, "Sim_Base", nil, { { "Id", CIM_STRING, key = true } })
    assert.equal(0, count(cim, "Sim_Base"))        -- the instances did not come back with it
    assert.is_false(exists(cim, 'Sim_Base.Id="b1"'))
    raises("WBEM_E_NOT_FOUND", function() cim:Delete("Sim_Derived") end)
  end)

  it("Delete_ of a class deletes it with its subclasses (DC)", function()
    local class <close> = cim:Get("Sim_Base")
    class:Delete_()
    assert.is_false(exists(cim, "Sim_Derived"))
    assert.equal(1, count(cim, "Sim_AllTypes"))
  end)
end)

describe("InstancesOf and ExecQuery #sim", function()
  it("InstancesOf is deep by default, wbemQueryFlagShallow gives the class alone", function()
    local set <close> = cim:InstancesOf("Sim_Base")
    assert.same({ "b1", "d1" }, names_of(set))
    local shallow <close> = cim:InstancesOf("Sim_Base", wbemQueryFlagShallow)
    assert.same({ "b1" }, names_of(shallow))
    raises("WBEM_E_INVALID_CLASS", function() local s <close> = cim:InstancesOf("Sim_NoSuchClass") end)
  end)

  it("WQL: SELECT * FROM C returns the instances of C and its subclasses", function()
    local set <close> = cim:ExecQuery("SELECT * FROM Sim_Base")
    assert.same({ "b1", "d1" }, names_of(set))
    local kids <close> = cim:ExecQuery("select * from Sim_Derived", "WQL")
    assert.same({ "d1" }, names_of(kids))
  end)

  it("WQL: WHERE P = v, <> and != select the matching instances", function()
    local eq <close> = cim:ExecQuery("SELECT * FROM Sim_Base WHERE Id = 'd1'")
    assert.same({ "d1" }, names_of(eq))
    local ne <close> = cim:ExecQuery("SELECT * FROM Sim_Base WHERE Id <> 'd1'")
    assert.same({ "b1" }, names_of(ne))
    local ne2 <close> = cim:ExecQuery("SELECT * FROM Sim_Base WHERE Label != 'base one'")
    assert.same({ "d1" }, names_of(ne2))
    local num <close> = cim:ExecQuery("SELECT * FROM Sim_MultiKey WHERE Port = 80")
    assert.equal(1, num.Count)
    local none <close> = cim:ExecQuery("SELECT * FROM Sim_Base WHERE Id = 'nobody'")
    assert.equal(0, none.Count)
  end)

  it("WQL errors: other text is WBEM_E_INVALID_QUERY, another language WBEM_E_INVALID_QUERY_TYPE, an unknown class WBEM_E_INVALID_CLASS", function()
    raises("WBEM_E_INVALID_QUERY", function()
      local s <close> = cim:ExecQuery("SELEKT * FRUM Sim_Base"); return s.Count
    end)
    raises("WBEM_E_INVALID_QUERY_TYPE", function()
      local s <close> = cim:ExecQuery("SELECT * FROM Sim_Base", "SQL"); return s.Count
    end)
    raises("WBEM_E_INVALID_CLASS", function()
      local s <close> = cim:ExecQuery("SELECT * FROM Sim_NoSuchClass"); return s.Count
    end)
  end)
end)

describe("errors carry SWbemLastError's details #sim", function()
  -- README, Errors: Operation ("PutInstance", "PutClass", "GetObject", "DeleteInstance",
  -- "DeleteClass", "CreateInstanceEnum", "ExecQuery", ...), ProviderName "WbemSim",
  -- Description, ParameterInfo (the path or class concerned). The bridge puts them in
  -- err.wmi_operation, err.provider, err.description, err.parameter; err.operation is
  -- the bridge's own "call <object>.<member>".
  it("a failing Put_ of an instance: PutInstance, the path, the bridge's operation", function()
    local inst <close> = instance(cim, "Sim_Base", { Id = "b1" })
    local err = raises("WBEM_E_ALREADY_EXISTS", function() put(inst, F.CreateOnly) end)
    assert.equal("PutInstance", err.wmi_operation)
    assert.equal('Sim_Base.Id="b1"', err.parameter)
    assert.equal("call Sim_Base.Put_", err.operation)
    assert.is_true(#err.description > 0)
  end)

  it("a failing Put_ of a class: PutClass and the class", function()
    local class <close> = new_class(cim, "Sim_Base", nil, { { "Id", CIM_STRING, key = true } })
    local err = raises("WBEM_E_ALREADY_EXISTS", function() put(class, F.CreateOnly) end)
    assert.equal("PutClass", err.wmi_operation)
    assert.equal("Sim_Base", err.parameter)
  end)

  it("a failing Get, Delete and ExecQuery: GetObject, DeleteInstance, DeleteClass, ExecQuery", function()
    local err = raises("WBEM_E_NOT_FOUND", function() return cim:Get('Sim_Base.Id="zz"') end)
    assert.equal("GetObject", err.wmi_operation)
    assert.equal('Sim_Base.Id="zz"', err.parameter)
    assert.equal("call SWbemServices.Get", err.operation)
    err = raises("WBEM_E_NOT_FOUND", function() cim:Delete('Sim_Base.Id="zz"') end)
    assert.equal("DeleteInstance", err.wmi_operation)
    err = raises("WBEM_E_NOT_FOUND", function() cim:Delete("Sim_NoSuchClass") end)
    assert.equal("DeleteClass", err.wmi_operation)
    assert.equal("Sim_NoSuchClass", err.parameter)
    err = raises("WBEM_E_INVALID_QUERY", function() local s <close> = cim:ExecQuery("SELEKT") end)
    assert.equal("ExecQuery", err.wmi_operation)
    assert.equal("SELEKT", err.parameter)
  end)

  it("a failing InstancesOf: CreateInstanceEnum", function()
    local err = raises("WBEM_E_INVALID_CLASS", function()
      local s <close> = cim:InstancesOf("Sim_NoSuchClass")
    end)
    assert.equal("CreateInstanceEnum", err.wmi_operation)
    assert.equal("Sim_NoSuchClass", err.parameter)
  end)

  it("each failure replaces the last error: the details are those of the call that raised", function()
    local first = raises("WBEM_E_NOT_FOUND", function() return cim:Get('Sim_Base.Id="zz"') end)
    local second = raises("WBEM_E_INVALID_CLASS", function() return cim:Get('Sim_None.Id="zz"') end)
    assert.equal('Sim_Base.Id="zz"', first.parameter)
    assert.equal('Sim_None.Id="zz"', second.parameter)
    assert.are_not.equal(first.description, second.description)
  end)

  it("an injected failure (Control.FailNext) is raised as the structured error of that code", function()
    control:FailNext(E.WBEM_E_INVALID_OBJECT, 1)
    local err = raises("WBEM_E_INVALID_OBJECT", function() return cim:Get("Sim_Base") end)
    assert.equal("GetObject", err.wmi_operation)
    local class <close> = cim:Get("Sim_Base")           -- only the next one failed
  end)
end)
