#!/usr/bin/env bash
# test.sh: runs every suite under Wine (make test calls it with the Wine environment
# set) and ends with the closing line "N passed, N failed, N skipped".
#
# Each suite speaks TAP: busted inside the Windows Lua (-o TAP), and the simulator's
# raw C client. A suite that exits non-zero without a failing test, ends without its
# plan line, or runs past its time limit counts as one failure more: a crash must
# never look like a pass.
set -u
cd "$(dirname "$0")/.."

win=build/win
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

suite "lint (rockspec)" bash tools/lint.sh
suite "busted (Windows Lua under Wine)" \
  wine "$win/bin/lua.exe" spec/support/runner.lua -o TAP --pattern=_spec spec
if [ -f build/sim/simclient.exe ]; then
  suite "simulator (raw C client)" wine build/sim/simclient.exe
fi
if [ -f "$win/bin/wbemhost.exe" ]; then
  suite "host (a C program embedding Lua)" wine "$win/bin/wbemhost.exe"
fi
wineserver -w

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
