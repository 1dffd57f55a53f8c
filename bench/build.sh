#!/usr/bin/env bash
# Index build (issue 17): the full index beside SQLite FTS5 in the same run,
# the index's size beside the corpus, and the writers' two everyday paths.
#   bench/build.sh [KB_INDEX ...]     (KB_CORPUS, KB_BUILD_PAIRS)
# With no argument it measures $build/kb-index; with several kb-index
# binaries (say one built with KB_JEMALLOC=OFF and one with it) it runs them
# alternately, KB_BUILD_PAIRS rounds (default 2), so that their ratio comes
# from one stretch of this shared machine's load. Each round, per binary:
#   - full index of the corpus into a fresh folder, every article public
#     (wall, user CPU, peak RSS from /usr/bin/time);
#   - the no-change re-run;
#   - one file changed (a line appended to a copy of the corpus), then
#     indexed: what a writer's save costs.
# Then the floor and peer once: cmark-gfm alone and SQLite FTS5
# (kb-bench-limits), and the sizes of the last index.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
pairs=${KB_BUILD_PAIRS:-2}
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$build/kb-index")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
machine_line
echo "corpus: $corpus ($(du -sb --exclude='*.png' --exclude='*.jpg' --exclude='*.gif' --exclude='*.svg' "$corpus" | cut -f1) bytes without images)"

# A copy of the corpus whose files are hard links, so that one file can be
# changed without touching ../shared: the changed file is copied first.
cp -al "$corpus" "$work/corpus"
victim=$(find "$work/corpus" -name '*.md' -size +4k | sort | sed -n 1p)

timed() {  # timed LABEL CMD...: one line "LABEL wall user rss_mb"
  local label=$1 out
  shift
  /usr/bin/time -o "$work/time" -f '%e %U %M' "$@" >/dev/null 2>&1 || [ $? -eq 1 ]  # 1: some files failed
  read -r wall user rss < <(tail -1 "$work/time")
  printf '  %-34s wall %6.2f s  user %6.2f s  peak RSS %5d MB\n' "$label" "$wall" "$user" $((rss / 1024))
}

sizes() {  # sizes INDEX: each file of its current revision, and the whole
  local rev p
  rev=$(ls -d "$1"/revisions/r* | tail -1)
  for p in "$rev"/xapian/*.glass "$rev"/catalog.db; do
    printf '  %-24s %6.1f MB\n' "${p#"$rev"/}" "$(($(stat -c %s "$p") / 1000))e-3"
  done
  printf '  %-24s %6.1f MB\n' "whole revision" "$(($(du -sb "$rev" | cut -f1) / 1000))e-3"
}

for round in $(seq "$pairs"); do
  echo "round $round:"
  for bin in "${bins[@]}"; do
    name=$bin
    rm -rf "$work/index"
    args=(--content "$work/corpus" --index "$work/index" --unknown-audience public --quiet)
    timed "$name full" "$bin" "${args[@]}"
    sizes "$work/index" >"$work/sizes"
    timed "$name no change" "$bin" "${args[@]}"
    cp --remove-destination "$(readlink -f "$victim")" "$victim.tmp" && mv "$victim.tmp" "$victim"
    echo "Changed in round $round by $name." >>"$victim"
    timed "$name one file changed" "$bin" "${args[@]}"
  done
done

echo "floor and peer (kb-bench-limits, one thread):"
"$build/kb-bench-limits" --corpus "$corpus" --queries bench/queries/d365.txt --db "$work/fts5.db" --rounds 1 |
  grep -E '^(cmark|fts5 index)' | sed 's/^/  /'
echo "sizes of the last full index (${bins[-1]}):"
cat "$work/sizes"
