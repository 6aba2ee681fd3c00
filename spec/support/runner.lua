-- Runs busted inside the Windows Lua (what Debian's /usr/bin/busted does on Linux).
-- Not named busted.lua: Windows Lua would find it first for require "busted".
-- The helper spec/support/select.lua comes first: WBEM_TARGET (sim or real) decides
-- what the specs run against, and which are skipped.
local helper = "--helper=spec/support/select.lua"
local given = false
for _, a in ipairs(arg) do
  if a:find("^%-%-helper") then given = true end
end
if not given then table.insert(arg, 1, helper) end
require 'busted.runner'({ standalone = false })
