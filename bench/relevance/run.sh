#!/usr/bin/env bash
# Build kb, then run the relevance benchmark (bench/relevance/eval.py); args are passed through.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build
if ! command -v python3 >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update && apt-get install -y python3
    else
        echo "run.sh: python3 is required (apt-get install python3)" >&2
        exit 1
    fi
fi
exec python3 bench/relevance/eval.py "$@"
