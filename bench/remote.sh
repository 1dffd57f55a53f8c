#!/usr/bin/env bash
# The remote backend's cost per query (issue 20): the same index searched in
# process (kb-bench-search, no HTTP) from its local folder and through
# xapian-tcpsrv on loopback (the revision's xapian folder replaced by a stub
# naming it), alternating, on cold queries (bench/make_cold_queries.py, more
# than any cache holds; the Searcher has no result cache).
#   bench/remote.sh        (builds first; KB_CORPUS, KB_REMOTE_COUNT, KB_REMOTE_ROUNDS)
# On loopback the figure is the protocol's cost (serialising the query, a
# round trip per call), not the network's; see bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
count=${KB_REMOTE_COUNT:-1000}
rounds=${KB_REMOTE_ROUNDS:-2}
command -v xapian-tcpsrv >/dev/null || { echo "xapian-tcpsrv missing: scripts/install-deps.sh installs xapian-tools" >&2; exit 1; }

work=$(mktemp -d)
tcpsrv_pid=
trap 'kill $tcpsrv_pid 2>/dev/null || true; rm -rf "$work"' EXIT

machine_line
python3 bench/make_cold_queries.py "$corpus" --count "$count" --seed 20 >"$work/cold.txt"
echo "corpus: $corpus; queries: $count distinct (bench/make_cold_queries.py --seed 20)"
"$build/kb-index" --content "$corpus" --index "$work/local" --unknown-audience public --quiet 2>/dev/null || [ $? -eq 1 ]
cp -r "$work/local" "$work/remote"
revision=$(cat "$work/local/CURRENT")
port=$((20000 + RANDOM % 20000))
# Its own process group: on SIGTERM xapian-tcpsrv ends its group.
setsid xapian-tcpsrv --port "$port" --interface 127.0.0.1 --quiet "$work/local/revisions/$revision/xapian" \
  >/dev/null 2>&1 &
tcpsrv_pid=$!
rm -rf "$work/remote/revisions/$revision/xapian"
echo "remote 127.0.0.1:$port" >"$work/remote/revisions/$revision/xapian"
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

for round in $(seq "$rounds"); do
  for where in local remote; do
    echo -n "round $round, $where: "
    "$build/kb-bench-search" --index "$work/$where" --queries "$work/cold.txt" --visibility public --warmup 1 |
      tr '\n' ' '
    echo
  done
done
