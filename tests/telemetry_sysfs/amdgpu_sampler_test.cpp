#include "hakari/telemetry/sysfs/amdgpu_sampler.h"

#include <gtest/gtest.h>

#include <cstddef>

#include "hakari/telemetry/sysfs/sysfs_samplers.h"
#include "sysfs_test_util.h"

namespace hakari::telemetry {
namespace {

using namespace testing;

constexpr std::size_t kSpl = 1;  // throttle_residency_spl in the 3.0 table

TEST(AmdgpuSampler, ReadsEveryFieldOfTheStrixHaloApu) {
  AmdgpuSampler s(fixture("strix-halo"));
  const Snapshot snap = sample_once(s);
  ASSERT_EQ(snap.gpus.size(), 1u);
  const GpuReading& g = snap.gpus[0];
  EXPECT_EQ(g.id, "amdgpu:card1");
  EXPECT_EQ(g.vendor, "amd");
  EXPECT_EQ(g.name, "Radeon 8060S / 8050S Graphics (Strix Halo)");
  EXPECT_TRUE(g.unified_memory);
  EXPECT_EQ(g.power_scope, "soc");
  EXPECT_EQ(g.busy_percent, 97.0);
  EXPECT_FALSE(g.memory_busy_percent);  // amdgpu has no mem_busy_percent on APUs
  EXPECT_EQ(g.memory_used_bytes, 105906176);
  EXPECT_EQ(g.memory_total_bytes, 536870912);  // 512 MiB carve-out
  EXPECT_EQ(g.gtt_used_bytes, 64424509440);    // 60 GiB
  EXPECT_EQ(g.gtt_total_bytes, 133143986176);  // 124 GiB
  EXPECT_EQ(g.power_input_w, 98.0);            // 98000000 uW
  EXPECT_EQ(g.power_average_w, 87.5);          // 87500000 uW
  EXPECT_EQ(g.power_w, 98.0);                  // input wins over average
  EXPECT_EQ(g.temperature_c, 61.0);            // 61000 m°C, edge
  EXPECT_FALSE(g.hotspot_c);
  EXPECT_FALSE(g.memory_temperature_c);
  EXPECT_EQ(g.sclk_mhz, 2845.0);  // freq1_input 2845000000 Hz, not pp_dpm_sclk's 2900
  EXPECT_EQ(g.mclk_mhz, 1000.0);  // pp_dpm_mclk's '*' level (APUs have no freq2)
  EXPECT_FALSE(g.energy_j);
  EXPECT_FALSE(g.throttled);  // 3.0 residency counters need a second read
  EXPECT_EQ(g.throttle_reasons, "");
  EXPECT_EQ(g.dram_read_gbps, 41.25);  // average_dram_reads 41250 MB/s
  const SensorReading* gfx = find_sensor(snap, "amdgpu:card1:gfx_power");
  ASSERT_NE(gfx, nullptr);
  EXPECT_EQ(gfx->kind, "power_w");
  EXPECT_EQ(gfx->value, 71.25);
  EXPECT_EQ(snap.sensors.size(), 1u);
  EXPECT_TRUE(snap.energy.empty());
}

TEST(AmdgpuSampler, ReadsEveryFieldOfTheDiscreteCard) {
  AmdgpuSampler s(fixture("discrete-amd"));
  const Snapshot snap = sample_once(s);
  ASSERT_EQ(snap.gpus.size(), 1u);
  const GpuReading& g = snap.gpus[0];
  EXPECT_EQ(g.id, "amdgpu:card0");
  EXPECT_EQ(g.name, "Radeon RX 7900 XT / XTX (Navi 31)");
  EXPECT_FALSE(g.unified_memory);
  EXPECT_EQ(g.power_scope, "gpu");
  EXPECT_EQ(g.busy_percent, 88.0);
  EXPECT_EQ(g.memory_busy_percent, 41.0);
  EXPECT_EQ(g.memory_used_bytes, 21474836480);
  EXPECT_EQ(g.memory_total_bytes, 25769803776);  // 24 GiB
  EXPECT_EQ(g.gtt_used_bytes, 268435456);
  EXPECT_EQ(g.gtt_total_bytes, 34359738368);
  EXPECT_FALSE(g.power_input_w);
  EXPECT_EQ(g.power_average_w, 305.0);
  EXPECT_EQ(g.power_w, 305.0);  // average when there is no input
  EXPECT_EQ(g.temperature_c, 62.0);
  EXPECT_EQ(g.hotspot_c, 84.0);
  EXPECT_EQ(g.memory_temperature_c, 78.0);
  EXPECT_EQ(g.sclk_mhz, 2498.0);  // pp_dpm_sclk "2: 2498Mhz *"
  EXPECT_EQ(g.mclk_mhz, 1249.0);  // pp_dpm_mclk "3: 1249Mhz *"
  EXPECT_EQ(g.throttled, true);   // gpu_metrics 1.3 indep_throttle_status = PPT0
  EXPECT_EQ(g.throttle_reasons, "ppt0");
  EXPECT_FALSE(g.dram_read_gbps);
  const SensorReading* fan = find_sensor(snap, "amdgpu:card0:fan1");
  ASSERT_NE(fan, nullptr);
  EXPECT_EQ(fan->kind, "fan_rpm");
  EXPECT_EQ(fan->value, 1650.0);
  EXPECT_EQ(snap.sensors.size(), 1u);
}

TEST(AmdgpuSampler, SkipsRenderNodesAndConnectors) {
  // strix-halo has card1, renderD128 and card1-DP-1 (all pointing at the same device);
  // discrete-amd has card0, renderD128, card0-DP-1 and card0-HDMI-A-1.
  AmdgpuSampler strix(fixture("strix-halo"));
  EXPECT_EQ(strix.card_count(), 1u);
  AmdgpuSampler dgpu(fixture("discrete-amd"));
  EXPECT_EQ(dgpu.card_count(), 1u);
  // broken has an NVIDIA card1 and a stray renderD128 with vendor 0x1002.
  AmdgpuSampler broken(fixture("broken"));
  EXPECT_EQ(broken.card_count(), 1u);
  EXPECT_EQ(sample_once(broken).gpus.at(0).id, "amdgpu:card0");
}

TEST(AmdgpuSampler, PowerFallsBackToAverageWhenInputIsMissing) {
  TempTree t("strix-halo");
  t.remove(std::string(kStrixHwmon) + "/power1_input");
  AmdgpuSampler s(t.root());
  const auto g = sample_once(s).gpus.at(0);
  EXPECT_FALSE(g.power_input_w);
  EXPECT_EQ(g.power_average_w, 87.5);
  EXPECT_EQ(g.power_w, 87.5);
}

TEST(AmdgpuSampler, SaysOnceWhatItCannotMeasure) {
  AmdgpuSampler s(fixture("strix-halo"));
  NoteLog log;
  for (int i = 0; i < 20; ++i) sample_once(s, &log);
  EXPECT_EQ(log.all.size(), 2u) << log.dump();
  EXPECT_EQ(log.count_containing("mem_busy_percent is not present (amdgpu does not create it on APUs)"), 1u);
  EXPECT_EQ(log.count_containing("no junction or mem temperature in " + std::string(kStrixHwmon) +
                                 " (APUs report the edge sensor only)"),
            1u);

  AmdgpuSampler d(fixture("discrete-amd"));
  NoteLog dlog;
  for (int i = 0; i < 20; ++i) sample_once(d, &dlog);
  EXPECT_EQ(dlog.all.size(), 1u) << dlog.dump();
  EXPECT_EQ(dlog.count_containing(std::string(kNavi31Hwmon) + "/power1_input is not present"), 1u);
}

// Tells the APU from the discrete card by each signal in turn.
TEST(AmdgpuSampler, TellsAnApuByVddnbThenGpuMetricsThenDeviceIdThenMemorySizes) {
  TempTree t("strix-halo");
  const std::string hw = kStrixHwmon;
  const std::string dev = kStrixDev;
  auto apu = [&](NoteLog* log = nullptr) {
    AmdgpuSampler s(t.root());
    auto g = sample_once(s, log).gpus.at(0);
    EXPECT_EQ(g.power_scope, g.unified_memory ? "soc" : "gpu");
    return g.unified_memory;
  };
  EXPECT_TRUE(apu());
  t.remove(hw + "/in1_label");  // no vddnb: the 3.0 gpu_metrics says APU
  EXPECT_TRUE(apu());
  t.remove(dev + "/gpu_metrics");  // no gpu_metrics: 1002:1586 is in the device table
  EXPECT_TRUE(apu());
  t.write(dev + "/device", "0x15ff\n");  // unknown id: 512 MiB VRAM under 124 GiB GTT
  NoteLog log;
  EXPECT_TRUE(apu(&log));
  EXPECT_EQ(log.count_containing("could not tell APU from discrete"), 1u) << log.dump();
  EXPECT_EQ(log.count_containing("guessed APU from its small VRAM"), 1u);

  TempTree d("discrete-amd");
  auto discrete = [&](NoteLog* l = nullptr) {
    AmdgpuSampler s(d.root());
    return !sample_once(s, l).gpus.at(0).unified_memory;
  };
  EXPECT_TRUE(discrete());  // gpu_metrics 1.3
  d.remove(std::string(kNavi31Dev) + "/gpu_metrics");
  EXPECT_TRUE(discrete());  // 1002:744c in the table
  d.write(std::string(kNavi31Dev) + "/device", "0x7fff\n");
  NoteLog dlog;
  EXPECT_TRUE(discrete(&dlog));  // 24 GiB VRAM and a mem_busy_percent: not an APU
  EXPECT_EQ(dlog.count_containing("guessed discrete"), 1u) << dlog.dump();
}

TEST(AmdgpuSampler, NamesCardsByProductNameThenTableThenId) {
  TempTree t("discrete-amd");
  const std::string dev = kNavi31Dev;
  t.write(dev + "/product_name", "Radeon PRO W7900\n");
  {
    AmdgpuSampler s(t.root());
    EXPECT_EQ(sample_once(s).gpus.at(0).name, "Radeon PRO W7900");
  }
  t.write(dev + "/product_name", "\n");  // present but empty, as on most consumer boards
  t.write(dev + "/device", "0x7fff\n");
  AmdgpuSampler s(t.root());
  EXPECT_EQ(sample_once(s).gpus.at(0).name, "AMD GPU 1002:7fff");
}

TEST(AmdgpuSampler, ThrottledWhenAV3ResidencyCounterGrows) {
  TempTree t("strix-halo");
  const std::string metrics = std::string(kStrixDev) + "/gpu_metrics";
  const std::string original = read_bytes(t.path(metrics));
  auto with_residency = [&](std::size_t i, std::uint32_t v) {
    std::string b = original;
    std::memcpy(b.data() + offsetof(gm::V3_0, throttle_residency_prochot) + i * 4, &v, 4);
    return b;
  };
  AmdgpuSampler s(t.root());
  EXPECT_FALSE(sample_once(s).gpus.at(0).throttled);  // nothing to compare with yet
  auto g = sample_once(s).gpus.at(0);                  // same counters: not throttled
  EXPECT_EQ(g.throttled, false);
  EXPECT_EQ(g.throttle_reasons, "");
  t.write(metrics, with_residency(kSpl, 1300));  // SPL engaged since the last read
  g = sample_once(s).gpus.at(0);
  EXPECT_EQ(g.throttled, true);
  EXPECT_EQ(g.throttle_reasons, "spl");
  std::string both = with_residency(kSpl, 1400);
  const std::uint32_t thm_gfx = 5;
  std::memcpy(both.data() + offsetof(gm::V3_0, throttle_residency_thm_gfx), &thm_gfx, 4);
  t.write(metrics, both);
  g = sample_once(s).gpus.at(0);
  EXPECT_EQ(g.throttle_reasons, "spl,thm_gfx");
  g = sample_once(s).gpus.at(0);
  EXPECT_EQ(g.throttled, false);
}

TEST(AmdgpuSampler, FillsGapsFromGpuMetrics) {
  TempTree t("discrete-amd");
  const std::string dev = kNavi31Dev;
  const std::string hw = kNavi31Hwmon;
  for (const char* f : {"/gpu_busy_percent", "/mem_busy_percent", "/pp_dpm_sclk", "/pp_dpm_mclk"}) t.remove(dev + f);
  for (const char* f : {"/temp1_input", "/temp2_input", "/temp3_input", "/power1_average"}) t.remove(hw + f);
  AmdgpuSampler s(t.root());
  const auto g = sample_once(s).gpus.at(0);
  EXPECT_EQ(g.busy_percent, 88.0);
  EXPECT_EQ(g.memory_busy_percent, 41.0);  // average_umc_activity
  EXPECT_EQ(g.sclk_mhz, 2498.0);
  EXPECT_EQ(g.mclk_mhz, 1249.0);
  EXPECT_EQ(g.temperature_c, 62.0);
  EXPECT_EQ(g.hotspot_c, 84.0);
  EXPECT_EQ(g.memory_temperature_c, 78.0);
  EXPECT_EQ(g.power_w, 305.0);  // average_socket_power, W
  EXPECT_FALSE(g.power_average_w);
}

TEST(AmdgpuSampler, AnUnknownGpuMetricsVersionIsNotedOnceAndTheRestStillRead) {
  TempTree t("discrete-amd");
  auto v16 = gm::blank<gm::V1_3>(1, 6);
  t.write(std::string(kNavi31Dev) + "/gpu_metrics", gm::bytes(v16));
  AmdgpuSampler s(t.root());
  NoteLog log;
  GpuReading g;
  for (int i = 0; i < 10; ++i) g = sample_once(s, &log).gpus.at(0);
  EXPECT_EQ(log.count_containing("gpu_metrics: format 1.6 is not one hakari can read; using the other sysfs files"), 1u)
      << log.dump();
  EXPECT_FALSE(g.throttled);
  EXPECT_EQ(g.busy_percent, 88.0);
  EXPECT_EQ(g.power_w, 305.0);
  EXPECT_FALSE(g.unified_memory);  // from the device table
}

TEST(AmdgpuSampler, DramReadsAtTheU16CeilingAreNotReported) {
  TempTree t("strix-halo");
  const std::string metrics = std::string(kStrixDev) + "/gpu_metrics";
  std::string b = read_bytes(t.path(metrics));
  const std::uint16_t saturated = 65534;
  std::memcpy(b.data() + offsetof(gm::V3_0, average_dram_reads), &saturated, 2);
  t.write(metrics, b);
  AmdgpuSampler s(t.root());
  NoteLog log;
  GpuReading g;
  for (int i = 0; i < 5; ++i) g = sample_once(s, &log).gpus.at(0);
  EXPECT_FALSE(g.dram_read_gbps);
  EXPECT_EQ(log.count_containing("at the ceiling of its 16-bit field (65.5 GB/s)"), 1u) << log.dump();
}

TEST(AmdgpuSampler, BrokenFilesGiveEmptyFieldsAndOneNoteEach) {
  AmdgpuSampler s(fixture("broken"));
  NoteLog log;
  GpuReading g;
  for (int i = 0; i < 50; ++i) g = sample_once(s, &log).gpus.at(0);
  const std::string dev = "/sys/class/drm/card0/device";
  EXPECT_EQ(g.name, "AMD GPU 1002:9999");
  EXPECT_FALSE(g.busy_percent);
  EXPECT_FALSE(g.memory_used_bytes);
  EXPECT_FALSE(g.memory_total_bytes);
  EXPECT_FALSE(g.gtt_used_bytes);
  EXPECT_FALSE(g.gtt_total_bytes);
  EXPECT_FALSE(g.power_w);
  EXPECT_FALSE(g.temperature_c);
  EXPECT_FALSE(g.sclk_mhz);
  EXPECT_FALSE(g.mclk_mhz);
  EXPECT_FALSE(g.throttled);
  EXPECT_EQ(log.count_containing(dev + "/gpu_busy_percent: Is a directory"), 1u);
  EXPECT_EQ(log.count_containing(dev + "/mem_info_vram_used: not a number: 'banana'"), 1u);
  EXPECT_EQ(log.count_containing(dev + "/mem_info_vram_total: empty file"), 1u);
  EXPECT_EQ(log.count_containing(dev + "/mem_info_gtt_used: not a number: '12abc'"), 1u);
  EXPECT_EQ(log.count_containing(dev + "/mem_info_gtt_total is not present"), 1u);
  EXPECT_EQ(log.count_containing(dev + "/pp_dpm_sclk: no level marked '*' as current"), 1u);
  EXPECT_EQ(log.count_containing(dev + "/pp_dpm_mclk: no level marked '*' as current"), 1u);
  EXPECT_EQ(log.count_containing("gpu_metrics: header (format 3.0) says 264 bytes but only 100 were read"), 1u);
  EXPECT_EQ(log.count_containing("no hwmon directory"), 1u);
  EXPECT_EQ(log.count_containing("could not tell APU from discrete"), 1u);
  EXPECT_EQ(log.count_containing("mem_busy_percent is not present"), 1u);
  EXPECT_EQ(log.all.size(), 11u) << log.dump();
}

TEST(AmdgpuSampler, EmptyRootSaysSoOnce) {
  AmdgpuSampler s(fixture("empty"));
  NoteLog log;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(sample_once(s, &log).gpus.empty());
  EXPECT_EQ(log.all, std::vector<std::string>{"no amdgpu card under /sys/class/drm"});
}

TEST(AmdgpuSampler, RediscoversWhenAFileOrTheCardDisappears) {
  TempTree t("strix-halo");
  AmdgpuSampler s(t.root());
  NoteLog log;
  EXPECT_EQ(sample_once(s, &log).gpus.at(0).memory_used_bytes, 105906176);
  const std::size_t before = log.all.size();
  t.remove(std::string(kStrixDev) + "/mem_info_vram_used");
  for (int i = 0; i < 5; ++i) {
    const auto g = sample_once(s, &log).gpus.at(0);
    EXPECT_FALSE(g.memory_used_bytes);
    EXPECT_EQ(g.memory_total_bytes, 536870912);
  }
  EXPECT_EQ(log.all.size(), before + 1) << log.dump();
  EXPECT_EQ(log.count_containing("/mem_info_vram_used: No such file or directory"), 1u);

  t.remove("/sys/class/drm/card1");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(sample_once(s, &log).gpus.empty());
  EXPECT_EQ(log.count_containing("amdgpu:card1: disappeared from /sys/class/drm"), 1u) << log.dump();
  EXPECT_EQ(log.count_containing("no amdgpu card under /sys/class/drm"), 1u);
}

TEST(AmdgpuSampler, ASampleReadsOnlyValueFiles) {
  RecordingReader rec;
  AmdgpuSampler s(fixture("strix-halo"), rec.reader());
  rec.paths->clear();
  sample_once(s);
  std::vector<std::string> names;
  for (const auto& p : *rec.paths) names.push_back(p.substr(p.rfind('/') + 1));
  EXPECT_EQ(names, (std::vector<std::string>{"gpu_busy_percent", "mem_info_vram_used", "mem_info_vram_total",
                                             "mem_info_gtt_used", "mem_info_gtt_total", "power1_input",
                                             "power1_average", "temp1_input", "freq1_input", "pp_dpm_mclk",
                                             "gpu_metrics"}));
}

TEST(SysfsSamplers, FactoryReturnsAllThreeAndEachSaysWhenItFindsNothing) {
  auto samplers = make_sysfs_samplers(fixture("empty"));
  ASSERT_EQ(samplers.size(), 3u);
  EXPECT_EQ(samplers[0]->name(), "amdgpu");
  EXPECT_EQ(samplers[1]->name(), "hwmon");
  EXPECT_EQ(samplers[2]->name(), "rapl");
  Snapshot snap;
  for (auto& s : samplers) {
    s->sample(snap);
    EXPECT_EQ(s->take_notes().size(), 1u) << s->name();
    s->sample(snap);
    EXPECT_TRUE(s->take_notes().empty()) << s->name();
  }
  EXPECT_TRUE(snap.gpus.empty());
  EXPECT_TRUE(snap.sensors.empty());
  EXPECT_TRUE(snap.energy.empty());

  auto strix = make_sysfs_samplers(fixture("strix-halo"));
  Snapshot full;
  for (auto& s : strix) s->sample(full);
  EXPECT_EQ(full.gpus.size(), 1u);
  EXPECT_EQ(full.sensors.size(), 6u);  // 5 hwmon + the APU's gfx power
  EXPECT_EQ(full.energy.size(), 2u);
}

}  // namespace
}  // namespace hakari::telemetry
