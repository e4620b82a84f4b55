// Service-level objectives as people write them ("ttft_p99_ms=2000,tpot_p50_ms=100,
// error_rate=0.01"): a latency percentile under a limit, or the error rate under one.
// A cell passes when every objective holds; the same thresholds, taken per request, say
// which requests count towards goodput. Latencies are judged from the schedule, the
// honest number: in a closed loop that is the send, in an open loop it includes any wait
// in the client.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hakari/metrics/request_metrics.h"
#include "hakari/metrics/sweep.h"

namespace hakari::metrics {

struct Objective {
  enum class Metric { ttft, tpot, itl, e2e, error_rate };
  Metric metric = Metric::ttft;
  double percentile = 0;  // 50, 90, 95 or 99; 0 for error_rate
  double limit = 0;       // ms, or a fraction 0-1 for error_rate
  std::string name() const;  // "ttft_p99_ms", "error_rate"
};

// "ttft_p99_ms=2000,tpot_p50_ms=100" (items split on ',' or ';'). Metrics: ttft, tpot,
// itl, e2e with p50, p90, p95 or p99 in ms; error_rate as a fraction. nullopt with the
// mistake in `error` (naming the item and what is accepted).
std::optional<std::vector<Objective>> parse_objectives(std::string_view text, std::string& error);
// The canonical text, "ttft_p99_ms=2000;error_rate=0.01", as stored with a run.
std::string objectives_text(const std::vector<Objective>& objectives);

// The value an objective is judged on, from a cell's summary; nullopt when unmeasurable
// (no successful request).
std::optional<double> measured_value(const Objective& o, const CellSummary& s);

// Each latency objective's limit applied to every request (the tightest per metric), for
// goodput; ITL has no per-request form and is left out.
RequestObjectives per_request(const std::vector<Objective>& objectives);
bool has_per_request(const RequestObjectives& o);

}  // namespace hakari::metrics
