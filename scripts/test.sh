#!/usr/bin/env bash
# Installs what is missing, builds, builds the real llama.cpp server the `real-server`
# tests run against (once per machine, cached outside the clone), and runs every test.
#   HAKARI_SKIP_REAL_SERVER=1 scripts/test.sh    # without the real server (the tests say they skipped)
#   scripts/test.sh -L sim                       # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ "${HAKARI_SKIP_REAL_SERVER:-0}" != 1 ]; then
  shared=$(scripts/find-shared.sh)
  HAKARI_PEER_DIR=$("$shared/peers/build-llama-server.sh")
  export HAKARI_PEER_DIR
fi
scripts/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)" "$@"
