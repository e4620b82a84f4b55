#include "hakari/telemetry/snapshot_json.h"

#include "hakari/core/json_writer.h"

namespace hakari::telemetry {

std::string snapshot_to_json(const Snapshot& s, const catalog::HardwareProfile* hardware,
                             const std::vector<std::string>& notes, int indent) {
  std::string out;
  JsonWriter w(out, indent);
  w.begin_object();
  w.field("t_ns", s.t);
  w.key("cpu");
  if (s.cpu) {
    w.begin_object().field("percent", s.cpu->percent).key("per_core_percent").begin_array();
    for (double p : s.cpu->per_core_percent) w.value(p);
    w.end_array().end_object();
  } else {
    w.null();
  }
  w.key("memory");
  if (s.memory) {
    w.begin_object()
        .field("total_bytes", s.memory->total_bytes)
        .field("used_bytes", s.memory->used_bytes)
        .field("available_bytes", s.memory->available_bytes)
        .field("swap_used_bytes", s.memory->swap_used_bytes)
        .end_object();
  } else {
    w.null();
  }
  w.key("gpus").begin_array();
  for (const auto& g : s.gpus) {
    w.begin_object();
    w.field("id", g.id).field("vendor", g.vendor).field("name", g.name).field("unified_memory", g.unified_memory);
    w.field("busy_percent", g.busy_percent).field("memory_busy_percent", g.memory_busy_percent);
    w.field("memory_used_bytes", g.memory_used_bytes).field("memory_total_bytes", g.memory_total_bytes);
    w.field("gtt_used_bytes", g.gtt_used_bytes).field("gtt_total_bytes", g.gtt_total_bytes);
    w.field("power_w", g.power_w).field("power_average_w", g.power_average_w).field("power_input_w", g.power_input_w);
    w.field("power_scope", g.power_scope).field("energy_j", g.energy_j);
    w.field("temperature_c", g.temperature_c).field("hotspot_c", g.hotspot_c);
    w.field("memory_temperature_c", g.memory_temperature_c);
    w.field("sclk_mhz", g.sclk_mhz).field("mclk_mhz", g.mclk_mhz);
    w.field("throttled", g.throttled).field("throttle_reasons", g.throttle_reasons);
    w.field("dram_read_gbps", g.dram_read_gbps);
    w.end_object();
  }
  w.end_array();
  w.key("energy").begin_array();
  for (const auto& e : s.energy) w.begin_object().field("id", e.id).field("scope", e.scope).field("joules", e.joules).end_object();
  w.end_array();
  w.key("sensors").begin_array();
  for (const auto& x : s.sensors) w.begin_object().field("id", x.id).field("kind", x.kind).field("value", x.value).end_object();
  w.end_array();
  w.key("server_process");
  if (s.server_process) {
    const auto& p = *s.server_process;
    w.begin_object().field("pid", p.root_pid).field("processes", p.process_count).field("cpu_percent", p.cpu_percent);
    w.field("rss_bytes", p.rss_bytes).end_object();
  } else {
    w.null();
  }
  w.key("server");
  if (s.server) {
    const auto& v = *s.server;
    w.begin_object().field("source", v.source).field("kv_cache_usage", v.kv_cache_usage);
    w.field("requests_running", v.requests_running).field("requests_waiting", v.requests_waiting);
    w.field("model_bytes", v.model_bytes).field("vram_bytes", v.vram_bytes).end_object();
  } else {
    w.null();
  }
  w.key("hardware");
  if (hardware) {
    w.begin_object().field("key", hardware->key).field("name", hardware->name);
    w.field("bandwidth_gbs", hardware->bandwidth_gbs).field("practical_bandwidth_gbs", hardware->practical_bandwidth_gbs());
    w.end_object();
  } else {
    w.null();
  }
  w.key("notes").begin_array();
  for (const auto& n : notes) w.value(n);
  w.end_array();
  w.end_object();
  if (indent > 0) out.push_back('\n');
  return out;
}

}  // namespace hakari::telemetry
