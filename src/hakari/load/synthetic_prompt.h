// Prompts of a requested length, made from words that are one token in the common BPE
// vocabularies (Llama, Qwen, GPT), so "--prompt-tokens 512" lands near 512 on a real
// server. Each request's prompt is different from its first token on, so no server can
// answer it from a prefix cache. The server's own count is what gets recorded.
#pragma once

#include <cstdint>
#include <string>

namespace hakari::load {

class SyntheticPrompts {
 public:
  explicit SyntheticPrompts(std::uint64_t seed) : seed_(seed) {}

  // About `tokens` tokens; deterministic in (seed, index).
  std::string make(std::int64_t index, std::int64_t tokens) const;

 private:
  std::uint64_t seed_;
};

// splitmix64: a small, well-mixed, reproducible generator for load and prompt choices.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t state_;
};

}  // namespace hakari::load
