#include "hakari/telemetry/telemetry_summary.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "hakari/telemetry/series.h"
#include "hakari/telemetry/snapshot_json.h"

namespace hakari::telemetry {
namespace {

constexpr Nanos s = kNanosPerSecond;

Snapshot apu_snapshot(Nanos t, double power_w, double busy) {
  Snapshot snap;
  snap.t = t;
  snap.cpu = CpuReading{40.0, {30.0, 50.0}};
  snap.memory = MemoryReading{128LL << 30, 60LL << 30, 68LL << 30, 0};
  GpuReading g;
  g.id = "amdgpu:card1";
  g.vendor = "amd";
  g.name = "Radeon 8060S";
  g.unified_memory = true;
  g.power_scope = "soc";
  g.busy_percent = busy;
  g.memory_used_bytes = 400LL << 20;
  g.memory_total_bytes = 512LL << 20;
  g.gtt_used_bytes = 42LL << 30;
  g.gtt_total_bytes = 124LL << 30;
  g.power_w = power_w;
  g.temperature_c = 61;
  g.throttled = false;
  snap.gpus.push_back(g);
  // RAPL on an APU: counted inside the SoC's PPT already.
  snap.energy.push_back({"rapl:package-0", "cpu-package", 1000.0 + to_s(t) * 30});
  return snap;
}

std::vector<SeriesData> to_series(const std::vector<Snapshot>& snaps) {
  std::vector<SeriesData> out;
  for (const auto& snap : snaps) {
    std::vector<SeriesPoint> points;
    flatten(snap, points);
    for (const auto& p : points) {
      auto it = std::find_if(out.begin(), out.end(), [&](const SeriesData& d) { return d.name == p.name; });
      if (it == out.end()) {
        out.push_back({p.name, p.unit, series_kind_name(p.kind), p.labels, {}});
        it = out.end() - 1;
      }
      it->points.emplace_back(snap.t, p.value);
    }
  }
  return out;
}

TEST(Flatten, NamesUnitsKindsAndLabels) {
  std::vector<SeriesPoint> points;
  flatten(apu_snapshot(2 * s, 80, 95), points);
  auto find = [&](const std::string& name) -> const SeriesPoint* {
    for (const auto& p : points) {
      if (p.name == name) return &p;
    }
    return nullptr;
  };
  ASSERT_TRUE(find("cpu.percent"));
  EXPECT_DOUBLE_EQ(find("cpu.percent")->value, 40.0);
  EXPECT_DOUBLE_EQ(find("cpu.core1.percent")->value, 50.0);
  const SeriesPoint* power = find("gpu.amdgpu:card1.power_w");
  ASSERT_TRUE(power);
  EXPECT_STREQ(power->unit, "watts");
  EXPECT_EQ(power->kind, SeriesKind::gauge);
  EXPECT_EQ(power->labels, "vendor=amd;name=Radeon 8060S;power_scope=soc;unified_memory=1");
  const SeriesPoint* energy = find("energy.rapl:package-0.joules");
  ASSERT_TRUE(energy);
  EXPECT_EQ(energy->kind, SeriesKind::counter);
  EXPECT_EQ(energy->labels, "scope=cpu-package");
  EXPECT_DOUBLE_EQ(find("gpu.amdgpu:card1.throttled")->value, 0.0);
  EXPECT_FALSE(find("gpu.amdgpu:card1.hotspot_c"));  // not measured, not stored
}

TEST(GaugeStats, TimeWeightedMeanAndPeakInsideTheWindow) {
  std::vector<std::pair<Nanos, double>> p{{0, 100}, {1 * s, 10}, {2 * s, 10}, {3 * s, 30}, {10 * s, 1000}};
  GaugeStats g = gauge_stats(p, 1 * s, 3 * s);
  EXPECT_EQ(g.n, 3u);
  EXPECT_DOUBLE_EQ(*g.peak, 30);
  EXPECT_DOUBLE_EQ(*g.mean, (10.0 + 20.0) / 2);  // trapezoids: 10 over [1,2], 20 over [2,3]
  GaugeStats one = gauge_stats(p, 9 * s, 11 * s);
  EXPECT_DOUBLE_EQ(*one.mean, 1000);
  EXPECT_EQ(gauge_stats(p, 20 * s, 30 * s).n, 0u);
  EXPECT_FALSE(gauge_stats(p, 20 * s, 30 * s).mean);
}

TEST(Energy, FromACounterScaledToTheWindowAndSurvivingAReset) {
  // 50 W for 4 s sampled from 1 s to 3 s of a [0, 4] s window.
  auto e = energy_from_counter({{1 * s, 1050}, {2 * s, 1100}, {3 * s, 1150}}, 0, 4 * s);
  ASSERT_TRUE(e);
  EXPECT_DOUBLE_EQ(e->average_w, 50);
  EXPECT_DOUBLE_EQ(e->joules, 200);
  // A reset loses one interval, never goes negative.
  auto reset = energy_from_counter({{0, 500}, {1 * s, 550}, {2 * s, 10}, {3 * s, 60}}, 0, 3 * s);
  EXPECT_DOUBLE_EQ(reset->joules, 100.0 / 3 * 3);
  EXPECT_FALSE(energy_from_counter({{1 * s, 5}}, 0, 4 * s));
}

TEST(Energy, FromPowerReadings) {
  auto e = energy_from_power({{0, 80}, {1 * s, 100}, {2 * s, 120}}, 0, 2 * s);
  ASSERT_TRUE(e);
  EXPECT_DOUBLE_EQ(e->average_w, 100);
  EXPECT_DOUBLE_EQ(e->joules, 200);
}

TEST(SummarizeTelemetry, ApuEnergyIsTheSocPowerAloneAndBandwidthIsAShareOfTheMemorySystem) {
  std::vector<Snapshot> snaps;
  for (int i = 0; i <= 10; ++i) snaps.push_back(apu_snapshot(i * s, i < 5 ? 80 : 100, 90 + i % 2 * 10));
  CellFacts f;
  f.start = 0;
  f.end = 10 * s;
  f.output_tokens = 500;
  f.tpot_p50_ms = 100;  // 10 decode steps per second
  f.model_bytes = 19'800'000'000;
  f.hardware = catalog::find_hardware("evo-x2");
  TelemetrySummary t = summarize_telemetry(to_series(snaps), f);
  EXPECT_EQ(t.samples, 11u);
  EXPECT_DOUBLE_EQ(*t.cpu_percent.mean, 40);
  ASSERT_EQ(t.gpus.size(), 1u);
  const GpuSummary& g = t.gpus[0];
  EXPECT_EQ(g.id, "amdgpu:card1");
  EXPECT_EQ(g.name, "Radeon 8060S");
  EXPECT_TRUE(g.unified_memory);
  EXPECT_DOUBLE_EQ(*g.gtt_used_bytes.peak, static_cast<double>(42LL << 30));
  EXPECT_DOUBLE_EQ(*g.power_w.peak, 100);
  EXPECT_EQ(g.throttled, false);
  // Power: 80 W for [0,4], a ramp over [4,5], 100 W for [5,10] -> 910 J.
  ASSERT_TRUE(t.energy_j);
  EXPECT_DOUBLE_EQ(*t.energy_j, 910);
  EXPECT_EQ(t.energy_basis, "gpu.amdgpu:card1 (soc, power)");  // RAPL not added on top
  EXPECT_EQ(t.energy_sources.size(), 2u);
  EXPECT_DOUBLE_EQ(*t.joules_per_output_token, 910.0 / 500);
  EXPECT_DOUBLE_EQ(*t.output_tokens_per_joule, 500.0 / 910);
  EXPECT_EQ(t.throttled, false);
  // 19.8 GB x 10 steps/s = 198 GB/s of the EVO-X2's measured 212 GB/s.
  EXPECT_DOUBLE_EQ(*t.effective_bandwidth_gbs, 198);
  EXPECT_DOUBLE_EQ(*t.hardware_bandwidth_gbs, 212);
  EXPECT_NEAR(*t.percent_of_hardware_bandwidth, 93.396, 1e-3);
}

TEST(SummarizeTelemetry, DiscreteGpuCounterPlusCpuPackageAndThrottling) {
  std::vector<Snapshot> snaps;
  for (int i = 0; i <= 4; ++i) {
    Snapshot snap;
    snap.t = i * s;
    snap.memory = MemoryReading{64LL << 30, 10LL << 30, 54LL << 30, 0};
    GpuReading g;
    g.id = "nvml:0";
    g.vendor = "nvidia";
    g.name = "NVIDIA H100 80GB HBM3";
    g.power_scope = "gpu";
    g.power_w = 999;          // ignored: the energy counter is better
    g.energy_j = 500.0 * i;   // 500 W
    g.throttled = i == 3;
    g.throttle_reasons = i == 3 ? "hw_thermal_slowdown" : "";
    snap.gpus.push_back(g);
    snap.energy.push_back({"nvml:0", "gpu", 500.0 * i});        // the same counter, GPU-scoped
    snap.energy.push_back({"rapl:package-0", "cpu-package", 100.0 * i});  // 100 W
    snaps.push_back(snap);
  }
  CellFacts f;
  f.start = 0;
  f.end = 4 * s;
  f.output_tokens = 4000;
  TelemetrySummary t = summarize_telemetry(to_series(snaps), f);
  EXPECT_DOUBLE_EQ(*t.energy_j, 2000 + 400);
  EXPECT_EQ(t.energy_basis, "gpu.nvml:0 (gpu, counter) + rapl:package-0 (cpu-package, counter)");
  EXPECT_DOUBLE_EQ(*t.average_power_w, 600);
  EXPECT_DOUBLE_EQ(*t.joules_per_output_token, 0.6);
  EXPECT_EQ(t.throttled, true);
  EXPECT_FALSE(t.effective_bandwidth_gbs);  // no model size known
}

TEST(SummarizeTelemetry, NothingMeasurableGivesEmptyNotZero) {
  CellFacts f;
  f.start = 0;
  f.end = 1 * s;
  f.output_tokens = 10;
  TelemetrySummary t = summarize_telemetry({}, f);
  EXPECT_EQ(t.samples, 0u);
  EXPECT_FALSE(t.energy_j);
  EXPECT_FALSE(t.joules_per_output_token);
  EXPECT_FALSE(t.throttled);
  EXPECT_TRUE(t.gpus.empty());
}

TEST(SnapshotJson, CarriesTheContractKeysWithNullForTheUnmeasured) {
  Snapshot snap = apu_snapshot(5 * s, 82.5, 97);
  snap.gpus[0].temperature_c.reset();
  const std::string json = snapshot_to_json(snap, catalog::find_hardware("evo-x2"), {"nvml: not found"});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(json).get(doc)) << json;
  EXPECT_DOUBLE_EQ(double(doc["cpu"]["percent"]), 40);
  EXPECT_EQ(int64_t(doc["memory"]["total_bytes"]), 128LL << 30);
  EXPECT_EQ(int64_t(doc["memory"]["used_bytes"]), 60LL << 30);
  simdjson::dom::element gpu = doc["gpus"].at(0);
  EXPECT_EQ(std::string_view(gpu["vendor"]), "amd");
  EXPECT_EQ(std::string_view(gpu["name"]), "Radeon 8060S");
  EXPECT_DOUBLE_EQ(double(gpu["busy_percent"]), 97);
  EXPECT_EQ(int64_t(gpu["memory_used_bytes"]), 400LL << 20);
  EXPECT_EQ(int64_t(gpu["memory_total_bytes"]), 512LL << 20);
  EXPECT_DOUBLE_EQ(double(gpu["power_w"]), 82.5);
  EXPECT_TRUE(gpu["temperature_c"].is_null());
  EXPECT_EQ(std::string_view(doc["hardware"]["key"]), "evo-x2");
  EXPECT_EQ(std::string_view(doc["notes"].at(0)), "nvml: not found");
  Snapshot empty;
  ASSERT_FALSE(parser.parse(snapshot_to_json(empty, nullptr, {})).get(doc));
  EXPECT_TRUE(doc["cpu"].is_null());
  EXPECT_EQ(doc["gpus"].get_array().size(), 0u);
  EXPECT_TRUE(doc["hardware"].is_null());
}

TEST(Hardware, RecognisesTheEvoX2AndNvidiaCards) {
  const auto* evo = catalog::detect_hardware("AMD RYZEN AI MAX+ 395 w/ Radeon 8060S", {});
  ASSERT_TRUE(evo);
  EXPECT_EQ(evo->key, "evo-x2");
  EXPECT_DOUBLE_EQ(evo->practical_bandwidth_gbs(), 212);
  EXPECT_EQ(catalog::detect_hardware("AMD EPYC 9654", {"NVIDIA H100 80GB HBM3"})->key, "h100-sxm");
  EXPECT_EQ(catalog::detect_hardware("Intel Xeon", {"NVIDIA H200"})->key, "h200");
  EXPECT_EQ(catalog::detect_hardware("Intel Core i9", {"NVIDIA GeForce RTX 4090"})->key, "rtx-4090");
  EXPECT_FALSE(catalog::detect_hardware("AMD EPYC", {}));
  EXPECT_FALSE(catalog::find_hardware("tpu-v5"));
}

}  // namespace
}  // namespace hakari::telemetry
