// When to send: precomputed, seeded arrival schedules (MLPerf LoadGen style).
//
// The whole schedule of a level is drawn before the first request goes out, from a seed
// alone. Latency is then measured from each request's *scheduled* time, so a server that
// falls behind cannot hide its queueing by slowing the client down (coordinated
// omission). Because the schedule depends on nothing but (spec, count or duration), N
// machines that each take one interleaved shard of it together send exactly the
// single-machine schedule.
//
// Every draw comes from SplitMix64 and this file's own samplers (never <random>'s
// distributions, whose output differs between standard libraries), so the same seed gives
// the same schedule on every machine built from this code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/load/synthetic_prompt.h"

namespace hakari::load {

// The most entries one schedule may hold (about 800 MB of times); more is refused, not
// allocated.
inline constexpr std::int64_t kMaxScheduleEntries = 100'000'000;

// Uniform in [0, 1) from the top 53 bits of one draw: every double step is equally
// likely, unlike `next() % n` or a division by 2^64 that rounds up to 1.
inline double draw_unit(SplitMix64& rng) {
  return static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
}
// Uniform in (0, 1]: safe to take the logarithm of.
inline double draw_open_unit(SplitMix64& rng) { return 1.0 - draw_unit(rng); }

enum class ArrivalKind { constant, poisson, gamma };

// "constant" | "poisson" | "gamma"; nullopt for anything else.
std::optional<ArrivalKind> parse_arrival(std::string_view name);
std::string_view arrival_name(ArrivalKind kind);

struct ArrivalSpec {
  ArrivalKind kind = ArrivalKind::poisson;
  double rate_rps = 1;      // mean requests per second, > 0
  double burstiness = 1.0;  // gamma only: the shape k (vLLM's --burstiness): 1 = Poisson,
                            // < 1 burstier, > 1 more regular; the mean gap stays 1/rate and
                            // the gaps' coefficient of variation is 1/sqrt(k)
  std::uint64_t seed = 0;
};

// Send times in ns from the start of the level, ascending (equal times are possible for
// bursty gamma), for requests 0..count-1 when count > 0 (duration is then ignored), or for
// every request scheduled strictly before `duration` when count == 0 (duration > 0).
//
// constant: request i at round(i * 1e9 / rate), so the first is at 0 and rounding never
//           accumulates into drift.
// poisson:  exponential gaps; the first request is at the first drawn gap.
// gamma:    gamma(k, 1/(k*rate)) gaps, first at the first gap; k == 1 is exactly the
//           poisson schedule of the same seed.
//
// Throws std::invalid_argument, with the reason, for a rate that is not a finite number
// above 0, a burstiness that is not a finite number above 0, a negative count, count == 0
// with duration <= 0, more than kMaxScheduleEntries entries, or a schedule that would run
// past about 146 years.
std::vector<Nanos> arrival_times(const ArrivalSpec& spec, std::int64_t count, Nanos duration);

// One entry of a shard: its index in the whole schedule and its send time.
struct ScheduledIndex {
  std::int64_t index;
  Nanos at;
  friend bool operator==(const ScheduledIndex&, const ScheduledIndex&) = default;
};

// The shard_index-th of shard_count interleaved shards of one schedule: the entries whose
// index % shard_count == shard_index, keeping their indices and times. Interleaving (not
// contiguous blocks) gives every machine the same rate over the whole level; the union of
// all shards, sorted by index, is exactly the schedule. Throws std::invalid_argument unless
// 0 <= shard_index < shard_count.
std::vector<ScheduledIndex> shard(const std::vector<Nanos>& times, int shard_index, int shard_count);

inline constexpr int kMaxShardCount = 10'000;

// "I/N" with 0 <= I < N and 1 <= N <= 10000 (e.g. a Kubernetes Indexed Job's index and
// completions). On failure returns nullopt and sets `error`:
//   shard "<text>" is not I/N (e.g. 0/4)
//   shard count <N> is not 1 to 10000
//   shard index <I> is not below the shard count <N>
std::optional<std::pair<int, int>> parse_shard(std::string_view text, std::string& error);

// The levels of a ramp to saturation: start, start+step, start+2*step, ... (linear) or
// start, start*factor, start*factor^2, ... (geometric), every level <= max (max itself
// when the ramp lands on it; it is not appended otherwise). Each level is computed from
// its position, not by repeated addition, and rounded to 12 significant digits, so
// 0.1-steps read 0.3, not 0.30000000000000004, and a ramp to 1.0 ends at 1.0.
// Throws std::invalid_argument unless start > 0, max >= start, step > 0 (linear) or
// factor > 1 (geometric), all finite, and the ramp has at most 10,000 levels.
std::vector<double> ramp_levels(double start, double step_or_factor, bool geometric, double max);

inline constexpr std::size_t kMaxRampLevels = 10'000;

// A ramp written as a range: "1..64x2" (1, 2, 4, … 64: each level times 2) or "2..20+2"
// (2, 4, … 20: each level plus 2). nullopt with the mistake in `error`.
std::optional<std::vector<double>> parse_level_range(std::string_view text, std::string& error);

}  // namespace hakari::load
