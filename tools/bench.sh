#!/usr/bin/env bash
# bench.sh: the raw C client's benchmark and the Lua bridge's, in one run, side by side.
#
# Under Wine the figures of one process vary a lot from run to run (thread wake-ups go
# through wineserver, and land on one core or two), so the two are run alternately,
# ROUNDS times each (default 5), each in a fresh wineserver, and the median of each
# figure is compared.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
figures() { tr -d '\r' | grep -E '^[a-z0-9_]+ [-0-9.]+$'; }
for r in $(seq "$rounds"); do
  echo "round $r/$rounds: raw C client (build/sim/simclient.exe --bench) ..."
  wine build/sim/simclient.exe --bench | figures > "$dir/c.$r"
  wineserver -w
  echo "round $r/$rounds: Lua bridge (bench/bench.lua) ..."
  wine build/win/bin/lua.exe bench/bench.lua | figures > "$dir/lua.$r"
  wineserver -w
done
wineserver -w

awk -v rounds="$rounds" '
  function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  FILENAME ~ /\/c\./   { c[$1] = c[$1] " " $2; next }
  { if (!($1 in l)) order[++n] = $1; l[$1] = l[$1] " " $2 }
  END {
    target["events_per_s"] = "Lua/C >= 0.9"
    target["latency_p50_us"] = "Lua/C <= 1.2"
    target["inflight_10000_bytes_per_op"] = "< 4096 B"
    target["idle_2s_cpu_ms"] = "< 20 ms"
    printf "\nmedians of %d alternating runs\n", rounds
    printf "%-34s %12s %12s %8s   %-14s %s\n", "figure", "raw C", "Lua", "Lua/C", "target", "runs (C | Lua)"
    for (i = 1; i <= n; i++) {
      k = order[i]; lm = median(l[k])
      if (k in c) { cm = median(c[k]); cs = sprintf("%12.1f", cm); r = cm != 0 ? sprintf("%8.2f", lm / cm) : sprintf("%8s", "-") }
      else { cs = sprintf("%12s", "-"); r = sprintf("%8s", "-") }
      printf "%-34s %s %12.1f %s   %-14s%s |%s\n", k, cs, lm, r, target[k], c[k], l[k]
    }
  }' "$dir"/c.* "$dir"/lua.*
