// What the simulated model "says": one vocabulary piece per generated token, chosen by the
// seed and the request ordinal, and how long an answer runs before EOS.
//
// The vocabulary is mostly English word pieces with leading spaces, with Japanese
// characters, punctuation, a newline, a double quote, a backslash and an emoji mixed in,
// so clients' UTF-8 handling and JSON unescaping are exercised on every run.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::sim {

struct Piece {
  std::string_view text;
  std::int32_t id = 0;  // token_id(text)
};

class TextSource {
 public:
  explicit TextSource(std::uint64_t seed);

  // The piece of token `index` of generation request `ordinal`.
  const Piece& piece(std::uint64_t ordinal, std::int64_t index) const;

  // The rank-th best alternative at that position (rank 0 is the chosen piece) and its
  // log-probability, for n_probs / logprobs output. Log-probabilities fall with rank.
  const Piece& candidate(std::uint64_t ordinal, std::int64_t index, int rank) const;
  double logprob(std::uint64_t ordinal, std::int64_t index, int rank) const;

  // Tokens until a natural EOS: uniform in [answer_tokens/2, 3*answer_tokens/2], >= 1.
  std::int64_t natural_length(std::uint64_t ordinal, std::int64_t answer_tokens) const;

  // `prefix` followed by `length` characters drawn from `alphabet`; by default 32 letters
  // and digits, like llama.cpp's completion ids.
  static constexpr std::string_view kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string response_id(std::uint64_t ordinal, std::string_view prefix, std::string_view alphabet = kIdAlphabet,
                          int length = 32) const;

  std::span<const Piece> vocabulary() const { return pieces_; }

 private:
  std::uint64_t seed_;
  std::vector<Piece> pieces_;
  std::vector<std::uint16_t> by_weight_;  // one entry per unit of weight: an index into pieces_
};

}  // namespace hakari::sim
