// Telemetry for a command: finds the serving process, assembles the samplers, recognises
// the hardware, and (for `run`) stores every snapshot and note with the run.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hakari/backend/probe.h"
#include "hakari/catalog/hardware.h"
#include "hakari/store/results_store.h"
#include "hakari/telemetry/recorder.h"

namespace hakari::cli {

struct TelemetryOptions {
  Nanos interval = 200 * kNanosPerMilli;
  pid_t server_pid = 0;        // follow this process tree
  std::string server_process;  // or find it by name
  std::string proc_root = "/";
  std::string sys_root = "/";
  bool nvml = true;
  std::string hardware;  // a profile key; empty: recognise the machine
};

class TelemetrySession {
 public:
  // `server` (may be null) is asked about itself and, when it listens on this host, its
  // process is found by port unless the options name one.
  TelemetrySession(const TelemetryOptions& options, const backend::ServerInfo* server,
                   const std::vector<std::string>& headers);
  ~TelemetrySession();

  // Takes a first snapshot now (it names the GPUs, so the hardware can be recognised).
  telemetry::Snapshot first_snapshot();
  const catalog::HardwareProfile* hardware() const { return hardware_; }
  // Why some things cannot be measured here; said once each.
  std::vector<std::string> notes() const;

  // From now on every snapshot and note goes into `store` under `run_id`.
  void record_into(store::ResultsStore& store, std::int64_t run_id);
  void start() { recorder_->start(); }
  void stop() { recorder_->stop(); }
  telemetry::Recorder& recorder() { return *recorder_; }

 private:
  void store_snapshot(const telemetry::Snapshot& s);
  void store_note(Nanos t, const std::string& source, const std::string& message);

  std::unique_ptr<telemetry::Recorder> recorder_;
  const catalog::HardwareProfile* hardware_ = nullptr;
  std::string hardware_key_;
  mutable std::mutex mu_;
  std::vector<std::string> notes_;
  store::ResultsStore* store_ = nullptr;
  std::int64_t run_id_ = 0;
  std::map<std::string, std::int64_t> series_ids_;
};

}  // namespace hakari::cli
