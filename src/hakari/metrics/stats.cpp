#include "hakari/metrics/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace hakari::metrics {

double student_t_975(std::size_t df) {
  // Exact to three decimals for small samples, where it matters; the normal limit beyond.
  static constexpr double kTable[] = {
      0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
      2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  constexpr std::size_t kTableSize = sizeof kTable / sizeof kTable[0];
  if (df == 0) return std::numeric_limits<double>::quiet_NaN();
  if (df < kTableSize) return kTable[df];
  // Cornish-Fisher expansion around z = 1.96: within 0.001 for df > 30.
  const double z = 1.959964;
  const double d = static_cast<double>(df);
  return z + (z * z * z + z) / (4 * d) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

double percentile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (sorted.size() == 1) return sorted.front();
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

Distribution describe(std::vector<double> values) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Distribution d{0, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  d.n = values.size();
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  d.min = values.front();
  d.max = values.back();
  d.p50 = percentile_sorted(values, 50);
  d.p90 = percentile_sorted(values, 90);
  d.p95 = percentile_sorted(values, 95);
  d.p99 = percentile_sorted(values, 99);
  if (values.size() >= 2) {
    double ss = 0;
    for (double v : values) ss += (v - d.mean) * (v - d.mean);
    d.stdev = std::sqrt(ss / (n - 1));
    const double half = student_t_975(values.size() - 1) * d.stdev / std::sqrt(n);
    d.ci95_low = d.mean - half;
    d.ci95_high = d.mean + half;
  }
  return d;
}

}  // namespace hakari::metrics
