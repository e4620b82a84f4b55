#include "hakari/catalog/hardware.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace hakari::catalog {
namespace {

constexpr std::array<std::string_view, 3> kStrixHalo{"ryzen ai max+ 395", "radeon 8060s", "strix halo"};
constexpr std::array<std::string_view, 2> kH100Sxm{"h100 80gb hbm3", "h100-sxm"};
constexpr std::array<std::string_view, 2> kH100Pcie{"h100 pcie", "h100 nvl"};
constexpr std::array<std::string_view, 1> kH200{"h200"};
constexpr std::array<std::string_view, 2> kA100_80{"a100-sxm4-80gb", "a100 80gb"};
constexpr std::array<std::string_view, 2> kA100_40{"a100-sxm4-40gb", "a100-pcie-40gb"};
constexpr std::array<std::string_view, 1> kL40S{"l40s"};
constexpr std::array<std::string_view, 1> kRtx4090{"rtx 4090"};
constexpr std::array<std::string_view, 1> kRtx3090{"rtx 3090"};

// Figures: hardware.md of the project's research (Strix Halo), vendor datasheets (NVIDIA).
constexpr std::array<HardwareProfile, 9> kProfiles{{
    {"evo-x2", "GMKtec EVO-X2 (Ryzen AI Max+ 395, Radeon 8060S, 128 GB LPDDR5X-8000)", 128, 256, 212, 59.4, true,
     "256-bit LPDDR5X-8000; rocm_bandwidth_test 212 GB/s (lhl/strix-halo-testing)", kStrixHalo},
    {"h100-sxm", "NVIDIA H100 SXM 80 GB HBM3", 80, 3350, 0, 989, false, "NVIDIA H100 datasheet", kH100Sxm},
    {"h100-pcie", "NVIDIA H100 PCIe 80 GB", 80, 2000, 0, 756, false, "NVIDIA H100 datasheet", kH100Pcie},
    {"h200", "NVIDIA H200 141 GB HBM3e", 141, 4800, 0, 989, false, "NVIDIA H200 datasheet", kH200},
    {"a100-80gb", "NVIDIA A100 80 GB", 80, 2039, 0, 312, false, "NVIDIA A100 datasheet (SXM)", kA100_80},
    {"a100-40gb", "NVIDIA A100 40 GB", 40, 1555, 0, 312, false, "NVIDIA A100 datasheet", kA100_40},
    {"l40s", "NVIDIA L40S 48 GB", 48, 864, 0, 362, false, "NVIDIA L40S datasheet", kL40S},
    {"rtx-4090", "NVIDIA GeForce RTX 4090 24 GB", 24, 1008, 0, 165, false, "NVIDIA Ada whitepaper", kRtx4090},
    {"rtx-3090", "NVIDIA GeForce RTX 3090 24 GB", 24, 936, 0, 71, false, "NVIDIA Ampere whitepaper", kRtx3090},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool matches(const HardwareProfile& p, std::string_view text) {
  const std::string t = lower(text);
  return std::any_of(p.match.begin(), p.match.end(), [&](std::string_view m) { return t.find(m) != std::string::npos; });
}

}  // namespace

std::span<const HardwareProfile> hardware_profiles() { return kProfiles; }

const HardwareProfile* find_hardware(std::string_view key) {
  for (const auto& p : kProfiles) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

const HardwareProfile* detect_hardware(std::string_view cpu_model, const std::vector<std::string>& gpu_names) {
  // A discrete GPU decides the bandwidth a model sees; an APU is recognised by either name.
  for (const auto& g : gpu_names) {
    for (const auto& p : kProfiles) {
      if (matches(p, g)) return &p;
    }
  }
  for (const auto& p : kProfiles) {
    if (p.unified_memory && matches(p, cpu_model)) return &p;
  }
  return nullptr;
}

std::string hardware_keys() {
  std::string s;
  for (const auto& p : kProfiles) {
    if (!s.empty()) s += ", ";
    s += p.key;
  }
  return s;
}

}  // namespace hakari::catalog
