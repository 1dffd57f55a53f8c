#!/usr/bin/env bash
# Cold search (issue 16): queries nobody asked before, the common case.
#   bench/cold.sh        (builds first; KB_CORPUS, KB_COLD_COUNT, KB_COLD_SEED)
# Makes KB_COLD_COUNT (default 20,000) distinct realistic queries from the
# corpus (bench/make_cold_queries.py: 1-3 consecutive words of titles and
# headings, a fifth typed without diacritics, fixed seed), more than the
# server's result cache holds (4,096), indexes the corpus with every article
# public, and measures in one run, in this order:
#   - in process (Searcher, no HTTP, public view): the first pass over the
#     queries (nothing seen), then a second pass (morphology warm, no result
#     cache), with the p50/p99 of each step (plan, match, present);
#   - over HTTP with wrk, public, no lang parameter, as the help page sends
#     them: cycling through all the queries at 1 and at 32 connections
#     (each query's first ask is uncached: wrk's 10 s cover fewer requests than
#     there are queries), the warm cycle of the first 200 queries (cached),
#     suggestions for prefixes of the queries at 32 connections, and
#     /healthz, the HTTP cost alone.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
count=${KB_COLD_COUNT:-20000}
seed=${KB_COLD_SEED:-16}

work=$(mktemp -d)
server_pid=
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

machine_line
python3 bench/make_cold_queries.py "$corpus" --count "$count" --seed "$seed" >"$work/cold.txt"
head -200 "$work/cold.txt" >"$work/warm.txt"
echo "corpus: $corpus; queries: $count distinct (bench/make_cold_queries.py --seed $seed)"
"$build/kb-index" --content "$corpus" --index "$work/index" --unknown-audience public --quiet 2>/dev/null || [ $? -eq 1 ]

echo -n "cold, in process, first pass: "
"$build/kb-bench-search" --index "$work/index" --queries "$work/cold.txt" --visibility public --warmup 0 | tr '\n' ' '
echo
echo -n "cold, in process, second pass (morphology warm): "
"$build/kb-bench-search" --index "$work/index" --queries "$work/cold.txt" --visibility public --warmup 1 | tr '\n' ' '
echo

if ! command -v wrk >/dev/null; then
  echo "wrk not installed (scripts/install-deps.sh --bench): no HTTP figures"
  exit 0
fi
start_server "$work/index" "$work/server.log"
for c in 1 32; do
  t=$((c < 2 ? c : 2))
  echo -n "cold, HTTP, wrk -t$t -c$c -d10s: "
  KB_QUERIES="$work/cold.txt" wrk -t"$t" -c"$c" -d10s --timeout 5s -s bench/wrk_queries.lua "http://127.0.0.1:$port" |
    grep '^wrk:'
done
# The warm cycle: the same 200 queries again and again (after one pass).
KB_QUERIES="$work/warm.txt" wrk -t1 -c1 -d2s -s bench/wrk_queries.lua "http://127.0.0.1:$port" >/dev/null
echo -n "warm (200 cached queries), HTTP, wrk -t2 -c32 -d10s: "
KB_QUERIES="$work/warm.txt" wrk -t2 -c32 -d10s -s bench/wrk_queries.lua "http://127.0.0.1:$port" | grep '^wrk:'
# Suggestions as a visitor types: each query cut after a random 2-12 of its
# characters (the last word mostly cut short, as typed), distinct, cycled.
python3 - "$work/cold.txt" >"$work/prefixes.txt" <<'PY'
import random, sys
rng = random.Random(16)
seen = set()
for q in open(sys.argv[1], encoding="utf-8"):
    q = q.strip()
    p = q[: rng.randint(2, 12)].rstrip()
    if len(p) >= 2 and p not in seen:
        seen.add(p)
        print(p)
PY
echo -n "suggest, $(wc -l <"$work/prefixes.txt") distinct prefixes, HTTP, wrk -t2 -c32 -d10s: "
KB_QUERIES="$work/prefixes.txt" KB_PATH=/api/v1/suggest wrk -t2 -c32 -d10s --timeout 5s -s bench/wrk_queries.lua \
  "http://127.0.0.1:$port" | grep '^wrk:'
echo -n "healthz, HTTP, wrk -t2 -c32 -d10s: "
KB_QUERIES="$work/warm.txt" KB_PATH=/healthz wrk -t2 -c32 -d10s -s bench/wrk_queries.lua "http://127.0.0.1:$port" |
  grep '^wrk:'
echo "search steps of the uncached searches (/metrics, seconds):"
curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^kb_search_step_duration_seconds_(sum|count)' | sed 's/^/  /'
