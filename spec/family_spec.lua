-- The query family as iterators (svc:instances_of_async, ..., obj:references_async) and
-- methods as asynchronous calls (obj:exec_async, svc:exec_async): against Wine's real WMI
-- on the worker transport (what Wine's wbemdisp serves), and against the simulator on
-- both transports with one body.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local raises = simfix.raises

local function drain(it, ...)
  local n, names = 0, {}
  for o in it, ... do
    n = n + 1
    names[#names + 1] = o.Path_ and (function()
      local ok, rel = pcall(function() local p <close> = o.Path_ return p.RelPath end)
      return ok and rel or "?"
    end)() or "?"
    o:close()
  end
  table.sort(names)
  return n, names
end

local function keys_of(set)
  local names = {}
  for o in wbem.each(set) do
    local p <close> = o.Path_
    names[#names + 1] = p.RelPath
    o:close()
  end
  table.sort(names)
  return names
end

describe("the query family and exec_async on Wine's real WMI (worker transport) #wine", function()
  local svc
  before_each(function() svc = wbem.connect{ async = "worker", timeout = 10000 } end)
  after_each(function()
    svc:close()
    assert.equal(0, wbem.pending())
  end)

  it("instances_of_async yields what InstancesOf has", function()
    local want
    do
      local set <close> = svc:InstancesOf("Win32_Process")
      want = set.Count
    end
    local n = 0
    wbem.run(function()
      for p in svc:instances_of_async("Win32_Process") do
        assert.is_string(p.Name)
        n = n + 1
        p:close()
      end
    end)
    -- processes come and go (the suite starts some): about the same
    assert.is_true(n >= 1 and math.abs(n - want) <= 3, ("%d against %d"):format(n, want))
  end)

  it("query_async takes WQL property lists and ASSOCIATORS OF, as ExecQuery does", function()
    local n = 0
    for p in svc:query_async("SELECT Name, ProcessId FROM Win32_Process") do
      assert.is_string(p.Name)
      assert.is_number(p.ProcessId)
      n = n + 1
      p:close()
    end
    assert.is_true(n >= 1)
    local q = 'ASSOCIATORS OF {Win32_Process.Handle="4"}'
    local sync <close> = svc:ExecQuery(q)
    local count = 0
    for o in svc:query_async(q) do count = count + 1 o:close() end
    assert.equal(sync.Count, count)
  end)

  it("leaving an iterator early stops its enumeration and leaves nothing pending", function()
    for _ = 1, 3 do
      for p in svc:instances_of_async("Win32_Process") do
        p:close()
        break
      end
      assert.equal(0, wbem.pending())
    end
  end)

  it("the forms Wine's wbemdisp lacks raise its E_NOTIMPL, with nothing pending", function()
    local cls <close> = svc:get_async("Win32_Process")
    for _, f in ipairs{
      function() for _ in svc:subclasses_of_async("CIM_Process") do end end,
      function() for _ in svc:associators_of_async('Win32_Process.Handle="4"') do end end,
      function() for _ in svc:references_to_async('Win32_Process.Handle="4"', { role = "x" }) do end end,
      function() for _ in cls:instances_async() do end end,
      function() for _ in cls:subclasses_async() do end end,
      function() for _ in cls:associators_async{ result_class = "Win32_Service" } do end end,
      function() for _ in cls:references_async() do end end,
    } do
      local err = raises(f)
      assert.is_true(wbem.is_error(err), tostring(err))
      assert.equal("E_NOTIMPL", err.name)
    end
    assert.equal(0, wbem.pending())
  end)

  it("obj:exec_async runs Win32_Process.Create on a worker: out.ReturnValue, out.ProcessId", function()
    local cls <close> = svc:get_async("Win32_Process")
    wbem.run(function()
      local out <close> = cls:exec_async("Create", { CommandLine = "cmd.exe /c exit 0" })
      assert.equal(0, out.ReturnValue)
      assert.is_true(math.type(out.ProcessId) == "integer" and out.ProcessId > 0)
    end)
  end)

  it("svc:exec_async gets the class for the in-parameters, then runs ExecMethod", function()
    local out <close> = svc:exec_async("Win32_Process", "Create", { CommandLine = "cmd.exe /c exit 0" },
                                       { timeout = 10000 })
    assert.equal(0, out.ReturnValue)
    assert.is_true(out.ProcessId > 0)
  end)

  it("exec_async refuses bad input naming the function and the argument", function()
    local cls <close> = svc:get_async("Win32_Process")
    assert.matches("obj:exec_async: expects a method name, got nil", raises(cls.exec_async, cls))
    assert.matches("obj:exec_async: parameters must be a table of name = value, got 5",
                   raises(cls.exec_async, cls, "Create", 5))
    assert.matches("obj:exec_async: parameter names must be strings, got 1",
                   raises(cls.exec_async, cls, "Create", { "x" }))
    assert.matches("obj:exec_async: unknown option 'bogus'",
                   raises(cls.exec_async, cls, "Create", {}, { bogus = 1 }))
    assert.matches("obj:exec_async: option 'timeout' must be a non%-negative number",
                   raises(cls.exec_async, cls, "Create", {}, { timeout = 0 / 0 }))
    assert.matches("svc:exec_async: the object path .* names no class",
                   raises(svc.exec_async, svc, "=x", "Create", { CommandLine = "x" }))
    assert.matches("obj:exec_async: expects a bridged object before the colon",
                   raises(cls.exec_async, {}, "Create"))
    local err = raises(cls.exec_async, cls, "NoSuchMethod", { A = 1 })
    assert.is_true(wbem.is_error(err), tostring(err))
    local closed = svc:get_async("Win32_Process")
    closed:close()
    assert.matches("obj:exec_async: the object is closed", raises(closed.exec_async, closed, "Create"))
  end)

  it("events over the worker transport raise Wine's E_NOTIMPL, with nothing pending", function()
    local err = raises(function()
      for _ in svc:events("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_Process'",
                          { within = 1, timeout = 1000 }) do end
    end)
    assert.equal("E_NOTIMPL", err.name)
    local got
    local sub = svc:subscribe("SELECT * FROM __InstanceCreationEvent WITHIN 1", function() end,
                              { on_error = function(e) got = e end })
    while sub:is_open() do wbem.pump(100) end
    assert.equal("E_NOTIMPL", got.name)
    assert.equal(0, wbem.pending())
  end)
end)


