#!/usr/bin/env bash
# Installs the Debian 12 packages hakari builds and tests with, if any are missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git
  libcurl4-openssl-dev libsqlite3-dev libsimdjson-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libpoppler-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # The real llama.cpp server the real-server tests use is built by
  # ../shared/peers/build-llama-server.sh, whose model maker needs these (sentencepiece
  # through llama.cpp's gguf-py, which the script itself does not install).
  python3-numpy python3-yaml python3-sentencepiece curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
