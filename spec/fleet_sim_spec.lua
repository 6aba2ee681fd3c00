-- wbem.fleet over simulated hosts (Control.AddServer): hosts that answer, hang, refuse,
-- are unreachable or flaky, each with a repository of its own.
local wbem = require "wbem"
local simfix = require "spec.support.simfix"

local RPC_S_SERVER_UNAVAILABLE = 0x800706BA
local E_ACCESSDENIED = 0x80070005

local control, svc
before_each(function() control, svc = simfix.setup() end)
after_each(function()
  control:Reset()          -- releases connects still hung, on workers nobody waits for
  local deadline = wbem.clock() + 3000
  while wbem.workers().busy > 0 and wbem.clock() < deadline do wbem.pump(10) end
  simfix.teardown(control, svc)
end)

local function add(name, behaviour, ms)
  control:AddServer(name, behaviour, ms or 0)
  return name
end

local sim = { locator = simfix.options.locator, sink = simfix.options.sink, namespace = "root\\default" }

describe("wbem.fleet over simulated hosts #sim", function()
  it("a hung host fails at its connect timeout and delays nobody else", function()
    local hosts = { add("ok-1", "ok", 20), add("hung", "hang"), add("ok-2", "ok", 20) }
    local t0 = wbem.clock()
    local records = wbem.fleet(hosts, function() return "fine" end,
                               { connect = sim, connect_timeout = 200 })
    local spent = wbem.clock() - t0
    assert.is_true(records[1].ok); assert.is_true(records[3].ok)
    assert.is_false(records[2].ok)
    assert.is_true(records[2].err.timeout)
    assert.equal("hung", records[2].err.server)
    assert.is_true(records[1].finished - t0 < 150, records[1].finished - t0)
    assert.is_true(spent >= 200 and spent < 1500, spent)
  end)

  it("a flaky host succeeds after a retry; an unreachable one is tried retries + 1 times", function()
    local hosts = { add("flaky", "flaky", 10), add("down", "unreachable", 10) }
    local records = wbem.fleet(hosts, function() return true end,
                               { connect = sim, retries = 2, backoff = 10 })
    assert.is_true(records[1].ok, tostring(records[1].err))
    assert.equal(2, records[1].attempts)
    assert.is_false(records[2].ok)
    assert.equal(RPC_S_SERVER_UNAVAILABLE, records[2].err.hresult)
    assert.equal(3, records[2].attempts)
    local again = wbem.fleet({ add("flaky-2", "flaky", 0) }, function() return true end, { connect = sim })
    assert.is_false(again[1].ok)     -- no retries unless asked
    assert.equal(1, again[1].attempts)
  end)

  it("access denied is not retried", function()
    local records = wbem.fleet({ add("locked", "denied") }, function() return true end,
                               { connect = sim, retries = 3, backoff = 10 })
    assert.is_false(records[1].ok)
    assert.equal(E_ACCESSDENIED, records[1].err.hresult)
    assert.equal(1, records[1].attempts)
  end)

  it("never has more connects in progress than its concurrency", function()
    local hosts = {}
    for i = 1, 20 do hosts[i] = add("c-" .. i, "ok", 60) end
    local records = wbem.fleet(hosts, function() return true end, { connect = sim, concurrency = 5 })
    for _, r in ipairs(records) do assert.is_true(r.ok) end
    assert.equal(5, control.PeakConnects)
  end)

  it("each host has its own repository", function()
    local hosts = { add("repo-a", "ok"), add("repo-b", "ok") }
    wbem.fleet(hosts, function(s, host)
      simfix.item_class(s)
      local item <close> = simfix.item(s, host)
      item:Put_()
    end, { connect = sim })
    local seen = wbem.fleet(hosts, function(s)
      local set <close> = s:ExecQuery("SELECT * FROM LuaSpec_Item")
      local names = {}
      for o in wbem.each(set) do names[#names + 1] = o.Name; o:close() end
      return table.concat(names, ",")
    end, { connect = sim })
    assert.equal("repo-a", seen[1].result)
    assert.equal("repo-b", seen[2].result)
  end)

  it("connects to a remote host with packet privacy unless told otherwise", function()
    local level = function(s)
      local sec <close> = s.Security_
      return sec.AuthenticationLevel
    end
    local r = wbem.fleet({ add("secure", "ok"), { server = "secure", authentication = "pkt" } },
                         level, { connect = sim })
    assert.equal(6, r[1].result)      -- wbemAuthenticationLevelPktPrivacy
    assert.equal(4, r[2].result)      -- wbemAuthenticationLevelPkt, as the host asked
  end)

  it("closing the fleet early releases every connection", function()
    local before = control.Connections      -- the spec's own connection
    local hosts = {}
    for i = 1, 8 do hosts[i] = add("cl-" .. i, "ok", 10) end
    for r in wbem.fleet_each(hosts, function(_, host)
      if host ~= "cl-1" then wbem.sleep(5000) end
      return true
    end, { connect = sim, concurrency = 4 }) do
      assert.equal("cl-1", r.host)
      break
    end
    local deadline = wbem.clock() + 3000
    while control.Connections > before and wbem.clock() < deadline do wbem.pump(10) end
    assert.equal(before, control.Connections)
    assert.equal(0, wbem.pending())
  end)

  it("on_progress raising nil or false closes the fleet with a failure that says so", function()
    for _, v in ipairs{ false, "nil" } do
      if v == "nil" then v = nil end
      local hosts = { add("p-1", "ok"), add("p-2", "ok", 200), add("p-3", "ok", 200) }
      local ok, err = pcall(wbem.fleet, hosts, function() return 1 end,
                            { connect = sim, concurrency = 1, on_progress = function() error(v) end })
      assert.is_false(ok)
      assert.matches("a fleet's on_progress raised " .. tostring(v) .. ", an error value with no message",
                     err)
      assert.equal(0, wbem.pending())
    end
  end)

  it("credentials never appear in the records of failed hosts", function()
    local secret = "Sim-Pa55-never-shown"
    local records = wbem.fleet({ add("d1", "denied"), add("u1", "unreachable"), add("o1", "ok") },
      function() error("fn failed") end,
      { connect = { locator = sim.locator, user = "ops", password = secret } })
    for _, r in ipairs(records) do
      assert.is_false(r.ok)
      local text = tostring(r.err)
      if type(r.err) == "table" then
        for _, v in pairs(r.err) do text = text .. " " .. tostring(v) end
      end
      assert.is_nil(text:find(secret, 1, true), text)
    end
  end)
end)
