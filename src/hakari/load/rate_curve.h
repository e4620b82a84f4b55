// A relative arrival-rate curve over one day, for the `business` profile: the shape of a
// day's traffic, compressed into any run length and scaled to any peak rate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hakari/core/clock.h"

namespace hakari::load {

inline constexpr std::size_t kMaxCurvePoints = 1000;

class RateCurve {
 public:
  struct Point {
    double hour;  // 0..24
    double rate;  // relative, >= 0
  };

  // A working day at a Japanese office (hour: relative rate, linear between points):
  //   00:00 0.05  night: batch jobs and the odd night owl
  //   06:00 0.05
  //   07:30 0.10  early starters
  //   08:30 0.25  the ramp as people sit down
  //   09:00 0.80  the morning high (mail, planning, the first questions of the day)
  //   10:30 0.80
  //   11:45 0.70
  //   12:00 0.45  lunch 12:00-13:00
  //   12:15 0.30
  //   12:45 0.30
  //   13:00 0.50
  //   13:30 0.85
  //   14:00 1.00  the day's peak, 14:00-15:00
  //   15:00 1.00
  //   16:00 0.90
  //   17:30 0.80  the evening decline after 17:30
  //   18:30 0.40
  //   19:00 0.20  low after 19:00 (overtime)
  //   21:00 0.10
  //   23:00 0.05
  //   24:00 0.05
  // Peak 1; mean() is about 0.365 (a day at the peak rate sends ~2.7 times as much).
  static RateCurve business_day();

  // "hour:rate,hour:rate,..." with hours from 0 to 24 strictly ascending (decimal hours:
  // 8.5 is 08:30), rates >= 0 and at least one above 0; spaces around numbers are
  // ignored. Before the first point and after the last the curve holds their rates. On
  // failure returns nullopt and sets `error`:
  //   rate curve is empty (expected hour:rate,hour:rate,...)
  //   rate curve point "<point>" is not hour:rate
  //   rate curve hour "<hour>" is not a number from 0 to 24
  //   rate curve rate "<rate>" is not a number >= 0
  //   rate curve hours must ascend: <hour> after <previous>
  //   rate curve has no rate above 0
  //   rate curve has more than 1000 points
  static std::optional<RateCurve> parse(std::string_view text, std::string& error);

  double at(double hour) const;  // linear between points; hour clamped to 0..24
  double mean() const;           // the average of at() over the 24 hours (exact, by trapezoids)
  double peak() const;           // the highest rate of any point
  const std::vector<Point>& points() const { return points_; }

 private:
  explicit RateCurve(std::vector<Point> points);
  std::vector<Point> points_;
};

// Arrivals of a non-homogeneous Poisson process whose rate follows the curve, the 24 hours
// compressed into `length`, scaled so that the curve's peak() is `peak_rate_rps` (so
// about mean()/peak() * peak_rate_rps * length arrivals in all). Drawn by thinning
// (Lewis & Shedler): candidates at the peak rate, each kept with probability
// at(hour)/peak(). Seeded and reproducible like arrival_times; times ascend and lie in
// [0, length). Throws std::invalid_argument unless peak_rate_rps is a finite number above
// 0, length > 0, and peak_rate_rps * length is at most 100 million candidates.
std::vector<Nanos> curve_arrivals(const RateCurve& curve, double peak_rate_rps, Nanos length, std::uint64_t seed);

}  // namespace hakari::load
