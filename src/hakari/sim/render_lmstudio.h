// LM Studio's native REST responses (0.4.0+ /api/v1, legacy /api/v0): the model lists
// with their load state, the load and unload replies, and the native error object. Key
// order follows LM Studio's documentation. Every function appends one JSON document.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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

}  // namespace hakari::sim::lmstudio
