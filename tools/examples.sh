#!/usr/bin/env bash
# examples.sh LUA [HOST]: runs README.md's first example and every script of examples/
# as written, as TAP: each must exit as it should and print what shows it worked.
# LUA is the Lua interpreter (build/win/bin/lua.exe), HOST the example host
# (build/win/bin/example-host.exe; left out, its check is skipped). Under Wine (WINE,
# default wine) the examples that need SWbemSink use the simulator by themselves, and
# README.md's example, which writes to the real repository, is only compiled; on
# Windows (CI sets WINE empty) it runs.
set -u
cd "$(dirname "$0")/.."
lua=${1:?usage: examples.sh LUA [HOST]} host=${2:-}
WINE=${WINE-wine}
limit=${WBEM_EXAMPLE_TIMEOUT:-120}
. tools/tap.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

expect() {  # expect RC PATTERN COMMAND...: exits with RC and prints a line matching PATTERN
  local rc=$1 pattern=$2; shift 2
  local got
  timeout -k 10 "$limit" $WINE "$@" > "$dir/out" 2>&1
  got=$?
  tr -d '\r' < "$dir/out" > "$dir/out.txt"
  cat "$dir/out.txt"
  [ "$got" -eq "$rc" ] || { echo "exit status $got, expected $rc"; return 1; }
  grep -qE "$pattern" "$dir/out.txt" || { echo "no line matches: $pattern"; return 1; }
}

# README.md's first example: the first ```lua block
awk '/^```lua$/ && !done { on = 1; next } /^```$/ && on { on = 0; done = 1 } on' README.md \
  > "$dir/readme_example.lua"
if [ -n "$WINE" ]; then
  check "README.md's first example compiles" \
    expect 0 '^compiled$' "$lua" -e "assert(loadfile([[$dir/readme_example.lua]])) print('compiled')"
else
  check "README.md's first example runs" expect 0 '^written:' "$lua" "$dir/readme_example.lua"
fi
check "examples/sysinfo.lua: a synchronous query" expect 0 '^memory: [0-9]+ KiB' "$lua" examples/sysinfo.lua 3
check "examples/methods.lua: methods with out parameters" expect 0 '^wbem.exec: ReturnValue 0' \
  "$lua" examples/methods.lua
check "examples/puts.lua: put_async, several in flight" expect 0 'completed in' "$lua" examples/puts.lua 3
check "examples/sink.lua: a sink with Lua handlers" expect 0 '^[0-9]+ objects, completed$' \
  "$lua" examples/sink.lua
check "examples/query_async.lua: query_async" expect 0 '^[1-9][0-9]* objects from' \
  "$lua" examples/query_async.lua
check "examples/watch.lua: processes printed as they start and end" \
  expect 0 '^3 processes seen starting and 3 ending$' "$lua" examples/watch.lua
check "examples/worker.lua: connect with a timeout, query on workers" expect 0 '^unreachable host: ' \
  "$lua" examples/worker.lua
check "examples/fleet.lua: an inventory of this computer's names and one that is not" \
  expect 0 '^no-such-host\.invalid +FAILED' "$lua" examples/fleet.lua
check "examples/fleet.lua --sim: simulated hosts, some failing" \
  expect 0 '^  (RPC_S_SERVER_UNAVAILABLE|timed out|E_ACCESSDENIED) +[0-9]' "$lua" examples/fleet.lua --sim 20
# a name that no resolver knows (.invalid): the connection must fail, and say so
WBEM_PASSWORD=not-a-secret check "examples/remote.lua: a remote connection that fails says why, and exits 1" \
  expect 1 '^could not connect to no-such-host\.invalid: wbem: ' "$lua" examples/remote.lua no-such-host.invalid someone
if [ -n "$host" ]; then
  check "examples/host: a C host that pumps once a frame" expect 0 '^example-host: [0-9]+ frames$' \
    "$host" examples/host/frame.lua
else
  n=$((n + 1)); echo "ok $n - # SKIP examples/host: no host built here"
fi
[ -z "$WINE" ] || wineserver -w
tap_end
