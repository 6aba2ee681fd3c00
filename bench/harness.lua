-- harness.lua: what every Lua benchmark starts with: benchutil (build/bench), the
-- low-fragmentation heap the raw C client uses too, line-buffered output, and out(),
-- which prints one "name value" line for tools/bench.sh.
package.cpath = "build/bench/?.dll;" .. package.cpath
local util = require "benchutil"

assert(util.low_fragmentation_heap(), "cannot switch on the low-fragmentation heap")
io.stdout:setvbuf("line")

local M = { util = util }

function M.out(key, value) print(("%s %.1f"):format(key, value)) end

return M
