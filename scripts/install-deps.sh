#!/usr/bin/env bash
# Installs the Debian 12 packages kb needs to build, test and benchmark, and
# the npm packages of the browser tests (tests/browser/package-lock.json).
# Idempotent, non-interactive and silent when nothing is missing: it runs on
# every ./kb.sh build. With --bench, also what the benchmarks use and the
# build and tests do not (wrk, for bench/foundation.sh and bench/soak.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bench_packages=()
[ "${1:-}" = --bench ] && bench_packages=(wrk)

packages=(
  build-essential cmake ninja-build pkg-config
  libxapian-dev libsqlite3-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
  libcpp-httplib-dev libssl-dev libfmt-dev nlohmann-json3-dev libfyaml-dev
  libmstch-dev libboost-dev libicu-dev libzstd-dev catch2
  # kb-index allocates with jemalloc (CMakeLists.txt, KB_JEMALLOC).
  libjemalloc-dev
  libvoikko-dev voikko-fi libhunspell-dev hunspell-pl libcld2-dev
  # Xapian's remote backend and replication (xapian-tcpsrv, xapian-replicate):
  # tests/remote_test.cpp and shards_test.cpp serve indexes through it.
  xapian-tools
  # scripts/kb-follow: a kb-server replica copies each published revision
  # (tests/follow_test.cpp, docs/deploy.md).
  rsync
  # Browser tests: Debian's Chromium, driven by playwright-core from npm.
  chromium
  # Fuzz targets (scripts/fuzz.sh): clang 14; libFuzzer's runtime is in
  # libclang-rt-14-dev, which clang only recommends.
  clang libclang-rt-14-dev
)
# Node.js only when there is none: a newer one (e.g. from NodeSource, which
# bundles npm and conflicts with Debian's npm package) may be installed.
command -v node >/dev/null || packages+=(nodejs npm)
packages+=("${bench_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file (npm ci
# writes node_modules/.package-lock.json, so its age tells). Without npm or
# the registry the build goes on and the browser test reports itself skipped
# (failed under CI).
browser=tests/browser
if [ ! -f "$browser/node_modules/.package-lock.json" ] \
  || [ "$browser/package-lock.json" -nt "$browser/node_modules/.package-lock.json" ]; then
  if ! command -v npm >/dev/null; then
    echo "install-deps: no npm; the browser tests will not run" >&2
  else
    echo "install-deps: npm ci in $browser" >&2
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || echo "install-deps: npm ci failed in $browser; the browser tests will not run" >&2
  fi
fi
