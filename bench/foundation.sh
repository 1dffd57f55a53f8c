#!/usr/bin/env bash
# Foundation benchmark (issue 2): indexing and search latency on the real
# d365 corpus, or on content/ when ../shared is absent. One command:
#   bench/foundation.sh            (builds first; needs wrk for the load figures)
# Prints the figures recorded in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
queries=${KB_QUERIES:-bench/queries/d365.txt}
. bench/common.sh

work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
server_pid=

files=$(find "$corpus" -name '*.md' | wc -l)
bytes=$(find "$corpus" -name '*.md' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "corpus: $corpus, $files files, $((bytes / 1024 / 1024)) MB"

# Full index, fresh.
/usr/bin/time -f '%e %M' -o "$work/time" "$build/kb-index" --content "$corpus" --index "$work/index" --quiet \
  2>"$work/index.log" || [ $? -eq 1 ]
read -r secs rss_kb < <(tail -1 "$work/time")
rev=$(cat "$work/index/CURRENT")
xap=$(du -sb "$work/index/revisions/$rev/xapian" | cut -f1)
cat_db=$(du -sb "$work/index/revisions/$rev/catalog.db" | cut -f1)
errors=$(grep -c ': error:' "$work/index.log" || true)
awk -v s="$secs" -v f="$files" -v b="$bytes" -v r="$rss_kb" -v x="$xap" -v c="$cat_db" -v e="$errors" 'BEGIN {
  printf "full index: %.2f s, %.0f files/s, %.1f MB/s, peak RSS %.0f MB, %d files failed\n", s, f/s, b/s/1048576, r/1024, e
  printf "index size: xapian %.0f MB (%.2fx corpus), catalog %.0f MB (%.2fx corpus)\n", x/1048576, x/b, c/1048576, c/b
}'

# No-change re-run.
/usr/bin/time -f '%e' -o "$work/time2" "$build/kb-index" --content "$corpus" --index "$work/index" --quiet \
  2>/dev/null || [ $? -eq 1 ]
echo "no-change re-run: $(tail -1 "$work/time2") s"

# Search latency over HTTP, as an agent (sees every article).
token=$("$build/kb-index" token create bench --index "$work/index")
port=$((20000 + RANDOM % 20000))
# One address sends all the load: no per-address limit.
"$build/kb-server" --index "$work/index" --port "$port" --no-access-log --threads 64 --rate-limit 0 \
  --staff-rate-limit 0 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
echo "queries: $queries ($(wc -l < "$queries") queries)"
echo -n "search in process (Searcher, no HTTP): "
"$build/kb-bench-search" --index "$work/index" --queries "$queries" --rounds 3
echo -n "search, 1 connection, sequential: "
"$build/kb-bench-search" --url "http://127.0.0.1:$port" --queries "$queries" --rounds 3 --token "$token"
# Suggestions as a visitor types: prefixes of the same queries.
prefixes=${KB_PREFIXES:-bench/queries/d365_prefixes.txt}
echo "prefixes: $prefixes ($(wc -l < "$prefixes") prefixes)"
echo -n "suggest in process (Suggester + top articles, no HTTP): "
"$build/kb-bench-search" --index "$work/index" --queries "$prefixes" --mode suggest --rounds 2 | head -1
echo -n "suggest, 1 connection, sequential: "
"$build/kb-bench-search" --url "http://127.0.0.1:$port" --path /api/v1/suggest --queries "$prefixes" --rounds 2 \
  --token "$token"
echo -n "healthz, 1 connection, sequential (HTTP cost alone): "
"$build/kb-bench-search" --url "http://127.0.0.1:$port" --path /healthz --queries "$prefixes" --rounds 1
if command -v wrk >/dev/null; then
  echo -n "suggest, wrk -t2 -c32 -d10s: "
  KB_QUERIES="$prefixes" KB_PATH=/api/v1/suggest KB_TOKEN="$token" wrk -t2 -c32 -d10s -s bench/wrk_queries.lua \
    "http://127.0.0.1:$port" | grep '^wrk:'
  for c in 1 32; do
    t=$((c < 2 ? c : 2))
    echo -n "search, wrk -t$t -c$c -d10s: "
    KB_QUERIES="$queries" KB_TOKEN="$token" wrk -t"$t" -c"$c" -d10s -s bench/wrk_queries.lua \
      "http://127.0.0.1:$port" | grep '^wrk:'
  done
  echo -n "healthz (HTTP cost alone), wrk -t2 -c32 -d10s: "
  KB_QUERIES="$queries" KB_PATH=/healthz wrk -t2 -c32 -d10s -s bench/wrk_queries.lua \
    "http://127.0.0.1:$port" | grep '^wrk:'
fi
