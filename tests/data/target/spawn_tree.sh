#!/bin/sh
# A server with descendants: a grandchild that sleeps, one that ignores SIGTERM (so only
# SIGKILL ends it), their pids in $FAKE_PID_DIR; then it becomes `hakari sim` on port $1.
set -eu
: "${HAKARI_BIN:?}" "${FAKE_PID_DIR:?}"
sleep 1000 &
echo $! >"$FAKE_PID_DIR/child1.pid"
sh -c 'trap "" TERM; while :; do sleep 1; done' &
echo $! >"$FAKE_PID_DIR/child2.pid"
exec "$HAKARI_BIN" sim --port "$1" --model-name tree
