#include "hakari/store/results_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "hakari/store/record_writer.h"

namespace hakari::store {
namespace {

using metrics::ChunkMark;
using metrics::CountSource;
using metrics::ErrorClass;
using metrics::RequestRecord;
using metrics::RequestStatus;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hakari-store-test-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "results.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static RequestRecord sample(std::int64_t index) {
    RequestRecord r;
    r.index = index;
    r.request_id = "hakari-r1-c1-" + std::to_string(index);
    r.scheduled = 5'000'000'000 + index;
    r.sent = r.scheduled + 10;
    r.first_byte = r.sent + 1'000'000;
    r.first_token = r.sent + 50'000'000;
    r.last_token = r.first_token + 620'000'000;
    r.done = r.last_token + 300'000;
    r.http_status = 200;
    r.prompt_tokens = 140;
    r.prompt_tokens_source = CountSource::server_usage;
    r.output_tokens = 32;
    r.output_tokens_source = CountSource::server_usage;
    r.client_tokens = 32;
    r.content_bytes = 97;
    r.finish_reason = "length";
    r.server.prompt_n = 140;
    r.server.prompt_ms = 41.5;
    r.server.predicted_n = 32;
    r.chunks = {{r.sent + 1000, 0}, {r.first_token, 1}, {r.last_token, 1}};
    r.output_text = "日本語 \"quoted\"";
    return r;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StoreTest, RunCellAndRequestsRoundTrip) {
  ResultsStore store(path_);
  RunInfo run;
  run.started_at = "2026-11-27T10:00:00Z";
  run.target_url = "http://127.0.0.1:8080";
  run.api = "openai-chat";
  run.simulated = 1;
  run.load_avg = 0.25;
  store.insert_run(run);
  ASSERT_GT(run.id, 0);
  CellInfo cell;
  cell.run_id = run.id;
  cell.concurrency = 10;
  cell.max_tokens = 32;
  cell.length_forcing = "ignore_eos";
  store.insert_cell(cell);

  RequestRecord failed = sample(1);
  failed.status = RequestStatus::failed;
  failed.error = ErrorClass::stream_error;
  failed.error_detail = "simulated failure";
  failed.prompt_tokens.reset();
  failed.server = {};
  store.insert_requests(cell.id, {sample(0), failed});

  auto back = store.requests(cell.id);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], sample(0));
  EXPECT_EQ(back[1], failed);
  EXPECT_FALSE(back[1].prompt_tokens);
  EXPECT_FALSE(back[1].server.prompt_ms);

  run.status = "complete";
  store.update_run(run);
  cell.status = "complete";
  store.update_cell(cell);
  auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "complete");
  EXPECT_EQ(runs[0].target_url, "http://127.0.0.1:8080");
  EXPECT_DOUBLE_EQ(runs[0].load_avg, 0.25);
  auto cells = store.cells(run.id);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].concurrency, 10);
  EXPECT_EQ(cells[0].status, "complete");
  EXPECT_EQ(cells[0].length_forcing, "ignore_eos");
}

TEST_F(StoreTest, WarmupsLiveInTheirOwnTable) {
  ResultsStore store(path_);
  RunInfo run;
  store.insert_run(run);
  CellInfo cell;
  cell.run_id = run.id;
  store.insert_cell(cell);
  store.insert_requests(cell.id, {sample(0)}, RequestTable::warmup);
  store.insert_requests(cell.id, {sample(0), sample(1), sample(2)});
  EXPECT_EQ(store.requests(cell.id).size(), 3u);
  EXPECT_EQ(store.requests(cell.id, RequestTable::warmup).size(), 1u);

  // Plain SQL sees one row per measured request, as a user querying the file would.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), SUM(output_tokens) FROM requests WHERE status = 'ok'", -1, &st,
                               nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 3);
  EXPECT_EQ(sqlite3_column_int(st, 1), 96);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerHakari) {
  { ResultsStore store(path_); }
  {
    Database db(path_);
    db.set_user_version(ResultsStore::kSchemaVersion + 1);
  }
  try {
    ResultsStore store(path_);
    FAIL() << "a newer schema must be refused";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer hakari"), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, AddsColumnsAnOlderDatabaseLacks) {
  {
    Database db(path_);
    db.exec("CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT)");
    db.exec("INSERT INTO runs (started_at) VALUES ('2026-01-01T00:00:00Z')");
  }
  ResultsStore store(path_);
  auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].started_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(runs[0].target_url, "");
}

TEST_F(StoreTest, ACorruptChunkBlobIsReportedNotMisread) {
  ResultsStore store(path_);
  RunInfo run;
  store.insert_run(run);
  CellInfo cell;
  cell.run_id = run.id;
  store.insert_cell(cell);
  store.insert_requests(cell.id, {sample(0)});
  {
    Database db(path_);
    db.exec("UPDATE requests SET chunks = x'0180'");
  }
  EXPECT_THROW(store.requests(cell.id), StoreError);
}

TEST_F(StoreTest, WriterCommitsEverythingByFlushAndOnDestruction) {
  ResultsStore store(path_);
  RunInfo run;
  store.insert_run(run);
  CellInfo cell;
  cell.run_id = run.id;
  store.insert_cell(cell);
  {
    RecordWriter writer(store, 5 * kNanosPerSecond);  // a long delay: flush must not wait for it
    for (int i = 0; i < 50; ++i) writer.add(cell.id, RequestTable::measured, sample(i));
    const Nanos t0 = now_ns();
    writer.flush();
    EXPECT_LT(to_s(now_ns() - t0), 2.0);
    EXPECT_EQ(store.requests(cell.id).size(), 50u);
    writer.add(cell.id, RequestTable::warmup, sample(99));
  }
  EXPECT_EQ(store.requests(cell.id, RequestTable::warmup).size(), 1u);
}

TEST_F(StoreTest, TelemetrySeriesSamplesAndNotes) {
  ResultsStore store(path_);
  RunInfo run;
  run.telemetry_interval_ms = 200;
  run.hardware = "evo-x2";
  run.model_bytes = 19'800'000'000;
  store.insert_run(run);
  SeriesRow power{0, run.id, "gpu.amdgpu:card1.power_w", "watts", "gauge", "vendor=amd;power_scope=soc"};
  store.insert_series(power);
  SeriesRow energy{0, run.id, "energy.rapl:package-0.joules", "joules", "counter", "scope=cpu-package"};
  store.insert_series(energy);
  std::vector<SampleRow> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back({power.id, 1'000'000'000LL + i * 200'000'000LL, 80.0 + i});
    rows.push_back({energy.id, 1'000'000'000LL + i * 200'000'000LL, 1000.0 + 10 * i});
  }
  store.insert_samples(rows);
  NoteRow note{0, run.id, 5, "rapl", "energy_uj: permission denied"};
  store.insert_note(note);

  auto series = store.series(run.id);
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].name, "gpu.amdgpu:card1.power_w");
  EXPECT_EQ(series[1].kind, "counter");
  EXPECT_EQ(series[1].labels, "scope=cpu-package");
  auto all = store.samples(power.id);
  ASSERT_EQ(all.size(), 10u);
  EXPECT_DOUBLE_EQ(all[9].value, 89.0);
  // A window: samples 2..4 inclusive.
  auto window = store.samples(power.id, 1'400'000'000, 1'800'000'000);
  ASSERT_EQ(window.size(), 3u);
  EXPECT_DOUBLE_EQ(window.front().value, 82.0);
  auto notes = store.notes(run.id);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].source, "rapl");
  auto back = store.run(run.id);
  EXPECT_EQ(back->hardware, "evo-x2");
  EXPECT_EQ(back->model_bytes, 19'800'000'000);
  EXPECT_EQ(back->telemetry_interval_ms, 200);
}

TEST_F(StoreTest, UnopenablePathNamesThePath) {
  try {
    ResultsStore store("/nonexistent-dir-for-hakari/results.db");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir-for-hakari/results.db"), std::string::npos);
  }
}

// A full disk must be reported as such: SQLite ends the transaction itself, and the
// ROLLBACK after it used to fail and hide the cause ("cannot rollback - no transaction is
// active"). A page cap makes SQLite report SQLITE_FULL exactly as a full disk does.
TEST_F(StoreTest, AFullDatabaseIsReportedAsDiskFullAndTheWriterSaysSo) {
  ResultsStore store(path_);
  RunInfo run;
  store.insert_run(run);
  CellInfo cell;
  cell.run_id = run.id;
  store.insert_cell(cell);
  store.insert_requests(cell.id, {sample(0)});
  std::vector<RequestRecord> many;
  for (int i = 1; i < 400; ++i) {
    many.push_back(sample(i));
    many.back().output_text.assign(2000, 'x');
  }
  store.cap_growth(64 * 1024);
  try {
    store.insert_requests(cell.id, many);
    FAIL() << "the insert should not fit";
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.disk_full()) << e.what();
    EXPECT_EQ(std::string(e.what()).find("cannot rollback"), std::string::npos) << e.what();
  }
  // What was committed before stands, and the connection is usable.
  EXPECT_EQ(store.requests(cell.id).size(), 1u);

  RecordWriter writer(store, kNanosPerMilli);
  EXPECT_FALSE(writer.failed());
  for (auto& r : many) writer.add(cell.id, RequestTable::measured, r);
  EXPECT_THROW(writer.flush(), StoreError);
  EXPECT_TRUE(writer.failed());
}

TEST_F(StoreTest, ResendsAndTheServersTokenCountRoundTrip) {
  ResultsStore store(path_);
  RunInfo run;
  store.insert_run(run);
  CellInfo cell;
  cell.run_id = run.id;
  store.insert_cell(cell);
  EXPECT_FALSE(store.cells(run.id)[0].server_output_tokens.has_value());
  cell.server_output_tokens = 3200;
  cell.server_output_tokens_source = "llamacpp:tokens_predicted_total";
  store.update_cell(cell);
  EXPECT_EQ(store.cells(run.id)[0].server_output_tokens, 3200);
  RequestRecord r = sample(0);
  r.resends = 1;
  store.insert_requests(cell.id, {r});
  EXPECT_EQ(store.requests(cell.id)[0].resends, 1);
}

}  // namespace
}  // namespace hakari::store
