// One clock for everything a run measures: CLOCK_MONOTONIC in int64 nanoseconds.
// It is shared by every process on the host, so the simulator's emission times and the
// client's arrival times can be compared directly.
#pragma once

#include <cstdint>
#include <ctime>

namespace hakari {

using Nanos = std::int64_t;

inline constexpr Nanos kNanosPerMilli = 1'000'000;
inline constexpr Nanos kNanosPerSecond = 1'000'000'000;
inline constexpr Nanos kNever = INT64_MAX;

inline Nanos now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

inline Nanos wall_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

inline constexpr double to_ms(Nanos ns) noexcept { return static_cast<double>(ns) / 1e6; }
inline constexpr double to_s(Nanos ns) noexcept { return static_cast<double>(ns) / 1e9; }
inline constexpr Nanos from_ms(double ms) noexcept { return static_cast<Nanos>(ms * 1e6); }

// Pairs a monotonic instant with the wall clock, taken back to back, so monotonic times
// stored with a run can be shown as dates.
struct ClockAnchor {
  Nanos mono_ns = 0;
  Nanos wall_ns = 0;
  static ClockAnchor now() noexcept { return {now_ns(), wall_now_ns()}; }
  Nanos to_wall(Nanos mono) const noexcept { return wall_ns + (mono - mono_ns); }
};

}  // namespace hakari
