// Follows one streamed response from status line to end of transfer and writes what it
// sees into a RequestRecord: a timestamped mark per frame, the first and last token, the
// server's own counts and timings, and, when it goes wrong, a classified reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hakari/backend/api.h"
#include "hakari/backend/frame_parser.h"
#include "hakari/metrics/request_record.h"
#include "hakari/transport/http_client.h"
#include "hakari/transport/ndjson_framer.h"
#include "hakari/transport/sse_framer.h"

namespace hakari::backend {

class ResponseDecoder {
 public:
  ResponseDecoder(ApiKind api, FrameParser& parser, bool keep_text = false);

  // Starts decoding a new response into `record` (which must outlive the response).
  // `keep_text` (default: as constructed) keeps the answer's text in the record.
  void begin(metrics::RequestRecord& record, std::size_t expected_tokens = 0, std::optional<bool> keep_text = {});

  void on_status(long http_status, Nanos t);
  // The request is being sent again on a fresh connection (see transport::TransferObserver).
  void on_resend(Nanos t);
  // Returns false when the stream cannot be trusted any further (malformed frame, error
  // object, oversized frame): the transfer should be aborted.
  bool on_body(std::string_view bytes, Nanos t);
  // Settles the record's status, error class and token counts.
  void on_complete(const transport::TransferResult& result, Nanos t);

  std::int64_t frames() const { return frames_; }

 private:
  void on_frame(std::string_view data, Nanos t);
  void fail(metrics::ErrorClass error, std::string detail);

  ApiKind api_;
  FrameParser& parser_;
  bool keep_text_default_;
  bool keep_text_;
  transport::SseFramer sse_;
  transport::NdjsonFramer ndjson_;
  metrics::RequestRecord* rec_ = nullptr;
  FrameInfo frame_;
  std::string parse_error_;
  std::string error_body_;  // body of a non-2xx response, for its message
  std::int64_t frames_ = 0;
  std::int64_t max_frames_ = 0;  // beyond this the stream is an overrun; 0: no bound
  bool terminal_seen_ = false;
  bool failed_ = false;
};

}  // namespace hakari::backend
