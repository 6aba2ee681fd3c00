--- wbem: WMI's scripting objects from Lua 5.4 on Windows.
--
--   local wbem = require "wbem"
--   local svc = wbem.connect{ namespace = "root\\cimv2" }
--   for p in wbem.each(svc:ExecQuery("SELECT * FROM Win32_Process")) do
--     print(p.ProcessId, p.Name)
--   end
--
-- The C core (wbem.core) bridges any automation object: obj.Name reads a
-- property, obj.Name = v writes one, obj:Method(...) calls a method. This file
-- gathers the public API from the modules beside it: connections and objects here,
-- wbem.loop (tasks, the pump, deadlines), wbem.async (sinks and the asynchronous calls),
-- wbem.flags, wbem.options (the checker of every options table).

local core = require "wbem.core"
local async = require "wbem.async"
local flags = require "wbem.flags"
local loop = require "wbem.loop"
local options = require "wbem.options"
local provider = require "wbem.provider"
local worker = require "wbem.worker"
local fallback = require "wbem.fallback"
local connection = require "wbem.connection"
local fleet = require "wbem.fleet"
local exec = require "wbem.exec"
require "wbem.family"         -- svc:instances_of_async, obj:associators_async, ...
require "wbem.events"         -- svc:events, svc:subscribe

local M = {}

M._VERSION = "0.1.0"          -- the release (rockspec/lua-wbem-0.1.0-1.rockspec, CHANGELOG.md)
M.core = core
M.out = core.out              -- marks an out parameter: obj:M(a, wbem.out) returns result, out value
M.hresults = core.hresults    -- name -> unsigned HRESULT, e.g. wbem.hresults.WBEM_E_NOT_FOUND

M.each = core.each            -- for item in wbem.each(collection) do ... end
M.close = core.close          -- releases a bridged object now (as <close> does)
M.is_object = core.is_object
M.is_error = core.is_error
M.settings = core.settings    -- the connection settings a bridged object carries
M.call = core.call            -- wbem.call(obj, "Name", ...): call Name as a method
M.call_async = worker.call_async  -- wbem.call_async(obj, "Name", {args}, {timeout=}): on a worker
M.workers = worker.workers    -- the worker pool's figures; wbem.workers{max=, idle_ms=} sets them

M.flags = flags               -- every wbemChangeFlag*/wbemFlag*/... value by its WMI name
M.sink = async.sink           -- wbem.sink{ on_completed = f, ..., class = progid }

M.connect = connection.connect  -- wbem.connect{ server=, namespace=, ..., timeout=, async= }
M.fleet = fleet.fleet         -- wbem.fleet(hosts, fn, opts) -> a record per host, in order
M.fleet_each = fleet.each     -- for record in wbem.fleet_each(hosts, fn, opts): as they finish
M.datetime = require "wbem.datetime"  -- CIM DATETIME strings to and from Lua dates and os.time numbers

-- Tasks and the pump (wbem.loop)
M.spawn = loop.spawn          -- spawn(fn, ...) -> coroutine: a task, running until its first wait
M.run = loop.run              -- run([fn, ...]): spawns fn, pumps until nothing is pending
M.pump = loop.pump            -- pump([timeout_ms]) -> dispatched, quit
M.pending = loop.pending      -- how many operations a caller waits for
M.timeout = loop.timeout      -- ms until the nearest deadline, or nil
M.sleep = loop.sleep          -- sleep(ms): a task yields meanwhile, anything else pumps
M.clock = core.clock          -- milliseconds, monotonic (a float)
M.wait_handle = core.wait_handle  -- a HANDLE signalled while events wait, for host loops

--- Builds an error object: wbem.error{ hresult = 0x80041002, operation = "..." }.
-- name and message are derived from hresult when not given.
function M.error(fields)
  if type(fields) ~= "table" then
    error("wbem.error: expects a table of fields, got " .. options.show(fields), 2)
  end
  local hr = fields.hresult
  if math.type(hr) ~= "integer" or hr < -0x80000000 or hr > 0xFFFFFFFF then
    error("wbem.error: field 'hresult' must be an integer of 32 bits (signed or unsigned), got "
          .. options.show(hr), 2)
  end
  return core.error(fields)
end

--- Runs a WMI method with named in-parameters, the way VBScript's ExecMethod_
-- does: wbem.exec(obj, "Create", { CommandLine = "notepad.exe" }) returns the
-- out-parameters object (out.ReturnValue, out.ProcessId, ...). obj is a class or
-- an instance (SWbemObject). A direct call, obj:Create(...), that the object answers
-- with E_NOTIMPL (Wine 8 does, for every WMI method) comes here too (wbem.fallback).
M.exec = exec.exec

-- Raises fname's error unless s is valid UTF-8 (what COM gets is UTF-16 made from it).
local function check_utf8(s, fname, what)
  local _, bad = utf8.len(s)
  if bad then
    error(("%s: the %s is not valid UTF-8 (a bad byte at offset %d)"):format(fname, what, bad - 1), 3)
  end
end

--- Binds a moniker ("winmgmts:..." or any display name) to its object.
function M.get(moniker)
  if type(moniker) ~= "string" then
    error("wbem.get: expects a moniker string, got a " .. type(moniker), 2)
  end
  check_utf8(moniker, "wbem.get", "moniker")
  local obj = core.get(moniker)
  if moniker:lower():find("^winmgmts:") then
    core.settings(obj, provider.for_prefix(provider.DEFAULT_PREFIX))
  end
  return obj
end

--- Creates an automation object by progid (or "{CLSID}").
function M.create(progid)
  if type(progid) ~= "string" then
    error("wbem.create: expects a progid string, got a " .. type(progid), 2)
  end
  check_utf8(progid, "wbem.create", "progid")
  local settings
  local prefix = progid:match("^([^.]+)%.SWbem%w+")
  if prefix then settings = provider.for_prefix(prefix) end
  return core.create(progid, settings)
end

-- A date table (os.date("*t")'s shape) assigned to a property of a WMI object becomes its
-- CIM datetime string: obj.InstallDate = os.date("!*t") works as the string would. A table
-- format refuses names the property, at the line of the assignment (called from the
-- object's __newindex: level 3).
local format = M.datetime.format
core.date_put(function(t, name)
  local ok, s = pcall(format, t)
  if ok then return s end
  if type(s) == "string" then
    error(("wbem: the value for '%s': %s"):format(name, (s:gsub("^wbem%.datetime%.format: ", ""))), 3)
  end
  error(s, 0)
end)

-- A direct call of a WMI method that the object answers with E_NOTIMPL is made again
-- through ExecMethod_ (wbem.fallback), so that scripts need not choose.
core.fallback(function(obj, method, ...)
  return fallback.call(M.exec, M.connect, obj, method, ...)
end)

return M
