// Latency and throughput derived from raw request records. Pure functions; the
// definitions here are the ones every report prints (see docs/metrics.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hakari/metrics/histogram.h"
#include "hakari/metrics/request_record.h"
#include "hakari/metrics/stats.h"

namespace hakari::metrics {

// A request sent more than this long after its scheduled time is late: the client, not
// the server, held it (a cap on what may be in flight, or a client that cannot keep up).
inline constexpr double kLateAfterMs = 1.0;

struct RequestTimings {
  std::optional<double> ttft_ms;        // sent -> first chunk with generated content
  std::optional<double> e2e_ms;         // sent -> end of response
  // The same from the time the request was due: what a user arriving then waited,
  // including any wait in the client (no coordinated omission).
  std::optional<double> ttft_from_schedule_ms;
  std::optional<double> e2e_from_schedule_ms;
  std::optional<double> queue_ms;       // scheduled -> sent (client-side delay)
  std::optional<double> tpot_ms;        // (last token - first token) / (output tokens - 1)
  std::optional<double> output_tps;     // output tokens / e2e
};

RequestTimings derive_timings(const RequestRecord& r);

// Gaps between successive chunks carrying generated content, in ms, appended to `out`.
// A chunk holding several tokens is one gap (what a reader of the stream experiences).
void append_inter_token_ms(const RequestRecord& r, std::vector<double>& out);

struct CellSummary {
  std::int64_t requests_ok = 0;
  std::int64_t requests_failed = 0;
  std::int64_t requests_cancelled = 0;
  std::map<std::string, std::int64_t> errors;  // error class -> count
  std::string first_error;                     // one example, for the reader

  Distribution ttft_ms;
  Distribution ttft_from_schedule_ms;
  Distribution itl_ms;
  Distribution tpot_ms;
  Distribution e2e_ms;
  Distribution e2e_from_schedule_ms;
  Distribution queue_ms;  // schedule lag: scheduled -> sent, every sent request
  std::int64_t late_requests = 0;  // sent more than kLateAfterMs after their schedule
  // Conversations: TTFT of each turn (index = 0-based turn), showing what the growing
  // history and a prefix cache do; empty for single requests.
  std::vector<Distribution> ttft_by_turn_ms;
  Distribution request_output_tps;
  Distribution prompt_tokens;
  Distribution output_tokens;

  std::int64_t total_output_tokens = 0;
  Nanos window_start = 0;          // first send
  Nanos window_end = 0;            // last completion
  double duration_s = 0;           // first send to last completion
  double output_tokens_per_s = 0;  // all successful output tokens over the duration
  double request_rate = 0;         // successful requests per second over the duration

  // Of the successful requests, how many stopped short of the requested length
  // (the server did not honour, or could not be asked for, an exact length).
  std::int64_t short_outputs = 0;
  std::map<std::string, std::int64_t> output_count_sources;
  // Requests sent again on a fresh connection because the server had closed the one they
  // went out on (see RequestRecord::resends), whatever their outcome.
  std::int64_t requests_resent = 0;
};

// Summarises the records of one cell. `max_tokens` is what each request asked for.
CellSummary summarize_cell(const std::vector<RequestRecord>& records, std::int64_t max_tokens);

// Every latency of a cell's successful requests as a mergeable histogram in microseconds
// (3 significant digits), by name: ttft_us, ttft_from_schedule_us, itl_us, tpot_us,
// e2e_us, e2e_from_schedule_us. Stored with the cell so CDFs can be drawn, and cells and
// machines merged, without the raw records.
std::vector<std::pair<std::string, Histogram>> latency_histograms(const std::vector<RequestRecord>& records);

}  // namespace hakari::metrics
