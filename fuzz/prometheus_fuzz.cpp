// The Prometheus text parser over arbitrary bytes, with the default limits and with tiny
// ones: it must never crash, hang or read out of bounds, and what it returns must keep
// its own invariants.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hakari/telemetry/server/prometheus.h"

namespace {

namespace prom = hakari::telemetry::prometheus;

bool valid_name(std::string_view s, bool label) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

void check(const prom::Exposition& e, const prom::Limits& limits, std::size_t input_size) {
  if (e.refused) {
    if (input_size <= limits.max_bytes || !e.samples.empty()) std::abort();
    return;
  }
  if (e.samples.size() > limits.max_samples) std::abort();
  if (e.families.size() > limits.max_families) std::abort();
  if (e.malformed_lines + e.samples.size() > e.lines) std::abort();
  if ((e.malformed_lines > 0) != !e.first_error.empty()) std::abort();
  for (const prom::Sample& s : e.samples) {
    if (!valid_name(s.name, false) || s.labels.size() > limits.max_labels) std::abort();
    for (const prom::Label& l : s.labels) {
      if (!valid_name(l.name, true)) std::abort();
    }
    // Every lookup agrees with the samples it was built from.
    if (!e.has(s.name) || e.type_of(s.name) != e.type_of(s.name)) std::abort();
    const auto total = e.sum(s.name);
    if (!total) std::abort();
    (void)e.mean(s.name);
  }
  for (const prom::Family& f : e.families) {
    if (!valid_name(f.name, false) || e.family(f.name) != &f) std::abort();
    (void)prom::metric_type_name(f.type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const prom::Limits defaults;
  check(prom::parse(text, defaults), defaults, size);

  prom::Limits tiny;
  tiny.max_bytes = 512;
  tiny.max_line_bytes = 48;
  tiny.max_samples = 4;
  tiny.max_labels = 2;
  tiny.max_families = 2;
  check(prom::parse(text, tiny), tiny, size);
  return 0;
}
