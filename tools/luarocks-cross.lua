-- luarocks-cross.lua: a LuaRocks configuration that builds rocks for 64-bit Windows
-- on Linux with mingw-w64, the way LuaRocks on Windows with mingw would (tools/rocks.sh
-- uses it through LUAROCKS_CONFIG). LuaRocks itself runs on Linux, so its file
-- operations are unix ones; the rockspec sees the platforms windows and mingw32 (its
-- platforms.windows entries apply) and links like mingw: gcc, -l per library, against
-- lua54.dll itself (no import library). LUA_INCDIR and LUA_LIBDIR (the Windows Lua the
-- Makefile built) come on the command line.
platforms = { "unix", "windows", "mingw32" }

arch = "win32-x86_64"
lib_extension = "dll"
external_lib_extension = "dll"
obj_extension = "o"
static_lib_extension = "a"

-- where mingw-w64 keeps the Windows import libraries (libole32.a, libuser32.a, ...):
-- LuaRocks checks every library a rockspec lists as an external dependency
external_deps_dirs = { "/usr/x86_64-w64-mingw32" }
external_deps_patterns = {
   bin = { "?.exe" },
   lib = { "lib?.a", "lib?.dll.a", "?.dll" },
   include = { "?.h" },
}
runtime_external_deps_patterns = external_deps_patterns
external_deps_subdirs = { bin = "bin", lib = "lib", include = "include" }
runtime_external_deps_subdirs = external_deps_subdirs

link_lua_explicitly = true

variables = {
   CC = "x86_64-w64-mingw32-gcc",
   LD = "x86_64-w64-mingw32-gcc",
   AR = "x86_64-w64-mingw32-ar",
   RANLIB = "x86_64-w64-mingw32-ranlib",
   CFLAGS = "-O2",
   LIBFLAG = "-shared",
   LUALIB = "lua54.dll",
}
