#!/usr/bin/env bash
# The remote backend's cost per query (issue 20): the same index searched in
# process (kb-bench-search, no HTTP) from its local folder, through one
# xapian-tcpsrv on loopback (the revision's xapian folder replaced by a stub
# naming it), and split into 2 and 3 shards (kb-index --shards, one
# xapian-tcpsrv each, kb-bench-search --shard), alternating, on cold queries
# (bench/make_cold_queries.py, more than any cache holds; the Searcher has
# no result cache).
#   bench/remote.sh        (builds first; KB_CORPUS, KB_REMOTE_COUNT, KB_REMOTE_ROUNDS)
# Note: --warmup 1 runs the queries once before timing them: the figures are
# of queries the Searcher has seen, but no result is cached anywhere.
# On loopback the figure is the protocol's cost (serialising the query, a
# round trip per call), not the network's; see bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
count=${KB_REMOTE_COUNT:-1000}
rounds=${KB_REMOTE_ROUNDS:-2}
command -v xapian-tcpsrv >/dev/null || { echo "xapian-tcpsrv missing: scripts/install-deps.sh installs xapian-tools" >&2; exit 1; }

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# xapian-tcpsrv serving $1 on a free port (sets port), in its own process
# group (on SIGTERM it ends its group), once it accepts connections.
serve() {
  port=$((20000 + RANDOM % 20000))
  setsid xapian-tcpsrv --port "$port" --interface 127.0.0.1 --quiet "$1" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
}

machine_line
python3 bench/make_cold_queries.py "$corpus" --count "$count" --seed 20 >"$work/cold.txt"
echo "corpus: $corpus; queries: $count distinct (bench/make_cold_queries.py --seed 20)"
"$build/kb-index" --content "$corpus" --index "$work/local" --unknown-audience public --quiet 2>/dev/null || [ $? -eq 1 ]
cp -r "$work/local" "$work/remote"
revision=$(cat "$work/local/CURRENT")
serve "$work/local/revisions/$revision/xapian"
rm -rf "$work/remote/revisions/$revision/xapian"
echo "remote 127.0.0.1:$port" >"$work/remote/revisions/$revision/xapian"
declare -A shard_flags
for k in 2 3; do
  "$build/kb-index" --content "$corpus" --index "$work/shards$k" --unknown-audience public --shards "$k" --quiet \
    2>/dev/null || [ $? -eq 1 ]
  shard_flags[$k]=""
  for ((i = 0; i < k; i++)); do
    serve "$work/shards$k/shards/$i"
    shard_flags[$k]+=" --shard 127.0.0.1:$port"
  done
done

for round in $(seq "$rounds"); do
  for where in local remote shards2 shards3; do
    echo -n "round $round, $where: "
    index="$work/$where" flags=""
    case "$where" in shards*) flags=${shard_flags[${where#shards}]} ;; esac
    # shellcheck disable=SC2086
    "$build/kb-bench-search" --index "$index" $flags --queries "$work/cold.txt" --visibility public --warmup 1 |
      tr '\n' ' '
    echo
  done
done
