#include "hakari/telemetry/telemetry_summary.h"

#include <algorithm>

namespace hakari::telemetry {
namespace {

using Points = std::vector<std::pair<Nanos, double>>;

Points in_window(const Points& points, Nanos start, Nanos end) {
  Points out;
  for (const auto& p : points) {
    if (p.first >= start && p.first <= end) out.push_back(p);
  }
  return out;
}

// Trapezoid integral over the span the points cover, and that span.
std::pair<double, Nanos> integrate(const Points& w) {
  double area = 0;  // value x seconds
  for (std::size_t i = 1; i < w.size(); ++i) {
    area += (w[i - 1].second + w[i].second) / 2 * to_s(w[i].first - w[i - 1].first);
  }
  return {area, w.empty() ? 0 : w.back().first - w.front().first};
}

const SeriesData* find(const std::vector<SeriesData>& series, const std::string& name) {
  for (const auto& s : series) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

GaugeStats stats_of(const std::vector<SeriesData>& series, const std::string& name, const CellFacts& f) {
  const SeriesData* s = find(series, name);
  return s ? gauge_stats(s->points, f.start, f.end) : GaugeStats{};
}

std::optional<double> peak_of(const std::vector<SeriesData>& series, const std::string& name, const CellFacts& f) {
  return stats_of(series, name, f).peak;
}

}  // namespace

std::map<std::string, std::string> parse_labels(const std::string& labels) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < labels.size()) {
    std::size_t end = labels.find(';', i);
    if (end == std::string::npos) end = labels.size();
    const std::string item = labels.substr(i, end - i);
    if (auto eq = item.find('='); eq != std::string::npos) out[item.substr(0, eq)] = item.substr(eq + 1);
    i = end + 1;
  }
  return out;
}

GaugeStats gauge_stats(const Points& points, Nanos start, Nanos end) {
  const Points w = in_window(points, start, end);
  GaugeStats g;
  g.n = w.size();
  if (w.empty()) return g;
  double peak = w.front().second;
  for (const auto& p : w) peak = std::max(peak, p.second);
  g.peak = peak;
  const auto [area, span] = integrate(w);
  g.mean = span > 0 ? area / to_s(span) : w.front().second;
  return g;
}

std::optional<EnergySummary> energy_from_counter(const Points& points, Nanos start, Nanos end) {
  const Points w = in_window(points, start, end);
  if (w.size() < 2 || w.back().first <= w.front().first) return std::nullopt;
  // Sum the increases: a counter that resets (driver reload) loses only that interval.
  double joules = 0;
  for (std::size_t i = 1; i < w.size(); ++i) joules += std::max(0.0, w[i].second - w[i - 1].second);
  EnergySummary e;
  e.method = "counter";
  e.average_w = joules / to_s(w.back().first - w.front().first);
  e.joules = e.average_w * to_s(end - start);
  return e;
}

std::optional<EnergySummary> energy_from_power(const Points& points, Nanos start, Nanos end) {
  const Points w = in_window(points, start, end);
  if (w.empty()) return std::nullopt;
  const auto [area, span] = integrate(w);
  EnergySummary e;
  e.method = "power";
  e.average_w = span > 0 ? area / to_s(span) : w.front().second;
  e.joules = e.average_w * to_s(end - start);
  return e;
}

TelemetrySummary summarize_telemetry(const std::vector<SeriesData>& series, const CellFacts& f) {
  TelemetrySummary t;
  t.samples = stats_of(series, "memory.used_bytes", f).n;
  t.cpu_percent = stats_of(series, "cpu.percent", f);
  t.memory_used_bytes = stats_of(series, "memory.used_bytes", f);
  t.memory_total_bytes = peak_of(series, "memory.total_bytes", f);
  t.process_cpu_percent = stats_of(series, "process.cpu_percent", f);
  t.process_rss_bytes = stats_of(series, "process.rss_bytes", f);
  t.kv_cache_usage = stats_of(series, "server.kv_cache_usage", f);
  t.requests_running = stats_of(series, "server.requests_running", f);
  t.requests_waiting = stats_of(series, "server.requests_waiting", f);

  // GPUs, in the order their series first appear.
  std::vector<std::string> gpu_ids;
  for (const auto& s : series) {
    if (s.name.rfind("gpu.", 0) != 0) continue;
    const auto dot = s.name.rfind('.');
    const std::string id = s.name.substr(4, dot - 4);
    if (std::find(gpu_ids.begin(), gpu_ids.end(), id) == gpu_ids.end()) gpu_ids.push_back(id);
  }
  bool soc_power = false;
  bool any_throttle_signal = false;
  bool any_throttled = false;
  for (const auto& id : gpu_ids) {
    const std::string p = "gpu." + id + ".";
    GpuSummary g;
    g.id = id;
    for (const auto& s : series) {
      if (s.name.rfind(p, 0) == 0) {
        auto labels = parse_labels(s.labels);
        g.vendor = labels["vendor"];
        g.name = labels["name"];
        g.power_scope = labels["power_scope"];
        g.unified_memory = labels["unified_memory"] == "1";
        break;
      }
    }
    g.busy_percent = stats_of(series, p + "busy_percent", f);
    g.memory_used_bytes = stats_of(series, p + "memory_used_bytes", f);
    g.memory_total_bytes = peak_of(series, p + "memory_total_bytes", f);
    g.gtt_used_bytes = stats_of(series, p + "gtt_used_bytes", f);
    g.gtt_total_bytes = peak_of(series, p + "gtt_total_bytes", f);
    g.power_w = stats_of(series, p + "power_w", f);
    g.temperature_c = stats_of(series, p + "temperature_c", f);
    g.sclk_mhz = stats_of(series, p + "sclk_mhz", f);
    if (auto th = stats_of(series, p + "throttled", f); th.n > 0) {
      g.throttled = th.peak.value_or(0) > 0;
      any_throttle_signal = true;
      any_throttled = any_throttled || *g.throttled;
    }
    // A device energy counter beats integrated power readings.
    std::optional<EnergySummary> e;
    if (const SeriesData* c = find(series, p + "energy_j")) e = energy_from_counter(c->points, f.start, f.end);
    if (!e) {
      if (const SeriesData* pw = find(series, p + "power_w")) e = energy_from_power(pw->points, f.start, f.end);
    }
    if (e) {
      e->id = "gpu." + id;
      e->scope = g.power_scope.empty() ? "gpu" : g.power_scope;
      soc_power = soc_power || e->scope == "soc";
      t.energy_sources.push_back(*e);
    }
    t.gpus.push_back(std::move(g));
  }
  if (any_throttle_signal) t.throttled = any_throttled;

  // Host energy counters (RAPL); GPU-scoped counters are already counted above.
  for (const auto& s : series) {
    if (s.name.rfind("energy.", 0) != 0) continue;
    const std::string scope = parse_labels(s.labels)["scope"];
    if (scope == "gpu") continue;
    if (auto e = energy_from_counter(s.points, f.start, f.end)) {
      e->id = s.name.substr(7, s.name.rfind('.') - 7);
      e->scope = scope;
      t.energy_sources.push_back(*e);
    }
  }
  double total = 0;
  bool any = false;
  for (const auto& e : t.energy_sources) {
    const bool counts = e.scope == "gpu" || e.scope == "soc" || (e.scope == "cpu-package" && !soc_power);
    if (!counts) continue;
    total += e.joules;
    any = true;
    if (!t.energy_basis.empty()) t.energy_basis += " + ";
    t.energy_basis += e.id + " (" + e.scope + ", " + e.method + ")";
  }
  if (any && f.end > f.start) {
    t.energy_j = total;
    t.average_power_w = total / to_s(f.end - f.start);
    if (f.output_tokens > 0 && total > 0) {
      t.joules_per_output_token = total / static_cast<double>(f.output_tokens);
      t.output_tokens_per_joule = static_cast<double>(f.output_tokens) / total;
    }
  }

  if (f.model_bytes && *f.model_bytes > 0) {
    t.bytes_per_token = static_cast<double>(*f.model_bytes);
    if (f.tpot_p50_ms && *f.tpot_p50_ms > 0) {
      t.effective_bandwidth_gbs = *t.bytes_per_token * (1000.0 / *f.tpot_p50_ms) / 1e9;
    }
  }
  if (f.hardware) {
    t.hardware = std::string(f.hardware->key);
    t.hardware_bandwidth_gbs = f.hardware->practical_bandwidth_gbs();
    if (t.effective_bandwidth_gbs) {
      t.percent_of_hardware_bandwidth = 100.0 * *t.effective_bandwidth_gbs / *t.hardware_bandwidth_gbs;
    }
  }
  return t;
}

}  // namespace hakari::telemetry
