// Reads one frame of a streamed response (an SSE data payload or an NDJSON line) into the
// few facts a benchmark needs. One parser serves every stream of an event loop, so parsing
// a chunk allocates nothing once the buffers have grown.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hakari/backend/api.h"
#include "hakari/metrics/request_record.h"

namespace hakari::backend {

struct FrameInfo {
  bool terminal = false;      // the API's completion marker: [DONE], "stop":true, "done":true
  std::int32_t tokens = 0;    // generated tokens this frame carries
  std::string_view content;   // generated text (answer or reasoning), views the parser's buffer
  std::string_view finish_reason;
  std::optional<std::int64_t> prompt_tokens;
  metrics::CountSource prompt_source = metrics::CountSource::none;
  std::optional<std::int64_t> output_tokens;
  metrics::CountSource output_source = metrics::CountSource::none;
  metrics::ServerTimings timings;  // fields set only where the frame reports them
  bool is_error = false;
  std::string error_message;  // copied: errors are rare and must outlive the frame

  void clear() { *this = FrameInfo{}; }
};

class FrameParser {
 public:
  FrameParser();
  ~FrameParser();
  FrameParser(const FrameParser&) = delete;
  FrameParser& operator=(const FrameParser&) = delete;

  // Parses one frame of `api`. Returns false with `error` set when the frame is not
  // the JSON object the API promises. `out` is valid until the next call.
  bool parse(ApiKind api, std::string_view frame, FrameInfo& out, std::string& error);

  // Extracts a human-readable message from an error response body of any of the APIs
  // ({"error":{"message":..}}, {"error":".."}, {"object":"error","message":..}).
  // Returns the trimmed body itself when it is not such JSON.
  std::string error_message(std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hakari::backend
