-- core.offstack(f): f run on a helper thread's stack, which is how a call is set up, so
-- that a task waiting in the call keeps a small stack. What the caller sees must be
-- what calling f itself would give: its results, its errors (the same values), its
-- to-be-closed variables closed before the error arrives.
local wbem = require "wbem"
local core = require "wbem.core"
local simfix = require "spec.support.simfix"

local function closer(log, name)
  return setmetatable({}, { __close = function(_, err) log[#log + 1] = { name, err } end })
end

describe("core.offstack", function()
  it("returns every result of f, nils included, in order", function()
    local g = core.offstack(function(...) return ... end)
    assert.same({ n = 0 }, table.pack(g()))
    assert.same({ n = 5, 1, nil, "three", nil, nil }, table.pack(g(1, nil, "three", nil, nil)))
    local t = {}
    assert.equal(t, (g(t)))
    local many = {}
    for i = 1, 300 do many[i] = i end
    assert.same(many, { g(table.unpack(many)) })
  end)

  it("runs f on a thread of its own, not the caller's", function()
    local g = core.offstack(function() return coroutine.running() end)
    local co = coroutine.create(function() return coroutine.running(), g() end)
    local _, caller, inside = coroutine.resume(co)
    assert.equal(co, caller)
    assert.is_not.equal(co, inside)
    assert.is_not.equal(coroutine.running(), g())
  end)

  it("raises the very value f raised: strings unchanged, tables the same, nil and false too", function()
    local g = core.offstack(function(v) error(v, 0) end)
    for _, v in ipairs{ "plain message", 42, {}, core.error{ hresult = 0x80041001, message = "x" } } do
      local ok, err = pcall(g, v)
      assert.is_false(ok)
      assert.equal(v, err)
    end
    for _, v in ipairs{ false } do
      local ok, err = pcall(g, v)
      assert.is_false(ok)
      assert.equal(v, err)
    end
    local ok, err = pcall(g, nil)
    assert.is_false(ok)
    assert.is_nil(err)
    -- an error with a position keeps the position f's code gave it
    local h = core.offstack(function() error("where") end)
    assert.matches("offstack_spec%.lua:%d+: where$", select(2, pcall(h)))
  end)

  it("closes f's to-be-closed variables before its error reaches the caller", function()
    local log = {}
    local g = core.offstack(function()
      local a <close> = closer(log, "a")
      local b <close> = closer(log, "b")
      error("boom", 0)
    end)
    local ok, err = pcall(g)
    assert.is_false(ok)
    assert.equal("boom", err)
    assert.same({ { "b", "boom" }, { "a", "boom" } }, log)
    -- and on success, when f returns
    log = {}
    local h = core.offstack(function() local c <close> = closer(log, "c"); return 1 end)
    assert.equal(1, h())
    assert.same({ { "c" } }, log)
  end)

  it("a __close that raises while f fails replaces f's error, as in a pcall", function()
    local g = core.offstack(function()
      local a <close> = setmetatable({}, { __close = function() error("in close", 0) end })
      error("first", 0)
    end)
    assert.equal("in close", select(2, pcall(g)))
    assert.equal("in close", select(2, pcall(function()
      local a <close> = setmetatable({}, { __close = function() error("in close", 0) end })
      error("first", 0)
    end)))
  end)

  it("refuses a yield from f, closing what f left open, and the caller can yield", function()
    local log = {}
    local g = core.offstack(function()
      local a <close> = closer(log, "a")
      coroutine.yield("value")
    end)
    local co = coroutine.create(function()
      local ok, err = pcall(g)
      coroutine.yield("caller")
      return ok, err
    end)
    assert.same({ true, "caller" }, { coroutine.resume(co) })
    local _, ok, err = coroutine.resume(co)
    assert.is_false(ok)
    assert.equal("wbem: a call's set-up tried to yield", err)
    assert.same({ { "a" } }, log)
  end)

  it("nests, and works again after every kind of failure", function()
    local inner = core.offstack(function(x) if x == "fail" then error("inner", 0) end return x * 2 end)
    local outer = core.offstack(function(x)
      local ok, err = pcall(inner, "fail")
      assert(not ok and err == "inner")
      return inner(x) + inner(x + 1)
    end)
    for i = 1, 20 do
      assert.equal(4 * i + 2, outer(i))
      assert.is_false(pcall(outer, "not a number"))
      assert.is_false(pcall(core.offstack(coroutine.yield)))
    end
  end)

  it("takes only a function", function()
    for _, bad in ipairs{ 1, "f", {}, true } do
      assert.matches("bad argument #1 to '[%w.]*offstack' %(function expected", select(2, pcall(core.offstack, bad)))
    end
    assert.matches("bad argument #1 to '[%w.]*offstack' %(function expected", select(2, pcall(core.offstack)))
  end)
end)

describe("a task waiting in a call", function()
  local control, svc
  before_each(function() control, svc = simfix.setup() end)
  after_each(function() simfix.teardown(control, svc) end)

  -- A coroutine is a thread (about 200 bytes) and a stack of 40 slots (720); the depth
  -- of setting up a COM call doubled the stack of every task that then waited, which
  -- a set-up off the task's stack no longer does.
  it("keeps the Lua heap under 2 KiB a task (the set-up's depth is not in its stack) #sim", function()
    local obj <close> = simfix.item(svc, "parked")
    control.Hang = true
    local N, tasks, failed = 500, {}, 0
    collectgarbage(); collectgarbage()
    local before = collectgarbage("count")
    for i = 1, N do
      tasks[i] = wbem.spawn(function()
        local ok = pcall(obj.put_async, obj, {})
        if not ok then failed = failed + 1 end
      end)
    end
    collectgarbage(); collectgarbage()
    local per_task = (collectgarbage("count") - before) * 1024 / N
    control.Hang = false
    control:Reset()        -- every hung call completes with WBEM_E_CALL_CANCELLED
    wbem.run()
    assert.equal(N, failed)
    assert.is_true(per_task < 2048, ("%.0f bytes a waiting task"):format(per_task))
  end)
end)
