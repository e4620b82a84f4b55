#include "hakari/load/duration.h"

#include <array>
#include <charconv>
#include <cmath>

namespace hakari::load {
namespace {

struct Unit {
  std::string_view name;
  Nanos ns;
};
// Largest first: the order parts must come in.
constexpr std::array<Unit, 7> kUnits{{
    {"d", 24LL * 3600 * kNanosPerSecond},
    {"h", 3600LL * kNanosPerSecond},
    {"m", 60LL * kNanosPerSecond},
    {"s", kNanosPerSecond},
    {"ms", kNanosPerMilli},
    {"us", 1000},
    {"ns", 1},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Nanos> parse_duration(std::string_view text, std::string& error) {
  const std::string quoted = "duration \"" + std::string(text) + "\"";
  if (text.empty()) {
    error = "duration is empty";
    return std::nullopt;
  }
  const auto malformed = [&] {
    error = quoted + " is not like 90s, 1.5m, 1h30m or 500ms";
    return std::nullopt;
  };
  double total_ns = 0;
  std::size_t last_unit = 0;  // index into kUnits + 1 of the previous part; 0 = none yet
  std::size_t pos = 0;
  // Each pass consumes one part, so the loop ends within text.size() passes.
  while (pos < text.size()) {
    // A number: digits with at most one '.', at least one digit (no sign, no exponent).
    const std::size_t number_start = pos;
    bool seen_dot = false;
    bool seen_digit = false;
    while (pos < text.size() && (is_digit(text[pos]) || (text[pos] == '.' && !seen_dot))) {
      seen_dot |= text[pos] == '.';
      seen_digit |= is_digit(text[pos]);
      ++pos;
    }
    if (!seen_digit) return malformed();
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data() + number_start, text.data() + pos, value);
    if (ec != std::errc() || end != text.data() + pos) return malformed();

    const std::size_t unit_start = pos;
    while (pos < text.size() && !is_digit(text[pos]) && text[pos] != '.') ++pos;
    const std::string_view unit_text = text.substr(unit_start, pos - unit_start);
    if (unit_text.empty()) {
      // A bare number means seconds, and only as the whole text ("90", not "1m30").
      if (number_start != 0 || pos != text.size()) return malformed();
      total_ns = value * static_cast<double>(kNanosPerSecond);
      break;
    }
    std::size_t unit = 0;
    while (unit < kUnits.size() && kUnits[unit].name != unit_text) ++unit;
    if (unit == kUnits.size()) return malformed();
    if (unit + 1 <= last_unit) {
      error = quoted + " has its units out of order (largest first, each once)";
      return std::nullopt;
    }
    last_unit = unit + 1;
    total_ns += value * static_cast<double>(kUnits[unit].ns);
  }
  // Compared before rounding, so "1e400"-sized parts cannot overflow the conversion.
  if (!(total_ns <= static_cast<double>(kMaxDuration) + 0.5)) {
    error = quoted + " is longer than 30 days";
    return std::nullopt;
  }
  const Nanos rounded = static_cast<Nanos>(std::llround(total_ns));
  if (rounded <= 0) {
    error = quoted + " is not above 0";
    return std::nullopt;
  }
  return rounded;
}

std::string format_duration(Nanos d) {
  if (d == 0) return "0s";
  std::string out;
  // Magnitude as unsigned, so INT64_MIN has one too.
  std::uint64_t rest = d < 0 ? 0 - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  if (d < 0) out += '-';
  // Hours and below: days are left to hours, which people read at a glance ("48h").
  for (std::size_t u = 1; u < kUnits.size(); ++u) {
    const auto unit_ns = static_cast<std::uint64_t>(kUnits[u].ns);
    const std::uint64_t n = rest / unit_ns;
    rest -= n * unit_ns;
    if (n > 0) {
      out += std::to_string(n);
      out += kUnits[u].name;
    }
  }
  return out;
}

}  // namespace hakari::load
