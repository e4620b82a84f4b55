// Turns one generation request into the body each API expects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <vector>

#include "hakari/backend/api.h"
#include "hakari/core/message.h"

namespace hakari::backend {

struct GenerationParams {
  std::string model;   // may be empty where the server ignores it (llama.cpp)
  // The conversation so far, ending with the user's turn. Chat APIs get it as messages;
  // completion APIs get one user message as its raw text, and a longer conversation as a
  // plain transcript (no chat template: use a chat API for real multi-turn numbers).
  std::vector<Message> messages;
  std::int64_t max_tokens = 128;
  // Ask the server to generate exactly max_tokens (ignore EOS) where the API allows it.
  bool force_length = true;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  bool stream = true;
};

// The JSON body for `api`, written into `out` (cleared first).
void build_body(ApiKind api, const GenerationParams& params, std::string& out);

// What a completion API is sent for `messages`: the only user message's text as it is, or
// "System: …\n\nUser: …\n\nAssistant: …\n\nUser: …\n\nAssistant:".
void flatten_messages(const std::vector<Message>& messages, std::string& out);

}  // namespace hakari::backend
