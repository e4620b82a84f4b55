#include "hakari/load/rate_curve.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "hakari/load/schedule.h"

namespace hakari::load {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The whole text as one finite number, or nullopt.
std::optional<double> number(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string number_text(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// A rounded count in plain digits ("864000000", not "8.64e+08") while it fits an int64.
std::string count_text(double v) {
  return std::abs(v) < 9e18 ? std::to_string(std::llround(v)) : number_text(v);
}

}  // namespace

RateCurve::RateCurve(std::vector<Point> points) : points_(std::move(points)) {}

RateCurve RateCurve::business_day() {
  return RateCurve({
      {0.0, 0.05},  {6.0, 0.05},   {7.5, 0.10},   {8.5, 0.25},  {9.0, 0.80},  {10.5, 0.80}, {11.75, 0.70},
      {12.0, 0.45}, {12.25, 0.30}, {12.75, 0.30}, {13.0, 0.50}, {13.5, 0.85}, {14.0, 1.00}, {15.0, 1.00},
      {16.0, 0.90}, {17.5, 0.80},  {18.5, 0.40},  {19.0, 0.20}, {21.0, 0.10}, {23.0, 0.05}, {24.0, 0.05},
  });
}

std::optional<RateCurve> RateCurve::parse(std::string_view text, std::string& error) {
  if (trim(text).empty()) {
    error = "rate curve is empty (expected hour:rate,hour:rate,...)";
    return std::nullopt;
  }
  std::vector<Point> points;
  std::size_t pos = 0;
  // Each pass consumes one point and its comma, so this ends within text.size() + 1 passes.
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = trim(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (points.size() == kMaxCurvePoints) {
      error = "rate curve has more than " + std::to_string(kMaxCurvePoints) + " points";
      return std::nullopt;
    }
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      error = "rate curve point \"" + std::string(item) + "\" is not hour:rate";
      return std::nullopt;
    }
    const std::string_view hour_text = trim(item.substr(0, colon));
    const std::string_view rate_text = trim(item.substr(colon + 1));
    const auto hour = number(hour_text);
    if (!hour || *hour < 0 || *hour > 24) {
      error = "rate curve hour \"" + std::string(hour_text) + "\" is not a number from 0 to 24";
      return std::nullopt;
    }
    const auto rate = number(rate_text);
    if (!rate || *rate < 0) {
      error = "rate curve rate \"" + std::string(rate_text) + "\" is not a number >= 0";
      return std::nullopt;
    }
    if (!points.empty() && *hour <= points.back().hour) {
      error = "rate curve hours must ascend: " + number_text(*hour) + " after " + number_text(points.back().hour);
      return std::nullopt;
    }
    points.push_back({*hour, *rate});
  }
  if (std::none_of(points.begin(), points.end(), [](const Point& p) { return p.rate > 0; })) {
    error = "rate curve has no rate above 0";
    return std::nullopt;
  }
  return RateCurve(std::move(points));
}

double RateCurve::at(double hour) const {
  hour = std::clamp(hour, 0.0, 24.0);
  if (hour <= points_.front().hour) return points_.front().rate;
  if (hour >= points_.back().hour) return points_.back().rate;
  // The first point after `hour`; it has a predecessor because hour > front().hour.
  const auto after = std::upper_bound(points_.begin(), points_.end(), hour,
                                      [](double h, const Point& p) { return h < p.hour; });
  const Point& b = *after;
  const Point& a = *(after - 1);
  return a.rate + (b.rate - a.rate) * (hour - a.hour) / (b.hour - a.hour);
}

double RateCurve::mean() const {
  // Flat before the first point and after the last, trapezoids between.
  double area = points_.front().rate * points_.front().hour + points_.back().rate * (24.0 - points_.back().hour);
  for (std::size_t i = 1; i < points_.size(); ++i) {
    area += 0.5 * (points_[i - 1].rate + points_[i].rate) * (points_[i].hour - points_[i - 1].hour);
  }
  return area / 24.0;
}

double RateCurve::peak() const {
  double best = 0;
  for (const Point& p : points_) best = std::max(best, p.rate);
  return best;
}

std::vector<Nanos> curve_arrivals(const RateCurve& curve, double peak_rate_rps, Nanos length, std::uint64_t seed) {
  if (!std::isfinite(peak_rate_rps) || peak_rate_rps <= 0) {
    throw std::invalid_argument("peak rate " + number_text(peak_rate_rps) + " is not a number above 0");
  }
  if (length <= 0) throw std::invalid_argument("a rate curve needs a length above 0");
  const double candidates = peak_rate_rps * to_s(length);
  if (candidates > static_cast<double>(kMaxScheduleEntries)) {
    throw std::invalid_argument("a rate curve of about " + count_text(candidates) +
                                " candidate requests (peak rate x length) is more than the " +
                                std::to_string(kMaxScheduleEntries) + " allowed");
  }
  const double peak = curve.peak();
  const double mean_gap_ns = 1e9 / peak_rate_rps;
  const double length_ns = static_cast<double>(length);
  SplitMix64 rng(seed);
  std::vector<Nanos> times;
  times.reserve(static_cast<std::size_t>(candidates * curve.mean() / peak * 1.01 + 64));
  double t_ns = 0;
  // Candidates average peak_rate * length, at most 1e8; the hard bound is 50% above that
  // cap plus slack, odds of reaching it are nil, and it keeps the loop finite regardless.
  const auto max_candidates = static_cast<std::int64_t>(candidates * 1.5) + 10'000;
  for (std::int64_t i = 0; i < max_candidates; ++i) {
    t_ns += -std::log(draw_open_unit(rng)) * mean_gap_ns;
    const auto at = static_cast<Nanos>(std::llround(t_ns));
    if (at >= length) break;
    // Two draws per candidate always, so a kept one does not shift later candidates.
    const double keep = draw_unit(rng);
    if (keep * peak < curve.at(t_ns / length_ns * 24.0)) times.push_back(at);
  }
  return times;
}

}  // namespace hakari::load
