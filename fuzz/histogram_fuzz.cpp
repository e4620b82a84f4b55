// Histograms read back from a results database (or another machine) that may be damaged:
// deserializing must fail cleanly, allocate no more than the configuration cap, and
// whatever it accepts must serialize back to the same bytes (one encoding per histogram)
// and to an equal histogram.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hakari/metrics/histogram.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view blob(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto h = hakari::metrics::Histogram::deserialize(blob, &error);
  if (!h) {
    if (error.empty()) std::abort();  // every refusal says why
    return 0;
  }
  const std::string again = h->serialize();
  if (again != blob) std::abort();
  const auto back = hakari::metrics::Histogram::deserialize(again);
  if (!back || !(*back == *h)) std::abort();
  // What it accepted answers queries without tripping anything.
  if (h->count() > 0) {
    const std::int64_t p99 = h->value_at_percentile(99);
    if (p99 < h->min() || p99 > h->max()) std::abort();
    if (h->percentile_rank(h->max()) != 1.0) std::abort();
    const auto cdf = h->cdf(50);
    if (cdf.empty() || cdf.size() > 50 || cdf.back().first != h->max()) std::abort();
    (void)h->mean();
    (void)h->stdev();
  }
  return 0;
}
