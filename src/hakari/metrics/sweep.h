// What a sweep of load levels (concurrency or request rate) says: goodput under
// per-request objectives (DistServe's definition), degradation against a base level, the
// knee (the highest load meeting the SLO, and where throughput stopped growing), and
// when a ramp should stop. Pure functions over records and per-level points.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hakari/metrics/request_metrics.h"
#include "hakari/metrics/request_record.h"

namespace hakari::metrics {

// Per-request objectives; an unset one is not judged. A request meets them when it
// succeeded and each set objective holds with <=:
// - TTFT: a successful request that never produced a token fails a TTFT objective (it
//   never delivered a first token);
// - TPOT: a one-token answer has no TPOT and so cannot fail it;
// - E2E: always defined for a successful request.
struct RequestObjectives {
  std::optional<double> ttft_ms, tpot_ms, e2e_ms;
};

// Whether one request met every objective (a failed or cancelled request never does).
// `from_schedule`: TTFT and E2E are measured from RequestRecord::scheduled instead of
// ::sent, so a client that sent late cannot hide the server's queue (no coordinated
// omission); a record without a schedule time (0) falls back to its send time.
bool meets_objectives(const RequestRecord& r, const RequestObjectives& o, bool from_schedule);

// Requests per second that met the objectives, over `duration_s` (normally the cell's
// CellSummary::duration_s, first send to last completion). 0 when duration_s <= 0.
double goodput_rps(const std::vector<RequestRecord>& records, const RequestObjectives& o, double duration_s,
                   bool from_schedule);

struct LevelPoint {
  double load = 0;             // concurrency or offered rate
  double throughput_tps = 0;   // aggregate output tokens/s
  double per_request_tps = 0;  // median per-request output tokens/s (or decode rate)
  double goodput_rps = 0;
  double error_rate = 0;  // failed / finished (ok + failed; cancelled requests are neither)
  bool slo_pass = true;   // the level's percentile SLOs held
};

// A level's point from its cell summary: throughput = output_tokens_per_s, per request =
// the median of request_output_tps, error rate = failed / (ok + failed). slo_pass is left
// true: judging percentile SLOs is the caller's.
LevelPoint level_point(double load, const CellSummary& s, double goodput);

// Change of `level` against `base`, in percent: per_request_pct negative = each request
// got slower; throughput_pct positive = more aggregate throughput. NaN where the base
// figure is not positive (nothing to compare against).
struct Degradation {
  double per_request_pct = 0;
  double throughput_pct = 0;
};
Degradation degradation(const LevelPoint& base, const LevelPoint& level);

struct Knee {
  // The highest load such that it and every lower level met the SLO: a level that passes
  // above a failed one is not counted, since a capacity claim must hold all the way up
  // (and a ramp stops at the first failure anyway). Unset when the lowest level failed.
  std::optional<double> highest_passing_load;
  // The first load after which aggregate throughput grew by less than `growth_threshold`
  // of the load's own growth in the next step: (Δtps / tps) / (Δload / load) < threshold,
  // so fine and coarse steps are judged alike (a linear rise never saturates however
  // small the steps). A fall counts as saturation. Unset when throughput kept growing.
  std::optional<double> saturation_load;
  std::string explanation;  // one sentence with the numbers
};

// Levels are taken in order of load (sorted here); a level with the same load as the one
// before it is not a step and is skipped for saturation.
// Without objectives (`judge_slo` false) there is no passing load, and the explanation
// speaks of throughput alone.
Knee find_knee(const std::vector<LevelPoint>& levels, double growth_threshold = 0.05, bool judge_slo = true);

// Whether a ramp should stop after this level: the SLO broke or the error rate passed
// max_error_rate.
bool ramp_should_stop(const LevelPoint& level, double max_error_rate);

}  // namespace hakari::metrics
