--- wbem.provider: which provider's classes a connection uses.
--
-- A bridged object carries the settings of the connection it came from (core.settings):
-- the progids of the sink, named value set and last-error classes of the same provider
-- of the scripting object model ("WbemScripting", or a stand-in such as the simulator's
-- "WbemSim"). Nothing here is global: every object knows its own provider, so
-- connecting to one provider never changes what objects of another one use.

local core = require "wbem.core"

local M = {}

M.DEFAULT_PREFIX = "WbemScripting"

-- "WbemSim.SWbemLocator" -> "WbemSim"
function M.prefix_of(progid)
  return progid:match("^([^.]+)%.") or M.DEFAULT_PREFIX
end

-- The settings of objects that come from the provider whose progids start with prefix;
-- fields of given (non-nil) win.
function M.for_prefix(prefix, given)
  local s = {
    sink = prefix .. ".SWbemSink",
    named_value_set = prefix .. ".SWbemNamedValueSet",
    last_error = prefix .. ".SWbemLastError",
  }
  for k, v in pairs(given or {}) do s[k] = v end
  return s
end

local default = M.for_prefix(M.DEFAULT_PREFIX)
M.default = default

-- The settings an object carries, or the real WbemScripting classes' when it carries
-- none (an object made by wbem.create of a non-WMI progid, say).
function M.of(obj)
  return core.settings(obj) or default
end

return M
