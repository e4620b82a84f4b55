// Fixed timing: each sequence's first token is due `ttft` after it starts (arrival, or
// the moment a slot frees up when slots are limited), token k at first + k*itl, jitter
// and stalls included in the absolute schedule.
#pragma once

#include <deque>
#include <set>
#include <unordered_map>
#include <utility>

#include "hakari/sim/engine.h"
#include "hakari/sim/slot_pool.h"

namespace hakari::sim {

struct FixedTiming {
  Nanos ttft = 50 * kNanosPerMilli;
  Nanos itl = 20 * kNanosPerMilli;
  int slots = 0;  // 0 = unlimited
  double jitter_pct = 0;
  std::uint64_t seed = 0;
};

class FixedEngine final : public Engine {
 public:
  explicit FixedEngine(const FixedTiming& timing);

  void add(SeqId id, const SeqSpec& spec, Nanos arrival) override;
  void cancel(SeqId id, Nanos now) override;
  void advance(Nanos now, std::vector<Emission>& out) override;
  Nanos next_deadline() const override;

  int active() const override { return static_cast<int>(active_.size()); }
  int queued() const override { return static_cast<int>(waiting_.size()); }
  int total_slots() const override { return timing_.slots; }
  EngineStats stats() const override { return stats_; }
  std::vector<SlotState> slot_states() const override;

 private:
  struct Waiting {
    SeqId id;
    SeqSpec spec;
    Nanos arrival;
  };
  struct Seq {
    SeqSpec spec;
    Nanos start = 0;
    int slot = 0;
    std::int64_t next_index = 0;  // the token due next (-1: the token-less end)
    Nanos due = 0;
  };

  void start(const Waiting& w, Nanos slot_free_at);
  void admit_waiting(Nanos slot_free_at);
  // Time from token index-1 to token `index` (index >= 1).
  Nanos gap(const Seq& seq, std::int64_t index) const;

  FixedTiming timing_;
  SlotPool slots_;
  std::deque<Waiting> waiting_;
  std::unordered_map<SeqId, Seq> active_;
  std::set<std::pair<Nanos, SeqId>> schedule_;  // (due, seq): what is due next
  EngineStats stats_;
};

}  // namespace hakari::sim
