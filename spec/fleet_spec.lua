-- wbem.fleet: one function over many hosts, against Wine's real WMI (this computer under
-- its names, and names nobody answers for); simulated hosts with their own behaviours
-- are in fleet_sim_spec.lua.
local wbem = require "wbem"

local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

local me = os.getenv("COMPUTERNAME") or "localhost"
local NOHOST = "lua-wbem-nohost"

-- The caption of the operating system, as fn reads it on each host.
local function caption(svc)
  local set <close> = svc:ExecQuery("SELECT Caption FROM Win32_OperatingSystem")
  for os in wbem.each(set) do
    local c = os.Caption
    os:close()
    return c
  end
end

-- Every string reachable from v (records, error objects, tracebacks).
local function strings(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do strings(k, out, seen); strings(x, out, seen) end
  elseif v ~= nil and type(v) ~= "table" then out[#out + 1] = tostring(v) end
  if wbem.is_error(v) then out[#out + 1] = tostring(v) end
  return out
end

after_each(function()
  assert.equal(0, wbem.pending())
  assert.is_nil(wbem.timeout())
end)

describe("wbem.fleet on Wine's real WMI", function()
  it("gives one record per host, in the order given: this computer's names work, an unknown one fails as connect does", function()
    local sync = raises(wbem.connect, { server = NOHOST })
    local hosts = { ".", "localhost", me, NOHOST }
    local records = wbem.fleet(hosts, caption, { concurrency = 2 })
    assert.equal(#hosts, #records)
    local expected
    do
      local svc <close> = wbem.connect{}
      expected = caption(svc)
    end
    for i, r in ipairs(records) do
      assert.equal(hosts[i], r.host)
      assert.is_number(r.started)
      assert.is_true(r.finished >= r.started)
      if hosts[i] == NOHOST then
        assert.is_false(r.ok)
        assert.equal(sync.hresult, r.err.hresult)
        assert.equal(NOHOST, r.err.server)
      else
        assert.is_true(r.ok, tostring(r.err))
        assert.equal(expected, r.result)
        assert.equal(1, r.attempts)
      end
    end
  end)

  it("fleet_each yields each host once, as it finishes, and reports progress", function()
    local seen, progress = {}, {}
    local hosts = { ".", NOHOST, "localhost", ".", NOHOST }
    for r in wbem.fleet_each(hosts, function(svc, host)
      if host == "localhost" then wbem.sleep(100) end   -- finishes last of the good ones
      return caption(svc)
    end, { on_progress = function(done, total, r) progress[#progress + 1] = { done, total, r.host } end }) do
      seen[#seen + 1] = r.host
    end
    assert.equal(#hosts, #seen)
    table.sort(seen)
    local sorted = { table.unpack(hosts) }
    table.sort(sorted)
    assert.same(sorted, seen)
    assert.equal(#hosts, #progress)
    for i, p in ipairs(progress) do
      assert.equal(i, p[1]); assert.equal(#hosts, p[2])
    end
    assert.equal("localhost", progress[#progress][3])
  end)

  it("a host whose function raises gets ok = false; the others go on", function()
    local records = wbem.fleet({ ".", "localhost" }, function(svc, host)
      if host == "." then error("no luck on " .. host) end
      return caption(svc)
    end)
    assert.is_false(records[1].ok)
    assert.matches("no luck on %.", tostring(records[1].err))
    assert.is_true(records[2].ok)
    local nothing = wbem.fleet({ "." }, function() error() end)
    assert.is_false(nothing[1].ok)
    assert.matches("raised nil", nothing[1].err)
  end)

  it("never runs more than concurrency hosts at once, and runs that many", function()
    local now, peak = 0, 0
    local hosts = {}
    for i = 1, 9 do hosts[i] = "." end
    local records = wbem.fleet(hosts, function()
      now = now + 1
      peak = math.max(peak, now)
      -- the first hosts stay until three have been in at once (2 s at most): a connection
      -- to Wine's WMI takes from a few to tens of ms, and with a fixed stay of 30 ms one
      -- host was done before the third had connected (a peak of 2, once in a full suite)
      local until_ms = wbem.clock() + 2000
      while peak < 3 and wbem.clock() < until_ms do wbem.sleep(5) end
      wbem.sleep(30)
      now = now - 1
      return true
    end, { concurrency = 3 })
    assert.equal(3, peak)
    for _, r in ipairs(records) do assert.is_true(r.ok) end
  end)

  it("timeout bounds a host's whole run; the others are not delayed", function()
    local t0 = wbem.clock()
    local records = wbem.fleet({ ".", "localhost" }, function(svc, host)
      if host == "." then wbem.sleep(5000) end
      return caption(svc)
    end, { timeout = 1000 })
    local spent = wbem.clock() - t0
    assert.is_false(records[1].ok)
    assert.is_true(records[1].err.timeout)
    assert.equal(".", records[1].err.server)
    -- the bound leaves room for a connection to Wine's WMI on a loaded machine (one run
    -- in 300 took over 150 ms beside another suite); the sleep it cuts is 5 s
    assert.is_true(records[2].ok, tostring(records[2].err))
    assert.is_true(spent < 3000, spent)
  end)

  it("leaving fleet_each early closes the fleet: nothing stays pending or connected", function()
    local hosts = {}
    for i = 1, 6 do hosts[i] = "." end
    local started = 0
    for r in wbem.fleet_each(hosts, function()
      started = started + 1
      wbem.sleep(started == 1 and 0 or 5000)
      return true
    end, { concurrency = 3 }) do
      assert.is_true(r.ok)
      break
    end
    assert.is_true(started <= 3, started)   -- at most the three that ran; the rest never started
  end)

  it("in a task it yields, so other tasks run meanwhile", function()
    local ticks, records = 0, nil
    wbem.spawn(function() records = wbem.fleet({ ".", "." }, function() wbem.sleep(100); return 1 end) end)
    wbem.spawn(function() while not records do ticks = ticks + 1; wbem.sleep(10) end end)
    wbem.run()
    assert.equal(2, #records)
    assert.is_true(ticks >= 3, ticks)
  end)

  it("credentials never appear in records, errors or tracebacks", function()
    local secret = "Pa55-lua-wbem-not-to-be-seen"
    local records = wbem.fleet({ NOHOST, "." }, function() error("fn failed") end,
                               { connect = { user = "someone", password = secret } })
    for _, r in ipairs(records) do
      assert.is_false(r.ok)
      for _, s in ipairs(strings(r)) do assert.is_nil(s:find(secret, 1, true), s) end
    end
    local err = raises(wbem.fleet, { "." }, print, { connect = { password = 42 } })
    assert.is_nil(tostring(err):find("42", 1, true))
  end)

  it("refuses bad input before any host starts", function()
    assert.matches("hosts must be a list", raises(wbem.fleet, ".", print))
    assert.matches("expects a function%(svc, host%), got nil", raises(wbem.fleet, { "." }))
    assert.matches("hosts%[2%] must be a name or a table, got 3", raises(wbem.fleet, { ".", 3 }, print))
    assert.matches("hosts%[1%] has no server name", raises(wbem.fleet, { { user = "x" } }, print))
    assert.matches("hosts%[1%] %(%.%): unknown option 'pasword'",
                   raises(wbem.fleet, { "." }, print, { connect = { pasword = "x" } }))
    assert.matches("option 'concurrency' must be an integer >= 1, got 0",
                   raises(wbem.fleet, { "." }, print, { concurrency = 0 }))
    assert.matches("option 'retries' must be an integer >= 0, got nan",
                   raises(wbem.fleet, { "." }, print, { retries = 0 / 0 }))
    assert.matches("option 'timeout' must be a non%-negative", raises(wbem.fleet, { "." }, print, { timeout = -5 }))
    assert.matches("unknown option 'throttle'", raises(wbem.fleet, { "." }, print, { throttle = 3 }))
    -- a list with a hole: the host after it is not skipped silently
    local holed = { "." }
    holed[3] = "."
    assert.matches("hosts%[2%] is nil, and hosts%[3%] after it is not", raises(wbem.fleet, holed, print))
    -- each function names itself, from its caller's line
    assert.matches("^wbem%.fleet_each: option 'concurrency'",
                   raises(wbem.fleet_each, { "." }, print, { concurrency = 0 }))
    assert.matches("^spec[/\\]fleet_spec%.lua:%d+: wbem%.fleet: option 'backoff'",
                   raises(function() local _ = wbem.fleet({ "." }, print, { backoff = -1 }) end))
    assert.matches("^spec[/\\]fleet_spec%.lua:%d+: wbem%.fleet_each: option 'backoff'",
                   raises(function() local _ = wbem.fleet_each({ "." }, print, { backoff = -1 }) end))
    assert.matches("wbem.sleep: milliseconds must be a non%-negative", raises(wbem.sleep, 0 / 0))
  end)
end)
