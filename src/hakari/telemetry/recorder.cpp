#include "hakari/telemetry/recorder.h"

#include <chrono>

namespace hakari::telemetry {

Recorder::Recorder(std::vector<std::unique_ptr<Sampler>> samplers, Nanos interval)
    : samplers_(std::move(samplers)), interval_(interval) {}

Recorder::~Recorder() { stop(); }

Snapshot Recorder::sample_now() {
  Snapshot s;
  s.t = now_ns();
  for (auto& sampler : samplers_) {
    sampler->sample(s);
    for (auto& n : sampler->take_notes()) {
      if (note_sink_) note_sink_(s.t, std::string(sampler->name()), n);
    }
  }
  if (snapshot_sink_) snapshot_sink_(s);
  std::lock_guard lock(mu_);
  latest_ = s;
  ++taken_;
  return s;
}

void Recorder::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Recorder::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  sample_now();  // the window's last edge
}

void Recorder::loop() {
  // Samples fall on a fixed grid (start + k * interval): a slow sample delays the next
  // one, never the ones after it.
  Nanos next = now_ns();
  for (;;) {
    sample_now();
    next += interval_;
    const Nanos now = now_ns();
    if (next < now) next = now;  // fell behind: skip, do not burst
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, std::chrono::nanoseconds(next - now), [&] { return stopping_; })) return;
  }
}

Snapshot Recorder::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::size_t Recorder::snapshots_taken() const {
  std::lock_guard lock(mu_);
  return taken_;
}

}  // namespace hakari::telemetry
