// Descriptive statistics with the uncertainty that goes with them. Pure functions.
#pragma once

#include <cstddef>
#include <vector>

namespace hakari::metrics {

struct Distribution {
  std::size_t n = 0;
  // All NaN when n == 0 (rendered as null); stdev and the interval are NaN when n < 2.
  double mean, stdev, min, max, p50, p90, p95, p99;
  double ci95_low, ci95_high;  // 95 % confidence interval of the mean (Student's t)
};

// Percentile p in [0, 100] of sorted values, interpolating linearly between the closest
// ranks (numpy's default), so p50 of {1, 2, 3, 4} is 2.5.
double percentile_sorted(const std::vector<double>& sorted, double p);

// Sorts `values` and describes them.
Distribution describe(std::vector<double> values);

// Two-sided 97.5 % quantile of Student's t with `df` degrees of freedom.
double student_t_975(std::size_t df);

}  // namespace hakari::metrics
