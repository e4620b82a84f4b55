#include "hakari/metrics/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace hakari::metrics {
namespace {

constexpr std::string_view kMagic = "HKH";

// The bucket layout a configuration implies (HdrHistogram's): bucket 0 holds
// 2·half_count counters of width 2^unit; bucket k > 0 holds half_count counters of
// width 2^(unit + k) covering [half_count·2^(unit+k), 2·half_count·2^(unit+k)).
struct Layout {
  int unit_magnitude = 0;
  int half_magnitude = 0;
  std::int64_t half_count = 0;
  std::uint64_t mask = 0;
  std::size_t counters = 0;
};

std::size_t index_in(const Layout& l, std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(value);
  const int pow2_ceiling = 64 - std::countl_zero(v | l.mask);
  const int bucket = pow2_ceiling - l.unit_magnitude - (l.half_magnitude + 1);
  const auto sub = static_cast<std::int64_t>(v >> (bucket + l.unit_magnitude));
  return static_cast<std::size_t>((static_cast<std::int64_t>(bucket + 1) << l.half_magnitude) + (sub - l.half_count));
}

std::optional<Layout> layout_for(std::int64_t lowest, std::int64_t highest, int digits, std::string& why) {
  if (lowest < 1) {
    why = "lowest discernible value must be at least 1, not " + std::to_string(lowest);
    return std::nullopt;
  }
  if (lowest > highest / 2) {
    why = "highest trackable value (" + std::to_string(highest) + ") must be at least twice the lowest (" +
          std::to_string(lowest) + ")";
    return std::nullopt;
  }
  if (digits < 1 || digits > 5) {
    why = "significant digits must be 1 to 5, not " + std::to_string(digits);
    return std::nullopt;
  }
  // Single-unit resolution up to 2·10^d makes every counter beyond bucket 0 at most
  // 10^-d of the values it holds.
  std::int64_t single_unit_limit = 2;
  for (int i = 0; i < digits; ++i) single_unit_limit *= 10;
  const int sub_count_magnitude = std::bit_width(static_cast<std::uint64_t>(single_unit_limit - 1));
  Layout l;
  l.half_magnitude = sub_count_magnitude - 1;
  l.unit_magnitude = std::bit_width(static_cast<std::uint64_t>(lowest)) - 1;
  if (l.unit_magnitude + l.half_magnitude > 61) {
    why = "lowest discernible value " + std::to_string(lowest) + " is too large for " + std::to_string(digits) +
          " significant digits";
    return std::nullopt;
  }
  l.half_count = std::int64_t{1} << l.half_magnitude;
  l.mask = ((std::uint64_t{1} << sub_count_magnitude) - 1) << l.unit_magnitude;
  l.counters = index_in(l, highest) + 1;
  if (l.counters > Histogram::kMaxCounters) {
    why = "configuration needs " + std::to_string(l.counters) + " counters (at most " +
          std::to_string(Histogram::kMaxCounters) + "): fewer significant digits or a smaller range";
    return std::nullopt;
  }
  return l;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one canonical LEB128 varint: at most 10 bytes, no value past 64 bits, no
// redundant trailing zero byte (so each value has one encoding).
bool get_varint(std::string_view in, std::size_t& pos, std::uint64_t& v, std::string& why) {
  v = 0;
  const std::size_t start = pos;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) {
      why = "truncated varint at byte " + std::to_string(start);
      return false;
    }
    const auto b = static_cast<std::uint8_t>(in[pos++]);
    if (shift == 63 && b > 1) {
      why = "varint at byte " + std::to_string(start) + " overflows 64 bits";
      return false;
    }
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if (b == 0 && shift > 0) {
        why = "non-canonical varint at byte " + std::to_string(start);
        return false;
      }
      return true;
    }
  }
  why = "varint at byte " + std::to_string(start) + " is longer than 10 bytes";
  return false;
}

bool get_int64(std::string_view in, std::size_t& pos, std::int64_t& v, const char* what, std::string& why) {
  std::uint64_t u = 0;
  if (!get_varint(in, pos, u, why)) {
    why = std::string(what) + ": " + why;
    return false;
  }
  if (u > static_cast<std::uint64_t>(INT64_MAX)) {
    why = std::string(what) + " is beyond 64-bit signed range";
    return false;
  }
  v = static_cast<std::int64_t>(u);
  return true;
}

}  // namespace

Histogram::Histogram(std::int64_t lowest_discernible, std::int64_t highest_trackable, int significant_digits) {
  std::string why;
  const auto l = layout_for(lowest_discernible, highest_trackable, significant_digits, why);
  if (!l) throw std::invalid_argument("Histogram: " + why);
  lowest_ = lowest_discernible;
  highest_ = highest_trackable;
  digits_ = significant_digits;
  unit_magnitude_ = l->unit_magnitude;
  sub_bucket_half_count_magnitude_ = l->half_magnitude;
  sub_bucket_half_count_ = l->half_count;
  sub_bucket_mask_ = l->mask;
  counts_.assign(l->counters, 0);
}

std::size_t Histogram::index_of(std::int64_t value) const {
  const Layout l{unit_magnitude_, sub_bucket_half_count_magnitude_, sub_bucket_half_count_, sub_bucket_mask_, 0};
  return index_in(l, value);
}

std::int64_t Histogram::lowest_at(std::size_t index) const {
  auto bucket = static_cast<std::int64_t>(index >> sub_bucket_half_count_magnitude_) - 1;
  auto sub = static_cast<std::int64_t>(index & static_cast<std::size_t>(sub_bucket_half_count_ - 1)) +
             sub_bucket_half_count_;
  if (bucket < 0) {
    sub -= sub_bucket_half_count_;
    bucket = 0;
  }
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(sub) << (bucket + unit_magnitude_));
}

std::int64_t Histogram::highest_at(std::size_t index) const {
  const auto bucket = std::max<std::int64_t>(static_cast<std::int64_t>(index >> sub_bucket_half_count_magnitude_) - 1, 0);
  // Unsigned: the top counter of a range reaching INT64_MAX ends exactly there.
  const std::uint64_t width = std::uint64_t{1} << (bucket + unit_magnitude_);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lowest_at(index)) + width - 1);
}

std::int64_t Histogram::representative_at(std::size_t index) const {
  const std::int64_t lo = lowest_at(index);
  const std::int64_t mid = lo + (highest_at(index) - lo + 1) / 2;
  return std::clamp(mid, min_, max_);
}

std::int64_t Histogram::lowest_equivalent(std::int64_t value) const {
  return lowest_at(index_of(std::clamp<std::int64_t>(value, 0, highest_)));
}

std::int64_t Histogram::highest_equivalent(std::int64_t value) const {
  return highest_at(index_of(std::clamp<std::int64_t>(value, 0, highest_)));
}

void Histogram::record(std::int64_t value, std::int64_t count) {
  if (count <= 0) return;
  count = std::min(count, INT64_MAX - total_);  // every counter is <= total, so none overflows
  if (count == 0) return;
  if (value < 0) value = 0;
  if (value > highest_) {
    value = highest_;
    saturated_ += count;
  }
  counts_[index_of(value)] += count;
  total_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

bool Histogram::merge(const Histogram& other) {
  if (!same_configuration(other)) return false;
  if (other.total_ == 0) return true;
  if (other.total_ > INT64_MAX - total_) return false;
  const std::size_t first = other.index_of(other.min_);
  const std::size_t last = other.index_of(other.max_);
  for (std::size_t i = first; i <= last; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  saturated_ += other.saturated_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return true;
}

void Histogram::reset() {
  // Only the counters between min and max can be non-zero.
  if (total_ > 0) std::fill(counts_.begin() + static_cast<std::ptrdiff_t>(index_of(min_)),
                            counts_.begin() + static_cast<std::ptrdiff_t>(index_of(max_)) + 1, 0);
  total_ = saturated_ = max_ = 0;
  min_ = INT64_MAX;
}

double Histogram::mean() const {
  if (total_ == 0) return 0;
  double sum = 0;
  for (std::size_t i = index_of(min_), last = index_of(max_); i <= last; ++i) {
    if (counts_[i] != 0) sum += static_cast<double>(counts_[i]) * static_cast<double>(representative_at(i));
  }
  return sum / static_cast<double>(total_);
}

double Histogram::stdev() const {
  if (total_ < 2) return 0;
  const double m = mean();
  double ss = 0;
  for (std::size_t i = index_of(min_), last = index_of(max_); i <= last; ++i) {
    if (counts_[i] == 0) continue;
    const double d = static_cast<double>(representative_at(i)) - m;
    ss += static_cast<double>(counts_[i]) * d * d;
  }
  return std::sqrt(ss / static_cast<double>(total_ - 1));
}

std::int64_t Histogram::value_at_percentile(double p) const {
  if (total_ == 0) return 0;
  if (!(p > 0)) p = 0;  // also NaN
  p = std::min(p, 100.0);
  // Nearest rank, in long double so that n up to 2^63 keeps its digits; the small
  // allowance absorbs p's binary representation (99.9 % of 1,000 is rank 999, not 1,000).
  const long double want = static_cast<long double>(p) * static_cast<long double>(total_) / 100.0L;
  const long double rank_f = std::ceil(want - (want * 1e-14L + 1e-9L));
  std::int64_t rank = 1;
  if (rank_f >= static_cast<long double>(total_)) {
    rank = total_;
  } else if (rank_f > 1) {
    rank = static_cast<std::int64_t>(rank_f);
  }
  std::int64_t seen = 0;
  const std::size_t last = index_of(max_);
  for (std::size_t i = index_of(min_); i <= last; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_at(i), max_);
  }
  return max_;
}

double Histogram::percentile_rank(std::int64_t value) const {
  if (total_ == 0 || value < min_) return 0;
  if (value >= max_) return 1;
  std::int64_t seen = 0;
  for (std::size_t i = index_of(min_), last = index_of(value); i <= last; ++i) seen += counts_[i];
  return static_cast<double>(seen) / static_cast<double>(total_);
}

std::vector<std::pair<std::int64_t, double>> Histogram::cdf(std::size_t max_points) const {
  std::vector<std::pair<std::int64_t, double>> out;
  if (total_ == 0) return out;
  const double n = static_cast<double>(total_);
  if (max_points <= 1) {
    out.emplace_back(max_, 1.0);
    return out;
  }
  // Half the budget for even steps of fraction (the body), half for even steps of value
  // (the tail): a point is kept when either has advanced a full step since the last one,
  // which bounds the points by (max_points - 1) plus the final (max, 1).
  const double budget = static_cast<double>(max_points - 1) / 2;
  const double fraction_step = 1.0 / budget;
  const double value_step = static_cast<double>(max_ - min_) / budget;
  double last_fraction = 0;
  auto last_value = static_cast<double>(min_);
  std::int64_t seen = 0;
  const std::size_t last = index_of(max_);
  for (std::size_t i = index_of(min_); i < last; ++i) {
    if (counts_[i] == 0) continue;
    seen += counts_[i];
    const double fraction = static_cast<double>(seen) / n;
    const std::int64_t value = highest_at(i);
    if (fraction - last_fraction >= fraction_step || static_cast<double>(value) - last_value >= value_step) {
      if (out.size() + 1 < max_points) out.emplace_back(value, fraction);
      last_fraction = fraction;
      last_value = static_cast<double>(value);
    }
  }
  out.emplace_back(max_, 1.0);
  return out;
}

std::string Histogram::serialize() const {
  std::string out(kMagic);
  put_varint(out, kFormatVersion);
  put_varint(out, static_cast<std::uint64_t>(lowest_));
  put_varint(out, static_cast<std::uint64_t>(highest_));
  put_varint(out, static_cast<std::uint64_t>(digits_));
  put_varint(out, static_cast<std::uint64_t>(total_));
  put_varint(out, static_cast<std::uint64_t>(saturated_));
  put_varint(out, static_cast<std::uint64_t>(min()));
  put_varint(out, static_cast<std::uint64_t>(max()));
  if (total_ == 0) return out;
  std::uint64_t zeros = 0;
  for (std::size_t i = 0, last = index_of(max_); i <= last; ++i) {
    if (counts_[i] == 0) {
      ++zeros;
      continue;
    }
    if (zeros > 0) put_varint(out, 2 * zeros - 1);
    zeros = 0;
    put_varint(out, 2 * static_cast<std::uint64_t>(counts_[i]));
  }
  return out;
}

std::optional<Histogram> Histogram::deserialize(std::string_view blob, std::string* error) {
  std::string why;
  auto fail = [&](std::string reason) -> std::optional<Histogram> {
    if (error != nullptr) *error = "histogram blob: " + std::move(reason);
    return std::nullopt;
  };
  if (blob.size() < kMagic.size() || blob.substr(0, kMagic.size()) != kMagic) return fail("not a histogram (bad magic)");
  std::size_t pos = kMagic.size();
  std::uint64_t version = 0;
  if (!get_varint(blob, pos, version, why)) return fail("version: " + why);
  if (version != kFormatVersion) {
    return fail("unsupported version " + std::to_string(version) + " (this build reads version " +
                std::to_string(kFormatVersion) + ")");
  }
  std::int64_t lowest = 0, highest = 0, digits = 0, total = 0, saturated = 0, min = 0, max = 0;
  if (!get_int64(blob, pos, lowest, "lowest", why) || !get_int64(blob, pos, highest, "highest", why) ||
      !get_int64(blob, pos, digits, "digits", why) || !get_int64(blob, pos, total, "count", why) ||
      !get_int64(blob, pos, saturated, "saturated", why) || !get_int64(blob, pos, min, "min", why) ||
      !get_int64(blob, pos, max, "max", why)) {
    return fail(why);
  }
  // The configuration is checked before anything is allocated for it.
  if (digits < 1 || digits > 5) return fail("configuration: significant digits must be 1 to 5, not " + std::to_string(digits));
  if (!layout_for(lowest, highest, static_cast<int>(digits), why)) return fail("configuration: " + why);
  if (saturated > total) return fail("saturated count exceeds the total");
  if (total == 0) {
    if (saturated != 0 || min != 0 || max != 0 || pos != blob.size()) return fail("an empty histogram with data");
    return Histogram(lowest, highest, static_cast<int>(digits));
  }
  if (min > max || max > highest) return fail("min/max out of range");
  if (saturated > 0 && max != highest) return fail("saturated values but max is not the highest trackable value");

  Histogram h(lowest, highest, static_cast<int>(digits));
  std::size_t index = 0;
  std::int64_t sum = 0;
  bool last_was_run = false;
  bool any = false;
  while (pos < blob.size()) {
    const std::size_t at = pos;
    std::uint64_t code = 0;
    if (!get_varint(blob, pos, code, why)) return fail("counts: " + why);
    if (code == 0) return fail("a zero counter at byte " + std::to_string(at));
    if (code & 1) {
      const std::uint64_t run = (code >> 1) + 1;
      if (last_was_run) return fail("two runs of empty counters in a row at byte " + std::to_string(at));
      if (run >= h.counts_.size() - index) return fail("run of empty counters past the range at byte " + std::to_string(at));
      index += static_cast<std::size_t>(run);
      last_was_run = true;
      continue;
    }
    const std::uint64_t c = code >> 1;
    if (index >= h.counts_.size()) return fail("counter past the range at byte " + std::to_string(at));
    if (c > static_cast<std::uint64_t>(INT64_MAX - sum)) return fail("counters overflow at byte " + std::to_string(at));
    if (!any && index != h.index_of(min)) return fail("first counter disagrees with min");
    h.counts_[index++] = static_cast<std::int64_t>(c);
    sum += static_cast<std::int64_t>(c);
    last_was_run = false;
    any = true;
  }
  if (last_was_run) return fail("ends with a run of empty counters");
  if (!any) return fail("no counters for a non-empty histogram");
  if (index - 1 != h.index_of(max)) return fail("last counter disagrees with max");
  if (sum != total) return fail("counters sum to " + std::to_string(sum) + " but the header says " + std::to_string(total));
  if (saturated > h.counts_[h.index_of(highest)]) return fail("saturated count exceeds the top counter");
  h.total_ = total;
  h.saturated_ = saturated;
  h.min_ = min;
  h.max_ = max;
  return h;
}

bool Histogram::operator==(const Histogram& other) const {
  return same_configuration(other) && total_ == other.total_ && saturated_ == other.saturated_ &&
         min() == other.min() && max() == other.max() && counts_ == other.counts_;
}

}  // namespace hakari::metrics
