#include "hakari/load/length_distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

namespace hakari::load {
namespace {

constexpr std::string_view kAccepted =
    "accepted: 512 (or fixed:512), uniform:100-300, normal:500,100 (mean, sd), "
    "lognormal:500,200 (mean, sd of the lengths)";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == y;
         });
}

std::optional<std::int64_t> parse_length(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_real(std::string_view s) {
  s = trim(s);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Uniform in (0, 1): never 0, so log() below is finite.
double unit_open(SplitMix64& rng) { return (static_cast<double>(rng.next() >> 11) + 0.5) * 0x1p-53; }

// Standard normal by Box-Muller (one of the pair; a sample must depend on the generator only).
double standard_normal(SplitMix64& rng) {
  const double u1 = unit_open(rng);
  const double u2 = unit_open(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::int64_t round_and_clamp(double x) {
  if (!(x >= 1.0)) return 1;  // also NaN
  if (x >= static_cast<double>(LengthDistribution::kMaxLength)) return LengthDistribution::kMaxLength;
  return std::llround(x);
}

}  // namespace

LengthDistribution LengthDistribution::fixed(std::int64_t n) {
  return LengthDistribution(Kind::fixed, static_cast<double>(std::clamp<std::int64_t>(n, 1, kMaxLength)), 0);
}

std::optional<LengthDistribution> LengthDistribution::parse(std::string_view text, std::string& error) {
  const std::string_view whole = trim(text);
  const auto fail = [&](std::string_view problem) -> std::optional<LengthDistribution> {
    error = fmt::format("length \"{}\": {}; {}", whole, problem, kAccepted);
    return std::nullopt;
  };
  const auto too_long = fmt::format("at most {}", kMaxLength);

  const auto colon = whole.find(':');
  const std::string_view name = colon == std::string_view::npos ? "fixed" : trim(whole.substr(0, colon));
  const std::string_view args = colon == std::string_view::npos ? whole : whole.substr(colon + 1);

  if (equals_ignoring_case(name, "fixed")) {
    const auto n = parse_length(args);
    if (!n) return fail("a fixed length is a whole number");
    if (*n < 1) return fail("a length is at least 1");
    if (*n > kMaxLength) return fail(too_long);
    return LengthDistribution(Kind::fixed, static_cast<double>(*n), 0);
  }
  if (equals_ignoring_case(name, "uniform")) {
    // Split at the dash after the first character, so "-5-10" reads as a negative low end.
    const auto dash = args.find('-', trim(args).empty() ? 0 : args.find_first_not_of(" \t") + 1);
    if (dash == std::string_view::npos) return fail("uniform needs a low and a high end, as in uniform:100-300");
    const auto low = parse_length(args.substr(0, dash));
    const auto high = parse_length(args.substr(dash + 1));
    if (!low || !high) return fail("uniform's ends are whole numbers");
    if (*low < 1) return fail("a length is at least 1");
    if (*high < *low) return fail("the high end is below the low end");
    if (*high > kMaxLength) return fail(too_long);
    return LengthDistribution(Kind::uniform, static_cast<double>(*low), static_cast<double>(*high));
  }
  const bool normal = equals_ignoring_case(name, "normal");
  if (normal || equals_ignoring_case(name, "lognormal")) {
    const auto comma = args.find(',');
    const std::string_view example = normal ? "normal:500,100" : "lognormal:500,200";
    if (comma == std::string_view::npos)
      return fail(fmt::format("{} needs a mean and a standard deviation, as in {}", name, example));
    const auto mean = parse_real(args.substr(0, comma));
    const auto sd = parse_real(args.substr(comma + 1));
    if (!mean || !sd) return fail(fmt::format("{}'s mean and standard deviation are numbers", name));
    if (!(*mean >= 1)) return fail("the mean is at least 1");
    if (*sd < 0) return fail("the standard deviation is not negative");
    if (*mean > static_cast<double>(kMaxLength) || *sd > static_cast<double>(kMaxLength)) return fail(too_long);
    return LengthDistribution(normal ? Kind::normal : Kind::lognormal, *mean, *sd);
  }
  return fail(fmt::format("unknown distribution \"{}\"", name));
}

std::int64_t LengthDistribution::sample(SplitMix64& rng) const {
  switch (kind_) {
    case Kind::fixed: return static_cast<std::int64_t>(a_);
    case Kind::uniform: {
      const auto low = static_cast<std::int64_t>(a_);
      const auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(b_) - low) + 1;
      return low + static_cast<std::int64_t>(rng.below(span));
    }
    case Kind::normal: return round_and_clamp(a_ + b_ * standard_normal(rng));
    case Kind::lognormal: {
      // The log of the length is normal with sigma^2 = ln(1 + sd^2/mean^2) and
      // mu = ln(mean) - sigma^2/2, which gives the lengths exactly this mean and sd.
      const double sigma2 = std::log1p((b_ * b_) / (a_ * a_));
      const double mu = std::log(a_) - sigma2 / 2;
      return round_and_clamp(std::exp(mu + std::sqrt(sigma2) * standard_normal(rng)));
    }
  }
  return 1;
}

double LengthDistribution::mean() const { return kind_ == Kind::uniform ? (a_ + b_) / 2 : a_; }

std::string LengthDistribution::describe() const {
  switch (kind_) {
    case Kind::fixed: return fmt::format("fixed({})", a_);
    case Kind::uniform: return fmt::format("uniform({}-{})", a_, b_);
    case Kind::normal: return fmt::format("normal(mean {}, sd {})", a_, b_);
    case Kind::lognormal: return fmt::format("lognormal(mean {}, sd {})", a_, b_);
  }
  return {};
}

std::string LengthDistribution::spec() const {
  switch (kind_) {
    case Kind::fixed: return fmt::format("fixed:{}", a_);
    case Kind::uniform: return fmt::format("uniform:{}-{}", a_, b_);
    case Kind::normal: return fmt::format("normal:{},{}", a_, b_);
    case Kind::lognormal: return fmt::format("lognormal:{},{}", a_, b_);
  }
  return {};
}

}  // namespace hakari::load
