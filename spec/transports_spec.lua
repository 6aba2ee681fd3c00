-- One spec body, two transports: put_async, delete_async, get_async and query_async
-- behave the same over SWbemSink (the sink transport: PutAsync_ and its kin, events
-- through the sink) and over the worker pool (the worker transport: Put_, Delete_, Get
-- and a semisynchronous ExecQuery on a worker thread), against the simulator. What only
-- one transport has (progress, async context, delivery modes; call_async, pool figures)
-- is in async_spec.lua and worker_spec.lua.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local WBEM_E_NOT_FOUND         = 0x80041002
local WBEM_E_INVALID_PARAMETER = 0x80041008
local WBEM_E_ALREADY_EXISTS    = 0x80041019

local path_of, raises = simfix.path_of, simfix.raises

-- Every spec writes a class of its own first; the transport is the describe block's.
local mode, control, svc
before_each(function() control, svc = simfix.setup(mode) end)
after_each(function() simfix.teardown(control, svc) end)

for _, m in ipairs{ "sink", "worker" } do
  describe(m .. " transport:", function()
    setup(function() mode = m end)

    -- The knobs of the calls this transport makes: asynchronous ones for the sink,
    -- synchronous ones for the worker.
    local function latency(ms)
      if mode == "sink" then control.LatencyMs = ms else control.SyncLatencyMs = ms end
    end
    local function hang()
      if mode == "sink" then control.Hang = true else control.SyncHang = true end
    end

    it("put_async yields in a task and resumes with the SWbemObjectPath #smoke", function()
      local order = {}
      local task = wbem.spawn(function()
        local item <close> = simfix.item(svc, "a", 5)
        order[#order + 1] = "put"
        local path <close> = item:put_async{}
        order[#order + 1] = "resumed"
        assert.equal(path_of("a"), path.RelPath)
      end)
      order[#order + 1] = "spawn returned"
      assert.equal("suspended", coroutine.status(task))
      assert.equal(1, wbem.pending())
      wbem.run()
      assert.same({ "put", "spawn returned", "resumed" }, order)
      local stored <close> = svc:Get(path_of("a"))
      assert.equal(5, stored.Size)
    end)

    it("put_async outside a task pumps until done #smoke", function()
      local item <close> = simfix.item(svc, "b", 7)
      local path <close> = item:put_async{}
      assert.equal(path_of("b"), path.RelPath)
      assert.equal(0, wbem.pending())
    end)

    it("put_async raises the structured error of the provider", function()
      local item <close> = simfix.item(svc, "dup")
      local p <close> = item:put_async{}
      local err = raises(function() item:put_async{ flags = wbem.flags.CreateOnly } end)
      assert.is_true(wbem.is_error(err))
      assert.equal(WBEM_E_ALREADY_EXISTS, err.hresult)
      assert.equal("WBEM_E_ALREADY_EXISTS", err.name)
      assert.matches("Put", err.operation)
      assert.matches("WBEM_E_ALREADY_EXISTS", tostring(err))
    end)

    it("the flags of the reference page: UpdateOnly, an unknown bit", function()
      local item <close> = simfix.item(svc, "u")
      assert.equal(WBEM_E_NOT_FOUND,
                   raises(function() item:put_async{ flags = wbem.flags.UpdateOnly } end).hresult)
      assert.equal(WBEM_E_INVALID_PARAMETER,
                   raises(function() item:put_async{ flags = 0x40000000 } end).hresult)
      local p <close> = item:put_async{ flags = wbem.flags.CreateOnly }
      item.Size = 9
      local q <close> = item:put_async{ flags = wbem.flags.UpdateOnly }
      local stored <close> = svc:Get(path_of("u"))
      assert.equal(9, stored.Size)
    end)

    it("passes a context table to the provider as a named value set #sim", function()
      local item <close> = simfix.item(svc, "ctx")
      local p <close> = item:put_async{ context = { Who = "spec", N = 3 } }
      local text = control.LastContext
      assert.matches("Who=spec", text)
      assert.matches("N=3", text)
    end)

    it("takes an SWbemNamedValueSet object as context, and leaves it to its owner #sim", function()
      local ctx <close> = wbem.create("WbemSim.SWbemNamedValueSet")
      ctx:Add("Owner", "caller")
      local item <close> = simfix.item(svc, "ownctx")
      local p <close> = item:put_async{ context = ctx }
      assert.equal("Owner=caller", control.LastContext)
      assert.equal(1, ctx.Count)
    end)

    it("a context it cannot build fails clearly, with nothing pending", function()
      local item <close> = simfix.item(svc, "badctx")
      assert.matches("context names must be strings",
                     raises(function() item:put_async{ context = { "positional" } } end))
      assert.equal(0, wbem.pending())
    end)

    it("delete_async deletes, and says WBEM_E_NOT_FOUND for what is gone", function()
      local item <close> = simfix.item(svc, "del")
      local p <close> = item:put_async{}
      local stored <close> = svc:Get(path_of("del"))
      assert.is_true(stored:delete_async{})
      assert.equal(WBEM_E_NOT_FOUND, raises(function() svc:Get(path_of("del")) end).hresult)
      assert.equal(WBEM_E_NOT_FOUND, raises(function() stored:delete_async{} end).hresult)
    end)

    it("get_async returns the object, and the error for a path that is not there", function()
      local item <close> = simfix.item(svc, "g", 11)
      local p <close> = item:put_async{}
      local got <close> = svc:get_async(path_of("g"))
      assert.equal(11, got.Size)
      local err = raises(function() svc:get_async(path_of("nobody")) end)
      assert.equal(WBEM_E_NOT_FOUND, err.hresult)
    end)

    it("query_async yields every object, in a task and outside one", function()
      for i = 1, 70 do     -- more than a worker's window of unread objects
        local item <close> = simfix.item(svc, "q" .. i, i)
        local p <close> = item:put_async{}
      end
      local sum = 0
      for o in svc:query_async("SELECT * FROM LuaSpec_Item") do
        sum = sum + o.Size
        o:close()
      end
      assert.equal(70 * 71 // 2, sum)
      local n = 0
      wbem.run(function()
        for o in svc:query_async("SELECT * FROM LuaSpec_Item WHERE Name='q7'") do
          n = n + 1
          assert.equal(7, o.Size)
          o:close()
        end
      end)
      assert.equal(1, n)
    end)

    it("leaving a query_async loop early stops the query and releases what came #sim", function()
      for i = 1, 50 do
        local item <close> = simfix.item(svc, "e" .. i, i)
        local p <close> = item:put_async{}
      end
      local before, after = simfix.released(control, function()
        local n = 0
        for o in svc:query_async("SELECT * FROM LuaSpec_Item") do
          n = n + 1
          o:close()
          if n == 3 then break end
        end
        assert.equal(3, n)
      end)
      assert.equal(before, after)
    end)

    it("times out: raises an error with timeout = true, at its deadline #sim", function()
      local item <close> = simfix.item(svc, "slow")
      hang()
      local t0 = wbem.clock()
      local err = raises(function() item:put_async{ timeout = 100 } end)
      local spent = wbem.clock() - t0
      assert.is_true(spent >= 100, spent)
      assert.is_true(spent < 1000, spent)
      assert.is_true(err.timeout)
      assert.matches("timed out after 100 ms", tostring(err))
      assert.equal(0, wbem.pending())
    end)

    it("a task that timed out goes on; the late result is released when it comes #sim", function()
      local item <close> = simfix.item(svc, "late")
      hang()
      local err
      wbem.run(function()
        local ok, e = pcall(item.put_async, item, { timeout = 30 })
        assert.is_false(ok)
        err = e
      end)
      assert.is_true(err.timeout)
      control.Hang = false
      control.SyncHang = false   -- the blocked call (if any) now completes, unheard
      local deadline = wbem.clock() + 3000
      while (control.SyncWaiting > 0 or wbem.workers().busy > 0) and wbem.clock() < deadline do
        wbem.pump(10)
      end
      assert.equal(0, wbem.workers().busy)
      -- and the teardown finds every simulator object released
    end)

    it("100 operations in flight from one state, each its own task #sim", function()
      latency(20)
      local done = 0
      for i = 1, 100 do
        wbem.spawn(function()
          local item <close> = simfix.item(svc, "m" .. i, i)
          local p <close> = item:put_async{}
          done = done + 1
        end)
      end
      assert.is_true(wbem.pending() > 0)
      wbem.run()
      assert.equal(100, done)
      local set <close> = svc:ExecQuery("SELECT * FROM LuaSpec_Item")
      assert.equal(100, set.Count)
    end)

    it("while a call is in flight, pump(0) returns at once and other tasks go on #sim", function()
      latency(300)
      local finished = false
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "long")
        local p <close> = item:put_async{}
        finished = true
      end)
      local ticks, worst = 0, 0
      local t0 = wbem.clock()
      wbem.spawn(function()
        while not finished do
          ticks = ticks + 1
          local s = wbem.clock()
          wbem.pump(0)
          worst = math.max(worst, wbem.clock() - s)
          if wbem.clock() - t0 > 5000 then break end
        end
      end)
      wbem.run()
      assert.is_true(finished)
      assert.is_true(ticks > 10, ticks)
      assert.is_true(worst < 50, ("pump(0) took %.1f ms"):format(worst))
    end)

    it("rejects a bad transport name", function()
      local item <close> = simfix.item(svc, "bad")
      assert.matches([[option 'async' must be "sink" or "worker", got "thread"]],
                     raises(function() item:put_async{ async = "thread" } end))
    end)
  end)
end
