// The raw record of one measured request: what was sent when, what came back when, and
// what the server said about it. Every derived number (TTFT, ITL, TPOT, throughput) is
// computed from these fields by pure functions; nothing here is a summary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hakari/core/clock.h"

namespace hakari::metrics {

enum class RequestStatus { ok, failed, cancelled };

// Why a request failed. Stored by name; the names are part of the results schema.
enum class ErrorClass {
  none,
  connect,          // the target could not be reached
  timeout,          // total or idle timeout
  http_status,      // a non-2xx status
  stream_error,     // an error object inside a 200 stream
  malformed_frame,  // a frame that is not the JSON the API promises
  truncated,        // the stream ended before its completion marker
  too_large,        // a frame beyond the size limit
  overrun,          // the stream went on far past the tokens asked for; reading stopped
  send,             // the request could not be sent
  recv,             // the connection failed while receiving
  cancelled,        // stopped by the user (Ctrl-C) or the end of the run
  other,
};

// Where a token count came from, most trusted first.
enum class CountSource {
  none,
  server_usage,    // OpenAI-style `usage`
  server_timings,  // llama.cpp `timings` / `tokens_predicted`
  server_eval,     // Ollama `prompt_eval_count` / `eval_count`
  client_chunks,   // counted by the client, one per content chunk unless the chunk says
};

std::string_view status_name(RequestStatus s);
std::string_view error_class_name(ErrorClass e);
std::string_view count_source_name(CountSource s);
std::optional<RequestStatus> parse_status(std::string_view s);
std::optional<ErrorClass> parse_error_class(std::string_view s);
std::optional<CountSource> parse_count_source(std::string_view s);

// One frame of the response stream: when its read arrived and how many generated tokens
// it carried (0 for role-only, usage-only and final frames).
struct ChunkMark {
  Nanos t = 0;
  std::int32_t tokens = 0;
  bool operator==(const ChunkMark&) const = default;
};

// What the server reported about its own work, in its own units converted to ms.
struct ServerTimings {
  std::optional<std::int64_t> prompt_n;     // prompt tokens evaluated (not from cache)
  std::optional<std::int64_t> cache_n;      // prompt tokens reused from cache
  std::optional<double> prompt_ms;          // prefill time
  std::optional<std::int64_t> predicted_n;  // tokens generated
  std::optional<double> predicted_ms;       // decode time
  std::optional<double> load_ms;            // model load (Ollama load_duration)
  std::optional<double> total_ms;           // whole request (Ollama total_duration)
  bool operator==(const ServerTimings&) const = default;
};

struct RequestRecord {
  std::int64_t index = 0;   // the unit it belongs to in the cell (a request, or a conversation), 0-based
  std::int32_t turn = 0;    // 0-based turn within its conversation; 0 for single requests
  std::string sample_id;    // the dataset item, document or conversation it came from; "" when synthetic
  std::string request_id;   // sent as X-Request-Id

  Nanos scheduled = 0;    // when the load profile meant to send it
  Nanos sent = 0;         // when it was handed to the network
  Nanos first_byte = 0;   // status line received; 0 if never
  Nanos first_token = 0;  // first chunk carrying generated content; 0 if never
  Nanos last_token = 0;   // last chunk carrying generated content
  Nanos done = 0;         // the transfer ended (success or not)
  // Times the request was sent again on a fresh connection because its connection closed
  // before any byte of the response (the server never saw it). Times stay those of the
  // first attempt: the reconnection is part of what the user waited for.
  std::int64_t resends = 0;

  RequestStatus status = RequestStatus::ok;
  ErrorClass error = ErrorClass::none;
  std::string error_detail;
  int http_status = 0;

  std::optional<std::int64_t> prompt_tokens;
  CountSource prompt_tokens_source = CountSource::none;
  std::int64_t output_tokens = 0;
  CountSource output_tokens_source = CountSource::none;
  std::int64_t client_tokens = 0;  // sum of ChunkMark::tokens, whatever the server says
  std::int64_t content_bytes = 0;  // bytes of generated text
  std::string finish_reason;       // stop | length | eos | limit | ... as the server says

  ServerTimings server;
  std::vector<ChunkMark> chunks;
  std::string output_text;  // kept only when asked for (quality evaluation, --save-output)

  bool ok() const { return status == RequestStatus::ok; }
  bool operator==(const RequestRecord&) const = default;
};

// Packs chunk marks into a compact blob (delta-coded varints from `sent`), so a request of
// 2,000 tokens costs one row, not 2,000.
std::string pack_chunks(const std::vector<ChunkMark>& chunks, Nanos sent);
// Reverses pack_chunks. Returns false on a malformed blob (leaving `out` partial).
bool unpack_chunks(std::string_view blob, Nanos sent, std::vector<ChunkMark>& out);

}  // namespace hakari::metrics
