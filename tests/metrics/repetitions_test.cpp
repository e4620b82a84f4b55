#include "hakari/metrics/repetitions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace hakari::metrics {
namespace {

TEST(AcrossRepetitions, StudentTIntervalOfTheMean) {
  // mean 12, sample sd 2, t(0.975, 2) = 4.303: half-width 4.303 * 2 / sqrt(3).
  const RepetitionStats s = across_repetitions({10, 12, 14});
  EXPECT_EQ(s.n, 3);
  EXPECT_DOUBLE_EQ(s.mean, 12);
  EXPECT_DOUBLE_EQ(s.stdev, 2);
  EXPECT_NEAR(s.ci95_low, 12 - 4.303 * 2 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(s.ci95_high, 12 + 4.303 * 2 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(s.cv, 2.0 / 12.0, 1e-15);
  EXPECT_TRUE(s.noisy);  // cv 0.167 > 0.10
  EXPECT_FALSE(across_repetitions({10, 12, 14}, 0.2).noisy);
}

TEST(AcrossRepetitions, AgreeingRepetitionsAreNotNoisy) {
  // mean 100, sd sqrt(2/3), t(0.975, 3) = 3.182.
  const RepetitionStats s = across_repetitions({100, 101, 99, 100});
  EXPECT_DOUBLE_EQ(s.mean, 100);
  EXPECT_NEAR(s.stdev, std::sqrt(2.0 / 3.0), 1e-12);
  EXPECT_NEAR(s.ci95_high - s.mean, 3.182 * std::sqrt(2.0 / 3.0) / 2.0, 1e-12);
  EXPECT_NEAR(s.cv, std::sqrt(2.0 / 3.0) / 100, 1e-15);
  EXPECT_FALSE(s.noisy);
}

TEST(AcrossRepetitions, TooFewValuesGiveNoSpread) {
  const RepetitionStats none = across_repetitions({});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_FALSE(none.noisy);
  const RepetitionStats one = across_repetitions({42});
  EXPECT_EQ(one.n, 1);
  EXPECT_EQ(one.mean, 42);
  EXPECT_TRUE(std::isnan(one.stdev));
  EXPECT_TRUE(std::isnan(one.ci95_low));
  EXPECT_TRUE(std::isnan(one.cv));
  EXPECT_FALSE(one.noisy);
}

TEST(AcrossRepetitions, UnmeasuredRepetitionsAreLeftOut) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const RepetitionStats s = across_repetitions({10, nan, 12, std::numeric_limits<double>::infinity(), 14});
  EXPECT_EQ(s.n, 3);
  EXPECT_DOUBLE_EQ(s.mean, 12);
}

TEST(AcrossRepetitions, AZeroMean) {
  const RepetitionStats spread = across_repetitions({-1, 1});
  EXPECT_TRUE(std::isinf(spread.cv));
  EXPECT_TRUE(spread.noisy);
  const RepetitionStats zeros = across_repetitions({0, 0, 0});
  EXPECT_EQ(zeros.stdev, 0);
  EXPECT_TRUE(std::isnan(zeros.cv));
  EXPECT_FALSE(zeros.noisy);
}

TEST(AcrossRepetitions, ManyRepetitionsUseTheLargeSampleQuantile) {
  std::vector<double> v;
  for (int i = 0; i < 50; ++i) v.push_back(i % 2 == 0 ? 99 : 101);
  const RepetitionStats s = across_repetitions(v);
  EXPECT_DOUBLE_EQ(s.mean, 100);
  const double sd = std::sqrt(50.0 / 49.0);
  EXPECT_NEAR(s.stdev, sd, 1e-12);
  EXPECT_NEAR(s.ci95_high - s.mean, 2.0096 * sd / std::sqrt(50.0), 2e-3 * sd / std::sqrt(50.0));
}

}  // namespace
}  // namespace hakari::metrics
