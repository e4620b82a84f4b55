// One metric measured in N repetitions of a cell: how far the repetitions agree. The
// interval is of the mean across repetitions (Student's t, as stats.h's describe()), and
// a high coefficient of variation flags the figure as noisy, to be said beside it.
#pragma once

#include <vector>

namespace hakari::metrics {

struct RepetitionStats {
  int n = 0;  // finite values used (NaN/inf repetitions, i.e. not measured, are left out)
  // NaN when n == 0; stdev, ci95_* and cv are NaN when n < 2 (stats.h's convention).
  double mean = 0, stdev = 0, ci95_low = 0, ci95_high = 0;  // sample stdev; 95 % CI of the mean
  double cv = 0;        // stdev / |mean|; +inf when the mean is 0 and the values differ
  bool noisy = false;   // cv > noisy_cv: the repetitions disagree; say so beside the number
};

RepetitionStats across_repetitions(const std::vector<double>& values, double noisy_cv = 0.10);

}  // namespace hakari::metrics
