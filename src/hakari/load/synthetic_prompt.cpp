#include "hakari/load/synthetic_prompt.h"

#include <array>
#include <string_view>

namespace hakari::load {
namespace {

// Frequent English words: each is a single token (with its leading space) in the
// Llama-3, Qwen2/3 and GPT-4 tokenizers.
constexpr std::array<std::string_view, 96> kWords{
    "the",   "of",    "and",   "to",    "in",    "is",    "that",  "for",   "it",    "as",
    "was",   "with",  "be",    "by",    "on",    "not",   "he",    "this",  "are",   "or",
    "his",   "from",  "at",    "which", "but",   "have",  "an",    "had",   "they",  "you",
    "were",  "their", "one",   "all",   "we",    "can",   "her",   "has",   "there", "been",
    "if",    "more",  "when",  "will",  "would", "who",   "so",    "no",    "time",  "people",
    "year",  "way",   "day",   "man",   "thing", "woman", "life",  "child", "world", "school",
    "state", "family", "group", "country", "problem", "hand", "part", "place", "case", "week",
    "company", "system", "program", "question", "work", "number", "night", "point", "home", "water",
    "room",  "mother", "area",  "money", "story", "fact",  "month", "lot",   "right", "study",
    "book",  "eye",   "job",   "word",  "business", "issue"};

constexpr std::string_view kInstruction = "Write a long story that uses these words:";

}  // namespace

std::string SyntheticPrompts::make(std::int64_t index, std::int64_t tokens) const {
  SplitMix64 rng(seed_ ^ (static_cast<std::uint64_t>(index) * 0x9E3779B97F4A7C15ull));
  std::string out;
  out.reserve(static_cast<std::size_t>(tokens) * 7 + 64);
  // A distinct opening word pair makes every prompt differ at its first tokens.
  out.append(kWords[rng.below(kWords.size())]);
  out.push_back(' ');
  out.append(kWords[rng.below(kWords.size())]);
  out.append(". ");
  out.append(kInstruction);
  // The opening, the instruction (8 tokens) and the period come to about 11 tokens.
  constexpr std::int64_t kFixedTokens = 11;
  for (std::int64_t i = kFixedTokens; i < tokens; ++i) {
    out.push_back(' ');
    out.append(kWords[rng.below(kWords.size())]);
  }
  return out;
}

}  // namespace hakari::load
