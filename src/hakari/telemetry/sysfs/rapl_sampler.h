// CPU energy from the powercap RAPL zones (/sys/class/powercap/intel-rapl:N and their
// subzones intel-rapl:N:M). intel_rapl_msr drives these on AMD Zen too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hakari/telemetry/sampler.h"
#include "hakari/telemetry/sysfs/sysfs_util.h"

namespace hakari::telemetry {

// A wrapping microjoule counter made monotonic. The counter runs from 0 to `range`
// inclusive (max_energy_range_uj) and then starts again at 0, so a reading below the
// previous one means one wrap: add range + 1. Two wraps between reads cannot be told
// from one; at 200 ms sampling that needs a ~65 kJ counter to turn over in 200 ms.
class EnergyUnwrapper {
 public:
  explicit EnergyUnwrapper(std::optional<std::uint64_t> range = std::nullopt) : range_(range) {}

  // Adds a raw reading; returns the unwrapped total in microjoules (the first reading
  // itself, plus every wrap since). `unknown_wrap` is set when the counter went
  // backwards without a known range: it is then taken to have restarted from 0.
  std::uint64_t add(std::uint64_t raw, bool* unknown_wrap = nullptr);
  std::uint64_t wraps() const { return wraps_; }

 private:
  std::optional<std::uint64_t> range_;
  std::optional<std::uint64_t> last_;
  std::uint64_t offset_ = 0;
  std::uint64_t wraps_ = 0;
};

class RaplSampler final : public Sampler {
 public:
  explicit RaplSampler(std::string root, FileReader reader = default_file_reader());

  std::string_view name() const override { return "rapl"; }
  void sample(Snapshot& out) override;

  std::size_t zone_count() const { return zones_.size(); }

 private:
  struct Zone {
    std::string dir;    // "intel-rapl:0:0"
    std::string id;     // "rapl:package-0:core"
    std::string scope;  // "cpu-cores"
    std::string energy_file;  // "/sys/class/powercap/intel-rapl:0:0/energy_uj" (not joined with the root)
    EnergyUnwrapper unwrap;
  };

  void discover();
  std::string path(const std::string& sys_path) const { return under_root(root_, sys_path); }
  void note_once(const std::string& key, const std::string& message) {
    if (said_.first(key)) note(message);
  }

  std::string root_;
  FileReader reader_;
  std::vector<Zone> zones_;
  bool rediscover_ = false;
  SaidOnce said_;
};

}  // namespace hakari::telemetry
