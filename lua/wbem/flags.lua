--- wbem.flags: every WMI flag value of the scripting API under its WMI name without the
-- prefix (wbemChangeFlagCreateOnly -> CreateOnly, wbemFlagReturnImmediately ->
-- ReturnImmediately, wbemQueryFlagShallow -> Shallow, wbemConnectFlagUseMaxWait ->
-- UseMaxWait). Read-only; an unknown name is an error, not nil.

local flags = {
  -- WbemChangeFlagEnum
  CreateOrUpdate = 0x0, UpdateOnly = 0x1, CreateOnly = 0x2,
  UpdateCompatible = 0x0, UpdateSafeMode = 0x20, UpdateForceMode = 0x40,
  StrongValidation = 0x80, Advisory = 0x10000,
  -- WbemFlagEnum
  ReturnImmediately = 0x10, ReturnWhenComplete = 0x0,
  Bidirectional = 0x0, ForwardOnly = 0x20,
  NoErrorObject = 0x40, ReturnErrorObject = 0x0,
  SendStatus = 0x80, DontSendStatus = 0x0,
  EnsureLocatable = 0x100, DirectRead = 0x200, SendOnlySelected = 0x0,
  UseAmendedQualifiers = 0x20000,
  GetDefault = 0x0, SpawnInstance = 0x1, UseCurrentTime = 0x1,
  -- WbemQueryFlagEnum
  Deep = 0x0, Shallow = 0x1, Prototype = 0x2,
  -- WbemConnectOptionsEnum
  UseMaxWait = 0x80,
}

return setmetatable({}, {
  __index = function(_, name)
    local v = flags[name]
    if v == nil then error("wbem.flags: no flag named " .. tostring(name), 2) end
    return v
  end,
  __newindex = function() error("wbem.flags is read-only", 2) end,
  __pairs = function() return next, flags, nil end,
})
