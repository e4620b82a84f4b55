#include "hakari/telemetry/sysfs/gpu_metrics.h"

#include <gtest/gtest.h>

#include "sysfs_test_util.h"

namespace hakari::telemetry {
namespace {

using namespace testing;

const std::string kStrixBlob = "/telemetry/sysfs/strix-halo/sys/devices/pci0000:00/0000:00:08.1/0000:c3:00.0/gpu_metrics";

GpuMetricsParse parse(const std::string& bytes, GpuMetricsOptions options = {}) {
  return parse_gpu_metrics(bytes_of(bytes), options);
}

// The committed blobs were written by make_fixtures.py with ctypes (the host C layout);
// reading back every field we use checks that the parser's layout agrees with it.
TEST(GpuMetrics, ParsesTheStrixHaloV3_0Fixture) {
  const auto blob = read_bytes(fixture("strix-halo/sys/devices/pci0000:00/0000:00:08.1/0000:c3:00.0/gpu_metrics"));
  ASSERT_EQ(blob.size(), 264u);
  const auto r = parse(blob, {0x0a640000});
  ASSERT_TRUE(r.metrics) << r.error;
  const GpuMetrics& m = *r.metrics;
  EXPECT_EQ(m.format_revision, 3);
  EXPECT_EQ(m.content_revision, 0);
  EXPECT_EQ(m.structure_size, 264);
  EXPECT_TRUE(m.apu_layout);
  EXPECT_EQ(m.temperature_c, 61.0);       // 6100 centi-degC
  EXPECT_EQ(m.soc_temperature_c, 58.5);   // 5850
  EXPECT_EQ(m.gfx_activity_percent, 97.0);
  EXPECT_EQ(m.socket_power_w, 98.0);      // 98000 mW
  EXPECT_EQ(m.gfx_power_w, 71.25);        // 71250 mW
  EXPECT_EQ(m.gfxclk_mhz, 2845.0);
  EXPECT_EQ(m.uclk_mhz, 1000.0);
  EXPECT_EQ(m.dram_reads_mbps, 41250u);
  EXPECT_EQ(m.dram_writes_mbps, 3500u);
  const std::array<std::optional<std::uint32_t>, 7> residency = {0u, 1200u, 0u, 340u, 0u, 0u, 0u};
  EXPECT_EQ(m.throttle_residency, residency);
  EXPECT_FALSE(m.hotspot_c);
  EXPECT_FALSE(m.memory_temperature_c);
  EXPECT_FALSE(m.umc_activity_percent);
  EXPECT_FALSE(m.throttle_status);
  EXPECT_FALSE(m.indep_throttle_status);
}

TEST(GpuMetrics, ParsesTheNavi31V1_3Fixture) {
  const auto blob = read_bytes(
      fixture("discrete-amd/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0/gpu_metrics"));
  ASSERT_EQ(blob.size(), 120u);
  const auto r = parse(blob);
  ASSERT_TRUE(r.metrics) << r.error;
  const GpuMetrics& m = *r.metrics;
  EXPECT_EQ(m.format_revision, 1);
  EXPECT_EQ(m.content_revision, 3);
  EXPECT_FALSE(m.apu_layout);
  EXPECT_EQ(m.temperature_c, 62.0);
  EXPECT_EQ(m.hotspot_c, 84.0);
  EXPECT_EQ(m.memory_temperature_c, 78.0);
  EXPECT_EQ(m.gfx_activity_percent, 88.0);
  EXPECT_EQ(m.umc_activity_percent, 41.0);
  EXPECT_EQ(m.socket_power_w, 305.0);
  EXPECT_EQ(m.gfxclk_mhz, 2498.0);
  EXPECT_EQ(m.uclk_mhz, 1249.0);
  EXPECT_EQ(m.throttle_status, 1u);
  EXPECT_EQ(m.indep_throttle_status, 1u);
  EXPECT_FALSE(m.gfx_power_w);
  EXPECT_FALSE(m.dram_reads_mbps);
  EXPECT_FALSE(m.soc_temperature_c);
}

TEST(GpuMetrics, AllOnesFieldsAreInvalid) {
  auto t = gm::blank<gm::V3_0>(3, 0);
  const auto r = parse(gm::bytes(t));
  ASSERT_TRUE(r.metrics) << r.error;
  const auto& m = *r.metrics;
  EXPECT_FALSE(m.temperature_c);
  EXPECT_FALSE(m.soc_temperature_c);
  EXPECT_FALSE(m.gfx_activity_percent);
  EXPECT_FALSE(m.socket_power_w);
  EXPECT_FALSE(m.gfx_power_w);
  EXPECT_FALSE(m.gfxclk_mhz);
  EXPECT_FALSE(m.uclk_mhz);
  EXPECT_FALSE(m.dram_reads_mbps);
  for (const auto& x : m.throttle_residency) EXPECT_FALSE(x);

  auto d = gm::blank<gm::V1_3>(1, 3);
  const auto rd = parse(gm::bytes(d));
  ASSERT_TRUE(rd.metrics);
  EXPECT_FALSE(rd.metrics->temperature_c);
  EXPECT_FALSE(rd.metrics->socket_power_w);
  EXPECT_FALSE(rd.metrics->throttle_status);          // 0xFFFFFFFF
  EXPECT_FALSE(rd.metrics->indep_throttle_status);    // 0xFFFFFFFFFFFFFFFF
}

TEST(GpuMetrics, V3GfxActivityFollowsTheFirmwareAndIsClamped) {
  auto t = gm::blank<gm::V3_0>(3, 0);
  auto activity = [&](std::uint16_t raw, std::optional<std::uint32_t> fw) {
    t.average_gfx_activity = raw;
    return parse(gm::bytes(t), {fw}).metrics->gfx_activity_percent;
  };
  // Firmware after 0x5d4600 reports percent; up to it, centi-percent.
  EXPECT_EQ(activity(97, 0x5d4700u), 97.0);
  EXPECT_EQ(activity(9700, 0x5d4600u), 97.0);
  EXPECT_EQ(activity(97, 0x5d4600u), 0.97);
  // Without the firmware version, above 100 can only be centi-percent.
  EXPECT_EQ(activity(97, std::nullopt), 97.0);
  EXPECT_EQ(activity(9700, std::nullopt), 97.0);
  EXPECT_EQ(activity(100, std::nullopt), 100.0);
  // Whatever the unit, never above 100.
  EXPECT_EQ(activity(12000, std::nullopt), 100.0);
  EXPECT_EQ(activity(9700, 0x5d4700u), 100.0);
  EXPECT_EQ(activity(0, std::nullopt), 0.0);
}

TEST(GpuMetrics, FormatOneAndTwoActivitiesAreClamped) {
  auto v13 = gm::blank<gm::V1_3>(1, 3);
  v13.average_gfx_activity = 150;
  v13.average_umc_activity = 101;
  auto r = parse(gm::bytes(v13));
  EXPECT_EQ(r.metrics->gfx_activity_percent, 100.0);
  EXPECT_EQ(r.metrics->umc_activity_percent, 100.0);

  auto v24 = gm::blank<gm::V2_4>(2, 4);
  v24.average_gfx_activity = 5000;  // centi-percent in format 2
  EXPECT_EQ(parse(gm::bytes(v24)).metrics->gfx_activity_percent, 50.0);
  v24.average_gfx_activity = 10000;
  EXPECT_EQ(parse(gm::bytes(v24)).metrics->gfx_activity_percent, 100.0);
  v24.average_gfx_activity = 20000;
  EXPECT_EQ(parse(gm::bytes(v24)).metrics->gfx_activity_percent, 100.0);
}

TEST(GpuMetrics, RefusesAFileShorterThanItsHeaderSays) {
  const auto blob = read_bytes(std::string(HAKARI_TEST_DATA_DIR) + kStrixBlob).substr(0, 100);
  const auto r = parse(blob);
  EXPECT_FALSE(r.metrics);
  EXPECT_FALSE(r.unknown_version);
  EXPECT_EQ(r.error, "header (format 3.0) says 264 bytes but only 100 were read");
}

TEST(GpuMetrics, ReadsOnlyFieldsInsideStructureSize) {
  auto t = gm::blank<gm::V3_0>(3, 0, 100);  // the table claims 100 bytes
  t.temperature_gfx = 5000;                  // offset 4
  t.average_gfx_activity = 50;               // offset 42
  t.average_dram_reads = 1000;               // offset 94
  t.average_socket_power = 40000;            // offset 112: past the end
  t.throttle_residency_spl = 7;
  const auto r = parse(gm::bytes(t));
  ASSERT_TRUE(r.metrics) << r.error;
  EXPECT_EQ(r.metrics->temperature_c, 50.0);
  EXPECT_EQ(r.metrics->gfx_activity_percent, 50.0);
  EXPECT_EQ(r.metrics->dram_reads_mbps, 1000u);
  EXPECT_FALSE(r.metrics->socket_power_w);
  EXPECT_FALSE(r.metrics->throttle_residency[1]);

  // A file longer than structure_size is read up to structure_size.
  auto full = gm::blank<gm::V3_0>(3, 0);
  full.average_gfx_power = 12345;
  const auto longer = gm::bytes(full) + std::string(64, '\x7f');
  EXPECT_EQ(parse(longer).metrics->gfx_power_w, 12.345);
}

TEST(GpuMetrics, RefusesTooShortAndNonsenseHeaders) {
  EXPECT_EQ(parse("").error, "empty");
  EXPECT_EQ(parse(std::string("\x04\x00\x03", 3)).error, "only 3 bytes, shorter than the 4-byte header");
  EXPECT_EQ(parse(std::string("\x02\x00\x03\x00", 4)).error, "header gives structure_size 2, smaller than the header");
  // A bare header of a known version: parses, with nothing in it.
  const auto bare = parse(std::string("\x04\x00\x03\x00", 4));
  ASSERT_TRUE(bare.metrics);
  EXPECT_FALSE(bare.metrics->temperature_c);
}

TEST(GpuMetrics, UnknownVersionsAreRefusedAsSuch) {
  for (auto [f, c] : {std::pair{1, 4}, {1, 6}, {2, 5}, {3, 1}, {4, 0}, {0, 0}}) {
    auto t = gm::blank<gm::V1_3>(static_cast<std::uint8_t>(f), static_cast<std::uint8_t>(c));
    const auto r = parse(gm::bytes(t));
    EXPECT_FALSE(r.metrics) << f << "." << c;
    EXPECT_TRUE(r.unknown_version);
    EXPECT_EQ(r.error, "format " + std::to_string(f) + "." + std::to_string(c) + " is not one hakari can read");
  }
}

TEST(GpuMetrics, ParsesV1_0WithItsOwnLayout) {
  auto t = gm::blank<gm::V1_0>(1, 0);
  t.temperature_edge = 50;
  t.temperature_hotspot = 70;
  t.average_gfx_activity = 12;
  t.average_socket_power = 40;
  t.average_clocks[0] = 800;  // gfxclk
  t.current_clocks[2] = 875;  // uclk (average_uclk left invalid)
  t.throttle_status = 4;
  const auto r = parse(gm::bytes(t));
  ASSERT_TRUE(r.metrics) << r.error;
  EXPECT_EQ(r.metrics->temperature_c, 50.0);
  EXPECT_EQ(r.metrics->hotspot_c, 70.0);
  EXPECT_EQ(r.metrics->gfx_activity_percent, 12.0);
  EXPECT_EQ(r.metrics->socket_power_w, 40.0);
  EXPECT_EQ(r.metrics->gfxclk_mhz, 800.0);
  EXPECT_EQ(r.metrics->uclk_mhz, 875.0);
  EXPECT_EQ(r.metrics->throttle_status, 4u);
  EXPECT_FALSE(r.metrics->indep_throttle_status);
}

TEST(GpuMetrics, V1_1AndV1_2HaveNoIndependentThrottleStatus) {
  auto t = gm::blank<gm::V1_3>(1, 2, 104);
  t.indep_throttle_status = 1;  // beyond a 1.2 table, and 1.2 does not define it
  t.temperature_edge = 40;
  auto r = parse(gm::bytes(t, 104));
  ASSERT_TRUE(r.metrics) << r.error;
  EXPECT_EQ(r.metrics->temperature_c, 40.0);
  EXPECT_FALSE(r.metrics->indep_throttle_status);
  // Even with a full-size buffer, content revision 2 does not read the 1.3 field.
  t.h.structure_size = 120;
  r = parse(gm::bytes(t));
  EXPECT_FALSE(r.metrics->indep_throttle_status);
}

TEST(GpuMetrics, ParsesFormatTwoInCentiUnitsAndMilliwatts) {
  auto v20 = gm::blank<gm::V2_0>(2, 0);
  v20.temperature_gfx = 4550;
  v20.average_gfx_activity = 2500;
  v20.average_socket_power = 15000;
  v20.average_gfx_power = 6000;
  v20.average_clocks[0] = 1800;
  v20.throttle_status = 0;
  auto r = parse(gm::bytes(v20));
  ASSERT_TRUE(r.metrics) << r.error;
  EXPECT_TRUE(r.metrics->apu_layout);
  EXPECT_EQ(r.metrics->temperature_c, 45.5);
  EXPECT_EQ(r.metrics->gfx_activity_percent, 25.0);
  EXPECT_EQ(r.metrics->socket_power_w, 15.0);
  EXPECT_EQ(r.metrics->gfx_power_w, 6.0);
  EXPECT_EQ(r.metrics->gfxclk_mhz, 1800.0);
  EXPECT_EQ(r.metrics->throttle_status, 0u);

  auto v24 = gm::blank<gm::V2_4>(2, 4);
  v24.temperature_gfx = 4800;
  v24.average_socket_power = 25000;
  v24.average_gfx_power = 9000;
  v24.indep_throttle_status = (std::uint64_t{1} << 35) | (std::uint64_t{1} << 4);
  r = parse(gm::bytes(v24));
  ASSERT_TRUE(r.metrics) << r.error;
  EXPECT_EQ(r.metrics->temperature_c, 48.0);
  EXPECT_EQ(r.metrics->socket_power_w, 25.0);
  EXPECT_EQ(r.metrics->gfx_power_w, 9.0);
  EXPECT_EQ(indep_throttle_reasons(*r.metrics->indep_throttle_status), "spl,temp_edge");

  // 2.1 has no independent throttle status.
  auto v21 = gm::blank<gm::V2_4>(2, 1, 120);
  v21.temperature_gfx = 4700;
  r = parse(gm::bytes(v21, 120));
  ASSERT_TRUE(r.metrics) << r.error;
  EXPECT_EQ(r.metrics->temperature_c, 47.0);
  EXPECT_FALSE(r.metrics->indep_throttle_status);
}

TEST(GpuMetrics, NamesIndependentThrottleBits) {
  EXPECT_EQ(indep_throttle_reasons(0), "");
  EXPECT_EQ(indep_throttle_reasons(1), "ppt0");
  EXPECT_EQ(indep_throttle_reasons((std::uint64_t{1} << 36) | (std::uint64_t{1} << 16) | (std::uint64_t{1} << 57)),
            "tdc_gfx,temp_hotspot,fit");
  EXPECT_EQ(indep_throttle_reasons(std::uint64_t{1} << 50), "bit50");
}

}  // namespace
}  // namespace hakari::telemetry
