#!/usr/bin/env bash
# Foundation benchmark (issue 2): indexing and search latency on the real
# d365 corpus, or on content/ when ../shared is absent. One command:
#   bench/foundation.sh            (builds first; needs wrk for the load figures)
# Prints the figures recorded in bench/RESULTS.md, then (issue 6) the floor
# and a peer measured in the same run (kb-bench-limits: cmark-gfm alone,
# SQLite FTS5) and kb's figures as ratios of them.
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
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

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

# The floor and the peer, right after kb's own indexing (printed at the end).
limits=$("$build/kb-bench-limits" --corpus "$corpus" --queries "$queries" --db "$work/fts5.db" --rounds 3)

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
inproc=$("$build/kb-bench-search" --index "$work/index" --queries "$queries" --rounds 3)
echo "$inproc"
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
    wrk_search=$(KB_QUERIES="$queries" KB_TOKEN="$token" wrk -t"$t" -c"$c" -d10s -s bench/wrk_queries.lua \
      "http://127.0.0.1:$port" | grep '^wrk:')
    echo "$wrk_search"
  done
  echo -n "healthz (HTTP cost alone), wrk -t2 -c32 -d10s: "
  wrk_healthz=$(KB_QUERIES="$queries" KB_PATH=/healthz wrk -t2 -c32 -d10s -s bench/wrk_queries.lua \
    "http://127.0.0.1:$port" | grep '^wrk:')
  echo "$wrk_healthz"
fi

# Issue 6: the same corpus through cmark-gfm alone and SQLite FTS5 (one
# thread each, files read into memory first), and kb as ratios of them.
echo "floor and peer (kb-bench-limits, same run):"
sed 's/^/  /' <<<"$limits"
cmark_s=$(field s "$(grep '^cmark:' <<<"$limits")")
fts_line=$(grep '^fts5 index:' <<<"$limits")
fts_s=$(field s "$fts_line")
fts_bytes=$(field db_bytes "$fts_line")
fts_p50=$(field p50 "$(grep '^fts5 search (all words, bm25 top 10):' <<<"$limits")")
fts_snip_p50=$(field p50 "$(grep '^fts5 search (all words, bm25 top 10 + snippet):' <<<"$limits")")
kb_p50=$(field p50 "$inproc")
awk -v s="$secs" -v c="$cmark_s" -v f="$fts_s" -v x="$xap" -v cat="$cat_db" -v b="$bytes" -v fb="$fts_bytes" \
  -v kp="$kb_p50" -v fp="$fts_p50" -v fsp="$fts_snip_p50" 'BEGIN {
  printf "ratio: kb full index / cmark parse+render: %.1fx (%.2f s / %.2f s)\n", s/c, s, c
  printf "ratio: kb full index / FTS5 index: %.1fx (%.2f s / %.2f s)\n", s/f, s, f
  printf "ratio: kb index size / corpus: %.2fx (%.0f MB / %.0f MB); FTS5 db / corpus: %.2fx; kb / FTS5: %.1fx\n", \
    (x+cat)/b, (x+cat)/1048576, b/1048576, fb/b, (x+cat)/fb
  printf "ratio: kb search p50 in process / FTS5 p50: %.1fx (%.3f ms / %.3f ms); / FTS5 with snippet(): %.2fx (%.3f ms)\n", \
    kp/fp, kp, fp, kp/fsp, fsp
}'
if [ -n "${wrk_search:-}" ] && [ -n "${wrk_healthz:-}" ]; then
  awk -v a="$(field req/s "$wrk_search")" -v h="$(field req/s "$wrk_healthz")" 'BEGIN {
    printf "ratio: kb search req/s at 32 connections / healthz req/s: %.4f (%.0f / %.0f)\n", a/h, a, h }'
fi
