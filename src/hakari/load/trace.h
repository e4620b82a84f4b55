// A request trace to replay on its own clock: when each request is sent and how long its
// prompt and answer are (the Mooncake / AIPerf trace shapes, or a plain CSV).
#pragma once

#include "hakari/core/clock.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hakari::load {

struct TraceEntry {
  Nanos at = 0;  // from the trace's first entry
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;

  friend bool operator==(const TraceEntry&, const TraceEntry&) = default;
};

// JSON Lines, one request a line, in either shape:
//   {"timestamp": 1200, "input_length": 512, "output_length": 128}   (Mooncake, AIPerf: ms)
//   {"t_s": 1.2, "input_tokens": 512, "output_tokens": 128}
// or CSV with a header naming t_s, input_tokens and output_tokens (in any order; other
// columns are ignored). Blank lines are skipped. Times must not go backwards; token counts
// are whole numbers from 1. Errors: LoadError "path:line:column: ...".
std::vector<TraceEntry> load_trace(const std::string& path);

}  // namespace hakari::load
