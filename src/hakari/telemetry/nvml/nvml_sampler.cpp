#include "hakari/telemetry/nvml/nvml_sampler.h"

#include <dlfcn.h>

#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "hakari/telemetry/nvml/nvml_api.h"

namespace hakari::telemetry {
namespace {

namespace nv = nvml;

// dlsym gives an object pointer; copying its bits is the portable way to a function pointer.
template <typename Fn>
Fn resolve(void* lib, const char* symbol) {
  void* p = ::dlsym(lib, symbol);
  Fn fn = nullptr;
  static_assert(sizeof fn == sizeof p);
  std::memcpy(&fn, &p, sizeof fn);
  return fn;
}

std::string last_dlerror() {
  const char* e = ::dlerror();
  return e != nullptr ? std::string(e) : std::string("unknown error");
}

struct Api {
  void* lib = nullptr;
  // Required.
  nvmlInit_v2_fn init = nullptr;
  nvmlShutdown_fn shutdown = nullptr;
  nvmlErrorString_fn error_string = nullptr;
  nvmlDeviceGetCount_v2_fn count = nullptr;
  nvmlDeviceGetHandleByIndex_v2_fn handle = nullptr;
  // Optional.
  nvmlDeviceGetName_fn name = nullptr;
  nvmlDeviceGetUtilizationRates_fn utilization = nullptr;
  nvmlDeviceGetMemoryInfo_fn memory = nullptr;
  nvmlDeviceGetMemoryInfo_v2_fn memory_v2 = nullptr;
  nvmlDeviceGetPowerUsage_fn power = nullptr;
  nvmlDeviceGetTotalEnergyConsumption_fn energy = nullptr;
  nvmlDeviceGetTemperature_fn temperature = nullptr;
  nvmlDeviceGetClockInfo_fn clock = nullptr;
  nvmlDeviceGetClocksReasons_fn reasons = nullptr;
  nvmlDeviceGetFieldValues_fn fields = nullptr;

  std::string error(nvmlReturn_t rc) const {
    const char* s = error_string != nullptr ? error_string(rc) : nullptr;
    std::string out = s != nullptr ? std::string(s) : std::string("NVML error");
    out += " (" + std::to_string(rc) + ")";
    return out;
  }
};

// "NVIDIA GB10" (DGX Spark): one memory shared by the CPU and the GPU.
bool is_unified_part(std::string_view name) {
  for (std::size_t pos = name.find("GB10"); pos != std::string_view::npos; pos = name.find("GB10", pos + 1)) {
    const std::size_t end = pos + 4;
    const bool starts = pos == 0 || name[pos - 1] == ' ' || name[pos - 1] == '-';
    const bool ends = end == name.size() || !(name[end] >= '0' && name[end] <= '9');
    if (starts && ends) return true;
  }
  return false;
}

std::string reason_names(std::uint64_t bits) {
  static constexpr std::pair<std::uint64_t, const char*> kNames[] = {
      {nv::kReasonGpuIdle, "gpu_idle"},
      {nv::kReasonApplicationsClocksSetting, "applications_clocks_setting"},
      {nv::kReasonSwPowerCap, "sw_power_cap"},
      {nv::kReasonHwSlowdown, "hw_slowdown"},
      {nv::kReasonSyncBoost, "sync_boost"},
      {nv::kReasonSwThermalSlowdown, "sw_thermal_slowdown"},
      {nv::kReasonHwThermalSlowdown, "hw_thermal_slowdown"},
      {nv::kReasonHwPowerBrakeSlowdown, "hw_power_brake_slowdown"},
      {nv::kReasonDisplayClockSetting, "display_clock_setting"},
  };
  std::string out;
  auto add = [&](std::string_view s) {
    if (!out.empty()) out += ',';
    out += s;
  };
  std::uint64_t known = 0;
  for (const auto& [bit, label] : kNames) {
    known |= bit;
    if ((bits & bit) != 0) add(label);
  }
  for (int b = 0; b < 64; ++b) {
    const std::uint64_t bit = std::uint64_t{1} << b;
    if ((bits & bit) != 0 && (known & bit) == 0) add("bit" + std::to_string(b));
  }
  return out;
}

// A field value in mW, whatever integer or floating type the driver chose for it.
std::optional<double> field_milliwatts(const nvmlFieldValue_t& f) {
  if (f.nvmlReturn != nv::kSuccess) return std::nullopt;
  switch (f.valueType) {
    case nv::kValueDouble: return f.value.dVal;
    case nv::kValueUnsignedInt: return static_cast<double>(f.value.uiVal);
    case nv::kValueUnsignedLong: return static_cast<double>(f.value.ulVal);
    case nv::kValueUnsignedLongLong: return static_cast<double>(f.value.ullVal);
    case nv::kValueSignedLongLong: return static_cast<double>(f.value.sllVal);
    case nv::kValueSignedInt: return static_cast<double>(f.value.siVal);
    case nv::kValueUnsignedShort: return static_cast<double>(f.value.usVal);
    default: return std::nullopt;
  }
}

struct Device {
  unsigned int index = 0;
  nvmlDevice_t handle = nullptr;
  std::string id;  // "nvml:<index>"
  std::string name;
};

class NvmlSampler final : public Sampler {
 public:
  NvmlSampler(Api api, std::vector<Device> devices, std::vector<std::string> startup_notes)
      : api_(api), devices_(std::move(devices)) {
    for (auto& n : startup_notes) note(std::move(n));
  }
  ~NvmlSampler() override {
    api_.shutdown();
    ::dlclose(api_.lib);
  }
  NvmlSampler(const NvmlSampler&) = delete;
  NvmlSampler& operator=(const NvmlSampler&) = delete;

  std::string_view name() const override { return "nvml"; }

  void sample(Snapshot& out) override {
    for (const Device& d : devices_) sample_device(d, out);
  }

 private:
  // Says once, per device and call, why a field stays empty.
  void failed(const Device& d, const char* call, nvmlReturn_t rc) {
    std::string key = d.id + ' ' + call;
    if (!noted_.insert(key).second) return;
    note(d.id + " (" + d.name + "): " + call + ": " + api_.error(rc) + "; that reading stays empty");
  }

  void sample_device(const Device& d, Snapshot& out) {
    GpuReading g;
    g.id = d.id;
    g.vendor = "nvidia";
    g.name = d.name;
    g.power_scope = "gpu";
    g.unified_memory = is_unified_part(d.name);

    if (api_.utilization != nullptr) {
      nvmlUtilization_t u{};
      if (const nvmlReturn_t rc = api_.utilization(d.handle, &u); rc == nv::kSuccess) {
        g.busy_percent = static_cast<double>(u.gpu);
        g.memory_busy_percent = static_cast<double>(u.memory);
      } else {
        failed(d, "nvmlDeviceGetUtilizationRates", rc);
      }
    }

    // Version 2 leaves the driver's reserved memory out of `used`, as nvidia-smi shows it;
    // version 1 counts it in. The first that answers is taken.
    nvmlReturn_t mem_rc = nv::kErrorNotSupported;
    bool have_memory = false;
    if (api_.memory_v2 != nullptr) {
      nvmlMemory_v2_t m{};
      m.version = nv::kMemoryV2Version;
      mem_rc = api_.memory_v2(d.handle, &m);
      if (mem_rc == nv::kSuccess && m.total > 0 && m.used <= m.total) {
        g.memory_used_bytes = static_cast<std::int64_t>(m.used);
        g.memory_total_bytes = static_cast<std::int64_t>(m.total);
        have_memory = true;
      }
    }
    if (!have_memory && api_.memory != nullptr) {
      nvmlMemory_t m{};
      mem_rc = api_.memory(d.handle, &m);
      if (mem_rc == nv::kSuccess && m.total > 0 && m.used <= m.total) {
        g.memory_used_bytes = static_cast<std::int64_t>(m.used);
        g.memory_total_bytes = static_cast<std::int64_t>(m.total);
        have_memory = true;
      }
    }
    if (!have_memory && (api_.memory != nullptr || api_.memory_v2 != nullptr)) {
      if (g.unified_memory && (mem_rc == nv::kErrorNotSupported || mem_rc == nv::kSuccess)) {
        if (noted_.insert(d.id + " unified").second) {
          note(d.id + " (" + d.name +
               "): unified memory, NVML reports no device memory; the model's memory shows "
               "as system memory");
        }
      } else if (mem_rc != nv::kSuccess) {
        failed(d, "nvmlDeviceGetMemoryInfo", mem_rc);
      } else if (noted_.insert(d.id + " memory values").second) {
        note(d.id + " (" + d.name +
             "): nvmlDeviceGetMemoryInfo gave a total of 0 or used above total; "
             "memory readings stay empty");
      }
    }

    if (api_.power != nullptr) {
      unsigned int mw = 0;
      if (const nvmlReturn_t rc = api_.power(d.handle, &mw); rc == nv::kSuccess) {
        g.power_w = mw / 1000.0;
      } else {
        failed(d, "nvmlDeviceGetPowerUsage", rc);
      }
    }

    if (api_.fields != nullptr) {
      nvmlFieldValue_t f[2]{};
      f[0].fieldId = nv::kFieldPowerAverage;
      f[0].scopeId = nv::kPowerScopeGpu;
      f[1].fieldId = nv::kFieldPowerInstant;
      f[1].scopeId = nv::kPowerScopeGpu;
      if (const nvmlReturn_t rc = api_.fields(d.handle, 2, f); rc == nv::kSuccess) {
        if (auto mw = field_milliwatts(f[0])) {
          g.power_average_w = *mw / 1000.0;
        } else {
          failed(d, "nvmlDeviceGetFieldValues(POWER_AVERAGE)", f[0].nvmlReturn);
        }
        if (auto mw = field_milliwatts(f[1])) {
          g.power_input_w = *mw / 1000.0;
        } else {
          failed(d, "nvmlDeviceGetFieldValues(POWER_INSTANT)", f[1].nvmlReturn);
        }
      } else {
        failed(d, "nvmlDeviceGetFieldValues", rc);
      }
    }
    if (!g.power_w) g.power_w = g.power_average_w ? g.power_average_w : g.power_input_w;

    if (api_.energy != nullptr) {
      unsigned long long mj = 0;
      if (const nvmlReturn_t rc = api_.energy(d.handle, &mj); rc == nv::kSuccess) {
        g.energy_j = static_cast<double>(mj) / 1000.0;
        out.energy.push_back(EnergyReading{d.id, "gpu", *g.energy_j});
      } else {
        failed(d, "nvmlDeviceGetTotalEnergyConsumption", rc);
      }
    }

    if (api_.temperature != nullptr) {
      unsigned int c = 0;
      if (const nvmlReturn_t rc = api_.temperature(d.handle, nv::kTemperatureGpu, &c); rc == nv::kSuccess) {
        g.temperature_c = static_cast<double>(c);
      } else {
        failed(d, "nvmlDeviceGetTemperature", rc);
      }
    }

    if (api_.clock != nullptr) {
      unsigned int mhz = 0;
      if (const nvmlReturn_t rc = api_.clock(d.handle, nv::kClockSm, &mhz); rc == nv::kSuccess) {
        g.sclk_mhz = static_cast<double>(mhz);
      } else {
        failed(d, "nvmlDeviceGetClockInfo(SM)", rc);
      }
      if (const nvmlReturn_t rc = api_.clock(d.handle, nv::kClockMem, &mhz); rc == nv::kSuccess) {
        g.mclk_mhz = static_cast<double>(mhz);
      } else {
        failed(d, "nvmlDeviceGetClockInfo(MEM)", rc);
      }
    }

    if (api_.reasons != nullptr) {
      unsigned long long bits = 0;
      if (const nvmlReturn_t rc = api_.reasons(d.handle, &bits); rc == nv::kSuccess) {
        g.throttled = (bits & ~nv::kReasonsNotThrottling) != 0;
        g.throttle_reasons = reason_names(bits);
      } else {
        failed(d, "nvmlDeviceGetCurrentClocksEventReasons", rc);
      }
    }

    out.gpus.push_back(std::move(g));
  }

  Api api_;
  std::vector<Device> devices_;
  std::set<std::string> noted_;
};

}  // namespace

std::unique_ptr<Sampler> make_nvml_sampler(std::string& why_not, const std::string& library) {
  why_not.clear();
  ::dlerror();  // clear any stale error
  void* lib = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    why_not = library + " not found: " + last_dlerror();
    return nullptr;
  }

  Api api;
  api.lib = lib;
  api.init = resolve<nvmlInit_v2_fn>(lib, "nvmlInit_v2");
  api.shutdown = resolve<nvmlShutdown_fn>(lib, "nvmlShutdown");
  api.error_string = resolve<nvmlErrorString_fn>(lib, "nvmlErrorString");
  api.count = resolve<nvmlDeviceGetCount_v2_fn>(lib, "nvmlDeviceGetCount_v2");
  api.handle = resolve<nvmlDeviceGetHandleByIndex_v2_fn>(lib, "nvmlDeviceGetHandleByIndex_v2");
  const std::pair<const char*, bool> required[] = {
      {"nvmlInit_v2", api.init != nullptr},
      {"nvmlShutdown", api.shutdown != nullptr},
      {"nvmlErrorString", api.error_string != nullptr},
      {"nvmlDeviceGetCount_v2", api.count != nullptr},
      {"nvmlDeviceGetHandleByIndex_v2", api.handle != nullptr},
  };
  for (const auto& [symbol, present] : required) {
    if (!present) {
      why_not = library + " has no " + symbol + " (driver too old?)";
      ::dlclose(lib);
      return nullptr;
    }
  }

  if (const nvmlReturn_t rc = api.init(); rc != nv::kSuccess) {
    why_not = "nvmlInit_v2 failed: " + api.error(rc);
    ::dlclose(lib);
    return nullptr;
  }
  auto fail = [&](std::string why) -> std::unique_ptr<Sampler> {
    why_not = std::move(why);
    api.shutdown();
    ::dlclose(lib);
    return nullptr;
  };

  unsigned int count = 0;
  if (const nvmlReturn_t rc = api.count(&count); rc != nv::kSuccess) {
    return fail("nvmlDeviceGetCount_v2 failed: " + api.error(rc));
  }
  if (count == 0) return fail("no NVIDIA GPU");
  constexpr unsigned int kMaxDevices = 64;  // never trust a count blindly
  if (count > kMaxDevices) count = kMaxDevices;

  api.name = resolve<nvmlDeviceGetName_fn>(lib, "nvmlDeviceGetName");
  api.utilization = resolve<nvmlDeviceGetUtilizationRates_fn>(lib, "nvmlDeviceGetUtilizationRates");
  api.memory = resolve<nvmlDeviceGetMemoryInfo_fn>(lib, "nvmlDeviceGetMemoryInfo");
  api.memory_v2 = resolve<nvmlDeviceGetMemoryInfo_v2_fn>(lib, "nvmlDeviceGetMemoryInfo_v2");
  api.power = resolve<nvmlDeviceGetPowerUsage_fn>(lib, "nvmlDeviceGetPowerUsage");
  api.energy = resolve<nvmlDeviceGetTotalEnergyConsumption_fn>(lib, "nvmlDeviceGetTotalEnergyConsumption");
  api.temperature = resolve<nvmlDeviceGetTemperature_fn>(lib, "nvmlDeviceGetTemperature");
  api.clock = resolve<nvmlDeviceGetClockInfo_fn>(lib, "nvmlDeviceGetClockInfo");
  // Renamed in CUDA 12.x drivers; the old name stays exported for a while.
  api.reasons = resolve<nvmlDeviceGetClocksReasons_fn>(lib, "nvmlDeviceGetCurrentClocksEventReasons");
  if (api.reasons == nullptr) {
    api.reasons = resolve<nvmlDeviceGetClocksReasons_fn>(lib, "nvmlDeviceGetCurrentClocksThrottleReasons");
  }
  api.fields = resolve<nvmlDeviceGetFieldValues_fn>(lib, "nvmlDeviceGetFieldValues");

  std::vector<std::string> notes;
  const std::pair<const char*, bool> optional[] = {
      {"nvmlDeviceGetName", api.name != nullptr},
      {"nvmlDeviceGetUtilizationRates", api.utilization != nullptr},
      {"nvmlDeviceGetMemoryInfo", api.memory != nullptr || api.memory_v2 != nullptr},
      {"nvmlDeviceGetPowerUsage", api.power != nullptr},
      {"nvmlDeviceGetTotalEnergyConsumption", api.energy != nullptr},
      {"nvmlDeviceGetTemperature", api.temperature != nullptr},
      {"nvmlDeviceGetClockInfo", api.clock != nullptr},
      {"nvmlDeviceGetCurrentClocksEventReasons", api.reasons != nullptr},
      {"nvmlDeviceGetFieldValues", api.fields != nullptr},
  };
  for (const auto& [symbol, present] : optional) {
    if (!present) notes.push_back(library + " has no " + symbol + "; its readings stay empty");
  }

  std::vector<Device> devices;
  for (unsigned int i = 0; i < count; ++i) {
    Device d;
    d.index = i;
    d.id = "nvml:" + std::to_string(i);
    if (const nvmlReturn_t rc = api.handle(i, &d.handle); rc != nv::kSuccess || d.handle == nullptr) {
      notes.push_back(d.id + ": nvmlDeviceGetHandleByIndex_v2: " + api.error(rc) + "; GPU skipped");
      continue;
    }
    if (api.name != nullptr) {
      char buf[nv::kDeviceNameBufferSize] = {};
      if (const nvmlReturn_t rc = api.name(d.handle, buf, sizeof buf); rc == nv::kSuccess) {
        buf[sizeof buf - 1] = '\0';
        d.name = buf;
      } else {
        notes.push_back(d.id + ": nvmlDeviceGetName: " + api.error(rc));
      }
    }
    devices.push_back(std::move(d));
  }
  if (devices.empty()) {
    std::string why = "no NVIDIA GPU could be opened";
    if (!notes.empty()) why += ": " + notes.back();
    return fail(std::move(why));
  }
  return std::make_unique<NvmlSampler>(api, std::move(devices), std::move(notes));
}

}  // namespace hakari::telemetry
