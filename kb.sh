#!/usr/bin/env bash
# The two commands of the README's quick start.
#   ./kb.sh serve   build, index the bundled help center (content/), serve it on
#                   http://127.0.0.1:8080 (KB_PORT, KB_HOST to change)
#   ./kb.sh test    build and run the whole test suite
# KB_BUILD_DIR, KB_BUILD_TYPE and KB_SANITIZE=ON (AddressSanitizer + UBSan)
# choose the build.
set -euo pipefail
cd "$(dirname "$0")"

build_dir=${KB_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)

build() {
  scripts/install-deps.sh
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${KB_BUILD_TYPE:-RelWithDebInfo}" \
    -DKB_SANITIZE="${KB_SANITIZE:-OFF}" >/dev/null
  cmake --build "$build_dir" -j "$jobs"
}

case "${1:-}" in
  serve)
    build
    index_dir=${KB_INDEX:-.kb/index}
    # Exit status 1 means some articles failed (reported above); serve the rest.
    "$build_dir/kb-index" --content content --index "$index_dir" || [ $? -eq 1 ]
    exec "$build_dir/kb-server" --index "$index_dir" --templates templates \
      --host "${KB_HOST:-127.0.0.1}" --port "${KB_PORT:-8080}" --site-name "${KB_SITE_NAME:-Lumen Books Help Center}"
    ;;
  test)
    build
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
    ;;
  *)
    echo "usage: ./kb.sh serve | test" >&2
    exit 2
    ;;
esac
