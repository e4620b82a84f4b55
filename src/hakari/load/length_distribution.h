// Lengths (prompt or output tokens) drawn from a named distribution, seeded, so a
// synthetic workload can vary its requests the way real traffic does and still be
// replayed exactly: "512", "fixed:512", "uniform:100-300", "normal:500,100",
// "lognormal:500,200".
#pragma once

#include "hakari/load/synthetic_prompt.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hakari::load {

class LengthDistribution {
 public:
  enum class Kind { fixed, uniform, normal, lognormal };

  // No request asks for more tokens than this; parameters above it are refused and
  // samples are capped at it (a lognormal tail is long).
  static constexpr std::int64_t kMaxLength = 10'000'000;

  // "512" or "fixed:512"; "uniform:100-300" (both ends included); "normal:500,100" (mean,
  // standard deviation); "lognormal:500,200" (mean and standard deviation of the lengths
  // themselves, not of their logarithm). Spaces around numbers are allowed. Bad text:
  // nullopt, and `error` says what is wrong and what is accepted.
  static std::optional<LengthDistribution> parse(std::string_view text, std::string& error);
  static LengthDistribution fixed(std::int64_t n);

  // Always in [1, kMaxLength]; the same generator state gives the same length. Normal and
  // lognormal samples are rounded to the nearest integer, then clamped.
  std::int64_t sample(SplitMix64& rng) const;

  // The distribution's own mean (before rounding and clamping).
  double mean() const;
  // For people: "fixed(512)", "uniform(100-300)", "normal(mean 500, sd 100)".
  std::string describe() const;
  // The text parse() reads back: "fixed:512", "uniform:100-300", "normal:500,100".
  std::string spec() const;

  Kind kind() const { return kind_; }

  friend bool operator==(const LengthDistribution&, const LengthDistribution&) = default;

 private:
  LengthDistribution(Kind kind, double a, double b) : kind_(kind), a_(a), b_(b) {}

  Kind kind_;
  // fixed: n; uniform: low, high; normal and lognormal: mean, sd.
  double a_;
  double b_;
};

}  // namespace hakari::load
