#include "hakari/load/schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace hakari::load {
namespace {

// Times stay below 2^62 ns (~146 years) so sums and llround never overflow int64.
constexpr double kMaxTimeNs = 4.611686018427387904e18;

std::string number_text(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// A rounded count in plain digits ("864000000", not "8.64e+08") while it fits an int64.
std::string count_text(double v) {
  return std::abs(v) < 9e18 ? std::to_string(std::llround(v)) : number_text(v);
}

// One standard normal draw (Box–Muller, the cosine half): two uniforms, no rejection.
double draw_normal(SplitMix64& rng) {
  const double radius = std::sqrt(-2.0 * std::log(draw_open_unit(rng)));
  return radius * std::cos(2.0 * std::numbers::pi * draw_unit(rng));
}

// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through the boost
// Gamma(k) = Gamma(k+1) * U^(1/k).
double draw_gamma(double shape, SplitMix64& rng) {
  if (shape < 1.0) {
    const double boosted = draw_gamma(shape + 1.0, rng);
    return boosted * std::pow(draw_open_unit(rng), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  // Accepts with probability >= 0.95 per try, so 64 tries all failing has odds below
  // 1e-80; the bound only keeps the loop finite, and its fallback (the mean) is seeded too.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const double x = draw_normal(rng);
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = draw_open_unit(rng);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
  return shape;
}

// The next gap in ns for the random kinds.
class GapSource {
 public:
  explicit GapSource(const ArrivalSpec& spec) : spec_(spec), rng_(spec.seed) {}
  double next_ns() {
    const double mean_ns = 1e9 / spec_.rate_rps;
    // k == 1 takes the exponential path, so gamma(1) is the Poisson schedule exactly.
    if (spec_.kind == ArrivalKind::poisson || spec_.burstiness == 1.0) {
      return -std::log(draw_open_unit(rng_)) * mean_ns;
    }
    // Scale 1/k keeps the mean gap at 1/rate whatever the shape.
    return draw_gamma(spec_.burstiness, rng_) / spec_.burstiness * mean_ns;
  }

 private:
  ArrivalSpec spec_;
  SplitMix64 rng_;
};

void validate(const ArrivalSpec& spec, std::int64_t count, Nanos duration) {
  if (!std::isfinite(spec.rate_rps) || spec.rate_rps <= 0) {
    throw std::invalid_argument("arrival rate " + number_text(spec.rate_rps) + " is not a number above 0");
  }
  if (spec.kind == ArrivalKind::gamma && (!std::isfinite(spec.burstiness) || spec.burstiness <= 0)) {
    throw std::invalid_argument("burstiness " + number_text(spec.burstiness) + " is not a number above 0");
  }
  if (count < 0) throw std::invalid_argument("request count " + std::to_string(count) + " is below 0");
  if (count == 0 && duration <= 0) {
    throw std::invalid_argument("a schedule needs a request count or a duration above 0");
  }
  if (count > kMaxScheduleEntries) {
    throw std::invalid_argument("a schedule of " + std::to_string(count) + " requests is more than the " +
                                std::to_string(kMaxScheduleEntries) + " allowed");
  }
  // Refused before any allocation: what the duration would hold on average.
  const double expected = count > 0 ? static_cast<double>(count) : to_s(duration) * spec.rate_rps;
  if (count == 0 && expected > static_cast<double>(kMaxScheduleEntries)) {
    throw std::invalid_argument("a schedule of about " + count_text(expected) +
                                " requests (rate x duration) is more than the " +
                                std::to_string(kMaxScheduleEntries) + " allowed");
  }
  if (count > 0 && expected / spec.rate_rps * 1e9 > kMaxTimeNs) {
    throw std::invalid_argument("a schedule of " + std::to_string(count) + " requests at " +
                                number_text(spec.rate_rps) + " requests/s runs past 146 years");
  }
}

[[noreturn]] void too_many() {
  throw std::invalid_argument("the schedule holds more than the " + std::to_string(kMaxScheduleEntries) +
                              " requests allowed");
}

}  // namespace

std::optional<ArrivalKind> parse_arrival(std::string_view name) {
  if (name == "constant") return ArrivalKind::constant;
  if (name == "poisson") return ArrivalKind::poisson;
  if (name == "gamma") return ArrivalKind::gamma;
  return std::nullopt;
}

std::string_view arrival_name(ArrivalKind kind) {
  switch (kind) {
    case ArrivalKind::constant: return "constant";
    case ArrivalKind::poisson: return "poisson";
    case ArrivalKind::gamma: return "gamma";
  }
  return "?";
}

std::vector<Nanos> arrival_times(const ArrivalSpec& spec, std::int64_t count, Nanos duration) {
  validate(spec, count, duration);
  std::vector<Nanos> times;
  const bool by_count = count > 0;
  if (by_count) {
    times.reserve(static_cast<std::size_t>(count));
  } else {
    // A little over the mean, so a Poisson level rarely reallocates.
    const double expected = to_s(duration) * spec.rate_rps;
    times.reserve(static_cast<std::size_t>(std::min(expected * 1.01 + 64, static_cast<double>(kMaxScheduleEntries))));
  }

  if (spec.kind == ArrivalKind::constant) {
    // Each time from its index (long double: exact enough at 1e8 entries), never a running sum.
    const long double period_ns = static_cast<long double>(kNanosPerSecond) / spec.rate_rps;
    for (std::int64_t i = 0;; ++i) {
      if (by_count && i >= count) break;
      if (i >= kMaxScheduleEntries) too_many();
      const long double at = static_cast<long double>(i) * period_ns;
      if (at > kMaxTimeNs) {
        if (!by_count) break;  // long past any duration a run can have
        throw std::invalid_argument("the schedule runs past 146 years");
      }
      const Nanos rounded = static_cast<Nanos>(std::llround(at));
      if (!by_count && rounded >= duration) break;
      times.push_back(rounded);
    }
    return times;
  }

  GapSource gaps(spec);
  double t_ns = 0;  // the unrounded running time, so per-entry rounding never drifts
  for (std::int64_t i = 0;; ++i) {
    if (by_count && i >= count) break;
    if (i >= kMaxScheduleEntries) too_many();
    t_ns += gaps.next_ns();
    if (t_ns > kMaxTimeNs) {
      if (!by_count) break;
      throw std::invalid_argument("the schedule runs past 146 years");
    }
    const Nanos at = static_cast<Nanos>(std::llround(t_ns));
    if (!by_count && at >= duration) break;
    times.push_back(at);
  }
  return times;
}

std::vector<ScheduledIndex> shard(const std::vector<Nanos>& times, int shard_index, int shard_count) {
  if (shard_count < 1 || shard_index < 0 || shard_index >= shard_count) {
    throw std::invalid_argument("shard " + std::to_string(shard_index) + "/" + std::to_string(shard_count) +
                                " is not I/N with 0 <= I < N");
  }
  std::vector<ScheduledIndex> out;
  const auto n = static_cast<std::int64_t>(times.size());
  out.reserve(static_cast<std::size_t>((n + shard_count - 1) / shard_count));
  for (std::int64_t i = shard_index; i < n; i += shard_count) {
    out.push_back({i, times[static_cast<std::size_t>(i)]});
  }
  return out;
}

std::optional<std::pair<int, int>> parse_shard(std::string_view text, std::string& error) {
  const auto not_shard = [&] {
    error = "shard \"" + std::string(text) + "\" is not I/N (e.g. 0/4)";
    return std::nullopt;
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return not_shard();
  // Plain decimal digits only: from_chars alone would take a sign.
  const auto parse_int = [](std::string_view s, long long& out) {
    if (s.empty() || s.size() > 9) return false;
    for (char ch : s) {
      if (ch < '0' || ch > '9') return false;
    }
    return std::from_chars(s.data(), s.data() + s.size(), out).ec == std::errc();
  };
  long long index = 0;
  long long count = 0;
  if (!parse_int(text.substr(0, slash), index) || !parse_int(text.substr(slash + 1), count)) return not_shard();
  if (count < 1 || count > kMaxShardCount) {
    error = "shard count " + std::to_string(count) + " is not 1 to " + std::to_string(kMaxShardCount);
    return std::nullopt;
  }
  if (index >= count) {
    error = "shard index " + std::to_string(index) + " is not below the shard count " + std::to_string(count);
    return std::nullopt;
  }
  return std::pair<int, int>{static_cast<int>(index), static_cast<int>(count)};
}

std::vector<double> ramp_levels(double start, double step_or_factor, bool geometric, double max) {
  const auto fail = [](const std::string& why) { throw std::invalid_argument("ramp: " + why); };
  if (!std::isfinite(start) || start <= 0) fail("start " + number_text(start) + " is not a number above 0");
  if (!std::isfinite(max) || max < start) fail("max " + number_text(max) + " is below the start " + number_text(start));
  if (!std::isfinite(step_or_factor) || (geometric ? step_or_factor <= 1 : step_or_factor <= 0)) {
    fail(geometric ? "factor " + number_text(step_or_factor) + " is not a number above 1"
                   : "step " + number_text(step_or_factor) + " is not a number above 0");
  }
  // Levels within a hair of max count as max, so float error cannot drop the last one.
  const double limit = max * (1 + 1e-9);
  const auto tidy = [](double v) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 12);
    double out = v;
    if (ec == std::errc()) std::from_chars(buf, end, out);
    return out;
  };
  std::vector<double> levels;
  for (std::size_t i = 0;; ++i) {
    const double level =
        geometric ? start * std::pow(step_or_factor, static_cast<double>(i)) : start + static_cast<double>(i) * step_or_factor;
    if (!(level <= limit)) break;
    if (levels.size() == kMaxRampLevels) {
      fail("more than " + std::to_string(kMaxRampLevels) + " levels from " + number_text(start) + " to " +
           number_text(max));
    }
    levels.push_back(std::min(tidy(level), max));
  }
  return levels;
}

std::optional<std::vector<double>> parse_level_range(std::string_view text, std::string& error) {
  const std::size_t dots = text.find("..");
  const std::size_t op = text.find_first_of("x+", dots == std::string_view::npos ? 0 : dots + 2);
  auto number = [](std::string_view s, double& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
  };
  double start = 0, max = 0, step = 0;
  if (dots == std::string_view::npos || op == std::string_view::npos || !number(text.substr(0, dots), start) ||
      !number(text.substr(dots + 2, op - dots - 2), max) || !number(text.substr(op + 1), step)) {
    error = "'" + std::string(text) + "' is not a range; write START..MAXxFACTOR (1..64x2) or START..MAX+STEP (2..20+2)";
    return std::nullopt;
  }
  try {
    return ramp_levels(start, step, text[op] == 'x', max);
  } catch (const std::invalid_argument& e) {
    error = "'" + std::string(text) + "': " + e.what();
    return std::nullopt;
  }
}

}  // namespace hakari::load
