#!/usr/bin/env bash
# Every benchmark, one command. Builds once (RelWithDebInfo, KB_BUILD_DIR,
# default build/), then runs:
#   bench/run.sh                 foundation: indexing, search and suggest
#                                latency, cmark-gfm and SQLite FTS5 on the same
#                                corpus and kb's figures as ratios of them
#                                (bench/foundation.sh); save to searchable
#                                (bench/save_to_search.sh)
#   bench/run.sh --cold          20,000 distinct queries nobody asked before,
#                                in process and over HTTP, beside the warm
#                                cycle and /healthz (bench/cold.sh)
#   bench/run.sh --growth        1k, 10k and 100k recombined articles
#                                (bench/growth.sh; KB_GROWTH_SIZES)
#   bench/run.sh --soak [S]      S seconds (default 60) of mixed load while
#                                kb-index republishes (bench/soak.sh)
#   bench/run.sh --relevance     bench/relevance/eval.py (XQuAD-R, known items)
#   bench/run.sh --crash         kill -9 of kb-index (20x) and kb-server (5x)
#                                under load (bench/crash.sh)
#   bench/run.sh --heap          heap after each of 16 publishes under load
#                                (bench/heap_republish.sh)
#   bench/run.sh --all [S]       all of the above, soak for S seconds
# Each part prints the machine, load and its commands' figures; the load and
# soak figures need wrk (scripts/install-deps.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."
parts=()
soak_seconds=60
while [ $# -gt 0 ]; do
  case $1 in
    --cold | --growth | --soak | --relevance | --crash | --heap) parts+=("${1#--}") ;;
    --all) parts=(foundation save cold growth soak relevance crash heap) ;;
    -h | --help)
      sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      if [[ $1 =~ ^[0-9]+$ ]]; then soak_seconds=$1; else echo "run.sh: unknown argument $1" >&2; exit 2; fi
      ;;
  esac
  shift
done
[ ${#parts[@]} -gt 0 ] || parts=(foundation save cold)

. bench/common.sh  # builds
export KB_NO_BUILD=1 KB_BUILD_DIR="$build"
status=0
for part in "${parts[@]}"; do
  echo "### $part ($(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core server indexer || echo ', with uncommitted changes'))"
  case $part in
    foundation) bash bench/foundation.sh || status=1 ;;
    save) bash bench/save_to_search.sh || status=1 ;;
    cold) bash bench/cold.sh || status=1 ;;
    growth) bash bench/growth.sh || status=1 ;;
    soak) bash bench/soak.sh "$soak_seconds" || status=1 ;;
    relevance) python3 bench/relevance/eval.py --build "$build" || status=1 ;;
    crash) bash bench/crash.sh || status=1 ;;
    heap) bash bench/heap_republish.sh || status=1 ;;
  esac
  echo
done
exit $status
