#!/usr/bin/env bash
# Builds hakari with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and
# runs the unit tests and the fuzz corpus replays there (the whole-program e2e and
# real-server suites run in the normal build). Any report fails the run.
#   scripts/sanitize.sh              # what CI runs after scripts/test.sh
#   scripts/sanitize.sh -R Sim       # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -f build-asan/build.ninja ]; then
  # -O0 compiles fastest (2 cores), and the unit tests stay quick unoptimised; -g1 still
  # gives line numbers in sanitizer reports.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
    -DHAKARI_SANITIZE=address,undefined -DHAKARI_BUILD_BENCH=OFF >/dev/null
fi
cmake --build build-asan --parallel "${HAKARI_JOBS:-$(nproc)}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" -LE 'e2e|real-server' "$@"
