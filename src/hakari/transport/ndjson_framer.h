// Incremental newline-delimited JSON framing (Ollama's native streams): one frame per
// non-blank line, whatever the split of the bytes into reads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "hakari/core/function_ref.h"
#include "hakari/transport/sse_framer.h"  // FrameStatus

namespace hakari::transport {

class NdjsonFramer {
 public:
  static constexpr std::size_t kDefaultMaxLineBytes = 16u << 20;

  explicit NdjsonFramer(std::size_t max_line_bytes = kDefaultMaxLineBytes)
      : max_line_bytes_(max_line_bytes) {}

  // Calls `on_line` for every complete line (without its "\n" or "\r\n"); blank lines are
  // skipped. Views are valid only during the call.
  FrameStatus feed(std::string_view bytes, FunctionRef<void(std::string_view)> on_line);

  // At the end of the stream: a last line without a newline is still a line.
  void finish(FunctionRef<void(std::string_view)> on_line);

  std::size_t pending_bytes() const { return line_.size(); }
  void reset() { line_.clear(); }

 private:
  std::size_t max_line_bytes_;
  std::string line_;
};

}  // namespace hakari::transport
