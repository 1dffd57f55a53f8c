#!/usr/bin/env bash
# Installs the Debian 12 packages kb needs to build, test and benchmark.
# Idempotent and non-interactive: installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libxapian-dev libsqlite3-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
  libcpp-httplib-dev libssl-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev
  libmstch-dev libboost-dev libicu-dev catch2
  libvoikko-dev voikko-fi libhunspell-dev hunspell-pl libcld2-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
