-- The worker transport: blocking calls on the worker pool, against Wine's real WMI and
-- the simulator with one spec body where they behave alike; timeouts, hangs and the
-- pool's figures against the simulator's Control knobs (SyncLatencyMs, SyncHang).
local wbem = require "wbem"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"

local raises = simfix.raises
local WBEM_E_TIMED_OUT = 0x80041069

-- What differs between the two targets; everything else below is the same. The specs
-- compare the counts of two enumerations, so the real target's class must have a fixed
-- set of instances: Win32_Process does not (the suite starts and ends processes around
-- it, and CI once saw 10 against 14), Win32_Service does.
local targets = {
  { name = "Wine's real WMI", opts = {}, class = "Win32_Service",
    wql = "SELECT * FROM Win32_Service" },
  { name = "the simulator #sim", opts = simfix.options, class = "Sim_Base",
    wql = "SELECT * FROM Sim_Base" },
}

local function connect(t, extra)
  local o = { locator = t.opts.locator, sink = t.opts.sink }
  for k, v in pairs(extra or {}) do o[k] = v end
  return wbem.connect(o)
end

local function count(set)
  local n = 0
  for o in wbem.each(set) do
    n = n + 1
    o:close()
  end
  return n
end

for _, t in ipairs(targets) do
  describe("worker calls on " .. t.name, function()
    local svc
    before_each(function() svc = connect(t, { async = "worker", timeout = 10000 }) end)
    after_each(function()
      svc:close()
      assert.equal(0, wbem.pending())
    end)

    it("connect{timeout=} connects off the Lua thread; the connection works as any other", function()
      assert.is_true(wbem.is_object(svc))
      assert.is_false(core.lives_here(svc))    -- a proxy, or a free-threaded object
      local set <close> = svc:ExecQuery(t.wql)
      assert.is_true(set.Count >= 1)
    end)

    it("query_async yields each object of a semisynchronous query, as ExecQuery has them", function()
      local expected
      do
        local set <close> = svc:ExecQuery(t.wql)
        expected = count(set)
      end
      local n, text = 0, nil
      wbem.run(function()
        for o in svc:query_async(t.wql) do
          n = n + 1
          text = text or o:GetObjectText_()
          o:close()
        end
      end)
      assert.equal(expected, n)
      assert.matches("instance of " .. t.class, text)
    end)

    it("get_async gets a class, as Get does", function()
      local cls <close> = svc:get_async(t.class)
      local sync <close> = svc:Get(t.class)
      assert.equal(sync:GetObjectText_(), cls:GetObjectText_())
    end)

    it("call_async runs ExecQuery, InstancesOf, Get and property gets on a worker", function()
      local q <close> = wbem.call_async(svc, "ExecQuery", { t.wql })
      local i <close> = wbem.call_async(svc, "InstancesOf", { t.class })
      local n = wbem.call_async(q, "Count")
      assert.is_true(n >= 1)
      assert.equal(n, i.Count)
      local cls <close> = wbem.call_async(svc, "Get", { t.class }, { timeout = 5000 })
      local sync <close> = svc:Get(t.class)
      assert.equal(sync:GetObjectText_(), cls:GetObjectText_())
    end)

    it("a failing call raises what the synchronous call raises", function()
      local sync = raises(function() return svc:Get("LuaSpec_NoSuchClass") end)
      local err = raises(function() return wbem.call_async(svc, "Get", { "LuaSpec_NoSuchClass" }) end)
      assert.is_true(wbem.is_error(err))
      assert.equal(sync.hresult, err.hresult)
      assert.equal(sync.name, err.name)
      assert.equal("call Get", err.operation)
      local e2 = raises(function() return svc:get_async("LuaSpec_NoSuchClass") end)
      assert.equal(sync.hresult, e2.hresult)
    end)

    it("connecting to a server that is not there fails as the synchronous connect does, naming it", function()
      local sync = raises(function() return connect(t, { server = "lua-wbem-nohost" }) end)
      local err = raises(function() return connect(t, { server = "lua-wbem-nohost", timeout = 5000 }) end)
      assert.equal(sync.hresult, err.hresult)
      assert.equal("lua-wbem-nohost", err.server)
      assert.matches("lua%-wbem%-nohost", tostring(err))
    end)

    it("many tasks connect at once, each yielding until connected", function()
      local got = {}
      for i = 1, 10 do
        wbem.spawn(function()
          local c = connect(t, { timeout = 10000 })
          local set <close> = c:ExecQuery(t.wql)
          got[i] = set.Count >= 1
          c:close()
        end)
      end
      assert.is_true(wbem.pending() > 0)
      wbem.run()
      for i = 1, 10 do assert.is_true(got[i]) end
    end)
  end)
end

describe("worker calls on Wine's real WMI", function()
  it("call_async runs ExecMethod_: Win32_Process.Create really starts a process", function()
    local svc <close> = wbem.connect{ async = "worker" }
    local cls <close> = svc:Get("Win32_Process")
    local methods <close> = cls.Methods_
    local m <close> = methods:Item("Create")
    local inp <close> = m.InParameters
    inp.CommandLine = "cmd.exe /c exit 0"
    local out <close> = wbem.call_async(cls, "ExecMethod_", { "Create", inp }, { timeout = 10000 })
    assert.equal(0, out.ReturnValue)
    assert.is_true(out.ProcessId > 0)
  end)

  it("refuses an object that lives on the Lua thread, instead of running the call there", function()
    local plain <close> = wbem.connect{}
    assert.is_true(core.lives_here(plain))
    assert.matches("lives in the Lua thread's apartment",
                   raises(function() return wbem.call_async(plain, "ExecQuery", { "SELECT * FROM Win32_Process" }) end))
    assert.matches("obj:put_async: the object lives",
                   raises(function()
                     local c <close> = plain:Get("Win32_Process")
                     return c:put_async{ async = "worker" }
                   end))
    assert.equal(0, wbem.pending())
  end)

  it("takes wbem.out for out parameters, as a direct call does #wine", function()
    -- a VBScript object made on a worker (it lives off the Lua thread)
    local loop, worker = require "wbem.loop", require "wbem.worker"
    local sc <close> = loop.await(worker.start("create", 5000, core.job_create,
                                               "MSScriptControl.ScriptControl"))
    sc.Language = "VBScript"
    sc:AddCode([[
Function Pair(ByRef a, n, ByRef b)
  a = "first" : b = Array(n, n * 2)
  Pair = "result"
End Function]])
    local vb <close> = sc.CodeObject
    local r, a, b = wbem.call_async(vb, "Pair", { wbem.out, 5, wbem.out })
    assert.equal("result", r)
    assert.equal("first", a)
    assert.same({ 5, 10 }, b)
  end)
end)

describe("worker calls on the simulator #sim", function()
  local control, svc
  before_each(function() control, svc = simfix.setup("worker") end)
  after_each(function()
    wbem.workers{ max = 64, idle_ms = 5000 }
    simfix.teardown(control, svc)
  end)

  it("connect{timeout=} raises an error with timeout = true naming the server", function()
    control.SyncHang = true
    local t0 = wbem.clock()
    local err = raises(function() return simfix.connect(nil, nil, 80) end)
    local spent = wbem.clock() - t0
    assert.is_true(spent >= 80 and spent < 2000, spent)
    assert.is_true(err.timeout)
    assert.equal(WBEM_E_TIMED_OUT, err.hresult)
    assert.equal(".", err.server)
    assert.matches("timed out after 80 ms", tostring(err))
    control.SyncHang = false                -- the late connection is made, then released
    local deadline = wbem.clock() + 3000
    while wbem.workers().busy > 0 and wbem.clock() < deadline do wbem.pump(10) end
    assert.equal(0, wbem.workers().busy)    -- the teardown finds nothing of it left
  end)

  it("connect without a timeout waits as long as the connection takes", function()
    control.SyncLatencyMs = 150
    local t0 = wbem.clock()
    local c <close> = wbem.connect{ locator = simfix.options.locator, async = "worker" }
    assert.is_true(wbem.clock() - t0 >= 150)
  end)

  it("a 500 ms call leaves the Lua thread free: pump(0) returns at once meanwhile", function()
    control.SyncLatencyMs = 500
    local result, worst, steps = nil, 0, 0
    wbem.spawn(function()
      result = wbem.call_async(svc, "Get", { "LuaSpec_Item" })
    end)
    while not result do
      local s = wbem.clock()
      wbem.pump(0)
      worst = math.max(worst, wbem.clock() - s)
      steps = steps + 1
    end
    result:close()
    assert.is_true(steps > 100, steps)
    assert.is_true(worst < 50, ("pump(0) took %.1f ms"):format(worst))
  end)

  it("calls that hang do not starve the pool: it grows past them, up to its cap", function()
    wbem.workers{ max = 2 }
    control.SyncHang = true
    local errs = {}
    for i = 1, 3 do
      wbem.spawn(function()
        local ok, e = pcall(wbem.call_async, svc, "Get", { "LuaSpec_Item" }, { timeout = 50 })
        errs[i] = not ok and e.timeout
      end)
    end
    wbem.run()
    assert.same({ true, true, true }, errs)
    local w = wbem.workers()
    assert.equal(3, w.stuck)           -- two started at once; the third in place of a stuck one
    assert.is_true(w.threads >= 3, w.threads)
    control.SyncHang = false           -- the calls return, unheard, and their results go
    local deadline = wbem.clock() + 3000
    while wbem.workers().stuck > 0 and wbem.clock() < deadline do wbem.pump(10) end
    assert.equal(0, wbem.workers().stuck)
  end)

  it("idle workers exit", function()
    local c <close> = wbem.call_async(svc, "Get", { "LuaSpec_Item" })
    assert.is_true(wbem.workers().threads >= 1)
    wbem.workers{ idle_ms = 50 }
    local deadline = wbem.clock() + 3000
    while wbem.workers().threads > 0 and wbem.clock() < deadline do wbem.pump(20) end
    assert.equal(0, wbem.workers().threads)
  end)

  it("a query's timeout bounds the whole loop", function()
    control.SyncHang = true
    local t0 = wbem.clock()
    local err = raises(function()
      for o in svc:query_async("SELECT * FROM LuaSpec_Item", { timeout = 60 }) do o:close() end
    end)
    assert.is_true(err.timeout)
    assert.is_true(wbem.clock() - t0 >= 60)
    assert.equal("ExecQuery SELECT * FROM LuaSpec_Item", err.operation)
    control.SyncHang = false
    local deadline = wbem.clock() + 3000
    while wbem.workers().busy > 0 and wbem.clock() < deadline do wbem.pump(10) end
  end)

  it("a query stops fetching while its objects wait unread (backpressure)", function()
    for i = 1, 100 do
      local item <close> = simfix.item(svc, "bp" .. i, i)
      item:Put_()
    end
    local window = wbem.workers().window
    local n = 0
    for o in svc:query_async("SELECT * FROM LuaSpec_Item") do
      n = n + 1
      o:close()
      if n == 1 then
        -- nobody reads: the worker must park (within 2 s, however slowly its thread runs)
        local t = wbem.clock() + 2000
        while wbem.workers().parked == 0 and wbem.clock() < t do wbem.pump(20) end
        assert.equal(1, wbem.workers().parked)
        assert.is_true(core.queued() <= window, core.queued())
      end
    end
    assert.equal(100, n)
    assert.equal(0, wbem.workers().parked)
  end)

  it("the transport can be chosen per call", function()
    local plain <close> = simfix.connect()
    local item <close> = simfix.item(plain, "per-call")
    local p <close> = item:put_async{ async = "worker" }   -- simulator objects are free-threaded
    local stored <close> = svc:Get(simfix.path_of("per-call"))
    assert.is_true(stored:delete_async{ async = "sink" })
  end)

  it("refuses what only a sink can serve, and bad input, with clear errors", function()
    local item <close> = simfix.item(svc, "bad")
    assert.matches("option 'on_progress' needs the sink transport",
                   raises(function() item:put_async{ on_progress = print } end))
    assert.matches("option 'async_context' needs the sink transport",
                   raises(function() item:put_async{ async_context = 1 } end))
    assert.matches("wbem.call_async: expects a bridged object, got nil",
                   raises(wbem.call_async, nil, "Get"))
    assert.matches("the member name must be a string, got 3",
                   raises(wbem.call_async, svc, 3))
    assert.matches("the arguments must be a table",
                   raises(wbem.call_async, svc, "Get", "LuaSpec_Item"))
    assert.matches("option 'timeout' must be a non%-negative number of milliseconds, got nan",
                   raises(wbem.call_async, svc, "Get", {}, { timeout = 0 / 0 }))
    assert.matches("no property or method named 'NoSuch'",
                   tostring(raises(wbem.call_async, svc, "NoSuch", {})))
    local closed = simfix.connect()
    closed:close()
    assert.matches("the object is closed", raises(wbem.call_async, closed, "Get", {}))
    assert.matches("option 'timeout'", raises(wbem.connect, { timeout = -1 }))
    assert.matches([[option 'async' must be "sink" or "worker"]], raises(wbem.connect, { async = true }))
    assert.matches("option 'max' must be an integer in 1..256, got 0", raises(wbem.workers, { max = 0 }))
    assert.matches("option 'max' must be an integer", raises(wbem.workers, { max = 1.5 }))
    assert.matches("option 'idle_ms' must be an integer", raises(wbem.workers, { idle_ms = 1 / 0 }))
    assert.matches("unknown option", raises(wbem.workers, { threads = 3 }))
    assert.equal(0, wbem.pending())
  end)

  it("a coroutine that is not a task pumps instead of yielding", function()
    control.SyncLatencyMs = 30
    local gen = coroutine.wrap(function()
      local c <close> = wbem.call_async(svc, "Get", { "LuaSpec_Item" })
      coroutine.yield("mine")
      return wbem.is_object(c)
    end)
    assert.equal("mine", gen())            -- its resumer gets its own value, not the pump's
    assert.is_true(gen())
  end)

  it("objects keep working after the connection they came from is closed", function()
    local c = simfix.connect(nil, "worker")
    local set <close> = wbem.call_async(c, "ExecQuery", { "SELECT * FROM LuaSpec_Item" })
    c:close()
    assert.equal(0, wbem.call_async(set, "Count"))
    assert.matches("the object is closed", raises(wbem.call_async, c, "Get", {}))
  end)

  it("arguments of every kind: nil, false, NaN, huge numbers, arrays, out slots", function()
    -- Get(path, flags, context): a nil context is Nothing, a trailing nil is left out
    local c1 <close> = wbem.call_async(svc, "Get", { "LuaSpec_Item", 0, nil, n = 3 })
    assert.is_true(wbem.is_object(c1))
    -- what the synchronous call makes of a value, the worker call makes of it too
    for _, flags in ipairs{ 0 / 0, math.huge, math.maxinteger, 2 ^ 53, false, -1 } do
      local okS, rS = pcall(function() return svc:Get("LuaSpec_Item", flags) end)
      local okW, rW = pcall(wbem.call_async, svc, "Get", { "LuaSpec_Item", flags })
      assert.equal(okS, okW, tostring(flags))
      if okS then
        rS:close(); rW:close()
      else
        assert.equal(tostring(rS):gsub("SWbemServices%.", ""), tostring(rW))
      end
    end
    assert.matches("too many arguments",
                   raises(wbem.call_async, svc, "Get", { "LuaSpec_Item", 0, nil, 1, 2, 3, 4 }))
    assert.is_not_nil(raises(wbem.call_async, svc, "Get", { "LuaSpec_Item", math.maxinteger }))
    assert.matches("an array holding objects cannot go to a worker call",
                   raises(wbem.call_async, svc, "Get", { { svc } }))
    assert.equal(0, wbem.pending())
  end)

  it("math.huge as a timeout waits without a bound", function()
    control.SyncLatencyMs = 50
    local c <close> = wbem.call_async(svc, "Get", { "LuaSpec_Item" }, { timeout = math.huge })
    assert.is_true(wbem.is_object(c))
    assert.is_nil(wbem.timeout())
  end)
end)
