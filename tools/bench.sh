#!/usr/bin/env bash
# bench.sh: runs the raw C client's benchmark and the Lua bridge's in one run, one after
# the other in the same prefix, and prints them side by side with their ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

c=$(mktemp) lua=$(mktemp)
trap 'rm -f "$c" "$lua"' EXIT
echo "raw C client (build/sim/simclient.exe --bench) ..."
wine build/sim/simclient.exe --bench | tr -d '\r' | grep -E '^[a-z0-9_]+ [-0-9.]+$' > "$c"
echo "Lua bridge (bench/bench.lua) ..."
wine build/win/bin/lua.exe bench/bench.lua | tr -d '\r' | grep -E '^[a-z0-9_]+ [-0-9.]+$' > "$lua"
wineserver -w

awk '
  FNR == NR { c[$1] = $2; next }
  { l[$1] = $2; order[++n] = $1 }
  END {
    # what the issue asks of each figure
    target["events_per_s"] = "Lua/C >= 0.9"
    target["latency_p50_us"] = "Lua/C <= 1.2"
    target["inflight_10000_bytes_per_op"] = "< 4096 B"
    target["idle_2s_cpu_ms"] = "< 20 ms"
    printf "\n%-34s %14s %14s %8s   %s\n", "figure", "raw C", "Lua", "Lua/C", "target"
    for (i = 1; i <= n; i++) {
      k = order[i]
      cv = (k in c) ? sprintf("%14.1f", c[k]) : sprintf("%14s", "-")
      ratio = (k in c && c[k] != 0) ? sprintf("%8.2f", l[k] / c[k]) : sprintf("%8s", "-")
      printf "%-34s %s %14.1f %s   %s\n", k, cv, l[k], ratio, target[k]
    }
  }' "$c" "$lua"
