#include "hakari/report/summary.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <deque>
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
  EXPECT_NE(md.find("| 1 | 3 | 0 | 0 | 40.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("a \\| b \\<script\\>"), std::string::npos) << md;
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("governor is 'powersave'"), std::string::npos);
}

TEST_F(SummaryTest, TerminalTableHasOneRowPerCell) {
  const std::string table = render_terminal_table(build_run_report(*store_, run_.id));
  EXPECT_NE(table.find("SIMULATED"), std::string::npos);
  EXPECT_NE(table.find("    1     3     0      0 │     40.0     40.0 │   10.00   10.00 │    10.00 │     71.0 │"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("c=4: 1 failed, e.g. request 2: http_status: HTTP 500"), std::string::npos) << table;
}

TEST_F(SummaryTest, UnknownRunIsAnError) { EXPECT_THROW(build_run_report(*store_, 999), store::StoreError); }

// Runs built cell by cell, for the cases a new user met: cut-short cells, dead servers,
// suites of several targets, bandwidth from doubtful sizes, killed runs.
class ReportCase : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("hakari-report-case-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(path_);
    store_ = std::make_unique<store::ResultsStore>(path_.string());
    run_.status = "complete";
    run_.started_at = "2026-11-28T10:00:00Z";
    run_.finished_at = "2026-11-28T10:05:00Z";
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove(path_);
  }
  std::int64_t insert_run() { return store_->insert_run(run_); }
  // A cell of `target` with `ok` good requests, `failed` failed ones, `cancelled` cancelled ones.
  store::CellInfo& add_cell(const std::string& target, int concurrency, int ok, int failed = 0, int cancelled = 0,
                            const std::string& status = "complete") {
    store::CellInfo cell;
    cell.run_id = run_.id;
    cell.target = target;
    cell.workload = "chat";
    cell.load_profile = "sweep";
    cell.concurrency = concurrency;
    cell.requests_planned = ok + failed + cancelled;
    cell.max_tokens = 4;
    cell.status = status;
    cell.server_url = "http://127.0.0.1:8080";
    cell.api = "llamacpp";
    cell.server_kind = "llama.cpp";
    cell.server_version = "b5601";
    store_->insert_cell(cell);
    std::vector<RequestRecord> records;
    std::int64_t i = 0;
    for (int k = 0; k < ok; ++k, ++i) records.push_back(record(i, 1'000'000'000 + i * 100'000'000, true));
    for (int k = 0; k < failed; ++k, ++i) records.push_back(record(i, 1'000'000'000 + i * 100'000'000, false));
    for (int k = 0; k < cancelled; ++k, ++i) {
      RequestRecord r = record(i, 1'000'000'000 + i * 100'000'000, true);
      r.status = metrics::RequestStatus::cancelled;
      r.error = metrics::ErrorClass::cancelled;
      records.push_back(r);
    }
    if (!records.empty()) store_->insert_requests(cell.id, records);
    cells_.push_back(cell);
    return cells_.back();
  }
  void update(const store::CellInfo& cell) { store_->update_cell(cell); }
  RunReport report() { return build_run_report(*store_, run_.id); }
  simdjson::dom::element json(simdjson::dom::parser& parser, const RunReport& rep, std::string& text) {
    text = render_summary_json(rep);
    simdjson::dom::element doc;
    EXPECT_FALSE(parser.parse(text).get(doc)) << text;
    return doc;
  }

  std::filesystem::path path_;
  std::unique_ptr<store::ResultsStore> store_;
  store::RunInfo run_;
  std::deque<store::CellInfo> cells_;
};

TEST_F(ReportCase, CancelledRequestsAreCountedApartFromFailedOnes) {
  run_.target_url = "http://127.0.0.1:8080";
  insert_run();
  add_cell("target", 2, 2, 1, 3);
  const RunReport rep = report();
  const std::string table = render_terminal_table(rep);
  EXPECT_NE(table.find(" conc    ok  fail cancel │"), std::string::npos) << table;
  EXPECT_NE(table.find("    2     2     1      3 │     40.0"), std::string::npos) << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("| Concurrency | OK | Failed | Cancelled | TTFT p50 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 2 | 2 | 1 | 3 | 40.0 |"), std::string::npos) << md;
}

TEST_F(ReportCase, AServerThatDiedIsSaidEvenWhenRequestsFailedToo) {
  run_.target_url = "http://127.0.0.1:8080";
  insert_run();
  auto& cell = add_cell("target", 1, 2, 1);
  cell.status = "failed";
  cell.note = "the server died during the cell: killed by signal 9";
  update(cell);
  const RunReport rep = report();
  const std::string table = render_terminal_table(rep);
  EXPECT_NE(table.find("c=1: the server died during the cell: killed by signal 9\n"), std::string::npos) << table;
  EXPECT_NE(table.find("c=1: 1 failed, e.g. request 2: http_status"), std::string::npos) << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("### Cell notes\n\n- c=1: the server died during the cell: killed by signal 9\n"), std::string::npos)
      << md;
  EXPECT_NE(md.find("Example at c=1: request 2: http\\_status"), std::string::npos) << md;
}

TEST_F(ReportCase, ACellInterruptedBeforeAnyRequestIsNotMeasuredRatherThanFailed) {
  run_.status = "interrupted";
  run_.slos = "ttft_p95_ms=2000;error_rate=0.01";
  insert_run();
  add_cell("target", 1, 3);
  add_cell("target", 4, 0, 0, 4, "interrupted");
  const RunReport rep = report();
  const std::string table = render_terminal_table(rep);
  EXPECT_NE(table.find("    4     0     0      4 │ INTERRUPTED: not measured\n"), std::string::npos) << table;
  EXPECT_EQ(table.find("FAIL"), std::string::npos) << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("| 4 (interrupted) | 0 | 0 | 4 | **interrupted**: not measured |||||||||\n"), std::string::npos)
      << md;
  EXPECT_EQ(md.find("**fail**"), std::string::npos) << md;
  simdjson::dom::parser parser;
  std::string text;
  auto doc = json(parser, rep, text);
  EXPECT_TRUE(bool(doc["cells"].at(0)["measured"]));
  EXPECT_TRUE(bool(doc["cells"].at(0)["slo"]["pass"]));
  EXPECT_FALSE(bool(doc["cells"].at(1)["measured"]));
  EXPECT_TRUE(doc["cells"].at(1)["slo"]["pass"].is_null()) << text;
}

TEST_F(ReportCase, AFailedCellWithoutAnySuccessStaysAnSloFailure) {
  run_.slos = "error_rate=0.01";
  insert_run();
  auto& cell = add_cell("target", 1, 0, 2);
  cell.status = "failed";
  cell.note = "no request succeeded: request 0: http_status: HTTP 500";
  update(cell);
  const RunReport rep = report();
  EXPECT_NE(render_terminal_table(rep).find("    1     0     2      0 │ FAILED: no request succeeded"), std::string::npos);
  simdjson::dom::parser parser;
  std::string text;
  EXPECT_FALSE(bool(json(parser, rep, text)["cells"].at(0)["slo"]["pass"])) << text;
}

TEST_F(ReportCase, AMissingValueReadsAsNotMeasuredNeverAsADash) {
  run_.telemetry_interval_ms = 100;  // telemetry on, but no sampler could read the CPU
  insert_run();
  add_cell("target", 1, 3);
  const RunReport rep = report();
  ASSERT_TRUE(rep.cells[0].telemetry);
  const std::string table = render_terminal_table(rep);
  EXPECT_NE(table.find("c=1: CPU not measured\n"), std::string::npos) << table;
  EXPECT_EQ(table.find("- %"), std::string::npos) << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("| 1 | — / — | — | — | — | — | — | — | — | unknown |"), std::string::npos) << md;
  EXPECT_NE(md.find("Memory bandwidth not measured: bytes per decode step unknown"), std::string::npos) << md;
}

TEST_F(ReportCase, BandwidthFromASimulatorsDefaultSizeIsNotPrinted) {
  run_.telemetry_interval_ms = 100;
  run_.hardware = "evo-x2";
  run_.simulated = 1;
  run_.model_bytes = 19'800'000'000;
  run_.model_bytes_source = "llama.cpp reported model size";
  insert_run();
  auto& cell = add_cell("target", 1, 3);
  cell.server_version = "hakari-sim-0.3.0";
  cell.model_bytes = 19'800'000'000;  // the simulator's default 19.8 GB, whatever its timing
  cell.model_bytes_source = "llama.cpp reported model size";
  update(cell);
  const RunReport rep = report();
  EXPECT_EQ(rep.cells[0].bandwidth, BandwidthStatus::not_measured);
  EXPECT_FALSE(rep.cells[0].telemetry->effective_bandwidth_gbs);
  const std::string table = render_terminal_table(rep);
  EXPECT_EQ(table.find("memory bandwidth"), std::string::npos) << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("Memory bandwidth not measured: the 19.80 GB per decode step came from the llama.cpp reported "
                    "model size: the simulator's configuration"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("% of 212"), std::string::npos) << md;
  simdjson::dom::parser parser;
  std::string text;
  auto doc = json(parser, rep, text);
  auto bw = doc["cells"].at(0)["telemetry"]["memory_bandwidth"];
  EXPECT_EQ(std::string_view(bw["status"]), "not_measured");
  EXPECT_TRUE(bw["percent_of_hardware"].is_null());
  EXPECT_TRUE(bw["bytes_per_token"].is_null());
  EXPECT_TRUE(doc["run"]["model_bytes"].is_null()) << text;
}

TEST_F(ReportCase, BandwidthFromASizeWithoutSourceIsNotPrinted) {
  run_.telemetry_interval_ms = 100;
  run_.hardware = "evo-x2";
  insert_run();
  auto& cell = add_cell("target", 1, 3);
  cell.model_bytes = 1'000'000'000;
  update(cell);
  const RunReport rep = report();
  EXPECT_EQ(rep.cells[0].bandwidth, BandwidthStatus::not_measured);
  EXPECT_EQ(rep.cells[0].bandwidth_note, "the 1.00 GB per decode step on record has no source: a default, not the model's");
  cell.model_bytes_source = "fallback";
  update(cell);
  const RunReport again = report();
  EXPECT_EQ(again.cells[0].bandwidth, BandwidthStatus::not_measured);
  EXPECT_EQ(again.cells[0].bandwidth_note,
            "the 1.00 GB per decode step came from 'fallback', not from a model (give --model-bytes)");
  EXPECT_FALSE(again.cells[0].telemetry->effective_bandwidth_gbs);
}

TEST_F(ReportCase, BandwidthAboveTheHardwaresIsFlaggedImplausibleWithTheReason) {
  run_.telemetry_interval_ms = 100;
  run_.hardware = "evo-x2";  // 212 GB/s measured
  insert_run();
  auto& cell = add_cell("target", 1, 3);
  // A mixture of experts' whole file, where a step reads a tenth of it: TPOT 10 ms gives 1980 GB/s.
  cell.model_bytes = 19'800'000'000;
  cell.model_bytes_source = "ollama reported model size";
  update(cell);
  const RunReport rep = report();
  EXPECT_EQ(rep.cells[0].bandwidth, BandwidthStatus::implausible);
  EXPECT_EQ(rep.cells[0].bandwidth_note,
            "1980 GB/s would be 934 % of evo-x2's 212 GB/s; a decode step cannot read faster than the memory delivers, "
            "so the 19.80 GB per step (ollama reported model size) is more than a step reads (a mixture of experts "
            "reads only its active experts)");
  const std::string table = render_terminal_table(rep);
  EXPECT_EQ(table.find("934 % of memory bandwidth"), std::string::npos) << table;
  EXPECT_NE(table.find("memory bandwidth IMPLAUSIBLE: 1980 GB/s would be 934 %"), std::string::npos) << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("| **implausible** (see below) |"), std::string::npos) << md;
  EXPECT_NE(md.find("because it exceeds the hardware's:\n\n- c=1: 1980 GB/s would be 934 %"), std::string::npos) << md;
  simdjson::dom::parser parser;
  std::string text;
  auto bw = json(parser, rep, text)["cells"].at(0)["telemetry"]["memory_bandwidth"];
  EXPECT_EQ(std::string_view(bw["status"]), "implausible");
  EXPECT_TRUE(bw["percent_of_hardware"].is_null()) << text;
  EXPECT_TRUE(bw["effective_gbs"].is_null()) << text;
  EXPECT_EQ(std::string_view(bw["bytes_per_token_source"]), "ollama reported model size");
}

TEST_F(ReportCase, BandwidthFromARealSourceIsPrintedWithItsSource) {
  run_.telemetry_interval_ms = 100;
  run_.hardware = "evo-x2";
  insert_run();
  auto& cell = add_cell("target", 1, 3);
  cell.model_bytes = 1'500'000'000;  // 150 GB/s at 10 ms a step
  cell.model_bytes_source = "GGUF header of /models/m.gguf";
  update(cell);
  const RunReport rep = report();
  EXPECT_EQ(rep.cells[0].bandwidth, BandwidthStatus::measured);
  const std::string table = render_terminal_table(rep);
  EXPECT_NE(table.find(", 71 % of memory bandwidth (1.50 GB per step: GGUF header of /models/m.gguf)"), std::string::npos)
      << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("| 150 GB/s (71 % of 212) |"), std::string::npos) << md;
  EXPECT_NE(md.find("with bytes per step from:\n\n- 1.50 GB per step: GGUF header of /models/m.gguf\n"), std::string::npos)
      << md;
  simdjson::dom::parser parser;
  std::string text;
  auto bw = json(parser, rep, text)["cells"].at(0)["telemetry"]["memory_bandwidth"];
  EXPECT_EQ(std::string_view(bw["status"]), "measured");
  EXPECT_NEAR(double(bw["percent_of_hardware"]), 150.0 / 212 * 100, 0.01);
  EXPECT_TRUE(bw["note"].is_null());
}

TEST_F(ReportCase, TheRooflineWithinRoundingIsAMeasurementAndAboveItIsNot) {
  run_.telemetry_interval_ms = 100;
  run_.hardware = "evo-x2";
  insert_run();
  // At 10 ms a step: 100.4 % and 100.6 % of 212 GB/s.
  for (const std::int64_t bytes : {std::int64_t{2'128'480'000}, std::int64_t{2'132'720'000}}) {
    auto& cell = add_cell("target", static_cast<int>(cells_.size()) + 1, 3);
    cell.model_bytes = bytes;
    cell.model_bytes_source = "--model-bytes";
    update(cell);
  }
  const RunReport rep = report();
  EXPECT_EQ(rep.cells[0].bandwidth, BandwidthStatus::measured);
  EXPECT_EQ(rep.cells[1].bandwidth, BandwidthStatus::implausible);
  const std::string table = render_terminal_table(rep);
  EXPECT_NE(table.find("c=1: CPU not measured, 100 % of memory bandwidth (2.13 GB per step: --model-bytes)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("c=2: CPU not measured, memory bandwidth IMPLAUSIBLE: 213 GB/s would be 101 % of evo-x2's"),
            std::string::npos)
      << table;
}

TEST(ModelBytesSource, OnlyRealSourcesCount) {
  EXPECT_TRUE(is_real_model_bytes_source("--model-bytes", true));
  EXPECT_TRUE(is_real_model_bytes_source("suite model_bytes", false));
  EXPECT_TRUE(is_real_model_bytes_source("GGUF header of /m.gguf", true));
  EXPECT_TRUE(is_real_model_bytes_source("catalog entry qwen3-32b:q4_k_m", true));
  EXPECT_TRUE(is_real_model_bytes_source("llama.cpp reported model size", false));
  EXPECT_FALSE(is_real_model_bytes_source("llama.cpp reported model size", true));
  EXPECT_FALSE(is_real_model_bytes_source("", false));
  EXPECT_FALSE(is_real_model_bytes_source("default", false));
}

TEST_F(ReportCase, ASuiteOfSeveralTargetsSaysWhichRowIsWhichEverywhere) {
  run_.suite_name = "two-quants";
  run_.suite_path = "two-quants.yaml";
  run_.telemetry_interval_ms = 100;
  insert_run();
  for (const char* target : {"q4", "q8"}) {
    store::NoteRow note;
    note.run_id = run_.id;
    note.source = "nvml";
    note.message = "libnvidia-ml.so.1 not found";
    store_->insert_note(note);  // each target's telemetry session says it again
    add_cell(target, 1, 3);
    add_cell(target, 4, 2, 1);
  }
  const RunReport rep = report();
  EXPECT_EQ(rep.telemetry_notes.size(), 1u);
  const std::string md = render_summary_markdown(rep);
  EXPECT_EQ(md.find("(API ``)"), std::string::npos) << md;
  EXPECT_NE(md.find("# hakari run 1 — suite two-quants\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| Suite | two-quants (two-quants.yaml) |\n| Targets | 2: q4, q8 (see Targets below) |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| Target | Workload | Concurrency | n | TTFT | ITL | TPOT | E2E |\n|---|---|---:|"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| q8 | chat | 4 | 2 | 40.0 ± 0.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("- q8/chat c=4: 3 requests"), std::string::npos) << md;
  EXPECT_NE(md.find("| Target | Workload | Concurrency | Client-host CPU mean / peak |"), std::string::npos) << md;
  EXPECT_NE(md.find("| q8 | chat | 4 | — / — |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Target | Workload | Concurrency | Reason | Count |\n|---|---|---:|---|---:|\n| q4 | chat | 4 | "
                    "http_status | 1 |\n| q8 | chat | 4 | http_status | 1 |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("Example at q8/chat c=4: "), std::string::npos) << md;
  std::size_t said = 0;
  for (auto at = md.find("libnvidia-ml.so.1 not found"); at != std::string::npos; at = md.find("libnvidia-ml", at + 1)) ++said;
  EXPECT_EQ(said, 1u) << md;
  simdjson::dom::parser parser;
  std::string text;
  EXPECT_EQ(json(parser, rep, text)["telemetry_notes"].get_array().size(), 1u) << text;
}

TEST_F(ReportCase, ASuiteOfOneLaunchedTargetTakesItsHeaderFromTheCells) {
  run_.suite_name = "one";
  run_.suite_path = "one.yaml";
  insert_run();  // a launched target: the run has no URL, API or server of its own
  add_cell("q4", 1, 3);
  const std::string md = render_summary_markdown(report());
  EXPECT_NE(md.find("| Target | http://127.0.0.1:8080 (API `llamacpp`) |\n| Server | llama.cpp b5601 |\n"), std::string::npos)
      << md;
}

TEST_F(ReportCase, TwoLoadProfilesAtOneLevelAreTwoRowsThatSayWhich) {
  insert_run();
  add_cell("t", 1, 3);
  auto& other = add_cell("t", 1, 3);
  other.load_profile = "burst";
  update(other);
  const RunReport rep = report();
  EXPECT_NE(render_terminal_table(rep).find("t/chat/burst"), std::string::npos);
  EXPECT_NE(render_summary_markdown(rep).find("| t | chat · burst | 1 |"), std::string::npos);
}

TEST_F(ReportCase, AKilledRunSaysItIsIncompleteAtTheTop) {
  run_.status = "running";  // what a hakari killed by SIGKILL leaves
  run_.finished_at.clear();
  run_.suite_name = "matrix";
  run_.suite_path = "matrix.yaml";
  insert_run();
  add_cell("t", 1, 3);
  add_cell("t", 4, 2, 0, 0, "running");
  const RunReport rep = report();
  const std::string md = render_summary_markdown(rep);
  EXPECT_EQ(md.find("# hakari run 1 — suite matrix\n\n> **Incomplete run:** its status is still 'running', so hakari was "
                    "killed (or is still measuring). Cells not reached are missing, and the last one may stop short; "
                    "continue it with: hakari run matrix.yaml --resume.\n"),
            0u)
      << md;
  EXPECT_NE(md.find("| 4 (hakari stopped) | 2 | 0 | 0 | 40.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Run | 2026-11-28T10:00:00Z → — (running) |"), std::string::npos) << md;
  const std::string table = render_terminal_table(rep);
  EXPECT_EQ(table.find("\nINCOMPLETE RUN: its status is still 'running'"), table.find('\n')) << table;
  EXPECT_NE(table.find(" · hakari stopped\n"), std::string::npos) << table;
  simdjson::dom::parser parser;
  std::string text;
  EXPECT_EQ(std::string_view(json(parser, rep, text)["incomplete"]).substr(0, 30), "its status is still 'running',");
}

TEST_F(ReportCase, AnInterruptedRunSaysSoAndAFinishedOneDoesNot) {
  run_.status = "interrupted";
  insert_run();
  add_cell("t", 1, 3);
  EXPECT_NE(render_summary_markdown(report()).find("> **Incomplete run:** interrupted (Ctrl-C) before it finished."),
            std::string::npos);
  EXPECT_NE(render_terminal_table(report()).find("INCOMPLETE RUN: interrupted (Ctrl-C)"), std::string::npos);
  run_.status = "stopped";  // a status a later hakari may write: not taken for a finished run
  store_->update_run(run_);
  EXPECT_EQ(incomplete_run_warning(report().run),
            "its status is 'stopped', not one of a finished run. Cells not reached are missing.");
  for (const char* finished : {"complete", "failed"}) {
    run_.status = finished;
    store_->update_run(run_);
    EXPECT_EQ(render_summary_markdown(report()).find("Incomplete"), std::string::npos) << finished;
    EXPECT_EQ(render_terminal_table(report()).find("INCOMPLETE"), std::string::npos) << finished;
    simdjson::dom::parser parser;
    std::string text;
    EXPECT_TRUE(json(parser, report(), text)["incomplete"].is_null()) << finished;
  }
}

// The server's own token counter over a cell (warm-up included) against hakari's count
// of the same requests: equal is said quietly, a difference loudly.
TEST_F(ReportCase, TheServersTokenCounterIsComparedWithHakarisCount) {
  run_.target_url = "http://127.0.0.1:8080";
  insert_run();
  auto& agree = add_cell("target", 1, 2, 1);  // 3 records of 4 tokens each
  store_->insert_requests(agree.id, {record(9, 900'000'000, true)}, store::RequestTable::warmup);
  agree.server_output_tokens = 16;
  agree.server_output_tokens_source = "llamacpp:tokens_predicted_total (delta over the cell, warm-up included)";
  update(agree);
  auto& differ = add_cell("target", 2, 2);
  differ.server_output_tokens = 11;
  differ.server_output_tokens_source = "llamacpp:tokens_predicted_total (delta over the cell, warm-up included)";
  update(differ);
  add_cell("target", 4, 1);  // no counter: nothing to compare
  const RunReport rep = report();
  ASSERT_EQ(rep.cells.size(), 3u);
  EXPECT_TRUE(rep.cells[0].tokens_match());
  EXPECT_FALSE(rep.cells[1].tokens_match());

  simdjson::dom::parser parser;
  std::string text;
  const auto doc = json(parser, rep, text);
  const auto first = doc["cells"].at(0)["server_token_check"];
  EXPECT_EQ(int64_t(first["server"]), 16);
  EXPECT_EQ(int64_t(first["client"]), 16);
  EXPECT_TRUE(bool(first["match"]));
  EXPECT_FALSE(bool(doc["cells"].at(1)["server_token_check"]["match"]));
  EXPECT_EQ(int64_t(doc["cells"].at(1)["server_token_check"]["client"]), 8);
  EXPECT_TRUE(doc["cells"].at(2)["server_token_check"].is_null());

  const std::string table = render_terminal_table(rep);
  EXPECT_EQ(table.find("c=1: TOKEN COUNTS DISAGREE"), std::string::npos) << table;
  EXPECT_NE(table.find("c=2: TOKEN COUNTS DISAGREE: the server counted 11, hakari 8 (warm-up included)"),
            std::string::npos)
      << table;
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("the server's own counter agrees (16 tokens, warm-up included)"), std::string::npos) << md;
  EXPECT_NE(md.find("**the server's own counter says 11 tokens, hakari counted 8**"), std::string::npos) << md;
}

TEST_F(ReportCase, RequestsSentAgainOnAFreshConnectionAreCountedPerCell) {
  run_.target_url = "http://127.0.0.1:8080";
  insert_run();
  const auto& cell = add_cell("target", 1, 0);
  std::vector<RequestRecord> records{record(0, 1'000'000'000, true), record(1, 1'100'000'000, true),
                                     record(2, 1'200'000'000, false)};
  records[1].resends = 1;
  records[2].resends = 1;
  store_->insert_requests(cell.id, records);
  const RunReport rep = report();
  EXPECT_EQ(rep.cells[0].summary.requests_resent, 2);
  simdjson::dom::parser parser;
  std::string text;
  EXPECT_EQ(int64_t(json(parser, rep, text)["cells"].at(0)["requests_resent"]), 2);
  const std::string md = render_summary_markdown(rep);
  EXPECT_NE(md.find("; 2 sent again on a fresh connection after the server closed a kept-alive one"), std::string::npos)
      << md;
}

}  // namespace
}  // namespace hakari::report
