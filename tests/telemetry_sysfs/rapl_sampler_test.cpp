#include "hakari/telemetry/sysfs/rapl_sampler.h"

#include <gtest/gtest.h>

#include "sysfs_test_util.h"

namespace hakari::telemetry {
namespace {

using namespace testing;

constexpr const char* kPkg = "/sys/class/powercap/intel-rapl:0/energy_uj";
constexpr const char* kCore = "/sys/class/powercap/intel-rapl:0:0/energy_uj";
constexpr std::uint64_t kAmdRange = 65532610987;  // max_energy_range_uj in strix-halo

void expect_energy(const Snapshot& s, const std::string& id, const std::string& scope, double joules) {
  const EnergyReading* e = find_energy(s, id);
  ASSERT_NE(e, nullptr) << id;
  EXPECT_EQ(e->scope, scope) << id;
  EXPECT_EQ(e->joules, joules) << id;
}

TEST(EnergyUnwrapper, AddsTheRangePlusOnePerWrap) {
  EnergyUnwrapper u(999);  // counts 0..999
  EXPECT_EQ(u.add(900), 900u);
  EXPECT_EQ(u.add(950), 950u);
  EXPECT_EQ(u.add(100), 1100u);  // wrapped once: +1000
  EXPECT_EQ(u.add(950), 1950u);
  EXPECT_EQ(u.add(50), 2050u);  // twice
  EXPECT_EQ(u.add(50), 2050u);  // unchanged is not a wrap
  EXPECT_EQ(u.wraps(), 2u);
}

TEST(EnergyUnwrapper, WithoutARangeABackwardStepIsARestart) {
  EnergyUnwrapper u;
  bool unknown = false;
  EXPECT_EQ(u.add(500, &unknown), 500u);
  EXPECT_FALSE(unknown);
  EXPECT_EQ(u.add(100, &unknown), 600u);
  EXPECT_TRUE(unknown);
}

TEST(RaplSampler, ReadsPackageAndCoreOnStrixHalo) {
  RaplSampler s(fixture("strix-halo"));
  NoteLog log;
  const Snapshot snap = sample_once(s, &log);
  ASSERT_EQ(snap.energy.size(), 2u);
  EXPECT_EQ(snap.energy[0].id, "rapl:package-0");
  expect_energy(snap, "rapl:package-0", "cpu-package", 123.456789);  // 123456789 uJ
  expect_energy(snap, "rapl:package-0:core", "cpu-cores", 23.456789);
  EXPECT_TRUE(log.all.empty()) << log.dump();
}

TEST(RaplSampler, NamesEveryZoneKindAndSkipsTheMmioDuplicate) {
  RaplSampler s(fixture("discrete-amd"));
  const Snapshot snap = sample_once(s);
  EXPECT_EQ(s.zone_count(), 5u);
  ASSERT_EQ(snap.energy.size(), 5u);
  expect_energy(snap, "rapl:package-0", "cpu-package", 987.654321);
  expect_energy(snap, "rapl:package-0:core", "cpu-cores", 456.789012);
  expect_energy(snap, "rapl:package-0:uncore", "uncore", 12.345678);
  expect_energy(snap, "rapl:package-0:dram", "dram", 34.56789);
  expect_energy(snap, "rapl:psys", "platform", 1111.111111);
}

TEST(RaplSampler, UnwrapsAcrossOneAndTwoWraps) {
  TempTree t("strix-halo");
  t.write(kPkg, "65532000000\n");
  RaplSampler s(t.root());
  expect_energy(sample_once(s), "rapl:package-0", "cpu-package", 65532.0);
  t.write(kPkg, "65532600000\n");
  expect_energy(sample_once(s), "rapl:package-0", "cpu-package", 65532.6);
  t.write(kPkg, "1000000\n");  // wrapped: + (65532610987 + 1)
  expect_energy(sample_once(s), "rapl:package-0", "cpu-package", 65533.610988);
  t.write(kPkg, "65532600000\n");
  expect_energy(sample_once(s), "rapl:package-0", "cpu-package", 131065.210988);
  t.write(kPkg, "500\n");  // second wrap
  expect_energy(sample_once(s), "rapl:package-0", "cpu-package", 131065.222476);
  static_assert(2 * (kAmdRange + 1) + 500 == 131065222476);
  // The core zone was not touched and keeps its value.
  expect_energy(sample_once(s), "rapl:package-0:core", "cpu-cores", 23.456789);
}

TEST(RaplSampler, PermissionDeniedIsOneNoteAndNothingElse) {
  RecordingReader rec;
  rec.denied_suffixes->insert("/energy_uj");
  RaplSampler s(fixture("strix-halo"), rec.reader());
  NoteLog log;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(sample_once(s, &log).energy.empty());
  ASSERT_EQ(log.all.size(), 1u) << log.dump();
  EXPECT_EQ(log.all[0], std::string(kPkg) + ": permission denied: RAPL energy needs root or a udev rule");
}

TEST(RaplSampler, BrokenZonesAreNotedOnce) {
  TempTree t("broken");
  RaplSampler s(t.root());
  NoteLog log;
  Snapshot snap;
  for (int i = 0; i < 20; ++i) snap = sample_once(s, &log);
  ASSERT_EQ(snap.energy.size(), 1u);
  expect_energy(snap, "rapl:package-0:core", "cpu-cores", 5.0);
  EXPECT_EQ(log.count_containing(std::string(kPkg) + ": not a number: 'not-a-number'"), 1u);
  EXPECT_EQ(log.count_containing("intel-rapl:0:0/max_energy_range_uj: No such file or directory; a counter wrap "
                                 "will be treated as a restart from 0"),
            1u);
  EXPECT_EQ(log.all.size(), 2u) << log.dump();

  // Without a range, a backward step is taken as a restart from 0.
  t.write(kCore, "1000000\n");
  for (int i = 0; i < 5; ++i) snap = sample_once(s, &log);
  expect_energy(snap, "rapl:package-0:core", "cpu-cores", 6.0);
  EXPECT_EQ(log.count_containing("went backwards and max_energy_range_uj is unknown"), 1u) << log.dump();
}

TEST(RaplSampler, EmptyRootSaysSoOnce) {
  RaplSampler s(fixture("empty"));
  NoteLog log;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(sample_once(s, &log).energy.empty());
  EXPECT_EQ(log.all,
            std::vector<std::string>{"no RAPL zones under /sys/class/powercap (is intel_rapl_msr loaded?): no CPU energy"});
}

TEST(RaplSampler, KeepsItsTotalAcrossRediscovery) {
  TempTree t("strix-halo");
  RaplSampler s(t.root());
  NoteLog log;
  t.write(kPkg, "65532000000\n");
  sample_once(s, &log);
  t.write(kPkg, "100\n");
  expect_energy(sample_once(s, &log), "rapl:package-0", "cpu-package", 65532.611088);
  t.remove("/sys/class/powercap/intel-rapl:0:0");  // the core zone goes away: rediscover
  sample_once(s, &log);
  t.write(kPkg, "200\n");
  const Snapshot snap = sample_once(s, &log);
  ASSERT_EQ(snap.energy.size(), 1u);
  expect_energy(snap, "rapl:package-0", "cpu-package", 65532.611188);
  EXPECT_EQ(log.count_containing("intel-rapl:0:0/energy_uj: No such file or directory"), 1u) << log.dump();
}

}  // namespace
}  // namespace hakari::telemetry
