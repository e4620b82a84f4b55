#include "hakari/core/host_info.h"

#include <gtest/gtest.h>

namespace hakari {
namespace {

TEST(HostInfo, ReadsAFixtureTree) {
  HostInfo h = read_host_info(std::string(HAKARI_TEST_DATA_DIR) + "/host");
  EXPECT_EQ(h.cpu_model, "AMD RYZEN AI MAX+ 395 w/ Radeon 8060S");
  EXPECT_EQ(h.logical_cpus, 2);
  EXPECT_EQ(h.memory_total_bytes, 131072000LL * 1024);
  EXPECT_EQ(h.swap_used_bytes, (8388608LL - 8126464LL) * 1024);
  EXPECT_DOUBLE_EQ(h.load_avg_1m, 3.5);
  EXPECT_EQ(h.cpu_governor, "powersave");
  EXPECT_EQ(h.kernel, "6.18.4-200.fc43.x86_64");
  EXPECT_EQ(h.hostname, "evo-x2");
  EXPECT_EQ(h.os, "Fedora Linux 43 (Workstation Edition)");
}

TEST(HostInfo, WarnsAboutEveryNoisyCondition) {
  HostInfo h = read_host_info(std::string(HAKARI_TEST_DATA_DIR) + "/host");
  auto w = timing_noise_warnings(h);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0], "CPU frequency governor is 'powersave', not 'performance': client-side latencies may read high");
  EXPECT_EQ(w[1], "load average 3.50 on 2 CPUs: the machine is busy");
  EXPECT_EQ(w[2], "swap in use (256 MiB): timings may include paging");
  h.cpu_governor = "performance";
  h.load_avg_1m = 0.1;
  h.swap_used_bytes = 0;
  EXPECT_TRUE(timing_noise_warnings(h).empty());
}

TEST(HostInfo, MissingFilesGiveEmptyFieldsNotErrors) {
  HostInfo h = read_host_info("/nonexistent-root-for-hakari");
  EXPECT_EQ(h.logical_cpus, 0);
  EXPECT_TRUE(h.cpu_governor.empty());
  EXPECT_TRUE(timing_noise_warnings(h).empty());
}

TEST(HostInfo, ReadsThisMachine) {
  HostInfo h = read_host_info();
  EXPECT_GT(h.logical_cpus, 0);
  EXPECT_GT(h.memory_total_bytes, 0);
  EXPECT_FALSE(h.kernel.empty());
}

}  // namespace
}  // namespace hakari
