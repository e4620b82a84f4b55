#!/usr/bin/env bash
# Configures (once) and builds hakari into build/; the program is build/hakari.
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${HAKARI_BUILD_TYPE:-RelWithDebInfo}
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
fi
cmake --build build --parallel "${HAKARI_JOBS:-$(nproc)}"
