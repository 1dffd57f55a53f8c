#!/usr/bin/env bash
# The browser suite N times in a row while every core is kept busy, to show
# that no test depends on the machine being quiet (issue 18: a test that
# pressed keys before the results settled failed only on a loaded machine).
#   tests/browser/stress.sh BUILD_DIR [RUNS] [node --test options]
# RUNS defaults to 20. One busy loop per core (nproc) runs for the whole
# time, at normal priority, beside the server, Chromium and node. Prints one
# line per run and a summary; exits 1 when any run failed (its output is
# kept in BUILD_DIR/browser-stress/run-N.log).
set -euo pipefail
build_dir=$(cd "${1:?usage: tests/browser/stress.sh BUILD_DIR [RUNS] [node --test options]}" && pwd)
runs=${2:-20}
shift $(($# >= 2 ? 2 : 1))
cd "$(dirname "$0")/../.."

logs="$build_dir/browser-stress"
rm -rf "$logs"
mkdir -p "$logs"

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_hogs EXIT
for _ in $(seq "$(nproc)"); do
  bash -c 'while :; do :; done' &
  hogs+=($!)
done

failed=0
start=$SECONDS
for i in $(seq "$runs"); do
  t0=$SECONDS
  if tests/browser/run.sh "$build_dir" "$@" >"$logs/run-$i.log" 2>&1; then
    echo "run $i/$runs: passed ($((SECONDS - t0)) s)"
    rm -f "$logs/run-$i.log"
  else
    failed=$((failed + 1))
    echo "run $i/$runs: FAILED ($((SECONDS - t0)) s), log: $logs/run-$i.log"
    grep -E '^✖|AssertionError|Error:' "$logs/run-$i.log" | head -n 5 || true
  fi
done
echo "$((runs - failed)) of $runs runs passed with $(nproc) busy loops on $(nproc) cores in $((SECONDS - start)) s"
[ "$failed" -eq 0 ]
