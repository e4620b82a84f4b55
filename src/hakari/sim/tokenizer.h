// A deterministic toy tokenizer, shared by prompt counting, /tokenize and /detokenize, so a
// client that counts tokens through the simulator's own endpoints gets consistent numbers.
//
// A token is one of: a space followed by a run of up to 8 ASCII letters/digits (common
// English words are one token in real vocabularies too); a run of up to 8 ASCII
// letters/digits; any other single ASCII character; one non-ASCII UTF-8 code point (so
// Japanese text is one token per character); or one byte of invalid UTF-8.
// Ids are a stable hash of the piece into [3, 32000); 0-2 stay free like real vocabularies'
// special tokens.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hakari/core/function_ref.h"

namespace hakari::sim {

inline constexpr std::int32_t kVocabSize = 32000;
inline constexpr std::int32_t kBosId = 1;
inline constexpr std::int32_t kEosId = 2;

// Calls `fn` with each piece of `text`, in order.
void split_tokens(std::string_view text, FunctionRef<void(std::string_view)> fn);

std::int64_t count_tokens(std::string_view text);

std::int32_t token_id(std::string_view piece);

// True when the piece is valid UTF-8 (what /tokenize shows as a string, not bytes).
bool is_valid_utf8(std::string_view piece);

// Maps ids back to pieces for /detokenize. Ids are hashes, so it can only know the pieces
// it has seen: the generation vocabulary and what /tokenize was asked about (bounded).
class PieceTable {
 public:
  void remember(std::string_view piece);
  // Unknown ids contribute nothing, BOS and EOS render as llama.cpp's "<s>" and "</s>".
  std::string detokenize(std::span<const std::int64_t> ids) const;

 private:
  static constexpr std::size_t kMaxPieces = 1 << 16;
  std::unordered_map<std::int32_t, std::string> pieces_;
};

}  // namespace hakari::sim
