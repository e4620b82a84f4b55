#include "hakari/metrics/repetitions.h"

#include <cmath>
#include <limits>

#include "hakari/metrics/stats.h"

namespace hakari::metrics {

RepetitionStats across_repetitions(const std::vector<double>& values, double noisy_cv) {
  std::vector<double> finite;
  finite.reserve(values.size());
  for (double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  // describe() already gives the sample stdev and the t interval of the mean.
  const Distribution d = describe(std::move(finite));
  RepetitionStats s;
  s.n = static_cast<int>(d.n);
  s.mean = d.mean;
  s.stdev = d.stdev;
  s.ci95_low = d.ci95_low;
  s.ci95_high = d.ci95_high;
  if (d.n < 2) {
    s.cv = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  if (d.mean != 0) {
    s.cv = d.stdev / std::fabs(d.mean);
  } else {
    s.cv = d.stdev > 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  }
  s.noisy = s.cv > noisy_cv;  // false for NaN
  return s;
}

}  // namespace hakari::metrics
