#!/usr/bin/env bash
# Browser tests of the help page against a real kb-server.
#   tests/browser/run.sh BUILD_DIR [node --test options, e.g. --test-name-pattern=axe]
# Indexes content/ into a temporary index with BUILD_DIR/kb-index, creates a
# writer's token (it sees internal articles and drafts), starts BUILD_DIR/kb-server on a free loopback port, and runs
# tests/browser/*.test.mjs with node's test runner (Debian's chromium driven by
# playwright-core). Screenshots and the page-weight table go to
# BUILD_DIR/browser-artifacts/.
#
# KB_TEMPLATES serves another templates folder (default: templates).
#
# Exit 77 (ctest: skipped) when chromium, Node.js 20+ or the npm packages are
# missing; under CI=true that is a failure instead, so CI cannot pass without
# running them. scripts/install-deps.sh installs all three.
set -euo pipefail
build_dir=$(cd "${1:?usage: tests/browser/run.sh BUILD_DIR [node --test options]}" && pwd)
shift
cd "$(dirname "$0")/../.."
here=tests/browser
chromium=${KB_CHROMIUM:-/usr/bin/chromium}

skip() {
  echo "browser tests skipped: $*. Install with scripts/install-deps.sh (Debian chromium, npm ci in $here)." >&2
  [ "${CI:-}" = true ] && { echo "CI=true: failing instead of skipping" >&2; exit 1; }
  exit 77
}
[ -x "$chromium" ] || skip "no Chromium at $chromium"
command -v node >/dev/null || skip "no node on PATH"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || skip "node $(node --version) is older than 20"
for module in playwright-core axe-core meilisearch @meilisearch/instant-meilisearch instantsearch.js; do
  [ -f "$here/node_modules/$module/package.json" ] || skip "$here/node_modules/$module is missing"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-browser.XXXXXX")
server_pid=""
drain_pid=""
cleanup() {
  local status=$?
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$drain_pid" ]; then wait "$drain_pid" 2>/dev/null || true; fi
  if [ $status -ne 0 ] && [ -s "$tmp/server.log" ]; then
    echo "--- kb-server log (last 40 lines) ---" >&2
    tail -n 40 "$tmp/server.log" >&2
  fi
  rm -rf "$tmp"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Exit status 1 means some articles have errors (reported); the rest is indexed.
"$build_dir/kb-index" --content content --index "$tmp/index" --quiet || [ $? -eq 1 ]
token=$("$build_dir/kb-server" token create --name browser-tests --role writer --index "$tmp/index" | tail -n 1)
[ -n "$token" ] || { echo "kb-server token create printed no token" >&2; exit 1; }

# The server names its port on stderr once it listens: read that line from a
# FIFO (no polling), then keep draining stderr into the log.
mkfifo "$tmp/server.stderr"
"$build_dir/kb-server" --index "$tmp/index" --templates "${KB_TEMPLATES:-templates}" --host 127.0.0.1 --port 0 \
  --site-name "Lumen Books Help Center" --contact-url "https://support.lumen.example/contact" \
  >"$tmp/server.stdout" 2>"$tmp/server.stderr" &
server_pid=$!
exec 3<"$tmp/server.stderr"
port=""
while IFS= read -r -t 60 line <&3; do
  printf '%s\n' "$line" >>"$tmp/server.log"
  if [[ $line =~ serving\ .*\ on\ http://127\.0\.0\.1:([0-9]+)/ ]]; then
    port=${BASH_REMATCH[1]}
    break
  fi
done
[ -n "$port" ] || { echo "kb-server did not say which port it listens on" >&2; exit 1; }
cat <&3 >>"$tmp/server.log" &
drain_pid=$!
exec 3<&-

artifacts="$build_dir/browser-artifacts"
rm -rf "$artifacts"
mkdir -p "$artifacts"

status=0
KB_URL="http://127.0.0.1:$port/" KB_AGENT_TOKEN="$token" KB_ARTIFACTS="$artifacts" KB_CHROMIUM="$chromium" \
  node --test --test-reporter=spec --test-concurrency=1 "$@" "$here"/*.test.mjs || status=$?
echo "screenshots and page-weight.txt: $artifacts/" >&2

# Stop the server the way an operator would; a non-zero exit or a sanitizer
# report during the run (the ASan build in CI) fails the test too.
kill -TERM "$server_pid" 2>/dev/null || echo "kb-server had already exited" >&2
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""
wait "$drain_pid" || true
drain_pid=""
if [ $server_status -ne 0 ]; then
  echo "kb-server exited with status $server_status after SIGTERM" >&2
  status=1
fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/server.log"; then
  echo "kb-server reported sanitizer errors:" >&2
  grep -E -A20 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/server.log" | head -n 60 >&2
  status=1
fi
exit $status
