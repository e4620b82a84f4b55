// Fuzzes the amdgpu gpu_metrics parser (and the pp_dpm_* text parser) with arbitrary
// bytes: whatever the kernel, a firmware bug or a torn read hands us must parse or be
// refused, never read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "hakari/telemetry/sysfs/gpu_metrics.h"
#include "hakari/telemetry/sysfs/sysfs_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hakari::telemetry;
  const std::span<const std::uint8_t> bytes(data, size);
  for (const auto& options : {GpuMetricsOptions{}, GpuMetricsOptions{0x5d4600u}, GpuMetricsOptions{0x5d4700u}}) {
    const auto r = parse_gpu_metrics(bytes, options);
    if (r.metrics) {
      const auto& m = *r.metrics;
      if (m.gfx_activity_percent && (*m.gfx_activity_percent < 0 || *m.gfx_activity_percent > 100)) __builtin_trap();
      if (m.umc_activity_percent && (*m.umc_activity_percent < 0 || *m.umc_activity_percent > 100)) __builtin_trap();
      if (m.structure_size > size) __builtin_trap();
      if (m.indep_throttle_status) (void)indep_throttle_reasons(*m.indep_throttle_status);
    }
  }
  (void)parse_dpm_current_mhz(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
