-- Event subscriptions, svc:events (an iterator) and svc:subscribe (a handler), against the
-- simulator's event notification: one body for the sink transport
-- (ExecNotificationQueryAsync, both delivery modes) and the worker transport
-- (ExecNotificationQuery + NextEvent on a worker). Wine's real WMI has no event
-- notification: family_spec.lua checks that the loop raises its E_NOTIMPL.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local raises, path_of = simfix.raises, simfix.path_of

local WBEM_E_CALL_CANCELLED = 0x80041032
local WBEM_E_QUEUE_OVERFLOW = 0x80041079
local WBEMESS_E_REGISTRATION_TOO_PRECISE = 0x80042002
local WBEM_E_TIMED_OUT = 0x80043001

local CREATED = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'LuaSpec_Item'"
local ANY_OP = "SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'LuaSpec_Item'"
local TICKS = "SELECT * FROM LuaSpec_Tick"
local WAIT = { timeout = 5000 }   -- a lost event fails the spec instead of hanging it

-- An extrinsic event class of the spec's own, as a script makes one: derived from
-- __ExtrinsicEvent, with a sequence number.
local function tick_class(svc)
  local base <close> = svc:Get("__ExtrinsicEvent")
  local cls <close> = base:SpawnDerivedClass_()
  local path <close> = cls.Path_
  path.Class = "LuaSpec_Tick"
  local seq <close> = cls.Properties_:Add("Seq", 19)     -- uint32
  local put <close> = cls:Put_()
end

-- Fires ticks first..last (Control.FireEvent), one event each.
local function fire(control, svc, first, last)
  local cls <close> = svc:Get("LuaSpec_Tick")
  for i = first, last or first do
    local ev <close> = cls:SpawnInstance_()
    ev.Seq = i
    control:FireEvent(ev)
  end
end

local function put_item(svc, name, size)
  local item <close> = simfix.item(svc, name, size)
  local p <close> = item:Put_()
end

-- Every spec writes classes of its own first (LuaSpec_Item, LuaSpec_Tick); the transport
-- and the delivery mode are the describe block's. Those that fire extrinsic events or
-- use the simulator's knobs are tagged #sim; the others run against real WMI too.
local mode, delivery, control, svc

-- The name of the first item whose creation the event query q (with opts) reports, of
-- the items put after it registers, each { name, size }: in a list, as a task reads it.
local function first_created(q, opts, ...)
  local names = {}
  local sub = { svc:events(q, opts) }   -- registered before anything happens
  wbem.spawn(function()
    for ev in table.unpack(sub) do
      local t <close> = ev.TargetInstance
      names[#names + 1] = t.Name
      ev:close()
      break
    end
  end)
  for _, item in ipairs{ ... } do put_item(svc, item[1], item[2]) end
  wbem.run()
  return names
end

local function prepare()
  if control then control.Delivery = delivery end
  tick_class(svc)
end
before_each(function() control, svc = simfix.setup(mode); prepare() end)
after_each(function()
  if simfix.real then pcall(svc.Delete, svc, "LuaSpec_Tick") end
  simfix.teardown(control, svc)
end)

for _, m in ipairs{ { "sink", "marshal" }, { "sink", "direct" }, { "worker", "marshal" } } do
  describe(("%s transport (%s delivery):"):format(m[1], m[2]), function()
    setup(function() mode, delivery = m[1], m[2] end)

    it("svc:events yields extrinsic events in order, with their properties #smoke #sim", function()
      local seen = {}
      local sub = { svc:events(TICKS, WAIT) }   -- registered before anything happens
      local task = wbem.spawn(function()
        for ev in table.unpack(sub) do
          seen[#seen + 1] = ev.Seq
          ev:close()
          if #seen == 5 then break end
        end
      end)
      assert.equal("suspended", coroutine.status(task))
      fire(control, svc, 1, 5)
      wbem.run()
      assert.same({ 1, 2, 3, 4, 5 }, seen)
    end)

    it("intrinsic events of a static class: creation, modification with PreviousInstance, deletion", function()
      local seen = {}
      local sub = { svc:events(ANY_OP, WAIT) }   -- registered before anything happens
      wbem.spawn(function()
        for ev in table.unpack(sub) do
          local target <close> = ev.TargetInstance
          local cls <close> = ev.Path_
          local entry = { cls.Class, target.Name, target.Size }
          if cls.Class == "__InstanceModificationEvent" then
            local before <close> = ev.PreviousInstance
            entry[4] = before.Size
          end
          assert.matches("^%d+$", tostring(ev.TIME_CREATED))
          seen[#seen + 1] = entry
          ev:close()
          if #seen == 3 then break end
        end
      end)
      wbem.spawn(function()
        local item <close> = simfix.item(svc, "a", 1)
        local p1 <close> = item:put_async{}
        item.Size = 2
        local p2 <close> = item:put_async{}
        item:delete_async{}
      end)
      wbem.run()
      assert.same({
        { "__InstanceCreationEvent", "a", 1 },
        { "__InstanceModificationEvent", "a", 2, 1 },
        { "__InstanceDeletionEvent", "a", 2 },
      }, seen)
    end)

    it("WHERE on TargetInstance properties selects the events", function()
      assert.same({ "seven" }, first_created(CREATED .. " AND TargetInstance.Size = 7", WAIT,
                                             { "small", 1 }, { "seven", 7 }))
    end)

    it("a class with a provider but no event provider needs WITHIN: without it the loop raises WMI's error #sim", function()
      local q = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_Process'"
      local cimv2 = simfix.connect("root\\cimv2", mode)
      local err = raises(function() for _ in cimv2:events(q) do end end)
      assert.equal(WBEMESS_E_REGISTRATION_TOO_PRECISE, err.hresult)
      -- refused by the call itself, on either transport: nothing is left running
      err = raises(cimv2.subscribe, cimv2, q, print)
      assert.equal(WBEMESS_E_REGISTRATION_TOO_PRECISE, err.hresult)
      err = raises(svc.subscribe, svc, "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'NoSuchClass'", print)
      assert.equal("WBEM_E_INVALID_CLASS", err.name)
      assert.equal(0, wbem.pending())
      -- with within = s the simulator polls, and a process made meanwhile is seen
      local pid, seen
      local sub = { cimv2:events(q, { within = 0.05, timeout = 5000 }) }   -- registered before anything happens
      wbem.spawn(function()
        for ev in table.unpack(sub) do
          local p <close> = ev.TargetInstance
          seen = p.ProcessId
          ev:close()
          break
        end
      end)
      wbem.spawn(function()
        local cls <close> = cimv2:get_async("Win32_Process")
        local out <close> = cls:exec_async("Create", { CommandLine = "spec.exe" })
        pid = out.ProcessId
      end)
      wbem.run()
      assert.equal(pid, seen)
      cimv2:close()
    end)

    it("timeout bounds each wait: the loop raises wbemErrTimedout and the subscription ends #sim", function()
      local got = 0
      local err
      local t0 = wbem.clock()
      local sub = { svc:events(TICKS, { timeout = 100 }) }   -- registered before anything happens
      wbem.spawn(function()
        local ok, e = pcall(function()
          for ev in table.unpack(sub) do
            got = got + 1
            ev:close()
          end
        end)
        assert.is_false(ok)
        err = e
      end)
      fire(control, svc, 1, 2)
      wbem.run()
      assert.equal(2, got)
      assert.is_true(err.timeout)
      assert.equal(WBEM_E_TIMED_OUT, err.hresult)
      assert.matches("no event came within 100 ms", tostring(err))
      assert.is_true(wbem.clock() - t0 >= 100)
    end)

    it("leaving the loop by break, by error, by <close> or by dropping it cancels at once, releasing what came #sim", function()
      -- each way gets a subscription that three events reached: it reads one, and leaves
      local ways = {
        function(it)
          for ev in table.unpack(it) do ev:close() break end
        end,
        function(it)
          local ok = pcall(function()
            for ev in table.unpack(it) do ev:close() error("stop") end
          end)
          assert.is_false(ok)
        end,
        function(it)
          local next_ev, _, _, closer = table.unpack(it)
          do
            local _ <close> = closer
            local ev = next_ev()
            ev:close()
          end
          assert.is_nil(next_ev())         -- closed: the iterator ends
        end,
        function(it)
          local ev = it[1]()
          ev:close()
          it[1], it[4] = nil, nil          -- dropped: the collector cancels it
          collectgarbage()
          collectgarbage()
        end,
      }
      for i, way in ipairs(ways) do
        local before, after = simfix.released(control, function()
          local it = { svc:events(TICKS, WAIT) }
          fire(control, svc, 1, 3)
          way(it)
          wbem.run()
        end)
        assert.equal(before, after, "way " .. i)
        assert.equal(0, wbem.pending(), "way " .. i)
      end
    end)

    it("a storm of 10,000 events reaches a loop outside a task, in order, none lost, in bounded memory #sim", function()
      local N = 10000
      local cls <close> = svc:Get("LuaSpec_Tick")
      local next_ev, _, _, closer = svc:events(TICKS, { buffer = 500, timeout = 5000 })
      local _ <close> = closer
      for i = 1, N do
        local ev <close> = cls:SpawnInstance_()
        ev.Seq = i
        control:FireEvent(ev)
      end
      collectgarbage()
      local base, peak = collectgarbage("count"), 0
      for i = 1, N do
        local ev = next_ev()
        assert(ev.Seq == i, "out of order")
        ev:close()
        if i % 100 == 0 then peak = math.max(peak, collectgarbage("count") - base) end
      end
      -- what 10,000 buffered events would hold is several MB; a buffer of 500, far less
      assert.is_true(peak < 2048, ("peak %.0f KB above the start"):format(peak))
    end)

    it("a storm of 10,000 events reaches a task in order, none lost #sim", function()
      local N, got, ordered = 10000, 0, true
      local sub = { svc:events(TICKS, WAIT) }
      wbem.spawn(function()
        for ev in table.unpack(sub) do
          got = got + 1
          if ev.Seq ~= got then ordered = false end
          ev:close()
          if got == N then break end
        end
      end)
      fire(control, svc, 1, N)
      wbem.run()
      assert.equal(N, got)
      assert.is_true(ordered)
    end)

    it("an events loop counts as pending only while a task waits in it: one left unread and unclosed does not keep wbem.run() going #sim", function()
      local next_ev, _, _, closer = svc:events(TICKS, WAIT)
      local _ <close> = closer
      assert.equal(0, wbem.pending())
      local got
      local task = wbem.spawn(function()
        local ev <close> = next_ev()
        got = ev.Seq
      end)
      assert.equal(1, wbem.pending())     -- the task waits in the loop
      fire(control, svc, 7)
      wbem.run()                          -- until the task has its event, not beyond
      assert.equal(7, got)
      assert.equal("dead", coroutine.status(task))
      assert.equal(0, wbem.pending())
      -- the subscription stays open until the loop is left: what comes later is read
      fire(control, svc, 8)
      local ev <close> = next_ev()
      assert.equal(8, ev.Seq)
    end)

    it("a task closed while it waits in an events loop stops counting as pending, and its subscription ends #sim", function()
      local task = wbem.spawn(function()
        for ev in svc:events(TICKS, WAIT) do ev:close() end
      end)
      assert.equal(1, wbem.pending())
      assert.is_true(coroutine.close(task))
      assert.equal(0, wbem.pending())
      fire(control, svc, 1, 3)            -- to nobody: the loop's close cancelled it
      wbem.pump(0)
    end)

    it("one reader at a time: a second that comes while a task waits in the loop is an error naming the function; the first gets its event #sim", function()
      local next_ev, _, _, closer = svc:events(TICKS, WAIT)
      local _ <close> = closer
      local second, got = simfix.two_readers(next_ev, function(ev) return ev.Seq end)
      assert.matches("svc:events: the loop is being read already", second)
      fire(control, svc, 4)
      local t0 = wbem.clock()
      wbem.run()
      assert.equal(4, got())
      assert.is_true(wbem.clock() - t0 < 2000)   -- woken by the event, not by its timeout
    end)

    it("a loop outside a task whose wait a failing pump ended reads on, its timeout gone with the wait #sim", function()
      local next_ev, _, _, closer = svc:events(TICKS, WAIT)
      local _ <close> = closer
      wbem.spawn(function()
        wbem.sleep(1)
        error("a task failed meanwhile")
      end)
      assert.matches("a task failed meanwhile", tostring(raises(next_ev)))
      fire(control, svc, 9)
      local ev <close> = next_ev()
      assert.equal(9, ev.Seq)
    end)

    it("events that come while the loop body pumps wait in the buffer; overflow is reported where it happened #sim", function()
      -- the body of the first iteration fires 49 more and pumps while they come
      local function read(opts)
        local seqs, err = {}, nil
        local it = { svc:events(TICKS, opts) }
        fire(control, svc, 1)
        local ok, e = pcall(function()
          for ev in table.unpack(it) do
            local seq = ev.Seq
            ev:close()
            seqs[#seqs + 1] = seq
            if seq == 1 then
              fire(control, svc, 2, 50)
              wbem.sleep(300)
            end
            if #seqs == 50 then break end
          end
        end)
        if not ok then err = e end
        return seqs, err
      end
      local seqs, err = read{ buffer = 10, timeout = 1000 }
      if mode == "worker" then
        -- the worker fetches only what the loop reads: WMI keeps the rest, none is lost
        assert.is_nil(err)
        assert.equal(50, #seqs)
      else
        assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, seqs)
        assert.is_true(err.overflow)
        assert.equal(39, err.lost)
        assert.equal(WBEM_E_QUEUE_OVERFLOW, err.hresult)
        assert.matches("39 events were lost here", tostring(err))
        -- on_overflow hears of it and the loop goes on (until no event comes)
        local lost = {}
        seqs, err = read{ buffer = 10, timeout = 200, on_overflow = function(n) lost[#lost + 1] = n end }
        assert.same({ 39 }, lost)
        assert.equal(11, #seqs)
        assert.is_true(err.timeout)
      end
      assert.equal(0, wbem.pending())
    end)

    it("on_overflow and on_error raising nil or false are failures that say so #sim", function()
      if mode == "worker" then return end   -- the worker loses nothing (above)
      for _, v in ipairs{ false, "nil" } do
        if v == "nil" then v = nil end
        local it = { svc:events(TICKS, { buffer = 2, timeout = 1000, on_overflow = function() error(v) end }) }
        fire(control, svc, 1)
        local err = raises(function()
          for ev in table.unpack(it) do
            local seq = ev.Seq
            ev:close()
            if seq == 1 then
              fire(control, svc, 2, 6)    -- 2 and 3 wait, 4 to 6 are lost
              wbem.sleep(300)
            end
          end
        end)
        assert.matches("on_overflow raised " .. tostring(v) .. ", an error value with no message", err)
      end
      local sub = svc:subscribe(TICKS, function(ev) ev:close() end, { on_error = function() error(nil) end })
      control:Reset()                       -- cancels every subscription (and re-seeds)
      local err = raises(function()
        local t = wbem.clock() + 2000
        while wbem.clock() < t do wbem.pump(50) end
      end)
      assert.matches("a subscription's on_error raised nil, an error value with no message", err)
      assert.is_false(sub:is_open())
      simfix.item_class(svc)
      tick_class(svc)
      assert.equal(0, wbem.pending())
    end)

    it("a loss counted after the last event read is still reported there when the buffer starts again #sim", function()
      if mode == "worker" then return end   -- the worker loses nothing (above)
      local log = {}
      local next_ev, _, _, closer = svc:events(TICKS, {
        buffer = 2, timeout = 1000, on_overflow = function(n) log[#log + 1] = "lost " .. n end })
      local _ <close> = closer
      fire(control, svc, 1)
      for ev in next_ev, nil, nil, closer do
        local seq = ev.Seq
        ev:close()
        log[#log + 1] = seq
        if seq == 1 then
          fire(control, svc, 2, 6)    -- 2 and 3 wait, 4 to 6 are lost after 3
          wbem.sleep(300)
        elseif seq == 3 then
          fire(control, svc, 7)       -- comes while the buffer is empty, the loss not yet heard
          wbem.sleep(300)
        elseif seq == 7 then
          break
        end
      end
      assert.same({ 1, 2, 3, "lost 3", 7 }, log)
    end)

    it("a generator (coroutine.wrap, not a task) reading events pumps, and its own values reach its consumer #sim", function()
      local next_ev, _, _, closer = svc:events(TICKS, { timeout = 5000 })
      local _ <close> = closer
      local gen = coroutine.wrap(function()
        for ev in next_ev, nil, nil, closer do
          coroutine.yield(ev.Seq)
          ev:close()
        end
      end)
      fire(control, svc, 1, 3)
      assert.same({ 1, 2, 3 }, { gen(), gen(), gen() })
    end)

    it("svc:subscribe calls the handler for each event at pump points, until closed #sim", function()
      local seen = {}
      local sub = svc:subscribe(TICKS, function(ev)
        seen[#seen + 1] = ev.Seq
        ev:close()
      end)
      assert.is_true(sub:is_open())
      assert.matches("^wbem.subscription %(open%)", tostring(sub))
      assert.equal(1, wbem.pending())      -- an open subscription keeps wbem.run going
      fire(control, svc, 1, 3)
      local t = wbem.clock() + 2000
      while #seen < 3 and wbem.clock() < t do wbem.pump(50) end
      assert.same({ 1, 2, 3 }, seen)
      sub:close()
      sub:close()                           -- again: nothing
      assert.is_false(sub:is_open())
      fire(control, svc, 4)
      wbem.pump(100)
      assert.same({ 1, 2, 3 }, seen)
      assert.equal(0, wbem.pending())
    end)

    it("a subscription closed by <close>, or by the collector when dropped #sim", function()
      local before, after = simfix.released(control, function()
        do
          local sub <close> = svc:subscribe(TICKS, function(ev) ev:close() end)
          assert.equal(1, wbem.pending())
        end
        assert.equal(0, wbem.pending())
        svc:subscribe(TICKS, function(ev) ev:close() end)
        assert.equal(1, wbem.pending())
        collectgarbage()
        collectgarbage()
        assert.equal(0, wbem.pending())
      end)
      assert.equal(before, after)
    end)

    it("a handler that raises closes its subscription, and the pump raises the failure #sim", function()
      local calls = 0
      local sub = svc:subscribe(TICKS, function(ev)
        calls = calls + 1
        ev:close()
        error("handler broke")
      end)
      fire(control, svc, 1, 3)
      local err = raises(function()
        local t = wbem.clock() + 2000
        while wbem.clock() < t do wbem.pump(50) end
      end)
      assert.matches("handler broke", tostring(err))
      assert.equal(1, calls)
      assert.is_false(sub:is_open())
      wbem.pump(100)                        -- the events after it were released, not delivered
      assert.equal(1, calls)
    end)

    it("a handler may pump (a wbem call outside a task): a failure inside that pump still ends the subscription, nothing leaks #sim", function()
      local seen = {}
      local before, after = simfix.released(control, function()
        local sub = svc:subscribe(TICKS, function(ev)
          local seq = ev.Seq
          ev:close()
          seen[#seen + 1] = seq
          if seq == 1 then
            local item <close> = simfix.item(svc, "nested", 1)
            local p <close> = item:put_async{}   -- pumps: 2 and 3 are delivered in here
          elseif seq == 3 then
            error("third")
          end
        end)
        fire(control, svc, 1, 5)
        local err = raises(function()
          local t = wbem.clock() + 2000
          while wbem.clock() < t do wbem.pump(20) end
        end)
        assert.matches("third", tostring(err))
        assert.is_false(sub:is_open())
        local t = wbem.clock() + 2000
        while wbem.pending() > 0 and wbem.clock() < t do wbem.pump(20) end
      end)
      assert.same({ 1, 2, 3 }, seen)
      assert.equal(before, after)
      assert.equal(0, wbem.pending())
    end)

    it("a subscription that WMI ends is reported: on_error, or else the pump raises #sim", function()
      local got
      local sub = svc:subscribe(TICKS, function(ev) ev:close() end, { on_error = function(e) got = e end })
      control:Reset()                       -- cancels every subscription (and re-seeds)
      local t = wbem.clock() + 2000
      while sub:is_open() and wbem.clock() < t do wbem.pump(50) end
      assert.is_false(sub:is_open())
      assert.equal(WBEM_E_CALL_CANCELLED, got.hresult)
      simfix.item_class(svc)
      tick_class(svc)
      local sub2 = svc:subscribe(TICKS, function(ev) ev:close() end)
      control:Reset()
      local err = raises(function()
        local t2 = wbem.clock() + 2000
        while wbem.clock() < t2 do wbem.pump(50) end
      end)
      assert.equal(WBEM_E_CALL_CANCELLED, err.hresult)
      assert.is_false(sub2:is_open())
      simfix.item_class(svc)
    end)

    it("within = s goes after the FROM class, a word WITHIN inside a string literal notwithstanding #sim", function()
      local q = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'LuaSpec_Item' "
                .. "AND TargetInstance.Name = 'within'"
      assert.same({ "within" }, first_created(q, { within = 0.05, timeout = 5000 },
                                              { "other", 1 }, { "within", 2 }))
    end)

    it("bad input is refused naming the function and the option", function()
      assert.matches("svc:events: the WQL event query must be a string, got nil", raises(svc.events, svc))
      assert.matches("svc:events: expects a bridged object before the colon",
                     raises(svc.events, {}, TICKS))
      for _, bad in ipairs{ 0, -1, 0 / 0, math.huge, "1", false } do
        assert.matches("svc:events: option 'within' must be a positive number of seconds",
                       raises(svc.events, svc, CREATED, { within = bad }))
      end
      assert.matches("option 'within': the query has a WITHIN clause of its own",
                     raises(svc.events, svc, "SELECT * FROM __InstanceCreationEvent WITHIN 1", { within = 2 }))
      assert.matches("svc:events: option 'buffer' must be an integer in 1%.%.",
                     raises(svc.events, svc, TICKS, { buffer = 0 }))
      assert.matches("svc:events: option 'timeout' must be a non%-negative number",
                     raises(svc.events, svc, TICKS, { timeout = 0 / 0 }))
      assert.matches("svc:events: unknown option 'on_progress'",
                     raises(svc.events, svc, TICKS, { on_progress = print }))
      assert.matches("svc:subscribe: the handler must be a function, got nil",
                     raises(svc.subscribe, svc, TICKS))
      assert.matches("svc:subscribe: unknown option 'timeout'",
                     raises(svc.subscribe, svc, TICKS, print, { timeout = 1 }))
      assert.equal(0, wbem.pending())
    end)
  end)
end

describe("worker subscriptions and the pool #sim", function()
  setup(function() mode, delivery = "worker", "marshal" end)

  it("a subscription's waiting thread does not count against the pool's max", function()
    local max = wbem.workers().max
    wbem.workers{ max = 2 }
    local subs = {}
    local ok, err = pcall(function()
      -- each subscription counts as listening once subscribe has returned
      for i = 1, 4 do
        subs[i] = svc:subscribe(TICKS, function(ev) ev:close() end)
        assert.equal(i, wbem.workers().listening)
      end
      -- a call still gets a thread of its own
      local cls <close> = svc:get_async("LuaSpec_Tick", { timeout = 5000 })
      assert.equal("LuaSpec_Tick", cls.Path_.Class)
    end)
    for _, s in ipairs(subs) do s:close() end   -- also when the body failed
    local t = wbem.clock() + 2000
    while wbem.workers().listening > 0 and wbem.clock() < t do wbem.pump(20) end
    wbem.workers{ max = max }
    if not ok then error(err, 0) end
    assert.equal(0, wbem.workers().listening)
  end)

  it("buffer bounds what the thread fetches ahead of a loop that does not read; nothing is lost", function()
    local next_ev, _, _, closer = svc:events(TICKS, { buffer = 2, timeout = 5000 })
    local _ <close> = closer
    local before = simfix.live(control)
    fire(control, svc, 1, 10)
    -- the thread fetches up to the bound (within 2 s, however slowly it runs), then has
    -- 300 ms more in which it would go past it if the bound did not hold
    local t = wbem.clock() + 2000
    while simfix.live(control, 0) - before < 2 and wbem.clock() < t do wbem.pump(20) end
    t = wbem.clock() + 300
    while wbem.clock() < t do wbem.pump(20) end
    assert.equal(2, simfix.live(control) - before)     -- fetched and unread: 2, not 10
    for i = 1, 10 do
      local ev <close> = next_ev()
      assert.equal(i, ev.Seq)
    end
  end)

  it("a pump that raises while a subscription registers ends that subscription: nothing stays pending or listening", function()
    control.SyncLatencyMs = 300           -- the registration's round trip
    wbem.spawn(function()
      wbem.sleep(1)
      error("a task failed meanwhile")
    end)
    local ok, err = pcall(svc.events, svc, TICKS)
    control.SyncLatencyMs = 0
    assert.is_false(ok)
    assert.matches("a task failed meanwhile", tostring(err))
    assert.equal(0, wbem.pending())
    local t = wbem.clock() + 2000
    while wbem.workers().listening > 0 and wbem.clock() < t do wbem.pump(20) end
    assert.equal(0, wbem.workers().listening)
  end)
end)
