# Sourced by the bench scripts, from the repository root: picks the build
# folder and the corpus (d365 when ../shared has it, else content/) and
# builds kb in RelWithDebInfo. Sets: build, corpus. KB_NO_BUILD=1 skips the
# build (bench/run.sh builds once for all its scripts).
build=${KB_BUILD_DIR:-build}
corpus=${KB_CORPUS:-../shared/data/corpora/d365}
if [ ! -d "$corpus" ]; then
  echo "corpus $corpus absent; using content/" >&2
  corpus=content
fi
if [ "${KB_NO_BUILD:-0}" != 1 ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  # Only what the benchmarks run: the test suite is not needed here.
  cmake --build "$build" --target kb-index kb-server kb-bench-search kb-bench-limits >/dev/null
fi

# machine_line: the line every benchmark starts with.
machine_line() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# start_server INDEX LOGFILE [ARGS...]: kb-server on a free loopback port
# with no rate limits (one address sends all the load); sets server_pid and
# port, waits for /healthz (up to KB_SERVER_START_TIMEOUT s, default 300: it
# builds the suggestions first) and sets start_secs to the time that took.
start_server() {
  local index=$1 log=$2 t0
  shift 2
  port=$((20000 + RANDOM % 20000))
  t0=$(date +%s%N)
  "$build/kb-server" --index "$index" --port "$port" --no-access-log --threads 64 --rate-limit 0 \
    --staff-rate-limit 0 "$@" 2>"$log" &
  server_pid=$!
  while kill -0 "$server_pid" 2>/dev/null; do
    if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
      start_secs=$(awk -v t="$(($(date +%s%N) - t0))" 'BEGIN {printf "%.2f", t / 1e9}')
      return 0
    fi
    [ $(($(date +%s%N) - t0)) -lt $((${KB_SERVER_START_TIMEOUT:-300} * 1000000000)) ] || break
    sleep 0.05
  done
  echo "kb-server did not start; its log:" >&2
  tail -5 "$log" >&2
  return 1
}

# field NAME LINE: the number after NAME in a "name value name value" line.
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) {print $(i + 1); exit}}' <<<"$2"; }
