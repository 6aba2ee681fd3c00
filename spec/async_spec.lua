-- The async bridge: sinks with Lua handlers, the pump, and asynchronous calls as
-- coroutines, against the WMI simulator (Wine's WMI has no SWbemSink and answers
-- E_NOTIMPL to every *Async_ call; where it can serve, it is used below too).
local wbem = require "wbem"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"

local WBEM_E_NOT_FOUND         = 0x80041002
local WBEM_E_INVALID_PARAMETER = 0x80041008
local WBEM_E_ALREADY_EXISTS    = 0x80041019
local WBEM_E_CALL_CANCELLED    = 0x80041032
local WBEM_E_FAILED            = 0x80041001

local control, svc

local path_of, raises, spin = simfix.path_of, simfix.raises, simfix.spin

-- Pumps until cond() holds (or fails after ms).
local function pump_until(cond, ms)
  local deadline = core.clock() + (ms or 5000)
  while not cond() do
    assert(core.clock() < deadline, "timed out waiting")
    wbem.pump(50)
  end
end

before_each(function() control, svc = simfix.setup() end)
after_each(function() simfix.teardown(control, svc) end)

describe("put_async", function()
  it("outside a coroutine still dispatches other operations' events meanwhile #sim", function()
    control.LatencyMs = 50
    local other_done = false
    wbem.spawn(function()
      local item <close> = simfix.item(svc, "first")
      local p <close> = item:put_async{}
      other_done = true
    end)
    control.LatencyMs = 150
    local item <close> = simfix.item(svc, "second")
    local p <close> = item:put_async{}
    assert.is_true(other_done)
  end)

  it("raises the structured error with the SWbemLastError details #sim", function()
    local item <close> = simfix.item(svc, "c")
    control:FailNext(WBEM_E_FAILED, 1)
    local err = raises(function() item:put_async{} end)
    assert.is_true(core.is_error(err))
    assert.equal(WBEM_E_FAILED, err.hresult)
    assert.equal("WBEM_E_FAILED", err.name)
    assert.is_string(err.description)
    assert.is_string(err.provider)
    assert.is_string(err.operation)
    assert.matches("WBEM_E_FAILED", tostring(err))
  end)

  it("passes the context table as an SWbemNamedValueSet the provider receives #sim", function()
    local item <close> = simfix.item(svc, "ctx")
    local p <close> = item:put_async{ context = { Zeta = "last", Alpha = 1 } }
    assert.equal("Alpha=1;Zeta=last", control.LastContext)
  end)

  it("hands the async_context Lua value to on_progress #sim", function()
    control.ProgressSteps = 2
    local marker = { "any Lua value" }
    local seen = {}
    local item <close> = simfix.item(svc, "actx")
    local p <close> = item:put_async{ async_context = marker,
      on_progress = function(_, _, _, actx) seen[#seen + 1] = actx end }
    assert.equal(2, #seen)
    assert.equal(marker, seen[1])
    assert.equal(marker, seen[2])
  end)

  it("turns SendStatus on by itself when on_progress is given #sim #smoke", function()
    control.ProgressSteps = 3
    local calls = {}
    local item <close> = simfix.item(svc, "prog")
    local p <close> = item:put_async{ on_progress = function(upper, current, message)
      calls[#calls + 1] = { upper, current, message }
    end }
    assert.equal(3, #calls)
    for i, c in ipairs(calls) do
      assert.equal(3, c[1]); assert.equal(i, c[2]); assert.is_string(c[3])
    end
  end)

  it("times out: cancels through the sink and raises an error that says so #sim", function()
    control.Hang = true
    local item <close> = simfix.item(svc, "slow")
    local t0 = core.clock()
    local err = raises(function() item:put_async{ timeout = 100 } end)
    assert.is_true(core.clock() - t0 >= 100)
    assert.is_true(err.timeout)
    assert.equal(WBEM_E_CALL_CANCELLED, err.hresult)
    assert.matches("timed out", tostring(err))
  end)

  it("delivers an error raised by on_progress to the waiting caller and cancels #sim", function()
    control.ProgressSteps = 3
    control.LatencyMs = 20
    local item <close> = simfix.item(svc, "boom")
    local err = raises(function()
      item:put_async{ on_progress = function() error("progress handler failed") end }
    end)
    assert.matches("progress handler failed", err)
    assert.matches("traceback", err)
  end)

  it("a context it cannot build fails clearly and leaves nothing behind #sim", function()
    local item <close> = simfix.item(svc, "badctx")
    local baseline = simfix.live(control)
    assert.matches("context names must be strings",
                   raises(function() item:put_async{ context = { "positional" } } end))
    -- a value the set cannot take: the option and the name, not the library's own line
    assert.equals("obj:put_async: option 'context': value 'Fn': wbem: argument #2 to 'Add': "
                  .. "cannot pass a function to COM",
                  raises(function() item:put_async{ context = { Fn = print } } end))
    assert.matches("option 'context' must be a table",
                   raises(function() item:put_async{ context = "A=1" } end))
    assert.equal(0, wbem.pending())
    -- released at once, not left to the garbage collector: no collection in between
    assert.equal(baseline, control.LiveObjects)
  end)

  it("rejects bad options with clear errors", function()
    local item <close> = simfix.item(svc, "bad")
    assert.matches("unknown option 'flag'", raises(function() item:put_async{ flag = 1 } end))
    assert.matches("option 'flags' must be an integer", raises(function() item:put_async{ flags = "2" } end))
    assert.matches("expects a table", raises(function() item:put_async("x") end))
    assert.matches("option 'on_progress' must be a function",
                   raises(function() item:put_async{ on_progress = 1 } end))
    assert.matches("timeout", raises(function() item:put_async{ timeout = -1 } end))
  end)
end)

describe("the flags of the reference page, through put_async", function()
  local function put(name, flags, size)
    local item <close> = simfix.item(svc, name, size)
    local p <close> = item:put_async{ flags = flags }
    return p.RelPath
  end
  local function size_of(name)
    local o <close> = svc:Get(path_of(name))
    return o.Size
  end

  it("CreateOrUpdate creates, then overwrites", function()
    assert.equal(path_of("x"), put("x", wbem.flags.CreateOrUpdate, 1))
    put("x", wbem.flags.CreateOrUpdate, 2)
    assert.equal(2, size_of("x"))
  end)

  it("UpdateOnly fails with WBEM_E_NOT_FOUND when absent, updates when present", function()
    local err = raises(function() put("u", wbem.flags.UpdateOnly, 1) end)
    assert.equal(WBEM_E_NOT_FOUND, err.hresult)
    assert.equal("WBEM_E_NOT_FOUND", err.name)
    put("u", wbem.flags.CreateOnly, 1)
    put("u", wbem.flags.UpdateOnly, 3)
    assert.equal(3, size_of("u"))
  end)

  it("CreateOnly fails with WBEM_E_ALREADY_EXISTS when present", function()
    put("c", wbem.flags.CreateOnly, 1)
    local err = raises(function() put("c", wbem.flags.CreateOnly, 2) end)
    assert.equal(WBEM_E_ALREADY_EXISTS, err.hresult)
    assert.equal(1, size_of("c"))
  end)

  it("CreateOnly with UpdateOnly, or an unknown bit, is WBEM_E_INVALID_PARAMETER", function()
    local err = raises(function()
      put("p", wbem.flags.CreateOnly | wbem.flags.UpdateOnly)
    end)
    assert.equal(WBEM_E_INVALID_PARAMETER, err.hresult)
    err = raises(function() put("p", 0x4000000) end)
    assert.equal(WBEM_E_INVALID_PARAMETER, err.hresult)
  end)

  it("ReturnImmediately, ReturnWhenComplete, DontSendStatus and UseAmendedQualifiers are accepted", function()
    put("r1", wbem.flags.ReturnImmediately)
    put("r2", wbem.flags.ReturnWhenComplete)
    put("r3", wbem.flags.DontSendStatus)
    put("r4", wbem.flags.UseAmendedQualifiers)
    assert.equal(path_of("r4"), put("r4", wbem.flags.UseAmendedQualifiers))
  end)

  it("UpdateCompatible refuses a class change when the class has instances", function()
    put("i1", 0, 1)
    local cls <close> = svc:Get("LuaSpec_Item")
    local prop <close> = cls.Properties_:Add("Extra", 8)
    local err = raises(function()
      local p <close> = cls:put_async{ flags = wbem.flags.UpdateCompatible }
    end)
    assert.equal(0x80041026, err.hresult)   -- WBEM_E_CLASS_HAS_INSTANCES
  end)

  it("UpdateCompatible refuses a class with children; UpdateSafeMode and UpdateForceMode allow it", function()
    local base <close> = svc:Get("LuaSpec_Item")
    local child <close> = base:SpawnDerivedClass_()
    child.Path_.Class = "LuaSpec_Child"
    local cp <close> = child:Put_()
    local cls <close> = svc:Get("LuaSpec_Item")
    local prop <close> = cls.Properties_:Add("Added", 19)
    local err = raises(function()
      local p <close> = cls:put_async{ flags = wbem.flags.UpdateCompatible }
    end)
    assert.equal(0x80041025, err.hresult)   -- WBEM_E_CLASS_HAS_CHILDREN
    local p1 <close> = cls:put_async{ flags = wbem.flags.UpdateSafeMode }
    local p2 <close> = cls:put_async{ flags = wbem.flags.UpdateForceMode }
    assert.is_true(p2.IsClass)
  end)
end)

describe("a sink with Lua handlers, through the raw PutAsync_", function()
  it("receives OnProgress x steps, OnObjectPut, OnCompleted, in that order, with the async context #sim #smoke", function()
    control.ProgressSteps = 2
    local events, done = {}, false
    local sink <close> = svc:sink{
      on_progress = function(upper, current, message, actx)
        events[#events + 1] = { "progress", current, upper, actx }
      end,
      on_object_put = function(path, actx)
        events[#events + 1] = { "put", path.RelPath, actx }
      end,
      on_completed = function(hresult, errobj, actx)
        events[#events + 1] = { "completed", hresult, errobj, actx }
        done = true
      end,
    }
    local actx <close> = wbem.create("WbemSim.SWbemNamedValueSet")
    actx:Add("Call", 42)
    local item <close> = simfix.item(svc, "raw")
    item:PutAsync_(sink, wbem.flags.SendStatus, nil, actx)
    assert.is_false(done)
    pump_until(function() return done end)
    assert.same({ "progress", 1, 2 }, { events[1][1], events[1][2], events[1][3] })
    assert.same({ "progress", 2, 2 }, { events[2][1], events[2][2], events[2][3] })
    assert.same({ "put", path_of("raw") }, { events[3][1], events[3][2] })
    assert.same({ "completed", 0 }, { events[4][1], events[4][2] })
    assert.is_nil(events[4][3])
    assert.equal(4, #events)
    for _, e in ipairs(events) do
      local got = e[#e]
      assert.is_true(got == actx, "the async context came back as the same object")
      assert.equal(42, got:Item("Call").Value)
      got:close()
    end
  end)

  it("gets no OnProgress without SendStatus #sim", function()
    control.ProgressSteps = 3
    local progress, done = 0, false
    local sink <close> = svc:sink{
      on_progress = function() progress = progress + 1 end,
      on_completed = function() done = true end,
    }
    local item <close> = simfix.item(svc, "quiet")
    item:PutAsync_(sink, wbem.flags.DontSendStatus)
    pump_until(function() return done end)
    assert.equal(0, progress)
  end)

  it("passes the context named value set to the provider #sim", function()
    local done = false
    local sink <close> = svc:sink{ on_completed = function() done = true end }
    local ctx <close> = wbem.create("WbemSim.SWbemNamedValueSet")
    ctx:Add("B", "two")
    ctx:Add("A", 1)
    local item <close> = simfix.item(svc, "nv")
    item:PutAsync_(sink, 0, ctx)
    pump_until(function() return done end)
    assert.equal("A=1;B=two", control.LastContext)
  end)

  it("reports a failure through OnCompleted with the error object", function()
    local result
    local sink <close> = svc:sink{ on_completed = function(hresult, errobj)
      result = { hresult = hresult, status = errobj and errobj.StatusCode,
                 desc = errobj and errobj.Description }
      if errobj then errobj:close() end
    end }
    local item <close> = simfix.item(svc, "dup")
    local p <close> = item:put_async{}
    item:PutAsync_(sink, wbem.flags.CreateOnly)
    pump_until(function() return result end)
    assert.equal(WBEM_E_ALREADY_EXISTS, result.hresult)
    assert.is_string(result.desc)
  end)

  it("cancel() completes every pending call with WBEM_E_CALL_CANCELLED #sim", function()
    control.Hang = true
    local completed = {}
    local sink <close> = svc:sink{ on_completed = function(hresult)
      completed[#completed + 1] = hresult
    end }
    local a <close> = simfix.item(svc, "h1")
    local b <close> = simfix.item(svc, "h2")
    a:PutAsync_(sink)
    b:PutAsync_(sink)
    wbem.pump(50)
    assert.equal(0, #completed)
    sink:cancel()
    pump_until(function() return #completed == 2 end)
    assert.same({ WBEM_E_CALL_CANCELLED, WBEM_E_CALL_CANCELLED }, completed)
  end)

  it("cancel(true) releases what still comes itself, and the handlers get nil for it #sim", function()
    control.Delivery = "direct"     -- events queue from the simulator's thread, unpumped
    local item <close> = simfix.item(svc, "discarded")
    for _, discard in ipairs{ false, true } do
      local got, completed
      local before, after = simfix.released(control, function()
        local sink <close> = svc:sink{
          on_object_put = function(path)
            got = path
            if path then path:close() end
          end,
          on_completed = function(hresult) completed = hresult end,
        }
        item:PutAsync_(sink)
        -- the call completes on the simulator's worker, its events wait in the queue
        local t = wbem.clock() + 100
        while wbem.clock() < t do end
        sink:cancel(discard)
        pump_until(function() return completed ~= nil end)
      end)
      assert.equal(0, completed)                    -- it had completed before the cancel
      if discard then assert.is_nil(got) else assert.is_true(core.is_object(got)) end
      assert.equal(before, after)                   -- released without a collection
    end
  end)

  it("close() with calls pending cancels them and hears nothing more #sim", function()
    local baseline = simfix.live(control)     -- the connection
    control.Hang = true
    local heard = 0
    local sink = svc:sink{ on_completed = function() heard = heard + 1 end }
    do
      local item <close> = simfix.item(svc, "closing")
      item:PutAsync_(sink)
    end
    assert.is_true(control.LiveObjects > baseline)
    sink:close()
    assert.is_false(sink:is_open())
    assert.matches("closed", raises(function() sink:cancel() end))
    assert.equal(baseline, simfix.live(control))
    assert.equal(0, heard)
  end)

  it("a sink dropped with calls pending is collected, cancelling them #sim", function()
    local baseline = simfix.live(control)
    control.Hang = true
    do
      local sink = svc:sink{ on_completed = function() end }
      local item <close> = simfix.item(svc, "dropped")
      item:PutAsync_(sink)
    end
    assert.equal(baseline, simfix.live(control))
  end)

  it("a handler that raises: the pump raises it with a traceback, and nothing is lost", function()
    local completed = false
    local sink <close> = svc:sink{
      on_object_put = function() error("handler failed") end,
      on_completed = function() completed = true end,
    }
    local item <close> = simfix.item(svc, "raise")
    item:PutAsync_(sink)
    local err
    pump_until(function()
      local ok, e = pcall(wbem.pump, 50)
      if not ok then err = e end
      return err ~= nil
    end)
    assert.matches("handler failed", err)
    assert.matches("stack traceback", err)
    pump_until(function() return completed end)
  end)

  it("a handler that starts another asynchronous call", function()
    local second
    local sink <close> = svc:sink{ on_completed = function()
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "second")
        local p <close> = item:put_async{}
        second = p.RelPath
      end)
    end }
    local item <close> = simfix.item(svc, "first")
    item:PutAsync_(sink)
    pump_until(function() return second end)
    assert.equal(path_of("second"), second)
  end)

  it("refuses an objWbemSink that is not the provider's sink, at once and with no events", function()
    local nvs <close> = wbem.create(simfix.progid("SWbemNamedValueSet"))
    local item <close> = simfix.item(svc, "notasink")
    local err = raises(function() item:PutAsync_(nvs) end)
    assert.equal(WBEM_E_INVALID_PARAMETER, err.hresult)
    assert.equal(0, core.queued())
  end)

  it("rejects bad handler tables", function()
    assert.matches("must be a function", raises(function() wbem.sink{ on_completed = 1 } end))
    assert.matches("unknown field 'on_complete'",
                   raises(function() wbem.sink{ on_complete = print } end))
    assert.matches("expects a table", raises(function() wbem.sink(print) end))
  end)
end)

describe("the flags of the reference page, through the raw PutAsync_ and Lua handlers", function()
  -- Puts obj with flags through a sink of Lua handlers; returns OnCompleted's hresult
  -- and the events seen, or the error the call itself raised (flag refusals).
  local function raw_put(obj, flags)
    local seen, result = {}, nil
    local sink <close> = svc:sink{
      on_progress = function() seen[#seen + 1] = "progress" end,
      on_object_put = function(path) seen[#seen + 1] = "put"; path:close() end,
      on_completed = function(hresult, errobj)
        seen[#seen + 1] = "completed"
        if errobj then errobj:close() end
        result = hresult
      end,
    }
    local ok, err = pcall(obj.PutAsync_, obj, sink, flags)
    if not ok then return err.hresult, seen, true end
    pump_until(function() return result ~= nil end)
    return result, seen, false
  end
  local function stored(name)
    local ok, o = pcall(svc.Get, svc, path_of(name))
    if ok then o:close() end
    return ok
  end

  it("CreateOrUpdate and ReturnWhenComplete (0) create, then overwrite", function()
    local item <close> = simfix.item(svc, "r0", 1)
    assert.equal(0, (raw_put(item, wbem.flags.CreateOrUpdate)))
    item.Size = 2
    assert.equal(0, (raw_put(item, wbem.flags.ReturnWhenComplete)))
    local o <close> = svc:Get(path_of("r0"))
    assert.equal(2, o.Size)
  end)

  it("UpdateOnly: WBEM_E_NOT_FOUND in OnCompleted when absent, and nothing is written", function()
    local item <close> = simfix.item(svc, "r1")
    local hr, seen = raw_put(item, wbem.flags.UpdateOnly)
    assert.equal(WBEM_E_NOT_FOUND, hr)
    assert.same({ "completed" }, seen)
    assert.is_false(stored("r1"))
  end)

  it("CreateOnly: WBEM_E_ALREADY_EXISTS in OnCompleted when present", function()
    local item <close> = simfix.item(svc, "r2")
    assert.equal(0, (raw_put(item, wbem.flags.CreateOnly)))
    assert.equal(WBEM_E_ALREADY_EXISTS, (raw_put(item, wbem.flags.CreateOnly)))
  end)

  it("contradictory or unknown bits are refused by the call itself, with no events", function()
    local item <close> = simfix.item(svc, "r3")
    local hr, seen, refused = raw_put(item, wbem.flags.CreateOnly | wbem.flags.UpdateOnly)
    assert.equal(WBEM_E_INVALID_PARAMETER, hr)
    assert.is_true(refused)
    assert.same({}, seen)
    hr, seen, refused = raw_put(item, wbem.flags.UpdateSafeMode | wbem.flags.UpdateForceMode)
    assert.equal(WBEM_E_INVALID_PARAMETER, hr)
    hr = raw_put(item, 0x1000000)
    assert.equal(WBEM_E_INVALID_PARAMETER, hr)
    assert.equal(0, core.queued())
  end)

  it("ReturnImmediately, UseAmendedQualifiers and SendStatus are accepted; SendStatus adds OnProgress #sim", function()
    control.ProgressSteps = 2
    local item <close> = simfix.item(svc, "r4")
    local hr, seen = raw_put(item, wbem.flags.ReturnImmediately)
    assert.equal(0, hr); assert.same({ "put", "completed" }, seen)
    hr, seen = raw_put(item, wbem.flags.UseAmendedQualifiers)
    assert.equal(0, hr); assert.same({ "put", "completed" }, seen)
    hr, seen = raw_put(item, wbem.flags.SendStatus)
    assert.equal(0, hr); assert.same({ "progress", "progress", "put", "completed" }, seen)
  end)

  it("UpdateCompatible, UpdateSafeMode and UpdateForceMode on a class with a child", function()
    local base <close> = svc:Get("LuaSpec_Item")
    local child <close> = base:SpawnDerivedClass_()
    child.Path_.Class = "LuaSpec_Child2"
    local cp <close> = child:Put_()
    local cls <close> = svc:Get("LuaSpec_Item")
    local prop <close> = cls.Properties_:Add("More", 8)
    assert.equal(0x80041025, (raw_put(cls, wbem.flags.UpdateCompatible)))  -- WBEM_E_CLASS_HAS_CHILDREN
    assert.equal(0, (raw_put(cls, wbem.flags.UpdateSafeMode)))
    assert.equal(0, (raw_put(cls, wbem.flags.UpdateForceMode)))
  end)
end)

describe("delivery #sim", function()
  it("marshal: an STA that does not pump receives nothing until it pumps", function()
    control.Delivery = "marshal"
    local done = false
    local sink <close> = svc:sink{ on_completed = function() done = true end }
    local item <close> = simfix.item(svc, "m")
    item:PutAsync_(sink)
    spin(200)
    assert.equal(0, core.queued())
    pump_until(function() return done end)
  end)

  it("direct: events are queued from the worker thread without pumping", function()
    control.Delivery = "direct"
    local done = false
    local sink <close> = svc:sink{ on_completed = function() done = true end,
                                    on_object_put = function(path) path:close() end }
    local item <close> = simfix.item(svc, "d")
    item:PutAsync_(sink)
    local deadline = core.clock() + 2000
    while core.queued() < 2 and core.clock() < deadline do spin(5) end
    assert.equal(2, core.queued())          -- OnObjectPut and OnCompleted, not yet dispatched
    assert.is_false(done)
    assert.equal(2, wbem.pump(0))
    assert.is_true(done)
  end)

  it("direct: put_async completes", function()
    control.Delivery = "direct"
    local item <close> = simfix.item(svc, "d2")
    local p <close> = item:put_async{}
    assert.equal(path_of("d2"), p.RelPath)
  end)
end)

describe("many operations and their lifetime", function()
  it("1,000 operations in flight from one Lua state #sim", function()
    local done, peak = 0, 0
    control.LatencyMs = 20
    for i = 1, 1000 do
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "n" .. i, i)
        local p <close> = item:put_async{}
        done = done + 1
      end)
      peak = math.max(peak, wbem.pending())
    end
    assert.equal(1000, peak)
    wbem.run()
    assert.equal(1000, done)
    local n = 0
    for o in wbem.each(svc:InstancesOf("LuaSpec_Item")) do n = n + 1; o:close() end
    assert.equal(1000, n)
  end)

  it("an operation whose references are all dropped still completes #sim", function()
    control.LatencyMs = 200
    local finished = false
    local item <close> = simfix.item(svc, "orphan")
    -- the task is nobody's once spawn returns: its sink keeps it until OnCompleted
    local seen = setmetatable({}, { __mode = "k" })
    seen[wbem.spawn(function()
      local p <close> = item:put_async{}
      finished = true
    end)] = true
    for _ = 1, 3 do collectgarbage() end
    assert.is_not_nil(next(seen), "the waiting task was collected")
    pump_until(function() return finished end)
  end)

  it("a host-style loop that only calls pump(0) completes everything #sim", function()
    control.LatencyMs = 10
    local done = 0
    for i = 1, 10 do
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "frame" .. i)
        local p <close> = item:put_async{}
        done = done + 1
      end)
    end
    local frames = 0
    while done < 10 do
      frames = frames + 1
      assert(frames < 1e7, "never finished")
      wbem.pump(0)
    end
    assert.equal(10, done)
  end)
end)

describe("the pump", function()
  it("pump(timeout) returns 0 when nothing arrives, pump(0) does not block", function()
    local t0 = core.clock()
    assert.equal(0, wbem.pump(0))
    assert.equal(0, wbem.pump(30))
    assert.is_true(core.clock() - t0 >= 30)
  end)

  it("rejects a bad timeout", function()
    assert.matches("timeout", raises(function() wbem.pump(-5) end))
    assert.matches("timeout", raises(function() wbem.pump("soon") end))
  end)

  it("wait_handle is a handle that is signalled while events wait", function()
    assert.equal("integer", math.type(wbem.wait_handle()))
    assert.is_true(wbem.wait_handle() ~= 0)
  end)
end)

-- put_async, delete_async, get_async and query_async on both transports, with one spec
-- body: transports_spec.lua. What follows is what only the sink transport has.
describe("the other asynchronous calls", function()
  it("leaving a query_async loop early cancels the query", function()
    for i = 1, 3 do
      local item <close> = simfix.item(svc, "e" .. i, i)
      local p <close> = item:Put_()
    end
    local n = 0
    for obj in svc:query_async("SELECT * FROM LuaSpec_Item") do
      n = n + 1
      obj:close()
      break
    end
    assert.equal(1, n)
  end)
end)

describe("wbem.flags", function()
  it("has every flag of the reference page under its WMI name", function()
    local f = wbem.flags
    assert.equal(0, f.UpdateCompatible); assert.equal(0x20, f.UpdateSafeMode)
    assert.equal(0x40, f.UpdateForceMode); assert.equal(0, f.CreateOrUpdate)
    assert.equal(2, f.CreateOnly); assert.equal(1, f.UpdateOnly)
    assert.equal(0x10, f.ReturnImmediately); assert.equal(0, f.ReturnWhenComplete)
    assert.equal(0x80, f.SendStatus); assert.equal(0, f.DontSendStatus)
    assert.equal(0x20000, f.UseAmendedQualifiers)
  end)

  it("refuses unknown names and writes", function()
    assert.matches("no flag named CreateOnce", raises(function() return wbem.flags.CreateOnce end))
    assert.matches("read%-only", raises(function() wbem.flags.X = 1 end))
  end)
end)
