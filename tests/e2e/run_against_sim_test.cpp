// The whole path, as a user runs it: `hakari sim` as a real process, `hakari run` as
// another, then the files they leave. Timing assertions compare against what the
// simulator was told (and, where it can say, what it actually did).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "hakari/metrics/request_record.h"
#include "support/process.h"
#include "support/results_db.h"
#include "support/test_files.h"

namespace hakari {
namespace {

using testing::ChildProcess;
using testing::SimProcess;
using testing::query;

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hakari-e2e-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct RunResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

RunResult hakari_run(std::vector<std::string> flags, int timeout_ms = 120'000) {
  std::vector<std::string> args{HAKARI_BINARY, "run"};
  args.insert(args.end(), flags.begin(), flags.end());
  ChildProcess p(args);
  int code = p.wait(timeout_ms);
  return {code, p.out(), p.err()};
}

double number(simdjson::dom::element e, const char* key) {
  double v = 0;
  auto err = e[key].get_double();
  if (err.error()) {
    int64_t i = 0;
    if (!e[key].get_int64().get(i)) return static_cast<double>(i);
    ADD_FAILURE() << "no number at " << key;
    return 0;
  }
  v = err.value();
  return v;
}

class ContractTest : public ::testing::TestWithParam<std::string> {};

// The contract, word for word, for each API family.
TEST_P(ContractTest, FiftyMsTtftAndTwentyMsItlReadBackWithinTenPercent) {
  // Each API family against the server it belongs to: OpenAI chat as vLLM serves it (usage
  // in a chunk of its own), Ollama's NDJSON, llama.cpp's /completion.
  const std::string server = GetParam() == "openai" ? "vllm" : GetParam() == "ollama" ? "ollama" : "llama.cpp";
  SimProcess sim({"--as", server, "--ttft-ms", "50", "--itl-ms", "20"});
  const auto out = fresh_dir("contract-" + GetParam());
  RunResult r = hakari_run({"--target", sim.url(), "--api", GetParam(), "--concurrency", "1,10", "--requests", "20",
                            "--max-tokens", "32", "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(summary));
  EXPECT_EQ(int64_t(summary["schema_version"]), 1);
  EXPECT_TRUE(bool(summary["simulated"]));
  simdjson::dom::array cells = summary["cells"];
  ASSERT_EQ(cells.size(), 2u);
  std::vector<int64_t> levels;
  for (simdjson::dom::element cell : cells) {
    const int64_t c = cell["concurrency"];
    levels.push_back(c);
    EXPECT_EQ(int64_t(cell["requests_ok"]), 20) << "c=" << c;
    EXPECT_EQ(int64_t(cell["requests_failed"]), 0) << "c=" << c;
    const double ttft_p50 = number(cell["ttft_ms"], "p50");
    const double itl_p50 = number(cell["itl_ms"], "p50");
    EXPECT_NEAR(ttft_p50, 50.0, 5.0) << "c=" << c;
    EXPECT_NEAR(itl_p50, 20.0, 2.0) << "c=" << c;
    for (const char* k : {"mean", "p50", "p90", "p99"}) {
      EXPECT_GT(number(cell["ttft_ms"], k), 0) << k;
      EXPECT_GT(number(cell["e2e_ms"], k), 0) << k;
      EXPECT_GT(number(cell["tpot_ms"], k), 0) << k;
    }
    // 32 tokens: E2E = TTFT + 31 gaps of 20 ms.
    EXPECT_NEAR(number(cell["e2e_ms"], "p50"), 50 + 31 * 20, 25) << "c=" << c;
    EXPECT_NEAR(number(cell["tpot_ms"], "p50"), 20.0, 1.0) << "c=" << c;
    const double tps = number(cell, "output_tokens_per_s");
    // One stream makes at most 32 tokens per 0.67 s; ten make about ten times that.
    if (c == 1) {
      EXPECT_NEAR(tps, 32 / 0.670, 5);
    } else {
      EXPECT_NEAR(tps, 10 * 32 / 0.670, 60);
    }
  }
  EXPECT_EQ(levels, (std::vector<int64_t>{1, 10}));

  auto rows = query(out / "results.db", "SELECT COUNT(*), SUM(status = 'ok'), MIN(output_tokens), MAX(output_tokens) FROM requests");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "40");
  EXPECT_EQ(rows[0][1], "40");
  // Ollama cannot be told to ignore EOS, but the simulator's natural answers (128+ tokens)
  // are longer than 32, so every API comes back with exactly 32.
  EXPECT_EQ(rows[0][2], "32");
  EXPECT_EQ(rows[0][3], "32");
  EXPECT_TRUE(std::filesystem::exists(out / "summary.md"));
  EXPECT_EQ(sim.stop(), 0) << sim.err();
  std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Apis, ContractTest, ::testing::Values("openai", "ollama", "llamacpp"));

TEST(RunAgainstSim, ClientTimestampsMatchTheSimulatorsEmissionTimes) {
  const auto out = fresh_dir("trace");
  std::filesystem::create_directories(out);
  const auto trace = out / "trace.ndjson";
  SimProcess sim({"--ttft-ms", "30", "--itl-ms", "10", "--trace", trace.string()});
  RunResult r = hakari_run({"--target", sim.url(), "--api", "openai", "--concurrency", "4", "--requests", "12",
                            "--max-tokens", "24", "--warmup", "0", "--out", out.string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(sim.stop(), 0);

  // Emission time of each token, by request id and token index.
  std::map<std::pair<std::string, int64_t>, int64_t> emitted;
  std::map<int64_t, std::string> request_of_seq;
  simdjson::dom::parser parser;
  std::istringstream lines(slurp(trace));
  for (std::string line; std::getline(lines, line);) {
    simdjson::dom::element e;
    ASSERT_FALSE(parser.parse(line).get(e)) << line;
    std::string_view ev = e["event"];
    int64_t seq = e["seq"];
    if (ev == "request") request_of_seq[seq] = std::string(std::string_view(e["request_id"]));
    if (ev == "token") emitted[{request_of_seq[seq], int64_t(e["index"])}] = int64_t(e["t_ns"]);
  }

  auto rows = query(out / "results.db", "SELECT request_id, sent_ns, hex(chunks) FROM requests");
  ASSERT_EQ(rows.size(), 12u);
  std::vector<double> lag_ms;
  for (const auto& row : rows) {
    std::string blob;
    for (std::size_t i = 0; i + 1 < row[2].size(); i += 2) blob.push_back(static_cast<char>(std::stoi(row[2].substr(i, 2), nullptr, 16)));
    std::vector<metrics::ChunkMark> chunks;
    ASSERT_TRUE(metrics::unpack_chunks(blob, std::stoll(row[1]), chunks));
    int64_t k = 0;
    for (const auto& c : chunks) {
      if (c.tokens == 0) continue;
      auto it = emitted.find({row[0], k++});
      ASSERT_NE(it, emitted.end()) << row[0] << " token " << k - 1;
      lag_ms.push_back(to_ms(c.t - it->second));
    }
    EXPECT_EQ(k, 24);
  }
  std::sort(lag_ms.begin(), lag_ms.end());
  // Arrival can never precede emission; on loopback it follows within a fraction of a ms.
  EXPECT_GE(lag_ms.front(), 0.0);
  EXPECT_LT(lag_ms[lag_ms.size() / 2], 1.0) << "median lag";
  EXPECT_LT(lag_ms[lag_ms.size() * 99 / 100], 5.0) << "p99 lag";
  std::filesystem::remove_all(out);
}

TEST(RunAgainstSim, FailedRequestsAreRecordedWithTheirReasonAndTheRunGoesOn) {
  const auto out = fresh_dir("faults");
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "2", "--fault", "http-500@2", "--fault", "stream-error@4", "--fault",
                  "malformed@6", "--fault", "truncate@8", "--fault", "drop@10"});
  RunResult r = hakari_run({"--target", sim.url(), "--api", "openai", "--concurrency", "1", "--requests", "12",
                            "--max-tokens", "16", "--warmup", "0", "--out", out.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // some requests succeeded: the cell stands
  auto rows = query(out / "results.db", "SELECT idx, status, error_class, error_detail FROM requests ORDER BY idx");
  ASSERT_EQ(rows.size(), 12u);
  std::map<int, std::string> expected{{1, "http_status"}, {3, "stream_error"}, {5, "malformed_frame"}, {7, "truncated"}, {9, "recv"}};
  for (const auto& row : rows) {
    const int idx = std::stoi(row[0]);
    if (expected.count(idx)) {
      EXPECT_EQ(row[1], "failed") << idx;
      EXPECT_EQ(row[2], expected[idx]) << idx << ": " << row[3];
      EXPECT_FALSE(row[3].empty()) << idx;
    } else {
      EXPECT_EQ(row[1], "ok") << idx << ": " << row[3];
    }
  }
  EXPECT_NE(rows[1][3].find("HTTP 500"), std::string::npos) << rows[1][3];
  EXPECT_NE(rows[3][3].find("simulated failure"), std::string::npos) << rows[3][3];
  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(summary));
  simdjson::dom::element cell = summary["cells"].at(0);
  EXPECT_EQ(int64_t(cell["requests_ok"]), 7);
  EXPECT_EQ(int64_t(cell["requests_failed"]), 5);
  EXPECT_EQ(int64_t(cell["errors"]["truncated"]), 1);
  std::filesystem::remove_all(out);
}

TEST(RunAgainstSim, AutoDetectsTheApiAndRecordsProvenance) {
  const auto out = fresh_dir("auto");
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "2"});
  RunResult r = hakari_run({"--target", sim.url() + "/v1/", "--concurrency", "2", "--requests", "4", "--max-tokens",
                            "8", "--out", out.string(), "--json", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_FALSE(parser.parse(r.out).get(summary)) << "--json prints summary.json on stdout";
  simdjson::dom::element run = summary["run"];
  EXPECT_EQ(std::string_view(run["api"]), "llamacpp");
  EXPECT_EQ(std::string_view(run["target_url"]), sim.url());
  EXPECT_EQ(std::string_view(run["server"]["kind"]), "llama.cpp");
  EXPECT_TRUE(bool(run["server"]["simulated"]));
  EXPECT_EQ(std::string_view(run["status"]), "complete");
  EXPECT_FALSE(std::string_view(run["hakari"]["commit"]).empty());
  EXPECT_GT(int64_t(run["host"]["logical_cpus"]), 0);
  EXPECT_NE(std::string_view(run["command_line"]).find("--max-tokens 8"), std::string_view::npos);
  auto ids = query(out / "results.db", "SELECT request_id FROM requests ORDER BY idx LIMIT 1");
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0][0].rfind("hakari-r1-c1-0", 0), 0u);
  // The warm-up is kept, apart.
  EXPECT_EQ(query(out / "results.db", "SELECT COUNT(*) FROM warmup_requests")[0][0], "1");

  // `hakari report` makes the same table again from the database alone.
  ChildProcess rep({HAKARI_BINARY, "report", "--db", (out / "results.db").string()});
  EXPECT_EQ(rep.wait(30'000), 0) << rep.err();
  EXPECT_NE(rep.out().find("SIMULATED"), std::string::npos) << rep.out();
  std::filesystem::remove_all(out);
}

TEST(RunAgainstSim, CtrlCKeepsWhatWasMeasured) {
  const auto out = fresh_dir("sigint");
  SimProcess sim({"--ttft-ms", "10", "--itl-ms", "10"});
  ChildProcess run({HAKARI_BINARY, "run", "--target", sim.url(), "--api", "openai", "--concurrency", "2", "--requests",
                    "1000", "--max-tokens", "20", "--warmup", "0", "--out", out.string()});
  ::usleep(1'500'000);  // about six requests complete per second per stream
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(30'000), 130) << run.err();
  EXPECT_NE(run.err().find("interrupted"), std::string::npos);
  auto rows = query(out / "results.db", "SELECT status, COUNT(*) FROM requests GROUP BY status ORDER BY status");
  std::map<std::string, int> by_status;
  for (const auto& row : rows) by_status[row[0]] = std::stoi(row[1]);
  EXPECT_GE(by_status["ok"], 4);
  EXPECT_LE(by_status["cancelled"], 2);
  EXPECT_EQ(by_status["failed"], 0);
  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(summary));
  EXPECT_EQ(std::string_view(summary["run"]["status"]), "interrupted");
  EXPECT_EQ(int64_t(summary["cells"].at(0)["requests_ok"]), by_status["ok"]);
  std::filesystem::remove_all(out);
}

TEST(RunAgainstSim, AKilledRunIsReportedAsIncomplete) {
  const auto out = fresh_dir("killed");
  SimProcess sim({"--ttft-ms", "10", "--itl-ms", "10"});
  ChildProcess run({HAKARI_BINARY, "run", "--target", sim.url(), "--api", "openai", "--concurrency", "2", "--requests",
                    "1000", "--max-tokens", "20", "--warmup", "0", "--out", out.string(), "--quiet"});
  // Wait until requests are stored, then kill it as the OOM killer would: no summary, status left 'running'.
  auto stored_requests = [&] {
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    std::int64_t n = 0;
    if (sqlite3_open_v2((out / "results.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM requests", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;  // 0 also while the database is being created
  };
  for (int i = 0; i < 150 && stored_requests() == 0; ++i) ::usleep(100'000);
  run.signal(SIGKILL);
  EXPECT_EQ(run.wait(30'000), 128 + SIGKILL);
  EXPECT_EQ(query(out / "results.db", "SELECT status FROM runs")[0][0], "running");

  ChildProcess rep({HAKARI_BINARY, "report", "--db", (out / "results.db").string(), "--out", (out / "again").string()});
  EXPECT_EQ(rep.wait(30'000), 0) << rep.err();
  const std::string table = rep.out();
  // The second line, right under the title.
  EXPECT_EQ(table.find("\nINCOMPLETE RUN: its status is still 'running', so hakari was killed"), table.find('\n')) << table;
  const std::string md = slurp(out / "again" / "summary.md");
  EXPECT_EQ(md.find("\n\n> **Incomplete run:** its status is still 'running'"), md.find('\n')) << md;
  EXPECT_NE(md.find(" (hakari stopped) |"), std::string::npos) << md;
  std::filesystem::remove_all(out);
}

TEST(RunErrors, UnreachableTargetIsOneClearLineAndExitOne) {
  RunResult r = hakari_run({"--target", "http://127.0.0.1:1", "--requests", "1", "--out", fresh_dir("unreachable").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("hakari run: cannot reach http://127.0.0.1:1: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(RunErrors, BadFlagsExitTwoWithAMessage) {
  struct Case {
    std::vector<std::string> flags;
    std::string says;
  };
  const std::vector<Case> cases{
      {{"--target", "http://127.0.0.1:9", "--api", "grpc"}, "unknown API 'grpc'"},
      {{"--target", "127.0.0.1:8080"}, "not an http:// or https:// URL"},
      {{"--target", "http://127.0.0.1:9", "--concurrency", "0"}, "--concurrency: 0 is not in 1..4096"},
      {{"--target", "http://127.0.0.1:9", "--requests", "0"}, "--requests"},
      {{"--target", "http://127.0.0.1:9", "--max-tokens", "many"}, "--max-tokens"},
      {{"--requests", "3"}, "give a suite file or --target URL"},
      {{"--target", "http://127.0.0.1:9", "--header", "NoColon"}, "is not of the form 'Name: value'"},
  };
  for (const auto& c : cases) {
    RunResult r = hakari_run(c.flags, 20'000);
    EXPECT_EQ(r.exit_code, 2) << c.says << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

TEST(RunErrors, MistakesANewUserMadeAreOneLineAndExitTwo) {
  struct Case {
    std::vector<std::string> flags;
    std::string says;  // the whole of stderr
  };
  const std::string url = "http://127.0.0.1:9";
  const std::vector<Case> cases{
      // Two cells under one key, and an empty level, used to be run.
      {{"--target", url, "-c", "4,4,1"}, "--concurrency: 4 is given twice; each level is measured once"},
      {{"--target", url, "-c", "1,,2"}, "--concurrency: '1,,2' has an empty level; give levels like 1,5,10"},
      {{"--target", url, "-c", "1", "-c", "1"}, "--concurrency: 1 is given twice; each level is measured once"},
      {{"--target", url, "-c", "2,x"}, "--concurrency: 'x' is not a whole number"},
      // A port no server can have is a mistake in the flag, not an unreachable server (exit 1).
      {{"--target", "http://127.0.0.1:99999"},
       "--target: target 'http://127.0.0.1:99999' has port '99999'; a port is a number from 1 to 65535"},
      // CLI11's own check printed a 300-digit range, and let NaN and sub-millisecond limits
      // through, which turned the limit off.
      {{"--target", url, "--timeout-s", "-1"}, "--timeout-s: -1 is not a time limit; give seconds from 0.001 to 86400"},
      {{"--target", url, "--timeout-s", "nan"}, "--timeout-s: nan is not a time limit; give seconds from 0.001 to 86400"},
      {{"--target", url, "--timeout-s", "0.0001"},
       "--timeout-s: 0.0001 is not a time limit; give seconds from 0.001 to 86400"},
      {{"--target", url, "--idle-timeout-s", "1e-9"},
       "--idle-timeout-s: 1e-09 is not a time limit; give seconds from 0.001 to 86400"},
      {{"--target", url, "--idle-timeout-s", "inf"},
       "--idle-timeout-s: inf is not a time limit; give seconds from 0.001 to 86400"},
      {{"--target", url, "--connect-timeout-s", "NaN"},
       "--connect-timeout-s: nan is not a time limit; give seconds from 0.001 to 86400"},
      {{"--target", url, "--connect-timeout-s", "0"},
       "--connect-timeout-s: 0 is not a time limit; give seconds from 0.001 to 86400"},
  };
  for (const auto& c : cases) {
    RunResult r = hakari_run(c.flags, 20'000);
    EXPECT_EQ(r.exit_code, 2) << c.says << "\n" << r.err;
    EXPECT_EQ(r.err, "hakari run: " + c.says + "\n");
  }
}

}  // namespace
}  // namespace hakari
