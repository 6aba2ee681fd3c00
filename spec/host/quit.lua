-- A WM_QUIT that wbem.pump meets belongs to the host: pump reports it and posts it again.
local wbem = require "wbem"
return function()
  local n, quit = wbem.pump(0)
  return n == 0 and quit == true
end
