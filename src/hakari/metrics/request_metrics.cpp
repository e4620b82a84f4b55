#include "hakari/metrics/request_metrics.h"

#include <cmath>

#include <algorithm>

namespace hakari::metrics {

RequestTimings derive_timings(const RequestRecord& r) {
  RequestTimings t;
  if (r.sent > 0 && r.scheduled > 0) t.queue_ms = to_ms(r.sent - r.scheduled);
  if (!r.ok()) return t;
  const Nanos due = r.scheduled > 0 ? r.scheduled : r.sent;
  if (r.first_token > 0) {
    t.ttft_ms = to_ms(r.first_token - r.sent);
    t.ttft_from_schedule_ms = to_ms(r.first_token - due);
  }
  t.e2e_ms = to_ms(r.done - r.sent);
  t.e2e_from_schedule_ms = to_ms(r.done - due);
  if (r.output_tokens > 1 && r.last_token > r.first_token) {
    t.tpot_ms = to_ms(r.last_token - r.first_token) / static_cast<double>(r.output_tokens - 1);
  }
  if (r.done > r.sent) t.output_tps = static_cast<double>(r.output_tokens) / to_s(r.done - r.sent);
  return t;
}

void append_inter_token_ms(const RequestRecord& r, std::vector<double>& out) {
  Nanos prev = 0;
  for (const auto& c : r.chunks) {
    if (c.tokens <= 0) continue;
    if (prev != 0) out.push_back(to_ms(c.t - prev));
    prev = c.t;
  }
}

CellSummary summarize_cell(const std::vector<RequestRecord>& records, std::int64_t max_tokens) {
  CellSummary s;
  std::vector<double> ttft, ttft_sched, itl, tpot, e2e, e2e_sched, queue, tps, prompt, output;
  std::vector<std::vector<double>> ttft_turns;
  Nanos window_start = kNever;
  Nanos window_end = 0;
  for (const auto& r : records) {
    if (r.sent > 0) window_start = std::min(window_start, r.sent);
    if (r.done > 0) window_end = std::max(window_end, r.done);
    const RequestTimings t = derive_timings(r);
    if (t.queue_ms) {
      queue.push_back(*t.queue_ms);
      if (*t.queue_ms > kLateAfterMs) ++s.late_requests;
    }
    if (r.resends > 0) ++s.requests_resent;
    if (r.status == RequestStatus::cancelled) {
      ++s.requests_cancelled;
      continue;
    }
    if (!r.ok()) {
      ++s.requests_failed;
      ++s.errors[std::string(error_class_name(r.error))];
      if (s.first_error.empty()) {
        s.first_error = "request " + std::to_string(r.index) + ": " + std::string(error_class_name(r.error)) +
                        ": " + r.error_detail;
      }
      continue;
    }
    ++s.requests_ok;
    if (t.ttft_ms) ttft.push_back(*t.ttft_ms);
    if (t.ttft_ms && r.turn >= 0 && r.turn < 100'000) {
      if (ttft_turns.size() <= static_cast<std::size_t>(r.turn)) ttft_turns.resize(static_cast<std::size_t>(r.turn) + 1);
      ttft_turns[static_cast<std::size_t>(r.turn)].push_back(*t.ttft_ms);
    }
    if (t.ttft_from_schedule_ms) ttft_sched.push_back(*t.ttft_from_schedule_ms);
    if (t.e2e_ms) e2e.push_back(*t.e2e_ms);
    if (t.e2e_from_schedule_ms) e2e_sched.push_back(*t.e2e_from_schedule_ms);
    if (t.tpot_ms) tpot.push_back(*t.tpot_ms);
    if (t.output_tps) tps.push_back(*t.output_tps);
    append_inter_token_ms(r, itl);
    if (r.prompt_tokens) prompt.push_back(static_cast<double>(*r.prompt_tokens));
    output.push_back(static_cast<double>(r.output_tokens));
    s.total_output_tokens += r.output_tokens;
    if (max_tokens > 0 && r.output_tokens < max_tokens) ++s.short_outputs;
    ++s.output_count_sources[std::string(count_source_name(r.output_tokens_source))];
  }
  s.ttft_ms = describe(std::move(ttft));
  s.ttft_from_schedule_ms = describe(std::move(ttft_sched));
  if (ttft_turns.size() > 1) {
    for (auto& turn : ttft_turns) s.ttft_by_turn_ms.push_back(describe(std::move(turn)));
  }
  s.itl_ms = describe(std::move(itl));
  s.tpot_ms = describe(std::move(tpot));
  s.e2e_ms = describe(std::move(e2e));
  s.e2e_from_schedule_ms = describe(std::move(e2e_sched));
  s.queue_ms = describe(std::move(queue));
  s.request_output_tps = describe(std::move(tps));
  s.prompt_tokens = describe(std::move(prompt));
  s.output_tokens = describe(std::move(output));
  if (window_end > window_start && window_start != kNever) {
    s.window_start = window_start;
    s.window_end = window_end;
    s.duration_s = to_s(window_end - window_start);
    s.output_tokens_per_s = static_cast<double>(s.total_output_tokens) / s.duration_s;
    s.request_rate = static_cast<double>(s.requests_ok) / s.duration_s;
  }
  return s;
}

std::vector<std::pair<std::string, Histogram>> latency_histograms(const std::vector<RequestRecord>& records) {
  std::vector<std::pair<std::string, Histogram>> out;
  for (const char* name : {"ttft_us", "ttft_from_schedule_us", "itl_us", "tpot_us", "e2e_us", "e2e_from_schedule_us"}) {
    out.emplace_back(name, Histogram());
  }
  auto us = [](double ms) { return static_cast<std::int64_t>(std::llround(ms * 1000)); };
  std::vector<double> gaps;
  for (const auto& r : records) {
    if (!r.ok()) continue;
    const RequestTimings t = derive_timings(r);
    if (t.ttft_ms) out[0].second.record(us(*t.ttft_ms));
    if (t.ttft_from_schedule_ms) out[1].second.record(us(*t.ttft_from_schedule_ms));
    gaps.clear();
    append_inter_token_ms(r, gaps);
    for (double g : gaps) out[2].second.record(us(g));
    if (t.tpot_ms) out[3].second.record(us(*t.tpot_ms));
    if (t.e2e_ms) out[4].second.record(us(*t.e2e_ms));
    if (t.e2e_from_schedule_ms) out[5].second.record(us(*t.e2e_from_schedule_ms));
  }
  return out;
}

}  // namespace hakari::metrics
