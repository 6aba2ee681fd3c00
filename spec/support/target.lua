-- target.lua: what the specs run against, chosen by WBEM_TARGET.
--
--   WBEM_TARGET=sim   (the default; Linux under Wine) everything: Wine's real WMI where
--                     it serves, the WMI simulator (spec/sim) for the write and
--                     asynchronous side that Wine's WMI lacks.
--   WBEM_TARGET=real  (Windows) the asynchronous specs run against the real
--                     WbemScripting.* classes, in a class of their own in root\default
--                     (spec/support/simfix.lua); the simulator is out of reach.
--
-- spec/support/select.lua (a busted helper) skips, with WBEM_TARGET=real, the specs
-- tagged for what only the other target has.
local M = {}

M.name = os.getenv("WBEM_TARGET") or "sim"
if M.name ~= "sim" and M.name ~= "real" then
  error(("WBEM_TARGET must be 'sim' or 'real', not '%s'"):format(M.name), 0)
end
M.real = M.name == "real"

-- The tags that mark what the real target cannot run, and why.
--   #sim   needs the simulator: its Control knobs (latency, hangs, progress steps,
--          failure injection, delivery mode, LiveObjects, the context it received) or
--          its own classes;
--   #wine  needs Wine: it checks what Wine's WMI lacks, or uses what only Wine has in a
--          64-bit process (MSScriptControl.ScriptControl).
M.skipped_on_real = {
  sim = "needs the simulator",
  wine = "needs Wine",
}

return M
