-- Runs busted inside the Windows Lua (what Debian's /usr/bin/busted does on Linux).
-- Not named busted.lua: Windows Lua would find it first for require "busted".
require 'busted.runner'({ standalone = false })
