// Durations as people type them on the command line and in suite files: "90s", "10m",
// "1h30m", "24h", "500ms".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hakari/core/clock.h"

namespace hakari::load {

inline constexpr Nanos kMaxDuration = 30LL * 24 * 3600 * kNanosPerSecond;  // 30 days

// One or more <number><unit> parts, units from largest to smallest, each at most once:
// d, h, m, s, ms, us, ns ("1h30m", "1.5m", "500ms", "2d12h"). A bare number is seconds
// ("90"). Fractions are allowed in every part and the total is rounded to the nearest ns.
// The result is above 0 and at most 30 days. On failure returns nullopt and sets `error`:
//   duration is empty
//   duration "<text>" is not like 90s, 1.5m, 1h30m or 500ms
//   duration "<text>" has its units out of order (largest first, each once)
//   duration "<text>" is not above 0
//   duration "<text>" is longer than 30 days
std::optional<Nanos> parse_duration(std::string_view text, std::string& error);

// The shortest exact spelling in whole units, largest first, zero parts left out:
// 5400 s -> "1h30m", 45 s -> "45s", 0.25 s -> "250ms", 1.5 s -> "1s500ms", 0 -> "0s".
// Days are written as hours ("48h"). parse_duration(format_duration(d)) == d for every
// d in (0, 30 days]. Negative durations get a leading "-".
std::string format_duration(Nanos d);

}  // namespace hakari::load
