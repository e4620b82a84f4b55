// Turns one generation request into the body each API expects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hakari/backend/api.h"

namespace hakari::backend {

struct GenerationParams {
  std::string model;   // may be empty where the server ignores it (llama.cpp)
  std::string prompt;  // one user turn (chat APIs) or raw text (completion APIs)
  std::int64_t max_tokens = 128;
  // Ask the server to generate exactly max_tokens (ignore EOS) where the API allows it.
  bool force_length = true;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  bool stream = true;
};

// The JSON body for `api`, written into `out` (cleared first).
void build_body(ApiKind api, const GenerationParams& params, std::string& out);

}  // namespace hakari::backend
