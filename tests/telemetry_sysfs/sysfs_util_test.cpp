#include "hakari/telemetry/sysfs/sysfs_util.h"

#include <gtest/gtest.h>

#include "sysfs_test_util.h"

namespace hakari::telemetry {
namespace {

using namespace testing;

TEST(SysfsUtil, ParsesIntegersStrictly) {
  EXPECT_EQ(parse_integer("42\n"), 42);
  EXPECT_EQ(parse_integer("  -273150 "), -273150);
  EXPECT_EQ(parse_integer("0x1002"), 0x1002);
  EXPECT_EQ(parse_integer("0X0a640000"), 0x0a640000);
  EXPECT_EQ(parse_integer("133143986176"), 133143986176LL);
  EXPECT_FALSE(parse_integer(""));
  EXPECT_FALSE(parse_integer("12abc"));
  EXPECT_FALSE(parse_integer("banana"));
  EXPECT_FALSE(parse_integer("0x"));
  EXPECT_FALSE(parse_integer("-"));
  EXPECT_FALSE(parse_integer("1 2"));
  EXPECT_FALSE(parse_integer("99999999999999999999"));
}

TEST(SysfsUtil, FindsTheCurrentDpmLevel) {
  EXPECT_EQ(parse_dpm_current_mhz("0: 500Mhz \n1: 1800Mhz \n2: 2498Mhz *\n"), 2498.0);
  EXPECT_EQ(parse_dpm_current_mhz("0: 96Mhz *\n1: 456Mhz \n"), 96.0);
  EXPECT_EQ(parse_dpm_current_mhz("S: 19Mhz *\n0: 600Mhz \n"), 19.0);  // deep-sleep line
  EXPECT_EQ(parse_dpm_current_mhz("0: 600MHz\n1: 1100MHz *"), 1100.0);
  EXPECT_FALSE(parse_dpm_current_mhz("0: 500Mhz\n1: 1000Mhz\n"));  // nothing marked
  EXPECT_FALSE(parse_dpm_current_mhz(""));
  EXPECT_FALSE(parse_dpm_current_mhz("*"));
  EXPECT_FALSE(parse_dpm_current_mhz("1: *Mhz"));
  EXPECT_FALSE(parse_dpm_current_mhz("1: 2000 *"));  // no unit
}

TEST(SysfsUtil, NumberedEntriesSkipConnectorsAndSortNumerically) {
  EXPECT_EQ(numbered("card1", "card"), 1u);
  EXPECT_EQ(numbered("card12", "card"), 12u);
  EXPECT_FALSE(numbered("card1-DP-1", "card"));
  EXPECT_FALSE(numbered("card", "card"));
  EXPECT_FALSE(numbered("renderD128", "card"));
  EXPECT_EQ(numbered_entries({"card10", "renderD128", "card2", "card1-DP-1", "version", "card0"}, "card"),
            (std::vector<std::string>{"card0", "card2", "card10"}));
}

TEST(SysfsUtil, ReadIntegerSaysWhy) {
  const auto reader = default_file_reader();
  const std::string dev = fixture("broken") + "/sys/class/drm/card0/device";
  auto r = read_integer(reader, dev + "/mem_info_vram_used");
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.error, "not a number: 'banana'");
  r = read_integer(reader, dev + "/mem_info_vram_total");
  EXPECT_EQ(r.error, "empty file");
  r = read_integer(reader, dev + "/gpu_busy_percent");
  EXPECT_EQ(r.error, "Is a directory");
  EXPECT_FALSE(r.missing);
  r = read_integer(reader, dev + "/no_such_file");
  EXPECT_EQ(r.error, "No such file or directory");
  EXPECT_TRUE(r.missing);
  r = read_integer(reader, dev + "/vendor");
  EXPECT_EQ(r.value, 0x1002);
  EXPECT_TRUE(is_amd_vendor("0x1002"));
  EXPECT_FALSE(is_amd_vendor("0x10de"));
}

}  // namespace
}  // namespace hakari::telemetry
