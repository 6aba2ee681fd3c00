#!/usr/bin/env bash
# rocks.sh: builds the module the way its users install it, with LuaRocks, as TAP.
#
# LuaRocks runs here on Linux in cross mode (tools/luarocks-cross.lua: platforms
# unix+windows+mingw32, the mingw-w64 gcc, lua54.dll), against the Windows Lua the
# Makefile built (LUA_TREE, default build/win; its headers in LUA_INC):
#   - the release: what `make dist` writes (tools/dist.sh: the archive of the tracked
#     files, `luarocks pack` of rockspec/lua-wbem-<version>.rockspec into a source rock),
#     and `luarocks build` of that source rock into build/rocks/release (what a user
#     does with it);
#   - the scm rockspec: `luarocks make` in an unpacked copy of that archive (what a user
#     does in a clone) into build/rocks/scm.
# tools/test.sh then runs the smoke specs against the release tree's DLL. Warnings are
# errors here too.
set -u
cd "$(dirname "$0")/.."
root=$PWD
lua_tree=$root/${LUA_TREE:-build/win}
lua_inc=$root/${LUA_INC:?LUA_INC: the directory of lua.h}
out=$root/build/rocks
dist=$root/build/dist

. tools/tap.sh

release=$(ls rockspec/lua-wbem-*-*.rockspec | grep -v -- '-scm-' | head -n 1)
version=$(basename "$release" .rockspec | sed 's/^lua-wbem-//')     # 0.1.0-1
upstream=${version%-*}                                             # 0.1.0

# LuaRocks as a user on Windows runs it, but cross: our configuration only (no user
# file), the Windows Lua's headers and lua54.dll, and the module's own warning flags.
rocks() {   # rocks TREE COMMAND ARGS...
  local tree=$1; shift
  LUAROCKS_CONFIG=$root/tools/luarocks-cross.lua luarocks --lua-version 5.4 --tree "$tree" "$@" \
    LUA_INCDIR="$lua_inc" LUA_LIBDIR="$lua_tree/bin" \
    CFLAGS="-O2 -std=gnu11 -Wall -Wextra -Werror"
}

rm -rf "$out"
mkdir -p "$out"

check "make dist: the archives of the tracked files, luarocks pack of $release" bash tools/dist.sh

# a source rock: the rockspec as it is in the repository and the archive it names
src_rock() {
  diff <(unzip -Z1 "$dist/lua-wbem-$version.src.rock" | sort) \
       <(printf '%s\n' "lua-wbem-$upstream.tar.gz" "lua-wbem-$version.rockspec" | sort) &&
  diff <(unzip -p "$dist/lua-wbem-$version.src.rock" "lua-wbem-$version.rockspec") "$release"
}
check "lua-wbem-$version.src.rock holds $release and lua-wbem-$upstream.tar.gz" src_rock

build_release() {
  rocks "$out/release" build "$dist/lua-wbem-$version.src.rock"
}
check "luarocks build lua-wbem-$version.src.rock (cross, mingw-w64)" build_release

make_scm() {
  local work=$out/work-scm
  rm -rf "$work" && mkdir -p "$work" &&
  tar -xzf "$dist/lua-wbem-scm.tar.gz" -C "$work" &&
  (cd "$work/lua-wbem-scm" && rocks "$out/scm" make rockspec/lua-wbem-scm-1.rockspec)
}
check "luarocks make rockspec/lua-wbem-scm-1.rockspec in a clean copy (cross, mingw-w64)" make_scm

# What each tree holds: the DLL, every Lua module, and the copied directories.
installed() {   # installed TREE VERSION
  local tree=$1 v=$2
  test -f "$tree/lib/lua/5.4/wbem/core.dll" &&
  diff <(cd lua/wbem && ls *.lua) <(cd "$tree/share/lua/5.4/wbem" && ls *.lua) &&
  test -f "$tree/lib/luarocks/rocks-5.4/lua-wbem/$v/docs/API.md" &&
  test -d "$tree/lib/luarocks/rocks-5.4/lua-wbem/$v/examples"
}
check "the release tree has core.dll, every lua/wbem/*.lua, docs/ and examples/" installed "$out/release" "$version"
check "the scm tree has core.dll, every lua/wbem/*.lua, docs/ and examples/" installed "$out/scm" scm-1

# The rockspec's libraries are exactly the DLLs the module imports, but lua54 and the
# C runtime: MSVC links nothing it is not told (user32!), and LuaRocks on MSVC looks
# for every listed library on disk (uuid and wbemuuid are in no place it looks).
imports() {
  diff <(x86_64-w64-mingw32-objdump -p "$out/release/lib/lua/5.4/wbem/core.dll" |
           sed -n 's/^\s*DLL Name: //p' | tr 'A-Z' 'a-z' | sed 's/\.dll$//' |
           grep -vxE 'lua54|msvcrt|ucrtbase|api-ms-win-crt-.*|vcruntime.*' | sort) \
       <(lua5.4 -e "dofile('$release') for _, l in ipairs(build.modules['wbem.core'].libraries) do print(l) end" | sort)
}
check "the rockspec lists every DLL the module imports (but lua54 and the C runtime), and no other" imports

tap_end
