#!/usr/bin/env bash
# Decode speed at concurrency 1 three ways, on the same model and threads:
#   llama-bench -n N          the engine alone (no server, no HTTP)
#   server timings            llama-server's own clock (timings.predicted_ms per request)
#   hakari                    the client's clock: (tokens - 1) / (last token - first token)
# and the HTTP path's cost per request: hakari's end-to-end time minus the server's
# prompt_ms + predicted_ms. Models from ../shared/peers (MID=1 adds the 2 GiB ones).
#
#   scripts/bench-vs-llama-bench.sh                 # tiny-f16, tiny-q8_0
#   MID=1 scripts/bench-vs-llama-bench.sh           # and mid-f16, mid-q4_k_m (~10 tokens/s)
#   THREADS=2 TOKENS=128 REQUESTS=10 scripts/bench-vs-llama-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-2}
tokens=${TOKENS:-128}
requests=${REQUESTS:-10}
shared=$(scripts/find-shared.sh)
peer=$(MID=${MID:-0} "$shared/peers/build-llama-server.sh")
scripts/build.sh >/dev/null
out=${OUT:-/tmp/hakari-vs-llama-bench}
rm -rf "$out" && mkdir -p "$out"

models=(tiny-f16 tiny-q8_0)
[ "${MID:-0}" = 1 ] && models+=(mid-f16 mid-q4_k_m)

printf '| model | llama-bench tg%s (t/s) | server timings (t/s) | hakari, client clock (t/s) | hakari vs llama-bench | HTTP path per request (ms) |\n' "$tokens"
printf '|---|---:|---:|---:|---:|---:|\n'
for m in "${models[@]}"; do
  gguf="$peer/models/$m.gguf"
  [ -s "$gguf" ] || { echo "missing $gguf" >&2; exit 1; }
  "$peer/bin/llama-bench" -m "$gguf" -p 0 -n "$tokens" -t "$threads" -r 5 -o json >"$out/$m-bench.json" 2>"$out/$m-bench.log"
  port=$((18300 + RANDOM % 1000))
  "$peer/bin/llama-server" -m "$gguf" --host 127.0.0.1 --port "$port" -t "$threads" -np 1 -c 2048 --metrics \
    >"$out/$m-server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  build/hakari run --target "http://127.0.0.1:$port" --api llamacpp -c 1 -n "$requests" --warmup 1 \
    --prompt-tokens 16 --max-tokens "$tokens" --out "$out/$m" --quiet --telemetry-interval-ms 0 >/dev/null
  kill "$server" && wait "$server" 2>/dev/null || true
  python3 - "$out/$m-bench.json" "$out/$m/results.db" "$m" <<'EOF'
import json, sqlite3, statistics, sys
bench = json.load(open(sys.argv[1]))
tg = [b for b in bench if b.get("n_gen", 0) > 0][0]
db = sqlite3.connect(sys.argv[2])
rows = db.execute("SELECT output_tokens, first_token_ns, last_token_ns, server_predicted_n, server_predicted_ms, "
                  "server_prompt_ms, sent_ns, done_ns FROM requests WHERE status = 'ok'").fetchall()
client = statistics.median((n - 1) / ((last - first) / 1e9) for n, first, last, *_ in rows)
server = statistics.median((pn - 1) / (pms / 1e3) for _, _, _, pn, pms, *_ in rows)
http = statistics.median((done - sent) / 1e6 - (prompt_ms + pms) for _, _, _, _, pms, prompt_ms, sent, done in rows)
print(f"| {sys.argv[3]} | {tg['avg_ts']:.1f} ± {tg['stddev_ts']:.1f} | {server:.1f} | {client:.1f} | "
      f"{(client / tg['avg_ts'] - 1) * 100:+.1f} % | {http:.2f} |")
EOF
done
echo "raw files: $out" >&2
