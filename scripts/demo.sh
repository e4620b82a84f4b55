#!/usr/bin/env bash
# The quick benchmark: installs what is missing, builds, starts the built-in simulator
# (a 7B-class model at Q4 on an EVO-X2-like memory system), benchmarks it at three
# concurrency levels and prints the summary. Files land in hakari-results/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

out=${1:-hakari-results/demo}
work=$(mktemp -d)
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

build/hakari sim --port 0 --weights-gb 4.4 --bandwidth-gbs 212 --prefill-tps 1500 --slots 8 \
  >"$work/url" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 100); do
  [ -s "$work/url" ] && break
  sleep 0.1
done
url=$(head -n1 "$work/url")
[ -n "$url" ] || { echo "demo: the simulator did not start:" >&2; cat "$work/sim.log" >&2; exit 1; }

rm -rf "$out"
build/hakari run --target "$url" --concurrency 1,4,8 --requests 16 --prompt-tokens 256 \
  --max-tokens 64 --out "$out"
echo
echo "Report: $out/summary.md · raw records: $out/results.db (SQLite)"
