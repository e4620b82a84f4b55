// Provenance of the machine that ran the client: recorded with every run, and checked for
// conditions that make timings noisy so a reader can discount a noisy result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hakari {

struct HostInfo {
  std::string hostname;
  std::string os;           // PRETTY_NAME of os-release
  std::string kernel;       // uname release
  std::string cpu_model;
  int logical_cpus = 0;
  std::int64_t memory_total_bytes = 0;
  std::int64_t swap_used_bytes = 0;
  std::string cpu_governor;  // empty when cpufreq is not exposed (VMs, containers)
  double load_avg_1m = 0;
};

// Reads /proc, /sys and /etc under `root` ("/" normally; tests point it at a fixture tree).
HostInfo read_host_info(const std::string& root = "/");

// Conditions that make client-side timings noisy: a governor other than "performance",
// a busy machine, swap in use. One sentence each.
std::vector<std::string> timing_noise_warnings(const HostInfo& host);

}  // namespace hakari
