#!/usr/bin/env bash
# Publish-to-replica lag (issue 20): the one-machine cluster of
# docs/deploy.md (2 shards replicated by xapian-replicate, 2 front replicas
# following with scripts/kb-follow, kb-server --shard on each), and N
# incremental publishes of one changed article each. For each publish: the
# seconds from kb-index's exit until both shard replicas have switched to a
# new copy (xapian-replicate replaces a replica's XAPIANDB stub), and until
# both front replicas serve the new revision (their /healthz).
#   bench/replicas.sh        (builds first; KB_CORPUS, KB_PUBLISHES (20), KB_EVERY (0.5))
# Settings as in docs/deploy.md: xapian-replicate --interval 1, kb-follow
# --every KB_EVERY. Everything on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
publishes=${KB_PUBLISHES:-20}
every=${KB_EVERY:-0.5}
for p in xapian-tcpsrv xapian-replicate rsync curl; do  # scripts/install-deps.sh has them all
  command -v $p >/dev/null || { echo "$p missing: scripts/install-deps.sh installs it" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
start() {  # a program in its own process group, remembered for the end
  setsid "$@" >>"$work/log" 2>&1 &
  pids+=($!)
}
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; }
base=$((20000 + RANDOM % 20000))

machine_line
echo "corpus: $corpus; $publishes publishes of one changed article; kb-follow --every $every, xapian-replicate --interval 1"
cp -r "$corpus" "$work/content"
"$build/kb-index" --content "$work/content" --index "$work/index" --unknown-audience public --shards 2 --quiet \
  2>/dev/null || [ $? -eq 1 ]
start xapian-replicate-server --interface 127.0.0.1 --port "$base" "$work/index/shards"
wait_port "$base"
for k in 0 1; do
  start xapian-replicate --host 127.0.0.1 --port "$base" --master $k --interval 1 --quiet "$work/shard-$k"
done
for k in 0 1; do
  for _ in $(seq 100); do [ -e "$work/shard-$k/XAPIANDB" ] && break; sleep 0.1; done
  start xapian-tcpsrv --interface 127.0.0.1 --port $((base + 1 + k)) --idle-timeout 0 --quiet "$work/shard-$k"
  wait_port $((base + 1 + k))
done
for n in 1 2; do
  start scripts/kb-follow "$work/index" "$work/front-$n" --without-index --every "$every"
done
for n in 1 2; do
  for _ in $(seq 300); do [ -e "$work/front-$n/CURRENT" ] && break; sleep 0.1; done
  start "$build/kb-server" --index "$work/front-$n" --port $((base + 10 + n)) --rate-limit 0 --no-access-log \
    --shard 127.0.0.1:$((base + 1)) --shard 127.0.0.1:$((base + 2))
  wait_port $((base + 10 + n))
done

stub_time() { stat -c %.9Y "$work/shard-$1/XAPIANDB"; }
served() { curl -s "127.0.0.1:$1/healthz" | grep -o '"revision":"r[0-9]*"' | cut -d'"' -f4; }
now() { date +%s.%N; }
file=$(find "$work/content" -name '*.md' | sort | sed -n 1p)
front_lags=() shard_lags=()
for i in $(seq "$publishes"); do
  before=("$(stub_time 0)" "$(stub_time 1)")
  echo "A sentence added by publish $i." >>"$file"
  "$build/kb-index" --content "$work/content" --index "$work/index" --unknown-audience public --quiet \
    2>/dev/null || [ $? -eq 1 ]
  published=$(cat "$work/index/CURRENT") t0=$(now) shards_at="" fronts_at=""
  for _ in $(seq 1000); do
    if [ -z "$shards_at" ] && [ "$(stub_time 0)" != "${before[0]}" ] && [ "$(stub_time 1)" != "${before[1]}" ]; then
      shards_at=$(now)
    fi
    if [ -z "$fronts_at" ] && [ "$(served $((base + 11)))" = "$published" ] &&
      [ "$(served $((base + 12)))" = "$published" ]; then
      fronts_at=$(now)
    fi
    [ -n "$shards_at" ] && [ -n "$fronts_at" ] && break
    sleep 0.02
  done
  [ -n "$fronts_at" ] || { echo "publish $i ($published): not served after 20 s" >&2; tail "$work/log" >&2; exit 1; }
  front_lags+=("$(awk "BEGIN {print $fronts_at - $t0}")")
  shard_lags+=("$(awk "BEGIN {print ${shards_at:-$fronts_at} - $t0}")")
done
summary() {  # p50 and max of the arguments
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "p50 %.2f s, max %.2f s", v[int((NR + 1) / 2)], v[NR]}'
}
echo "shard replicas hold the new revision: $(summary "${shard_lags[@]}")"
echo "both front replicas serve it:         $(summary "${front_lags[@]}")"
