// Hardware profiles: the published (and, where known, measured) memory bandwidth and
// compute of the machines hakari is used on. They turn a measured decode speed into "% of
// what this memory system can deliver" and feed the simulator's timing model.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::catalog {

struct HardwareProfile {
  std::string_view key;   // what --hardware takes: "evo-x2", "h100-sxm", ...
  std::string_view name;  // for people
  double memory_gb = 0;   // memory the accelerator can use for a model
  double bandwidth_gbs = 0;           // theoretical peak, GB/s (10^9 bytes)
  double measured_bandwidth_gbs = 0;  // a published measurement, 0 when none
  double fp16_tflops = 0;             // dense FP16/BF16 peak
  bool unified_memory = false;        // CPU and GPU share one memory (APU)
  std::string_view source;            // where the figures come from
  // Substrings that identify it in a CPU model name or a GPU product name (any matches).
  std::span<const std::string_view> match;

  // The bandwidth a decode can realistically reach: the measured figure when there is one.
  double practical_bandwidth_gbs() const {
    return measured_bandwidth_gbs > 0 ? measured_bandwidth_gbs : bandwidth_gbs;
  }
};

std::span<const HardwareProfile> hardware_profiles();
const HardwareProfile* find_hardware(std::string_view key);
// Recognises the machine from its CPU model name and its GPUs' product names.
const HardwareProfile* detect_hardware(std::string_view cpu_model, const std::vector<std::string>& gpu_names);
// "evo-x2, h100-sxm, ..." for help and error messages.
std::string hardware_keys();

}  // namespace hakari::catalog
