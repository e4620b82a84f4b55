// Deterministic pseudo-randomness: every "random" choice of the simulator (token text,
// answer length, jitter, ids) is a pure function of the seed and a few integers, so a run
// can be replayed exactly and no state is shared between requests.
#pragma once

#include <cstdint>

namespace hakari::sim {

// SplitMix64's finaliser: a fast bijective mix with good avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A hash of (seed, stream, index): `stream` separates independent uses (a salt per
// purpose, or a request ordinal), `index` the draws within one.
constexpr std::uint64_t seeded_hash(std::uint64_t seed, std::uint64_t stream,
                                    std::uint64_t index) noexcept {
  return mix64(mix64(mix64(seed) ^ stream) ^ index);
}

// Uniform in [0, 1) from the top 53 bits.
constexpr double unit_interval(std::uint64_t h) noexcept {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

// Salts that keep the uses of one seed independent of each other.
enum class Salt : std::uint64_t {
  token_text = 0x746F6B656E,
  answer_length = 0x6C656E677468,
  jitter = 0x6A6974746572,
  step_jitter = 0x73746570,
  response_id = 0x6964,
  logprob = 0x6C6F6770,
};

constexpr std::uint64_t salted(Salt salt, std::uint64_t ordinal) noexcept {
  return mix64(static_cast<std::uint64_t>(salt)) ^ ordinal;
}

}  // namespace hakari::sim
