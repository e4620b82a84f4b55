#include "hakari/sim/fixed_engine.h"

#include <algorithm>
#include <cmath>

#include "hakari/sim/seeded.h"

namespace hakari::sim {

FixedEngine::FixedEngine(const FixedTiming& timing) : timing_(timing), slots_(timing.slots) {}

void FixedEngine::add(SeqId id, const SeqSpec& spec, Nanos arrival) {
  waiting_.push_back({id, spec, arrival});
  admit_waiting(arrival);
}

void FixedEngine::admit_waiting(Nanos slot_free_at) {
  while (!waiting_.empty() && slots_.has_free()) {
    start(waiting_.front(), slot_free_at);
    waiting_.pop_front();
  }
}

void FixedEngine::start(const Waiting& w, Nanos slot_free_at) {
  Seq seq;
  seq.spec = w.spec;
  seq.start = std::max({w.arrival, w.spec.ready_ns, slot_free_at});
  seq.slot = slots_.acquire();
  seq.next_index = w.spec.output_tokens > 0 ? 0 : -1;
  seq.due = seq.start + timing_.ttft;
  schedule_.emplace(seq.due, w.id);
  active_.emplace(w.id, seq);
}

Nanos FixedEngine::gap(const Seq& seq, std::int64_t index) const {
  Nanos g = timing_.itl;
  if (timing_.jitter_pct > 0) {
    const double u = unit_interval(seeded_hash(timing_.seed, salted(Salt::jitter, seq.spec.jitter_key),
                                               static_cast<std::uint64_t>(index)));
    const double factor = 1.0 + timing_.jitter_pct / 100.0 * (2.0 * u - 1.0);
    g = static_cast<Nanos>(std::llround(static_cast<double>(g) * factor));
  }
  if (seq.spec.pause_after > 0 && index == seq.spec.pause_after) g += seq.spec.pause_ns;
  return g;
}

void FixedEngine::cancel(SeqId id, Nanos now) {
  auto it = active_.find(id);
  if (it == active_.end()) {
    std::erase_if(waiting_, [id](const Waiting& w) { return w.id == id; });
    return;
  }
  schedule_.erase({it->second.due, id});
  slots_.release(it->second.slot);
  active_.erase(it);
  admit_waiting(now);
}

void FixedEngine::advance(Nanos now, std::vector<Emission>& out) {
  while (!schedule_.empty() && schedule_.begin()->first <= now) {
    const auto [due, id] = *schedule_.begin();
    schedule_.erase(schedule_.begin());
    Seq& seq = active_.at(id);
    Emission e;
    e.seq = id;
    e.index = seq.next_index;
    e.due = due;
    e.slot = seq.slot;
    e.started_ns = seq.start;
    e.last = seq.next_index < 0 || seq.next_index + 1 >= seq.spec.output_tokens;
    if (e.index >= 0) {
      ++stats_.decode_calls;
      stats_.busy_slot_sum += active_.size();
    }
    out.push_back(e);
    if (e.last) {
      slots_.release(seq.slot);
      active_.erase(id);
      // The freed slot goes to the next waiting request at the time the schedule freed
      // it, not when this call happened to run: queued requests' TTFT stays exact.
      admit_waiting(due);
    } else {
      ++seq.next_index;
      seq.due = due + gap(seq, seq.next_index);
      schedule_.emplace(seq.due, id);
    }
  }
}

Nanos FixedEngine::next_deadline() const {
  return schedule_.empty() ? kNever : schedule_.begin()->first;
}

std::vector<SlotState> FixedEngine::slot_states() const {
  std::vector<SlotState> states;
  for (int id = 0; id < timing_.slots; ++id) states.push_back({id, false, 0});
  for (const auto& [id, seq] : active_) {
    const SlotState busy{seq.slot, true, std::max<std::int64_t>(seq.next_index, 0)};
    if (timing_.slots > 0) {
      states[static_cast<std::size_t>(seq.slot)] = busy;
    } else {
      states.push_back(busy);
    }
  }
  std::sort(states.begin(), states.end(), [](const SlotState& a, const SlotState& b) { return a.id < b.id; });
  return states;
}

}  // namespace hakari::sim
