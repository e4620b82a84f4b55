// Generation requests as the five API routes send them, parsed from untrusted JSON into
// the few facts the simulator acts on. Unknown fields are ignored, as the real servers
// ignore them; known fields of the wrong type are rejected with the field's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "hakari/sim/tokenizer.h"

namespace hakari::sim {

enum class Api {
  openai_chat,         // POST /v1/chat/completions, in the persona's OpenAI dialect
  openai_completions,  // POST /v1/completions
  llamacpp,            // POST /completion (llama.cpp native)
  ollama_chat,         // POST /api/chat
  ollama_generate,     // POST /api/generate
};

constexpr bool is_ollama(Api api) { return api == Api::ollama_chat || api == Api::ollama_generate; }

// Prompt accounting of the toy chat template: each message is wrapped in role markers,
// and the assistant's turn is opened at the end (plus BOS on text prompts).
inline constexpr std::int64_t kTokensPerMessage = 4;
inline constexpr std::int64_t kAssistantPrimerTokens = 3;

struct GenRequest {
  std::string model;            // as requested; empty when not given
  bool stream = false;
  bool include_usage = false;   // stream_options.include_usage
  std::int64_t max_tokens = -1; // -1: no cap
  bool ignore_eos = false;
  std::int64_t min_tokens = 0;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  std::int64_t prompt_tokens = 0;
  bool truncated = false;       // the prompt was shortened to fit the context (llama.cpp b5601)
  std::string prompt_echo;      // llama.cpp native reports the prompt it evaluated
  int n_probs = 0;              // candidates per token to report (0 = none)
  bool load_only = false;       // Ollama: no prompt / no messages = load the model
  bool unload = false;          // Ollama: load_only with keep_alive 0
};

struct BodyError {
  bool bad_json = false;  // the body is not JSON (vs JSON with a wrong field)
  std::string message;
};

// Parses `body` for `api`. `pieces` turns prompt token ids back into text for the echo.
bool parse_gen_request(Api api, std::string_view body, simdjson::dom::parser& parser,
                       const PieceTable& pieces, GenRequest& out, BodyError& error);

}  // namespace hakari::sim
