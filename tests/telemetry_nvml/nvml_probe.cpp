// nvml_probe [samples] [interval_ms] [library]: prints what the NVML sampler reads on this
// machine, to compare by eye with `nvidia-smi --query-gpu=...`. A manual check for real
// GPUs (the unit tests use a fake library); needs nothing but the sampler itself.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "hakari/telemetry/nvml/nvml_sampler.h"

namespace {

void print(const char* field, const std::optional<double>& v) {
  if (v) {
    std::printf("  %-20s %.6f\n", field, *v);
  } else {
    std::printf("  %-20s -\n", field);
  }
}

void print(const char* field, const std::optional<std::int64_t>& v) {
  if (v) {
    std::printf("  %-20s %lld\n", field, static_cast<long long>(*v));
  } else {
    std::printf("  %-20s -\n", field);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int samples = argc > 1 ? std::atoi(argv[1]) : 2;
  const int interval_ms = argc > 2 ? std::atoi(argv[2]) : 1000;
  const std::string library = argc > 3 ? argv[3] : "libnvidia-ml.so.1";
  std::string why;
  auto sampler = hakari::telemetry::make_nvml_sampler(why, library);
  if (!sampler) {
    std::printf("no sampler: %s\n", why.c_str());
    return 2;
  }
  for (int i = 0; i < samples; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    hakari::telemetry::Snapshot snap;
    snap.t = hakari::now_ns();
    sampler->sample(snap);
    std::printf("sample %d t=%.3f s\n", i, hakari::to_s(snap.t));
    for (const auto& g : snap.gpus) {
      std::printf(" %s vendor=%s name=\"%s\" unified=%d power_scope=%s\n", g.id.c_str(), g.vendor.c_str(),
                  g.name.c_str(), g.unified_memory ? 1 : 0, g.power_scope.c_str());
      print("busy_percent", g.busy_percent);
      print("memory_busy_percent", g.memory_busy_percent);
      print("memory_used_bytes", g.memory_used_bytes);
      print("memory_total_bytes", g.memory_total_bytes);
      print("power_w", g.power_w);
      print("power_average_w", g.power_average_w);
      print("power_input_w", g.power_input_w);
      print("energy_j", g.energy_j);
      print("temperature_c", g.temperature_c);
      print("sclk_mhz", g.sclk_mhz);
      print("mclk_mhz", g.mclk_mhz);
      std::printf("  %-20s %s\n", "throttled", !g.throttled ? "-" : *g.throttled ? "true" : "false");
      std::printf("  %-20s %s\n", "throttle_reasons", g.throttle_reasons.c_str());
    }
    for (const auto& e : snap.energy) {
      std::printf(" energy %s scope=%s joules=%.3f\n", e.id.c_str(), e.scope.c_str(), e.joules);
    }
    for (const auto& n : sampler->take_notes()) std::printf(" note: %s\n", n.c_str());
  }
  return 0;
}
