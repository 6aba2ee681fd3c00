local wbem = require "wbem"

-- Against Wine's real WMI (wbemdisp + wbemprox): code nobody here wrote.
describe("WMI through the scripting objects", function()
  local svc

  lazy_setup(function()
    svc = wbem.connect{ namespace = "root\\cimv2" }
  end)

  lazy_teardown(function()
    wbem.close(svc)
  end)

  local function only(query)
    local found
    for item in wbem.each(svc:ExecQuery(query)) do
      assert.is_nil(found, "more than one result for " .. query)
      found = item
    end
    return found
  end

  it("connects to root\\cimv2 and returns an SWbemServices #smoke", function()
    assert.is_true(wbem.is_object(svc))
    assert.matches("^wbem%.object: SWbemServices", tostring(svc))
    local settings = wbem.settings(svc)
    assert.are.equal("WbemScripting.SWbemSink", settings.sink)
    assert.are.equal("WbemScripting.SWbemNamedValueSet", settings.named_value_set)
    assert.are.equal("WbemScripting.SWbemLocator", settings.locator)
  end)

  it("reads Win32_OperatingSystem's Caption, Version and BuildNumber #smoke", function()
    local os = only("SELECT * FROM Win32_OperatingSystem")
    assert.is_truthy(os)
    assert.are.equal("string", type(os.Caption))
    assert.matches("Windows", os.Caption)
    assert.matches("^%d+%.%d+%.%d+$", os.Version)
    assert.matches("^%d+$", os.BuildNumber)
    -- the two come from one source: Version ends in the build number
    assert.are.equal(os.BuildNumber, os.Version:match("%.(%d+)$"))
    assert.are.equal("boolean", type(os.Primary))
    assert.are.equal("integer", math.type(os.OSType))
  end)

  it("keeps the 64-bit integers WMI hands out as strings", function()
    local os = only("SELECT * FROM Win32_OperatingSystem")
    local total, free = os.TotalVisibleMemorySize, os.FreePhysicalMemory
    assert.are.equal("string", type(total))
    assert.matches("^%d+$", total)
    assert.matches("^%d+$", free)
    assert.is_true(tonumber(total) >= tonumber(free))
  end)

  it("iterates SELECT * FROM Win32_Process with each item's properties", function()
    local count, pids, mine = 0, {}, nil
    for p in wbem.each(svc:ExecQuery("SELECT * FROM Win32_Process")) do
      count = count + 1
      assert.matches("^wbem%.object: SWbemObject", tostring(p))
      assert.are.equal("integer", math.type(p.ProcessId))
      assert.is_nil(pids[p.ProcessId], "process ids are unique")
      pids[p.ProcessId] = p.Name
      if p.Name:lower() == "lua.exe" then mine = p end
      -- the settings of the connection follow every object it hands out
      assert.are.equal(wbem.settings(svc), wbem.settings(p))
    end
    assert.is_true(count >= 2)
    assert.is_truthy(mine, "this very lua.exe is among the processes")
    assert.is_true(mine.ThreadCount >= 1)
  end)

  it("iterates with break and stays usable", function()
    local first
    for p in wbem.each(svc:ExecQuery("SELECT * FROM Win32_Process")) do
      first = p
      break
    end
    assert.are.equal("string", type(first.Name))
    assert.is_truthy(only("SELECT * FROM Win32_OperatingSystem"))
  end)

  it("gets Win32_Process, starts a process with Create and takes its ProcessId out", function()
    local cls <close> = svc:Get("Win32_Process")
    assert.matches("^wbem%.object: SWbemObject", tostring(cls))
    -- Create is a method by the class's Methods_, so reading it does not run it
    local kind, source = wbem.core.member(cls, "Create")
    assert.are.equal("method", kind)
    assert.are.equal("wmi", source)
    assert.are.equal("function", type(cls.Create))
    -- the in-parameters of Win32_Process.Create, then ExecMethod_ as VBScript does
    local inp <close> = cls.Methods_:Item("Create").InParameters
    inp.CommandLine = "cmd.exe /c ping -n 3 127.0.0.1 >NUL"
    local out <close> = cls:ExecMethod_("Create", inp)
    assert.are.equal(0, out.ReturnValue)
    local pid = out.ProcessId
    assert.are.equal("integer", math.type(pid))
    assert.is_true(pid > 0)
    -- the process is really there
    local p = only("SELECT * FROM Win32_Process WHERE ProcessId = " .. pid)
    assert.is_truthy(p, "the new process is listed")
    assert.are.equal(pid, p.ProcessId)
    assert.are.equal("cmd.exe", p.Name:lower())
    -- and it has an owner
    local owner <close> = p:ExecMethod_("GetOwner")
    assert.are.equal(0, owner.ReturnValue)
    assert.are.equal("string", type(owner.User))
    assert.is_true(#owner.User > 0)
    assert.are.equal("string", type(owner.Domain))
  end)

  it("runs WMI methods with named parameters through wbem.exec", function()
    local cls <close> = svc:Get("Win32_Process")
    local out <close> = wbem.exec(cls, "Create", { CommandLine = "cmd.exe /c ping -n 2 127.0.0.1 >NUL" })
    assert.are.equal(0, out.ReturnValue)
    local pid = out.ProcessId
    assert.is_true(pid > 0)
    local p = only("SELECT * FROM Win32_Process WHERE ProcessId = " .. pid)
    assert.are.equal("cmd.exe", p.Name:lower())
    local owner <close> = wbem.exec(p, "GetOwner")
    assert.are.equal(0, owner.ReturnValue)
    assert.is_true(#owner.User > 0)
    -- WMI's own errors come through
    local ok, err = pcall(wbem.exec, cls, "NoSuchMethod")
    assert.is_false(ok)
    assert.are.equal("WBEM_E_INVALID_METHOD", err.name)
    ok, err = pcall(wbem.exec, cls, "Create", { NoSuchParameter = 1 })
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.matches("NoSuchParameter", tostring(err))
    ok, err = pcall(wbem.exec, cls, "Create", "notepad.exe")
    assert.is_false(ok)
    assert.matches("must be a table of name = value", err)
  end)

  it("calls WMI methods directly, with out parameters, on Wine too (where ExecMethod_ makes them) #smoke", function()
    local cls <close> = svc:Get("Win32_Process")
    local rc, pid = cls:Create("cmd.exe /c ping -n 2 127.0.0.1 >NUL", nil, nil, wbem.out)
    assert.are.equal(0, rc)
    assert.are.equal("integer", math.type(pid))
    assert.is_true(pid > 0)
    -- an instance, fetched by its key rather than taken from inside a query iteration
    local p <close> = svc:Get(('Win32_Process.Handle="%d"'):format(pid))
    local rv, user, domain = p:GetOwner(wbem.out, wbem.out)
    assert.are.equal(0, rv)
    assert.are.equal("string", type(user))
    assert.is_true(#user > 0)
    assert.are.equal("string", type(domain))
    -- a sint32 parameter given an unsigned value, as HKEY_LOCAL_MACHINE is written
    local def <close> = wbem.connect{ namespace = "root\\default" }
    local reg <close> = def:Get("StdRegProv")
    local r, name = reg:GetStringValue(0x80000002, "Software\\Microsoft\\Windows NT\\CurrentVersion",
                                       "ProductName", wbem.out)
    assert.are.equal(0, r)
    assert.matches("Windows", name)
  end)

  it("says which argument a method made through ExecMethod_ has no parameter for #wine", function()
    local cls <close> = svc:Get("Win32_Process")
    local ok, err = pcall(cls.Create, cls, "cmd.exe /c exit", nil, 5)
    assert.is_false(ok)
    assert.matches("Win32_Process%.Create: argument #3 has no in%-parameter to go to %(in%-parameters "
                   .. "here: CommandLine, CurrentDirectory%)", err)
    ok, err = pcall(cls.Create, cls, "cmd.exe /c exit", wbem.out, wbem.out)
    assert.is_false(ok)
    assert.matches("argument #3 is wbem.out, but the method has 1 out%-parameter%(s%) here %(ProcessId%)", err)
  end)

  it("tells WMI's properties from its methods by Methods_", function()
    local cls <close> = svc:Get("Win32_Process")
    assert.are.same({ "property", "wmi" }, { wbem.core.member(cls, "ProcessId") })
    assert.are.same({ "method", "wmi" }, { wbem.core.member(cls, "GetOwner") })
    assert.are.same({ "method", "typeinfo" }, { wbem.core.member(cls, "ExecMethod_") })
    assert.are.same({ "property", "typeinfo" }, { wbem.core.member(cls, "Methods_") })
  end)

  it("passes nil as a script host does: Nothing for objects, the default when optional", function()
    local q = "SELECT * FROM Win32_OperatingSystem"
    -- ExecQuery(strQuery, [strQueryLanguage = "WQL"], [iFlags = 16], [objWbemNamedValueSet])
    for _, args in ipairs{ { q, "WQL", 48, nil }, { q, nil, 48 }, { q, nil, nil, nil }, { q } } do
      local set <close> = svc:ExecQuery(table.unpack(args, 1, 4))
      assert.are.equal(1, set.Count)
    end
    local cls <close> = svc:Get("Win32_Process", nil, nil)
    assert.are.equal("method", (wbem.core.member(cls, "Create")))
  end)

  it("passes an unsigned 32-bit integer to a long parameter as its bit pattern", function()
    local nvs <close> = wbem.create("WbemScripting.SWbemNamedValueSet")
    local v <close> = nvs:Add("flags", 1, 0x80000000)         -- iFlags is a long
    assert.is_true(wbem.is_object(v))
    local ok, err = pcall(nvs.Add, nvs, "too_big", 1, 0x100000000)
    assert.is_false(ok)
    assert.are.equal("DISP_E_OVERFLOW", err.name)
  end)

  it("binds a winmgmts: moniker", function()
    local s = wbem.get("winmgmts:{impersonationLevel=impersonate}!\\\\.\\root\\cimv2")
    assert.matches("^wbem%.object: SWbemServices", tostring(s))
    assert.are.equal("WbemScripting.SWbemSink", wbem.settings(s).sink)
    local n = 0
    for os in wbem.each(s:ExecQuery("SELECT * FROM Win32_OperatingSystem")) do
      n = n + 1
      assert.matches("Windows", os.Caption)
    end
    assert.are.equal(1, n)
    wbem.close(s)
  end)

  it("binds a winmgmts: moniker of a class", function()
    local cls = wbem.get("winmgmts:Win32_Process")
    assert.matches("^wbem%.object: SWbemObject", tostring(cls))
    assert.are.equal("method", (wbem.core.member(cls, "Create")))
    wbem.close(cls)
  end)

  it("gives WBEM_E_INVALID_METHOD for an unknown method, reading well", function()
    local cls <close> = svc:Get("Win32_Process")
    local ok, err = pcall(function() return cls:ExecMethod_("NoSuchMethod") end)
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.are.equal(0x8004102E, err.hresult)
    assert.are.equal("WBEM_E_INVALID_METHOD", err.name)
    assert.are.equal("call SWbemObject.ExecMethod_", err.operation)
    assert.are.equal("wbem: call SWbemObject.ExecMethod_: WBEM_E_INVALID_METHOD (0x8004102E): "
      .. "Requested method is not available", tostring(err))
    -- the same through the services object
    ok, err = pcall(function() return svc:ExecMethod("Win32_Process", "NoSuchMethod") end)
    assert.is_false(ok)
    assert.are.equal(0x8004102E, err.hresult)
    assert.matches("call SWbemServices%.ExecMethod", tostring(err))
  end)

  it("gives an unknown name on a WMI object as a structured error", function()
    local cls <close> = svc:Get("Win32_Process")
    local ok, err = pcall(function() return cls:NoSuchMethod() end)
    assert.is_false(ok)
    assert.are.equal("DISP_E_UNKNOWNNAME", err.name)
    assert.matches("NoSuchMethod", tostring(err))
  end)

  it("gives WBEM_E_INVALID_NAMESPACE for an unknown namespace", function()
    local ok, err = pcall(wbem.connect, { namespace = "root\\no_such_namespace" })
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.are.equal(0x8004100E, err.hresult)
    assert.are.equal("WBEM_E_INVALID_NAMESPACE", err.name)
    assert.matches("^wbem: call SWbemLocator%.ConnectServer: WBEM_E_INVALID_NAMESPACE", tostring(err))
    ok, err = pcall(wbem.get, "winmgmts:\\\\.\\root\\no_such_namespace")
    assert.is_false(ok)
    assert.are.equal(0x8004100E, err.hresult)
  end)

  it("gives WMI's own errors for an unknown class and a bad query", function()
    local ok, err = pcall(function() return svc:Get("No_Such_Class") end)
    assert.is_false(ok)
    assert.are.equal("WBEM_E_NOT_FOUND", err.name)
    ok, err = pcall(function() return svc:ExecQuery("SELEKT * FROM Win32_Process") end)
    assert.is_false(ok)
    assert.are.equal("WBEM_E_INVALID_QUERY", err.name)
  end)

  it("gives a structured error for a property that does not exist", function()
    local os = only("SELECT * FROM Win32_OperatingSystem")
    local ok, err = pcall(function() return os.NoSuchProperty end)
    assert.is_false(ok)
    assert.is_true(wbem.is_error(err))
    assert.are.equal("DISP_E_UNKNOWNNAME", err.name)
    assert.matches("NoSuchProperty", err.message)
  end)

  it("applies impersonation and authentication through Security_", function()
    local s <close> = wbem.connect{ impersonation = "identify", authentication = "Pkt" }
    local n = 0
    for os in wbem.each(s:ExecQuery("SELECT * FROM Win32_OperatingSystem")) do
      n = n + 1
      assert.matches("Windows", os.Caption)
    end
    assert.are.equal(1, n)
    local a <close> = s.Security_
    local b <close> = s.Security_
    if a == b then
      -- Windows keeps one SWbemSecurity per services object: the values stick
      assert.are.equal(2, a.ImpersonationLevel)
      assert.are.equal(4, a.AuthenticationLevel)
    else
      -- Wine 8 hands out a fresh SWbemSecurity with its defaults on every read of
      -- Security_, so nothing can be read back; the puts themselves must work
      a.ImpersonationLevel = 2
      a.AuthenticationLevel = 4
      assert.are.equal(2, a.ImpersonationLevel)
      assert.are.equal(4, a.AuthenticationLevel)
    end
  end)

  it("reports what Wine lacks for privileges as a structured error, and closes the connection", function()
    local ok, err = pcall(wbem.connect, { privileges = { "SeDebugPrivilege" } })
    if not ok then
      assert.is_true(wbem.is_error(err))
      assert.matches("Privileges", tostring(err))
    end
  end)

  it("refuses unknown or mistyped options before connecting", function()
    local ok, err = pcall(wbem.connect, { namespcae = "root\\cimv2" })
    assert.is_false(ok)
    assert.matches("unknown option 'namespcae'", err)
    ok, err = pcall(wbem.connect, { impersonation = "impersonat" })
    assert.is_false(ok)
    assert.matches("unknown impersonation level 'impersonat'", err)
    ok, err = pcall(wbem.connect, { server = 42 })
    assert.is_false(ok)
    assert.matches("option 'server' must be a string", err)
    ok, err = pcall(wbem.connect, { privileges = { "SeDebugPrivilege", 7 } })
    assert.is_false(ok)
    assert.matches("privileges%[2%] must be a string", err)
    ok, err = pcall(wbem.connect, "root\\cimv2")
    assert.is_false(ok)
    assert.matches("expects a table of options", err)
  end)

  it("derives the helper progids from the locator's prefix", function()
    local ok, err = pcall(wbem.connect, { locator = "NoSuchVendor.SWbemLocator" })
    assert.is_false(ok)
    assert.are.equal("CO_E_CLASSSTRING", err.name)
    assert.matches("create NoSuchVendor%.SWbemLocator", tostring(err))
  end)
end)
