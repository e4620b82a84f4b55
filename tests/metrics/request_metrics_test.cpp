#include "hakari/metrics/request_metrics.h"

#include <gtest/gtest.h>

namespace hakari::metrics {
namespace {

constexpr Nanos ms = kNanosPerMilli;

// A request sent at `sent`, with a role chunk right away, a first token at ttft and
// tokens every itl after it, done 1 ms after the last token.
RequestRecord streamed(Nanos sent, Nanos ttft, Nanos itl, int tokens) {
  RequestRecord r;
  r.scheduled = sent;
  r.sent = sent;
  r.chunks.push_back({sent + 1 * ms, 0});
  for (int i = 0; i < tokens; ++i) r.chunks.push_back({sent + ttft + i * itl, 1});
  r.first_token = sent + ttft;
  r.last_token = sent + ttft + (tokens - 1) * itl;
  r.done = r.last_token + 1 * ms;
  r.output_tokens = tokens;
  r.client_tokens = tokens;
  r.output_tokens_source = CountSource::server_usage;
  return r;
}

TEST(DeriveTimings, TtftItlTpotAndE2e) {
  RequestRecord r = streamed(1000 * ms, 50 * ms, 20 * ms, 32);
  RequestTimings t = derive_timings(r);
  EXPECT_DOUBLE_EQ(*t.ttft_ms, 50);
  EXPECT_DOUBLE_EQ(*t.tpot_ms, 20);
  EXPECT_DOUBLE_EQ(*t.e2e_ms, 50 + 31 * 20 + 1);
  EXPECT_NEAR(*t.output_tps, 32 / 0.671, 1e-9);
  std::vector<double> itl;
  append_inter_token_ms(r, itl);
  ASSERT_EQ(itl.size(), 31u);  // the role chunk is not a token
  for (double g : itl) EXPECT_DOUBLE_EQ(g, 20);
}

TEST(DeriveTimings, FailedRequestsHaveNoLatencies) {
  RequestRecord r = streamed(0, 50 * ms, 20 * ms, 4);
  r.status = RequestStatus::failed;
  RequestTimings t = derive_timings(r);
  EXPECT_FALSE(t.ttft_ms);
  EXPECT_FALSE(t.e2e_ms);
  EXPECT_FALSE(t.tpot_ms);
}

TEST(DeriveTimings, OneTokenHasNoTpotAndQueueDelayIsMeasuredFromTheSchedule) {
  RequestRecord r = streamed(100 * ms, 50 * ms, 20 * ms, 1);
  r.scheduled = 90 * ms;
  RequestTimings t = derive_timings(r);
  EXPECT_FALSE(t.tpot_ms);
  EXPECT_DOUBLE_EQ(*t.queue_ms, 10);
}

TEST(SummarizeCell, AggregatesOverTheCellWindow) {
  std::vector<RequestRecord> records;
  // Two overlapping requests: [1000, 1671] ms and [1100, 1771] ms, 32 tokens each.
  records.push_back(streamed(1000 * ms, 50 * ms, 20 * ms, 32));
  records.push_back(streamed(1100 * ms, 50 * ms, 20 * ms, 32));
  RequestRecord failed = streamed(1200 * ms, 50 * ms, 20 * ms, 3);
  failed.status = RequestStatus::failed;
  failed.error = ErrorClass::http_status;
  failed.error_detail = "HTTP 503: Loading model";
  failed.index = 2;
  records.push_back(failed);
  RequestRecord shorter = streamed(1300 * ms, 50 * ms, 20 * ms, 10);
  records.push_back(shorter);

  CellSummary s = summarize_cell(records, 32);
  EXPECT_EQ(s.requests_ok, 3);
  EXPECT_EQ(s.requests_failed, 1);
  EXPECT_EQ(s.errors.at("http_status"), 1);
  EXPECT_EQ(s.first_error, "request 2: http_status: HTTP 503: Loading model");
  EXPECT_EQ(s.ttft_ms.n, 3u);
  EXPECT_DOUBLE_EQ(s.ttft_ms.p50, 50);
  EXPECT_EQ(s.itl_ms.n, 31u + 31u + 9u);
  EXPECT_DOUBLE_EQ(s.itl_ms.p99, 20);
  EXPECT_EQ(s.total_output_tokens, 74);
  EXPECT_EQ(s.short_outputs, 1);
  // Window: first send (1000 ms) to last completion (1771 ms, the second request).
  EXPECT_NEAR(s.duration_s, 0.771, 1e-12);
  EXPECT_NEAR(s.output_tokens_per_s, 74 / 0.771, 1e-9);
  EXPECT_NEAR(s.request_rate, 3 / 0.771, 1e-9);
  EXPECT_EQ(s.output_count_sources.at("server_usage"), 3);
}

TEST(SummarizeCell, CancelledRequestsAreNeitherOkNorFailed) {
  RequestRecord c = streamed(0, 50 * ms, 20 * ms, 2);
  c.status = RequestStatus::cancelled;
  c.error = ErrorClass::cancelled;
  CellSummary s = summarize_cell({c}, 2);
  EXPECT_EQ(s.requests_cancelled, 1);
  EXPECT_EQ(s.requests_ok, 0);
  EXPECT_EQ(s.requests_failed, 0);
  EXPECT_TRUE(s.errors.empty());
}

}  // namespace
}  // namespace hakari::metrics
