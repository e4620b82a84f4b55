// NVIDIA GPUs through NVML, opened with dlopen at run time so that hakari neither links
// against nor requires the NVIDIA driver.
//
// Per device, per sample (GpuReading id "nvml:<index>", vendor "nvidia", power_scope "gpu"):
//   nvmlDeviceGetUtilizationRates      gpu -> busy_percent, memory -> memory_busy_percent
//                                      (memory = share of time memory was busy, not bandwidth)
//   nvmlDeviceGetMemoryInfo_v2 (else v1) used/total -> memory_used_bytes / memory_total_bytes
//                                      (v2 leaves driver-reserved memory out, as nvidia-smi does)
//   nvmlDeviceGetPowerUsage            mW -> power_w (a 1 s average on Ampere and newer)
//   nvmlDeviceGetFieldValues           POWER_AVERAGE / POWER_INSTANT -> power_average_w /
//                                      power_input_w, where the driver has them
//   nvmlDeviceGetTotalEnergyConsumption mJ since the driver loaded -> energy_j, and an
//                                      EnergyReading{"nvml:<index>", "gpu"}
//   nvmlDeviceGetTemperature(GPU)      -> temperature_c
//   nvmlDeviceGetClockInfo(SM, MEM)    -> sclk_mhz, mclk_mhz
//   nvmlDeviceGetCurrentClocksEventReasons (or ...ThrottleReasons on older drivers)
//                                      -> throttle_reasons (every bit set, by name) and
//                                         throttled (any bit but idle / clock settings)
// Only init, count, handle, shutdown and the error string are required; any other entry
// point that the library lacks leaves its fields empty. An NVML error on one call leaves
// that field empty and is noted once per device and call.
//
// Unified-memory parts (GB10 / DGX Spark): NVML answers "Not Supported" for memory info;
// the reading says unified_memory = true and leaves the memory fields empty (the model
// lives in system RAM, which the memory reading covers).
#pragma once

#include <memory>
#include <string>

#include "hakari/telemetry/sampler.h"

namespace hakari::telemetry {

// Loads NVML and initialises it. Returns nullptr with `why_not` set when there is nothing
// to sample: "libnvidia-ml.so.1 not found: <dlerror>", "nvmlInit_v2 failed: <string>",
// "no NVIDIA GPU". An absent library is never an error. The sampler calls nvmlShutdown
// and dlclose when destroyed.
std::unique_ptr<Sampler> make_nvml_sampler(std::string& why_not,
                                           const std::string& library = "libnvidia-ml.so.1");

}  // namespace hakari::telemetry
