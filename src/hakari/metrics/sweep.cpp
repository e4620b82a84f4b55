#include "hakari/metrics/sweep.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

namespace hakari::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Loads as they are (1, 0.5, 12.5); throughput to 0.1; changes signed, whole or to 0.1.
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string tps(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}
std::string pct(double v, bool whole) {
  char buf[64];
  if (whole) {
    std::snprintf(buf, sizeof buf, "%+.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%+.1f", v);
  }
  return buf;
}

double change_pct(double base, double value) {
  if (!(base > 0) || !std::isfinite(base) || !std::isfinite(value)) return kNaN;
  return (value / base - 1.0) * 100.0;
}

}  // namespace

bool meets_objectives(const RequestRecord& r, const RequestObjectives& o, bool from_schedule) {
  if (!r.ok()) return false;
  const RequestTimings t = derive_timings(r);
  // From the schedule, the client's own delay (scheduled -> sent) is part of the wait.
  const Nanos start = (from_schedule && r.scheduled > 0) ? r.scheduled : r.sent;
  if (o.ttft_ms) {
    if (!t.ttft_ms) return false;
    if (!(to_ms(r.first_token - start) <= *o.ttft_ms)) return false;
  }
  if (o.tpot_ms && t.tpot_ms && !(*t.tpot_ms <= *o.tpot_ms)) return false;
  if (o.e2e_ms && !(to_ms(r.done - start) <= *o.e2e_ms)) return false;
  return true;
}

double goodput_rps(const std::vector<RequestRecord>& records, const RequestObjectives& o, double duration_s,
                   bool from_schedule) {
  if (!(duration_s > 0) || !std::isfinite(duration_s)) return 0;
  const auto met = std::count_if(records.begin(), records.end(),
                                 [&](const RequestRecord& r) { return meets_objectives(r, o, from_schedule); });
  return static_cast<double>(met) / duration_s;
}

LevelPoint level_point(double load, const CellSummary& s, double goodput) {
  LevelPoint p;
  p.load = load;
  p.throughput_tps = s.output_tokens_per_s;
  p.per_request_tps = s.request_output_tps.n > 0 ? s.request_output_tps.p50 : 0;
  p.goodput_rps = goodput;
  const std::int64_t finished = s.requests_ok + s.requests_failed;
  p.error_rate = finished > 0 ? static_cast<double>(s.requests_failed) / static_cast<double>(finished) : 0;
  return p;
}

Degradation degradation(const LevelPoint& base, const LevelPoint& level) {
  return {change_pct(base.per_request_tps, level.per_request_tps), change_pct(base.throughput_tps, level.throughput_tps)};
}

Knee find_knee(const std::vector<LevelPoint>& input, double growth_threshold, bool judge_slo) {
  Knee k;
  if (input.empty()) {
    k.explanation = "No levels were measured.";
    return k;
  }
  std::vector<LevelPoint> levels = input;
  std::stable_sort(levels.begin(), levels.end(), [](const LevelPoint& a, const LevelPoint& b) { return a.load < b.load; });

  // SLO: the passing prefix.
  std::string slo;
  std::size_t first_fail = levels.size();
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (!levels[i].slo_pass) {
      first_fail = i;
      break;
    }
  }
  if (first_fail == 0) {
    slo = "the lowest load (" + num(levels[0].load) + ") already broke the SLO";
  } else {
    k.highest_passing_load = levels[first_fail - 1].load;
    if (first_fail == levels.size()) {
      slo = "every load up to " + num(*k.highest_passing_load) + " met the SLO";
    } else {
      slo = "loads up to " + num(*k.highest_passing_load) + " met the SLO and " + num(levels[first_fail].load) +
            " broke it";
    }
  }
  if (first_fail < levels.size()) {
    const auto again = std::find_if(levels.begin() + static_cast<std::ptrdiff_t>(first_fail), levels.end(),
                                    [](const LevelPoint& p) { return p.slo_pass; });
    if (again != levels.end()) slo += " (" + num(again->load) + " passed again, not counted)";
  }

  // Saturation: the first step whose throughput grew by less than the threshold's share
  // of the load's growth.
  std::string sat;
  for (std::size_t i = 0; i + 1 < levels.size(); ++i) {
    const LevelPoint& a = levels[i];
    const LevelPoint& b = levels[i + 1];
    if (!(b.load > a.load)) continue;  // same load: not a step
    if (!(a.throughput_tps > 0)) continue;  // growth from nothing is growth
    const double tps_growth = (b.throughput_tps - a.throughput_tps) / a.throughput_tps;
    const double load_growth = a.load > 0 ? (b.load - a.load) / a.load : 1.0;
    if (tps_growth / load_growth < growth_threshold) {
      k.saturation_load = a.load;
      sat = "throughput stopped growing after load " + num(a.load) + " (" + tps(a.throughput_tps) + " → " +
            tps(b.throughput_tps) + " tok/s, " + pct(tps_growth * 100, false) + " % for " +
            pct(load_growth * 100, true) + " % load)";
      break;
    }
  }
  if (levels.size() == 1) {
    sat = "one level gives no step to judge saturation by";
  } else if (!k.saturation_load) {
    const LevelPoint& top = levels.back();
    sat = "throughput still grew up to load " + num(top.load) + " (" + tps(top.throughput_tps) + " tok/s)";
  }
  if (!judge_slo) {
    // No objectives were set: there is no SLO to have met, only throughput to follow.
    k.highest_passing_load.reset();
    sat[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sat[0])));
    k.explanation = sat + ".";
    return k;
  }
  slo[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(slo[0])));
  k.explanation = slo + "; " + sat + ".";
  return k;
}

bool ramp_should_stop(const LevelPoint& level, double max_error_rate) {
  return !level.slo_pass || level.error_rate > max_error_rate;
}

}  // namespace hakari::metrics
