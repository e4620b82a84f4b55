#include "hakari/telemetry/series.h"

namespace hakari::telemetry {
namespace {

struct Emitter {
  std::vector<SeriesPoint>& out;
  std::string prefix;
  std::string labels;

  void gauge(const char* field, const char* unit, double v) const {
    out.push_back({prefix + field, unit, SeriesKind::gauge, labels, v});
  }
  template <typename T>
  void gauge(const char* field, const char* unit, const std::optional<T>& v) const {
    if (v) gauge(field, unit, static_cast<double>(*v));
  }
  void counter(const char* field, const char* unit, double v) const {
    out.push_back({prefix + field, unit, SeriesKind::counter, labels, v});
  }
};

}  // namespace

const char* series_kind_name(SeriesKind k) { return k == SeriesKind::gauge ? "gauge" : "counter"; }

void flatten(const Snapshot& s, std::vector<SeriesPoint>& out) {
  if (s.cpu) {
    const Emitter e{out, "cpu.", ""};
    e.gauge("percent", "percent", s.cpu->percent);
    for (std::size_t i = 0; i < s.cpu->per_core_percent.size(); ++i) {
      Emitter{out, "cpu.core" + std::to_string(i) + ".", ""}.gauge("percent", "percent", s.cpu->per_core_percent[i]);
    }
  }
  if (s.memory) {
    const Emitter e{out, "memory.", ""};
    e.gauge("total_bytes", "bytes", static_cast<double>(s.memory->total_bytes));
    e.gauge("used_bytes", "bytes", static_cast<double>(s.memory->used_bytes));
    e.gauge("swap_used_bytes", "bytes", static_cast<double>(s.memory->swap_used_bytes));
  }
  if (s.server_process) {
    const Emitter e{out, "process.", "pid=" + std::to_string(s.server_process->root_pid)};
    e.gauge("cpu_percent", "percent", s.server_process->cpu_percent);
    e.gauge("rss_bytes", "bytes", static_cast<double>(s.server_process->rss_bytes));
    e.gauge("count", "count", static_cast<double>(s.server_process->process_count));
  }
  for (const auto& g : s.gpus) {
    const Emitter e{out, "gpu." + g.id + ".",
                    "vendor=" + g.vendor + ";name=" + g.name + ";power_scope=" + g.power_scope +
                        ";unified_memory=" + (g.unified_memory ? "1" : "0")};
    e.gauge("busy_percent", "percent", g.busy_percent);
    e.gauge("memory_busy_percent", "percent", g.memory_busy_percent);
    e.gauge("memory_used_bytes", "bytes", g.memory_used_bytes);
    e.gauge("memory_total_bytes", "bytes", g.memory_total_bytes);
    e.gauge("gtt_used_bytes", "bytes", g.gtt_used_bytes);
    e.gauge("gtt_total_bytes", "bytes", g.gtt_total_bytes);
    e.gauge("power_w", "watts", g.power_w);
    e.gauge("power_average_w", "watts", g.power_average_w);
    e.gauge("power_input_w", "watts", g.power_input_w);
    if (g.energy_j) e.counter("energy_j", "joules", *g.energy_j);
    e.gauge("temperature_c", "celsius", g.temperature_c);
    e.gauge("hotspot_c", "celsius", g.hotspot_c);
    e.gauge("memory_temperature_c", "celsius", g.memory_temperature_c);
    e.gauge("sclk_mhz", "mhz", g.sclk_mhz);
    e.gauge("mclk_mhz", "mhz", g.mclk_mhz);
    if (g.throttled) e.gauge("throttled", "bool", *g.throttled ? 1.0 : 0.0);
    e.gauge("dram_read_gbps", "gbps", g.dram_read_gbps);
  }
  for (const auto& en : s.energy) {
    Emitter{out, "energy." + en.id + ".", "scope=" + en.scope}.counter("joules", "joules", en.joules);
  }
  for (const auto& sensor : s.sensors) {
    const char* unit = sensor.kind == "temperature_c" ? "celsius" : sensor.kind == "power_w" ? "watts" : "rpm";
    Emitter{out, "sensor." + sensor.id + ".", ""}.gauge(sensor.kind.c_str(), unit, sensor.value);
  }
  if (s.server) {
    const Emitter e{out, "server.", "source=" + s.server->source};
    e.gauge("kv_cache_usage", "ratio", s.server->kv_cache_usage);
    e.gauge("requests_running", "count", s.server->requests_running);
    e.gauge("requests_waiting", "count", s.server->requests_waiting);
    e.gauge("model_bytes", "bytes", s.server->model_bytes);
    e.gauge("vram_bytes", "bytes", s.server->vram_bytes);
  }
}

}  // namespace hakari::telemetry
