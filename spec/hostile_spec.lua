-- The async core under hostile input: every number, every raised value, every misuse
-- and every coroutine a user can hand it has a defined outcome; nothing is lost and
-- nothing is left for the garbage collector. Against the WMI simulator (spec/sim).
local wbem = require "wbem"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"

local WBEM_E_NOT_FOUND         = 0x80041002
local WBEM_E_INVALID_PARAMETER = 0x80041008
local WBEM_E_CALL_CANCELLED    = 0x80041032
local WBEM_E_FAILED            = 0x80041001

local NAN = 0 / 0

local control, svc

local path_of, raises, spin = simfix.path_of, simfix.raises, simfix.spin

local function stored(name)
  local ok, obj = pcall(svc.Get, svc, path_of(name))
  if ok then obj:close() return true end
  assert.equal(WBEM_E_NOT_FOUND, obj.hresult)
  return false
end

before_each(function() control, svc = simfix.setup() end)
after_each(function() simfix.teardown(control, svc) end)

describe("numbers", function()
  it("pump refuses NaN and negatives, naming the timeout, and does not spin", function()
    for _, bad in ipairs{ NAN, -1, -math.huge, -0.5 } do
      local err = raises(wbem.pump, bad)
      assert.matches("^wbem%.pump: timeout must be a non%-negative number of milliseconds", err)
    end
    assert.matches("wbem%.pump: timeout must be a number", raises(wbem.pump, "soon"))
    assert.matches("wbem%.pump: timeout must be a number", raises(wbem.pump, true))
  end)

  it("pump takes fractions, and huge timeouts as no bound #sim", function()
    local t0 = core.clock()
    assert.equal(0, wbem.pump(2.5))
    assert.is_true(core.clock() - t0 >= 2)
    control.LatencyMs = 20
    for _, huge in ipairs{ math.huge, 1e300, math.maxinteger, 2^53, 0xFFFFFFFF } do
      local done = false
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "huge")
        local p <close> = item:put_async{}
        done = true
      end)
      -- returns once the put's events are dispatched: a huge bound waits, it is not an error
      while not done do
        local n = wbem.pump(huge)
        assert.is_true(n > 0)
      end
    end
  end)

  it("a NaN timeout is refused before anything starts #sim", function()
    local item <close> = simfix.item(svc, "nan")
    local baseline = control.LiveObjects
    local err = raises(function() item:put_async{ timeout = NAN } end)
    assert.matches("obj:put_async: option 'timeout' must be a non%-negative number of "
                   .. "milliseconds, got nan", err)
    assert.equal(0, wbem.pending())
    assert.equal(baseline, control.LiveObjects)
    assert.is_false(stored("nan"))
    -- and nothing is left that would make later pumps busy: an idle pump waits
    local t0 = core.clock()
    assert.equal(0, wbem.pump(30))
    assert.is_true(core.clock() - t0 >= 30)
  end)

  it("a huge timeout waits without a bound: the write is reported as done #sim", function()
    control.LatencyMs = 20
    for i, huge in ipairs{ math.huge, math.maxinteger, 1e300, 2^63 } do
      local item <close> = simfix.item(svc, "long" .. i, i)
      local p <close> = item:put_async{ timeout = huge }
      assert.equal(path_of("long" .. i), p.RelPath)
      assert.is_true(stored("long" .. i))
    end
    -- in a task too, with wbem.run
    wbem.run(function()
      local item <close> = simfix.item(svc, "longtask")
      local p <close> = item:put_async{ timeout = math.huge }
    end)
    assert.is_true(stored("longtask"))
    assert.equal(0, wbem.pump(0))
  end)

  it("timeout 0 expires at the first pump step that does not find the result #sim", function()
    control.Hang = true
    local item <close> = simfix.item(svc, "zero")
    local err = raises(function() item:put_async{ timeout = 0 } end)
    assert.is_true(err.timeout)
    assert.equal(WBEM_E_CALL_CANCELLED, err.hresult)
  end)

  it("flags outside 32 bits, negative, fractional or not numbers name 'flags'", function()
    local item <close> = simfix.item(svc, "flags")
    for _, bad in ipairs{ 2^40, 1 << 40, 0x100000000, -1, 1.5, NAN, math.huge, "2", true } do
      local err = raises(function() item:put_async{ flags = bad } end)
      assert.matches("obj:put_async: option 'flags' must be an integer in 0%.%.0xFFFFFFFF", err)
    end
    assert.equal(0, wbem.pending())
    -- an integral float is that integer: 2.0 is CreateOnly
    local p <close> = item:put_async{ flags = 2.0 }
    local err = raises(function() item:put_async{ flags = 2.0 } end)
    assert.equal(0x80041019, err.hresult)   -- WBEM_E_ALREADY_EXISTS
    -- every 32-bit mask reaches the provider, which judges it (unknown bits: refused)
    err = raises(function() item:put_async{ flags = 0xFFFFFFFF } end)
    assert.equal(WBEM_E_INVALID_PARAMETER, err.hresult)
  end)

  it("connect refuses NaN and out-of-range numbers, naming the option", function()
    local function connect(opts)
      opts.locator, opts.sink = simfix.options.locator, simfix.options.sink
      return wbem.connect(opts)
    end
    assert.matches("wbem.connect: option 'security_flags' must be an integer",
                   raises(connect, { security_flags = NAN }))
    assert.matches("wbem.connect: option 'security_flags' must be an integer",
                   raises(connect, { security_flags = 2^40 }))
    assert.matches("wbem.connect: option 'impersonation' must be an impersonation level",
                   raises(connect, { impersonation = 9 }))
    assert.matches("wbem.connect: option 'authentication' must be an authentication level",
                   raises(connect, { authentication = NAN }))
    assert.matches("wbem.connect: option 'authentication' must be an authentication level",
                   raises(connect, { authentication = -1 }))
  end)

  it("wbem.timeout() gives the milliseconds to the nearest deadline, as an integer #sim", function()
    assert.is_nil(wbem.timeout())
    control.Hang = true
    local errs = {}
    for i, ms in ipairs{ 300, 100, 200 } do
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "t" .. i)
        local ok, e = pcall(item.put_async, item, { timeout = ms })
        errs[#errs + 1] = e
      end)
    end
    local t = wbem.timeout()
    assert.equal("integer", math.type(t))
    assert.is_true(t > 50 and t <= 100, "nearest deadline: " .. t)
    -- a call without a deadline, or with a huge one, adds none
    wbem.spawn(function()
      local item <close> = simfix.item(svc, "forever")
      local ok, e = pcall(item.put_async, item, { timeout = math.huge })
      errs[#errs + 1] = e
    end)
    assert.is_true(wbem.timeout() <= 100)
    spin(120)
    assert.equal(0, wbem.timeout())
    while #errs < 3 do wbem.pump() end
    assert.is_nil(wbem.timeout())
    for _, e in ipairs(errs) do assert.is_true(e.timeout) end
    control:Reset()      -- cancels the one without a deadline
    while #errs < 4 do wbem.pump() end
    assert.equal(WBEM_E_CALL_CANCELLED, errs[4].hresult)
  end)
end)

describe("deadlines changed while they expire #sim", function()
  for _, delivery in ipairs{ "marshal", "direct" } do
    it("tasks that catch a timeout and retry with another timeout (" .. delivery .. ")", function()
      control.Delivery = delivery
      control.Hang = true
      local tries, finished = {}, 0
      for i = 1, 10 do
        tries[i] = 0
        wbem.spawn(function()
          local item <close> = simfix.item(svc, "retry" .. i)
          for attempt = 1, 3 do
            tries[i] = attempt
            local ok, err = pcall(item.put_async, item, { timeout = 5 * attempt + i % 3 })
            assert.is_false(ok)
            assert.is_true(err.timeout)
          end
          finished = finished + 1
        end)
      end
      wbem.run()
      assert.equal(10, finished)
      for i = 1, 10 do assert.equal(3, tries[i]) end
    end)
  end

  it("expiry that removes other deadlines and adds ones already due", function()
    control.Hang = true
    local log = {}
    -- all due in the same pump step; each retries with timeout 0 once (due at once, so
    -- it waits for the next step) and then with none (a call that completes)
    for i = 1, 20 do
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "chain" .. i)
        local ok, err = pcall(item.put_async, item, { timeout = 10 })
        log[#log + 1] = err.timeout and "t" or "?"
        ok, err = pcall(item.put_async, item, { timeout = 0 })
        log[#log + 1] = err.timeout and "0" or "?"
      end)
    end
    spin(30)
    wbem.run()
    assert.equal(40, #log)
    local counts = {}
    for _, c in ipairs(log) do counts[c] = (counts[c] or 0) + 1 end
    assert.same({ t = 20, ["0"] = 20 }, counts)
  end)

  it("a result and an expired deadline in the same step: the others are not disturbed", function()
    control.LatencyMs = 30
    local results = {}
    for i = 1, 30 do
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "mix" .. i)
        -- half expire before their result can come, half have time to spare
        local ok, r = pcall(item.put_async, item, { timeout = i % 2 == 0 and 1 or 5000 })
        results[i] = ok and "ok" or (r.timeout and "timeout" or tostring(r))
        if ok then r:close() end
      end)
    end
    wbem.run()
    for i = 1, 30 do
      assert.equal(i % 2 == 0 and "timeout" or "ok", results[i], "task " .. i)
    end
  end)
end)

describe("the result and the deadline: which wins #sim", function()
  for _, delivery in ipairs{ "marshal", "direct" } do
    it("a result that arrived before the pump looked wins over a passed deadline (" ..
       delivery .. ")", function()
      control.Delivery = delivery
      control.LatencyMs = 20
      local outcome
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "late")
        local ok, r = pcall(item.put_async, item, { timeout = 40 })
        outcome = ok and r.RelPath or r
        if ok then r:close() end
      end)
      -- nobody pumps while the result comes in (20 ms) and the deadline passes (40 ms)
      spin(150)
      wbem.run()
      assert.equal(path_of("late"), outcome)
      assert.is_true(stored("late"))
    end)
  end

  it("a deadline that passed before the result arrived wins", function()
    control.LatencyMs = 200
    local item <close> = simfix.item(svc, "slow")
    local err = raises(function() item:put_async{ timeout = 20 } end)
    assert.is_true(err.timeout)
  end)
end)

describe("raised values", function()
  local function progress_raising(value)
    control.ProgressSteps = 3
    control.LatencyMs = 20
    local item <close> = simfix.item(svc, "raise")
    local ok, err = pcall(item.put_async, item, { on_progress = function() error(value, 0) end })
    return ok, err
  end

  it("on_progress raising false or nil is a failure that says so, not success #sim", function()
    for _, v in ipairs{ false, true } do
      local ok, err = progress_raising(v)
      assert.is_false(ok)
      assert.is_string(err)
      assert.matches("on_progress raised " .. tostring(v) .. ", an error value with no message", err)
      assert.matches("traceback", err)
    end
    local ok, err = progress_raising(nil)
    assert.is_false(ok)
    assert.matches("on_progress raised nil, an error value with no message", err)
    -- the write was cancelled: nothing was stored
    assert.is_false(stored("raise"))
  end)

  it("on_progress raising a table, userdata or number: the caller gets it #sim", function()
    local t = { reason = "mine" }
    local ok, err = progress_raising(t)
    assert.is_false(ok)
    assert.is_true(rawequal(t, err))
    local u = io.stdout
    ok, err = progress_raising(u)
    assert.is_true(rawequal(u, err))
    ok, err = progress_raising(42)
    assert.matches("^42", err)
    local e = wbem.error{ hresult = WBEM_E_FAILED, message = "by the handler" }
    ok, err = progress_raising(e)
    assert.is_true(rawequal(e, err))
    assert.is_string(err.traceback)
    assert.is_false(stored("raise"))
  end)

  it("a task raising nil or false fails spawn with a message, and its <close> runs", function()
    for _, v in ipairs{ false, true } do
      local closed = false
      local err = raises(wbem.spawn, function()
        local guard <close> = setmetatable({}, { __close = function() closed = true end })
        error(v, 0)
      end)
      assert.matches("a task raised " .. tostring(v) .. ", an error value with no message", err)
      assert.is_true(closed)
    end
    assert.matches("a task raised nil", raises(wbem.spawn, function() error(nil) end))
    assert.matches("a task raised nil", raises(wbem.run, function() error() end))
  end)

  it("a task that fails when the pump resumes it fails the pump, its <close> run #sim", function()
    control.LatencyMs = 10
    local closed = false
    wbem.spawn(function()
      local guard <close> = setmetatable({}, { __close = function() closed = true end })
      local item <close> = simfix.item(svc, "late-fail")
      local p <close> = item:put_async{}
      error(false)
    end)
    local err = raises(wbem.run)
    assert.matches("a task raised false", err)
    assert.is_true(closed)
  end)

  it("a raw sink handler raising false or nil fails the pump with a message", function()
    for _, v in ipairs{ false, nil } do
      local sink <close> = svc:sink{ on_completed = function() error(v) end }
      local item <close> = simfix.item(svc, "rawraise")
      item:PutAsync_(sink)
      local err
      local deadline = core.clock() + 2000
      while not err and core.clock() < deadline do
        local ok, e = pcall(wbem.pump, 50)
        if not ok then err = e end
      end
      assert.is_string(err)
      assert.matches("error object is a %a+ value", err)
    end
  end)
end)

describe("release without the garbage collector #sim", function()
  it("a put with a context table and an async context leaves nothing behind", function()
    control.ProgressSteps = 1
    local item <close> = simfix.item(svc, "ctx")
    local before, after = simfix.released(control, function()
      local p <close> = item:put_async{ context = { A = 1, B = "two", C = true },
                                        async_context = { any = "value" },
                                        on_progress = function() end }
      assert.equal("A=1;B=two;C=True", control.LastContext)
    end)
    assert.equal(before, after)
  end)

  it("nor does a failed put, a timed-out one, or one whose on_progress raised", function()
    local item <close> = simfix.item(svc, "fails")
    local before, after = simfix.released(control, function()
      control:FailNext(WBEM_E_FAILED, 1)
      raises(function() item:put_async{ context = { A = 1 }, async_context = 1 } end)
      control.Hang = true
      raises(function() item:put_async{ context = { A = 1 }, async_context = 2, timeout = 10 } end)
      control.Hang = false
      control.ProgressSteps = 2
      raises(function()
        item:put_async{ context = { A = 1 }, on_progress = function() error("no") end }
      end)
    end)
    assert.equal(before, after)
  end)

  it("nor a context whose iteration raises, or whose values cannot be converted", function()
    local item <close> = simfix.item(svc, "badctx")
    local before, after = simfix.released(control, function()
      local n = 0
      local exploding = setmetatable({}, { __pairs = function()
        return function()
          n = n + 1
          if n == 1 then return "First", 1 end
          error("iteration failed")
        end, nil, nil
      end })
      assert.matches("iteration failed", raises(function() item:put_async{ context = exploding } end))
      assert.matches("context names must be strings",
                     raises(function() item:put_async{ context = { A = 1, "positional" } } end))
      raises(function() item:put_async{ context = { A = 1, Fn = print } } end)
      raises(function() item:put_async{ context = { A = 1 }, async_context = 1, flags = -1 } end)
      assert.equal(0, wbem.pending())
    end)
    assert.equal(before, after)
  end)

  it("get_async, delete_async and query_async with contexts leave nothing behind", function()
    for i = 1, 3 do
      local item <close> = simfix.item(svc, "g" .. i, i)
      local p <close> = item:Put_()
    end
    local before, after = simfix.released(control, function()
      local got <close> = svc:get_async(path_of("g1"), { context = { A = 1 }, async_context = 1 })
      for obj in svc:query_async("SELECT * FROM LuaSpec_Item", { context = { A = 1 } }) do
        obj:close()
      end
      for obj in svc:query_async("SELECT * FROM LuaSpec_Item", { async_context = 1 }) do
        obj:close()
        break
      end
      local victim <close> = svc:Get(path_of("g1"))
      assert.is_true(victim:delete_async{ context = { A = 1 } })
      local keep <close> = simfix.item(svc, "g1", 1)
      local p <close> = keep:put_async{ context = { B = 2 } }
    end)
    assert.equal(before, after)
  end)
end)

describe("misuse names the function and the argument", function()
  it("a dot instead of a colon", function()
    local item <close> = simfix.item(svc, "dot")
    assert.matches("obj:put_async: expects a bridged object before the colon %(obj:put_async%), "
                   .. "got a table", raises(function() item.put_async{} end))
    assert.matches("obj:delete_async: expects a bridged object before the colon",
                   raises(function() item.delete_async() end))
    -- the hint is the call as it should have been written, receiver included
    assert.matches("svc:get_async: expects a bridged object before the colon %(svc:get_async%), "
                   .. 'got "x"', raises(function() svc.get_async("x") end))
    assert.matches("svc:query_async: expects a bridged object before the colon",
                   raises(function() svc.query_async("SELECT * FROM X") end))
    assert.matches("obj:sink: expects a bridged object before the colon",
                   raises(function() svc.sink{} end))
  end)

  it("bad arguments and fields", function()
    assert.matches("wbem.sink: field 'class' must be a string, got a table",
                   raises(wbem.sink, { class = {} }))
    assert.matches("obj:sink: field 'on_completed' must be a function, got 1",
                   raises(function() svc:sink{ on_completed = 1 } end))
    assert.matches("svc:get_async: the object path must be a string, got 5",
                   raises(function() svc:get_async(5) end))
    assert.matches("svc:query_async: the WQL query must be a string, got nil",
                   raises(function() svc:query_async() end))
    assert.matches('svc:get_async: expects a table of options, got "fast"',
                   raises(function() svc:get_async("X", "fast") end))
    assert.matches("wbem.spawn: expects a function, got nil", raises(wbem.spawn))
    assert.matches("wbem.run: expects a function, got 5", raises(wbem.run, 5))
  end)

  it("a context that is not an open named value set names 'context', before any call", function()
    local item <close> = simfix.item(svc, "ctx")
    local nvs = wbem.create(simfix.progid("SWbemNamedValueSet"))
    nvs:close()
    local live = control and control.LiveObjects
    assert.matches("obj:put_async: option 'context' must be a table of named values or an "
                   .. "SWbemNamedValueSet, got a closed object",
                   raises(function() item:put_async{ context = nvs } end))
    -- another kind of object, which a provider that casts what it gets would misread
    assert.matches("svc:get_async: option 'context' must be .- got an object of type SWbemServices",
                   raises(function() svc:get_async(path_of("ctx"), { context = svc }) end))
    assert.matches("svc:events: option 'context' must be .- got an object of type SWbemObject",
                   raises(function()
                     svc:events("SELECT * FROM __InstanceCreationEvent WITHIN 1 WHERE "
                                .. "TargetInstance ISA 'LuaSpec_Item'", { context = item })
                   end))
    assert.matches("obj:delete_async: option 'context' must be .- got a thread",
                   raises(function() item:delete_async{ context = coroutine.running() } end))
    assert.equal(0, wbem.pending())
    if control then assert.equal(live, control.LiveObjects) end
  end)

  it("a zero byte in a path, a query, a class or a method name is refused, not cut off", function()
    -- WMI reads such text up to its first zero: the call would act on the part before it
    local cut = path_of("zero") .. "\0 or another"
    assert.matches("svc:get_async: the object path contains a zero byte %(byte 25%)",
                   raises(function() svc:get_async(cut) end))
    assert.matches("svc:query_async: the WQL query contains a zero byte",
                   raises(function() svc:query_async("SELECT * FROM LuaSpec_Item\0") end))
    assert.matches("svc:instances_of_async: the class name contains a zero byte",
                   raises(function() svc:instances_of_async("LuaSpec_Item\0x") end))
    assert.matches("svc:events: the WQL event query contains a zero byte",
                   raises(function() svc:events("SELECT * FROM __InstanceCreationEvent\0") end))
    assert.matches("svc:exec_async: the method name contains a zero byte",
                   raises(function() svc:exec_async(path_of("zero"), "Reset\0x") end))
    assert.matches("wbem.exec: the method name contains a zero byte",
                   raises(function() wbem.exec(svc, "Reset\0x") end))
    assert.matches("wbem.call_async: a member name cannot contain a zero byte",
                   raises(function() wbem.call_async(svc, "Get\0x", {}) end))
    assert.equal(0, wbem.pending())
  end)

  it("call_async's argument count must be an integer it can pass, naming args.n", function()
    for _, bad in ipairs{ -1, 1.5, NAN, math.huge, 1e9, math.maxinteger, "2", true } do
      assert.matches("wbem%.call_async: args%.n must be an integer in 0%.%.65535, got ",
                     raises(function() wbem.call_async(svc, "Get", { n = bad }) end))
    end
    local long = setmetatable({}, { __len = function() return 1 << 40 end })
    assert.matches("wbem%.call_async: the arguments' length must be an integer in 0%.%.65535",
                   raises(function() wbem.call_async(svc, "Get", long) end))
    assert.equal(0, wbem.pending())
  end)

  it("a sink with no handlers, and options tables that are empty or nil", function()
    local a <close> = svc:sink{}
    local b <close> = svc:sink()
    assert.is_true(a:is_open() and b:is_open())
    local item <close> = simfix.item(svc, "empty")
    local p1 <close> = item:put_async{}
    local p2 <close> = item:put_async()
    assert.equal(path_of("empty"), p2.RelPath)
  end)

  it("a call on another kind of object names the call and the kind, on either transport", function()
    for _, async in ipairs{ "sink", "worker" } do
      local conn <close> = simfix.connect(nil, async)
      local item <close> = simfix.item(conn, "kind")
      local put = async == "sink" and "PutAsync_" or "Put_"
      local get = async == "sink" and "GetAsync" or "Get"
      assert.equal("obj:put_async: the object is an SWbemServices, which has no " .. put,
                   raises(function() conn:put_async{} end))
      assert.equal("obj:delete_async: the object is an SWbemServices, which has no "
                   .. (async == "sink" and "DeleteAsync_" or "Delete_"),
                   raises(function() conn:delete_async{ timeout = 1000 } end))
      assert.equal("svc:get_async: the object is an SWbemObject, which has no " .. get,
                   raises(function() item:get_async(path_of("kind")) end))
      assert.equal("svc:query_async: the object is an SWbemObject, which has no "
                   .. (async == "sink" and "ExecQueryAsync" or "ExecQuery"),
                   raises(function() item:query_async("SELECT * FROM LuaSpec_Item") end))
      assert.equal("obj:references_async: the object is an SWbemServices, which has no "
                   .. (async == "sink" and "ReferencesAsync_" or "References_"),
                   raises(function() conn:references_async() end))
      assert.equal(0, wbem.pending())
    end
  end)

  it("a closed object", function()
    local item = simfix.item(svc, "closed")
    item:close()
    assert.matches("obj:put_async: the object is closed", raises(function() item:put_async{} end))
  end)

  it("a sink of a class that does not exist fails clearly, with nothing pending #wine", function()
    local err = raises(wbem.sink, { class = "NoSuch.SWbemSink" })
    assert.matches("create the sink NoSuch%.SWbemSink", tostring(err))
    -- the real class is the default; Wine has none registered
    err = raises(wbem.sink, { on_completed = print })
    assert.matches("WbemScripting%.SWbemSink", tostring(err))
  end)
end)

describe("coroutines that are not tasks", function()
  it("a coroutine.wrap generator gets its own values: the call pumps instead of yielding #sim", function()
    control.LatencyMs = 5
    local gen = coroutine.wrap(function()
      for i = 1, 3 do
        local item <close> = simfix.item(svc, "gen" .. i, i)
        local p <close> = item:put_async{}
        coroutine.yield(i, p.RelPath)
      end
      return "end"
    end)
    local got = {}
    for _ = 1, 3 do
      local i, path = gen()
      got[#got + 1] = i .. "=" .. path
    end
    assert.equal("end", gen())
    assert.same({ "1=" .. path_of("gen1"), "2=" .. path_of("gen2"), "3=" .. path_of("gen3") }, got)
  end)

  it("a generator inside a task, and other tasks progress while it pumps #sim", function()
    control.LatencyMs = 20
    local other, got = false, {}
    wbem.spawn(function()
      local item <close> = simfix.item(svc, "other")
      local p <close> = item:put_async{}
      other = true
    end)
    wbem.run(function()
      local gen = coroutine.wrap(function()
        local item <close> = simfix.item(svc, "inner")
        local p <close> = item:put_async{}
        coroutine.yield(p.RelPath)
      end)
      got[1] = gen()
    end)
    assert.is_true(other)
    assert.same({ path_of("inner") }, got)
  end)

  it("a coroutine a user resumes gets the result without yielding to the user #sim", function()
    control.LatencyMs = 5
    local co = coroutine.create(function()
      local item <close> = simfix.item(svc, "userco")
      local p <close> = item:put_async{}
      return p.RelPath
    end)
    local ok, path = coroutine.resume(co)
    assert.is_true(ok)
    assert.equal(path_of("userco"), path)
    assert.equal("dead", coroutine.status(co))
  end)

  it("a task that yields by itself is an error, not a value that vanishes", function()
    local closed = false
    local err = raises(wbem.spawn, function()
      local guard <close> = setmetatable({}, { __close = function() closed = true end })
      coroutine.yield("lost", "values")
    end)
    assert.matches('a task yielded "lost" %(2 values%) outside a wbem call', err)
    assert.is_true(closed)
  end)

  it("a task closed while it waits gives its call up: nothing stays pending #sim", function()
    control.Hang = true
    local item <close> = simfix.item(svc, "closedtask")
    local put = wbem.spawn(function() local p <close> = item:put_async{} end)
    local got = wbem.spawn(function() local o <close> = svc:get_async(path_of("x")) end)
    local nap = wbem.spawn(function() wbem.sleep(math.huge) end)
    assert.equal(3, wbem.pending())
    for _, task in ipairs{ put, got, nap } do assert.is_true(coroutine.close(task)) end
    assert.equal(0, wbem.pending())
    assert.is_nil(wbem.timeout())
    wbem.run()     -- at once: it pumped for the closed sleeper for ever, and for the put until it ended
    control.Hang = false
    -- the put was cancelled through its sink, not left to run: nothing was written
    assert.is_false(stored("closedtask"))
  end)

  it("a task closed while it waits on a worker leaves the call to it #sim", function()
    local wsvc <close> = simfix.connect(nil, "worker")
    control.SyncLatencyMs = 100
    local item <close> = simfix.item(wsvc, "closedworker")
    local put = wbem.spawn(function() local p <close> = item:put_async{} end)
    assert.equal(1, wbem.pending())
    assert.is_true(coroutine.close(put))
    assert.equal(0, wbem.pending())
    -- a worker's call cannot be stopped: it ends on its thread, and what it returns is released
    -- (after_each: LiveObjects back to 0)
    wbem.sleep(300)
    control.SyncLatencyMs = 0
  end)

  it("a parked task resumed by hand goes back to waiting #sim", function()
    control.LatencyMs = 30
    local path
    local task = wbem.spawn(function()
      local item <close> = simfix.item(svc, "byhand")
      local p <close> = item:put_async{}
      path = p.RelPath
    end)
    assert.is_true(coroutine.resume(task))
    assert.equal("suspended", coroutine.status(task))
    assert.is_nil(path)
    wbem.run()
    assert.equal(path_of("byhand"), path)
  end)
end)
