// hwmon sensors that are not part of an amdgpu card (those the amdgpu sampler reads):
// CPU Tctl/Tccd (k10temp), coretemp, NVMe, board sensors, fans.
#pragma once

#include <string>
#include <vector>

#include "hakari/telemetry/sampler.h"
#include "hakari/telemetry/sysfs/sysfs_util.h"

namespace hakari::telemetry {

class HwmonSampler final : public Sampler {
 public:
  explicit HwmonSampler(std::string root, FileReader reader = default_file_reader());

  std::string_view name() const override { return "hwmon"; }
  void sample(Snapshot& out) override;

  std::size_t sensor_count() const { return sensors_.size(); }

 private:
  struct Sensor {
    std::string id;    // "hwmon:k10temp:Tctl"
    std::string kind;  // "temperature_c" | "power_w" | "fan_rpm"
    std::string file;  // "/sys/class/hwmon/hwmon3/temp1_input" (not joined with the root)
    double divisor = 1;
  };

  void discover();
  std::string path(const std::string& sys_path) const { return under_root(root_, sys_path); }
  void note_once(const std::string& key, const std::string& message) {
    if (said_.first(key)) note(message);
  }

  std::string root_;
  FileReader reader_;
  std::vector<Sensor> sensors_;
  bool rediscover_ = false;
  SaidOnce said_;
};

}  // namespace hakari::telemetry
