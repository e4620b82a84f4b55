#include "hakari/load/length_distribution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace hakari::load {
namespace {

LengthDistribution parsed(std::string_view text) {
  std::string error;
  auto d = LengthDistribution::parse(text, error);
  EXPECT_TRUE(d.has_value()) << text << ": " << error;
  EXPECT_EQ(error, "");
  return d.value_or(LengthDistribution::fixed(1));
}

std::string parse_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(LengthDistribution::parse(text, error).has_value()) << text;
  return error;
}

struct Moments {
  double mean;
  double sd;
  std::int64_t min;
  std::int64_t max;
};

Moments sample_moments(const LengthDistribution& d, std::uint64_t seed, int n) {
  SplitMix64 rng(seed);
  double sum = 0;
  double sum_sq = 0;
  std::int64_t lo = INT64_MAX;
  std::int64_t hi = INT64_MIN;
  for (int i = 0; i < n; ++i) {
    const auto x = d.sample(rng);
    sum += static_cast<double>(x);
    sum_sq += static_cast<double>(x) * static_cast<double>(x);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const double mean = sum / n;
  return {mean, std::sqrt((sum_sq - n * mean * mean) / (n - 1)), lo, hi};
}

TEST(LengthDistribution, ReadsEveryForm) {
  EXPECT_EQ(parsed("512").describe(), "fixed(512)");
  EXPECT_EQ(parsed("fixed:512").spec(), "fixed:512");
  EXPECT_EQ(parsed(" uniform: 100 - 300 ").describe(), "uniform(100-300)");
  EXPECT_EQ(parsed("Uniform:1-1").spec(), "uniform:1-1");
  EXPECT_EQ(parsed("normal:500,100").describe(), "normal(mean 500, sd 100)");
  EXPECT_EQ(parsed("normal:500.5, 12.25").describe(), "normal(mean 500.5, sd 12.25)");
  EXPECT_EQ(parsed("lognormal:500,200").describe(), "lognormal(mean 500, sd 200)");
  EXPECT_EQ(parsed("lognormal:500,200").spec(), "lognormal:500,200");
  EXPECT_EQ(parsed("lognormal:500,200").kind(), LengthDistribution::Kind::lognormal);
  // spec() reads back to the same distribution.
  for (const char* text : {"7", "uniform:3-9", "normal:50,5", "lognormal:80,40"})
    EXPECT_EQ(parsed(parsed(text).spec()), parsed(text)) << text;

  EXPECT_EQ(parsed("512").mean(), 512);
  EXPECT_EQ(parsed("uniform:100-301").mean(), 200.5);
  EXPECT_EQ(parsed("normal:500,100").mean(), 500);
  EXPECT_EQ(parsed("lognormal:500,200").mean(), 500);
  EXPECT_EQ(LengthDistribution::fixed(64).spec(), "fixed:64");
  EXPECT_EQ(LengthDistribution::fixed(0).spec(), "fixed:1");  // a length is at least 1
}

TEST(LengthDistribution, SaysWhatIsWrongAndWhatIsAccepted) {
  const std::string accepted =
      "; accepted: 512 (or fixed:512), uniform:100-300, normal:500,100 (mean, sd), lognormal:500,200 (mean, sd of "
      "the lengths)";
  EXPECT_EQ(parse_error(""), "length \"\": a fixed length is a whole number" + accepted);
  EXPECT_EQ(parse_error("12.5"), "length \"12.5\": a fixed length is a whole number" + accepted);
  EXPECT_EQ(parse_error("0"), "length \"0\": a length is at least 1" + accepted);
  EXPECT_EQ(parse_error("fixed:20000000"), "length \"fixed:20000000\": at most 10000000" + accepted);
  EXPECT_EQ(parse_error("uniform:100"),
            "length \"uniform:100\": uniform needs a low and a high end, as in uniform:100-300" + accepted);
  EXPECT_EQ(parse_error("uniform:300-100"), "length \"uniform:300-100\": the high end is below the low end" + accepted);
  EXPECT_EQ(parse_error("uniform:-5-10"), "length \"uniform:-5-10\": a length is at least 1" + accepted);
  EXPECT_EQ(parse_error("uniform:a-b"), "length \"uniform:a-b\": uniform's ends are whole numbers" + accepted);
  EXPECT_EQ(parse_error("normal:500"),
            "length \"normal:500\": normal needs a mean and a standard deviation, as in normal:500,100" + accepted);
  EXPECT_EQ(
      parse_error("lognormal:500"),
      "length \"lognormal:500\": lognormal needs a mean and a standard deviation, as in lognormal:500,200" + accepted);
  EXPECT_EQ(parse_error("normal:nan,1"),
            "length \"normal:nan,1\": normal's mean and standard deviation are numbers" + accepted);
  EXPECT_EQ(parse_error("normal:500,-1"),
            "length \"normal:500,-1\": the standard deviation is not negative" + accepted);
  EXPECT_EQ(parse_error("lognormal:0.5,1"), "length \"lognormal:0.5,1\": the mean is at least 1" + accepted);
  EXPECT_EQ(parse_error("poisson:3"), "length \"poisson:3\": unknown distribution \"poisson\"" + accepted);
}

TEST(LengthDistribution, SeededSamplesAreReproducible) {
  // Exact values pin the generator and the uniform mapping across builds.
  SplitMix64 rng(42);
  const auto uniform = parsed("uniform:100-300");
  std::vector<std::int64_t> first;
  for (int i = 0; i < 6; ++i) first.push_back(uniform.sample(rng));
  EXPECT_EQ(first, (std::vector<std::int64_t>{155, 149, 133, 166, 224, 151}));

  for (const char* text : {"uniform:1-1000", "normal:500,100", "lognormal:500,200"}) {
    const auto d = parsed(text);
    SplitMix64 a(7), b(7), c(8);
    int same_as_other_seed = 0;
    for (int i = 0; i < 200; ++i) {
      const auto x = d.sample(a);
      EXPECT_EQ(x, d.sample(b)) << text;
      same_as_other_seed += x == d.sample(c);
    }
    EXPECT_LT(same_as_other_seed, 20) << text;
  }
  SplitMix64 r(1);
  EXPECT_EQ(parsed("fixed:9").sample(r), 9);
}

TEST(LengthDistribution, SamplesHaveTheStatedMeanAndSpread) {
  constexpr int kN = 20'000;
  {
    const auto m = sample_moments(parsed("uniform:100-300"), 1, kN);
    EXPECT_NEAR(m.mean, 200, 2);
    EXPECT_NEAR(m.sd, std::sqrt((201.0 * 201.0 - 1) / 12), 1.5);  // 58.0 for 201 equally likely values
    EXPECT_EQ(m.min, 100);
    EXPECT_EQ(m.max, 300);
  }
  {
    const auto m = sample_moments(parsed("normal:500,100"), 2, kN);
    EXPECT_NEAR(m.mean, 500, 3);
    EXPECT_NEAR(m.sd, 100, 3);
  }
  {
    // Mean and sd of the lengths themselves, not of their logarithm.
    const auto m = sample_moments(parsed("lognormal:500,200"), 3, kN);
    EXPECT_NEAR(m.mean, 500, 6);
    EXPECT_NEAR(m.sd, 200, 10);
    EXPECT_GE(m.min, 1);
  }
  {
    const auto m = sample_moments(parsed("normal:500,0"), 4, 100);
    EXPECT_EQ(m.min, 500);
    EXPECT_EQ(m.max, 500);
  }
}

TEST(LengthDistribution, SamplesStayWithinOneAndTheCap) {
  const auto wide_normal = sample_moments(parsed("normal:5,50"), 5, 5'000);
  EXPECT_EQ(wide_normal.min, 1);
  const auto heavy_tail = sample_moments(parsed("lognormal:10000000,10000000"), 6, 5'000);
  EXPECT_GE(heavy_tail.min, 1);
  EXPECT_EQ(heavy_tail.max, LengthDistribution::kMaxLength);
}

}  // namespace
}  // namespace hakari::load
