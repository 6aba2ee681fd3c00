--- wbem.fallback: a direct call of a WMI method, proc:Create("notepad.exe", nil, nil,
-- wbem.out), that the object answers with E_NOTIMPL (Wine 8's SWbemObject answers every
-- one so; Windows makes the call) is made again through ExecMethod_ (wbem.exec) by the
-- C core (core.fallback), with the same results: the method's ReturnValue, then the
-- value of each wbem.out.
--
-- The positional arguments go to the method's in-parameters in order, and each
-- wbem.out takes the next out-parameter; a nil leaves its parameter to its default.
-- That order is the provider's table of method parameters, __PARAMETERS (Class, Method,
-- Direction, Parameter), which Wine's WMI keeps; it is read once per connection's
-- settings. Where the object does not say its class, GetObjectText_ does.

local core = require "wbem.core"

local M = {}

local IN, INOUT, OUT = 1, 0, -1       -- __PARAMETERS.Direction
local CIM_SINT32 = 3                  -- __PARAMETERS.Type
local E_NOTIMPL = 0x80004001

-- settings table (of a connection) -> { ["Class.Method"] = { ins = {...}, outs = {...},
-- signed = { [name] = true } } }
local known = setmetatable({}, { __mode = "k" })

local function class_of(obj)
  local ok, class = pcall(function()
    local path <close> = obj.Path_
    return path.Class
  end)
  if ok and type(class) == "string" and class ~= "" then return class end
  ok, class = pcall(obj.GetObjectText_, obj)
  if ok and type(class) == "string" then
    return class:match("^%s*instance of ([%w_]+)") or class:match("^%s*class ([%w_]+)")
  end
end

-- The methods' parameters, as the provider of obj's connection lists them.
local function signatures(obj, connect)
  local s = core.settings(obj) or {}
  local t = known[s]
  if t then return t end
  t = {}
  local svc <close> = connect{ locator = s.locator, server = s.server, namespace = s.namespace }
  for p in core.each(svc:ExecQuery("SELECT * FROM __PARAMETERS")) do
    local key = p.Class .. "." .. p.Method
    local sig = t[key] or { ins = {}, outs = {}, signed = {} }
    t[key] = sig
    local name, dir = p.Parameter, p.Direction
    sig.signed[name] = p.Type == CIM_SINT32 or nil
    if name ~= "ReturnValue" then
      if dir == IN or dir == INOUT then sig.ins[#sig.ins + 1] = name end
      if dir == OUT or dir == INOUT then sig.outs[#sig.outs + 1] = name end
    end
    core.close(p)
  end
  known[s] = t
  return t
end

--- Makes obj:method(...) through exec(obj, method, named) (wbem.exec); connect is
-- wbem.connect, for the table of parameters.
function M.call(exec, connect, obj, method, ...)
  local class = class_of(obj)
  local ok, t = pcall(signatures, obj, connect)
  local sig = ok and class and t[class .. "." .. method]
  local what = (class or "SWbemObject") .. "." .. method
  if not sig then
    error(core.error{ hresult = E_NOTIMPL, operation = "call " .. what,
      message = "the provider does not take a direct call of this method and does not list "
             .. "its parameters: call wbem.exec(obj, \"" .. method .. "\", { Name = value })" }, 0)
  end
  local named, outs = {}, {}
  local n_in = 0
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if rawequal(v, core.out) then
      local name = sig.outs[#outs + 1]
      if not name then
        error(("wbem: %s: argument #%d is wbem.out, but the method has %d out-parameter(s) here (%s)")
              :format(what, i, #sig.outs, table.concat(sig.outs, ", ")), 3)
      end
      outs[#outs + 1] = name
    else
      n_in = n_in + 1
      local name = sig.ins[n_in]
      if name then
        -- an unsigned 32-bit value for a sint32 (hDefKey = 0x80000002): its bit
        -- pattern, as the direct call passes it
        if sig.signed[name] and math.type(v) == "integer" and v > 0x7FFFFFFF and v <= 0xFFFFFFFF then
          v = v - 0x100000000
        end
        named[name] = v
      elseif v ~= nil then
        error(("wbem: %s: argument #%d has no in-parameter to go to (in-parameters here: %s)")
              :format(what, i, table.concat(sig.ins, ", ")), 3)
      end
    end
  end
  local out <close> = exec(obj, method, named)
  local results = { n = #outs + 1, out and out.ReturnValue }
  for i, name in ipairs(outs) do results[i + 1] = out[name] end
  return table.unpack(results, 1, results.n)
end

return M
