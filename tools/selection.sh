#!/usr/bin/env bash
# selection.sh TREE: checks, as TAP, that every spec file runs under both targets'
# selection rules (spec/support/target.lua, select.lua): busted lists the specs with
# WBEM_TARGET=sim and with WBEM_TARGET=real (the simulator then out of reach, as on
# Windows), every spec file loads under both, both list the same specs, and the real
# target skips exactly those tagged #sim or #wine, the sim target none.
set -u
cd "$(dirname "$0")/.."
tree=${1:-build/win}
. tools/tap.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
SKIP=' \[skipped with WBEM_TARGET=real: [^]]*\]'

list() {   # list TARGET: busted --list, one "file:line: full name" a line
  WBEM_TARGET=$1 wine "$tree/bin/lua.exe" spec/support/runner.lua --list --pattern=_spec spec \
    > "$dir/$1.raw" 2>&1
  local rc=$?
  tr -d '\r' < "$dir/$1.raw" | tr '\\' / > "$dir/$1"
  [ $rc -eq 0 ] || { cat "$dir/$1"; return 1; }
  grep -q . "$dir/$1" || { echo "no spec listed"; return 1; }
}
files() {  # files TARGET: every spec file is in the list
  local missing=0
  for f in spec/*_spec.lua; do
    grep -q "^$f:" "$dir/$1" || { echo "$f: not listed (did it fail to load?)"; missing=1; }
  done
  return $missing
}
tagged() { grep -E ' #(sim|wine)( |$)' "$1"; }
for t in sim real; do
  check "busted --list with WBEM_TARGET=$t loads every spec file without an error" list $t
  check "every spec/*_spec.lua is listed with WBEM_TARGET=$t" files $t
done
check "both targets list the same specs (the real one skips some, it drops none)" \
  diff <(sed -E "s/$SKIP//" "$dir/sim" | sort) <(sed -E "s/$SKIP//" "$dir/real" | sort)
check "WBEM_TARGET=sim skips nothing" bash -c "! grep -E '$SKIP' '$dir/sim'"
check "WBEM_TARGET=real skips exactly the specs tagged #sim or #wine" \
  diff <(tagged "$dir/sim" | sort) <(grep -E "$SKIP" "$dir/real" | sed -E "s/$SKIP//" | sort)
real_runs=$(grep -vcE "$SKIP" "$dir/real")
real_skips=$(grep -cE "$SKIP" "$dir/real")
echo "# WBEM_TARGET=real: $real_runs specs run, $real_skips skipped ($(grep -cE ' #sim( |$)' "$dir/sim") #sim, $(grep -cE ' #wine( |$)' "$dir/sim") #wine)"
check "WBEM_TARGET=real still runs asynchronous specs (put_async, sinks, query_async)" \
  bash -c "grep -vE '$SKIP' '$dir/real' | grep -qE '^spec/async_spec.lua:.*put_async' &&
           grep -vE '$SKIP' '$dir/real' | grep -qE '^spec/async_spec.lua:.*raw PutAsync_' &&
           grep -vE '$SKIP' '$dir/real' | grep -qE '^spec/async_spec.lua:.*query_async'"
tap_end
