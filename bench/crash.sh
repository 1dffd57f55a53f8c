#!/usr/bin/env bash
# Crash safety (issue 6). One command:
#   bench/crash.sh        (KB_BUILD_DIR, KB_CORPUS, KB_KILLS, KB_SERVER_KILLS override)
# 1. kill -9 of kb-index at random points of a publish, KB_KILLS times (20):
#    kb-server keeps answering searches, from a complete revision, the whole
#    time; then a plain kb-index run succeeds with no manual step and the
#    server serves what it published.
# 2. kill -9 of kb-server under search load, KB_SERVER_KILLS times (5): it
#    starts again on the same index and serves (tokens, analytics intact).
# Prints a summary; exits 1 when any check failed. The corpus (d365 when
# ../shared has it, else content/) is copied to a temp folder first.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${KB_KILLS:-20}
server_kills=${KB_SERVER_KILLS:-5}
. bench/common.sh

work=$(mktemp -d)
server_pid= load_pid= index_pid=
cleanup() {
  for p in $load_pid $index_pid $server_pid; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

cp -r "$corpus" "$work/content"
index=$work/index
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), build $build"
echo "corpus: $corpus, $(find "$work/content" -name '*.md' | wc -l) files"
# Articles with a title (d365's include fragments have none and always fail).
grep -l '^title:' -r "$work/content" --include='*.md' | sort >"$work/articles"

# kb-index exits 1 when some files have mistakes (d365 has such files): still
# a successful publish of the rest.
index_once() {
  local code=0
  "$build/kb-index" --content "$work/content" --index "$index" --quiet 2>>"$work/index.log" || code=$?
  [ "$code" -le 1 ]
}
# A word found nowhere else (random letters: numbered words would be
# typo-corrected to one another), appended to a random article.
mark_article() {
  # Not awk's rand(): mawk's srand() ignores a large seed and every word came
  # out the same.
  local word=zq consonants=bcdfghjklmnpstvwxz
  for _ in 1 2 3 4 5 6 7 8 9 10; do word+=${consonants:RANDOM%18:1}; done
  printf '\n\nCrash marker %s.\n' "$word" >>"$(shuf -n 1 "$work/articles")"
  echo "$word"
}
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
current() { cat "$index/CURRENT" 2>/dev/null || echo none; }
url() { echo "http://127.0.0.1:$port$1"; }
# The revision /healthz reports, or the HTTP status when it is not 200.
served_revision() {
  local body code
  body=$(curl -s -w '\n%{http_code}' "$(url /healthz)") || { echo down; return; }
  code=${body##*$'\n'}
  [ "$code" = 200 ] || { echo "$code"; return; }
  sed -n 's/.*"revision":"\([^"]*\)".*/\1/p' <<<"${body%$'\n'*}"
}
# Hits for `q` as the agent, or the HTTP status when it is not 200.
hits() {
  local body code
  body=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $token" "$(url "/api/v1/search?correct=0&q=$1")") ||
    { echo down; return; }
  code=${body##*$'\n'}
  [ "$code" = 200 ] || { echo "status $code"; return; }
  sed -n 's/.*"total":\([0-9]*\).*/\1/p' <<<"${body%$'\n'*}"
}
start_server() {
  "$build/kb-server" --index "$index" --port "$port" --no-access-log --rate-limit 0 --staff-rate-limit 0 \
    2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 400); do
    curl -sf "$(url /healthz)" >/dev/null && return 0
    sleep 0.025
  done
  return 1
}
# Searches one after another until killed, one status code a line.
load() {
  while :; do
    curl -s -o /dev/null -w '%{http_code}\n' "$(url "/api/v1/search?q=$common")" || echo 000
  done >>"$1"
}
count_not_200() { grep -vc '^200$' "$1" || true; }

start=$(date +%s.%N)
index_once || { echo "the first kb-index run failed; see below"; tail "$work/index.log"; exit 1; }
echo "first index: $(seconds_since "$start") s, revision $(current)"
token=$("$build/kb-index" token create crash --index "$index")
port=$((20000 + RANDOM % 20000))
start_server || { echo "kb-server did not start"; cat "$work/server.log"; exit 1; }
# A word many articles share, for the load and the checks.
common=$(tr -s '[:space:]' '\n' <"$(head -1 "$work/articles")" | grep -E '^[[:alpha:]]{6,}$' | head -1 || true)
[ "$(hits "$common")" -gt 0 ] 2>/dev/null || { echo "no hits for '$common'"; exit 1; }

# How long one publish takes, to spread the kills over it.
mark_article >/dev/null
start=$(date +%s.%N)
index_once || fail "an incremental kb-index run failed"
publish_time=$(seconds_since "$start")
echo "incremental publish (one changed article): $publish_time s"

# --- 1. kill -9 kb-index ----------------------------------------------------
load "$work/load1" &
load_pid=$!
killed_mid_run=0 finished=0 published_by_killed=0
max_revisions=0 max_du=0
last=$(current)
for i in $(seq "$kills"); do
  mark_article >/dev/null
  delay=$(awk -v t="$publish_time" -v r="$RANDOM" 'BEGIN { printf "%.3f", 1.2 * t * r / 32767 }')
  "$build/kb-index" --content "$work/content" --index "$index" --quiet 2>>"$work/index.log" &
  index_pid=$!
  sleep "$delay"
  kill -9 "$index_pid" 2>/dev/null || true
  code=0
  wait "$index_pid" 2>/dev/null || code=$?
  index_pid=
  if [ "$code" = 137 ]; then killed_mid_run=$((killed_mid_run + 1)); else finished=$((finished + 1)); fi
  now=$(current)
  [ "$now" != "$last" ] && published_by_killed=$((published_by_killed + 1))
  [ -f "$index/revisions/$now/catalog.db" ] || fail "kill $i (after ${delay}s): CURRENT names $now, which is incomplete"
  [[ "$now" > "$last" || "$now" == "$last" ]] || fail "kill $i: CURRENT went back from $last to $now"
  served=$(served_revision)
  [ "$served" = "$now" ] || fail "kill $i (after ${delay}s): /healthz says '$served', CURRENT is $now"
  h=$(hits "$common")
  [ "$h" -gt 0 ] 2>/dev/null || fail "kill $i (after ${delay}s): searching '$common' gave '$h'"
  n=$(find "$index/revisions" -mindepth 1 -maxdepth 1 | wc -l)
  du=$(du -sm "$index/revisions" | cut -f1)
  ((n > max_revisions)) && max_revisions=$n
  ((du > max_du)) && max_du=$du
  last=$now
done
kill "$load_pid" 2>/dev/null || true
wait "$load_pid" 2>/dev/null || true
load_pid=
left=$(find "$index/revisions" -mindepth 1 -maxdepth 1 -printf '%f ')
echo "kb-index killed $kills times: $killed_mid_run during the run, $finished had finished" \
  "($published_by_killed runs published before the kill)"
echo "  searches meanwhile: $(wc -l <"$work/load1"), not 200: $(count_not_200 "$work/load1")"
echo "  revision folders during the kills: at most $max_revisions, $max_du MB; after: $left"
[ "$(count_not_200 "$work/load1")" = 0 ] || fail "searches failed while kb-index was killed"

# A plain run afterwards: must publish, with nothing cleaned up by hand.
word=$(mark_article)
before=$(current)
start=$(date +%s.%N)
index_once || fail "the kb-index run after the kills failed: $(tail -3 "$work/index.log")"
echo "plain run after the kills: $(seconds_since "$start") s, revision $before -> $(current)"
[ "$(current)" != "$before" ] || fail "the plain run after the kills published nothing"
served=$(served_revision)
[ "$served" = "$(current)" ] || fail "after the plain run /healthz says '$served', CURRENT is $(current)"
[ "$(hits "$word")" = 1 ] || fail "the plain run's new word '$word' gave '$(hits "$word")' hits"
left=$(find "$index/revisions" -mindepth 1 -maxdepth 1 -printf '%f ')
echo "  revision folders after it: $left($(du -sm "$index/revisions" | cut -f1) MB)"
for r in $left; do
  [ -f "$index/revisions/$r/catalog.db" ] || fail "revision folder $r left behind incomplete"
done

# --- 2. kill -9 kb-server under load -------------------------------------------
rev=$(current)
up_max=0
: >"$work/load2"
for i in $(seq "$server_kills"); do
  load "$work/load2" &
  load_pid=$!
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.5 + 6 * r / 32767 }')"  # analytics writes every 5 s
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  start=$(date +%s.%N)
  start_server || fail "kb-server did not start again after kill $i"
  up=$(seconds_since "$start")
  up_max=$(awk -v a="$up" -v b="$up_max" 'BEGIN { print (a > b ? a : b) }')
  kill "$load_pid" 2>/dev/null || true
  wait "$load_pid" 2>/dev/null || true
  load_pid=
  [ "$(served_revision)" = "$rev" ] || fail "after server kill $i: /healthz says '$(served_revision)', not $rev"
  [ "$(hits "$word")" = 1 ] || fail "after server kill $i: the agent's search for '$word' gave '$(hits "$word")'"
done
if grep -q 'warning' "$work/server.log"; then fail "kb-server warned: $(grep warning "$work/server.log" | sort -u)"; fi
answered=$(grep -c '^200$' "$work/load2" || true)
echo "kb-server killed $server_kills times under load: back in at most $up_max s, same revision, token valid;" \
  "searches answered $answered, refused while down $(count_not_200 "$work/load2")"

if [ "$failures" -gt 0 ]; then
  echo "crash safety: $failures checks FAILED"
  exit 1
fi
echo "crash safety: all checks passed"
