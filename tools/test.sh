#!/usr/bin/env bash
# test.sh TREE:RELEASE...: runs every suite under Wine (make test calls it with the Wine
# environment set, and LUA_INC, the headers of the first tree's Lua) and ends with the
# closing line "N passed, N failed, N skipped". The first Windows Lua tree (build/win:
# 5.4.7) runs every suite; each other one (build/win-5.4.4:5.4.4) the busted suite.
#
# Each suite speaks TAP: busted inside the Windows Lua (-o TAP), and the simulator's
# raw C client. A suite that exits non-zero without a failing test, ends without its
# plan line, or runs past its time limit counts as one failure more: a crash must
# never look like a pass.
set -u
cd "$(dirname "$0")/.."

trees=("$@")
[ ${#trees[@]} -gt 0 ] || trees=(build/win:5.4.7)
win=${trees[0]%%:*}
limit=${WBEM_SUITE_TIMEOUT:-900}
passed=0 failed=0 skipped=0

suite() {   # suite NAME COMMAND...
  local name=$1; shift
  local out; out=$(mktemp)
  echo "== $name"
  timeout -k 10 "$limit" "$@" 2>&1 | tr -d '\r' | tee "$out"
  local rc=${PIPESTATUS[0]}
  local p f s plan n
  s=$(grep -cE '^ok [0-9]+ - # SKIP' "$out")
  p=$(( $(grep -cE '^ok [0-9]+' "$out") - s ))
  f=$(grep -cE '^not ok [0-9]+' "$out")
  plan=$(grep -oE '^1\.\.[0-9]+' "$out" | tail -n 1 | cut -c4-)
  n=$((p + f + s))
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "# $name: timed out after ${limit}s"; f=$((f + 1))
  elif [ -z "$plan" ] || [ "$plan" -ne "$n" ]; then
    echo "# $name: ended without its plan (planned ${plan:-none}, ran $n; exit $rc)"; f=$((f + 1))
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "# $name: exited with $rc"; f=$((f + 1))
  elif [ "$n" -eq 0 ]; then
    echo "# $name: ran no test"; f=$((f + 1))
  fi
  echo "== $name: $p passed, $f failed, $s skipped"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  rm -f "$out"
}

# Windows paths, relative to this directory (lua.exe runs here), for LUA_PATH/LUA_CPATH.
winpath() { printf '%s' "$1" | tr / '\\'; }
busted=(spec/support/runner.lua -o TAP --pattern=_spec)   # then [ARGS...] spec

suite "lint (rockspecs, workflow)" bash tools/lint.sh
for t in "${trees[@]}"; do
  suite "busted (Lua ${t##*:} for Windows, under Wine)" \
    env WBEM_LUA_RELEASE="${t##*:}" wine "${t%%:*}/bin/lua.exe" "${busted[@]}" spec
done

# The targets' selection rules (WBEM_TARGET): every spec file under both, listed; and a
# run with the real target's rules of the spec files that Wine's WMI serves: all but
# those whose every spec first writes a class of its own (a file-level before_each with
# simfix.setup), which Wine's WMI cannot. On Windows, CI runs them all
# (.github/workflows/windows.yml).
suite "spec selection (WBEM_TARGET=sim and real)" bash tools/selection.sh "$win"
suite "busted, WBEM_TARGET=real (the spec files Wine's WMI serves)" \
  env WBEM_TARGET=real WBEM_LUA_RELEASE="${trees[0]##*:}" wine "$win/bin/lua.exe" "${busted[@]}" \
  $(grep -L '^before_each(.*simfix\.setup' spec/*_spec.lua)

# The module as LuaRocks builds it from the source rock, and the smoke specs against it:
# the rock's tree comes first in the paths (busted's own modules come from $win).
suite "luarocks (cross, mingw-w64)" env LUA_TREE="$win" LUA_INC="${LUA_INC:-build/src/lua-5.4.7/src}" \
  bash tools/rocks.sh
rock=$(winpath build/rocks/release) w=$(winpath "$win")
suite "busted #smoke (the DLL LuaRocks built)" env WBEM_MODULE_FROM="$rock" WBEM_LUA_RELEASE="${trees[0]##*:}" \
  LUA_PATH_5_4="$rock\\share\\lua\\5.4\\?.lua;$rock\\share\\lua\\5.4\\?\\init.lua;$w\\share\\lua\\5.4\\?.lua;$w\\share\\lua\\5.4\\?\\init.lua;.\\?.lua;.\\?\\init.lua" \
  LUA_CPATH_5_4="$rock\\lib\\lua\\5.4\\?.dll;$w\\lib\\lua\\5.4\\?.dll" \
  wine "$win/bin/lua.exe" "${busted[@]}" --tags=smoke spec
suite "examples (README.md's first, examples/)" bash tools/examples.sh "$win/bin/lua.exe" "$win/bin/example-host.exe"
if [ -f build/sim/simclient.exe ]; then
  suite "simulator (raw C client)" wine build/sim/simclient.exe
fi
if [ -f "$win/bin/wbemhost.exe" ]; then
  suite "host (a C program embedding Lua)" wine "$win/bin/wbemhost.exe"
fi
wineserver -w

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
