#!/usr/bin/env bash
# Soak (issue 6): kb-server under steady load while kb-index republishes.
#   bench/soak.sh [seconds=60]          (or bench/run.sh --soak [seconds])
# On a copy of the corpus (d365, else content/; indexed with
# --unknown-audience public so visitors see every article), wrk at 32
# connections (one per wrk thread, so the script can tell each connection's
# request from its answer) sends a mix of /api/v1/search (60%),
# /api/v1/suggest (25%) and /articles/<slug> pages (15%, slugs from the
# catalog), and follows a sample of the slugs search answers with. Meanwhile
# kb-index runs every 2 s after appending a line to three random articles,
# so every run publishes a new revision (and removes old ones: it keeps 3).
# Reports requests, non-2xx answers per kind (there must be none), socket
# errors, latency, kb-server's RSS sampled every second, revisions
# published, and the index folder's size at the start and the end.
# Exits 1 when any answer was not 2xx or a followed slug did not resolve.
# KB_SOAK_CONNECTIONS (32), KB_SOAK_REPUBLISH_EVERY (2 s; 0: never).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
queries=${KB_QUERIES:-bench/queries/d365.txt}
prefixes=${KB_PREFIXES:-bench/queries/d365_prefixes.txt}
connections=${KB_SOAK_CONNECTIONS:-32}
every_ms=$((${KB_SOAK_REPUBLISH_EVERY:-2} * 1000))  # 0: no republishing (to tell warm-up from churn)
. bench/common.sh
command -v wrk >/dev/null || { echo "soak: needs wrk (scripts/install-deps.sh --bench)" >&2; exit 2; }

work=$(mktemp -d)
server_pid= republish_pid= sampler_pid=
cleanup() {
  for p in $republish_pid $sampler_pid $server_pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

machine_line
cp -r "$corpus" "$work/content"
echo "corpus: $corpus ($(find "$work/content" -name '*.md' | wc -l) files, copied); $seconds s," \
  "$connections connections"
index_args=(--content "$work/content" --index "$work/index" --quiet --unknown-audience public)
"$build/kb-index" "${index_args[@]}" 2>/dev/null || [ $? -eq 1 ]
rev=$(cat "$work/index/CURRENT")
python3 - "$work/index/revisions/$rev/catalog.db" >"$work/slugs" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for (slug,) in db.execute("SELECT slug FROM articles WHERE audience = 'public' AND draft = 0 ORDER BY id"):
    print(slug)
EOF
grep -l '^title:' -r "$work/content" --include='*.md' | sort >"$work/editable"
echo "articles: $(wc -l <"$work/slugs") public slugs; index folder $(du -sm "$work/index" | cut -f1) MB"

start_server "$work/index" "$work/server.log"
url="http://127.0.0.1:$port"

# kb-server's RSS every second.
(
  while kill -0 "$server_pid" 2>/dev/null; do
    # VmRSS, RssAnon (heap), RssFile (mapped index files, counted once per
    # mapping: each pooled Searcher maps the catalog), Pss (file pages shared
    # by mappings counted once), open descriptors, descriptors of deleted files.
    echo "$(awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s ", $2}' "/proc/$server_pid/status" 2>/dev/null)" \
      "$(awk '/^Pss:/ {print $2}' "/proc/$server_pid/smaps_rollup" 2>/dev/null)" \
      "$(ls "/proc/$server_pid/fd" 2>/dev/null | wc -l)" \
      "$(find "/proc/$server_pid/fd" -lname '*(deleted)' 2>/dev/null | wc -l)" || true
    sleep 1
  done
) >"$work/rss" &
sampler_pid=$!

# A new revision every 2 s: three articles edited, then kb-index.
(
  n=0
  end=$((SECONDS + seconds))
  while [ $every_ms -gt 0 ] && [ $SECONDS -lt $end ]; do
    t0=$(date +%s%N)
    n=$((n + 1))
    for f in $(shuf -n 3 --random-source=<(yes "$n") "$work/editable"); do
      printf '\nSoak edit %d: kaizenmarker%d.\n' "$n" "$n" >>"$f"
    done
    before=$(cat "$work/index/CURRENT")
    rc=0
    "$build/kb-index" "${index_args[@]}" 2>>"$work/republish.log" || rc=$?
    after=$(cat "$work/index/CURRENT")
    echo "run $n rc $rc $([ "$before" != "$after" ] && echo published || echo same) $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    left=$((every_ms - ($(date +%s%N) - t0) / 1000000))
    [ $left -gt 0 ] && sleep "$(awk -v l="$left" 'BEGIN {print l / 1000}')"
  done
) >"$work/republish" &
republish_pid=$!

KB_MIX="search=60,suggest=25,article=15" KB_QUERIES="$queries" KB_PREFIXES="$prefixes" KB_SLUGS="$work/slugs" \
  KB_REPORT="$work/report" wrk -t"$connections" -c"$connections" -d"${seconds}s" --timeout 10s \
  -s bench/wrk_queries.lua "$url" >"$work/wrk.out"
wait "$republish_pid" || true
republish_pid=
sleep 1
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=

grep '^wrk' "$work/wrk.out"
echo "answers by kind and status class:"
awk '$1 != "bad_follow" && $3 > 0 {printf "  %s %s %d\n", $1, $2, $3}' "$work/report"
non2xx=$(awk '$1 != "bad_follow" && $2 != "2xx" {s += $3} END {print s + 0}' "$work/report")
followed=$(awk '$1 == "followed" {s += $3} END {print s + 0}' "$work/report")
bad_follow=$(grep -c '^bad_follow' "$work/report" || true)
echo "non-2xx answers: $non2xx; search slugs followed: $followed, not resolving: $bad_follow"
{ grep '^bad_follow' "$work/report" || true; } | sort | uniq -c | sort -rn | head -10 | sed 's/^/  /'
runs=$(wc -l <"$work/republish")
published=$(grep -c ' published ' "$work/republish" || true)
failed_runs=$(grep -vc ' rc [01] ' "$work/republish" || true)
echo "republish: $runs kb-index runs, $published revisions published, $failed_runs runs failed;" \
  "run time $(awk '{print $6}' "$work/republish" | sort -n | awk '{a[NR] = $1} END {printf "p50 %d ms, max %d ms", a[int((NR + 1) / 2)], a[NR]}')"
awk 'NF == 6 {n++; if (n == 1) {split($0, first)} split($0, last); for (i = 1; i <= 6; i++) if ($i > max[i]) max[i] = $i}
  END {
    printf "kb-server RSS (%d samples, 1 s apart): first %.0f MB, last %.0f MB, max %.0f MB\n", n, first[1] / 1024, last[1] / 1024, max[1] / 1024
    printf "  of which anonymous (heap): first %.0f MB, last %.0f MB, max %.0f MB\n", first[2] / 1024, last[2] / 1024, max[2] / 1024
    printf "  of which mapped files: first %.0f MB, last %.0f MB, max %.0f MB\n", first[3] / 1024, last[3] / 1024, max[3] / 1024
    printf "  proportional (Pss, shared file pages once): first %.0f MB, last %.0f MB, max %.0f MB\n", first[4] / 1024, last[4] / 1024, max[4] / 1024
    printf "open descriptors: first %d, last %d, max %d; of deleted files: last %d, max %d\n", first[5], last[5], max[5], last[6], max[6]
  }' "$work/rss"
echo "RSS / anonymous / Pss every 10 s (MB): $(awk 'NF == 6 && ++n % 10 == 1 {printf "%.0f/%.0f/%.0f ", $1 / 1024, $2 / 1024, $4 / 1024}' "$work/rss")"
echo "index folder at the end: $(du -sm "$work/index" | cut -f1) MB, $(ls "$work/index/revisions" | wc -l) revisions kept"
server_errors=$(grep -ci 'error' "$work/server.log" || true)
echo "kb-server log lines with 'error': $server_errors"
{ grep -i 'error' "$work/server.log" || true; } | head -5 | sed 's/^/  /'
# Every kb-index run must have published (each edits three files).
[ "$non2xx" -eq 0 ] && [ "$bad_follow" -eq 0 ] && [ "$published" -eq "$runs" ]
