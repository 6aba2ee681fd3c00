-- target.lua: what the examples that need SWbemSink connect to. The real WbemScripting.*
-- classes, unless WMI has no SWbemSink (Wine's has none) or the script was given --sim:
-- then the WMI simulator of this repository (spec/sim), registered by `make`. The
-- examples load it from their own directory:
--
--   local here = debug.getinfo(1, "S").source:match("^@(.-)[^/\\]*$")
--   local use_sim, options = dofile(here .. "target.lua")(arg)
--
-- options has the locator and sink to give wbem.connect (none for the real classes).
local wbem = require "wbem"

return function(args)
  local use_sim = false
  for _, a in ipairs(args or {}) do
    if a == "--sim" then use_sim = true end
  end
  if not use_sim and not pcall(function() wbem.create("WbemScripting.SWbemSink"):close() end) then
    print("This WMI has no SWbemSink (Wine's has none): using the WMI simulator.")
    use_sim = true
  end
  if use_sim then
    return true, { locator = "WbemSim.SWbemLocator", sink = "WbemSim.SWbemSink" }
  end
  return false, {}
end
