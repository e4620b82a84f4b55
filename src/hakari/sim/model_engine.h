// The hardware model: a step-based continuous-batching engine like llama.cpp's server.
//
// Each step, every decoding sequence produces one token, and pending prompt tokens (FIFO
// across admitted sequences, at most `batch_tokens`) are prefilled in the same step:
//
//   step = (weights + Σ_decoding context_len × kv_bytes_per_token) / bandwidth
//          + (n_decoding − 1) × step_overhead + prefill_tokens / prefill_tps
//
// Tokens come out at step ends; a sequence whose prefill completes in a step emits its
// first token at the end of that step. Requests join at step boundaries when a slot is
// free. Reading the weights once serves the whole batch, so throughput grows with
// concurrency while every stream slows a little, and TTFT grows with the queue.
#pragma once

#include <deque>
#include <utility>
#include <vector>

#include "hakari/sim/engine.h"
#include "hakari/sim/slot_pool.h"

namespace hakari::sim {

struct ModelTiming {
  double weights_bytes = 19.8e9;
  double bandwidth_bytes_per_s = 212e9;
  double kv_bytes_per_token = 262144;
  double prefill_tps = 300;
  std::int64_t batch_tokens = 512;
  Nanos step_overhead = 200'000;  // per decoding sequence beyond the first
  int slots = 4;
  double jitter_pct = 0;
  std::uint64_t seed = 0;
};

class ModelEngine final : public Engine {
 public:
  explicit ModelEngine(const ModelTiming& timing);

  void add(SeqId id, const SeqSpec& spec, Nanos arrival) override;
  void cancel(SeqId id, Nanos now) override;
  void advance(Nanos now, std::vector<Emission>& out) override;
  Nanos next_deadline() const override;

  int active() const override { return static_cast<int>(active_.size()); }
  int queued() const override { return static_cast<int>(waiting_.size()); }
  int total_slots() const override { return timing_.slots; }
  EngineStats stats() const override { return stats_; }
  std::vector<SlotState> slot_states() const override;

  // The formula above, without jitter: what a step of this shape takes.
  Nanos step_duration(std::int64_t decoding_context_tokens, int n_decoding,
                      std::int64_t prefill_tokens) const;

 private:
  struct Seq {
    SeqId id = 0;
    SeqSpec spec;
    Nanos arrival = 0;
    int slot = -1;
    Nanos started = -1;              // first step it took part in
    std::int64_t prefill_left = 0;
    std::int64_t generated = 0;
    Nanos parked_until = 0;          // a stall holds it out of steps until then
  };
  struct Step {
    bool running = false;
    Nanos start = 0;
    Nanos end = 0;
    std::vector<SeqId> decoding;
    std::vector<std::pair<SeqId, std::int64_t>> prefill;  // (sequence, prompt tokens this step)
  };

  Seq* find_active(SeqId id);
  // Admits waiting requests into free slots and starts a step at `t` if any sequence can
  // take part; otherwise leaves the engine idle until the next sequence becomes eligible.
  void start_step(Nanos t);
  void finish_step(std::vector<Emission>& out);
  void emit(Seq& seq, std::int64_t index, std::vector<Emission>& out);

  ModelTiming timing_;
  SlotPool slots_;
  std::deque<Seq> waiting_;
  std::vector<Seq> active_;  // in admission order: prefill is served FIFO
  Step step_;
  Nanos last_step_end_ = 0;
  Nanos wake_ = kNever;      // idle: when a loading or stalled sequence becomes eligible
  std::uint64_t steps_ = 0;
  EngineStats stats_;
};

}  // namespace hakari::sim
