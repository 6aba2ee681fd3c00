-- select.lua: a busted helper (spec/support/runner.lua loads it before any spec file)
-- that applies WBEM_TARGET's selection rules (spec/support/target.lua).
--
-- With WBEM_TARGET=real, a spec tagged #sim or #wine in its name (or in an enclosing
-- describe's) is not dropped but reported as skipped (TAP "# SKIP"), and the count is
-- printed at the end, so that both targets list the same specs.
local busted = require "busted"
local target = require "spec.support.target"

local skipped_on_real = target.skipped_on_real

-- The tag of name that the real target skips, if any.
local function skip_tag(name)
  for tag in pairs(skipped_on_real) do
    if name:find("#" .. tag .. "%f[^%w_]") then return tag end
  end
end

local counts, total = {}, 0

if target.real then
  -- A describe's body runs after it is registered, and registers what it holds (its
  -- nested describes' bodies run later still): a tagged describe's body, and every
  -- describe registered inside one, runs with its tag on the stack.
  local tags, wrapped = {}, setmetatable({}, { __mode = "k" })
  busted.subscribe({ "register", "describe" }, function(name, fn, trace, attributes)
    local tag = skip_tag(name) or tags[#tags]
    if not tag or wrapped[fn] then return nil, true end
    local function body(...)
      tags[#tags + 1] = tag
      local ok, err = pcall(fn, ...)
      tags[#tags] = nil
      if not ok then error(err, 0) end
    end
    wrapped[body] = true
    busted.publish({ "register", "describe" }, name, body, trace, attributes)
    return nil, false
  end, { priority = 1 })

  busted.subscribe({ "register", "it" }, function(name, fn, trace, attributes)
    local tag = skip_tag(name) or tags[#tags]
    if not tag then return nil, true end
    counts[tag] = (counts[tag] or 0) + 1
    total = total + 1
    busted.publish({ "register", "pending" },
                   ("%s [skipped with WBEM_TARGET=real: %s]"):format(name, skipped_on_real[tag]),
                   function() end, trace, attributes)
    return nil, false
  end, { priority = 1 })

  -- The simulator is out of reach, as on a machine that has none: a spec that reaches
  -- for it outside a #sim spec fails here as it would there.
  local wbem = require "wbem"
  local function refuse(what, progid)
    if type(progid) == "string" and progid:find("^WbemSim%.") then
      error(("%s(%q): the simulator is out of reach with WBEM_TARGET=real (tag the spec #sim)")
            :format(what, progid), 3)
    end
  end
  local create, connect = wbem.create, wbem.connect
  wbem.create = function(progid, ...)
    refuse("wbem.create", progid)
    return create(progid, ...)
  end
  wbem.connect = function(opts, ...)
    if type(opts) == "table" then refuse("wbem.connect", opts.locator) end
    return connect(opts, ...)
  end
end

busted.subscribe({ "suite", "end" }, function()
  if total > 0 then
    local parts = {}
    for tag, n in pairs(counts) do parts[#parts + 1] = ("%d #%s (%s)"):format(n, tag, skipped_on_real[tag]) end
    table.sort(parts)
    io.write(("# WBEM_TARGET=%s: %d specs skipped: %s\n"):format(target.name, total, table.concat(parts, ", ")))
  else
    io.write(("# WBEM_TARGET=%s: no spec skipped\n"):format(target.name))
  end
  io.flush()
  return nil, true
end)
