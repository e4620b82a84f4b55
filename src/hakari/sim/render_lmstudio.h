// LM Studio's responses: the native REST routes (0.4.0+ /api/v1, legacy /api/v0) with the
// model lists and their load state, the load and unload replies and the native error
// object; the OpenAI-compatible /v1 routes in the standard OpenAI shapes (usage-only last
// chunk since 0.3.18); and its answer to an unknown route (HTTP 200 and an error).
// Key order follows LM Studio's documentation. Every function appends one JSON document.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hakari/sim/render_common.h"

namespace hakari::sim::lmstudio {

// The one model the simulator has on disk.
struct ModelDesc {
  std::string_view key;             // "hakari-sim": what load requests name
  std::int64_t size_bytes = 0;
  std::string_view params_string;   // "32.7B"
  std::int64_t max_context_length = 0;
  int parallel = 0;                 // the simulator's slots (0: unlimited)
};

// One loaded instance of it.
struct Instance {
  std::string_view id;              // "hakari-sim", then "hakari-sim:2", …
  std::int64_t context_length = 0;
};

// GET /api/v1/models: {"models":[{type,key,display_name,…,loaded_instances[…],…}]}
void models_v1(std::string& out, const ModelDesc& m, std::span<const Instance> loaded);
// GET /api/v0/models: {"object":"list","data":[{id,…,state:"loaded"|"not-loaded",…}]}
void models_v0(std::string& out, const ModelDesc& m, bool loaded);
// POST /api/v1/models/load: {"type":"llm","instance_id":…,"load_time_seconds":…,
// "status":"loaded"}, plus "load_config" when the request asked for it (echo_load_config).
void load_reply(std::string& out, const ModelDesc& m, const Instance& instance, double load_time_seconds,
                bool echo_load_config);
// POST /api/v1/models/unload: {"instance_id":…}
void unload_reply(std::string& out, std::string_view instance_id);
// {"error":{"type":…,"message":…}}: type is "invalid_request", "model_not_found", …
void error_body(std::string& out, std::string_view type, std::string_view message);

// GET /v1/models: {"data":[{id,object:"model",owned_by:"organization_owner"}],"object":"list"}
void openai_models(std::string& out, std::string_view key);
// OpenAI chat chunks: every token's delta names the role; the last chunk has delta {} and
// the finish reason (`finish_reason` empty: null). system_fingerprint is the model.
void chat_chunk(std::string& out, const ResponseIdentity& r, std::string_view text, std::string_view finish_reason);
void completion_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason);
// The last chunk before [DONE] when usage was asked for: "choices":[] and usage.
void usage_chunk(std::string& out, const ResponseIdentity& r, std::string_view object, const Usage& usage);
void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage);
void completion_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                         std::string_view finish_reason, const Usage& usage);
// The OpenAI routes' errors: {"error":{"message","type","param":null,"code":null}}.
void openai_error(std::string& out, int status, std::string_view message);
// Any route it does not have: {"error":"Unexpected endpoint or method. (GET /x)"}, under 200.
void unexpected_endpoint(std::string& out, std::string_view method, std::string_view path);

}  // namespace hakari::sim::lmstudio
