// Ollama's OpenAI-compatible /v1 routes, as its middleware turns native replies into
// OpenAI objects (Go structs, in their field order): every chat chunk's delta names the
// role, the last carries content "" and the finish reason, and with include_usage a copy
// of it with "choices":[] and usage follows; system_fingerprint "fp_ollama". Every
// function appends one JSON document to `out`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hakari/sim/render_common.h"

namespace hakari::sim::ollama::v1 {

// `finish_reason` empty: null (every chunk but the last).
void chat_chunk(std::string& out, const ResponseIdentity& r, std::string_view text, std::string_view finish_reason);
// `zero_usage`: include_usage was asked, and Ollama puts an all-zero usage on every chunk.
void completion_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason, bool zero_usage);
void chat_usage_chunk(std::string& out, const ResponseIdentity& r, const Usage& usage);
void completion_usage_chunk(std::string& out, const ResponseIdentity& r, const Usage& usage);

void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage);
void completion_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                         std::string_view finish_reason, const Usage& usage);

struct ModelEntry {
  std::string_view name;       // "hakari-sim:latest"
  std::int64_t created = 0;    // unix seconds it was modified
};
// {"object":"list","data":[{id,object:"model",created,owned_by}]}; owned_by is the name's
// namespace, "library" when it has none.
void models(std::string& out, std::span<const ModelEntry> models);

// {"error":{"message","type","param":null,"code":null}}: invalid_request_error (400),
// not_found_error (404), api_error (anything else).
void error_body(std::string& out, int status, std::string_view message);

}  // namespace hakari::sim::ollama::v1
