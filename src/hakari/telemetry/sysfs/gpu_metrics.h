// Parser for amdgpu's binary `gpu_metrics` sysfs file.
//
// The file is one C struct from the kernel's kgd_pp_interface.h, written in the host's
// byte order with natural alignment, starting with
//   struct metrics_table_header { u16 structure_size; u8 format_revision; u8 content_revision; };
// Format 1 is for discrete GPUs, 2 and 3 for APUs. Supported here: 1.0-1.3 (RDNA1-4
// dGPUs), 2.0-2.4 (Renoir ... Phoenix APUs) and 3.0 (Strix Point, Krackan, Strix Halo).
// Fields the firmware does not fill read all-ones (0xFFFF, 0xFFFFFFFF) and come back empty.
// Everything here is in final units; raw firmware quirks are handled inside.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace hakari::telemetry {

struct GpuMetricsOptions {
  // fw_version/smc_fw_version of the card, where known. On 3.0, firmware up to 0x5d4600
  // reports gfx activity in centi-percent, later firmware in percent (the kernel's own
  // smu_v14_0_0 read_sensor makes the same distinction).
  std::optional<std::uint32_t> smc_fw_version;
};

inline constexpr std::size_t kV3ThrottleResidencyCount = 7;
// gpu_metrics_v3_0 throttle_residency_* counters, in struct order.
inline constexpr std::array<const char*, kV3ThrottleResidencyCount> kV3ThrottleResidencyNames = {
    "prochot", "spl", "fppt", "sppt", "thm_core", "thm_gfx", "thm_soc"};

struct GpuMetrics {
  std::uint16_t structure_size = 0;
  std::uint8_t format_revision = 0;
  std::uint8_t content_revision = 0;
  bool apu_layout = false;  // format 2 or 3: the driver filled an APU table

  std::optional<double> gfx_activity_percent;  // 0-100
  std::optional<double> umc_activity_percent;  // memory controller, 0-100 (format 1)
  std::optional<double> temperature_c;         // edge (format 1) or gfx (formats 2, 3)
  std::optional<double> hotspot_c;             // format 1
  std::optional<double> memory_temperature_c;  // format 1
  std::optional<double> soc_temperature_c;     // formats 2, 3
  std::optional<double> socket_power_w;        // whole package on APUs
  std::optional<double> gfx_power_w;           // formats 2, 3: GFX only
  std::optional<double> gfxclk_mhz;
  std::optional<double> uclk_mhz;
  std::optional<std::uint32_t> dram_reads_mbps;   // 3.0 average_dram_reads, MB/s (u16!)
  std::optional<std::uint32_t> dram_writes_mbps;  // 3.0 average_dram_writes
  std::optional<std::uint32_t> throttle_status;        // ASIC-dependent bits
  std::optional<std::uint64_t> indep_throttle_status;  // 1.3, 2.2+: SMU_THROTTLER_* bits
  // 3.0: counters the firmware increments on each metrics update while that limit is
  // engaged; only their growth between two reads means anything.
  std::array<std::optional<std::uint32_t>, kV3ThrottleResidencyCount> throttle_residency;
};

struct GpuMetricsParse {
  std::optional<GpuMetrics> metrics;
  std::string error;             // why metrics is empty
  bool unknown_version = false;  // the header was fine, the version is not one we know
  std::uint8_t format_revision = 0;
  std::uint8_t content_revision = 0;
};

// Never throws, never reads outside `bytes`. Checks the header's structure_size against
// the data: a file shorter than its header claims is refused (a torn read), a longer
// one is parsed up to structure_size.
GpuMetricsParse parse_gpu_metrics(std::span<const std::uint8_t> bytes, const GpuMetricsOptions& options = {});

// "ppt0,temp_hotspot" from SMU_THROTTLER_* bits (amdgpu_smu.h); unknown bits as "bit50".
std::string indep_throttle_reasons(std::uint64_t bits);

}  // namespace hakari::telemetry
