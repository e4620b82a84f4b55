#!/bin/bash
# A check of the NVML sampler on a real NVIDIA GPU, which no unit test can do. Run from the
# repository root on a machine with the driver (and, for step 2, the CUDA toolkit's
# nvml.h; for step 4, PyTorch; for step 5, nvidia-ml-py). Output goes to stdout and, when
# $OUT is set, to $OUT/real_gpu_check.txt.
#   1. nvidia-smi's view, to compare by eye with the probe's
#   2. nvml_api.h (hakari's own declarations) checked against NVIDIA's nvml.h
#   3. the sampler idle: nvml_probe, two samples a second apart
#   4. the sampler under load (a bf16 matrix product loop): busy, power and energy rise
#   5. the same readings through NVIDIA's Python bindings
set -u
if [ -n "${OUT:-}" ]; then exec > >(tee "$OUT/real_gpu_check.txt") 2>&1; fi
step() { echo; echo "=== $*"; }
CXX=${CXX:-g++}
FLAGS="-std=c++20 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Isrc"

step "1. nvidia-smi"
nvidia-smi -L
nvidia-smi --query-gpu=name,driver_version,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,temperature.gpu,clocks.sm,clocks.mem --format=csv
nvidia-smi --query-gpu=power.draw.average,power.draw.instant,clocks_event_reasons.active --format=csv || true

step "2. nvml_api.h against nvml.h"
H=$(ls /usr/local/cuda/include/nvml.h /usr/local/cuda/targets/x86_64-linux/include/nvml.h /usr/include/nvml.h 2>/dev/null | head -1)
if [ -n "$H" ]; then
  echo "using $H"
  $CXX $FLAGS -isystem "$(dirname "$H")" tests/telemetry_nvml/nvml_abi_check.cpp -o /tmp/nvml_abi_check &&
    /tmp/nvml_abi_check && echo "ABI CHECK OK"
else
  echo "no nvml.h here: skipped"
fi

step "3. idle"
if ! $CXX $FLAGS tests/telemetry_nvml/nvml_probe.cpp src/hakari/telemetry/nvml/nvml_sampler.cpp -ldl -o /tmp/nvml_probe; then
  echo "build failed here; using the carried build-nvml/nvml_probe"
  cp build-nvml/nvml_probe /tmp/nvml_probe
fi
timeout 30 /tmp/nvml_probe 2 1000

step "4. under load"
rm -f /tmp/load_started
timeout 60 python3 -c "
import time, torch
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
(a @ a).sum().item()
open('/tmp/load_started', 'w').close()
t = time.time()
while time.time() - t < 10:
    for _ in range(20): a @ a
    torch.cuda.synchronize()
" &
LOAD=$!
for _ in $(seq 120); do [ -f /tmp/load_started ] && break; kill -0 $LOAD 2>/dev/null || break; sleep 0.5; done
sleep 1
timeout 30 /tmp/nvml_probe 4 1000 &
PROBE=$!
timeout 4 nvidia-smi --query-gpu=utilization.gpu,utilization.memory,power.draw,temperature.gpu,clocks.sm,clocks.mem --format=csv -l 1
wait $PROBE
nvidia-smi -q -d MEMORY | grep -A5 "FB Memory Usage"
wait $LOAD

step "5. nvidia-ml-py"
nvidia-smi -q -d MEMORY | grep -A5 "FB Memory Usage"
timeout 30 python3 -c "
import ctypes, pynvml as n
n.nvmlInit()
h = n.nvmlDeviceGetHandleByIndex(0)
print('name', n.nvmlDeviceGetName(h))
u = n.nvmlDeviceGetUtilizationRates(h); print('util', u.gpu, u.memory)
m = n.nvmlDeviceGetMemoryInfo(h); print('mem v1 used/free/total', m.used, m.free, m.total)
m = n.nvmlDeviceGetMemoryInfo(h, version=n.nvmlMemory_v2); print('mem v2 used/reserved/free/total', m.used, m.reserved, m.free, m.total)
print('power mW', n.nvmlDeviceGetPowerUsage(h), 'energy mJ', n.nvmlDeviceGetTotalEnergyConsumption(h))
print('fields', [(f.fieldId, f.nvmlReturn, f.valueType, f.value.uiVal) for f in n.nvmlDeviceGetFieldValues(h, [185, 186])])
print('reasons', hex(n.nvmlDeviceGetCurrentClocksEventReasons(h)))
print('sizeof nvmlFieldValue_t', ctypes.sizeof(n.c_nvmlFieldValue_t))
n.nvmlShutdown()
" || true
