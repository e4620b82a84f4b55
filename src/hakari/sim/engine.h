// Timing engines: when does each sequence emit each token. Pure state machines driven by
// the caller's clock (advance(now)), so tests run them on a fake clock and the server on
// the monotonic one. Every schedule is absolute — a token is due at a time computed from
// the arrival, never "a gap after the previous write" — so a late wake-up cannot drift.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hakari/core/clock.h"

namespace hakari::sim {

struct SimOptions;

using SeqId = std::uint64_t;

struct SeqSpec {
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;  // tokens to emit; 0 = finish right after the prompt
  Nanos ready_ns = 0;              // processing may not start before (model load)
  std::int64_t pause_after = 0;    // > 0: hold the stream after this many tokens ...
  Nanos pause_ns = 0;              // ... for this long (the `stall` fault)
  std::uint64_t jitter_key = 0;    // keys this sequence's jitter draws (the request ordinal)
};

struct Emission {
  SeqId seq = 0;
  std::int64_t index = 0;  // 0-based token index; -1 when the sequence ends with no token
  Nanos due = 0;           // when the schedule wanted it out
  bool last = false;       // the sequence is finished and its slot is free again
  int slot = 0;
  Nanos started_ns = 0;    // when processing began (after queueing and model load)
};

struct SlotState {
  int id = 0;
  bool processing = false;
  std::int64_t n_decoded = 0;
};

struct EngineStats {
  std::uint64_t decode_calls = 0;     // steps (model) or emissions (fixed)
  std::uint64_t busy_slot_sum = 0;    // sequences busy per call, summed
};

class Engine {
 public:
  virtual ~Engine() = default;

  // A request was fully received at `arrival`; it queues for a slot.
  virtual void add(SeqId id, const SeqSpec& spec, Nanos arrival) = 0;
  // The client went away or the stream ended early: forget it and free its slot now.
  virtual void cancel(SeqId id, Nanos now) = 0;
  // Appends every emission due at or before `now`, in due order.
  virtual void advance(Nanos now, std::vector<Emission>& out) = 0;
  // When advance() has something to do next; kNever when idle.
  virtual Nanos next_deadline() const = 0;

  virtual int active() const = 0;       // sequences holding a slot
  virtual int queued() const = 0;       // sequences waiting for one
  virtual int total_slots() const = 0;  // 0 = unlimited
  virtual EngineStats stats() const = 0;
  // Every slot (with unlimited slots: every busy one), by id.
  virtual std::vector<SlotState> slot_states() const = 0;
};

std::unique_ptr<Engine> make_engine(const SimOptions& opts);

}  // namespace hakari::sim
