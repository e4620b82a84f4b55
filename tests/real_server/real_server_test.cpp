// hakari against the real llama.cpp server (b5601, CPU, small random-weight models with a
// real tokenizer): every API it drives loses no request, its decode span agrees with the
// server's own clock and its token counts with the server's counters, and a suite
// launches, samples, restarts and stops real llama-server processes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "support/peer_server.h"
#include "support/process.h"
#include "support/results_db.h"

namespace hakari {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::LlamaServer;
using testing::query;
using testing::Rows;

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

fs::path scratch_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("hakari-real-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct RunResult {
  int code;
  std::string out;
  std::string err;
};

RunResult hakari(const std::vector<std::string>& args, int timeout_ms = 240'000) {
  std::vector<std::string> argv{HAKARI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p(argv);
  const int code = p.wait(timeout_ms);
  return {code, p.out(), p.err()};
}

// Pids of running processes whose command line contains `marker` (only the servers'
// command lines hold it: it is an --alias in the suite file).
std::vector<pid_t> processes_with(const std::string& marker) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ifstream stat(e.path() / "stat");
    std::string stat_line;
    std::getline(stat, stat_line);
    const auto close = stat_line.rfind(')');
    const bool zombie = close != std::string::npos && close + 2 < stat_line.size() && stat_line[close + 2] == 'Z';
    if (!zombie && cmd.find(marker) != std::string::npos) {
      out.push_back(static_cast<pid_t>(std::stoi(name)));
    }
  }
  return out;
}

// One llama-server for the API tests: 4 slots, as the first real run had.
class ApiOnRealServer : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() { server_.reset(); }
  static LlamaServer& server(const testing::PeerDir& peer) {
    if (!server_) {
      server_ = std::make_unique<LlamaServer>(peer, "tiny-q8_0.gguf",
                                              std::vector<std::string>{"-np", "4", "-c", "4096", "--metrics", "-t", "2"},
                                              scratch_dir("server") / "llama-server.log");
    }
    return *server_;
  }
  static std::unique_ptr<LlamaServer> server_;
};
std::unique_ptr<LlamaServer> ApiOnRealServer::server_;

// Every API hakari drives on llama-server, at concurrency 1 and 4, 100 requests each: no
// request lost (llama-server closes its connection after each streamed response), the
// decode span on hakari's clock matches `timings.predicted_ms` on the server's, and the
// output tokens of each cell match the server's /metrics counter exactly.
TEST_P(ApiOnRealServer, NoLostRequestsAndNumbersAgreeWithTheServersOwn) {
  HAKARI_REQUIRE_PEER(peer);
  const std::string api = GetParam();
  LlamaServer& srv = server(peer);
  const fs::path out = scratch_dir("api-" + api);
  const RunResult r = hakari({"run", "--target", srv.url(), "--api", api, "-c", "1,4", "-n", "100", "--max-tokens", "32",
                        "--prompt-tokens", "64", "--warmup", "1", "--out", out.string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const fs::path db = out / "results.db";

  const Rows cells = query(db, "SELECT id, concurrency, status, server_output_tokens, api FROM cells ORDER BY id");
  ASSERT_EQ(cells.size(), 2u);
  std::int64_t resends = 0;
  for (const auto& c : cells) {
    const std::string& id = c[0];
    SCOPED_TRACE("api " + api + ", concurrency " + c[1]);
    EXPECT_EQ(c[2], "complete");
    if (api == "auto") EXPECT_EQ(c[4], "llamacpp") << "llama-server is driven through its native API";

    const Rows status = query(db, "SELECT status, error_class, COUNT(*), MIN(error_detail) FROM requests WHERE cell_id = " +
                                      id + " GROUP BY status, error_class");
    ASSERT_EQ(status.size(), 1u) << "some requests failed: " << status.back()[0] << " " << status.back()[1] << " x"
                                 << status.back()[2] << ": " << status.back()[3];
    EXPECT_EQ(status[0][0], "ok");
    EXPECT_EQ(status[0][2], "100");

    // Exactly max_tokens each (ignore_eos), counted by the server, summed = its counter.
    const Rows tokens = query(db, "SELECT MIN(output_tokens), MAX(output_tokens), SUM(output_tokens), SUM(resends) "
                                  "FROM requests WHERE cell_id = " + id);
    EXPECT_EQ(tokens[0][0], "32");
    EXPECT_EQ(tokens[0][1], "32");
    const Rows warm = query(db, "SELECT COALESCE(SUM(output_tokens), 0), COUNT(*) FROM warmup_requests WHERE cell_id = " + id +
                                    " AND status = 'ok'");
    EXPECT_EQ(warm[0][1], "1");
    ASSERT_FALSE(c[3].empty()) << "the server's /metrics counter was not read";
    EXPECT_EQ(std::stoll(c[3]), std::stoll(tokens[0][2]) + std::stoll(warm[0][0]))
        << "llamacpp:tokens_predicted_total moved by " << c[3] << "; hakari counted " << tokens[0][2] << " + "
        << warm[0][0] << " (warm-up)";
    resends += std::stoll(tokens[0][3]);

    // hakari's first-to-last token span against the server's own decode time.
    const Rows spans = query(db, "SELECT (last_token_ns - first_token_ns) / 1e6, server_predicted_ms FROM requests "
                                 "WHERE cell_id = " + id + " AND server_predicted_ms IS NOT NULL");
    ASSERT_EQ(spans.size(), 100u) << "the server's timings.predicted_ms is missing from some records";
    std::vector<double> diffs;
    std::vector<double> predicted;
    for (const auto& s : spans) {
      diffs.push_back(std::abs(std::stod(s[0]) - std::stod(s[1])));
      predicted.push_back(std::stod(s[1]));
    }
    const double allowed = 0.02 * median(predicted) + 1.0;
    EXPECT_LE(median(diffs), allowed) << "median |hakari decode span - predicted_ms| over " << diffs.size()
                                      << " requests; median predicted_ms " << median(predicted);
    std::cout << "[ real ] api " << api << " c=" << c[1] << ": median decode span difference " << median(diffs)
              << " ms (allowed " << allowed << "), median predicted_ms " << median(predicted) << "\n";
  }
  std::cout << "[ real ] api " << api << ": " << resends
            << " requests re-sent on a fresh connection after the server closed a kept-alive one\n";
}

INSTANTIATE_TEST_SUITE_P(EveryApi, ApiOnRealServer,
                         ::testing::Values("llamacpp", "openai", "openai-completions", "auto"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A document cut to an exact length with llama-server's own /tokenize: the server counts
// the document's 300 tokens plus the two instruction lines (and its BOS), no more.
TEST(WorkloadsOnRealServer, SummarizeCutsTheDocumentWithTheRealTokenizer) {
  HAKARI_REQUIRE_PEER(peer);
  const fs::path dir = scratch_dir("summarize");
  LlamaServer srv(peer, "tiny-q8_0.gguf", {"-np", "2", "-c", "4096", "-t", "2"}, dir / "llama-server.log");
  const RunResult r = hakari({"run", "--target", srv.url(), "--workload", "summarize", "--prompt-tokens", "300",
                              "--max-tokens", "16", "-n", "3", "--warmup", "0", "--out", (dir / "out").string(), "--quiet",
                              "--telemetry-interval-ms", "0"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const fs::path db = dir / "out" / "results.db";
  EXPECT_NE(query(db, "SELECT workload_detail FROM cells")[0][0].find("a document of 300 tokens"), std::string::npos);
  EXPECT_NE(query(db, "SELECT workload_detail FROM cells")[0][0].find("llama.cpp /tokenize"), std::string::npos);
  const Rows rows = query(db, "SELECT status, prompt_tokens FROM requests");
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    EXPECT_EQ(row[0], "ok");
    EXPECT_GE(std::stoi(row[1]), 300);
    EXPECT_LE(std::stoi(row[1]), 340) << "300 tokens of document, two short lines and BOS";
  }
}

std::string target_yaml(const testing::PeerDir& peer, const std::string& name, const std::string& model,
                        const std::string& quant, const std::string& marker) {
  return "  - name: " + name + "\n    tool: llama.cpp\n    model: " + peer.model(model).string() + "\n    quant: " + quant +
         "\n    context: 2048\n    parallel: 2\n    args: [-t, \"2\", --alias, " + marker + "-" + name +
         "]\n    env: {PATH: \"" + (peer.dir / "bin").string() + ":/usr/bin:/bin\"}\n    startup_timeout_s: 60\n";
}

// The real lifecycle: a suite launches llama-server for two quantizations of one model,
// waits for readiness, samples the server's memory and CPU, and stops the whole process
// group before the next target and at the end.
TEST(SuiteOnRealServer, LaunchesSamplesAndStopsLlamaServerForTwoQuantizations) {
  HAKARI_REQUIRE_PEER(peer);
  const fs::path dir = scratch_dir("suite");
  const std::string marker = "hakari-real-" + std::to_string(::getpid());
  const fs::path suite = dir / "two-quants.yaml";
  std::ofstream(suite) << "name: real-two-quants\ntelemetry_interval_ms: 100\ntargets:\n"
                       << target_yaml(peer, "tiny-f16", "tiny-f16.gguf", "f16", marker)
                       << target_yaml(peer, "tiny-q8", "tiny-q8_0.gguf", "q8_0", marker)
                       << "workloads:\n  - {name: short, prompt_tokens: 32, max_tokens: 16}\n"
                          "loads:\n  - {name: sweep, concurrency: [1, 2], requests: 20, warmup: 1}\n";
  const RunResult r = hakari({"run", suite.string(), "--out", (dir / "out").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const fs::path db = dir / "out" / "results.db";

  const Rows cells = query(db, "SELECT target, quant, status, cold_load_ms, server_version, started_ns, ended_ns, id, "
                               "server_output_tokens FROM cells ORDER BY id");
  ASSERT_EQ(cells.size(), 4u);
  for (const auto& c : cells) {
    SCOPED_TRACE(c[0]);
    EXPECT_EQ(c[2], "complete");
    EXPECT_GT(std::stod(c[3]), 0.0) << "cold load: launch to /health 200";
    EXPECT_NE(c[4].find("b5601"), std::string::npos) << "the server's build_info: " << c[4];
    EXPECT_EQ(query(db, "SELECT COUNT(*) FROM requests WHERE status = 'ok' AND cell_id = " + c[7])[0][0], "20");
    EXPECT_FALSE(c[8].empty()) << "launched with --metrics: the server's token counter is read";
    // The launched server's memory and CPU were sampled during the cell.
    for (const std::string series : {"process.rss_bytes", "process.cpu_percent"}) {
      const Rows samples = query(db, "SELECT COUNT(*), MIN(value), MAX(value) FROM samples JOIN series ON series.id = "
                                     "samples.series_id WHERE series.name = '" + series + "' AND t_ns BETWEEN " + c[5] +
                                     " AND " + c[6]);
      EXPECT_GE(std::stoll(samples[0][0]), 1) << series;
      if (series == "process.rss_bytes" && std::stoll(samples[0][0]) > 0) {
        EXPECT_GT(std::stod(samples[0][1]), 10e6) << "a loaded 47 MiB model holds more than 10 MB";
      }
    }
  }
  EXPECT_EQ(cells[0][1], "f16");
  EXPECT_EQ(cells[2][1], "q8_0");
  // One launch per target, and nothing left running.
  int launch_logs = 0;
  for (const auto& e : fs::directory_iterator(dir / "out" / "logs")) launch_logs += e.path().string().ends_with("-1.log");
  EXPECT_EQ(launch_logs, 2);
  EXPECT_TRUE(processes_with(marker).empty()) << "a llama-server outlived the suite";
}

// A server killed mid-cell (SIGKILL, by the test): its cell fails with every request
// accounted for, the server is started again, and the next cell is measured in full.
TEST(SuiteOnRealServer, AServerKilledMidCellFailsThatCellAndIsRestartedForTheNext) {
  HAKARI_REQUIRE_PEER(peer);
  const fs::path dir = scratch_dir("kill");
  const std::string marker = "hakari-kill-" + std::to_string(::getpid());
  const fs::path suite = dir / "kill.yaml";
  std::ofstream(suite) << "name: real-kill\ntelemetry_interval_ms: 0\ntargets:\n"
                       << target_yaml(peer, "tiny", "tiny-q8_0.gguf", "q8_0", marker)
                       << "workloads:\n  - {name: long, prompt_tokens: 32, max_tokens: 64}\n"
                          "loads:\n  - {name: long, concurrency: [2], requests: 400, warmup: 0}\n"
                          "  - {name: after, concurrency: [2], requests: 10, warmup: 0}\n";
  ChildProcess run({HAKARI_BINARY, "run", suite.string(), "--out", (dir / "out").string(), "--quiet"});
  // Wait until the first cell has measured something, then kill its server.
  const fs::path db = dir / "out" / "results.db";
  bool killed = false;
  for (int i = 0; i < 600 && !killed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!fs::exists(db)) continue;
    const Rows done = query(db, "SELECT COUNT(*) FROM requests");
    if (done.empty() || std::stoll(done[0][0]) < 10) continue;
    const auto pids = processes_with(marker);
    ASSERT_EQ(pids.size(), 1u);
    ::kill(pids[0], SIGKILL);
    killed = true;
  }
  ASSERT_TRUE(killed) << "the first cell never measured 10 requests";
  const int code = run.wait(180'000);
  EXPECT_EQ(code, 1) << "a failed cell: exit 1\n" << run.err();

  const Rows cells = query(db, "SELECT id, load_profile, status, note, requests_planned FROM cells ORDER BY id");
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0][2], "failed");
  EXPECT_NE(cells[0][3].find("the server died during the cell"), std::string::npos) << cells[0][3];
  EXPECT_NE(cells[0][3].find("SIGKILL"), std::string::npos) << cells[0][3];
  // Every planned request is accounted for: measured before the kill, or failed with a reason.
  const Rows first = query(db, "SELECT status, COUNT(*), MIN(error_class), MIN(error_detail) FROM requests WHERE cell_id = " +
                                   cells[0][0] + " GROUP BY status ORDER BY status");
  std::int64_t total = 0;
  std::int64_t ok = 0;
  for (const auto& row : first) {
    total += std::stoll(row[1]);
    if (row[0] == "ok") ok = std::stoll(row[1]);
    if (row[0] == "failed") EXPECT_FALSE(row[3].empty()) << "a failure without its reason";
  }
  EXPECT_EQ(total, 400);
  EXPECT_GE(ok, 10);
  EXPECT_LT(ok, 400);
  // Restarted for the next cell, which is complete.
  EXPECT_EQ(cells[1][2], "complete") << cells[1][3];
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM requests WHERE status = 'ok' AND cell_id = " + cells[1][0])[0][0], "10");
  EXPECT_TRUE(fs::exists(dir / "out" / "logs" / "tiny-2.log")) << "a second launch of the server";
  EXPECT_TRUE(processes_with(marker).empty()) << "a llama-server outlived the suite";
}

}  // namespace
}  // namespace hakari
