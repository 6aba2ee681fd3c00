--- wbem.family: the query family as iterators, named after the scripting calls:
--
--   for obj in svc:query_async(wql, opts) do ... end            ExecQuery(Async)
--   svc:instances_of_async(class, opts)                          InstancesOf(Async)
--   svc:subclasses_of_async([superclass], opts)                  SubclassesOf(Async)
--   svc:associators_of_async(path, opts)                         AssociatorsOf(Async)
--   svc:references_to_async(path, opts)                          ReferencesTo(Async)
--   obj:instances_async(opts), obj:subclasses_async(opts),       Instances_, Subclasses_,
--   obj:associators_async(opts), obj:references_async(opts)      Associators_, References_
--
-- Each takes the options of every asynchronous call (flags, context, async_context,
-- on_progress, timeout for the whole call, async = "sink" | "worker"), and the
-- associators and references forms the filters of their scripting call, by the
-- parameter's name in snake case (result_class = "Win32_Service", classes_only = true).
-- The sink transport makes the *Async call (OnObjectReady per object); the worker
-- transport the semisynchronous call (wbemFlagReturnImmediately + wbemFlagForwardOnly),
-- its objects fetched as the loop reads them. Leaving the loop early cancels the call.

local core = require "wbem.core"
local async = require "wbem.async"
local options = require "wbem.options"
local stream = require "wbem.stream"
local worker = require "wbem.worker"

local ipairs, type = ipairs, type
local unpack = table.unpack

-- The filters of AssociatorsOf and ReferencesTo, in their parameters' order, each with
-- the value the scripting call defaults it to.
local ASSOCIATORS = {
  { "assoc_class", "" }, { "result_class", "" }, { "result_role", "" }, { "role", "" },
  { "classes_only", false }, { "schema_only", false }, { "required_assoc_qualifier", "" },
  { "required_qualifier", "" },
}
local REFERENCES = {
  { "result_class", "" }, { "role", "" }, { "classes_only", false }, { "schema_only", false },
  { "required_qualifier", "" },
}

-- name, on what, synchronous call, asynchronous call, the positional argument (what it
-- is; optional when it ends in "?"), the filters, arguments after the positional one
local FAMILY = {
  { "query_async", "svc", "ExecQuery", "ExecQueryAsync", "the WQL query", nil, { "WQL" } },
  { "instances_of_async", "svc", "InstancesOf", "InstancesOfAsync", "the class name" },
  { "subclasses_of_async", "svc", "SubclassesOf", "SubclassesOfAsync", "the superclass name?" },
  { "associators_of_async", "svc", "AssociatorsOf", "AssociatorsOfAsync", "the object path",
    ASSOCIATORS },
  { "references_to_async", "svc", "ReferencesTo", "ReferencesToAsync", "the object path",
    REFERENCES },
  { "instances_async", "obj", "Instances_", "InstancesAsync_" },
  { "subclasses_async", "obj", "Subclasses_", "SubclassesAsync_" },
  { "associators_async", "obj", "Associators_", "AssociatorsAsync_", nil, ASSOCIATORS },
  { "references_async", "obj", "References_", "ReferencesAsync_", nil, REFERENCES },
}

local function schema_of(filters)
  local schema = options.merge(async.call_options)
  for _, f in ipairs(filters or {}) do
    schema[f[1]] = type(f[2]) == "boolean" and options.boolean or options.string
  end
  return schema
end

-- The iterator method of one FAMILY row.
local function member(row)
  local name, on, sync, acall, argdesc, filters, extra = unpack(row, 1, 7)
  local fname = on .. ":" .. name
  local check = options.checker(fname, schema_of(filters))
  local optional = argdesc and argdesc:sub(-1) == "?"
  if optional then argdesc = argdesc:sub(1, -2) end
  local function start(self, arg, opts)
    async.check_self(self, fname)
    if argdesc and not (optional and arg == nil) then async.check_string(arg, fname, argdesc) end
    opts = check(opts)
    local args, n = {}, 0
    if argdesc then
      n = 1
      args[1] = arg or ""
    end
    for _, v in ipairs(extra or {}) do
      n = n + 1
      args[n] = v
    end
    for _, f in ipairs(filters or {}) do
      local v = opts[f[1]]
      n = n + 1
      if v == nil then args[n] = f[2] else args[n] = v end
    end
    local what = arg and (" " .. arg) or ""
    local op
    if async.transport(self, opts, fname) == "worker" then
      n = n + 1
      args[n] = worker.query_flags(opts.flags)
      op = async.on_worker(self, fname, sync .. what, opts, "query", sync, unpack(args, 1, n))
    else
      op = async.begin(self, fname, acall .. what, opts, acall, unpack(args, 1, n))
    end
    stream.open(op)
    return stream.iterate(op, fname)
  end
  if argdesc then return start end
  return function(self, opts) return start(self, nil, opts) end
end

local methods = {}
for _, row in ipairs(FAMILY) do methods[row[1]] = member(row) end
core.extend(methods)

return methods
