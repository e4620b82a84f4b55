#include "hakari/sim/tokenizer.h"

namespace hakari::sim {
namespace {

constexpr std::size_t kMaxRun = 8;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  std::uint32_t min_cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1Fu, min_cp = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0Fu, min_cp = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07u, min_cp = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

std::size_t alnum_run(std::string_view s, std::size_t i) {
  std::size_t n = 0;
  while (i + n < s.size() && n < kMaxRun && is_alnum(s[i + n])) ++n;
  return n;
}

// Length of the piece starting at s[i] (always >= 1).
std::size_t piece_length(std::string_view s, std::size_t i) {
  const char c = s[i];
  if (c == ' ' && i + 1 < s.size() && is_alnum(s[i + 1])) return 1 + alnum_run(s, i + 1);
  if (is_alnum(c)) return alnum_run(s, i);
  if (static_cast<unsigned char>(c) < 0x80) return 1;
  const std::size_t n = utf8_length(s, i);
  return n == 0 ? 1 : n;
}

}  // namespace

void split_tokens(std::string_view text, FunctionRef<void(std::string_view)> fn) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = piece_length(text, i);
    fn(text.substr(i, n));
    i += n;
  }
}

std::int64_t count_tokens(std::string_view text) {
  std::int64_t n = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    i += piece_length(text, i);
    ++n;
  }
  return n;
}

std::int32_t token_id(std::string_view piece) {
  // FNV-1a: stable across runs, platforms and builds.
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : piece) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return 3 + static_cast<std::int32_t>(h % static_cast<std::uint64_t>(kVocabSize - 3));
}

bool is_valid_utf8(std::string_view piece) {
  std::size_t i = 0;
  while (i < piece.size()) {
    if (static_cast<unsigned char>(piece[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(piece, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void PieceTable::remember(std::string_view piece) {
  if (pieces_.size() >= kMaxPieces) return;
  pieces_.try_emplace(token_id(piece), piece);
}

std::string PieceTable::detokenize(std::span<const std::int64_t> ids) const {
  std::string out;
  for (std::int64_t id : ids) {
    if (id == kBosId) {
      out += "<s>";
    } else if (id == kEosId) {
      out += "</s>";
    } else if (id >= 0 && id < kVocabSize) {
      auto it = pieces_.find(static_cast<std::int32_t>(id));
      if (it != pieces_.end()) out += it->second;
    }
  }
  return out;
}

}  // namespace hakari::sim
