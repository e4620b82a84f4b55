// The NVML sampler against a fake libnvidia-ml (fake_nvml.cpp): loading, refusal, exact
// readings, missing optional entry points and per-call errors. Nothing here needs a GPU.
#include "hakari/telemetry/nvml/nvml_sampler.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace hakari::telemetry {
namespace {

// Sets FAKE_NVML_MODE for the fake's next nvmlInit_v2, and clears it afterwards.
class FakeMode {
 public:
  explicit FakeMode(const char* mode) { ::setenv("FAKE_NVML_MODE", mode, 1); }
  ~FakeMode() { ::unsetenv("FAKE_NVML_MODE"); }
  FakeMode(const FakeMode&) = delete;
  FakeMode& operator=(const FakeMode&) = delete;
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool any_contains(const std::vector<std::string>& notes, const std::string& part) {
  for (const auto& n : notes) {
    if (contains(n, part)) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& notes) {
  std::string out;
  for (const auto& n : notes) out += n + "\n";
  return out;
}

std::unique_ptr<Sampler> open_fake(const char* path = FAKE_NVML_PATH) {
  std::string why;
  auto s = make_nvml_sampler(why, path);
  EXPECT_NE(s, nullptr) << why;
  EXPECT_TRUE(why.empty()) << why;
  return s;
}

TEST(NvmlSampler, AbsentLibraryIsNotAnError) {
  std::string why = "stale";
  auto s = make_nvml_sampler(why, "/nonexistent/libnvidia-ml.so.1");
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(why.rfind("/nonexistent/libnvidia-ml.so.1 not found: ", 0), 0u) << why;
  EXPECT_TRUE(contains(why, "No such file")) << why;
}

TEST(NvmlSampler, DefaultLibraryNameOnAMachineWithoutTheDriver) {
  if (void* real = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL); real != nullptr) {
    ::dlclose(real);
    GTEST_SKIP() << "this machine has an NVIDIA driver";
  }
  std::string why;
  EXPECT_EQ(make_nvml_sampler(why), nullptr);
  EXPECT_EQ(why.rfind("libnvidia-ml.so.1 not found: ", 0), 0u) << why;
}

TEST(NvmlSampler, ALibraryWithoutNvmlIsRefused) {
  std::string why;
  EXPECT_EQ(make_nvml_sampler(why, "libm.so.6"), nullptr);
  EXPECT_EQ(why, "libm.so.6 has no nvmlInit_v2 (driver too old?)");
}

TEST(NvmlSampler, InitFailureGivesNoSampler) {
  FakeMode mode("init_fail");
  std::string why;
  EXPECT_EQ(make_nvml_sampler(why, FAKE_NVML_PATH), nullptr);
  EXPECT_EQ(why, "nvmlInit_v2 failed: Driver Not Loaded (9)");
}

TEST(NvmlSampler, NoDevicesGivesNoSamplerAndShutsDown) {
  // Our own handle keeps the fake loaded, so its counters survive the sampler's dlclose.
  void* fake = ::dlopen(FAKE_NVML_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(fake, nullptr);
  using Counters = void (*)(int*, int*);
  Counters counters = nullptr;
  void* sym = ::dlsym(fake, "fake_nvml_counters");
  std::memcpy(&counters, &sym, sizeof counters);
  ASSERT_NE(counters, nullptr);
  int init0 = 0, shut0 = 0;
  counters(&init0, &shut0);
  {
    FakeMode mode("no_devices");
    std::string why;
    EXPECT_EQ(make_nvml_sampler(why, FAKE_NVML_PATH), nullptr);
    EXPECT_EQ(why, "no NVIDIA GPU");
  }
  int init1 = 0, shut1 = 0;
  counters(&init1, &shut1);
  EXPECT_EQ(init1, init0 + 1);
  EXPECT_EQ(shut1, shut0 + 1);
  ::dlclose(fake);
}

TEST(NvmlSampler, DestructorShutsNvmlDown) {
  void* fake = ::dlopen(FAKE_NVML_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(fake, nullptr);
  using Counters = void (*)(int*, int*);
  Counters counters = nullptr;
  void* sym = ::dlsym(fake, "fake_nvml_counters");
  std::memcpy(&counters, &sym, sizeof counters);
  int init0 = 0, shut0 = 0;
  counters(&init0, &shut0);
  {
    auto s = open_fake();
    ASSERT_NE(s, nullptr);
    int init1 = 0, shut1 = 0;
    counters(&init1, &shut1);
    EXPECT_EQ(init1, init0 + 1);
    EXPECT_EQ(shut1, shut0);
  }
  int init2 = 0, shut2 = 0;
  counters(&init2, &shut2);
  EXPECT_EQ(shut2, shut0 + 1);
  ::dlclose(fake);
}

TEST(NvmlSampler, FullReadingIsExact) {
  auto s = open_fake();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name(), "nvml");
  Snapshot snap;
  s->sample(snap);
  EXPECT_TRUE(s->take_notes().empty());
  ASSERT_EQ(snap.gpus.size(), 2u);

  const GpuReading& h100 = snap.gpus[0];
  EXPECT_EQ(h100.id, "nvml:0");
  EXPECT_EQ(h100.vendor, "nvidia");
  EXPECT_EQ(h100.name, "NVIDIA H100 80GB HBM3");
  EXPECT_FALSE(h100.unified_memory);
  EXPECT_EQ(h100.busy_percent, 87.0);
  EXPECT_EQ(h100.memory_busy_percent, 42.0);
  EXPECT_EQ(h100.memory_used_bytes, 62277025792);
  EXPECT_EQ(h100.memory_total_bytes, 85520809984);
  EXPECT_FALSE(h100.gtt_used_bytes);
  EXPECT_DOUBLE_EQ(h100.power_w.value(), 312.456);
  EXPECT_DOUBLE_EQ(h100.power_average_w.value(), 305.0);
  EXPECT_DOUBLE_EQ(h100.power_input_w.value(), 331.25);
  EXPECT_EQ(h100.power_scope, "gpu");
  EXPECT_DOUBLE_EQ(h100.energy_j.value(), 123456.789);
  EXPECT_EQ(h100.temperature_c, 61.0);
  EXPECT_FALSE(h100.hotspot_c);
  EXPECT_EQ(h100.sclk_mhz, 1755.0);
  EXPECT_EQ(h100.mclk_mhz, 2619.0);
  EXPECT_EQ(h100.throttled, true);
  EXPECT_EQ(h100.throttle_reasons, "sw_power_cap");

  const GpuReading& rtx = snap.gpus[1];
  EXPECT_EQ(rtx.id, "nvml:1");
  EXPECT_EQ(rtx.name, "NVIDIA GeForce RTX 4090");
  EXPECT_EQ(rtx.busy_percent, 12.0);
  EXPECT_EQ(rtx.memory_busy_percent, 3.0);
  EXPECT_EQ(rtx.memory_used_bytes, 1073741824);
  EXPECT_EQ(rtx.memory_total_bytes, 25757220864);
  EXPECT_DOUBLE_EQ(rtx.power_w.value(), 35.25);
  EXPECT_DOUBLE_EQ(rtx.power_average_w.value(), 34.7505);
  EXPECT_DOUBLE_EQ(rtx.power_input_w.value(), 36.125);
  EXPECT_DOUBLE_EQ(rtx.energy_j.value(), 9876.543);
  EXPECT_EQ(rtx.temperature_c, 38.0);
  EXPECT_EQ(rtx.sclk_mhz, 210.0);
  EXPECT_EQ(rtx.mclk_mhz, 405.0);
  EXPECT_EQ(rtx.throttled, false);  // idle is not throttling
  EXPECT_EQ(rtx.throttle_reasons, "gpu_idle");

  ASSERT_EQ(snap.energy.size(), 2u);
  EXPECT_EQ(snap.energy[0].id, "nvml:0");
  EXPECT_EQ(snap.energy[0].scope, "gpu");
  EXPECT_DOUBLE_EQ(snap.energy[0].joules, 123456.789);
  EXPECT_EQ(snap.energy[1].id, "nvml:1");
  EXPECT_DOUBLE_EQ(snap.energy[1].joules, 9876.543);

  // The energy counter is cumulative: the next read is further on by exactly what the
  // fake added (1.5 J and 0.25 J).
  Snapshot next;
  s->sample(next);
  ASSERT_EQ(next.gpus.size(), 2u);
  EXPECT_DOUBLE_EQ(next.gpus[0].energy_j.value() - h100.energy_j.value(), 1.5);
  EXPECT_DOUBLE_EQ(next.gpus[1].energy_j.value() - rtx.energy_j.value(), 0.25);
  EXPECT_DOUBLE_EQ(next.energy[0].joules, 123458.289);
  EXPECT_TRUE(s->take_notes().empty());
}

TEST(NvmlSampler, MissingOptionalSymbolsLeaveOnlyTheirFieldsEmpty) {
  auto s = open_fake(FAKE_NVML_MINIMAL_PATH);
  ASSERT_NE(s, nullptr);
  const auto notes = s->take_notes();
  EXPECT_TRUE(any_contains(notes, "has no nvmlDeviceGetTotalEnergyConsumption")) << joined(notes);
  EXPECT_TRUE(any_contains(notes, "has no nvmlDeviceGetCurrentClocksEventReasons")) << joined(notes);
  EXPECT_TRUE(any_contains(notes, "has no nvmlDeviceGetFieldValues")) << joined(notes);
  EXPECT_EQ(notes.size(), 3u) << joined(notes);

  Snapshot snap;
  s->sample(snap);
  ASSERT_EQ(snap.gpus.size(), 2u);
  const GpuReading& h100 = snap.gpus[0];
  EXPECT_EQ(h100.name, "NVIDIA H100 80GB HBM3");
  EXPECT_FALSE(h100.energy_j);
  EXPECT_FALSE(h100.throttled);
  EXPECT_TRUE(h100.throttle_reasons.empty());
  EXPECT_FALSE(h100.power_average_w);
  EXPECT_FALSE(h100.power_input_w);
  EXPECT_TRUE(snap.energy.empty());
  // The rest is all there; memory through version 1, which counts reserved memory as used.
  EXPECT_EQ(h100.busy_percent, 87.0);
  EXPECT_EQ(h100.memory_total_bytes, 85520809984);
  EXPECT_EQ(h100.memory_used_bytes, 62277025792 + 536870912);
  EXPECT_DOUBLE_EQ(h100.power_w.value(), 312.456);
  EXPECT_EQ(h100.temperature_c, 61.0);
  EXPECT_EQ(h100.sclk_mhz, 1755.0);
  EXPECT_EQ(h100.mclk_mhz, 2619.0);
  EXPECT_TRUE(s->take_notes().empty());
}

TEST(NvmlSampler, PerCallErrorsLeaveTheFieldEmptyAndAreNotedOnce) {
  FakeMode mode("errors");
  auto s = open_fake();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->take_notes().empty());
  Snapshot snap;
  s->sample(snap);
  ASSERT_EQ(snap.gpus.size(), 2u);
  EXPECT_EQ(snap.gpus[0].temperature_c, 61.0);
  EXPECT_DOUBLE_EQ(snap.gpus[0].power_input_w.value(), 331.25);
  EXPECT_FALSE(snap.gpus[1].temperature_c);
  EXPECT_FALSE(snap.gpus[1].power_average_w);
  EXPECT_FALSE(snap.gpus[1].power_input_w);
  EXPECT_DOUBLE_EQ(snap.gpus[1].power_w.value(), 35.25);
  EXPECT_EQ(snap.gpus[1].busy_percent, 12.0);

  const auto notes = s->take_notes();
  EXPECT_EQ(notes.size(), 3u) << joined(notes);
  EXPECT_TRUE(
      any_contains(notes, "nvml:1 (NVIDIA GeForce RTX 4090): nvmlDeviceGetTemperature: Not Supported (3)"))
      << joined(notes);
  EXPECT_TRUE(any_contains(notes, "POWER_AVERAGE")) << joined(notes);
  EXPECT_TRUE(any_contains(notes, "POWER_INSTANT")) << joined(notes);

  Snapshot again;
  s->sample(again);
  EXPECT_FALSE(again.gpus[1].temperature_c);
  EXPECT_TRUE(s->take_notes().empty());  // said once
}

TEST(NvmlSampler, UnifiedMemoryPart) {
  FakeMode mode("gb10");
  auto s = open_fake();
  ASSERT_NE(s, nullptr);
  Snapshot snap;
  s->sample(snap);
  ASSERT_EQ(snap.gpus.size(), 1u);
  const GpuReading& g = snap.gpus[0];
  EXPECT_EQ(g.name, "NVIDIA GB10");
  EXPECT_TRUE(g.unified_memory);
  EXPECT_FALSE(g.memory_used_bytes);
  EXPECT_FALSE(g.memory_total_bytes);
  EXPECT_EQ(g.busy_percent, 55.0);
  EXPECT_DOUBLE_EQ(g.power_w.value(), 40.125);
  EXPECT_EQ(g.sclk_mhz, 2405.0);
  EXPECT_FALSE(g.mclk_mhz);
  EXPECT_EQ(g.throttled, true);
  EXPECT_EQ(g.throttle_reasons, "sw_power_cap,hw_thermal_slowdown");
  const auto notes = s->take_notes();
  EXPECT_TRUE(any_contains(notes, "unified memory")) << joined(notes);
  EXPECT_TRUE(any_contains(notes, "nvmlDeviceGetClockInfo(MEM): Not Supported")) << joined(notes);
  EXPECT_FALSE(any_contains(notes, "nvmlDeviceGetMemoryInfo")) << joined(notes);
}

}  // namespace
}  // namespace hakari::telemetry
