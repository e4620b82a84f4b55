#include "hakari/sim/json_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace hakari::sim {

void float_field(JsonWriter& w, std::string_view key, double v) {
  if (!std::isfinite(v)) {
    w.field_null(key);
    return;
  }
  char buf[40];
  auto res = std::to_chars(buf, buf + sizeof buf - 2, v);
  std::string_view digits(buf, static_cast<std::size_t>(res.ptr - buf));
  if (digits.find_first_of(".e") == std::string_view::npos) {
    *res.ptr++ = '.';
    *res.ptr++ = '0';
  }
  w.key(key).raw(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
}

std::string rfc3339_utc(Nanos wall_ns) {
  const std::time_t secs = static_cast<std::time_t>(wall_ns / kNanosPerSecond);
  long frac = static_cast<long>(wall_ns % kNanosPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (frac > 0) {
    int width = 9;
    while (frac % 10 == 0) {
      frac /= 10;
      --width;
    }
    std::snprintf(buf, sizeof buf, ".%0*ld", width, frac);
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace hakari::sim
