#include "hakari/backend/api.h"

#include <array>
#include <utility>

namespace hakari::backend {
namespace {

constexpr std::array<std::pair<ApiKind, std::string_view>, 5> kNames{{
    {ApiKind::openai_chat, "openai-chat"},
    {ApiKind::openai_completions, "openai-completions"},
    {ApiKind::ollama_chat, "ollama-chat"},
    {ApiKind::ollama_generate, "ollama-generate"},
    {ApiKind::llamacpp_completion, "llamacpp"},
}};

}  // namespace

std::string_view api_name(ApiKind api) {
  for (const auto& [k, n] : kNames) {
    if (k == api) return n;
  }
  return "unknown";
}

std::optional<ApiKind> parse_api(std::string_view name) {
  if (name == "openai") return ApiKind::openai_chat;
  if (name == "ollama") return ApiKind::ollama_chat;
  if (name == "llamacpp-completion" || name == "llama.cpp") return ApiKind::llamacpp_completion;
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string api_choices() {
  std::string s = "auto, openai, ollama";
  for (const auto& [k, n] : kNames) {
    s += ", ";
    s += n;
  }
  return s;
}

std::string_view endpoint_path(ApiKind api) {
  switch (api) {
    case ApiKind::openai_chat: return "/v1/chat/completions";
    case ApiKind::openai_completions: return "/v1/completions";
    case ApiKind::ollama_chat: return "/api/chat";
    case ApiKind::ollama_generate: return "/api/generate";
    case ApiKind::llamacpp_completion: return "/completion";
  }
  return "/";
}

Framing framing(ApiKind api) {
  return api == ApiKind::ollama_chat || api == ApiKind::ollama_generate ? Framing::ndjson : Framing::sse;
}

std::string_view length_forcing_method(ApiKind api) {
  switch (api) {
    case ApiKind::openai_chat:
    case ApiKind::openai_completions: return "ignore_eos+min_tokens";
    case ApiKind::llamacpp_completion: return "ignore_eos";
    case ApiKind::ollama_chat:
    case ApiKind::ollama_generate: return "";
  }
  return "";
}

}  // namespace hakari::backend
