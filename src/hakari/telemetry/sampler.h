// A source of telemetry. Samplers run on the telemetry thread, never on the request path;
// each reads from a root directory (or a library, or a URL) that tests can replace.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hakari/telemetry/snapshot.h"

namespace hakari::telemetry {

class Sampler {
 public:
  virtual ~Sampler() = default;

  // Short stable name: "proc", "amdgpu", "hwmon", "rapl", "nvml", "server".
  virtual std::string_view name() const = 0;

  // Adds what it reads now to `out`. Never throws and never blocks for long: a file that
  // cannot be read is skipped (and reported once through notes()), a slow server is
  // bounded by a short timeout.
  virtual void sample(Snapshot& out) = 0;

  // Things this sampler could not measure, each said once, with the reason ("no amdgpu
  // card under /sys/class/drm", "powercap energy_uj: permission denied (root only)").
  // Drained by the caller.
  std::vector<std::string> take_notes() { return std::exchange(notes_, {}); }

 protected:
  void note(std::string message) { notes_.push_back(std::move(message)); }

 private:
  std::vector<std::string> notes_;
};

}  // namespace hakari::telemetry
