#include "hakari/metrics/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace hakari::metrics {
namespace {

// Nearest rank over a sorted vector: the reference the histogram is held to.
std::int64_t reference_percentile(const std::vector<std::int64_t>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// Latencies in µs as a server gives them: lognormal around 50 ms, a long tail.
std::vector<std::int64_t> latencies(std::size_t n, std::uint64_t seed, double median_us = 50'000, double sigma = 0.5) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(median_us), sigma);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = static_cast<std::int64_t>(dist(rng));
  return v;
}

std::vector<double> percentiles_to_check() {
  std::vector<double> ps;
  for (int i = 0; i <= 1000; ++i) ps.push_back(i / 10.0);
  for (double p : {99.9, 99.99, 99.999, 0.001, 33.333, 66.667}) ps.push_back(p);
  return ps;
}

TEST(Histogram, RejectsInvalidConfigurations) {
  EXPECT_THROW(Histogram(0, 100, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(-1, 100, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(10, 19, 3), std::invalid_argument);  // highest < 2 * lowest
  EXPECT_NO_THROW(Histogram(10, 20, 3));
  EXPECT_THROW(Histogram(1, 1000, 0), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 1000, 6), std::invalid_argument);
  // Five digits over the whole int64 range would need ~6M counters: refused, not allocated.
  EXPECT_THROW(Histogram(1, INT64_MAX, 5), std::invalid_argument);
  EXPECT_NO_THROW(Histogram(1, 3'600'000'000, 5));
  EXPECT_NO_THROW(Histogram(1, INT64_MAX, 3));
  EXPECT_THROW(Histogram(std::int64_t{1} << 50, INT64_MAX, 5), std::invalid_argument);  // unit + digits past 61 bits
}

TEST(Histogram, DefaultConfigurationIsSmall) {
  Histogram h;
  EXPECT_EQ(h.lowest_discernible(), 1);
  EXPECT_EQ(h.highest_trackable(), 3'600'000'000);
  EXPECT_EQ(h.significant_digits(), 3);
  EXPECT_LT(h.counters(), 25'000u);  // ~190 KB of counts for an hour in µs at 0.1 %
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0);
  EXPECT_EQ(h.value_at_percentile(50), 0);
  EXPECT_EQ(h.percentile_rank(10), 0);
  EXPECT_TRUE(h.cdf().empty());
}

// Every value is reported within v·10^-d above itself (exactly below 2^11 for d = 3).
TEST(Histogram, KeepsEveryValueToItsSignificantDigits) {
  for (int d = 1; d <= 5; ++d) {
    Histogram h(1, 3'600'000'000, d);
    const double tolerance = std::pow(10.0, -d);
    std::mt19937_64 rng(static_cast<std::uint64_t>(d));
    std::vector<std::int64_t> values;
    for (std::int64_t v = 0; v < 5000; ++v) values.push_back(v);
    for (int i = 0; i < 20'000; ++i) {
      values.push_back(static_cast<std::int64_t>(std::exp2(std::uniform_real_distribution<double>(0, 31.7)(rng))));
    }
    values.push_back(3'600'000'000);
    for (std::int64_t v : values) {
      const std::int64_t hi = h.highest_equivalent(v);
      const std::int64_t lo = h.lowest_equivalent(v);
      ASSERT_LE(lo, v);
      ASSERT_GE(hi, v);
      ASSERT_LT(static_cast<double>(hi - v), std::max(static_cast<double>(v) * tolerance, 1.0)) << "d=" << d << " v=" << v;
      ASSERT_LT(static_cast<double>(hi - lo), std::max(static_cast<double>(v) * tolerance, 1.0)) << "d=" << d << " v=" << v;
      if (v < 2 * std::pow(10.0, d)) {
        ASSERT_EQ(hi, v) << "d=" << d;  // single-unit resolution
      }
      // Reported as a percentile: beside a larger value, v's bucket shows its top.
      h.reset();
      h.record(v);
      h.record(hi + 1);
      const std::int64_t reported = h.value_at_percentile(50);
      ASSERT_EQ(reported, std::min(hi, h.max()));
      ASSERT_LT(static_cast<double>(reported - v), std::max(static_cast<double>(v) * tolerance, 1.0));
    }
  }
}

TEST(Histogram, LowestDiscernibleSetsTheFinestResolution) {
  Histogram h(1000, 3'600'000'000, 3);  // counters 512 wide at the bottom
  EXPECT_EQ(h.lowest_equivalent(1000), 512);
  EXPECT_EQ(h.highest_equivalent(1000), 1023);
  EXPECT_EQ(h.lowest_equivalent(0), 0);
  // Beyond bucket 0 the relative precision holds again.
  const std::int64_t v = 5'000'000;
  EXPECT_LT(h.highest_equivalent(v) - v, v / 1000);
}

TEST(Histogram, PercentilesAreExactOnSmallValues) {
  std::mt19937_64 rng(7);
  for (std::size_t n : {1u, 2u, 3u, 10u, 99u, 100u, 101u, 1000u, 12'345u}) {
    Histogram h;
    std::vector<std::int64_t> values(n);
    for (auto& v : values) v = std::uniform_int_distribution<std::int64_t>(0, 2047)(rng);
    for (auto v : values) h.record(v);
    std::sort(values.begin(), values.end());
    for (double p : percentiles_to_check()) {
      ASSERT_EQ(h.value_at_percentile(p), reference_percentile(values, p)) << "n=" << n << " p=" << p;
    }
    EXPECT_EQ(h.min(), values.front());
    EXPECT_EQ(h.max(), values.back());
    EXPECT_EQ(h.value_at_percentile(100), values.back());
  }
}

TEST(Histogram, PercentilesOfLatenciesAreTheReferenceToThePrecision) {
  const auto values0 = latencies(10'000, 1);
  Histogram h;
  for (auto v : values0) h.record(v);
  auto values = values0;
  std::sort(values.begin(), values.end());
  for (double p : percentiles_to_check()) {
    const std::int64_t ref = reference_percentile(values, p);
    const std::int64_t got = h.value_at_percentile(p);
    ASSERT_EQ(got, std::min(h.highest_equivalent(ref), values.back())) << "p=" << p;
    ASSERT_GE(got, ref);
    ASSERT_LE(static_cast<double>(got - ref), static_cast<double>(ref) * 1e-3);
  }
  EXPECT_EQ(h.value_at_percentile(100), values.back());
  EXPECT_EQ(h.value_at_percentile(0), h.highest_equivalent(values.front()));
  EXPECT_EQ(h.value_at_percentile(-5), h.value_at_percentile(0));
  EXPECT_EQ(h.value_at_percentile(250), values.back());
  EXPECT_EQ(h.value_at_percentile(std::nan("")), h.value_at_percentile(0));
  // Mean and stdev from the buckets, within the precision of the exact figures.
  double sum = 0, ss = 0;
  for (auto v : values) sum += static_cast<double>(v);
  const double mean = sum / static_cast<double>(values.size());
  for (auto v : values) ss += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  const double stdev = std::sqrt(ss / static_cast<double>(values.size() - 1));
  EXPECT_NEAR(h.mean(), mean, mean * 1e-3);
  EXPECT_NEAR(h.stdev(), stdev, stdev * 2e-3);
}

// The n·p product is not trusted to binary floating point: 99.9 % of 1,000 is rank 999.
TEST(Histogram, NearestRankIsNotFooledByDecimalPercentages) {
  Histogram h;
  for (std::int64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(99.9), 999);
  EXPECT_EQ(h.value_at_percentile(99.95), 1000);
  EXPECT_EQ(h.value_at_percentile(0.1), 1);
  EXPECT_EQ(h.value_at_percentile(50), 500);
  EXPECT_EQ(h.value_at_percentile(29), 290);
}

TEST(Histogram, ClampsNegativeAndSaturatesAboveTheRange) {
  Histogram h(1, 1'000'000, 3);
  h.record(-5);
  h.record(2'000'000, 3);
  h.record(500);
  EXPECT_EQ(h.count(), 5);
  EXPECT_EQ(h.saturated(), 3);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 1'000'000);
  EXPECT_EQ(h.value_at_percentile(100), 1'000'000);
  EXPECT_EQ(h.value_at_percentile(20), 0);
  h.record(7, 0);
  h.record(7, -3);
  EXPECT_EQ(h.count(), 5);
}

TEST(Histogram, MergeEqualsRecordingEverythingIntoOne) {
  const auto a = latencies(5000, 2);
  const auto b = latencies(7000, 3, 200'000, 1.0);
  Histogram ha, hb, all;
  for (auto v : a) ha.record(v), all.record(v);
  for (auto v : b) hb.record(v), all.record(v);
  hb.record(5'000'000'000), all.record(5'000'000'000);  // saturated ones merge too
  Histogram merged = ha;
  ASSERT_TRUE(merged.merge(hb));
  EXPECT_EQ(merged, all);
  EXPECT_EQ(merged.saturated(), 1);
  // Order does not matter, and an empty histogram is the identity.
  Histogram other = hb;
  ASSERT_TRUE(other.merge(ha));
  EXPECT_EQ(other, all);
  ASSERT_TRUE(other.merge(Histogram()));
  EXPECT_EQ(other, all);
  Histogram empty;
  ASSERT_TRUE(empty.merge(all));
  EXPECT_EQ(empty, all);
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(merged.value_at_percentile(p), all.value_at_percentile(p));
}

TEST(Histogram, MergeOfAHistogramWithItselfDoublesIt) {
  Histogram h, twice;
  for (auto v : latencies(100, 4)) h.record(v), twice.record(v, 2);
  ASSERT_TRUE(h.merge(h));
  EXPECT_EQ(h, twice);
}

TEST(Histogram, MergeRefusesOtherConfigurationsAndLeavesItselfAlone) {
  Histogram a(1, 3'600'000'000, 3), b(1, 3'600'000'000, 2), c(1, 1'000'000, 3), d(2, 3'600'000'000, 3);
  a.record(100);
  b.record(100);
  c.record(100);
  d.record(100);
  const Histogram before = a;
  EXPECT_FALSE(a.merge(b));
  EXPECT_FALSE(a.merge(c));
  EXPECT_FALSE(a.merge(d));
  EXPECT_EQ(a, before);
}

TEST(Histogram, HugeCountsNeverOverflow) {
  Histogram h;
  h.record(100, INT64_MAX);
  EXPECT_EQ(h.count(), INT64_MAX);
  h.record(200, INT64_MAX);  // beyond what a histogram can hold: dropped, not wrapped
  h.record(300);
  EXPECT_EQ(h.count(), INT64_MAX);
  EXPECT_EQ(h.max(), 100);
  EXPECT_EQ(h.value_at_percentile(99.999), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 100);
  EXPECT_EQ(h.stdev(), 0);
  EXPECT_EQ(h.percentile_rank(100), 1);
  auto back = Histogram::deserialize(h.serialize());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, h);

  Histogram half1, half2;
  half1.record(10, INT64_MAX / 2 + 1);
  half2.record(20, INT64_MAX / 2 + 1);
  const Histogram before = half1;
  EXPECT_FALSE(half1.merge(half2));  // the sum would pass INT64_MAX: refused whole
  EXPECT_EQ(half1, before);
  Histogram fits;
  fits.record(20, INT64_MAX / 2);
  EXPECT_TRUE(half1.merge(fits));
  EXPECT_EQ(half1.count(), INT64_MAX);
  EXPECT_EQ(half1.value_at_percentile(50), 10);
  EXPECT_EQ(half1.value_at_percentile(51), 20);
}

TEST(Histogram, PercentileRankIsTheFractionAtOrBelow) {
  Histogram h;
  for (std::int64_t v = 1; v <= 100; ++v) h.record(v * 10);
  EXPECT_EQ(h.percentile_rank(9), 0);
  EXPECT_DOUBLE_EQ(h.percentile_rank(10), 0.01);
  EXPECT_DOUBLE_EQ(h.percentile_rank(505), 0.50);
  EXPECT_DOUBLE_EQ(h.percentile_rank(1000), 1);
  EXPECT_DOUBLE_EQ(h.percentile_rank(1'000'000), 1);
  EXPECT_EQ(h.percentile_rank(-1), 0);
  // It inverts value_at_percentile: the value at p has at least p % at or below it.
  Histogram l;
  for (auto v : latencies(3000, 5)) l.record(v);
  for (double p : percentiles_to_check()) {
    ASSERT_GE(l.percentile_rank(l.value_at_percentile(p)), p / 100 - 1e-12) << p;
  }
}

TEST(Histogram, CdfIsMonotoneBoundedAndEndsAtTheMaximum) {
  Histogram h;
  for (auto v : latencies(10'000, 6, 50'000, 1.2)) h.record(v);
  for (std::size_t max_points : {1u, 2u, 3u, 10u, 50u, 200u, 100'000u}) {
    const auto c = h.cdf(max_points);
    ASSERT_FALSE(c.empty());
    ASSERT_LE(c.size(), max_points);
    EXPECT_EQ(c.back().first, h.max());
    EXPECT_EQ(c.back().second, 1.0);
    for (std::size_t i = 1; i < c.size(); ++i) {
      ASSERT_LT(c[i - 1].first, c[i].first);
      ASSERT_LT(c[i - 1].second, c[i].second);
    }
    for (const auto& [value, fraction] : c) ASSERT_DOUBLE_EQ(h.percentile_rank(value), fraction);
  }
  // Unthinned, one point per non-empty bucket; thinned, the tail still has points.
  const auto all = h.cdf(100'000);
  const auto c200 = h.cdf(200);
  EXPECT_GT(all.size(), 200u);
  EXPECT_GE(c200.size(), 100u);  // at least the fraction half of the budget
  const auto tail = std::count_if(c200.begin(), c200.end(), [](const auto& pt) { return pt.second > 0.99; });
  EXPECT_GE(tail, 10);
  Histogram one;
  one.record(42, 3);
  EXPECT_EQ(one.cdf(), (std::vector<std::pair<std::int64_t, double>>{{42, 1.0}}));
}

TEST(Histogram, SerializeRoundTrips) {
  std::vector<Histogram> cases;
  cases.emplace_back();
  Histogram single;
  single.record(123'456);
  cases.push_back(single);
  Histogram typical;
  for (auto v : latencies(10'000, 8)) typical.record(v);
  cases.push_back(typical);
  Histogram odd(1000, 10'000'000, 2);
  odd.record(0, 5);
  odd.record(-3);
  odd.record(20'000'000, 2);
  odd.record(999);
  cases.push_back(odd);
  Histogram wide(1, INT64_MAX, 3);
  wide.record(INT64_MAX, 3);
  wide.record(1);
  cases.push_back(wide);
  for (const Histogram& h : cases) {
    const std::string blob = h.serialize();
    std::string error;
    auto back = Histogram::deserialize(blob, &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(*back, h);
    EXPECT_EQ(back->serialize(), blob);  // one encoding per histogram
    EXPECT_EQ(back->value_at_percentile(99), h.value_at_percentile(99));
    EXPECT_EQ(back->saturated(), h.saturated());
  }
  EXPECT_LT(cases[0].serialize().size(), 24u);
}

TEST(Histogram, SerializedSizeOfTenThousandLatencies) {
  struct Case {
    const char* what;
    double median_us, sigma;
    int digits;
  };
  for (const Case& c : {Case{"TTFT ~50 ms, sigma 0.5, 3 digits", 50'000, 0.5, 3},
                        Case{"TTFT ~50 ms, sigma 0.5, 2 digits", 50'000, 0.5, 2},
                        Case{"ITL ~20 ms, sigma 0.1, 3 digits", 20'000, 0.1, 3},
                        Case{"E2E ~10 s, sigma 0.3, 3 digits", 10'000'000, 0.3, 3}}) {
    Histogram h(1, 3'600'000'000, c.digits);
    for (auto v : latencies(10'000, 9, c.median_us, c.sigma)) h.record(v);
    const auto size = h.serialize().size();
    std::printf("[ size     ] %s: %zu bytes\n", c.what, size);
    EXPECT_LT(size, 12'000u) << c.what;
  }
}

// --- damaged blobs -----------------------------------------------------------------

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

// A blob assembled by hand: header fields, then raw count codes.
std::string blob(std::uint64_t version, std::uint64_t lowest, std::uint64_t highest, std::uint64_t digits,
                 std::uint64_t count, std::uint64_t saturated, std::uint64_t min, std::uint64_t max,
                 const std::string& codes) {
  return "HKH" + varint(version) + varint(lowest) + varint(highest) + varint(digits) + varint(count) +
         varint(saturated) + varint(min) + varint(max) + codes;
}

void expect_rejected(const std::string& b, const std::string& reason_part) {
  std::string error;
  EXPECT_FALSE(Histogram::deserialize(b, &error)) << reason_part;
  EXPECT_NE(error.find(reason_part), std::string::npos) << "error: " << error;
}

TEST(HistogramBlob, HandMadeBlobIsRead) {
  // Values 3 (twice) and 5: counters 3 and 5, with one empty counter between.
  const std::string b = blob(1, 1, 1000, 2, 3, 0, 3, 5, varint(3 * 2 - 1) + varint(2 * 2) + varint(1) + varint(2));
  std::string error;
  auto h = Histogram::deserialize(b, &error);
  ASSERT_TRUE(h) << error;
  Histogram want(1, 1000, 2);
  want.record(3, 2);
  want.record(5);
  EXPECT_EQ(*h, want);
  EXPECT_EQ(want.serialize(), b);
}

TEST(HistogramBlob, EveryTruncationIsRejected) {
  Histogram h;
  for (auto v : latencies(500, 10)) h.record(v);
  const std::string b = h.serialize();
  for (std::size_t n = 0; n < b.size(); ++n) {
    std::string error;
    ASSERT_FALSE(Histogram::deserialize(std::string_view(b).substr(0, n), &error)) << n;
    ASSERT_FALSE(error.empty());
  }
  ASSERT_TRUE(Histogram::deserialize(b));
}

TEST(HistogramBlob, HeaderDamageIsRejected) {
  const std::string ok_codes = varint(2);  // one count of 1 at counter 0
  ASSERT_TRUE(Histogram::deserialize(blob(1, 1, 1000, 2, 1, 0, 0, 0, ok_codes)));
  expect_rejected("", "bad magic");
  expect_rejected("HDR" + varint(1), "bad magic");
  expect_rejected(blob(2, 1, 1000, 2, 1, 0, 0, 0, ok_codes), "unsupported version 2");
  expect_rejected(blob(0, 1, 1000, 2, 1, 0, 0, 0, ok_codes), "unsupported version 0");
  expect_rejected(blob(1, 0, 1000, 2, 1, 0, 0, 0, ok_codes), "configuration");
  expect_rejected(blob(1, 600, 1000, 2, 1, 0, 0, 0, ok_codes), "configuration");
  expect_rejected(blob(1, 1, 1000, 9, 1, 0, 0, 0, ok_codes), "configuration");
  expect_rejected(blob(1, 1, 1000, 1ULL << 40, 1, 0, 0, 0, ok_codes), "configuration");
  // The largest configurations are refused before anything is allocated.
  expect_rejected(blob(1, 1, INT64_MAX, 5, 1, 0, 0, 0, ok_codes), "counters");
  expect_rejected(blob(1, 1, 1ULL << 63, 2, 1, 0, 0, 0, ok_codes), "highest");
  expect_rejected(blob(1, 1, 1000, 2, 1, 2, 0, 0, ok_codes), "saturated");
  expect_rejected(blob(1, 1, 1000, 2, 1, 1, 0, 0, ok_codes), "saturated");  // max is not highest
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 5, 3, ok_codes), "min/max");
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 0, 2000, ok_codes), "min/max");
  expect_rejected(blob(1, 1, 1000, 2, 0, 0, 0, 0, ok_codes), "empty histogram with data");
  expect_rejected(blob(1, 1, 1000, 2, 0, 0, 1, 1, ""), "empty histogram with data");
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 0, 0, ""), "no counters");
}

TEST(HistogramBlob, BadVarintsAreRejected) {
  const std::string head = blob(1, 1, 1000, 2, 1, 0, 0, 0, "");
  expect_rejected(head + "\x82", "truncated varint");
  expect_rejected(head + std::string(11, '\x80') + "\x01", "overflows 64 bits");
  expect_rejected(head + std::string(9, '\xff') + "\x02", "overflows 64 bits");
  expect_rejected(head + std::string("\x82\x00", 2), "non-canonical varint");
  expect_rejected(std::string("HKH\x81\x00", 5), "non-canonical varint");
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 0, 0, "").substr(0, 6) + std::string(10, '\xff'), "varint");
}

TEST(HistogramBlob, CountDamageIsRejected) {
  // Counts that together pass INT64_MAX.
  const std::uint64_t big = INT64_MAX;
  expect_rejected(blob(1, 1, 1000, 2, big, 0, 0, 1, varint(2 * big) + varint(2 * big)), "overflow");
  // Sum disagreeing with the header.
  expect_rejected(blob(1, 1, 1000, 2, 5, 0, 0, 1, varint(2 * 2) + varint(2 * 2)), "sum to 4");
  // A zero counter, two runs in a row, a trailing run: not the one encoding.
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 0, 0, varint(0) + varint(2)), "zero counter");
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 3, 3, varint(1) + varint(3) + varint(2)), "two runs");
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 0, 0, varint(2) + varint(1)), "ends with a run");
  // Past the counters of the configuration.
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 0, 0, varint(2 * 1'000'000 - 1) + varint(2)), "past the range");
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 0, 0, varint(UINT64_MAX) + varint(2)), "past the range");
  // Counters that disagree with min and max.
  expect_rejected(blob(1, 1, 1000, 2, 1, 0, 3, 3, varint(2)), "min");
  expect_rejected(blob(1, 1, 1000, 2, 2, 0, 0, 0, varint(2) + varint(2)), "max");
  // Saturated values must sit in the top counter (index 506 for 1..1000 at 2 digits).
  const std::string five_and_top = varint(2 * 5 - 1) + varint(2) + varint(2 * 500 - 1) + varint(2);
  ASSERT_TRUE(Histogram::deserialize(blob(1, 1, 1000, 2, 2, 1, 5, 1000, five_and_top)));
  expect_rejected(blob(1, 1, 1000, 2, 2, 2, 5, 1000, five_and_top), "saturated count exceeds the top counter");
}

TEST(HistogramBlob, RandomDamageNeverCrashesAndWhatIsReadRoundTrips) {
  Histogram h;
  for (auto v : latencies(2000, 11)) h.record(v);
  h.record(9'000'000'000);
  const std::string b = h.serialize();
  std::mt19937_64 rng(12);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string d = b;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % d.size();
      switch (rng() % 3) {
        case 0: d[at] = static_cast<char>(rng()); break;
        case 1: d.erase(at, 1 + rng() % 3); break;
        default: d.insert(at, 1, static_cast<char>(rng())); break;
      }
      if (d.empty()) d = "H";
    }
    std::string error;
    auto back = Histogram::deserialize(d, &error);
    if (!back) {
      ASSERT_FALSE(error.empty());
      continue;
    }
    ++accepted;
    ASSERT_EQ(back->serialize(), d);
  }
  EXPECT_LT(accepted, 3000);
}

}  // namespace
}  // namespace hakari::metrics
