#include "hakari/transport/ndjson_framer.h"

#include <cstring>

namespace hakari::transport {
namespace {

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

void emit(std::string_view line, FunctionRef<void(std::string_view)> on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!is_blank(line)) on_line(line);
}

}  // namespace

FrameStatus NdjsonFramer::feed(std::string_view bytes, FunctionRef<void(std::string_view)> on_line) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const char* start = bytes.data() + pos;
    std::size_t left = bytes.size() - pos;
    const void* nl = std::memchr(start, '\n', left);
    if (!nl) {
      line_.append(start, left);
      return line_.size() > max_line_bytes_ ? FrameStatus::too_large : FrameStatus::ok;
    }
    auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
    if (line_.empty()) {
      if (len > max_line_bytes_) return FrameStatus::too_large;
      emit(std::string_view(start, len), on_line);
    } else {
      line_.append(start, len);
      if (line_.size() > max_line_bytes_) return FrameStatus::too_large;
      emit(line_, on_line);
      line_.clear();
    }
    pos += len + 1;
  }
  return FrameStatus::ok;
}

void NdjsonFramer::finish(FunctionRef<void(std::string_view)> on_line) {
  if (!line_.empty()) emit(line_, on_line);
  line_.clear();
}

}  // namespace hakari::transport
