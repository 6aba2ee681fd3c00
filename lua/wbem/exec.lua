--- wbem.exec: WMI methods with named in-parameters, the way VBScript's ExecMethod_
-- makes them, synchronously and as asynchronous calls:
--
--   wbem.exec(obj, "Create", { CommandLine = "notepad.exe" })      ExecMethod_
--   obj:exec_async("Terminate", { Reason = 0 }, opts)               ExecMethodAsync_
--   svc:exec_async(path, "Create", { CommandLine = "..." }, opts)   SWbemServices.ExecMethodAsync
--
-- Each returns the out-parameters object (out.ReturnValue, out.ProcessId, ...). The
-- in-parameters are an instance of the method's InParameters class, as Microsoft's
-- samples make it. exec_async takes the options of every asynchronous call; on the
-- worker transport it makes the synchronous ExecMethod_ / ExecMethod on a worker.

local core = require "wbem.core"
local async = require "wbem.async"
local loop = require "wbem.loop"
local options = require "wbem.options"

local type, pairs, next, pcall, error = type, pairs, next, pcall, error
local show = options.show

local WBEM_E_NOT_FOUND = 0x80041002
local WBEM_E_INVALID_METHOD = 0x8004102E
local DISP_E_UNKNOWNNAME = 0x80020006

local M = {}

-- Raises fname's misuse error at the caller of the public function.
local function misuse(fname, fmt, ...)
  error(fname .. ": " .. fmt:format(...), 4)
end

--- The in-parameters object of cls's method (a class or an instance) holding params,
-- and whether it is a new one (the caller closes it); nil for no parameters.
local function inparams(cls, method, params, fname)
  if params == nil or next(params) == nil then return nil end
  local methods <close> = cls.Methods_
  local found, m = pcall(methods.Item, methods, method)
  if not found then
    -- the method set says WBEM_E_NOT_FOUND; the call itself, made without parameters,
    -- gets WBEM_E_INVALID_METHOD from WMI: one error for one mistake, whichever way
    if core.is_error(m) and m.hresult == WBEM_E_NOT_FOUND then
      error(core.error{ hresult = WBEM_E_INVALID_METHOD, operation = fname .. " " .. method,
                        message = ("the class has no method '%s'"):format(method) }, 0)
    end
    error(m, 0)
  end
  local _ <close> = m
  local class_in = m.InParameters
  if class_in == nil then misuse(fname, "%s takes no in-parameters", method) end
  -- an instance of the in-parameters class; Wine 8 lacks SpawnInstance_ and lets the
  -- class object carry the values instead
  local ok, inp = pcall(class_in.SpawnInstance_, class_in)
  if ok then
    core.close(class_in)
  elseif core.is_error(inp) and inp.name == "E_NOTIMPL" then
    inp = class_in
  else
    core.close(class_in)
    error(inp, 0)
  end
  for k, v in pairs(params) do
    if type(k) ~= "string" then
      core.close(inp)
      misuse(fname, "parameter names must be strings, got %s", show(k))
    end
    local set, err = pcall(function() inp[k] = v end)
    if not set then
      core.close(inp)
      -- a value that cannot be converted (a closed object, a function...): said from the
      -- caller's line, as a parameter of the method (the put named it as a property's
      -- value); WMI's own refusals keep their error object
      if type(err) == "string" then
        local reason, put = options.unplaced(err), ("wbem: the value for '%s': "):format(k)
        if reason:sub(1, #put) == put then reason = reason:sub(#put + 1) end
        misuse(fname, "parameter '%s': %s", k, reason)
      end
      -- a name the in-parameters class does not have: WMI's error (Wine: DISP_E_UNKNOWNNAME),
      -- told as what it is rather than as a property put
      local hr = core.is_error(err) and err.hresult
      if hr == DISP_E_UNKNOWNNAME or hr == WBEM_E_NOT_FOUND then
        error(core.error{ hresult = err.hresult, operation = fname .. " " .. method,
                          message = ("%s has no in-parameter '%s'"):format(method, k) }, 0)
      end
      error(err, 0)
    end
  end
  return inp
end

-- wbem.exec's object (the methods check theirs with async.check_self).
local function check_object(obj, fname)
  if not core.is_object(obj) then misuse(fname, "expects a bridged SWbemObject, got %s", show(obj)) end
  if not core.is_open(obj) then misuse(fname, "the object is closed") end
end

local function check_call(method, params, fname)
  if type(method) ~= "string" then misuse(fname, "expects a method name, got %s", show(method)) end
  if method:find("\0", 1, true) then misuse(fname, "the method name contains a zero byte") end
  if params ~= nil and type(params) ~= "table" then
    misuse(fname, "parameters must be a table of name = value, got %s", show(params))
  end
end

--- exec(obj, method, params) -> the out-parameters object. obj is a class or an instance.
function M.exec(obj, method, params)
  check_object(obj, "wbem.exec")
  check_call(method, params, "wbem.exec")
  async.check_method(obj, "wbem.exec", "ExecMethod_")
  local inp <close> = inparams(obj, method, params, "wbem.exec")
  if inp == nil then return obj:ExecMethod_(method) end
  return obj:ExecMethod_(method, inp)
end

local methods = {}
local check_obj = options.checker("obj:exec_async", async.call_options)
local check_svc = options.checker("svc:exec_async", async.call_options)

-- obj:exec_async(method, params, opts) -> the out-parameters object
local function obj_exec_async(obj, method, params, opts)
  local fname = "obj:exec_async"
  async.check_self(obj, fname)
  check_call(method, params, fname)
  opts = check_obj(opts)
  local worker = async.transport(obj, opts, fname) == "worker"
  async.check_method(obj, fname, worker and "ExecMethod_" or "ExecMethodAsync_")
  local inp <close> = inparams(obj, method, params, fname)
  local op
  if worker then
    op = async.on_worker(obj, fname, "ExecMethod_ " .. method, opts, nil, "ExecMethod_", method,
                         inp, opts.flags or 0)
  else
    op = async.begin(obj, fname, "ExecMethodAsync_ " .. method, opts, "ExecMethodAsync_",
                     method, inp)
  end
  return loop.await(op)
end

-- The class an object path names: \\server\ns:Class.Key="v" -> Class.
local function class_of(path)
  local head = path:match('^[^"=]*')
  head = head:match("[^:]*$")
  return head:match("^[%w_]+")
end

-- svc:exec_async(path, method, params, opts) -> the out-parameters object
local function svc_exec_async(svc, path, method, params, opts)
  local fname = "svc:exec_async"
  async.check_self(svc, fname)
  async.check_string(path, fname, "the object path")
  check_call(method, params, fname)
  opts = check_svc(opts)
  local worker = async.transport(svc, opts, fname) == "worker"
  async.check_method(svc, fname, worker and "ExecMethod" or "ExecMethodAsync")
  local timeout, started = opts.timeout, core.clock()
  local inp
  if params ~= nil and next(params) ~= nil then
    local class = class_of(path)
    if not class then misuse(fname, "the object path %s names no class", show(path)) end
    -- the class comes over the same transport as the call, within the same bound
    local cls <close> = svc:get_async(class, { async = worker and "worker" or "sink",
                                               timeout = timeout })
    inp = inparams(cls, method, params, fname)
  end
  local _ <close> = inp
  local left = timeout and math.max(0, timeout - (core.clock() - started))
  local call = options.merge(opts, { timeout = left })
  local op
  if worker then
    op = async.on_worker(svc, fname, "ExecMethod " .. path .. " " .. method, call, nil,
                         "ExecMethod", path, method, inp, call.flags or 0)
  else
    op = async.begin(svc, fname, "ExecMethodAsync " .. path .. " " .. method, call,
                     "ExecMethodAsync", path, method, inp)
  end
  return loop.await(op)
end

-- One name for both forms, told apart by their arguments: the service's form has the
-- object path first, then the method name.
function methods.exec_async(self, a, b, c, d)
  if type(b) == "string" then return svc_exec_async(self, a, b, c, d) end
  return obj_exec_async(self, a, b, c)
end

core.extend(methods)

return M
