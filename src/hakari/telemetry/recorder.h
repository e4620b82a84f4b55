// Runs the samplers on their own thread at a fixed interval, stamping each snapshot with
// the monotonic clock the requests use. Whatever a sampler does, the request path never
// waits for it: the thread shares nothing with it but the clock.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hakari/telemetry/sampler.h"

namespace hakari::telemetry {

class Recorder {
 public:
  // Called on the telemetry thread with each snapshot, and with each sampler's notes
  // ("amdgpu: ..."), e.g. to store them.
  using SnapshotSink = std::function<void(const Snapshot&)>;
  using NoteSink = std::function<void(Nanos t, const std::string& sampler, const std::string& note)>;

  Recorder(std::vector<std::unique_ptr<Sampler>> samplers, Nanos interval);
  ~Recorder();  // stops
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void on_snapshot(SnapshotSink sink) { snapshot_sink_ = std::move(sink); }
  void on_note(NoteSink sink) { note_sink_ = std::move(sink); }

  // Takes one snapshot now, on the calling thread (for `telemetry --once`).
  Snapshot sample_now();

  void start();
  // Finishes the sample in progress, takes a last one, and joins the thread.
  void stop();

  Snapshot latest() const;
  std::size_t snapshots_taken() const;
  Nanos interval() const { return interval_; }

 private:
  void loop();

  std::vector<std::unique_ptr<Sampler>> samplers_;
  Nanos interval_;
  SnapshotSink snapshot_sink_;
  NoteSink note_sink_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  Snapshot latest_;
  std::size_t taken_ = 0;
  std::thread thread_;
};

}  // namespace hakari::telemetry
