-- The query family as iterators (svc:instances_of_async, ..., obj:references_async) and
-- methods as asynchronous calls (obj:exec_async, svc:exec_async): against Wine's real WMI
-- on the worker transport (what Wine's wbemdisp serves), and against the simulator on
-- both transports with one body.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local raises = simfix.raises

local WBEM_E_INVALID_METHOD = 0x8004102E

-- The relative paths of the objects an iterator yields, sorted (a class's is its name);
-- each object is released.
local function paths(...)
  local out = {}
  for o in ... do
    local p <close> = o.Path_
    out[#out + 1] = p.RelPath
    o:close()
  end
  table.sort(out)
  return out
end

local function keys_of(set)
  return paths(wbem.each(set))
end

describe("the query family and exec_async on Wine's real WMI (worker transport) #wine", function()
  local svc
  before_each(function() svc = wbem.connect{ async = "worker", timeout = 10000 } end)
  after_each(function()
    svc:close()
    assert.equal(0, wbem.pending())
  end)

  it("instances_of_async yields what InstancesOf has", function()
    -- Win32_Service, not Win32_Process: processes come and go while the suite runs, so
    -- two enumerations of them need not agree, and the check could only be approximate
    local want = {}
    do
      local set <close> = svc:InstancesOf("Win32_Service")
      for p in wbem.each(set) do
        want[#want + 1] = p.Name
        p:close()
      end
    end
    local got = {}
    wbem.run(function()
      for p in svc:instances_of_async("Win32_Service") do
        got[#got + 1] = p.Name
        p:close()
      end
    end)
    assert.is_true(#want >= 1)
    assert.same(want, got)
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
    assert.equal(WBEM_E_INVALID_METHOD, err.hresult)       -- as without in-parameters
    assert.equal(WBEM_E_INVALID_METHOD, raises(wbem.exec, cls, "NoSuchMethod").hresult)
    err = raises(cls.exec_async, cls, "Create", { Nope = 1 })
    assert.equal(0x80020006, err.hresult)                   -- DISP_E_UNKNOWNNAME, Wine's answer
    assert.matches("obj:exec_async Create: .*Create has no in%-parameter 'Nope'", tostring(err))
    local closed = svc:get_async("Win32_Process")
    closed:close()
    assert.matches("obj:exec_async: the object is closed", raises(closed.exec_async, closed, "Create"))
    -- on another kind of object: the call and the kind, before any in-parameter is made
    assert.equal("obj:exec_async: the object is an SWbemServices, which has no ExecMethod_",
                 raises(svc.exec_async, svc, "Create", { CommandLine = "x" }))
    assert.equal("svc:exec_async: the object is an SWbemObject, which has no ExecMethod",
                 raises(cls.exec_async, cls, "Win32_Process", "Create", { CommandLine = "x" }))
    assert.equal("wbem.exec: the object is an SWbemServices, which has no ExecMethod_",
                 raises(wbem.exec, svc, "Create", { CommandLine = "x" }))
  end)

  it("events over the worker transport raise Wine's E_NOTIMPL, with nothing pending", function()
    local err = raises(function()
      for _ in svc:events("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_Process'",
                          { within = 1, timeout = 1000 }) do end
    end)
    assert.equal("E_NOTIMPL", err.name)
    -- the subscription is refused when it is made: subscribe raises it
    err = raises(svc.subscribe, svc, "SELECT * FROM __InstanceCreationEvent WITHIN 1", function() end)
    assert.equal("E_NOTIMPL", err.name)
    assert.equal(0, wbem.pending())
  end)
end)



-- The same calls against the simulator's query family and methods (root\cimv2: Sim_Base,
-- Sim_Derived, the association Sim_Link b1 -> d1, Win32_Process), one body for both
-- transports.
local WBEM_E_NOT_FOUND = 0x80041002
local WBEM_E_INVALID_CLASS = 0x80041010

for _, mode in ipairs{ "sink", "worker" } do
  describe(("the query family and exec_async on the simulator, %s transport #sim"):format(mode), function()
    local control, svc
    before_each(function()
      control = simfix.control()
      control:Reset()
      svc = simfix.connect("root\\cimv2", mode)
    end)
    after_each(function()
      svc:close()
      assert.equal(0, wbem.pending())
      assert.equal(0, simfix.live(control))
      control:Reset()
      control:close()
    end)

    it("exec_async and wbem.exec on another kind of object name the call and the kind", function()
      local cls <close> = svc:Get("Win32_Process")
      local sink = mode == "sink"
      assert.equal("obj:exec_async: the object is an SWbemServices, which has no "
                   .. (sink and "ExecMethodAsync_" or "ExecMethod_"),
                   raises(svc.exec_async, svc, "Create", { CommandLine = "x" }))
      assert.equal("svc:exec_async: the object is an SWbemObject, which has no "
                   .. (sink and "ExecMethodAsync" or "ExecMethod"),
                   raises(cls.exec_async, cls, "Win32_Process", "Create", { CommandLine = "x" }))
      assert.equal("wbem.exec: the object is an SWbemServices, which has no ExecMethod_",
                   raises(wbem.exec, svc, "Create", { CommandLine = "x" }))
    end)

    it("each iterator yields what its synchronous call returns", function()
      local b1 <close> = svc:Get('Sim_Base.Id="b1"')
      local base <close> = svc:Get("Sim_Base")
      local cases = {
        { function() return svc:instances_of_async("Sim_Base") end, function() return svc:InstancesOf("Sim_Base") end },
        { function() return svc:subclasses_of_async("Sim_Base") end, function() return svc:SubclassesOf("Sim_Base") end },
        { function() return svc:associators_of_async('Sim_Base.Id="b1"') end, function() return svc:AssociatorsOf('Sim_Base.Id="b1"') end },
        { function() return svc:references_to_async('Sim_Base.Id="b1"') end, function() return svc:ReferencesTo('Sim_Base.Id="b1"') end },
        { function() return base:instances_async() end, function() return base:Instances_() end },
        { function() return base:subclasses_async() end, function() return base:Subclasses_() end },
        { function() return b1:associators_async() end, function() return b1:Associators_() end },
        { function() return b1:references_async() end, function() return b1:References_() end },
        { function() return svc:query_async('REFERENCES OF {Sim_Base.Id="b1"}') end,
          function() return svc:ExecQuery('REFERENCES OF {Sim_Base.Id="b1"}') end },
      }
      for i, c in ipairs(cases) do
        local got = paths(c[1]())
        local set <close> = c[2]()
        local want = keys_of(set)
        assert.is_true(#want >= 1, "case " .. i)
        assert.same(want, got, "case " .. i)
      end
    end)

    it("filters and flags go to the call", function()
      assert.same({ 'Sim_Base.Id="b1"' },
                  paths(svc:instances_of_async("Sim_Base", { flags = wbem.flags.Shallow })))
      assert.same({ 'Sim_Derived.Id="d1"' },
                  paths(svc:associators_of_async('Sim_Base.Id="b1"', { result_class = "Sim_Derived" })))
      assert.same({}, paths(svc:associators_of_async('Sim_Base.Id="b1"', { assoc_class = "Sim_Settings" })))
      assert.same({ "Sim_Derived" },
                  paths(svc:associators_of_async('Sim_Base.Id="b1"', { classes_only = true })))
      assert.same({}, paths(svc:references_to_async('Sim_Base.Id="b1"', { role = "Dependent" })))
      assert.equal(1, #paths(svc:references_to_async('Sim_Base.Id="b1"', { role = "Antecedent" })))
      local all = paths(svc:subclasses_of_async())
      local names = table.concat(all, " ")
      assert.matches("Sim_Base", names)
      assert.matches("Sim_Derived", names)
      assert.matches("Win32_Process", names)
      -- a property list: only the listed properties and the keys
      for o in svc:query_async("SELECT Label FROM Sim_Base") do
        assert.is_string(o.Label)
        assert.is_string(o.Id)
        assert.has_error(function() return o.Extra end)
        o:close()
      end
    end)

    it("a failing call raises the provider's error; leaving early cancels and releases", function()
      local err = raises(function() for _ in svc:instances_of_async("NoSuchClass") do end end)
      assert.equal(WBEM_E_INVALID_CLASS, err.hresult)
      err = raises(function() for _ in svc:associators_of_async('Sim_Base.Id="nope"') do end end)
      assert.equal(WBEM_E_NOT_FOUND, err.hresult)
      if mode == "sink" then control.LatencyMs = 50 else control.SyncLatencyMs = 50 end
      -- each iterator left after its first object: the call cancelled (or its enumeration
      -- stopped), what came unread released, without the collector
      local b1 <close> = svc:Get('Sim_Base.Id="b1"')
      local base <close> = svc:Get("Sim_Base")
      local before, after = simfix.released(control, function()
        for _, it in ipairs{
          function() return svc:query_async("SELECT * FROM Win32_Process") end,
          function() return svc:instances_of_async("Win32_Process") end,
          function() return svc:subclasses_of_async() end,
          function() return svc:associators_of_async('Sim_Base.Id="b1"') end,
          function() return svc:references_to_async('Sim_Base.Id="b1"') end,
          function() return base:instances_async() end,
          function() return base:subclasses_async() end,
          function() return b1:associators_async() end,
          function() return b1:references_async() end,
        } do
          for o in it() do o:close() break end
        end
      end)
      assert.equal(before, after)
      local t0 = wbem.clock()
      err = raises(function()
        for _ in svc:instances_of_async("Sim_Base", { timeout = 10 }) do end
      end)
      assert.is_true(err.timeout)
      assert.is_true(wbem.clock() - t0 < 45)
    end)

    it("one reader at a time: a second that comes while a task waits in the loop is an error naming the method", function()
      if mode == "sink" then control.LatencyMs = 50 else control.SyncLatencyMs = 50 end
      local next_obj, _, _, closer = svc:instances_of_async("Sim_Base")
      local _ <close> = closer
      local second, first = simfix.two_readers(next_obj, function(o) return o.Id end)
      assert.matches("svc:instances_of_async: the loop is being read already", second)
      wbem.run()
      assert.is_string(first())
      for o in next_obj, nil, nil, nil do o:close() end    -- the rest, read by one reader
    end)

    it("options are checked naming the method and the option", function()
      assert.matches("svc:associators_of_async: option 'result_class' must be a string, got 5",
                     raises(svc.associators_of_async, svc, "p", { result_class = 5 }))
      assert.matches("svc:references_to_async: option 'classes_only' must be a boolean",
                     raises(svc.references_to_async, svc, "p", { classes_only = "yes" }))
      assert.matches("svc:references_to_async: unknown option 'assoc_class'",
                     raises(svc.references_to_async, svc, "p", { assoc_class = "x" }))
      assert.matches("svc:instances_of_async: the class name must be a string, got nil",
                     raises(svc.instances_of_async, svc))
      assert.matches("svc:subclasses_of_async: the superclass name must be a string, got 5",
                     raises(svc.subclasses_of_async, svc, 5))
      assert.matches("obj:instances_async: expects a bridged object before the colon",
                     raises(svc.instances_async, {}))
      assert.equal(0, wbem.pending())
    end)

    it("exec_async: Win32_Process.Create, GetOwner and Terminate, by class, instance and path", function()
      wbem.run(function()
        local cls <close> = svc:get_async("Win32_Process")
        local out <close> = cls:exec_async("Create", { CommandLine = "notepad.exe" })
        assert.equal(0, out.ReturnValue)
        local pid = out.ProcessId
        assert.is_true(math.type(pid) == "integer" and pid > 0)
        local path = ('Win32_Process.Handle="%d"'):format(pid)
        local proc <close> = svc:get_async(path)
        assert.equal("notepad.exe", proc.Name)
        local owner <close> = proc:exec_async("GetOwner")
        assert.equal(0, owner.ReturnValue)
        assert.is_string(owner.User)
        local via <close> = svc:exec_async(path, "GetOwner")
        assert.equal(owner.User, via.User)
        local done <close> = svc:exec_async(path, "Terminate", { Reason = 0 })
        assert.equal(0, done.ReturnValue)
        local err = raises(svc.get_async, svc, path)
        assert.equal(WBEM_E_NOT_FOUND, err.hresult)
        local out2 <close> = svc:exec_async("Win32_Process", "Create", { CommandLine = "calc.exe" })
        assert.equal(0, out2.ReturnValue)
        -- a method's own failure is its ReturnValue: 21, no CommandLine
        local bad <close> = cls:exec_async("Create", { CurrentDirectory = "C:\\" })
        assert.equal(21, bad.ReturnValue)
      end)
    end)

    it("exec_async: an in-parameter Lua cannot pass is an error naming the method and the parameter; nothing stays behind", function()
      local cls <close> = svc:Get("Sim_Base")
      local dead = svc:Get("Sim_Base")
      dead:close()
      local before, after = simfix.released(control, function()
        for _, v in ipairs{ dead, print } do
          assert.matches("^spec[/\\]family_spec%.lua:%d+: obj:exec_async: parameter 'Text': ",
                         raises(function() local _ = cls:exec_async("Echo", { Text = v }) end))
          assert.matches("^spec[/\\]family_spec%.lua:%d+: svc:exec_async: parameter 'Text': ",
                         raises(function() local _ = svc:exec_async('Sim_Base.Id="b1"', "Echo", { Text = v }) end))
          assert.matches("wbem.exec: parameter 'Text': ", raises(wbem.exec, cls, "Echo", { Text = v }))
        end
      end)
      assert.equal(before, after)
    end)

    it("exec_async: the provider's refusals raise; what the call made is released", function()
      local cls <close> = svc:Get("Sim_Base")
      local before, after = simfix.released(control, function()
        local out <close> = cls:exec_async("Echo", { Text = "hello" })
        assert.equal("hello", out.Reply)
        assert.equal(5, out.ReturnValue)
        local err = raises(cls.exec_async, cls, "NoSuchMethod")
        assert.equal(WBEM_E_INVALID_METHOD, err.hresult)
        -- with in-parameters the same: the method set's lookup is not the error a user sees
        err = raises(cls.exec_async, cls, "NoSuchMethod", { Text = "x" })
        assert.equal(WBEM_E_INVALID_METHOD, err.hresult)
        assert.matches("the class has no method 'NoSuchMethod'", tostring(err))
        err = raises(cls.exec_async, cls, "Echo", { Bogus = 1 })   -- WMI's error, told as such
        assert.is_true(wbem.is_error(err))
        assert.matches("obj:exec_async Echo: .*Echo has no in%-parameter 'Bogus'", tostring(err))
        assert.matches("wbem.exec Echo: .*Echo has no in%-parameter 'Bogus'",
                       tostring(raises(wbem.exec, cls, "Echo", { Bogus = 1 })))
        err = raises(svc.exec_async, svc, 'Sim_Base.Id="b1"', "NoSuchMethod")
        assert.equal(WBEM_E_INVALID_METHOD, err.hresult)
        err = raises(svc.exec_async, svc, 'Sim_Base.Id="b1"', "NoSuchMethod", { Text = "x" })
        assert.equal(WBEM_E_INVALID_METHOD, err.hresult)
      end)
      assert.equal(before, after)
      if mode == "sink" then
        local steps = 0
        local out <close> = cls:exec_async("Echo", { Text = "x" }, { on_progress = function() steps = steps + 1 end })
        assert.is_true(steps > 0)
        control.LatencyMs = 200
      else
        control.SyncLatencyMs = 200
      end
      local err = raises(cls.exec_async, cls, "Echo", { Text = "x" }, { timeout = 20 })
      assert.is_true(err.timeout)
    end)
  end)
end
