#!/usr/bin/env bash
# Prints the folder of the shared material beside the clone (peers/, datasets/):
# $HAKARI_SHARED_DIR, or ../shared next to the repository (or /work/shared, where the
# workplace keeps it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
for d in "${HAKARI_SHARED_DIR:-}" "$repo/../shared" /work/shared; do
  if [ -n "$d" ] && [ -x "$d/peers/build-llama-server.sh" ]; then
    (cd "$d" && pwd)
    exit 0
  fi
done
echo "find-shared: no shared folder with peers/build-llama-server.sh beside $repo; set HAKARI_SHARED_DIR" >&2
exit 1
