#!/usr/bin/env bash
# The Meilisearch-compatible route's cost per search (issue 21) beside kb's
# own API, in one run on one server: d365 (or content/), the 300 queries of
# bench/queries/d365.txt, each asked of both routes (order alternating), once
# cold and once again (answered from the result cache). One command:
#   bench/meili_api.sh        (KB_BUILD_DIR, KB_CORPUS override)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
work=$(mktemp -d)
server_pid=
trap 'kill $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
machine_line
echo "corpus: $corpus"
"$build/kb-index" --content "$corpus" --index "$work/index" --unknown-audience public --quiet 2>/dev/null || [ $? -eq 1 ]
start_server "$work/index" "$work/server.log"
python3 bench/meili_api.py "$port" bench/queries/d365.txt
