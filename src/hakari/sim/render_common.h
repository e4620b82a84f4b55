// Pieces every protocol renderer shares: the identity of a response, its usage, llama.cpp's
// timings object and per-token probabilities. Renderers append compact JSON to a caller's
// buffer; framing (SSE, NDJSON, HTTP chunks) is added by the caller.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hakari/core/json_writer.h"

namespace hakari::sim {

// Fields repeated on every OpenAI-style chunk of one response.
struct ResponseIdentity {
  std::string_view id;           // "chatcmpl-…"
  std::int64_t created = 0;      // unix seconds
  std::string_view model;
  std::string_view fingerprint;  // system_fingerprint: the build string
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

// llama.cpp's per-request timings (milliseconds).
struct Timings {
  std::int64_t prompt_n = 0;
  double prompt_ms = 0;
  std::int64_t predicted_n = 0;
  double predicted_ms = 0;
};

void write_usage(JsonWriter& w, const Usage& u);
void write_timings(JsonWriter& w, const Timings& t);

struct TokenCandidate {
  std::string_view text;
  std::int32_t id = 0;
  double logprob = 0;
};

// One position's probabilities as llama.cpp reports them (n_probs / logprobs):
// {"id","token","bytes","logprob","top_logprobs":[...]}; `top[0]` is the chosen token.
void append_token_probs(std::string& out, std::span<const TokenCandidate> top);

}  // namespace hakari::sim
