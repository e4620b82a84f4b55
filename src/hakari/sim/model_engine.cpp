#include "hakari/sim/model_engine.h"

#include <algorithm>
#include <cmath>

#include "hakari/sim/seeded.h"

namespace hakari::sim {

ModelEngine::ModelEngine(const ModelTiming& timing) : timing_(timing), slots_(timing.slots) {}

Nanos ModelEngine::step_duration(std::int64_t decoding_context_tokens, int n_decoding,
                                 std::int64_t prefill_tokens) const {
  const double bytes = timing_.weights_bytes +
                       static_cast<double>(decoding_context_tokens) * timing_.kv_bytes_per_token;
  const double seconds = bytes / timing_.bandwidth_bytes_per_s +
                         static_cast<double>(prefill_tokens) / timing_.prefill_tps;
  const Nanos overhead = std::max(0, n_decoding - 1) * timing_.step_overhead;
  return static_cast<Nanos>(std::llround(seconds * 1e9)) + overhead;
}

void ModelEngine::add(SeqId id, const SeqSpec& spec, Nanos arrival) {
  Seq seq;
  seq.id = id;
  seq.spec = spec;
  seq.arrival = arrival;
  waiting_.push_back(seq);
  // A running step is never widened: newcomers join at the next step boundary.
  if (!step_.running) start_step(std::max(arrival, last_step_end_));
}

void ModelEngine::cancel(SeqId id, Nanos now) {
  if (std::erase_if(waiting_, [id](const Seq& s) { return s.id == id; }) > 0) return;
  auto it = std::find_if(active_.begin(), active_.end(), [id](const Seq& s) { return s.id == id; });
  if (it == active_.end()) return;
  slots_.release(it->slot);
  active_.erase(it);
  // A step in flight keeps its duration (the batch was already submitted); an idle
  // engine hands the freed slot to the next waiting request right away.
  if (!step_.running) start_step(std::max(now, last_step_end_));
}

ModelEngine::Seq* ModelEngine::find_active(SeqId id) {
  for (Seq& s : active_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

void ModelEngine::start_step(Nanos t) {
  while (!waiting_.empty() && slots_.has_free()) {
    Seq seq = waiting_.front();
    waiting_.pop_front();
    seq.slot = slots_.acquire();
    seq.prefill_left = std::max<std::int64_t>(1, seq.spec.prompt_tokens);
    active_.push_back(seq);
  }

  step_.running = false;
  step_.decoding.clear();
  step_.prefill.clear();
  wake_ = kNever;
  std::int64_t context = 0;
  std::int64_t budget = timing_.batch_tokens;
  std::int64_t prefill_tokens = 0;
  for (Seq& s : active_) {
    const Nanos eligible = std::max(s.spec.ready_ns, s.parked_until);
    if (eligible > t) {
      wake_ = std::min(wake_, eligible);
      continue;
    }
    if (s.prefill_left == 0) {
      step_.decoding.push_back(s.id);
      context += s.spec.prompt_tokens + s.generated;
    } else if (budget > 0) {
      const std::int64_t n = std::min(budget, s.prefill_left);
      step_.prefill.emplace_back(s.id, n);
      budget -= n;
      prefill_tokens += n;
    } else {
      continue;
    }
    if (s.started < 0) s.started = t;
  }
  if (step_.decoding.empty() && step_.prefill.empty()) return;

  const int n_decoding = static_cast<int>(step_.decoding.size());
  Nanos duration = step_duration(context, n_decoding, prefill_tokens);
  if (timing_.jitter_pct > 0) {
    const double u =
        unit_interval(seeded_hash(timing_.seed, salted(Salt::step_jitter, 0), steps_));
    const double factor = 1.0 + timing_.jitter_pct / 100.0 * (2.0 * u - 1.0);
    duration = static_cast<Nanos>(std::llround(static_cast<double>(duration) * factor));
  }
  ++steps_;
  ++stats_.decode_calls;
  stats_.busy_slot_sum += step_.decoding.size() + step_.prefill.size();
  step_.running = true;
  step_.start = t;
  step_.end = t + duration;
  wake_ = kNever;
}

void ModelEngine::emit(Seq& seq, std::int64_t index, std::vector<Emission>& out) {
  Emission e;
  e.seq = seq.id;
  e.index = index;
  e.due = step_.end;
  e.slot = seq.slot;
  e.started_ns = seq.started;
  if (index < 0) {
    e.last = true;
  } else {
    seq.generated = index + 1;
    e.last = seq.generated >= seq.spec.output_tokens;
    if (!e.last && seq.spec.pause_after > 0 && seq.generated == seq.spec.pause_after) {
      seq.parked_until = step_.end + seq.spec.pause_ns;
    }
  }
  out.push_back(e);
}

void ModelEngine::finish_step(std::vector<Emission>& out) {
  step_.running = false;
  last_step_end_ = step_.end;
  const std::size_t first = out.size();
  for (SeqId id : step_.decoding) {
    if (Seq* s = find_active(id)) emit(*s, s->generated, out);
  }
  for (const auto& [id, n] : step_.prefill) {
    Seq* s = find_active(id);
    if (s == nullptr) continue;
    s->prefill_left -= n;
    if (s->prefill_left == 0) emit(*s, s->spec.output_tokens > 0 ? 0 : -1, out);
  }
  for (std::size_t i = first; i < out.size(); ++i) {
    if (!out[i].last) continue;
    const SeqId id = out[i].seq;
    auto it = std::find_if(active_.begin(), active_.end(), [id](const Seq& s) { return s.id == id; });
    slots_.release(it->slot);
    active_.erase(it);
  }
  start_step(step_.end);
}

void ModelEngine::advance(Nanos now, std::vector<Emission>& out) {
  while (true) {
    if (step_.running) {
      if (step_.end > now) return;
      finish_step(out);
    } else if (wake_ <= now) {
      start_step(wake_);  // leaves wake_ later than before, or a step running
    } else {
      return;
    }
  }
}

Nanos ModelEngine::next_deadline() const { return step_.running ? step_.end : wake_; }

std::vector<SlotState> ModelEngine::slot_states() const {
  std::vector<SlotState> states;
  for (int id = 0; id < timing_.slots; ++id) states.push_back({id, false, 0});
  for (const Seq& s : active_) {
    states[static_cast<std::size_t>(s.slot)] = {s.slot, true, s.generated};
  }
  return states;
}

}  // namespace hakari::sim
