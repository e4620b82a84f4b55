// What the telemetry of one measured window says: mean and peak of each signal, the
// energy spent and its cost per output token, throttling, and how much of the memory
// system's bandwidth the decode used. Pure functions over stored series.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hakari/catalog/hardware.h"
#include "hakari/core/clock.h"

namespace hakari::telemetry {

// One stored series with its points (sorted by time).
struct SeriesData {
  std::string name;
  std::string unit;
  std::string kind;  // "gauge" | "counter"
  std::string labels;
  std::vector<std::pair<Nanos, double>> points;
};

struct GaugeStats {
  std::size_t n = 0;
  std::optional<double> mean;  // time-weighted over the window
  std::optional<double> peak;
};

struct GpuSummary {
  std::string id;
  std::string vendor;
  std::string name;
  std::string power_scope;
  bool unified_memory = false;
  GaugeStats busy_percent;
  GaugeStats memory_used_bytes;
  std::optional<double> memory_total_bytes;
  GaugeStats gtt_used_bytes;
  std::optional<double> gtt_total_bytes;
  GaugeStats power_w;
  GaugeStats temperature_c;
  GaugeStats sclk_mhz;
  std::optional<bool> throttled;  // nullopt: the device gives no throttle signal
};

struct EnergySummary {
  std::string id;      // "gpu.nvml:0", "rapl:package-0"
  std::string scope;   // "gpu", "soc", "cpu-package", ...
  std::string method;  // "counter" (device energy counter) | "power" (integrated power readings)
  double joules = 0;   // over the whole window
  double average_w = 0;
};

struct CellFacts {
  Nanos start = 0;
  Nanos end = 0;
  std::int64_t output_tokens = 0;
  std::optional<double> tpot_p50_ms;       // per-sequence decode step time
  std::optional<std::int64_t> model_bytes;  // bytes read per decode step (dense model weights)
  const catalog::HardwareProfile* hardware = nullptr;
};

struct TelemetrySummary {
  std::size_t samples = 0;  // snapshots inside the window
  GaugeStats cpu_percent;
  GaugeStats memory_used_bytes;
  std::optional<double> memory_total_bytes;
  GaugeStats process_cpu_percent;
  GaugeStats process_rss_bytes;
  std::vector<GpuSummary> gpus;
  std::vector<EnergySummary> energy_sources;
  // The energy attributed to the work: every GPU, plus the CPU package unless a GPU's
  // power already covers the whole SoC (an APU's PPT includes its CPU cores).
  std::optional<double> energy_j;
  std::optional<double> average_power_w;
  std::string energy_basis;  // which sources make up energy_j
  std::optional<double> joules_per_output_token;
  std::optional<double> output_tokens_per_joule;
  std::optional<bool> throttled;
  GaugeStats kv_cache_usage;
  GaugeStats requests_running;
  GaugeStats requests_waiting;
  // Effective memory bandwidth of decode: bytes per step x steps per second.
  std::optional<double> bytes_per_token;
  std::optional<double> effective_bandwidth_gbs;
  std::optional<double> hardware_bandwidth_gbs;   // practical (measured where known)
  std::optional<double> percent_of_hardware_bandwidth;
  std::string hardware;  // profile key
};

// Mean (time-weighted, each point holding until the next) and peak of the points in [start, end].
GaugeStats gauge_stats(const std::vector<std::pair<Nanos, double>>& points, Nanos start, Nanos end);

// Energy over [start, end] from a cumulative counter (joules), scaled from the span the
// points cover to the whole window. nullopt with fewer than two points inside.
std::optional<EnergySummary> energy_from_counter(const std::vector<std::pair<Nanos, double>>& points, Nanos start,
                                                 Nanos end);
// Energy over [start, end] from power readings (watts): the time-weighted mean power times
// the window.
std::optional<EnergySummary> energy_from_power(const std::vector<std::pair<Nanos, double>>& points, Nanos start,
                                               Nanos end);

TelemetrySummary summarize_telemetry(const std::vector<SeriesData>& series, const CellFacts& facts);

// "vendor=amd;name=Radeon 8060S" -> {"vendor": "amd", "name": "Radeon 8060S"}
std::map<std::string, std::string> parse_labels(const std::string& labels);

}  // namespace hakari::telemetry
