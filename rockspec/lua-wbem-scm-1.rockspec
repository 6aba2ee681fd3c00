rockspec_format = "3.0"
package = "lua-wbem"
version = "scm-1"

source = {
   url = "git+https://github.com/lua-wbem/lua-wbem.git",
   branch = "main",
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
   homepage = "https://github.com/lua-wbem/lua-wbem",
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
            "src/job.c",
            "src/member.c",
            "src/module.c",
            "src/pump.c",
            "src/queue.c",
            "src/sink.c",
            "src/variant.c",
            "src/worker.c",
         },
         -- wbemuuid: the WbemScripting IIDs for MSVC (MinGW builds define them with initguid.h)
         libraries = { "ole32", "oleaut32", "uuid", "wbemuuid" },
      },
      ["wbem"] = "lua/wbem/init.lua",
      ["wbem.async"] = "lua/wbem/async.lua",
      ["wbem.deadlines"] = "lua/wbem/deadlines.lua",
      ["wbem.flags"] = "lua/wbem/flags.lua",
      ["wbem.loop"] = "lua/wbem/loop.lua",
      ["wbem.options"] = "lua/wbem/options.lua",
      ["wbem.provider"] = "lua/wbem/provider.lua",
      ["wbem.worker"] = "lua/wbem/worker.lua",
   },
   copy_directories = { "examples" },
}
