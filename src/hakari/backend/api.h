// The API families hakari speaks, and what each can and cannot do.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::backend {

enum class ApiKind {
  openai_chat,          // POST /v1/chat/completions (vLLM, llama.cpp, Ollama, LM Studio)
  openai_completions,   // POST /v1/completions
  ollama_chat,          // POST /api/chat, NDJSON
  ollama_generate,      // POST /api/generate, NDJSON
  llamacpp_completion,  // POST /completion, SSE ending on "stop":true
};

enum class Framing { sse, ndjson };

std::string_view api_name(ApiKind api);
// Accepts the names above and the short forms `openai`, `ollama`, `llamacpp`.
std::optional<ApiKind> parse_api(std::string_view name);
// The names `--api` accepts, for help and error messages.
std::string api_choices();

std::string_view endpoint_path(ApiKind api);
Framing framing(ApiKind api);

// How this API lets a client force the exact output length, or "" when it cannot
// (Ollama's num_predict only caps the length).
std::string_view length_forcing_method(ApiKind api);

}  // namespace hakari::backend
