// The driver as a fake system under test sees it (LoadGen's way): an in-process simulator
// with fixed timing, and workloads and level plans written here. What is pinned: which
// requests go when, what each record says about its schedule, conversations turn by turn,
// durations, caps and stops.
#include "hakari/driver/driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "sim/sim_test_util.h"

namespace hakari::driver {
namespace {

using metrics::RequestRecord;
using sim::testing::RunningSim;

struct Collector final : DriverObserver {
  std::vector<RequestRecord> measured;
  std::vector<RequestRecord> warmups;
  void on_request_done(RequestRecord&& r, bool warmup) override { (warmup ? warmups : measured).push_back(std::move(r)); }
};

TargetSpec target_of(const RunningSim& sim) {
  TargetSpec t;
  t.base_url = "http://127.0.0.1:" + std::to_string(sim.port());
  t.api = backend::ApiKind::llamacpp_completion;
  return t;
}

double ms(Nanos ns) { return to_ms(ns); }

TEST(Driver, ClosedLoopKeepsTheLevelsUnitsInFlightAndWarmsUpApart) {
  RunningSim sim(sim::testing::fast_fixed(20, 5));
  load::SyntheticWorkload work(1, 16, 8, true);
  Driver d(target_of(sim), work);
  LevelPlan plan;
  plan.concurrency = 3;
  plan.units = 9;
  plan.warmup = 2;
  plan.request_id_prefix = "t";
  Collector c;
  std::atomic<bool> stop{false};
  const LevelResult r = d.run_level(plan, c, stop);
  EXPECT_EQ(r.end, CellEnd::complete);
  EXPECT_EQ(r.never_sent, 0);
  ASSERT_EQ(c.measured.size(), 9u);
  ASSERT_EQ(c.warmups.size(), 2u);
  EXPECT_EQ(c.warmups[0].request_id.rfind("t-w", 0), 0u);
  std::vector<std::int64_t> units;
  for (const auto& rec : c.measured) {
    EXPECT_TRUE(rec.ok()) << rec.error_detail;
    EXPECT_EQ(rec.output_tokens, 8);
    // Closed loop: due the moment its slot freed, sent at once.
    EXPECT_LT(ms(rec.sent - rec.scheduled), 1.0);
    EXPECT_NEAR(ms(rec.first_token - rec.sent), 20.0, 10.0);
    units.push_back(rec.index);
  }
  std::sort(units.begin(), units.end());
  EXPECT_EQ(units, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  // Never more than three at once: the fourth starts after the first finished.
  std::vector<RequestRecord> by_send = c.measured;
  std::sort(by_send.begin(), by_send.end(), [](const auto& a, const auto& b) { return a.sent < b.sent; });
  Nanos first_done = kNever;
  for (int i = 0; i < 3; ++i) first_done = std::min(first_done, by_send[static_cast<std::size_t>(i)].done);
  EXPECT_GE(by_send[3].sent, first_done);
}

// Open loop: each unit goes at its precomputed time, whatever is in flight, and the record
// keeps both the time it was due and the time it went.
TEST(Driver, OpenLoopSendsEachUnitAtItsScheduledTime) {
  RunningSim sim(sim::testing::fast_fixed(10, 5));
  load::SyntheticWorkload work(2, 16, 4, true);
  Driver d(target_of(sim), work);
  LevelPlan plan;
  plan.open_loop = true;
  plan.concurrency = 0;  // no cap
  for (int i = 0; i < 20; ++i) plan.arrivals.push_back({i, i * 15 * kNanosPerMilli});
  Collector c;
  std::atomic<bool> stop{false};
  const Nanos before = now_ns();
  const LevelResult r = d.run_level(plan, c, stop);
  EXPECT_EQ(r.end, CellEnd::complete);
  ASSERT_EQ(c.measured.size(), 20u);
  std::sort(c.measured.begin(), c.measured.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  const Nanos start = c.measured[0].scheduled;
  EXPECT_GE(start, before);
  for (const auto& rec : c.measured) {
    EXPECT_TRUE(rec.ok()) << rec.error_detail;
    EXPECT_EQ(rec.scheduled - start, rec.index * 15 * kNanosPerMilli) << "the schedule itself, exactly";
    EXPECT_GE(rec.sent, rec.scheduled);
    EXPECT_LT(ms(rec.sent - rec.scheduled), 5.0) << "sent on time (unit " << rec.index << ")";
  }
  EXPECT_FALSE(r.wake_delay_us.empty());
}

// A cap on what may be in flight makes arrivals wait in the client: late from their
// schedule, on time from their send. This is what TTFT from the schedule shows and TTFT
// from the send hides.
TEST(Driver, AnOpenLoopAboveTheCapIsLateFromItsScheduleNotFromItsSend) {
  RunningSim sim(sim::testing::fast_fixed(30, 5));
  load::SyntheticWorkload work(3, 16, 4, true);
  Driver d(target_of(sim), work);
  LevelPlan plan;
  plan.open_loop = true;
  plan.concurrency = 1;  // one at a time, each ~45 ms, while one arrives every 10 ms
  for (int i = 0; i < 12; ++i) plan.arrivals.push_back({i, i * 10 * kNanosPerMilli});
  Collector c;
  std::atomic<bool> stop{false};
  d.run_level(plan, c, stop);
  ASSERT_EQ(c.measured.size(), 12u);
  std::sort(c.measured.begin(), c.measured.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  for (const auto& rec : c.measured) EXPECT_NEAR(ms(rec.first_token - rec.sent), 30.0, 15.0) << rec.index;
  const double first_lag = ms(c.measured.front().sent - c.measured.front().scheduled);
  const double last_lag = ms(c.measured.back().sent - c.measured.back().scheduled);
  EXPECT_LT(first_lag, 5.0);
  EXPECT_GT(last_lag, 11 * (45.0 - 10.0) * 0.8) << "the queue in the client grows with every arrival";
}

// A conversation: each turn goes once the previous answer is in, carrying the history.
class ThreeTurns final : public load::Workload {
 public:
  load::PromptSpec first(std::int64_t unit) override {
    load::PromptSpec p;
    p.messages = {{"user", "Remember K-" + std::to_string(unit)}};
    p.max_tokens = 4;
    p.keep_answer = true;
    p.sample_id = "conversation-" + std::to_string(unit);
    return p;
  }
  std::optional<load::PromptSpec> next(std::int64_t, const load::PromptSpec& previous, const load::Answer& a) override {
    if (previous.turn >= 2 || !a.ok) return std::nullopt;
    answers.emplace_back(a.text);
    load::PromptSpec p = previous;
    p.messages.push_back({"assistant", std::string(a.text)});
    p.messages.push_back({"user", "And again?"});
    ++p.turn;
    return p;
  }
  std::string describe() const override { return "three turns"; }
  std::vector<std::string> answers;
};

TEST(Driver, AConversationSendsEachTurnAfterTheLastAnswerWithItsHistory) {
  RunningSim sim(sim::testing::fast_fixed(10, 2));
  ThreeTurns work;
  TargetSpec t = target_of(sim);
  t.api = backend::ApiKind::openai_chat;
  Driver d(t, work);
  LevelPlan plan;
  plan.concurrency = 2;
  plan.units = 3;
  plan.request_id_prefix = "chat";
  Collector c;
  std::atomic<bool> stop{false};
  d.run_level(plan, c, stop);
  ASSERT_EQ(c.measured.size(), 9u);
  std::map<std::int64_t, std::vector<const RequestRecord*>> turns;
  for (const auto& rec : c.measured) turns[rec.index].push_back(&rec);
  ASSERT_EQ(turns.size(), 3u);
  for (auto& [unit, recs] : turns) {
    std::sort(recs.begin(), recs.end(), [](auto* a, auto* b) { return a->turn < b->turn; });
    ASSERT_EQ(recs.size(), 3u);
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(recs[static_cast<std::size_t>(k)]->turn, k);
      EXPECT_EQ(recs[static_cast<std::size_t>(k)]->sample_id, "conversation-" + std::to_string(unit));
    }
    EXPECT_EQ(recs[1]->request_id, "chat-" + std::to_string(unit) + ".1");
    EXPECT_GE(recs[1]->scheduled, recs[0]->done);
    EXPECT_GE(recs[2]->scheduled, recs[1]->done);
    // The answer was kept for the next turn, not for the record (no --save-output).
    EXPECT_TRUE(recs[0]->output_text.empty());
  }
  EXPECT_EQ(work.answers.size(), 6u);
  for (const auto& a : work.answers) EXPECT_FALSE(a.empty());
}

// By duration: units start until it has passed, then the level drains.
TEST(Driver, AClosedLoopByDurationStopsStartingWhenItEnds) {
  RunningSim sim(sim::testing::fast_fixed(10, 5));
  load::SyntheticWorkload work(4, 16, 4, true);
  Driver d(target_of(sim), work);
  LevelPlan plan;
  plan.concurrency = 2;
  plan.units = 0;
  plan.duration = 400 * kNanosPerMilli;
  Collector c;
  std::atomic<bool> stop{false};
  const Nanos t0 = now_ns();
  d.run_level(plan, c, stop);
  const double took = ms(now_ns() - t0);
  EXPECT_GE(took, 400.0);
  EXPECT_LT(took, 600.0);
  // ~30 ms a request, two at a time: about 26 in 400 ms.
  EXPECT_GT(c.measured.size(), 15u);
  EXPECT_LT(c.measured.size(), 40u);
  for (const auto& rec : c.measured) EXPECT_LT(ms(rec.sent - t0), 400.0 + 1.0);
}

// Stopped (Ctrl-C) mid-level: what is in flight ends as cancelled, and the arrivals not
// yet sent are counted, not forgotten.
TEST(Driver, AStopCancelsWhatIsInFlightAndCountsWhatWasNeverSent) {
  RunningSim sim(sim::testing::fast_fixed(2000, 5));  // nothing finishes before the stop
  load::SyntheticWorkload work(5, 16, 4, true);
  Driver d(target_of(sim), work);
  LevelPlan plan;
  plan.open_loop = true;
  plan.concurrency = 0;
  for (int i = 0; i < 10; ++i) plan.arrivals.push_back({i, i * 100 * kNanosPerMilli});
  Collector c;
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    stop = true;
  });
  const LevelResult r = d.run_level(plan, c, stop);
  stopper.join();
  EXPECT_EQ(r.end, CellEnd::interrupted);
  EXPECT_EQ(c.measured.size() + static_cast<std::size_t>(r.never_sent), 10u);
  EXPECT_EQ(c.measured.size(), 3u) << "sent at 0, 100 and 200 ms";
  EXPECT_EQ(r.never_sent, 7);
  for (const auto& rec : c.measured) EXPECT_EQ(rec.status, metrics::RequestStatus::cancelled) << rec.index;
}

}  // namespace
}  // namespace hakari::driver
