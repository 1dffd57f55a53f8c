#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) in build-fuzz with clang, ASan
# and UBSan, and runs each for a while on a copy of its seed corpus.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   default 30
#
# KB_FUZZ_SEED=N starts every target from that seed (CI does, so that a run
# that passed here explores the same inputs there, and a landing cannot turn
# red on an unrelated change; longer runs with random seeds find new bugs:
# scripts/fuzz.sh 600).
# KB_FUZZ_TARGETS="fuzz_search ..." picks targets; KB_FUZZ_JOBS runs that many
# targets at once (default: the number of cores, at most 4). Exits 1 when a
# target crashes, fails a check, times out or runs out of memory, after
# printing the reproducer and the command that replays it. Without clang or
# libFuzzer it says so and exits 0, or 1 under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
case "$seconds" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [seconds per target]" >&2; exit 2 ;; esac
build_dir=build-fuzz
targets=(${KB_FUZZ_TARGETS:-fuzz_frontmatter fuzz_markdown fuzz_search fuzz_request})
jobs=${KB_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -gt 4 ] && jobs=4
# One input taking longer than this is a hang (a slow regular expression, a
# quadratic loop): reported like a crash.
per_input_timeout=${KB_FUZZ_TIMEOUT:-10}

missing() {
  echo "fuzz: $1; install clang and libclang-rt-14-dev (scripts/install-deps.sh) to run the fuzz targets" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  echo "fuzz: skipped" >&2
  exit 0
}
command -v clang >/dev/null && command -v clang++ >/dev/null || missing "no clang"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/probe.cpp"
clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>"$probe/err" \
  || missing "clang cannot link a libFuzzer target ($(head -c 300 "$probe/err"))"

start=$(date +%s)
# -O1 and line tables only: a third faster to build than -O2 -g, and the
# stack traces keep their lines. Warnings are the gcc build's business.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DKB_FUZZ=ON -DKB_BUILD_TESTS=OFF -DKB_WERROR=OFF >/dev/null
# Only the targets and what they link (kb_core, kb_http): not the executables.
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"
built=$(date +%s)
echo "fuzz: built in $((built - start)) s; ${#targets[@]} targets, ${seconds} s each, $jobs at a time"

# Everything a run writes (corpus growth, reproducers, temporary indexes) goes
# under the build folder, never into tests/fuzz/corpus.
work="$build_dir/fuzz-run"
rm -rf "$work"
mkdir -p "$work"

run_target() {
  local t=$1 dir="$work/$1"
  mkdir -p "$dir/corpus" "$dir/tmp"
  cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
  local dict=() seed=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  [ -n "${KB_FUZZ_SEED:-}" ] && seed=(-seed="$KB_FUZZ_SEED")
  TMPDIR="$PWD/$dir/tmp" "$build_dir/tests/fuzz/$t" "$dir/corpus" "${dict[@]}" "${seed[@]}" \
    -max_total_time="$seconds" -timeout="$per_input_timeout" -rss_limit_mb=2560 -max_len=8192 \
    -artifact_prefix="$dir/" -print_final_stats=1 >"$dir/log" 2>&1 && echo 0 >"$dir/rc" || echo $? >"$dir/rc"
}

for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$t" &
done
wait

failed=0
for t in "${targets[@]}"; do
  dir="$work/$t"
  if [ "$(cat "$dir/rc" 2>/dev/null)" = 0 ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    echo "fuzz: $t ok (${runs:-?} inputs)"
    continue
  fi
  failed=1
  echo "fuzz: $t FAILED; the end of its log ($dir/log):" >&2
  grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)' "$dir/log" | tail -n 60 >&2
  for artifact in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*; do
    [ -e "$artifact" ] || continue
    echo "fuzz: reproducer: $artifact" >&2
    echo "fuzz: replay:     $build_dir/tests/fuzz/$t $artifact" >&2
  done
done
echo "fuzz: done in $(($(date +%s) - start)) s"
exit "$failed"
