#!/usr/bin/env bash
# Does kb-server's heap grow with every published revision? (issue 6: the
# soak run saw 83 -> 424 MB over 9 publishes.) Serves an index of a copy of
# the corpus under `wrk -c32` search load while 16 one-file publishes run 2 s
# apart, and prints the heap (RssAnon) after each. Compare allocator settings:
#   bench/heap_republish.sh                               glibc defaults
#   bench/heap_republish.sh MALLOC_ARENA_MAX=2            two malloc arenas
# KB_BUILD_DIR, KB_CORPUS and KB_NO_BUILD as for the other benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

work=$(mktemp -d)
server_pid= load_pid=
cleanup() {
  for p in $load_pid $server_pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

machine_line
cp -r "$corpus" "$work/content"
index_once() { "$build/kb-index" --content "$work/content" --index "$work/index" --unknown-audience public --quiet 2>/dev/null || [ $? -eq 1 ]; }
index_once
for setting in "$@"; do export "${setting?}"; done
start_server "$work/index" "$work/server.log"
KB_QUERIES=bench/queries/d365.txt wrk -t2 -c32 -d70s -s bench/wrk_queries.lua "http://127.0.0.1:$port" >/dev/null &
load_pid=$!
mapfile -t files < <(find "$work/content" -name '*.md' | sort | head -16)
heap=()
for f in "${files[@]}"; do
  printf '\n\nRepublished %s.\n' "$RANDOM" >>"$f"
  index_once
  sleep 2
  heap+=("$(awk '/RssAnon/ {printf "%d", $2 / 1024}' "/proc/$server_pid/status")")
done
echo "settings: ${*:-glibc defaults}; kb-server heap (RssAnon, MB) after each of ${#files[@]} publishes: ${heap[*]}"
