#!/usr/bin/env bash
# Save-to-searchable (issue 5): how long after a writer saves one file its new
# text is found over HTTP, with `kb-index --watch` and kb-server running on
# the d365 corpus (or content/ when ../shared is absent). One command:
#   bench/save_to_search.sh        (KB_BUILD_DIR, KB_CORPUS, KB_SAVES override)
# The corpus is copied to a temp folder first; the original is not touched.
set -euo pipefail
cd "$(dirname "$0")/.."
saves=${KB_SAVES:-20}
. bench/common.sh

work=$(mktemp -d)
trap 'kill $server_pid $watch_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
server_pid= watch_pid=
cp -r "$corpus" "$work/content"
files=$(find "$work/content" -name '*.md' | wc -l)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "corpus: $corpus, $files files"

"$build/kb-index" --content "$work/content" --index "$work/index" --quiet 2>/dev/null || [ $? -eq 1 ]
# The same one-file change without watching, for comparison: a plain re-run.
target=$(grep -l '^title:' -r "$work/content" --include='*.md' | sort | awk 'NR == 1')
printf '\nPlain re-run marker.\n' >>"$target"
/usr/bin/time -f '%e' -o "$work/time" "$build/kb-index" --content "$work/content" --index "$work/index" --quiet \
  2>/dev/null || [ $? -eq 1 ]
echo "one-file change, plain kb-index re-run: $(tail -1 "$work/time") s"

# As an agent: d365's 'audience: Application User' articles are internal here.
token=$("$build/kb-index" token create bench --index "$work/index")
port=$((20000 + RANDOM % 20000))
"$build/kb-server" --index "$work/index" --port "$port" --no-access-log --staff-rate-limit 0 2>"$work/server.log" &
server_pid=$!
"$build/kb-index" --content "$work/content" --index "$work/index" --watch --quiet 2>"$work/watch.log" &
watch_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
sleep 1  # the watcher's first (no-change) run

# Each save appends a word found nowhere else to a different article, then
# polls the search API every 5 ms until it is found.
python3 - "$work/content" "$port" "$saves" "$token" <<'EOF'
import os, random, statistics, sys, time, urllib.request, json
content, port, saves, token = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(content) for f in fs if f.endswith('.md'))
paths = [p for p in paths if open(p, encoding='utf-8', errors='replace').read(4).startswith('---')]
random.seed(7)
times = []
for i in range(saves):
    # Random letters: numbered words would be typo-corrected to the last one.
    word = 'zq' + ''.join(random.choice('bcdfghjklmnpstvwxz') for _ in range(10))
    path = random.choice(paths)
    with open(path, 'a', encoding='utf-8') as f:
        f.write('\n\nSaved marker %s.\n' % word)
    t0 = time.monotonic()
    while True:
        req = urllib.request.Request('http://127.0.0.1:%d/api/v1/search?q=%s' % (port, word),
                                     headers={'Authorization': 'Bearer ' + token})
        with urllib.request.urlopen(req) as r:
            answer = json.load(r)
        if answer['total'] > 0 and not answer.get('corrected'):
            break
        if time.monotonic() - t0 > 30:
            sys.exit('not searchable after 30 s: ' + path)
        time.sleep(0.005)
    times.append(time.monotonic() - t0)
    time.sleep(0.3)
times.sort()
print('save to searchable over %d saves: p50 %.3f s, p90 %.3f s, max %.3f s' % (
    len(times), statistics.median(times), times[int(0.9 * (len(times) - 1))], times[-1]))
EOF
