// The samplers for this machine and this server, assembled in one place.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hakari/telemetry/sampler.h"
#include "hakari/telemetry/server/server_sampler.h"

namespace hakari::telemetry {

struct TelemetryConfig {
  std::string proc_root = "/";  // where /proc is (a fixture tree in tests)
  std::string sys_root = "/";   // where /sys is
  pid_t server_pid = 0;       // the serving process tree to follow; 0 for none
  std::optional<ServerEndpoint> server;  // ask the server about itself
  bool nvml = true;
  std::string nvml_library = "libnvidia-ml.so.1";
};

// proc (host and server process), amdgpu / hwmon / RAPL under `root`, NVML when the
// driver's library loads, and the server's own metrics. What is unavailable goes into
// `notes` ("nvml: libnvidia-ml.so.1 not found"), never into an error.
std::vector<std::unique_ptr<Sampler>> make_samplers(const TelemetryConfig& config, std::vector<std::string>& notes);

}  // namespace hakari::telemetry
