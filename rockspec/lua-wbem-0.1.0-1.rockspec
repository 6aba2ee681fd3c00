rockspec_format = "3.0"
package = "lua-wbem"
version = "0.1.0-1"

-- The project has no public repository yet (README.md, "Installing on Windows"): the
-- source is the archive of a clone that `make dist` writes beside this rockspec
-- (build/dist). From a clone, `luarocks make rockspec/lua-wbem-0.1.0-1.rockspec` needs none.
source = {
   url = "lua-wbem-0.1.0.tar.gz",
   dir = "lua-wbem-0.1.0",
}

description = {
   summary = "WMI (WBEM) scripting objects for Lua 5.4 on Windows, with events and async calls",
   detailed = [[
lua-wbem wraps WMI's scripting objects (wbemdisp.dll: SWbemLocator, SWbemServices,
SWbemObject, SWbemSink, ...) through IDispatch: properties, methods, collections,
structured WMI errors. SWbemSink events are pumped into the Lua state through a message
loop that never blocks a host, and asynchronous WMI calls such as PutAsync_ run as
coroutines.
]],
   license = "MIT",
   labels = { "windows", "wmi", "wbem", "com" },
}

supported_platforms = { "windows" }

dependencies = {
   "lua >= 5.4, < 5.5",
}

build = {
   type = "builtin",
   modules = {
      ["wbem.core"] = {
         sources = {
            "src/com.c",
            "src/comutil.c",
            "src/dispatch.c",
            "src/enum.c",
            "src/errors.c",
            "src/guids.c",
            "src/job.c",
            "src/member.c",
            "src/module.c",
            "src/offstack.c",
            "src/pump.c",
            "src/queue.c",
            "src/sink.c",
            "src/variant.c",
            "src/worker.c",
         },
         -- Every DLL the module imports, but lua54 and the C runtime (tools/rocks.sh checks
         -- it). No uuid or wbemuuid: they exist only in the Windows SDK, where LuaRocks
         -- does not look for them; the module defines the GUIDs it uses (src/guids.c).
         libraries = { "kernel32", "user32", "ole32", "oleaut32" },
      },
      ["wbem"] = "lua/wbem/init.lua",
      ["wbem.async"] = "lua/wbem/async.lua",
      ["wbem.connection"] = "lua/wbem/connection.lua",
      ["wbem.datetime"] = "lua/wbem/datetime.lua",
      ["wbem.deadlines"] = "lua/wbem/deadlines.lua",
      ["wbem.events"] = "lua/wbem/events.lua",
      ["wbem.exec"] = "lua/wbem/exec.lua",
      ["wbem.fallback"] = "lua/wbem/fallback.lua",
      ["wbem.family"] = "lua/wbem/family.lua",
      ["wbem.flags"] = "lua/wbem/flags.lua",
      ["wbem.fleet"] = "lua/wbem/fleet.lua",
      ["wbem.loop"] = "lua/wbem/loop.lua",
      ["wbem.options"] = "lua/wbem/options.lua",
      ["wbem.provider"] = "lua/wbem/provider.lua",
      ["wbem.stream"] = "lua/wbem/stream.lua",
      ["wbem.worker"] = "lua/wbem/worker.lua",
   },
   copy_directories = { "docs", "examples" },
}
