// A mergeable latency histogram in the manner of HdrHistogram: log-linear buckets that
// keep every value in [lowest_discernible, highest_trackable] to `significant_digits`
// decimal digits. Histograms with the same configuration merge losslessly (per thread,
// per cell, per machine), and percentiles and CDFs are drawn from the stored form, so a
// report can be rebuilt from a blob in the database. hakari records latencies in µs.
//
// Precision: a recorded value v is reported (by value_at_percentile, cdf, highest_equivalent)
// as a value in [v, v + max(v·10^-d, lowest_discernible)): to d digits, and never finer
// than lowest_discernible. With the default lowest of 1 every value below 2^ceil(log2(2·10^d))
// (2,048 for d = 3) is kept exactly.
//
// Percentiles use the nearest-rank definition over the stored counts (HdrHistogram's),
// not the linear interpolation of stats.h's describe(): p is the smallest recorded value
// with at least ceil(p/100 · n) values at or below it, reported as the highest value of its
// bucket (and never above max()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hakari::metrics {

class Histogram {
 public:
  // The largest number of counters a configuration may need (16 MiB of counts): every
  // configuration with up to 4 digits fits at any range, and 5 digits up to about 4.29e9.
  // It bounds what an untrusted blob can make deserialize() allocate.
  static constexpr std::size_t kMaxCounters = std::size_t{1} << 21;
  // The version serialize() writes and deserialize() reads.
  static constexpr std::uint64_t kFormatVersion = 1;

  // Throws std::invalid_argument unless 1 <= lowest, highest >= 2 * lowest, digits in
  // 1..5, and the configuration needs at most kMaxCounters counters.
  explicit Histogram(std::int64_t lowest_discernible = 1, std::int64_t highest_trackable = 3'600'000'000,
                     int significant_digits = 3);

  // Adds `count` occurrences of `value` (count <= 0 adds nothing). A negative value is
  // recorded as 0; one above highest_trackable as highest_trackable, counted in
  // saturated(). A histogram holds at most INT64_MAX values; counts beyond are dropped so
  // that no counter can overflow. Never allocates.
  void record(std::int64_t value, std::int64_t count = 1);

  // Adds every value of `other`. Returns false, leaving this unchanged, when the
  // configurations differ or the total would pass INT64_MAX values.
  bool merge(const Histogram& other);

  void reset();

  std::int64_t count() const { return total_; }
  // Values recorded above highest_trackable (and kept as highest_trackable).
  std::int64_t saturated() const { return saturated_; }
  // The exact smallest and largest values recorded (after clamping); 0 when empty.
  std::int64_t min() const { return total_ == 0 ? 0 : min_; }
  std::int64_t max() const { return total_ == 0 ? 0 : max_; }
  // From the buckets (each at its midpoint, kept within [min, max]): within the
  // histogram's precision of the exact figures. 0 when empty; stdev (sample, n - 1) is 0
  // below two values.
  double mean() const;
  double stdev() const;

  // Nearest-rank percentile, p in [0, 100] (clamped; NaN reads as 0): the highest value
  // equivalent to the bucket holding the ceil(p/100 · n)-th smallest value, at most max().
  // 0 when empty.
  std::int64_t value_at_percentile(double p) const;
  // Fraction of the values at or below `value` (a value's whole bucket counts, since its
  // values cannot be told apart): 0 below min(), 1 at or above max(), 0 when empty.
  double percentile_rank(std::int64_t value) const;
  // (value, cumulative fraction) points for drawing a CDF: strictly increasing in both,
  // one per non-empty bucket (value = the bucket's highest equivalent value, at most max()),
  // thinned to at most `max_points` (at least 1) while keeping both even steps of fraction
  // and even steps of value, so tails stay visible. Always ends at (max(), 1). Empty when
  // the histogram is.
  std::vector<std::pair<std::int64_t, double>> cdf(std::size_t max_points = 200) const;

  // Compact, versioned, canonical: "HKH", version, configuration, totals (count,
  // saturated, min, max), then the counters as LEB128 varints, run-length coded: 2c for a
  // counter holding c > 0, 2r - 1 for r >= 1 empty counters; trailing empty counters are
  // left out. Each histogram has exactly one encoding.
  std::string serialize() const;
  // Reads serialize()'s form from untrusted bytes: any damage (truncation, bad varints,
  // counters out of range or overflowing, totals that disagree with the counters, an
  // unknown version, a non-canonical encoding) gives nullopt and a reason in `error`;
  // never a crash, and never more than kMaxCounters counters allocated.
  static std::optional<Histogram> deserialize(std::string_view blob, std::string* error = nullptr);

  bool operator==(const Histogram& other) const;

  std::int64_t lowest_discernible() const { return lowest_; }
  std::int64_t highest_trackable() const { return highest_; }
  int significant_digits() const { return digits_; }
  bool same_configuration(const Histogram& other) const {
    return lowest_ == other.lowest_ && highest_ == other.highest_ && digits_ == other.digits_;
  }
  // The bounds of the bucket `value` falls in (value is clamped to [0, highest] first):
  // every value in [lowest_equivalent, highest_equivalent] is recorded alike.
  std::int64_t lowest_equivalent(std::int64_t value) const;
  std::int64_t highest_equivalent(std::int64_t value) const;
  // Number of counters (memory: 8 bytes each).
  std::size_t counters() const { return counts_.size(); }

 private:
  std::size_t index_of(std::int64_t value) const;       // value in [0, highest]
  std::int64_t lowest_at(std::size_t index) const;      // first value of a counter
  std::int64_t highest_at(std::size_t index) const;     // last value of a counter
  std::int64_t representative_at(std::size_t index) const;  // midpoint, within [min, max]

  std::int64_t lowest_ = 1;
  std::int64_t highest_ = 2;
  int digits_ = 3;
  int unit_magnitude_ = 0;             // log2 of the resolution of the first bucket
  int sub_bucket_half_count_magnitude_ = 0;
  std::int64_t sub_bucket_half_count_ = 0;
  std::uint64_t sub_bucket_mask_ = 0;

  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
  std::int64_t saturated_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = 0;
};

}  // namespace hakari::metrics
