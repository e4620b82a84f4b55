// Finds out what is listening at a URL: which serving tool, which version, which models,
// and which API to drive it with.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hakari/backend/api.h"
#include "hakari/core/clock.h"

namespace hakari::backend {

struct ServerInfo {
  std::string base_url;
  std::string kind;  // llama.cpp | ollama | vllm | lmstudio | openai-compatible
  std::string version;
  std::vector<std::string> models;  // as the server names them
  // Model file sizes the server reports (llama.cpp /v1/models meta.size, Ollama /api/tags
  // size), by model name: the bytes a dense model reads per decode step.
  std::map<std::string, std::int64_t> model_bytes;
  std::string model_path;           // llama.cpp /props
  std::optional<int> total_slots;   // llama.cpp /props
  std::string server_header;
  bool simulated = false;  // the server is `hakari sim`
  ApiKind suggested_api = ApiKind::openai_chat;
};

// "http://host:8000/v1/" -> "http://host:8000". Returns nullopt (with `error` set) when the
// URL is not an http(s) URL.
std::optional<std::string> normalize_base_url(const std::string& url, std::string& error);

// Asks the server a few cheap questions. Returns nullopt with a one-line `error` when the
// target cannot be reached or speaks none of the known APIs.
std::optional<ServerInfo> probe_server(const std::string& base_url, Nanos timeout,
                                       const std::vector<std::string>& headers, std::string& error);

}  // namespace hakari::backend
