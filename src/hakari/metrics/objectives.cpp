#include "hakari/metrics/objectives.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace hakari::metrics {
namespace {

constexpr std::string_view kAccepted =
    "give ttft, tpot, itl or e2e with p50, p90, p95 or p99 in ms (e.g. ttft_p99_ms=2000), or error_rate=0.01";

std::string_view metric_word(Objective::Metric m) {
  switch (m) {
    case Objective::Metric::ttft: return "ttft";
    case Objective::Metric::tpot: return "tpot";
    case Objective::Metric::itl: return "itl";
    case Objective::Metric::e2e: return "e2e";
    case Objective::Metric::error_rate: return "error_rate";
  }
  return "?";
}

std::optional<double> finite(double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; }

std::optional<double> at_percentile(const Distribution& d, double p) {
  if (d.n == 0) return std::nullopt;
  if (p == 50) return finite(d.p50);
  if (p == 90) return finite(d.p90);
  if (p == 95) return finite(d.p95);
  return finite(d.p99);
}

}  // namespace

std::string Objective::name() const {
  if (metric == Metric::error_rate) return "error_rate";
  return fmt::format("{}_p{:g}_ms", metric_word(metric), percentile);
}

std::optional<std::vector<Objective>> parse_objectives(std::string_view text, std::string& error) {
  std::vector<Objective> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    const std::size_t end = std::min(text.find_first_of(",;", i), text.size());
    const std::string_view item = text.substr(i, end - i);
    i = end + 1;
    if (item.empty()) {
      if (end == text.size()) break;
      error = "an empty objective in '" + std::string(text) + "'; " + std::string(kAccepted);
      return std::nullopt;
    }
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      error = "'" + std::string(item) + "' has no '=limit'; " + std::string(kAccepted);
      return std::nullopt;
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    Objective o;
    const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), o.limit);
    if (ec != std::errc() || p != value.data() + value.size() || !std::isfinite(o.limit) || o.limit < 0) {
      error = "'" + std::string(item) + "': the limit must be a number >= 0";
      return std::nullopt;
    }
    bool known = false;
    if (key == "error_rate") {
      o.metric = Objective::Metric::error_rate;
      known = o.limit <= 1;
      if (!known) {
        error = "'" + std::string(item) + "': error_rate is a fraction from 0 to 1";
        return std::nullopt;
      }
    } else {
      for (auto m : {Objective::Metric::ttft, Objective::Metric::tpot, Objective::Metric::itl, Objective::Metric::e2e}) {
        for (double pct : {50.0, 90.0, 95.0, 99.0}) {
          Objective candidate{m, pct, o.limit};
          if (candidate.name() == key) o = candidate, known = true;
        }
      }
    }
    if (!known) {
      error = "unknown objective '" + std::string(key) + "'; " + std::string(kAccepted);
      return std::nullopt;
    }
    for (const auto& prev : out) {
      if (prev.name() == o.name()) {
        error = "'" + o.name() + "' is given twice";
        return std::nullopt;
      }
    }
    out.push_back(o);
    if (end == text.size()) break;
  }
  return out;
}

std::string objectives_text(const std::vector<Objective>& objectives) {
  std::string out;
  for (const auto& o : objectives) out += fmt::format("{}{}={:g}", out.empty() ? "" : ";", o.name(), o.limit);
  return out;
}

std::optional<double> measured_value(const Objective& o, const CellSummary& s) {
  switch (o.metric) {
    case Objective::Metric::ttft: return at_percentile(s.ttft_from_schedule_ms, o.percentile);
    case Objective::Metric::tpot: return at_percentile(s.tpot_ms, o.percentile);
    case Objective::Metric::itl: return at_percentile(s.itl_ms, o.percentile);
    case Objective::Metric::e2e: return at_percentile(s.e2e_from_schedule_ms, o.percentile);
    case Objective::Metric::error_rate: {
      const auto n = s.requests_ok + s.requests_failed;
      if (n == 0) return std::nullopt;
      return static_cast<double>(s.requests_failed) / static_cast<double>(n);
    }
  }
  return std::nullopt;
}

RequestObjectives per_request(const std::vector<Objective>& objectives) {
  RequestObjectives r;
  auto tighten = [](std::optional<double>& slot, double limit) { slot = slot ? std::min(*slot, limit) : limit; };
  for (const auto& o : objectives) {
    if (o.metric == Objective::Metric::ttft) tighten(r.ttft_ms, o.limit);
    if (o.metric == Objective::Metric::tpot) tighten(r.tpot_ms, o.limit);
    if (o.metric == Objective::Metric::e2e) tighten(r.e2e_ms, o.limit);
  }
  return r;
}

bool has_per_request(const RequestObjectives& o) { return o.ttft_ms || o.tpot_ms || o.e2e_ms; }

}  // namespace hakari::metrics
