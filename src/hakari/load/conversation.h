// A scripted multi-turn conversation for the `chat` workload, with a context-retention
// check: turn 1 gives a fact, the middle turns ask for short pieces of writing that never
// mention it, and the last turn asks for it back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::load {

struct ConversationScript {
  std::vector<std::string> user_turns;  // user_turns.size() == turns
  std::string fact;                     // a code word and a number, "ORCHID-4471": not guessable
};

// Deterministic in (seed, turns, lang). turns >= 2; lang "en" or "ja" (the fact is ASCII
// in both). Throws std::invalid_argument otherwise.
ConversationScript make_conversation(std::uint64_t seed, int turns, std::string_view lang);

// The answer names the fact: ASCII case is ignored, full-width letters and digits count
// as ASCII, and the word and the number may be apart by a space, a hyphen of any kind or
// nothing ("orchid 4471", "ＯＲＣＨＩＤ－４４７１"); a longer number ("ORCHID-44712") does not count.
bool recalls_fact(std::string_view answer, const ConversationScript& script);

}  // namespace hakari::load
