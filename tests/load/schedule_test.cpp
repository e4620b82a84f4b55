#include "hakari/load/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace hakari::load {
namespace {

struct GapStats {
  double mean_s = 0;
  double cv = 0;
  double below_mean = 0;  // fraction of gaps shorter than the mean
};

// Gaps between consecutive arrivals, the first measured from 0.
GapStats gap_stats(const std::vector<Nanos>& times) {
  std::vector<double> gaps;
  Nanos prev = 0;
  for (Nanos t : times) {
    gaps.push_back(to_s(t - prev));
    prev = t;
  }
  GapStats s;
  for (double g : gaps) s.mean_s += g;
  s.mean_s /= static_cast<double>(gaps.size());
  double var = 0;
  for (double g : gaps) var += (g - s.mean_s) * (g - s.mean_s);
  var /= static_cast<double>(gaps.size() - 1);
  s.cv = std::sqrt(var) / s.mean_s;
  s.below_mean = static_cast<double>(std::count_if(gaps.begin(), gaps.end(), [&](double g) { return g < s.mean_s; })) /
                 static_cast<double>(gaps.size());
  return s;
}

std::string thrown(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

TEST(Schedule, ArrivalNamesParseAndRoundTrip) {
  for (auto kind : {ArrivalKind::constant, ArrivalKind::poisson, ArrivalKind::gamma}) {
    EXPECT_EQ(parse_arrival(arrival_name(kind)), kind);
  }
  EXPECT_EQ(parse_arrival("poisson"), ArrivalKind::poisson);
  EXPECT_FALSE(parse_arrival("Poisson"));
  EXPECT_FALSE(parse_arrival(""));
  EXPECT_FALSE(parse_arrival("uniform"));
}

TEST(Schedule, ConstantGapsAreExactAndStartAtZero) {
  const auto t = arrival_times({ArrivalKind::constant, 10, 1, 0}, 1000, 0);
  ASSERT_EQ(t.size(), 1000u);
  for (std::size_t i = 0; i < t.size(); ++i) ASSERT_EQ(t[i], static_cast<Nanos>(i) * 100 * kNanosPerMilli) << i;

  // A period that is no whole number of ns: each time is rounded from its index, so the
  // error never accumulates (every third request is exactly on a second).
  const auto thirds = arrival_times({ArrivalKind::constant, 3, 1, 0}, 30'000, 0);
  for (std::size_t i = 0; i < thirds.size(); ++i) {
    ASSERT_EQ(thirds[i], std::llround(static_cast<long double>(i) * 1e9L / 3)) << i;
    if (i > 0) {
      ASSERT_TRUE(thirds[i] - thirds[i - 1] == 333'333'333 || thirds[i] - thirds[i - 1] == 333'333'334) << i;
    }
  }
  EXPECT_EQ(thirds[29'997], 9'999 * kNanosPerSecond);
}

TEST(Schedule, ConstantByDurationStopsStrictlyBeforeIt) {
  EXPECT_EQ(arrival_times({ArrivalKind::constant, 10, 1, 0}, 0, kNanosPerSecond).size(), 10u);
  EXPECT_EQ(arrival_times({ArrivalKind::constant, 10, 1, 0}, 0, kNanosPerSecond + 1).size(), 11u);
  EXPECT_EQ(arrival_times({ArrivalKind::constant, 10, 1, 0}, 0, 1).size(), 1u);  // the one at 0
}

TEST(Schedule, PoissonHasTheMeanRateAndExponentialGaps) {
  const auto t = arrival_times({ArrivalKind::poisson, 200, 1, 7}, 100'000, 0);
  ASSERT_EQ(t.size(), 100'000u);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_GT(t.front(), 0);  // the first arrival is the first drawn gap
  const GapStats s = gap_stats(t);
  EXPECT_NEAR(s.mean_s, 1.0 / 200, 0.02 / 200);  // the standard error is 0.3 %
  EXPECT_NEAR(s.cv, 1.0, 0.03);
  EXPECT_NEAR(s.below_mean, 1 - std::exp(-1.0), 0.01);  // P(X < mean) of an exponential
  EXPECT_NEAR(to_s(t.back()), 100'000 / 200.0, 0.02 * 500);
}

TEST(Schedule, GammaBurstinessSetsTheSpreadNotTheMean) {
  // CV = 1/sqrt(k): 0.25 -> 2 (bursty), 4 -> 0.5 (regular).
  for (const auto& [k, cv] : {std::pair{0.25, 2.0}, std::pair{4.0, 0.5}}) {
    const auto t = arrival_times({ArrivalKind::gamma, 50, k, 11}, 100'000, 0);
    ASSERT_EQ(t.size(), 100'000u);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
    const GapStats s = gap_stats(t);
    EXPECT_NEAR(s.mean_s, 1.0 / 50, 0.03 / 50) << k;
    EXPECT_NEAR(s.cv, cv, 0.05 * cv) << k;
  }
  // Shape 1 is the Poisson process, and takes the same draws.
  EXPECT_EQ(arrival_times({ArrivalKind::gamma, 50, 1.0, 5}, 1000, 0),
            arrival_times({ArrivalKind::poisson, 50, 1.0, 5}, 1000, 0));
}

TEST(Schedule, TheSeedAloneDecidesTheSchedule) {
  for (auto kind : {ArrivalKind::poisson, ArrivalKind::gamma}) {
    const ArrivalSpec a{kind, 20, 0.5, 42};
    ArrivalSpec b = a;
    b.seed = 43;
    EXPECT_EQ(arrival_times(a, 5000, 0), arrival_times(a, 5000, 0));
    EXPECT_NE(arrival_times(a, 5000, 0), arrival_times(b, 5000, 0));
  }
  // Pinned, so a change to the generator (which would split machines running different
  // builds of one sharded schedule) cannot pass unnoticed.
  EXPECT_EQ(arrival_times({ArrivalKind::poisson, 1, 1, 0}, 3, 0),
            (std::vector<Nanos>{2'148'241'359, 2'713'044'574, 2'739'833'999}));
  EXPECT_EQ(arrival_times({ArrivalKind::gamma, 1, 0.25, 0}, 3, 0),
            (std::vector<Nanos>{8'793'942'449, 9'304'464'499, 9'306'399'550}));
}

TEST(Schedule, DurationModeIsTheCountScheduleCutAtTheDuration) {
  for (auto kind : {ArrivalKind::poisson, ArrivalKind::gamma, ArrivalKind::constant}) {
    const ArrivalSpec spec{kind, 100, 0.5, 3};
    const Nanos duration = 100 * kNanosPerSecond;
    const auto by_time = arrival_times(spec, 0, duration);
    ASSERT_FALSE(by_time.empty());
    EXPECT_LT(by_time.back(), duration);
    // 10,000 expected; gamma(0.5) counts spread sqrt(2) wider than Poisson's 100.
    EXPECT_NEAR(static_cast<double>(by_time.size()), 10'000, 600) << arrival_name(kind);
    const auto by_count = arrival_times(spec, static_cast<std::int64_t>(by_time.size()) + 1, 0);
    EXPECT_TRUE(std::equal(by_time.begin(), by_time.end(), by_count.begin()));
    EXPECT_GE(by_count.back(), duration);
  }
  // A rate so low that the second arrival lies centuries out: one arrival, no overflow.
  EXPECT_EQ(arrival_times({ArrivalKind::constant, 1e-12, 1, 0}, 0, kNanosPerSecond), (std::vector<Nanos>{0}));
  EXPECT_TRUE(arrival_times({ArrivalKind::poisson, 1e-12, 1, 0}, 0, kNanosPerSecond).empty());
  // With a count, the duration is ignored.
  EXPECT_EQ(arrival_times({ArrivalKind::poisson, 100, 1, 3}, 50, kNanosPerMilli).size(), 50u);
}

TEST(Schedule, RefusesWhatItCannotSchedule) {
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::poisson, 1, 1, 0}, 100'000'001, 0); }),
            "a schedule of 100000001 requests is more than the 100000000 allowed");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::poisson, 1e6, 1, 0}, 0, 1000 * kNanosPerSecond); }),
            "a schedule of about 1000000000 requests (rate x duration) is more than the 100000000 allowed");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::poisson, 0, 1, 0}, 10, 0); }), "arrival rate 0 is not a number above 0");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::constant, -2, 1, 0}, 10, 0); }),
            "arrival rate -2 is not a number above 0");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::poisson, NAN, 1, 0}, 10, 0); }),
            "arrival rate nan is not a number above 0");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::gamma, 1, 0, 0}, 10, 0); }), "burstiness 0 is not a number above 0");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::poisson, 1, 1, 0}, 0, 0); }),
            "a schedule needs a request count or a duration above 0");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::poisson, 1, 1, 0}, -1, kNanosPerSecond); }),
            "request count -1 is below 0");
  EXPECT_EQ(thrown([] { arrival_times({ArrivalKind::constant, 1e-12, 1, 0}, 1000, 0); }),
            "a schedule of 1000 requests at 1e-12 requests/s runs past 146 years");
  // Burstiness is the gamma shape only; other kinds ignore it.
  EXPECT_EQ(arrival_times({ArrivalKind::poisson, 1, 0, 0}, 3, 0).size(), 3u);
}

TEST(Schedule, ShardsReuniteIntoExactlyTheWhole) {
  const auto whole = arrival_times({ArrivalKind::poisson, 100, 1, 9}, 1001, 0);
  for (int n = 1; n <= 7; ++n) {
    std::vector<ScheduledIndex> merged;
    for (int i = 0; i < n; ++i) {
      const auto part = shard(whole, i, n);
      // Interleaved: every machine gets an even share over the whole level.
      EXPECT_NEAR(static_cast<double>(part.size()), 1001.0 / n, 1.0) << i << "/" << n;
      for (const auto& e : part) {
        ASSERT_EQ(e.index % n, i);
        ASSERT_EQ(e.at, whole[static_cast<std::size_t>(e.index)]);
      }
      merged.insert(merged.end(), part.begin(), part.end());
    }
    std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    ASSERT_EQ(merged.size(), whole.size()) << n;
    for (std::size_t j = 0; j < merged.size(); ++j) {
      ASSERT_EQ(merged[j], (ScheduledIndex{static_cast<std::int64_t>(j), whole[j]})) << n;
    }
  }
  EXPECT_TRUE(shard({}, 0, 3).empty());
  EXPECT_EQ(shard({5, 6}, 2, 3).size(), 0u);
  EXPECT_EQ(thrown([] { shard({1, 2}, 3, 3); }), "shard 3/3 is not I/N with 0 <= I < N");
  EXPECT_EQ(thrown([] { shard({1, 2}, 0, 0); }), "shard 0/0 is not I/N with 0 <= I < N");
  EXPECT_EQ(thrown([] { shard({1, 2}, -1, 2); }), "shard -1/2 is not I/N with 0 <= I < N");
}

TEST(Schedule, ParseShard) {
  std::string error;
  EXPECT_EQ(parse_shard("0/4", error), (std::pair{0, 4}));
  EXPECT_EQ(parse_shard("3/4", error), (std::pair{3, 4}));
  EXPECT_EQ(parse_shard("0/1", error), (std::pair{0, 1}));
  EXPECT_EQ(parse_shard("9999/10000", error), (std::pair{9999, 10000}));
  const auto fails = [&](std::string_view text) {
    error.clear();
    EXPECT_FALSE(parse_shard(text, error)) << text;
    return error;
  };
  EXPECT_EQ(fails("4/4"), "shard index 4 is not below the shard count 4");
  EXPECT_EQ(fails("0/0"), "shard count 0 is not 1 to 10000");
  EXPECT_EQ(fails("0/10001"), "shard count 10001 is not 1 to 10000");
  EXPECT_EQ(fails("1"), "shard \"1\" is not I/N (e.g. 0/4)");
  EXPECT_EQ(fails(""), "shard \"\" is not I/N (e.g. 0/4)");
  EXPECT_EQ(fails("-1/4"), "shard \"-1/4\" is not I/N (e.g. 0/4)");
  EXPECT_EQ(fails("+1/4"), "shard \"+1/4\" is not I/N (e.g. 0/4)");
  EXPECT_EQ(fails("1/4/2"), "shard \"1/4/2\" is not I/N (e.g. 0/4)");
  EXPECT_EQ(fails(" 1/4"), "shard \" 1/4\" is not I/N (e.g. 0/4)");
  EXPECT_EQ(fails("a/b"), "shard \"a/b\" is not I/N (e.g. 0/4)");
  EXPECT_EQ(fails("99999999999/4"), "shard \"99999999999/4\" is not I/N (e.g. 0/4)");
}

TEST(Schedule, RampLevels) {
  EXPECT_EQ(ramp_levels(1, 1, false, 5), (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_EQ(ramp_levels(2, 3, false, 10), (std::vector<double>{2, 5, 8}));  // 11 is past max
  EXPECT_EQ(ramp_levels(1, 2, true, 64), (std::vector<double>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(ramp_levels(1, 2, true, 100), (std::vector<double>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(ramp_levels(0.5, 1.5, true, 2), (std::vector<double>{0.5, 0.75, 1.125, 1.6875}));
  EXPECT_EQ(ramp_levels(3, 1, false, 3), (std::vector<double>{3}));
  // Decimal steps read as typed and reach max exactly, despite binary fractions.
  const auto tenths = ramp_levels(0.1, 0.1, false, 1.0);
  ASSERT_EQ(tenths.size(), 10u);
  EXPECT_EQ(tenths[2], 0.3);
  EXPECT_EQ(tenths.back(), 1.0);
  const auto tenth_up = ramp_levels(1, 1.1, true, 1.331);
  EXPECT_EQ(tenth_up, (std::vector<double>{1, 1.1, 1.21, 1.331}));

  EXPECT_EQ(thrown([] { ramp_levels(0, 1, false, 5); }), "ramp: start 0 is not a number above 0");
  EXPECT_EQ(thrown([] { ramp_levels(5, 1, false, 4); }), "ramp: max 4 is below the start 5");
  EXPECT_EQ(thrown([] { ramp_levels(1, 0, false, 4); }), "ramp: step 0 is not a number above 0");
  EXPECT_EQ(thrown([] { ramp_levels(1, 1, true, 4); }), "ramp: factor 1 is not a number above 1");
  EXPECT_EQ(thrown([] { ramp_levels(1, INFINITY, false, 4); }), "ramp: step inf is not a number above 0");
  EXPECT_EQ(thrown([] { ramp_levels(1, 1, false, 20'000); }), "ramp: more than 10000 levels from 1 to 20000");
  EXPECT_EQ(ramp_levels(1, 1, false, 10'000).size(), 10'000u);
}

TEST(Schedule, UnitDrawsStayInTheirIntervals) {
  SplitMix64 rng(1);
  double lo = 1;
  double hi = 0;
  double sum = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double u = draw_unit(rng);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const double v = draw_open_unit(rng);
    ASSERT_GT(v, 0.0);
    ASSERT_LE(v, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
  }
  EXPECT_LT(lo, 1e-4);
  EXPECT_GT(hi, 1 - 1e-4);
  EXPECT_NEAR(sum / 100'000, 0.5, 0.005);
}

}  // namespace
}  // namespace hakari::load
