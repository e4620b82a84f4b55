#!/usr/bin/env bash
# Device check for issue 3: hakari telemetry on a real NVIDIA GPU, idle and under load.
set -u
export LD_LIBRARY_PATH=$PWD/dist/lib
B=$PWD/dist/hakari
nvidia-smi --query-gpu=name,driver_version,power.draw,utilization.gpu,memory.used,memory.total,temperature.gpu --format=csv | tee $OUT/nvidia-smi-idle.csv
$B telemetry --once --json --interval-ms 500 > $OUT/telemetry-once-idle.json 2>$OUT/telemetry-once-idle.err; echo "once rc=$?"
$B telemetry --once --interval-ms 500 > $OUT/telemetry-once-idle.txt 2>&1
python3 - > $OUT/load.log 2>&1 <<'PY' &
import torch, time
a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
t = time.time()
while time.time() - t < 45:
    a = a @ a
    a = a / a.norm()
torch.cuda.synchronize()
print("load done")
PY
LOAD=$!
sleep 8
nvidia-smi --query-gpu=name,power.draw,utilization.gpu,memory.used,temperature.gpu,clocks.sm --format=csv | tee $OUT/nvidia-smi-load.csv
$B telemetry --once --json --interval-ms 500 > $OUT/telemetry-once-load.json 2>&1
$B sim --port 0 --weights-gb 16 --bandwidth-gbs 4000 --slots 8 > $OUT/sim.url 2>$OUT/sim.log &
SIM=$!
for i in $(seq 50); do [ -s $OUT/sim.url ] && break; sleep 0.1; done
$B run --target $(head -1 $OUT/sim.url) --concurrency 1,8 --requests 24 --max-tokens 64 --hardware h200 \
  --out $OUT/run-under-load --quiet > $OUT/run-under-load.txt 2>&1; echo "run rc=$?"
kill $SIM; wait $SIM
wait $LOAD
cat $OUT/telemetry-once-idle.txt
cat $OUT/run-under-load.txt
python3 -c "
import json; d=json.load(open('$OUT/run-under-load/summary.json'))
for c in d['cells']:
  t=c['telemetry']; g=t['gpus'][0] if t['gpus'] else {}
  print(c['concurrency'], g.get('name'), g.get('busy_percent'), g.get('power_w'), t['energy'])
"
