# tap.sh: sourced by the TAP checkers in tools/ (lint.sh, rocks.sh, selection.sh).
#   check NAME COMMAND...   runs COMMAND; "ok N - NAME", or "not ok N - NAME" and its
#                           output as comments
#   tap_end                 the plan line; exits non-zero when a check failed
n=0 failed=0
check() {
  n=$((n + 1))
  local log; log=$(mktemp)
  if "${@:2}" >"$log" 2>&1; then echo "ok $n - $1"
  else echo "not ok $n - $1"; sed 's/^/# /' "$log"; failed=1; fi
  rm -f "$log"
}
tap_end() {
  echo "1..$n"
  exit $failed
}
