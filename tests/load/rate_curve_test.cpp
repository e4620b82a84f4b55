#include "hakari/load/rate_curve.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hakari::load {
namespace {

RateCurve parsed(std::string_view text) {
  std::string error;
  auto c = RateCurve::parse(text, error);
  EXPECT_TRUE(c) << text << ": " << error;
  return c ? *c : RateCurve::business_day();
}

std::string fails(std::string_view text) {
  std::string error;
  EXPECT_FALSE(RateCurve::parse(text, error)) << text;
  return error;
}

// The mean of at() over [from, to) hours, by a fine midpoint sum (independent of mean()).
double average(const RateCurve& c, double from, double to) {
  constexpr int kSteps = 2400;
  double sum = 0;
  for (int i = 0; i < kSteps; ++i) sum += c.at(from + (to - from) * (i + 0.5) / kSteps);
  return sum / kSteps;
}

TEST(RateCurve, BusinessDayHasTheShapeOfAJapaneseWorkingDay) {
  const auto day = RateCurve::business_day();
  EXPECT_EQ(day.peak(), 1.0);
  EXPECT_DOUBLE_EQ(day.at(3), 0.05);              // quiet night
  EXPECT_DOUBLE_EQ(day.at(8.5), 0.25);            // the ramp begins at 08:30
  EXPECT_DOUBLE_EQ(day.at(8.75), 0.525);          // half way up the ramp
  EXPECT_DOUBLE_EQ(day.at(9.0), 0.8);             // the morning high, 09:00-10:30
  EXPECT_DOUBLE_EQ(day.at(10.5), 0.8);
  EXPECT_DOUBLE_EQ(day.at(12.5), 0.3);            // lunch
  EXPECT_DOUBLE_EQ(day.at(14.5), 1.0);            // the day's peak
  EXPECT_LT(day.at(18), day.at(17));              // the evening decline
  EXPECT_LE(day.at(20), 0.2);                     // low after 19:00
  EXPECT_LT(day.at(12.5), std::min(day.at(11), day.at(13.5)));
  for (double h = 0; h <= 24; h += 0.05) {
    const bool in_peak = h >= 14 && h <= 15;
    if (!in_peak) {
      ASSERT_LT(day.at(h), 1.0) << h;
    }
    ASSERT_GT(day.at(h), 0.0) << h;
  }
  // mean() is exact; the fine sum agrees with it.
  EXPECT_NEAR(day.mean(), average(day, 0, 24), 1e-6);
  EXPECT_NEAR(day.mean(), 0.365, 0.001);
}

TEST(RateCurve, InterpolatesAndClamps) {
  const auto c = parsed("0:0, 12:1, 24:0");
  EXPECT_DOUBLE_EQ(c.at(6), 0.5);
  EXPECT_DOUBLE_EQ(c.at(12), 1);
  EXPECT_DOUBLE_EQ(c.at(18), 0.5);
  EXPECT_DOUBLE_EQ(c.at(-5), 0);
  EXPECT_DOUBLE_EQ(c.at(30), 0);
  EXPECT_DOUBLE_EQ(c.mean(), 0.5);
  EXPECT_EQ(c.points().size(), 3u);

  // Flat before the first point and after the last.
  const auto held = parsed("6:0,18:2");
  EXPECT_DOUBLE_EQ(held.at(3), 0);
  EXPECT_DOUBLE_EQ(held.at(12), 1);
  EXPECT_DOUBLE_EQ(held.at(21), 2);
  EXPECT_DOUBLE_EQ(held.mean(), 1);
  EXPECT_DOUBLE_EQ(held.peak(), 2);

  const auto flat = parsed("9.5:3");
  EXPECT_DOUBLE_EQ(flat.at(0), 3);
  EXPECT_DOUBLE_EQ(flat.mean(), 3);
}

TEST(RateCurve, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(fails(""), "rate curve is empty (expected hour:rate,hour:rate,...)");
  EXPECT_EQ(fails("9"), "rate curve point \"9\" is not hour:rate");
  EXPECT_EQ(fails("9:1,"), "rate curve point \"\" is not hour:rate");
  EXPECT_EQ(fails("25:1"), "rate curve hour \"25\" is not a number from 0 to 24");
  EXPECT_EQ(fails("-1:1"), "rate curve hour \"-1\" is not a number from 0 to 24");
  EXPECT_EQ(fails("08:30:1"), "rate curve rate \"30:1\" is not a number >= 0");
  EXPECT_EQ(fails("x:1"), "rate curve hour \"x\" is not a number from 0 to 24");
  EXPECT_EQ(fails("9:-0.5"), "rate curve rate \"-0.5\" is not a number >= 0");
  EXPECT_EQ(fails("9:nan"), "rate curve rate \"nan\" is not a number >= 0");
  EXPECT_EQ(fails("9:"), "rate curve rate \"\" is not a number >= 0");
  EXPECT_EQ(fails("10:1,9:1"), "rate curve hours must ascend: 9 after 10");
  EXPECT_EQ(fails("9:1,9:2"), "rate curve hours must ascend: 9 after 9");
  EXPECT_EQ(fails("0:0,24:0"), "rate curve has no rate above 0");
  std::string many;
  for (int i = 0; i <= 1000; ++i) many += (i ? "," : "") + std::to_string(i * 0.02) + ":1";
  EXPECT_EQ(fails(many), "rate curve has more than 1000 points");
}

TEST(RateCurve, ArrivalsFollowTheCurve) {
  const auto day = RateCurve::business_day();
  constexpr double kPeak = 100;                     // requests/s at 14:00
  const Nanos length = 2400 * kNanosPerSecond;      // the day in 40 minutes: 100 s an hour
  const auto t = curve_arrivals(day, kPeak, length, 21);
  ASSERT_FALSE(t.empty());
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_GE(t.front(), 0);
  EXPECT_LT(t.back(), length);

  const double expected_total = day.mean() * kPeak * to_s(length);
  EXPECT_NEAR(static_cast<double>(t.size()), expected_total, 0.015 * expected_total);

  // Each compressed hour holds what the curve says, within Poisson noise.
  std::vector<int> per_hour(24);
  for (Nanos at : t) ++per_hour.at(static_cast<std::size_t>(at / (length / 24)));
  for (int h = 0; h < 24; ++h) {
    const double expected = kPeak * 100.0 * average(day, h, h + 1);
    EXPECT_NEAR(per_hour[static_cast<std::size_t>(h)], expected, 5 * std::sqrt(expected) + 5) << "hour " << h;
  }
  EXPECT_GT(per_hour[14], 8 * per_hour[3]);  // the peak against the night
  EXPECT_LT(per_hour[12], per_hour[11]);      // the lunch dip
}

TEST(RateCurve, ArrivalsScaleTheCurvesPeakToThePeakRate) {
  // Peak 2 maps to 10 requests/s: a mean of 1.5 is 7.5 requests/s on average.
  const auto rising = parsed("0:1,24:2");
  const Nanos length = 4000 * kNanosPerSecond;
  const auto t = curve_arrivals(rising, 10, length, 1);
  EXPECT_NEAR(static_cast<double>(t.size()), 30'000, 30'000 * 0.02);
  const auto first_half = std::count_if(t.begin(), t.end(), [&](Nanos at) { return at < length / 2; });
  // Rates 1..1.5 then 1.5..2: the halves hold 5/12 and 7/12.
  EXPECT_NEAR(static_cast<double>(first_half) / static_cast<double>(t.size()), 5.0 / 12, 0.01);
}

TEST(RateCurve, ArrivalsAreSeededAndBounded) {
  const auto day = RateCurve::business_day();
  const Nanos length = 600 * kNanosPerSecond;
  EXPECT_EQ(curve_arrivals(day, 20, length, 4), curve_arrivals(day, 20, length, 4));
  EXPECT_NE(curve_arrivals(day, 20, length, 4), curve_arrivals(day, 20, length, 5));
  const auto thrown = [](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(nothing thrown)");
  };
  EXPECT_EQ(thrown([&] { curve_arrivals(day, 0, length, 1); }), "peak rate 0 is not a number above 0");
  EXPECT_EQ(thrown([&] { curve_arrivals(day, INFINITY, length, 1); }), "peak rate inf is not a number above 0");
  EXPECT_EQ(thrown([&] { curve_arrivals(day, 1, 0, 1); }), "a rate curve needs a length above 0");
  EXPECT_EQ(thrown([&] { curve_arrivals(day, 10'000, 24 * 3600 * kNanosPerSecond, 1); }),
            "a rate curve of about 864000000 candidate requests (peak rate x length) is more than the 100000000 allowed");
}

}  // namespace
}  // namespace hakari::load
