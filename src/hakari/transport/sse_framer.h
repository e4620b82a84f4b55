// Incremental Server-Sent Events framing (WHATWG "event stream" rules): bytes in, events
// out, whatever the split of the bytes into reads. Knows nothing of JSON or LLMs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "hakari/core/function_ref.h"

namespace hakari::transport {

struct SseEvent {
  std::string_view event;  // the `event:` field; empty means "message"; "error" for an `error:` line
  std::string_view data;   // `data:` (or llama.cpp's `error:`) lines joined by '\n'
};

enum class FrameStatus {
  ok,
  too_large,  // one event or line exceeded the limit: the stream cannot be trusted further
};

class SseFramer {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = 16u << 20;

  explicit SseFramer(std::size_t max_event_bytes = kDefaultMaxEventBytes)
      : max_event_bytes_(max_event_bytes) {}

  // Consumes `bytes`, calling `on_event` for every event completed by them. The views
  // passed to `on_event` are valid only during the call.
  FrameStatus feed(std::string_view bytes, FunctionRef<void(const SseEvent&)> on_event);

  // Comment lines seen (llama.cpp sends `:` pings while a stream is idle).
  std::size_t comment_lines() const { return comment_lines_; }
  // Bytes of an event begun but not completed by a blank line. Non-zero at the end of a
  // stream means the stream was cut.
  std::size_t pending_bytes() const { return line_.size() + data_.size() + (has_data_ ? 1 : 0); }

  void reset();

 private:
  FrameStatus process_line(std::string_view line, FunctionRef<void(const SseEvent&)> on_event);

  std::size_t max_event_bytes_;
  std::string line_;   // a line split across reads
  std::string data_;   // data of the event being built
  std::string event_;  // event type of the event being built
  bool has_data_ = false;
  bool skip_lf_ = false;  // the previous read ended in '\r'; a leading '\n' belongs to it
  std::size_t comment_lines_ = 0;
};

}  // namespace hakari::transport
