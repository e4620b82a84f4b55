// Compile-only check of hakari's own NVML declarations (nvml_api.h) against NVIDIA's
// nvml.h, built only where the CUDA toolkit provides that header. Compiling is the test.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <nvml.h>

namespace mine {
#include "hakari/telemetry/nvml/nvml_api.h"
}  // namespace mine

namespace m = mine::hakari::telemetry::nvml;

// Enums travel as C ints.
static_assert(sizeof(nvmlReturn_t) == sizeof(mine::nvmlReturn_t));
static_assert(sizeof(nvmlTemperatureSensors_t) == sizeof(int));
static_assert(sizeof(nvmlClockType_t) == sizeof(int));
static_assert(sizeof(nvmlValueType_t) == sizeof(int));

// Struct layouts.
static_assert(sizeof(mine::nvmlMemory_t) == sizeof(nvmlMemory_t));
static_assert(offsetof(mine::nvmlMemory_t, total) == offsetof(nvmlMemory_t, total));
static_assert(offsetof(mine::nvmlMemory_t, free) == offsetof(nvmlMemory_t, free));
static_assert(offsetof(mine::nvmlMemory_t, used) == offsetof(nvmlMemory_t, used));
static_assert(sizeof(mine::nvmlMemory_v2_t) == sizeof(nvmlMemory_v2_t));
static_assert(offsetof(mine::nvmlMemory_v2_t, version) == offsetof(nvmlMemory_v2_t, version));
static_assert(offsetof(mine::nvmlMemory_v2_t, total) == offsetof(nvmlMemory_v2_t, total));
static_assert(offsetof(mine::nvmlMemory_v2_t, reserved) == offsetof(nvmlMemory_v2_t, reserved));
static_assert(offsetof(mine::nvmlMemory_v2_t, free) == offsetof(nvmlMemory_v2_t, free));
static_assert(offsetof(mine::nvmlMemory_v2_t, used) == offsetof(nvmlMemory_v2_t, used));
static_assert(m::kMemoryV2Version == nvmlMemory_v2);
static_assert(sizeof(mine::nvmlUtilization_t) == sizeof(nvmlUtilization_t));
static_assert(offsetof(mine::nvmlUtilization_t, gpu) == offsetof(nvmlUtilization_t, gpu));
static_assert(offsetof(mine::nvmlUtilization_t, memory) == offsetof(nvmlUtilization_t, memory));
static_assert(sizeof(mine::nvmlValue_t) == sizeof(nvmlValue_t));
static_assert(sizeof(mine::nvmlFieldValue_t) == sizeof(nvmlFieldValue_t));
static_assert(offsetof(mine::nvmlFieldValue_t, fieldId) == offsetof(nvmlFieldValue_t, fieldId));
static_assert(offsetof(mine::nvmlFieldValue_t, scopeId) == offsetof(nvmlFieldValue_t, scopeId));
static_assert(offsetof(mine::nvmlFieldValue_t, timestamp) == offsetof(nvmlFieldValue_t, timestamp));
static_assert(offsetof(mine::nvmlFieldValue_t, latencyUsec) == offsetof(nvmlFieldValue_t, latencyUsec));
static_assert(offsetof(mine::nvmlFieldValue_t, valueType) == offsetof(nvmlFieldValue_t, valueType));
static_assert(offsetof(mine::nvmlFieldValue_t, nvmlReturn) == offsetof(nvmlFieldValue_t, nvmlReturn));
static_assert(offsetof(mine::nvmlFieldValue_t, value) == offsetof(nvmlFieldValue_t, value));

// Signatures, written with NVIDIA's types in the shapes nvml_api.h assumes.
static_assert(std::is_same_v<decltype(&nvmlInit_v2), nvmlReturn_t (*)()>);
static_assert(std::is_same_v<decltype(&nvmlShutdown), nvmlReturn_t (*)()>);
static_assert(std::is_same_v<decltype(&nvmlErrorString), const char* (*)(nvmlReturn_t)>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetCount_v2), nvmlReturn_t (*)(unsigned int*)>);
static_assert(
    std::is_same_v<decltype(&nvmlDeviceGetHandleByIndex_v2), nvmlReturn_t (*)(unsigned int, nvmlDevice_t*)>);
static_assert(
    std::is_same_v<decltype(&nvmlDeviceGetName), nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int)>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetUtilizationRates),
                             nvmlReturn_t (*)(nvmlDevice_t, nvmlUtilization_t*)>);
static_assert(
    std::is_same_v<decltype(&nvmlDeviceGetMemoryInfo), nvmlReturn_t (*)(nvmlDevice_t, nvmlMemory_t*)>);
static_assert(
    std::is_same_v<decltype(&nvmlDeviceGetMemoryInfo_v2), nvmlReturn_t (*)(nvmlDevice_t, nvmlMemory_v2_t*)>);
static_assert(
    std::is_same_v<decltype(&nvmlDeviceGetPowerUsage), nvmlReturn_t (*)(nvmlDevice_t, unsigned int*)>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetTotalEnergyConsumption),
                             nvmlReturn_t (*)(nvmlDevice_t, unsigned long long*)>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetClockInfo),
                             nvmlReturn_t (*)(nvmlDevice_t, nvmlClockType_t, unsigned int*)>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetFieldValues),
                             nvmlReturn_t (*)(nvmlDevice_t, int, nvmlFieldValue_t*)>);

// Constants.
static_assert(m::kSuccess == NVML_SUCCESS);
static_assert(m::kErrorUninitialized == NVML_ERROR_UNINITIALIZED);
static_assert(m::kErrorInvalidArgument == NVML_ERROR_INVALID_ARGUMENT);
static_assert(m::kErrorNotSupported == NVML_ERROR_NOT_SUPPORTED);
static_assert(m::kErrorNoPermission == NVML_ERROR_NO_PERMISSION);
static_assert(m::kErrorNotFound == NVML_ERROR_NOT_FOUND);
static_assert(m::kErrorInsufficientSize == NVML_ERROR_INSUFFICIENT_SIZE);
static_assert(m::kErrorDriverNotLoaded == NVML_ERROR_DRIVER_NOT_LOADED);
static_assert(m::kErrorGpuIsLost == NVML_ERROR_GPU_IS_LOST);
static_assert(m::kErrorArgumentVersionMismatch == NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
static_assert(m::kErrorUnknown == NVML_ERROR_UNKNOWN);
static_assert(m::kTemperatureGpu == NVML_TEMPERATURE_GPU);
static_assert(m::kClockGraphics == NVML_CLOCK_GRAPHICS);
static_assert(m::kClockSm == NVML_CLOCK_SM);
static_assert(m::kClockMem == NVML_CLOCK_MEM);
static_assert(m::kFieldPowerAverage == NVML_FI_DEV_POWER_AVERAGE);
static_assert(m::kFieldPowerInstant == NVML_FI_DEV_POWER_INSTANT);
static_assert(m::kPowerScopeGpu == NVML_POWER_SCOPE_GPU);
static_assert(m::kValueDouble == NVML_VALUE_TYPE_DOUBLE);
static_assert(m::kValueUnsignedInt == NVML_VALUE_TYPE_UNSIGNED_INT);
static_assert(m::kValueUnsignedLong == NVML_VALUE_TYPE_UNSIGNED_LONG);
static_assert(m::kValueUnsignedLongLong == NVML_VALUE_TYPE_UNSIGNED_LONG_LONG);
static_assert(m::kValueSignedLongLong == NVML_VALUE_TYPE_SIGNED_LONG_LONG);
static_assert(m::kDeviceNameBufferSize == NVML_DEVICE_NAME_V2_BUFFER_SIZE);
#ifdef nvmlClocksEventReasonGpuIdle
static_assert(m::kReasonGpuIdle == nvmlClocksEventReasonGpuIdle);
static_assert(m::kReasonApplicationsClocksSetting == nvmlClocksEventReasonApplicationsClocksSetting);
static_assert(m::kReasonSwPowerCap == nvmlClocksEventReasonSwPowerCap);
static_assert(m::kReasonSyncBoost == nvmlClocksEventReasonSyncBoost);
static_assert(m::kReasonSwThermalSlowdown == nvmlClocksEventReasonSwThermalSlowdown);
static_assert(m::kReasonDisplayClockSetting == nvmlClocksEventReasonDisplayClockSetting);
#endif
#ifdef nvmlClocksThrottleReasonHwSlowdown
static_assert(m::kReasonHwSlowdown == nvmlClocksThrottleReasonHwSlowdown);
static_assert(m::kReasonHwThermalSlowdown == nvmlClocksThrottleReasonHwThermalSlowdown);
static_assert(m::kReasonHwPowerBrakeSlowdown == nvmlClocksThrottleReasonHwPowerBrakeSlowdown);
#endif

int main() { return 0; }
