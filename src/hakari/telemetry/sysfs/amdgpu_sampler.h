// AMD GPUs through the amdgpu driver's sysfs files: /sys/class/drm/cardN/device with
// vendor 0x1002. See docs/telemetry-sysfs.md for every file, its unit and its quirks.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hakari/telemetry/sampler.h"
#include "hakari/telemetry/sysfs/gpu_metrics.h"
#include "hakari/telemetry/sysfs/sysfs_util.h"

namespace hakari::telemetry {

// A known PCI device id: the marketing name and whether it is an APU's iGPU.
struct AmdDeviceInfo {
  std::uint16_t device_id;
  const char* name;
  bool apu;
};
const AmdDeviceInfo* find_amd_device(std::uint16_t device_id);

class AmdgpuSampler final : public Sampler {
 public:
  explicit AmdgpuSampler(std::string root, FileReader reader = default_file_reader());

  std::string_view name() const override { return "amdgpu"; }
  void sample(Snapshot& out) override;

  // What discovery found (for tests and diagnostics).
  std::size_t card_count() const { return cards_.size(); }

 private:
  // Everything decided once per card at discovery: which files exist and what they mean.
  struct Card {
    std::string card;  // "card1"
    std::string dev;   // "/sys/class/drm/card1/device" (not joined with the root)
    std::string hwmon;  // "/sys/class/drm/card1/device/hwmon/hwmon5", or ""
    std::string id;    // "amdgpu:card1"
    std::string name;
    bool apu = false;
    std::optional<std::uint32_t> smc_fw_version;
    // Value files to read each sample; "" when absent.
    std::string busy, mem_busy, vram_used, vram_total, gtt_used, gtt_total;
    std::string power_input, power_average;
    std::string temp_edge, temp_junction, temp_mem;
    std::string sclk_freq, mclk_freq, sclk_dpm, mclk_dpm;
    std::string metrics;
    std::vector<std::pair<std::string, std::string>> fans;  // sensor id, file
  };

  void discover();
  void discover_card(const std::string& card_name, const std::string& dev);
  void sample_card(Card& c, Snapshot& out);
  void apply_metrics(Card& c, const GpuMetrics& m, GpuReading& g, Snapshot& out);

  std::optional<std::int64_t> read_int(const std::string& sys_path);
  std::optional<std::string> read_str(const std::string& sys_path);
  std::string path(const std::string& sys_path) const { return under_root(root_, sys_path); }
  void note_once(const std::string& key, const std::string& message);

  std::string root_;
  FileReader reader_;
  std::vector<Card> cards_;
  bool rediscover_ = false;
  SaidOnce said_;
  // Per card (by "cardN"), kept across rediscovery: the last 3.0 throttle residencies.
  std::map<std::string, std::array<std::optional<std::uint32_t>, kV3ThrottleResidencyCount>> residency_;
};

}  // namespace hakari::telemetry
