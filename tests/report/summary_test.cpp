#include "hakari/report/summary.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>

namespace hakari::report {
namespace {

using metrics::RequestRecord;

RequestRecord record(std::int64_t index, Nanos sent, bool ok) {
  constexpr Nanos ms = kNanosPerMilli;
  RequestRecord r;
  r.index = index;
  r.scheduled = r.sent = sent;
  r.chunks.push_back({sent + 1 * ms, 0});
  for (int i = 0; i < 4; ++i) r.chunks.push_back({sent + 40 * ms + i * 10 * ms, 1});
  r.first_token = sent + 40 * ms;
  r.last_token = sent + 70 * ms;
  r.done = sent + 71 * ms;
  r.output_tokens = 4;
  r.output_tokens_source = metrics::CountSource::server_usage;
  if (!ok) {
    r.status = metrics::RequestStatus::failed;
    r.error = metrics::ErrorClass::http_status;
    r.error_detail = "HTTP 500: a | b <script>";
  }
  return r;
}

class SummaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("hakari-summary-test-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path_);
    store_ = std::make_unique<store::ResultsStore>(path_.string());
    run_.target_url = "http://127.0.0.1:18123";
    run_.api = "openai-chat";
    run_.server_kind = "llama.cpp";
    run_.simulated = 1;
    run_.noise_warnings = "CPU frequency governor is 'powersave', not 'performance': client-side latencies may read high\n";
    store_->insert_run(run_);
    for (int c : {1, 4}) {
      store::CellInfo cell;
      cell.run_id = run_.id;
      cell.concurrency = c;
      cell.requests_planned = 3;
      cell.max_tokens = 4;
      cell.length_forcing = "ignore_eos+min_tokens";
      cell.status = "complete";
      store_->insert_cell(cell);
      store_->insert_requests(cell.id, {record(0, 1'000'000'000, true), record(1, 1'100'000'000, true),
                                        record(2, 1'200'000'000, c == 1)});
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove(path_);
  }
  std::filesystem::path path_;
  std::unique_ptr<store::ResultsStore> store_;
  store::RunInfo run_;
};

TEST_F(SummaryTest, JsonCarriesTheContractKeysAndValues) {
  RunReport rep = build_run_report(*store_, run_.id);
  const std::string json = render_summary_json(rep);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(json).get(doc)) << json;
  EXPECT_EQ(int64_t(doc["schema_version"]), 1);
  EXPECT_TRUE(bool(doc["simulated"]));
  simdjson::dom::array cells = doc["cells"];
  ASSERT_EQ(cells.size(), 2u);
  simdjson::dom::element c1 = cells.at(0);
  EXPECT_EQ(int64_t(c1["concurrency"]), 1);
  EXPECT_EQ(int64_t(c1["requests_ok"]), 3);
  EXPECT_EQ(int64_t(c1["requests_failed"]), 0);
  EXPECT_DOUBLE_EQ(double(c1["ttft_ms"]["p50"]), 40.0);
  EXPECT_DOUBLE_EQ(double(c1["itl_ms"]["p99"]), 10.0);
  EXPECT_DOUBLE_EQ(double(c1["tpot_ms"]["mean"]), 10.0);
  EXPECT_DOUBLE_EQ(double(c1["e2e_ms"]["p90"]), 71.0);
  EXPECT_EQ(int64_t(c1["ttft_ms"]["n"]), 3);
  EXPECT_TRUE(c1["ttft_ms"]["ci95"].at(0).is_double());
  EXPECT_TRUE(c1["first_error"].is_null());
  // 12 tokens from the first send (1.0 s) to the last completion (1.271 s).
  EXPECT_NEAR(double(c1["output_tokens_per_s"]), 12 / 0.271, 1e-3);
  simdjson::dom::element c4 = cells.at(1);
  EXPECT_EQ(int64_t(c4["requests_failed"]), 1);
  EXPECT_EQ(int64_t(c4["errors"]["http_status"]), 1);
  EXPECT_EQ(std::string_view(c4["first_error"]), "request 2: http_status: HTTP 500: a | b <script>");
  EXPECT_EQ(std::string_view(doc["run"]["timing_noise_warnings"].at(0)).substr(0, 29), "CPU frequency governor is 'po");
}

TEST_F(SummaryTest, MarkdownSaysSimulatedAndEscapesServerText) {
  const std::string md = render_summary_markdown(build_run_report(*store_, run_.id));
  EXPECT_NE(md.find("**Simulated.**"), std::string::npos);
  EXPECT_NE(md.find("| 1 | 3 | 0 | 40.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("a \\| b \\<script\\>"), std::string::npos) << md;
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("governor is 'powersave'"), std::string::npos);
}

TEST_F(SummaryTest, TerminalTableHasOneRowPerCell) {
  const std::string table = render_terminal_table(build_run_report(*store_, run_.id));
  EXPECT_NE(table.find("SIMULATED"), std::string::npos);
  EXPECT_NE(table.find("    1     3     0 │     40.0     40.0 │   10.00   10.00 │    10.00 │     71.0 │"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("c=4: 1 failed, e.g. request 2: http_status: HTTP 500"), std::string::npos) << table;
}

TEST_F(SummaryTest, UnknownRunIsAnError) { EXPECT_THROW(build_run_report(*store_, 999), store::StoreError); }

}  // namespace
}  // namespace hakari::report
