// One moment of telemetry: what every sampler read at (about) the same time, on the
// monotonic clock the requests are timed with. Fields a machine cannot measure stay empty
// (std::nullopt); nothing is ever guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hakari/core/clock.h"

namespace hakari::telemetry {

struct CpuReading {
  std::optional<double> percent;        // all cores, 0-100, since the previous sample
  std::vector<double> per_core_percent;  // empty until two samples exist
};

struct MemoryReading {
  std::int64_t total_bytes = 0;
  std::int64_t used_bytes = 0;  // total - available
  std::int64_t available_bytes = 0;
  std::int64_t swap_used_bytes = 0;
};

// The serving process and all its descendants (llama-server workers, vLLM's engine core).
struct ProcessReading {
  int root_pid = 0;
  int process_count = 0;
  std::optional<double> cpu_percent;  // of one core (200 % = two cores busy)
  std::int64_t rss_bytes = 0;
};

struct GpuReading {
  std::string id;      // stable within a run: "amdgpu:card1", "nvml:0"
  std::string vendor;  // "amd" | "nvidia"
  std::string name;    // product name where known, else the PCI id
  bool unified_memory = false;  // an APU: the model lives in GTT (system RAM), not VRAM
  std::optional<double> busy_percent;
  std::optional<double> memory_busy_percent;
  std::optional<std::int64_t> memory_used_bytes;  // VRAM (on an APU: the BIOS carve-out only)
  std::optional<std::int64_t> memory_total_bytes;
  std::optional<std::int64_t> gtt_used_bytes;  // amdgpu: system memory mapped for the GPU
  std::optional<std::int64_t> gtt_total_bytes;
  std::optional<double> power_w;          // the best single figure: input if present, else average
  std::optional<double> power_average_w;  // amdgpu power1_average / NVML average
  std::optional<double> power_input_w;    // amdgpu power1_input / NVML instant
  std::string power_scope;                // "gpu" or "soc" (an APU's PPT includes the CPU cores)
  std::optional<double> energy_j;         // cumulative counter where the device keeps one (NVML)
  std::optional<double> temperature_c;    // edge / GPU core
  std::optional<double> hotspot_c;
  std::optional<double> memory_temperature_c;
  std::optional<double> sclk_mhz;  // shader / graphics clock
  std::optional<double> mclk_mhz;  // memory clock
  std::optional<bool> throttled;   // the device says it is holding clocks back now
  std::string throttle_reasons;    // comma-separated, as the device names them
  std::optional<double> dram_read_gbps;  // gpu_metrics average_dram_reads, where trustworthy
};

// A cumulative energy counter, unwrapped: RAPL package, NVML total energy.
struct EnergyReading {
  std::string id;     // "rapl:package-0", "rapl:package-0:core"
  std::string scope;  // "cpu-package", "cpu-cores", "dram", "gpu", ...
  double joules = 0;
};

// A hwmon sensor not already part of a GPU reading (CPU Tctl, NVMe, board).
struct SensorReading {
  std::string id;    // "hwmon:k10temp:Tctl"
  std::string kind;  // "temperature_c" | "power_w" | "fan_rpm"
  double value = 0;
};

// What the inference server says about itself.
struct ServerReading {
  std::string source;                       // "llama.cpp /metrics", "vllm /metrics", "ollama /api/ps"
  std::optional<double> kv_cache_usage;     // 0-1
  std::optional<double> requests_running;
  std::optional<double> requests_waiting;   // queue length
  std::optional<std::int64_t> model_bytes;  // resident size of the loaded model(s)
  std::optional<std::int64_t> vram_bytes;   // of which on the GPU (Ollama size_vram)
};

struct Snapshot {
  Nanos t = 0;
  std::optional<CpuReading> cpu;
  std::optional<MemoryReading> memory;
  std::optional<ProcessReading> server_process;
  std::vector<GpuReading> gpus;
  std::vector<EnergyReading> energy;
  std::vector<SensorReading> sensors;
  std::optional<ServerReading> server;
};

}  // namespace hakari::telemetry
