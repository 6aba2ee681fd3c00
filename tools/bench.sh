#!/usr/bin/env bash
# bench.sh: the raw C client's benchmark and the Lua bridge's, in one run, side by side.
#
# Under Wine a process's wake-ups are bimodal when its threads and wineserver spread over
# cores (the same put takes about 55 or about 200 us, a process staying in one mode), so
# each run gets a fresh wineserver and, with it, is pinned to one CPU (BENCH_CPU, default
# the last one; BENCH_CPU=none to leave it free): then the figures repeat to a few per
# cent. The two are run alternately, ROUNDS times each (default 3), and the medians are
# compared.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
cpu=${BENCH_CPU:-$(( $(nproc) - 1 ))}
pin() { if [ "$cpu" = none ]; then "$@"; else taskset -c "$cpu" "$@"; fi; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
figures() { tr -d '\r' | grep -E '^[a-z0-9_]+ [-0-9.]+$'; }
only=${BENCH_ONLY:-}     # "worker" or "fleet": those rows alone
wineserver -k 2>/dev/null || true
wineserver -w
[ -n "$only" ] || for r in $(seq "$rounds"); do
  echo "round $r/$rounds: raw C client (build/sim/simclient.exe --bench), CPU $cpu ..."
  pin wine build/sim/simclient.exe --bench | figures > "$dir/c.$r"
  wineserver -w
  echo "round $r/$rounds: Lua bridge (bench/bench.lua), CPU $cpu ..."
  pin wine build/win/bin/lua.exe bench/bench.lua | figures > "$dir/lua.$r"
  wineserver -w
done
wineserver -w

[ -n "$only" ] || awk -v rounds="$rounds" '
  function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  FILENAME ~ /\/c\./   { c[$1] = c[$1] " " $2; next }
  { if (!($1 in l)) order[++n] = $1; l[$1] = l[$1] " " $2 }
  END {
    target["events_per_s"] = "Lua/C >= 0.9"
    target["notify_events_per_s"] = "Lua/C >= 0.9"
    target["notify_inproc_lua_vs_c_pct"] = ">= 90"
    target["events_inproc_lua_vs_c_pct"] = ">= 90"
    target["latency_p50_us"] = "Lua/C <= 1.2"
    target["latency_inproc_lua_vs_c_pct"] = "<= 120"
    target["inflight_10000_wall_ms"] = "Lua/C <= 1.3"
    target["inflight_100000_wall_ms"] = "Lua/C <= 1.3"
    target["inflight_inproc_lua_vs_c_pct"] = "<= 130"
    target["notify_floor_inproc_pct"] = "bound of 90"
    target["inflight_floor_inproc_pct"] = "bound of 130"
    target["cancel_us_per_op"] = "Lua < 20 us"
    target["cancel_floor_inproc_us_per_op"] = "bound of 20"
    target["cancel_inproc_lua_us_per_op"] = "Lua < 20 us"
    target["first_read_us"] = "Lua <= 18.3 us"
    target["idle_2s_cpu_ms"] = "< 20 ms"
    printf "\nmedians of %d alternating runs, each pinned with its wineserver to one CPU\n", rounds
    printf "%-34s %12s %12s %8s   %-14s %s\n", "figure", "raw C", "Lua", "Lua/C", "target", "runs (C | Lua)"
    for (i = 1; i <= n; i++) {
      k = order[i]; lm = median(l[k])
      if (k in c) { cm = median(c[k]); cs = sprintf("%12.1f", cm); r = cm != 0 ? sprintf("%8.2f", lm / cm) : sprintf("%8s", "-") }
      else { cs = sprintf("%12s", "-"); r = sprintf("%8s", "-") }
      printf "%-34s %s %12.1f %s   %-14s%s |%s\n", k, cs, lm, r, target[k], c[k], l[k]
      med[k] = lm; if (k in c) cmed[k] = cm
    }
    # derived: what the bridge adds per pending operation (the simulator is in both
    # columns), and what timed operations cost a frame of pump(0)
    printf "\nderived (from the medians)\n"
    for (i = 1; i <= n; i++) {
      k = order[i]
      if (k ~ /^inflight_[0-9]+_bytes_per_op$/ && (k in cmed))
        printf "%-34s %12.1f   %-14s (Lua - C)\n", "bridge_" k, med[k] - cmed[k], "< 2048 B"
      if (k ~ /^pump0_.*_us$/ && k != "pump0_idle_us" && med["pump0_idle_us"] > 0)
        printf "%-34s %12.2f   %-14s (x pump0_idle_us)\n", k "_vs_idle", med[k] / med["pump0_idle_us"], "<= 2"
    }
  }' "$dir"/c.* "$dir"/lua.*

# The worker transport beside the sink transport: both sides run in one process
# (bench/worker.lua), so each ratio is of figures measured side by side.
if [ -z "$only" ] || [ "$only" = worker ]; then
for r in $(seq "$rounds"); do
  echo "round $r/$rounds: worker transport (bench/worker.lua), CPU $cpu ..."
  pin wine build/win/bin/lua.exe bench/worker.lua | figures > "$dir/w.$r"
  wineserver -w
done
awk -v rounds="$rounds" '
  function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { if (!($1 in v)) order[++n] = $1; v[$1] = v[$1] " " $2 }
  function ratio(name, a, b, target) {
    if ((a in m) && (b in m) && m[b] != 0)
      printf "%-34s %12.2f   %-14s (%s / %s)\n", name, m[a] / m[b], target, a, b
  }
  END {
    printf "\nworker transport: medians of %d runs\n", rounds
    for (i = 1; i <= n; i++) { k = order[i]; m[k] = median(v[k]); printf "%-34s %12.1f   |%s\n", k, m[k], v[k] }
    printf "\nratios (from the medians)\n"
    ratio("put_p50_worker_vs_sink", "put_worker_p50_us", "put_sink_p50_us", "")
    ratio("put_p99_worker_vs_sink", "put_worker_p99_us", "put_sink_p99_us", "")
    ratio("inflight_1000_vs_ideal", "worker_inflight_1000_wall_ms", "worker_inflight_1000_ideal_ms", "<= 1.3")
    ratio("read_sim_worker_vs_plain", "read_sim_worker_us", "read_sim_plain_us", "")
    ratio("read_wine_worker_vs_plain", "read_wine_worker_us", "read_wine_plain_us", "")
  }' "$dir"/w.*
fi

# Fleets over simulated hosts (bench/fleet.lua), one run: each row beside the ideal
# schedule of the same mix, which the script computes and prints too.
if [ "$only" = "" ] || [ "$only" = fleet ]; then
  echo "fleet (bench/fleet.lua), CPU $cpu ..."
  pin wine build/win/bin/lua.exe bench/fleet.lua | tee "$dir/f.1" | grep '^#' || true
  wineserver -w
  awk '
    { v[$1] = $2; if ($1 ~ /_wall_ms$/) order[++n] = $1 }
    END {
      printf "\nfleets: one run\n"
      printf "%-28s %12s %12s %8s   %-8s %s\n", "run", "wall ms", "ideal ms", "ratio", "target", "bytes per host in flight: process (Lua heap)"
      for (i = 1; i <= n; i++) {
        k = order[i]; base = k; sub(/_wall_ms$/, "", base)
        printf "%-28s %12.1f %12.1f %8.2f   %-8s %.0f (%.0f)\n", base, v[k], v[base "_ideal_ms"],
               v[k] / v[base "_ideal_ms"], base ~ /_c64$/ ? "<= 1.2" : "", v[base "_bytes_per_host_in_flight"],
               v[base "_lua_bytes_per_host_in_flight"]
      }
    }' <(figures < "$dir/f.1")
fi
