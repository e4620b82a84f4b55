#include "hakari/sim/text_source.h"

#include "hakari/sim/seeded.h"
#include "hakari/sim/tokenizer.h"

namespace hakari::sim {
namespace {

struct WeightedPiece {
  std::string_view text;
  std::uint16_t weight;
};

// Pieces follow the tokenizer's rules, so generated text re-tokenizes to about as many
// tokens as were generated. Weights are per 1000 draws, roughly.
constexpr WeightedPiece kVocabulary[] = {
    {" the", 40}, {" of", 25},  {" and", 25}, {" to", 22},  {" a", 20},   {" in", 18},
    {" is", 15},  {" it", 12},  {" that", 12}, {" for", 10}, {" on", 9},   {" with", 9},
    {" as", 8},   {" was", 8},  {" be", 8},   {" by", 7},   {" this", 7}, {" are", 7},
    {" from", 6}, {" at", 6},   {" or", 6},   {" an", 6},   {" but", 5},  {" not", 5},
    {" all", 5},  {" can", 5},  {" will", 5}, {" one", 5},  {" more", 4}, {" time", 4},
    {" when", 4}, {" so", 4},   {" we", 4},   {" you", 4},  {" test", 4}, {" fast", 3},
    {" slow", 3}, {" GPU", 3},  {" byte", 3}, {" load", 3}, {" mode", 3}, {" data", 3},
    {" tok", 3},  {" 42", 2},   {" 2025", 2}, {"en", 6},    {"ing", 8},   {"ed", 6},
    {"er", 5},    {"tion", 5},  {"ly", 4},    {"s", 8},     {"al", 3},    {"ize", 2},
    {".", 30},    {",", 30},    {";", 3},     {":", 4},     {"!", 2},     {"?", 2},
    {"(", 2},     {")", 2},     {"-", 3},     {"\n", 12},   {"\"", 8},    {"'", 3},
    {"\\", 1},    {"/", 1},     {"\t", 1},    {"日", 4},    {"本", 4},    {"語", 4},
    {"測", 3},    {"る", 4},    {"の", 8},    {"は", 6},    {"に", 6},    {"を", 5},
    {"で", 5},    {"す", 5},    {"ま", 4},    {"た", 4},    {"が", 5},    {"と", 4},
    {"し", 4},    {"て", 4},    {"い", 4},    {"こ", 3},    {"れ", 3},    {"モ", 2},
    {"デ", 2},    {"ル", 2},    {"。", 6},    {"、", 6},    {"速", 2},    {"度", 2},
    {"é", 1},     {"ü", 1},     {"€", 1},     {"🙂", 1},
};

}  // namespace

TextSource::TextSource(std::uint64_t seed) : seed_(seed) {
  for (const WeightedPiece& wp : kVocabulary) {
    const auto index = static_cast<std::uint16_t>(pieces_.size());
    pieces_.push_back({wp.text, token_id(wp.text)});
    by_weight_.insert(by_weight_.end(), wp.weight, index);
  }
}

const Piece& TextSource::piece(std::uint64_t ordinal, std::int64_t index) const {
  const std::uint64_t h =
      seeded_hash(seed_, salted(Salt::token_text, ordinal), static_cast<std::uint64_t>(index));
  return pieces_[by_weight_[h % by_weight_.size()]];
}

const Piece& TextSource::candidate(std::uint64_t ordinal, std::int64_t index, int rank) const {
  if (rank == 0) return piece(ordinal, index);
  const std::uint64_t h = seeded_hash(seed_, salted(Salt::logprob, ordinal),
                                      static_cast<std::uint64_t>(index) * 64 + static_cast<std::uint64_t>(rank));
  return pieces_[h % pieces_.size()];
}

double TextSource::logprob(std::uint64_t ordinal, std::int64_t index, int rank) const {
  const std::uint64_t h =
      seeded_hash(seed_, salted(Salt::logprob, ordinal), static_cast<std::uint64_t>(index));
  // The chosen piece is fairly likely; each lower rank is less so.
  return -0.05 - 1.5 * unit_interval(h) - 1.25 * rank;
}

std::int64_t TextSource::natural_length(std::uint64_t ordinal, std::int64_t answer_tokens) const {
  if (answer_tokens <= 1) return 1;
  const std::uint64_t h = seeded_hash(seed_, salted(Salt::answer_length, ordinal), 0);
  const std::int64_t lo = answer_tokens / 2;
  const std::int64_t hi = answer_tokens + answer_tokens / 2;
  return lo + static_cast<std::int64_t>(h % static_cast<std::uint64_t>(hi - lo + 1));
}

std::string TextSource::response_id(std::uint64_t ordinal, std::string_view prefix, std::string_view alphabet,
                                    int length) const {
  std::string id(prefix);
  for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(length); ++i) {
    id += alphabet[seeded_hash(seed_, salted(Salt::response_id, ordinal), i) % alphabet.size()];
  }
  return id;
}

}  // namespace hakari::sim
