#include "hakari/metrics/sweep.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hakari::metrics {
namespace {

constexpr Nanos ms = kNanosPerMilli;

// Scheduled at `scheduled`, sent `queue` later, first token `ttft` after the send, then a
// token every `itl`, done 1 ms after the last token.
RequestRecord request(Nanos scheduled, Nanos queue, Nanos ttft, Nanos itl, int tokens) {
  RequestRecord r;
  r.scheduled = scheduled;
  r.sent = scheduled + queue;
  for (int i = 0; i < tokens; ++i) r.chunks.push_back({r.sent + ttft + i * itl, 1});
  r.first_token = r.sent + ttft;
  r.last_token = r.sent + ttft + (tokens - 1) * itl;
  r.done = r.last_token + 1 * ms;
  r.output_tokens = tokens;
  r.client_tokens = tokens;
  r.output_tokens_source = CountSource::server_usage;
  return r;
}

TEST(MeetsObjectives, EachObjectiveIsJudgedWithLessOrEqual) {
  // TTFT 50, TPOT 20, E2E 50 + 9 * 20 + 1 = 231 ms.
  const RequestRecord r = request(1000 * ms, 0, 50 * ms, 20 * ms, 10);
  EXPECT_TRUE(meets_objectives(r, {}, false));
  EXPECT_TRUE(meets_objectives(r, {50.0, 20.0, 231.0}, false));
  EXPECT_FALSE(meets_objectives(r, {49.9, {}, {}}, false));
  EXPECT_FALSE(meets_objectives(r, {{}, 19.9, {}}, false));
  EXPECT_FALSE(meets_objectives(r, {{}, {}, 230.9}, false));
}

TEST(MeetsObjectives, FromTheScheduleTheClientsDelayCounts) {
  // Meant to go at 1000 ms, sent 30 ms late: TTFT 50 from the send, 80 from the schedule.
  const RequestRecord r = request(1000 * ms, 30 * ms, 50 * ms, 20 * ms, 10);
  const RequestObjectives ttft60{60.0, {}, {}};
  EXPECT_TRUE(meets_objectives(r, ttft60, false));
  EXPECT_FALSE(meets_objectives(r, ttft60, true));
  const RequestObjectives e2e250{{}, {}, 250.0};
  EXPECT_TRUE(meets_objectives(r, e2e250, false));   // 231 ms
  EXPECT_FALSE(meets_objectives(r, e2e250, true));   // 261 ms
  // TPOT does not depend on when the request was sent.
  EXPECT_TRUE(meets_objectives(r, {{}, 20.0, {}}, true));
  // No schedule time: the send time is used.
  RequestRecord unscheduled = r;
  unscheduled.scheduled = 0;
  EXPECT_TRUE(meets_objectives(unscheduled, ttft60, true));
}

TEST(MeetsObjectives, FailuresNeverMeetThemAndUndefinedTimingsAreSettled) {
  RequestRecord failed = request(0, 0, 10 * ms, 10 * ms, 3);
  failed.status = RequestStatus::failed;
  EXPECT_FALSE(meets_objectives(failed, {}, false));
  RequestRecord cancelled = request(0, 0, 10 * ms, 10 * ms, 3);
  cancelled.status = RequestStatus::cancelled;
  EXPECT_FALSE(meets_objectives(cancelled, {}, false));
  // A one-token answer has no TPOT and cannot fail a TPOT objective.
  EXPECT_TRUE(meets_objectives(request(0, 0, 10 * ms, 10 * ms, 1), {{}, 0.001, {}}, false));
  // A successful answer without a token never delivered a first token.
  RequestRecord empty = request(0, 0, 10 * ms, 10 * ms, 1);
  empty.chunks.clear();
  empty.first_token = empty.last_token = 0;
  empty.output_tokens = 0;
  EXPECT_FALSE(meets_objectives(empty, {1000.0, {}, {}}, false));
  EXPECT_TRUE(meets_objectives(empty, {{}, 1.0, 1000.0}, false));
}

TEST(Goodput, CountsRequestsMeetingTheObjectivesPerSecond) {
  std::vector<RequestRecord> records;
  for (int i = 0; i < 7; ++i) records.push_back(request(i * 100 * ms, 0, 40 * ms, 10 * ms, 5));   // meet
  for (int i = 0; i < 2; ++i) records.push_back(request(i * 100 * ms, 0, 90 * ms, 10 * ms, 5));   // TTFT too slow
  records.push_back(request(0, 0, 40 * ms, 30 * ms, 5));                                          // TPOT too slow
  RequestRecord failed = request(0, 0, 10 * ms, 10 * ms, 5);
  failed.status = RequestStatus::failed;
  records.push_back(failed);
  const RequestObjectives o{50.0, 20.0, {}};
  EXPECT_DOUBLE_EQ(goodput_rps(records, o, 2.0, false), 3.5);
  EXPECT_DOUBLE_EQ(goodput_rps(records, {}, 2.0, false), 5.0);  // every success
  EXPECT_EQ(goodput_rps(records, o, 0, false), 0);
  EXPECT_EQ(goodput_rps(records, o, -1, false), 0);
  EXPECT_EQ(goodput_rps({}, o, 1, false), 0);
  // From the schedule, late sends can push a request out of its objective.
  records[1].scheduled -= 20 * ms;  // TTFT 40 from the send, 60 from the schedule
  EXPECT_DOUBLE_EQ(goodput_rps(records, o, 2.0, true), 3.0);
}

TEST(LevelPoint, ComesFromTheCellSummary) {
  std::vector<RequestRecord> records;
  records.push_back(request(1000 * ms, 0, 50 * ms, 20 * ms, 32));
  records.push_back(request(1100 * ms, 0, 50 * ms, 20 * ms, 32));
  RequestRecord failed = request(1200 * ms, 0, 50 * ms, 20 * ms, 3);
  failed.status = RequestStatus::failed;
  records.push_back(failed);
  RequestRecord cancelled = failed;
  cancelled.status = RequestStatus::cancelled;
  records.push_back(cancelled);
  const CellSummary s = summarize_cell(records, 32);
  const LevelPoint p = level_point(2, s, 1.5);
  EXPECT_EQ(p.load, 2);
  EXPECT_DOUBLE_EQ(p.throughput_tps, s.output_tokens_per_s);
  EXPECT_DOUBLE_EQ(p.per_request_tps, s.request_output_tps.p50);
  EXPECT_EQ(p.goodput_rps, 1.5);
  EXPECT_DOUBLE_EQ(p.error_rate, 1.0 / 3.0);  // the cancelled request is not finished
  EXPECT_TRUE(p.slo_pass);
  EXPECT_EQ(level_point(1, CellSummary{}, 0).error_rate, 0);
}

TEST(Degradation, SignsSayWorsePerRequestAndMoreThroughput) {
  LevelPoint base{1, 50, 50, 0, 0, true};
  LevelPoint busy{10, 180, 40, 0, 0, true};
  const Degradation d = degradation(base, busy);
  EXPECT_DOUBLE_EQ(d.per_request_pct, -20);
  EXPECT_DOUBLE_EQ(d.throughput_pct, 260);
  const Degradation same = degradation(base, base);
  EXPECT_EQ(same.per_request_pct, 0);
  EXPECT_EQ(same.throughput_pct, 0);
  const Degradation faster = degradation(busy, base);
  EXPECT_GT(faster.per_request_pct, 0);
  EXPECT_LT(faster.throughput_pct, 0);
  LevelPoint nothing{1, 0, 0, 0, 0, true};
  EXPECT_TRUE(std::isnan(degradation(nothing, busy).per_request_pct));
  EXPECT_TRUE(std::isnan(degradation(nothing, busy).throughput_pct));
}

std::vector<LevelPoint> curve(const std::vector<double>& loads, const std::vector<double>& tps) {
  std::vector<LevelPoint> out;
  for (std::size_t i = 0; i < loads.size(); ++i) out.push_back({loads[i], tps[i], 0, 0, 0, true});
  return out;
}

TEST(FindKnee, LinearGrowthThenPlateau) {
  const auto levels = curve({1, 2, 4, 8, 16, 32}, {50, 100, 200, 400, 410, 412});
  const Knee k = find_knee(levels);
  ASSERT_TRUE(k.saturation_load);
  EXPECT_EQ(*k.saturation_load, 8);
  ASSERT_TRUE(k.highest_passing_load);
  EXPECT_EQ(*k.highest_passing_load, 32);
  EXPECT_EQ(k.explanation,
            "Every load up to 32 met the SLO; throughput stopped growing after load 8 (400.0 → 410.0 tok/s, +2.5 % "
            "for +100 % load).");
}

TEST(FindKnee, LinearGrowthInSmallStepsIsNotSaturation) {
  std::vector<double> loads, tps;
  for (int c = 10; c <= 40; ++c) loads.push_back(c), tps.push_back(25.0 * c);
  const Knee k = find_knee(curve(loads, tps));
  EXPECT_FALSE(k.saturation_load);
  EXPECT_NE(k.explanation.find("still grew up to load 40 (1000.0 tok/s)"), std::string::npos) << k.explanation;
  // A plateau after it is found at its start, even with steps this small.
  loads.push_back(41), tps.push_back(1000.2);
  EXPECT_EQ(find_knee(curve(loads, tps)).saturation_load, 40);
}

TEST(FindKnee, TheThresholdIsAShareOfTheLoadsGrowth) {
  // Load x2, throughput +8 %: 0.08 of the load's growth.
  const auto levels = curve({10, 20}, {100, 108});
  EXPECT_FALSE(find_knee(levels, 0.05).saturation_load);
  EXPECT_EQ(find_knee(levels, 0.10).saturation_load, 10);
  // A fall is saturation.
  EXPECT_EQ(find_knee(curve({1, 2, 3}, {10, 20, 15})).saturation_load, 2);
}

TEST(FindKnee, SloBreakingAtLevelK) {
  auto levels = curve({1, 5, 10, 20, 40}, {20, 100, 190, 300, 310});
  levels[3].slo_pass = false;  // breaks at 20
  Knee k = find_knee(levels);
  EXPECT_EQ(k.highest_passing_load, 10);
  EXPECT_EQ(k.saturation_load, 20);
  EXPECT_NE(k.explanation.find("Loads up to 10 met the SLO and 20 broke it (40 passed again, not counted)"),
            std::string::npos)
      << k.explanation;
  levels[4].slo_pass = false;
  k = find_knee(levels);
  EXPECT_EQ(k.highest_passing_load, 10);
  EXPECT_EQ(k.explanation.find("passed again"), std::string::npos);
  levels[0].slo_pass = false;  // the lowest level already fails
  k = find_knee(levels);
  EXPECT_FALSE(k.highest_passing_load);
  EXPECT_EQ(k.explanation.rfind("The lowest load (1) already broke the SLO", 0), 0u) << k.explanation;
}

TEST(FindKnee, LevelsAreSortedAndRepeatedLoadsAreNotSteps) {
  const auto sorted = curve({1, 2, 4, 8}, {10, 20, 40, 41});
  auto shuffled = sorted;
  std::swap(shuffled[0], shuffled[3]);
  std::swap(shuffled[1], shuffled[2]);
  EXPECT_EQ(find_knee(shuffled).saturation_load, 4);
  EXPECT_EQ(find_knee(shuffled).explanation, find_knee(sorted).explanation);
  // A repeated load (a repetition of the level) is no step, and no saturation.
  EXPECT_FALSE(find_knee(curve({1, 2, 2, 4}, {10, 20, 20, 40})).saturation_load);
}

TEST(FindKnee, EdgeCases) {
  const Knee none = find_knee({});
  EXPECT_FALSE(none.highest_passing_load);
  EXPECT_FALSE(none.saturation_load);
  EXPECT_EQ(none.explanation, "No levels were measured.");
  const Knee one = find_knee(curve({4}, {100}));
  EXPECT_EQ(one.highest_passing_load, 4);
  EXPECT_FALSE(one.saturation_load);
  EXPECT_EQ(one.explanation, "Every load up to 4 met the SLO; one level gives no step to judge saturation by.");
  // Growth from zero throughput is growth.
  EXPECT_FALSE(find_knee(curve({1, 2}, {0, 10})).saturation_load);
  // Fractional rates print as they are.
  EXPECT_EQ(find_knee(curve({0.5, 1.5}, {10, 10})).saturation_load, 0.5);
}

TEST(RampShouldStop, OnABrokenSloOrTooManyErrors) {
  LevelPoint p{8, 100, 10, 5, 0.0, true};
  EXPECT_FALSE(ramp_should_stop(p, 0.05));
  p.error_rate = 0.05;
  EXPECT_FALSE(ramp_should_stop(p, 0.05));
  p.error_rate = 0.06;
  EXPECT_TRUE(ramp_should_stop(p, 0.05));
  p.error_rate = 0;
  p.slo_pass = false;
  EXPECT_TRUE(ramp_should_stop(p, 0.05));
}

}  // namespace
}  // namespace hakari::metrics
