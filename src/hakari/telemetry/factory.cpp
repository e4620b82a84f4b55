#include "hakari/telemetry/factory.h"

#include "hakari/telemetry/nvml/nvml_sampler.h"
#include "hakari/telemetry/proc_sampler.h"
#include "hakari/telemetry/sysfs/sysfs_samplers.h"

namespace hakari::telemetry {

std::vector<std::unique_ptr<Sampler>> make_samplers(const TelemetryConfig& config, std::vector<std::string>& notes) {
  std::vector<std::unique_ptr<Sampler>> samplers;
  samplers.push_back(std::make_unique<ProcSampler>(config.proc_root, config.server_pid));
  for (auto& s : make_sysfs_samplers(config.sys_root)) samplers.push_back(std::move(s));
  if (config.nvml) {
    std::string why_not;
    if (auto nvml = make_nvml_sampler(why_not, config.nvml_library)) {
      samplers.push_back(std::move(nvml));
    } else {
      notes.push_back("nvml: " + why_not);
    }
  }
  if (config.server) samplers.push_back(make_server_sampler(*config.server));
  return samplers;
}

}  // namespace hakari::telemetry
