#!/usr/bin/env bash
# Growth (issue 6): how kb's indexing and search scale with the number of
# articles. For each size (default 1,000, 10,000 and 100,000 articles) builds
# a corpus of real d365 paragraphs recombined (bench/grow_corpus.py), indexes
# it fresh, and measures search in process and over HTTP, with cmark-gfm and
# SQLite FTS5 on the same corpus in the same run (kb-bench-limits). One
# command:
#   bench/growth.sh                 (or bench/run.sh --growth)
# KB_GROWTH_SIZES="1000 10000" picks sizes; KB_GROWTH_DIR the scratch folder
# (100,000 articles need ~5 GB: corpus, kb index, FTS5 database); each size's
# files are removed before the next; KB_GROWTH_MEM_LIMIT_MB caps kb-index's
# address space. KB_BUILD_DIR, KB_CORPUS as elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
queries=${KB_QUERIES:-bench/queries/d365.txt}
sizes=${KB_GROWTH_SIZES:-1000 10000 100000}
. bench/common.sh

work=$(mktemp -d "${KB_GROWTH_DIR:-${TMPDIR:-/tmp}}/kb-growth.XXXXXX")
trap 'kill $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
server_pid=

machine_line
echo "source: $corpus; queries: $queries ($(wc -l <"$queries")); free disk: $(df -h --output=avail "$work" | tail -1 | xargs)"
rows=()
for n in $sizes; do
  echo "== $n articles"
  python3 bench/grow_corpus.py --from "$corpus" --articles "$n" --out "$work/corpus"
  bytes=$(find "$work/corpus" -name '*.md' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
  # KB_GROWTH_MEM_LIMIT_MB caps kb-index's address space, so that a run
  # that would need more fails instead of pushing the machine out of memory.
  (
    [ -z "${KB_GROWTH_MEM_LIMIT_MB:-}" ] || ulimit -v $((KB_GROWTH_MEM_LIMIT_MB * 1024))
    exec /usr/bin/time -f '%e %M' -o "$work/time" "$build/kb-index" --content "$work/corpus" --index "$work/index" \
      --quiet 2>"$work/index.log"
  ) || [ $? -eq 1 ] || { echo "kb-index failed: $(tail -3 "$work/index.log")"; exit 1; }
  read -r secs rss_kb < <(tail -1 "$work/time")
  failed=$(grep -c ': error:' "$work/index.log" || true)
  rev=$(cat "$work/index/CURRENT")
  index_bytes=$(du -sb "$work/index/revisions/$rev" | cut -f1)
  echo "kb-index: $secs s, peak RSS $((rss_kb / 1024)) MB, $failed files failed, index $((index_bytes / 1048576)) MB" \
    "(corpus $((bytes / 1048576)) MB), load $(cut -d' ' -f1 /proc/loadavg)"
  inproc=$("$build/kb-bench-search" --index "$work/index" --queries "$queries" --rounds 2 || true)
  echo "search in process: $inproc"
  token=$("$build/kb-index" token create bench --index "$work/index" 2>/dev/null)
  start_server "$work/index" "$work/server.log"
  echo "kb-server start-up (to the first /healthz answer): $start_secs s"
  http=$("$build/kb-bench-search" --url "http://127.0.0.1:$port" --queries "$queries" --rounds 2 --token "$token" || true)
  echo "search over HTTP, 1 connection: $http"
  wrk32=-
  if command -v wrk >/dev/null; then
    wrk32=$(KB_QUERIES="$queries" KB_TOKEN="$token" wrk -t2 -c32 -d10s -s bench/wrk_queries.lua \
      "http://127.0.0.1:$port" | grep '^wrk:')
    echo "search, wrk -t2 -c32 -d10s: $wrk32"
  fi
  # After the load: heap (RssAnon) and Pss. VmRSS would count the catalog
  # once per pooled Searcher that maps it.
  rss_server="$(awk '/RssAnon/ {printf "%d", $2 / 1024}' "/proc/$server_pid/status") / $(awk '/^Pss:/ {printf "%d", $2 / 1024}' "/proc/$server_pid/smaps_rollup")"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  limits=$("$build/kb-bench-limits" --corpus "$work/corpus" --queries "$queries" --db "$work/fts5.db" --rounds 2)
  sed 's/^/peer: /' <<<"$limits"
  cmark_s=$(field s "$(grep '^cmark:' <<<"$limits")")
  fts_line=$(grep '^fts5 index:' <<<"$limits")
  fts_p=$(grep '^fts5 search (all words, bm25 top 10):' <<<"$limits")
  rows+=("$(awk -v n="$n" -v b="$bytes" -v s="$secs" -v r="$rss_kb" -v ib="$index_bytes" -v c="$cmark_s" \
    -v fs="$(field s "$fts_line")" -v fb="$(field db_bytes "$fts_line")" \
    -v ip50="$(field p50 "$inproc")" -v ip99="$(field p99 "$inproc")" \
    -v hp50="$(field p50 "$http")" -v hp99="$(field p99 "$http")" \
    -v wr="$(field req/s "$wrk32")" -v wp99="$(field p99 "$wrk32")" -v sr="$rss_server" -v ss="$start_secs" \
    -v fp50="$(field p50 "$fts_p")" -v fp99="$(field p99 "$fts_p")" 'BEGIN {
    printf "| %d | %.0f MB | %.1f s (%.0f files/s, %.1fx cmark, %.1fx FTS5) | %.0f MB | %.0f MB (%.2fx corpus, %.1fx FTS5) | %s / %s ms | %s / %s ms | %s req/s, p99 %s ms | %s s; %s MB | %s / %s ms |", \
      n, b/1048576, s, n/s, s/c, s/fs, r/1024, ib/1048576, ib/b, ib/fb, ip50, ip99, hp50, hp99, wr, wp99, ss, sr, fp50, fp99 }')")
  rm -rf "$work/corpus" "$work/index" "$work/fts5.db"
done
echo
echo "| articles | corpus | kb full index | kb-index peak RSS | kb index size | search in process p50 / p99 | search HTTP 1 conn p50 / p99 | search wrk -c32 | kb-server start-up; heap / Pss after load | FTS5 p50 / p99 (all words, top 10) |"
echo "|---:|---:|---|---:|---|---|---|---|---:|---|"
printf '%s\n' "${rows[@]}"
