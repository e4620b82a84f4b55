#include "hakari/telemetry/sysfs/hwmon_sampler.h"

#include <gtest/gtest.h>

#include "sysfs_test_util.h"

namespace hakari::telemetry {
namespace {

using namespace testing;

std::vector<std::string> ids(const Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& r : s.sensors) out.push_back(r.id);
  return out;
}

void expect_sensor(const Snapshot& s, const std::string& id, const std::string& kind, double value) {
  const SensorReading* r = find_sensor(s, id);
  ASSERT_NE(r, nullptr) << id;
  EXPECT_EQ(r->kind, kind) << id;
  EXPECT_EQ(r->value, value) << id;
}

TEST(HwmonSampler, ReadsCpuAndDriveSensorsButNotTheGpu) {
  HwmonSampler s(fixture("strix-halo"));
  NoteLog log;
  const Snapshot snap = sample_once(s, &log);
  EXPECT_EQ(ids(snap), (std::vector<std::string>{"hwmon:acpitz:temp1", "hwmon:nvme:Composite", "hwmon:k10temp:Tctl",
                                                 "hwmon:k10temp:Tccd1", "hwmon:k10temp:Tccd2"}));
  expect_sensor(snap, "hwmon:k10temp:Tctl", "temperature_c", 72.375);  // 72375 m°C
  expect_sensor(snap, "hwmon:k10temp:Tccd1", "temperature_c", 70.25);
  expect_sensor(snap, "hwmon:k10temp:Tccd2", "temperature_c", 68.125);
  expect_sensor(snap, "hwmon:nvme:Composite", "temperature_c", 45.85);
  expect_sensor(snap, "hwmon:acpitz:temp1", "temperature_c", 50.0);  // no label: the file stem
  EXPECT_TRUE(log.all.empty()) << log.dump();
}

TEST(HwmonSampler, DisambiguatesTwinChipsAndReadsPowerAndFans) {
  HwmonSampler s(fixture("discrete-amd"));
  const Snapshot snap = sample_once(s);
  EXPECT_EQ(ids(snap), (std::vector<std::string>{"hwmon:coretemp:Package id 0", "hwmon:coretemp:Core 0",
                                                 "hwmon:nvme@hwmon3:Composite", "hwmon:nvme@hwmon4:Composite",
                                                 "hwmon:nct6798:power1", "hwmon:nct6798:fan2"}));
  expect_sensor(snap, "hwmon:coretemp:Package id 0", "temperature_c", 55.0);
  expect_sensor(snap, "hwmon:coretemp:Core 0", "temperature_c", 51.0);
  expect_sensor(snap, "hwmon:nvme@hwmon3:Composite", "temperature_c", 41.85);
  expect_sensor(snap, "hwmon:nvme@hwmon4:Composite", "temperature_c", 39.85);
  expect_sensor(snap, "hwmon:nct6798:power1", "power_w", 15.5);  // power1_average, 15500000 uW
  expect_sensor(snap, "hwmon:nct6798:fan2", "fan_rpm", 1200.0);
}

TEST(HwmonSampler, SkipsTheGpuHwmonByItsDeviceEvenWhenRenamed) {
  TempTree t("discrete-amd");
  t.write(std::string(kNavi31Hwmon) + "/name", "not-amdgpu\n");
  HwmonSampler s(t.root());
  const Snapshot snap = sample_once(s);
  EXPECT_EQ(snap.sensors.size(), 6u);
  for (const auto& r : snap.sensors) EXPECT_EQ(r.id.find("not-amdgpu"), std::string::npos) << r.id;
}

TEST(HwmonSampler, BrokenFilesAreNotedOnceAndSkipped) {
  HwmonSampler s(fixture("broken"));
  NoteLog log;
  Snapshot snap;
  for (int i = 0; i < 50; ++i) snap = sample_once(s, &log);
  EXPECT_EQ(ids(snap), std::vector<std::string>{"hwmon:hwmon1:temp1"});
  expect_sensor(snap, "hwmon:hwmon1:temp1", "temperature_c", 30.0);
  EXPECT_EQ(log.count_containing("/sys/class/hwmon/hwmon0/temp1_input: not a number: 'garbage'"), 1u);
  EXPECT_EQ(log.count_containing("/sys/class/hwmon/hwmon0/temp2_input: empty file"), 1u);
  EXPECT_EQ(log.count_containing("/sys/class/hwmon/hwmon0/fan1_input: Is a directory"), 1u);
  EXPECT_EQ(log.count_containing("/sys/class/hwmon/hwmon1/name: No such file or directory; calling it hwmon1"), 1u);
  EXPECT_EQ(log.all.size(), 4u) << log.dump();
}

TEST(HwmonSampler, EmptyRootSaysSoOnce) {
  HwmonSampler s(fixture("empty"));
  NoteLog log;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(sample_once(s, &log).sensors.empty());
  EXPECT_EQ(log.all, std::vector<std::string>{"no hwmon sensors outside the GPU under /sys/class/hwmon"});
}

TEST(HwmonSampler, ASensorThatVanishesIsNotedOnceAndTheOthersGoOn) {
  TempTree t("strix-halo");
  HwmonSampler s(t.root());
  NoteLog log;
  EXPECT_EQ(sample_once(s, &log).sensors.size(), 5u);
  t.remove("/sys/class/hwmon/hwmon3/temp3_input");
  for (int i = 0; i < 5; ++i) {
    const Snapshot snap = sample_once(s, &log);
    EXPECT_EQ(snap.sensors.size(), 4u);
    EXPECT_EQ(find_sensor(snap, "hwmon:k10temp:Tccd1"), nullptr);
    expect_sensor(snap, "hwmon:k10temp:Tctl", "temperature_c", 72.375);
  }
  EXPECT_EQ(log.all.size(), 1u) << log.dump();
  EXPECT_EQ(log.count_containing("/sys/class/hwmon/hwmon3/temp3_input: No such file or directory"), 1u);
  EXPECT_EQ(s.sensor_count(), 4u);  // found again without it
}

}  // namespace
}  // namespace hakari::telemetry
