#include "hakari/telemetry/sysfs/sysfs_samplers.h"

#include "hakari/telemetry/sysfs/amdgpu_sampler.h"
#include "hakari/telemetry/sysfs/hwmon_sampler.h"
#include "hakari/telemetry/sysfs/rapl_sampler.h"

namespace hakari::telemetry {

std::vector<std::unique_ptr<Sampler>> make_sysfs_samplers(const std::string& root) {
  std::vector<std::unique_ptr<Sampler>> samplers;
  samplers.push_back(std::make_unique<AmdgpuSampler>(root));
  samplers.push_back(std::make_unique<HwmonSampler>(root));
  samplers.push_back(std::make_unique<RaplSampler>(root));
  return samplers;
}

}  // namespace hakari::telemetry
