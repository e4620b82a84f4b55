#include "hakari/transport/sse_framer.h"

#include <cstring>

namespace hakari::transport {

void SseFramer::reset() {
  line_.clear();
  data_.clear();
  event_.clear();
  has_data_ = false;
  skip_lf_ = false;
  comment_lines_ = 0;
}

FrameStatus SseFramer::process_line(std::string_view line,
                                    FunctionRef<void(const SseEvent&)> on_event) {
  if (line.empty()) {
    // A blank line ends the event; an event without data is not dispatched.
    if (has_data_) on_event(SseEvent{event_, data_});
    data_.clear();
    event_.clear();
    has_data_ = false;
    return FrameStatus::ok;
  }
  if (line.front() == ':') {
    ++comment_lines_;
    return FrameStatus::ok;
  }
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
    if (data_.size() > max_event_bytes_) return FrameStatus::too_large;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "error") {
    // Not an SSE field: llama.cpp's server writes a failure midway through a stream as
    // `error: {json}`. Ignoring it, as the standard says, would let the `[DONE]` that
    // follows pass the stream as a success; it becomes an event of type "error".
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
    event_.assign("error");
    if (data_.size() > max_event_bytes_) return FrameStatus::too_large;
  }
  // `id`, `retry` and other unknown fields are ignored, as the standard says.
  return FrameStatus::ok;
}

FrameStatus SseFramer::feed(std::string_view bytes, FunctionRef<void(const SseEvent&)> on_event) {
  std::size_t pos = 0;
  if (skip_lf_ && !bytes.empty()) {
    if (bytes.front() == '\n') pos = 1;
    skip_lf_ = false;
  }
  while (pos < bytes.size()) {
    const char* start = bytes.data() + pos;
    std::size_t left = bytes.size() - pos;
    // memchr for '\n' is vectorised; '\r' alone as a terminator is rare but legal.
    const void* nl = std::memchr(start, '\n', left);
    std::size_t line_len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : left;
    const void* cr = std::memchr(start, '\r', line_len);
    bool ends_with_cr = false;
    if (cr) {
      line_len = static_cast<std::size_t>(static_cast<const char*>(cr) - start);
      ends_with_cr = true;
    } else if (!nl) {
      // No terminator in this read: keep the tail for the next one.
      line_.append(start, left);
      if (line_.size() > max_event_bytes_) return FrameStatus::too_large;
      return FrameStatus::ok;
    }
    std::string_view line(start, line_len);
    if (!line_.empty()) {
      line_.append(line);
      if (line_.size() > max_event_bytes_) return FrameStatus::too_large;
      FrameStatus st = process_line(line_, on_event);
      line_.clear();
      if (st != FrameStatus::ok) return st;
    } else if (FrameStatus st = process_line(line, on_event); st != FrameStatus::ok) {
      return st;
    }
    pos += line_len + 1;
    if (ends_with_cr) {
      if (pos < bytes.size()) {
        if (bytes[pos] == '\n') ++pos;
      } else {
        skip_lf_ = true;
      }
    }
  }
  return FrameStatus::ok;
}

}  // namespace hakari::transport
