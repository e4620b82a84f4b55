#include "hakari/load/duration.h"

#include <gtest/gtest.h>

#include "hakari/load/synthetic_prompt.h"

namespace hakari::load {
namespace {

constexpr Nanos kSec = kNanosPerSecond;

Nanos parsed(std::string_view text) {
  std::string error;
  const auto d = parse_duration(text, error);
  EXPECT_TRUE(d) << text << ": " << error;
  return d.value_or(-1);
}

std::string fails(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_duration(text, error)) << text;
  return error;
}

TEST(Duration, ParsesWhatPeopleType) {
  EXPECT_EQ(parsed("90"), 90 * kSec);
  EXPECT_EQ(parsed("90s"), 90 * kSec);
  EXPECT_EQ(parsed("1.5m"), 90 * kSec);
  EXPECT_EQ(parsed("10m"), 600 * kSec);
  EXPECT_EQ(parsed("24h"), 24 * 3600 * kSec);
  EXPECT_EQ(parsed("1h30m"), 5400 * kSec);
  EXPECT_EQ(parsed("500ms"), 500 * kNanosPerMilli);
  EXPECT_EQ(parsed("0.5"), kSec / 2);
  EXPECT_EQ(parsed("2d12h"), 60 * 3600 * kSec);
  EXPECT_EQ(parsed("1h2m3s4ms5us6ns"), 3723 * kSec + 4 * kNanosPerMilli + 5006);
  EXPECT_EQ(parsed(".25s"), kSec / 4);
  EXPECT_EQ(parsed("30d"), kMaxDuration);
  EXPECT_EQ(parsed("720h"), kMaxDuration);
  EXPECT_EQ(parsed("1ns"), 1);
}

TEST(Duration, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(fails(""), "duration is empty");
  EXPECT_EQ(fails("abc"), "duration \"abc\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("10x"), "duration \"10x\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("1h30"), "duration \"1h30\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("-5s"), "duration \"-5s\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("1.5.5s"), "duration \"1.5.5s\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("5 s"), "duration \"5 s\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("h"), "duration \"h\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("1e3s"), "duration \"1e3s\" is not like 90s, 1.5m, 1h30m or 500ms");
  EXPECT_EQ(fails("30m1h"), "duration \"30m1h\" has its units out of order (largest first, each once)");
  EXPECT_EQ(fails("1m1m"), "duration \"1m1m\" has its units out of order (largest first, each once)");
  EXPECT_EQ(fails("0"), "duration \"0\" is not above 0");
  EXPECT_EQ(fails("0s"), "duration \"0s\" is not above 0");
  EXPECT_EQ(fails("0.1ns"), "duration \"0.1ns\" is not above 0");
  EXPECT_EQ(fails("31d"), "duration \"31d\" is longer than 30 days");
  EXPECT_EQ(fails("30d1ns"), "duration \"30d1ns\" is longer than 30 days");
  EXPECT_EQ(fails("99999999999999999999999h"), "duration \"99999999999999999999999h\" is longer than 30 days");
}

TEST(Duration, FormatsInWholeUnits) {
  EXPECT_EQ(format_duration(5400 * kSec), "1h30m");
  EXPECT_EQ(format_duration(45 * kSec), "45s");
  EXPECT_EQ(format_duration(250 * kNanosPerMilli), "250ms");
  EXPECT_EQ(format_duration(1500 * kNanosPerMilli), "1s500ms");
  EXPECT_EQ(format_duration(48 * 3600 * kSec), "48h");
  EXPECT_EQ(format_duration(3723 * kSec + 4 * kNanosPerMilli + 5006), "1h2m3s4ms5us6ns");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(-90 * kSec), "-1m30s");
  EXPECT_EQ(format_duration(INT64_MIN), "-2562047h47m16s854ms775us808ns");
}

TEST(Duration, RoundTrips) {
  for (Nanos d : {Nanos{1}, 999 * kNanosPerMilli, 90 * kSec, 5400 * kSec, kMaxDuration, kMaxDuration - 1,
                  3723 * kSec + 4 * kNanosPerMilli + 5006}) {
    EXPECT_EQ(parsed(format_duration(d)), d) << format_duration(d);
  }
  SplitMix64 rng(3);
  for (int i = 0; i < 10'000; ++i) {
    const Nanos d = 1 + static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(kMaxDuration)));
    ASSERT_EQ(parsed(format_duration(d)), d) << format_duration(d);
  }
}

}  // namespace
}  // namespace hakari::load
