// Short prompts that ask for a long story, for the `story` workload (a short prompt and a
// long, exactly sized answer).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hakari::load {

// A natural prompt in "en" or "ja" asking for a long, detailed story; the topic, the
// setting and the telling vary with `index` (780 distinct prompts before one repeats).
// Throws std::invalid_argument for another language.
std::string story_prompt(std::string_view lang, std::uint64_t index);

}  // namespace hakari::load
