--- wbem.connection: wbem.connect, and the fields its options table takes (wbem.fleet
-- checks a fleet's connection options against them before the first host).

local core = require "wbem.core"
local options = require "wbem.options"
local provider = require "wbem.provider"
local worker = require "wbem.worker"

local ipairs, pcall, error = ipairs, pcall, error

local M = {}

-- WbemImpersonationLevelEnum and WbemAuthenticationLevelEnum, by the names the
-- winmgmts: moniker uses (case-insensitive here).
local impersonation_levels = {
  anonymous = 1, identify = 2, impersonate = 3, delegate = 4,
}
local authentication_levels = {
  default = 0, none = 1, connect = 2, call = 3, pkt = 4, pktintegrity = 5, pktprivacy = 6,
}

local DEFAULT_LOCATOR = "WbemScripting.SWbemLocator"

M.fields = {
  server = options.string, namespace = options.string, user = options.string,
  password = options.secret, locale = options.string, authority = options.string,
  impersonation = options.level(impersonation_levels, "impersonation"),
  authentication = options.level(authentication_levels, "authentication"),
  privileges = options.list(options.string, "privileges"), locator = options.string,
  sink = options.string, named_value_set = options.string, last_error = options.string,
  security_flags = options.flags, timeout = options.ms,
  async = options.choice{ "sink", "worker" },
}
M.check = options.checker("wbem.connect", M.fields)

-- Applies the security options through svc.Security_ (ISWbemSecurity).
local function apply_security(svc, impersonation, authentication, privileges)
  local security <close> = svc.Security_
  if impersonation then security.ImpersonationLevel = impersonation end
  if authentication then security.AuthenticationLevel = authentication end
  if privileges then
    local set <close> = security.Privileges
    for _, name in ipairs(privileges) do
      local enable = name:sub(1, 1) ~= "!"
      local p <close> = set:AddAsString(enable and name or name:sub(2), enable)
    end
  end
end

--- Connects to a WMI namespace and returns the SWbemServices object.
-- opts (all optional): server, namespace, user, password, locale, authority,
-- security_flags (ConnectServer's arguments); impersonation ("impersonate", ...
-- or a number), authentication ("pktprivacy", ... or a number), privileges (a
-- list of privilege names such as "SeDebugPrivilege"; "!Name" disables), applied
-- through the services object's Security_; locator (progid, default
-- "WbemScripting.SWbemLocator"); sink, named_value_set, last_error (progids,
-- defaults derived from the locator's prefix: "WbemScripting.SWbemSink", ...);
-- timeout (ms: the connection is made on a worker and raises an error with
-- timeout = true when it takes longer); async ("sink", the default, or "worker": the
-- transport of the *_async calls on this connection's objects; "worker" connects on a
-- worker too).
function M.connect(opts)
  opts = M.check(opts)
  local locator_id = opts.locator or DEFAULT_LOCATOR
  local settings = provider.for_prefix(provider.prefix_of(locator_id), {
    sink = opts.sink, named_value_set = opts.named_value_set, last_error = opts.last_error,
  })
  settings.locator = locator_id
  settings.server = opts.server or "."
  settings.namespace = opts.namespace or "root\\cimv2"
  settings.async = opts.async

  local svc
  if opts.timeout ~= nil or opts.async == "worker" then
    -- off the Lua thread: the connection then lives in the workers' apartment
    svc = worker.connect(settings, opts.timeout, settings.server, settings.namespace,
      opts.user or "", opts.password or "", opts.locale or "", opts.authority or "",
      opts.security_flags or 0)
  else
    local locator <close> = core.create(locator_id, settings)
    svc = locator:ConnectServer(settings.server, settings.namespace, opts.user or "",
      opts.password or "", opts.locale or "", opts.authority or "", opts.security_flags or 0)
  end
  core.settings(svc, settings)
  if opts.impersonation or opts.authentication or opts.privileges then
    -- a failure here must not leave the connection open until the next collection
    local ok, err = pcall(apply_security, svc, opts.impersonation, opts.authentication,
                          opts.privileges)
    if not ok then
      core.close(svc)
      error(err, 0)
    end
  end
  return svc
end

return M
