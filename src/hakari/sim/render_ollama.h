// Ollama's native responses: the NDJSON lines of /api/chat and /api/generate (key order as
// Ollama's Go structs marshal them), load/unload replies, /api/tags, /api/ps,
// /api/version, the progress lines of /api/pull and /api/create, and its flat error
// objects. Every function appends one JSON document.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hakari/core/clock.h"

namespace hakari::sim::ollama {

// The metrics of the last line, in nanoseconds.
struct Metrics {
  Nanos total_duration = 0;
  Nanos load_duration = 0;
  std::int64_t prompt_eval_count = 0;
  Nanos prompt_eval_duration = 0;
  std::int64_t eval_count = 0;
  Nanos eval_duration = 0;
};

// `chat` picks /api/chat's "message" over /api/generate's "response".
void token_line(std::string& out, bool chat, std::string_view model, std::string_view created_at,
                std::string_view text);
// The last line of a stream (text "") and the whole non-streamed body alike.
void final_line(std::string& out, bool chat, std::string_view model, std::string_view created_at,
                std::string_view text, std::string_view done_reason, const Metrics& m);
// The reply to a load ("load") or unload ("unload") request.
void load_line(std::string& out, bool chat, std::string_view model, std::string_view created_at,
               std::string_view done_reason);

// {"error":"…"}
void error_body(std::string& out, std::string_view message);

struct ModelInfo {
  std::string_view name;         // "hakari-sim:latest"
  std::int64_t size = 0;         // bytes
  std::string_view digest;       // 64 hex digits
  std::string_view modified_at;  // RFC 3339
  std::string_view expires_at;   // RFC 3339, for /api/ps
  std::int64_t context_length = 0;
  std::string_view parameter_size;  // "32.7B"
};
void tags(std::string& out, std::span<const ModelInfo> models);
// `loaded` null: no model in memory.
void ps(std::string& out, const ModelInfo* loaded);
void version(std::string& out, std::string_view v);

// A progress line of /api/pull or /api/create: {"status":"…"}.
void status_line(std::string& out, std::string_view status);
// A layer download of /api/pull: {"status":"pulling <12 hex>","digest":"sha256:<hex>",
// "total":N,"completed":M} (`completed` < 0 leaves it out, as Ollama's first line does).
void pull_progress_line(std::string& out, std::string_view digest_hex, std::int64_t total,
                        std::int64_t completed);

}  // namespace hakari::sim::ollama
