// A stand-in for libnvidia-ml.so.1: the entry points hakari resolves, with the same C ABI,
// simulating two GPUs whose readings the tests know exactly.
//
// Behaviour is chosen by the environment variable FAKE_NVML_MODE, read by nvmlInit_v2:
//   (unset)     two devices, every call succeeds
//   init_fail   nvmlInit_v2 returns NVML_ERROR_DRIVER_NOT_LOADED
//   no_devices  nvmlDeviceGetCount_v2 reports 0
//   errors      device 1: temperature "Not Supported", power fields per-field "Not Supported"
//   gb10        one "NVIDIA GB10" whose memory info is "Not Supported" (unified memory)
// Built a second time with FAKE_NVML_MINIMAL, it lacks nvmlDeviceGetMemoryInfo_v2,
// nvmlDeviceGetTotalEnergyConsumption, nvmlDeviceGetFieldValues and both clock-reason
// calls, like an older driver. Memory info version 1 counts 512 MiB of driver-reserved
// memory as used; version 2 does not.
//
// fake_nvml_counters() lets a test that keeps its own dlopen handle see how often
// nvmlInit_v2 and nvmlShutdown ran.
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "hakari/telemetry/nvml/nvml_api.h"

namespace nv = hakari::telemetry::nvml;

#define FAKE_EXPORT __attribute__((visibility("default")))

struct nvmlDevice_st {
  const char* name;
  unsigned int util_gpu, util_memory;
  unsigned long long mem_total, mem_used;  // used: allocated, without the reserved part
  unsigned int power_mw;
  unsigned long long energy_base_mj, energy_step_mj;
  unsigned int temperature_c;
  unsigned int sm_mhz, mem_mhz;
  unsigned long long reasons;
  unsigned long long energy_reads;  // advances the energy counter
};

namespace {

nvmlDevice_st g_devices[] = {
    {"NVIDIA H100 80GB HBM3", 87, 42, 85520809984ULL, 62277025792ULL, 312456, 123456789ULL, 1500, 61, 1755,
     2619, nv::kReasonSwPowerCap, 0},
    {"NVIDIA GeForce RTX 4090", 12, 3, 25757220864ULL, 1073741824ULL, 35250, 9876543ULL, 250, 38, 210, 405,
     nv::kReasonGpuIdle, 0},
};
nvmlDevice_st g_gb10 = {"NVIDIA GB10", 55, 0, 0, 0, 40125, 5000000ULL, 100, 47, 2405, 0,
                        nv::kReasonSwPowerCap | nv::kReasonHwThermalSlowdown, 0};

constexpr unsigned long long kReservedBytes = 536870912;  // 512 MiB for the driver

bool g_initialized = false;
int g_init_calls = 0;
int g_shutdown_calls = 0;
std::string_view g_mode;

nvmlDevice_st* check(nvmlDevice_t d) {
  if (!g_initialized || d == nullptr) return nullptr;
  return d;
}

bool is_device(nvmlDevice_t d, int index) { return g_mode != "gb10" && d == &g_devices[index]; }

}  // namespace

extern "C" {

FAKE_EXPORT void fake_nvml_counters(int* init_calls, int* shutdown_calls) {
  *init_calls = g_init_calls;
  *shutdown_calls = g_shutdown_calls;
}

FAKE_EXPORT nvmlReturn_t nvmlInit_v2() {
  ++g_init_calls;
  const char* mode = std::getenv("FAKE_NVML_MODE");
  g_mode = mode != nullptr ? mode : "";
  if (g_mode == "init_fail") return nv::kErrorDriverNotLoaded;
  for (auto& d : g_devices) d.energy_reads = 0;
  g_gb10.energy_reads = 0;
  g_initialized = true;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlShutdown() {
  if (!g_initialized) return nv::kErrorUninitialized;
  ++g_shutdown_calls;
  g_initialized = false;
  return nv::kSuccess;
}

FAKE_EXPORT const char* nvmlErrorString(nvmlReturn_t rc) {
  switch (rc) {
    case nv::kSuccess: return "Success";
    case nv::kErrorUninitialized: return "Uninitialized";
    case nv::kErrorInvalidArgument: return "Invalid Argument";
    case nv::kErrorNotSupported: return "Not Supported";
    case nv::kErrorDriverNotLoaded: return "Driver Not Loaded";
    case nv::kErrorGpuIsLost: return "GPU is lost";
    default: return "Unknown Error";
  }
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  if (!g_initialized) return nv::kErrorUninitialized;
  if (count == nullptr) return nv::kErrorInvalidArgument;
  if (g_mode == "no_devices") {
    *count = 0;
  } else if (g_mode == "gb10") {
    *count = 1;
  } else {
    *count = 2;
  }
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  if (!g_initialized) return nv::kErrorUninitialized;
  if (device == nullptr) return nv::kErrorInvalidArgument;
  if (g_mode == "gb10") {
    if (index != 0) return nv::kErrorInvalidArgument;
    *device = &g_gb10;
    return nv::kSuccess;
  }
  if (index >= 2 || g_mode == "no_devices") return nv::kErrorInvalidArgument;
  *device = &g_devices[index];
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || name == nullptr) return nv::kErrorInvalidArgument;
  if (std::strlen(d->name) + 1 > length) return nv::kErrorInsufficientSize;
  std::strcpy(name, d->name);
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t* u) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || u == nullptr) return nv::kErrorInvalidArgument;
  u->gpu = d->util_gpu;
  u->memory = d->util_memory;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* m) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || m == nullptr) return nv::kErrorInvalidArgument;
  if (d == &g_gb10) return nv::kErrorNotSupported;
  // Version 1 counts the driver's reserved memory as used.
  m->total = d->mem_total;
  m->used = d->mem_used + kReservedBytes;
  m->free = d->mem_total - m->used;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int* mw) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || mw == nullptr) return nv::kErrorInvalidArgument;
  *mw = d->power_mw;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int* c) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || c == nullptr || sensor != nv::kTemperatureGpu) return nv::kErrorInvalidArgument;
  if (g_mode == "errors" && is_device(device, 1)) return nv::kErrorNotSupported;
  *c = d->temperature_c;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int* mhz) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || mhz == nullptr) return nv::kErrorInvalidArgument;
  switch (type) {
    case nv::kClockSm: *mhz = d->sm_mhz; return nv::kSuccess;
    case nv::kClockMem:
      if (d == &g_gb10) return nv::kErrorNotSupported;
      *mhz = d->mem_mhz;
      return nv::kSuccess;
    case nv::kClockGraphics: *mhz = d->sm_mhz; return nv::kSuccess;
    default: return nv::kErrorInvalidArgument;
  }
}

#ifndef FAKE_NVML_MINIMAL

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t* m) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || m == nullptr) return nv::kErrorInvalidArgument;
  if (m->version != nv::kMemoryV2Version) return nv::kErrorArgumentVersionMismatch;
  if (d == &g_gb10) return nv::kErrorNotSupported;
  m->total = d->mem_total;
  m->reserved = kReservedBytes;
  m->used = d->mem_used;
  m->free = d->mem_total - d->mem_used - kReservedBytes;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long* mj) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || mj == nullptr) return nv::kErrorInvalidArgument;
  *mj = d->energy_base_mj + d->energy_step_mj * d->energy_reads++;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device,
                                                                unsigned long long* reasons) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || reasons == nullptr) return nv::kErrorInvalidArgument;
  *reasons = d->reasons;
  return nv::kSuccess;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device,
                                                                   unsigned long long* reasons) {
  return nvmlDeviceGetCurrentClocksEventReasons(device, reasons);
}

// Device 0 reports power fields as unsigned ints, device 1 as a double and an unsigned
// long long, so the reader's handling of valueType is exercised.
FAKE_EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t* values) {
  nvmlDevice_st* d = check(device);
  if (d == nullptr || values == nullptr || count < 0) return nv::kErrorInvalidArgument;
  for (int i = 0; i < count; ++i) {
    nvmlFieldValue_t& f = values[i];
    f.timestamp = 1'700'000'000'000'000LL;
    f.latencyUsec = 0;
    const bool average = f.fieldId == nv::kFieldPowerAverage;
    const bool instant = f.fieldId == nv::kFieldPowerInstant;
    if ((!average && !instant) || (g_mode == "errors" && is_device(device, 1))) {
      f.nvmlReturn = nv::kErrorNotSupported;
      continue;
    }
    f.nvmlReturn = nv::kSuccess;
    if (d == &g_devices[1]) {
      if (average) {
        f.valueType = nv::kValueDouble;
        f.value.dVal = 34750.5;
      } else {
        f.valueType = nv::kValueUnsignedLongLong;
        f.value.ullVal = 36125;
      }
    } else {
      f.valueType = nv::kValueUnsignedInt;
      f.value.uiVal = average ? d->power_mw - 7456 : d->power_mw + 18794;
    }
  }
  return nv::kSuccess;
}

#endif  // FAKE_NVML_MINIMAL

}  // extern "C"
