#include "hakari/metrics/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hakari::metrics {
namespace {

TEST(Percentile, InterpolatesBetweenClosestRanksLikeNumpy) {
  std::vector<double> v{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 100), 4);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 90), 3.7);  // numpy.percentile([1,2,3,4], 90)
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_DOUBLE_EQ(percentile_sorted(hundred, 99), 99.01);
  EXPECT_DOUBLE_EQ(percentile_sorted({7}, 99), 7);
  EXPECT_TRUE(std::isnan(percentile_sorted({}, 50)));
}

TEST(Describe, MeanSpreadAndConfidenceInterval) {
  Distribution d = describe({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(d.n, 8u);
  EXPECT_DOUBLE_EQ(d.mean, 5);
  EXPECT_NEAR(d.stdev, 2.13809, 1e-5);  // sample standard deviation
  EXPECT_DOUBLE_EQ(d.min, 2);
  EXPECT_DOUBLE_EQ(d.max, 9);
  EXPECT_DOUBLE_EQ(d.p50, 4.5);
  // t(0.975, 7) = 2.365: half-width 2.365 * 2.13809 / sqrt(8)
  EXPECT_NEAR(d.ci95_high - d.mean, 2.365 * 2.13809 / std::sqrt(8.0), 1e-4);
  EXPECT_NEAR(d.mean - d.ci95_low, d.ci95_high - d.mean, 1e-12);
}

TEST(Describe, UnsortedInputAndDegenerateSizes) {
  Distribution d = describe({30, 10, 20});
  EXPECT_DOUBLE_EQ(d.p50, 20);
  EXPECT_DOUBLE_EQ(d.min, 10);
  Distribution one = describe({42});
  EXPECT_DOUBLE_EQ(one.mean, 42);
  EXPECT_TRUE(std::isnan(one.stdev));
  EXPECT_TRUE(std::isnan(one.ci95_low));
  Distribution none = describe({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(none.p99));
}

TEST(StudentT, TableAndLargeSampleLimit) {
  EXPECT_DOUBLE_EQ(student_t_975(1), 12.706);
  EXPECT_DOUBLE_EQ(student_t_975(19), 2.093);
  EXPECT_NEAR(student_t_975(60), 2.000, 0.002);
  EXPECT_NEAR(student_t_975(1000), 1.962, 0.002);
  EXPECT_TRUE(std::isnan(student_t_975(0)));
}

}  // namespace
}  // namespace hakari::metrics
