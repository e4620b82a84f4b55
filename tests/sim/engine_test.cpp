// The timing engines as pure state machines on a fake clock.
#include <gtest/gtest.h>

#include <map>

#include "hakari/sim/fixed_engine.h"
#include "hakari/sim/model_engine.h"

namespace hakari::sim {
namespace {

constexpr Nanos ms = kNanosPerMilli;

SeqSpec spec(std::int64_t prompt, std::int64_t output) {
  SeqSpec s;
  s.prompt_tokens = prompt;
  s.output_tokens = output;
  return s;
}

// Runs an engine to completion, jumping the fake clock from deadline to deadline.
std::vector<Emission> drain(Engine& engine, Nanos until = kNever) {
  std::vector<Emission> all;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    const Nanos next = engine.next_deadline();
    if (next == kNever || next > until) break;
    engine.advance(next, all);
  }
  return all;
}

std::map<SeqId, std::vector<Nanos>> by_seq(const std::vector<Emission>& es) {
  std::map<SeqId, std::vector<Nanos>> out;
  for (const Emission& e : es) {
    if (e.index >= 0) out[e.seq].push_back(e.due);
  }
  return out;
}

FixedEngine fixed(int slots = 0, double jitter = 0, std::uint64_t seed = 0) {
  FixedTiming t;
  t.ttft = 50 * ms;
  t.itl = 20 * ms;
  t.slots = slots;
  t.jitter_pct = jitter;
  t.seed = seed;
  return FixedEngine(t);
}

TEST(FixedEngine, FirstTokenExactlyAtTtftThenEveryItl) {
  FixedEngine e = fixed();
  const Nanos t0 = 1000 * ms;
  e.add(1, spec(10, 5), t0);
  std::vector<Emission> out;
  e.advance(t0 + 50 * ms - 1, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(e.next_deadline(), t0 + 50 * ms);
  e.advance(t0 + 50 * ms, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].index, 0);
  EXPECT_EQ(out[0].due, t0 + 50 * ms);
  EXPECT_EQ(out[0].started_ns, t0);
  EXPECT_FALSE(out[0].last);
  // A late wake-up gets every overdue token, each with its own due time: no drift.
  e.advance(t0 + 500 * ms, out);
  ASSERT_EQ(out.size(), 5u);
  for (std::int64_t k = 0; k < 5; ++k) {
    EXPECT_EQ(out[static_cast<std::size_t>(k)].index, k);
    EXPECT_EQ(out[static_cast<std::size_t>(k)].due, t0 + 50 * ms + k * 20 * ms);
  }
  EXPECT_TRUE(out.back().last);
  EXPECT_EQ(e.next_deadline(), kNever);
  EXPECT_EQ(e.active(), 0);
}

TEST(FixedEngine, UnlimitedSlotsRunConcurrently) {
  FixedEngine e = fixed();
  for (SeqId id = 1; id <= 50; ++id) e.add(id, spec(1, 3), static_cast<Nanos>(id) * ms);
  EXPECT_EQ(e.active(), 50);
  EXPECT_EQ(e.queued(), 0);
  const auto seqs = by_seq(drain(e));
  for (const auto& [id, times] : seqs) {
    ASSERT_EQ(times.size(), 3u);
    EXPECT_EQ(times[0], static_cast<Nanos>(id) * ms + 50 * ms);
  }
}

TEST(FixedEngine, SlotsQueueFifoAndTtftIncludesTheWait) {
  FixedEngine e = fixed(1);
  e.add(1, spec(1, 3), 0);
  e.add(2, spec(1, 3), 1 * ms);
  e.add(3, spec(1, 3), 2 * ms);
  EXPECT_EQ(e.active(), 1);
  EXPECT_EQ(e.queued(), 2);
  const auto seqs = by_seq(drain(e));
  // 1: 50, 70, 90. 2 gets the slot at 90: 140, 160, 180. 3 at 180: 230...
  EXPECT_EQ(seqs.at(1), (std::vector<Nanos>{50 * ms, 70 * ms, 90 * ms}));
  EXPECT_EQ(seqs.at(2), (std::vector<Nanos>{140 * ms, 160 * ms, 180 * ms}));
  EXPECT_EQ(seqs.at(3).front(), 230 * ms);
}

TEST(FixedEngine, CancelFreesTheSlotAtOnce) {
  FixedEngine e = fixed(1);
  e.add(1, spec(1, 1000), 0);
  e.add(2, spec(1, 2), 0);
  std::vector<Emission> out;
  e.advance(60 * ms, out);
  e.cancel(1, 60 * ms);
  EXPECT_EQ(e.active(), 1);
  EXPECT_EQ(e.queued(), 0);
  EXPECT_EQ(e.next_deadline(), 110 * ms);
}

TEST(FixedEngine, SlotStatesListBusySlots) {
  FixedEngine limited = fixed(3);
  limited.add(1, spec(1, 10), 0);
  EXPECT_EQ(limited.slot_states().size(), 3u);
  EXPECT_TRUE(limited.slot_states()[0].processing);
  FixedEngine unlimited = fixed();
  unlimited.add(1, spec(1, 10), 0);
  unlimited.add(2, spec(1, 10), 0);
  std::vector<Emission> out;
  unlimited.advance(75 * ms, out);
  const auto states = unlimited.slot_states();
  ASSERT_EQ(states.size(), 2u);  // only the busy ones: there is no fixed number
  EXPECT_EQ(states[1].id, 1);
  EXPECT_EQ(states[1].n_decoded, 2);
}

TEST(FixedEngine, ZeroTokensEndsAfterTtftWithoutAToken) {
  FixedEngine e = fixed();
  e.add(7, spec(1, 0), 0);
  const auto out = drain(e);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].index, -1);
  EXPECT_TRUE(out[0].last);
  EXPECT_EQ(out[0].due, 50 * ms);
}

TEST(FixedEngine, LoadAndStallShiftTheSchedule) {
  FixedEngine e = fixed();
  SeqSpec s = spec(1, 6);
  s.ready_ns = 300 * ms;     // the model is still loading
  s.pause_after = 3;         // stall after the third token
  s.pause_ns = 500 * ms;
  e.add(1, s, 0);
  const auto times = by_seq(drain(e)).at(1);
  ASSERT_EQ(times.size(), 6u);
  EXPECT_EQ(times[0], 350 * ms);
  EXPECT_EQ(times[2], 390 * ms);
  EXPECT_EQ(times[3], 410 * ms + 500 * ms);
  EXPECT_EQ(times[5], 450 * ms + 500 * ms);
}

TEST(FixedEngine, JitterIsBoundedAndDeterministic) {
  auto gaps = [](std::uint64_t seed) {
    FixedEngine e = fixed(0, 10, seed);
    SeqSpec s = spec(1, 200);
    s.jitter_key = 42;
    e.add(1, s, 0);
    const auto t = by_seq(drain(e)).at(1);
    std::vector<Nanos> g;
    for (std::size_t i = 1; i < t.size(); ++i) g.push_back(t[i] - t[i - 1]);
    return g;
  };
  const auto a = gaps(1);
  EXPECT_EQ(a, gaps(1));
  EXPECT_NE(a, gaps(2));
  Nanos lo = kNever, hi = 0;
  for (Nanos g : a) {
    EXPECT_GE(g, 18 * ms);
    EXPECT_LE(g, 22 * ms);
    lo = std::min(lo, g);
    hi = std::max(hi, g);
  }
  EXPECT_GT(hi - lo, 2 * ms);  // it does vary
}

// Round numbers: weights read in 10 ms, 10 µs per context token, 1 ms per prompt token.
ModelTiming simple_model(int slots) {
  ModelTiming t;
  t.weights_bytes = 1e9;
  t.bandwidth_bytes_per_s = 1e11;
  t.kv_bytes_per_token = 1e6;
  t.prefill_tps = 1000;
  t.batch_tokens = 512;
  t.step_overhead = 500'000;
  t.slots = slots;
  return t;
}

TEST(ModelEngine, StepTimeFollowsTheFormula) {
  ModelEngine e(simple_model(4));
  // (1e9 + 100 * 1e6) / 1e11 s = 11 ms, + 1 extra sequence * 0.5 ms, + 50 prompt tokens * 1 ms.
  EXPECT_EQ(e.step_duration(100, 2, 50), 61'500'000);
  EXPECT_EQ(e.step_duration(0, 1, 0), 10'000'000);
  EXPECT_EQ(e.step_duration(0, 0, 10), 20'000'000);
  // The defaults: Qwen3-32B Q4_K_M at 212 GB/s is ~93 ms a token, ~10.7 tokens/s.
  ModelEngine real{ModelTiming{}};
  EXPECT_NEAR(static_cast<double>(real.step_duration(0, 1, 0)) / 1e6, 19.8e9 / 212e9 * 1e3, 1e-3);
}

TEST(ModelEngine, SingleSequencePrefillsThenDecodesOneTokenPerStep) {
  ModelEngine e(simple_model(4));
  e.add(1, spec(100, 3), 0);
  const auto out = drain(e);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].due, 110 * ms);                       // 10 ms weights + 100 prompt tokens
  EXPECT_EQ(out[1].due, 110 * ms + 10 * ms + 1010'000);  // context 101 tokens
  EXPECT_EQ(out[2].due, out[1].due + 10 * ms + 1020'000);
  EXPECT_TRUE(out[2].last);
  EXPECT_EQ(out[0].started_ns, 0);
}

TEST(ModelEngine, LongPromptsArePrefilledInBatchSizedSteps) {
  ModelEngine e(simple_model(4));
  e.add(1, spec(1000, 1), 0);
  const auto out = drain(e);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].due, (10 + 512) * ms + (10 + 488) * ms);
}

TEST(ModelEngine, TtftGrowsWithTheQueue) {
  ModelEngine one_slot(simple_model(1));
  for (SeqId id = 1; id <= 3; ++id) one_slot.add(id, spec(100, 5), 0);
  EXPECT_EQ(one_slot.queued(), 2);
  const auto seqs = by_seq(drain(one_slot));
  EXPECT_LT(seqs.at(1).front(), seqs.at(2).front());
  EXPECT_LT(seqs.at(2).front(), seqs.at(3).front());
  // The second starts when the first has finished: after its last token.
  EXPECT_GT(seqs.at(2).front(), seqs.at(1).back());

  // With enough slots, the first request starts a step alone (the engine was idle); the
  // others join at the next boundary and share its prefill with 1's first decode:
  // 10 ms weights + 101 context tokens + 200 prompt tokens.
  ModelEngine four_slots(simple_model(4));
  for (SeqId id = 1; id <= 3; ++id) four_slots.add(id, spec(100, 5), 0);
  const auto shared = by_seq(drain(four_slots));
  EXPECT_EQ(shared.at(1).front(), 110 * ms);
  EXPECT_EQ(shared.at(2).front(), 110 * ms + 10 * ms + 1010'000 + 200 * ms);
  EXPECT_EQ(shared.at(3).front(), shared.at(2).front());
  EXPECT_LT(shared.at(3).front(), seqs.at(3).front());
}

TEST(ModelEngine, ThroughputRisesWithBatchWhileEachStreamSlowsDown) {
  auto run = [](int n) {
    ModelEngine e(simple_model(n));
    for (int i = 0; i < n; ++i) e.add(static_cast<SeqId>(i + 1), spec(10, 50), 0);
    const auto out = drain(e);
    const double makespan_s = static_cast<double>(out.back().due) / 1e9;
    const auto seqs = by_seq(out);
    const auto& t = seqs.begin()->second;
    const double itl_ms = static_cast<double>(t.back() - t.front()) / 1e6 / static_cast<double>(t.size() - 1);
    return std::pair{static_cast<double>(out.size()) / makespan_s, itl_ms};
  };
  const auto [tput1, itl1] = run(1);
  const auto [tput8, itl8] = run(8);
  EXPECT_GT(tput8, 4 * tput1);
  EXPECT_GT(itl8, itl1);
  EXPECT_NEAR(itl1, 10.3, 0.3);  // weights + ~30 context tokens
}

TEST(ModelEngine, NewcomersJoinAtTheNextStepBoundary) {
  ModelEngine e(simple_model(4));
  e.add(1, spec(10, 100), 0);  // first step: 10 + 10 = 20 ms
  std::vector<Emission> out;
  e.advance(5 * ms, out);
  e.add(2, spec(10, 1), 5 * ms);  // arrives mid-step
  EXPECT_EQ(e.next_deadline(), 20 * ms);
  e.advance(20 * ms, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, 1u);
  // The next step decodes 1 and prefills 2: 10 ms + 11 context tokens + 10 prompt tokens.
  EXPECT_EQ(e.next_deadline(), 20 * ms + 10 * ms + 110'000 + 10 * ms);
}

TEST(ModelEngine, CancelFreesTheSlotForTheQueue) {
  ModelEngine e(simple_model(1));
  e.add(1, spec(10, 1000), 0);
  e.add(2, spec(10, 1), 0);
  std::vector<Emission> out;
  e.advance(100 * ms, out);
  EXPECT_EQ(e.queued(), 1);
  e.cancel(1, 100 * ms);
  // The slot is free now; the batch in flight finishes, and the next step admits 2.
  EXPECT_EQ(e.active(), 0);
  const Nanos boundary = e.next_deadline();
  EXPECT_LE(boundary, 100 * ms + 11 * ms);
  e.advance(boundary, out);
  EXPECT_EQ(e.queued(), 0);
  EXPECT_EQ(e.active(), 1);
  const auto rest = drain(e);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().seq, 2u);
  EXPECT_TRUE(rest.back().last);
}

TEST(ModelEngine, StallParksOnlyThatSequence) {
  ModelEngine e(simple_model(4));
  SeqSpec stalled = spec(10, 5);
  stalled.pause_after = 3;
  stalled.pause_ns = 1000 * ms;
  e.add(1, stalled, 0);
  e.add(2, spec(10, 5), 0);
  const auto seqs = by_seq(drain(e));
  const auto& a = seqs.at(1);
  const auto& b = seqs.at(2);
  EXPECT_GE(a[3] - a[2], 1000 * ms);
  EXPECT_LT(b.back(), a[3]);  // the other stream went on meanwhile
}

TEST(ModelEngine, SlotStatesShowWhoIsBusy) {
  ModelEngine e(simple_model(2));
  e.add(1, spec(10, 10), 0);
  std::vector<Emission> out;
  e.advance(40 * ms, out);
  const auto states = e.slot_states();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_TRUE(states[0].processing);
  EXPECT_GT(states[0].n_decoded, 0);
  EXPECT_FALSE(states[1].processing);
  EXPECT_GT(e.stats().decode_calls, 0u);
}

}  // namespace
}  // namespace hakari::sim
