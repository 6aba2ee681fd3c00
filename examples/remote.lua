-- remote.lua: a connection to another computer, with credentials.
--
--   lua remote.lua SERVER [USER [DOMAIN]]      (the password from WBEM_PASSWORD)
--
-- wbem.connect passes server, user, password and authority to
-- SWbemLocator.ConnectServer, and the security levels to the connection's Security_.
-- A remote connection needs DCOM through the network, the remote machine's firewall
-- and WMI permissions for the user; credentials cannot be used for this computer
-- itself (WBEM_E_LOCAL_CREDENTIALS). When it fails, this says why, as WMI reports it,
-- and exits with 1: Wine's WMI, for one, answers every remote name with
-- WBEM_E_TRANSPORT_FAILURE.
local wbem = require "wbem"

local server, user, domain = arg[1], arg[2], arg[3]
if not server then
  io.stderr:write("usage: lua remote.lua SERVER [USER [DOMAIN]]   (password: WBEM_PASSWORD)\n")
  os.exit(2)
end

local hints = {
  WBEM_E_TRANSPORT_FAILURE = "no transport reached the server (Wine's WMI has none for other computers)",
  WBEM_E_LOCAL_CREDENTIALS = "credentials are for other computers only: leave them out for this one",
  E_ACCESSDENIED = "the server refused these credentials, or DCOM/WMI permissions are missing",
  WBEM_E_ACCESS_DENIED = "the user may not use this namespace on the server",
  RPC_S_SERVER_UNAVAILABLE = "the server did not answer (name, network, firewall, WMI service)",
}

local ok, svc = pcall(wbem.connect, {
  server = server, namespace = "root\\cimv2",
  user = user, password = user and os.getenv("WBEM_PASSWORD") or nil,
  authority = domain and ("ntlmdomain:" .. domain) or nil,
  impersonation = "impersonate", authentication = "pktprivacy",
})
if not ok then
  local err = svc
  print(("could not connect to %s: %s"):format(server, tostring(err)))
  if wbem.is_error(err) then
    local name = err.name or ("0x%08X"):format(err.hresult)
    if err.hresult == 0x800706BA then name = "RPC_S_SERVER_UNAVAILABLE" end
    if hints[name] then print("  " .. hints[name]) end
  end
  os.exit(1)
end

for os_ in wbem.each(svc:ExecQuery("SELECT * FROM Win32_OperatingSystem")) do
  print(("%s: %s, version %s"):format(server, os_.Caption, os_.Version))
end
svc:close()
