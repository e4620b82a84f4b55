// What a new user runs into: resuming after Ctrl-C, more streams than open files, a full
// disk, hakari itself killed outright, a server whose process lives on after it stopped
// answering, and a suite's `tool:` choosing the API. Each runs the real programs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "hakari/core/clock.h"
#include "support/process.h"
#include "support/results_db.h"

namespace hakari {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::SimProcess;
using testing::Rows;

class Robustness : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hakari-e2e-robust-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text, bool executable = false) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    if (executable) ::chmod(p.c_str(), 0755);
    return p.string();
  }

  Rows query(const std::string& sql, const fs::path& db_path = {}) {
    return testing::query(db_path.empty() ? dir_ / "out" / "results.db" : db_path, sql);
  }

  // Waits until the results database holds at least `n` measured requests.
  bool wait_for_requests(int n, int timeout_ms = 30'000) {
    for (int waited = 0; waited < timeout_ms; waited += 100) {
      // The file exists a moment before its tables do.
      if (fs::exists(dir_ / "out" / "results.db") &&
          query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'requests'")[0][0] == "1") {
        const Rows r = query("SELECT COUNT(*) FROM requests");
        if (!r.empty() && std::stoi(r[0][0]) >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  struct Result {
    int code;
    std::string out;
    std::string err;
  };
  static Result run(const std::vector<std::string>& args, int timeout_ms = 120'000) {
    ChildProcess p(args);
    const int code = p.wait(timeout_ms);
    return {code, p.out(), p.err()};
  }

  fs::path dir_;
};

bool listens(const std::string& url) {
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool stops_listening(const std::string& url, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 50) {
    if (!listens(url)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !listens(url);
}

// Ctrl-C in the second level of a --target run, then --resume: the first level is not
// measured again, the interrupted one is superseded and measured anew, in the same run.
TEST_F(Robustness, ResumeAfterCtrlCOfATargetRunMeasuresOnlyWhatIsLeft) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "5"});
  const std::vector<std::string> flags{HAKARI_BINARY, "run", "--target", sim.url(), "-c", "1,2", "-n", "60",
                                       "--max-tokens", "10", "--warmup", "0", "--out", (dir_ / "out").string(),
                                       "--telemetry-interval-ms", "0"};
  {
    ChildProcess first(flags);
    ASSERT_TRUE(wait_for_requests(65)) << first.err();  // the first level's 60, and some of the second's
    first.signal(SIGINT);
    ASSERT_EQ(first.wait(30'000), 130) << first.err();
  }
  std::vector<std::string> again = flags;
  again.push_back("--resume");
  const Result r = run(again);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("1 already complete (--resume)"), std::string::npos) << r.err;
  EXPECT_EQ(query("SELECT COUNT(*) FROM runs")[0][0], "1");
  const Rows cells = query("SELECT concurrency, status FROM cells ORDER BY id");
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0], (std::vector<std::string>{"1", "complete"}));
  EXPECT_EQ(cells[1], (std::vector<std::string>{"2", "superseded"}));
  EXPECT_EQ(cells[2], (std::vector<std::string>{"2", "complete"}));
}

// More streams than open files: the level is refused up front with the number needed
// (not a crash, not thousands of "connect" failures), with telemetry on or off.
TEST_F(Robustness, MoreStreamsThanOpenFilesRefusesTheLevelWithTheNumberNeeded) {
  SimProcess sim({"--ttft-ms", "2", "--itl-ms", "2"});
  for (const std::string telemetry : {"200", "0"}) {
    SCOPED_TRACE("telemetry interval " + telemetry);
    const fs::path out = dir_ / ("out-" + telemetry);
    const Result r = run({"/bin/sh", "-c",
                          "ulimit -n 256 && exec " + std::string(HAKARI_BINARY) + " run --target " + sim.url() +
                              " -c 2,400 -n 4 --max-tokens 4 --warmup 0 --out " + out.string() +
                              " --telemetry-interval-ms " + telemetry});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
    const Rows cells = query("SELECT concurrency, status, note FROM cells ORDER BY id", out / "results.db");
    ASSERT_EQ(cells.size(), 2u);
    EXPECT_EQ(cells[0][1], "complete");
    EXPECT_EQ(cells[1][1], "failed");
    EXPECT_NE(cells[1][2].find("concurrency 400 needs about 464 open files; the limit is 256"), std::string::npos)
        << cells[1][2];
    EXPECT_EQ(query("SELECT COUNT(*) FROM requests WHERE error_class = 'connect'", out / "results.db")[0][0], "0");
  }
}

// A full disk: said as such with the path and the bytes free, the level stops at once,
// what was committed stays readable, and the exit code says it failed. The disk is a
// 640 KiB tmpfs in a mount namespace of the test's own.
TEST_F(Robustness, AFullDiskIsSaidPlainlyStopsTheLevelAndKeepsWhatWasCommitted) {
  const Result probe = run({"/usr/bin/unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs " + dir_.string()});
  if (probe.code != 0) GTEST_SKIP() << "cannot mount a small tmpfs here (unshare -rm): " << probe.err;
  SimProcess sim({"--ttft-ms", "1", "--itl-ms", "0.2"});
  const fs::path disk = dir_ / "disk";
  const fs::path kept = dir_ / "kept";
  fs::create_directories(disk);
  fs::create_directories(kept);
  const std::string script =
      "mount -t tmpfs -o size=640k tmpfs " + disk.string() + " || exit 99\n" + std::string(HAKARI_BINARY) +
      " run --target " + sim.url() + " -c 4 -n 100000 --max-tokens 64 --warmup 0 --save-output "
      "--telemetry-interval-ms 0 --quiet --out " + (disk / "out").string() + "\nrc=$?\ncp " + (disk / "out").string() +
      "/results.db* " + kept.string() + "/\nexit $rc\n";
  const Nanos start = now_ns();
  const Result r = run({"/usr/bin/unshare", "-rm", "sh", "-c", script}, 180'000);
  ASSERT_NE(r.code, 99) << r.err;
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("hakari: disk full: cannot write " + (disk / "out" / "results.db").string() + " ("),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(" bytes free)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("cannot rollback"), std::string::npos) << r.err;
  EXPECT_LT(to_s(now_ns() - start), 60.0) << "the level must stop, not send 100,000 requests";
  const Rows kept_rows = query("SELECT COUNT(*) FROM requests WHERE status = 'ok'", kept / "results.db");
  ASSERT_EQ(kept_rows.size(), 1u);
  EXPECT_GT(std::stoi(kept_rows[0][0]), 0) << "what was committed is kept";
  EXPECT_LT(std::stoi(kept_rows[0][0]), 100000);
}

std::string sim_target(const std::string& name, const std::string& command) {
  return "  - name: " + name + "\n    tool: llama.cpp\n    model: /m.gguf\n    command: \"" + command +
         "\"\n    startup_timeout_s: 20\n";
}

const char* kLongLoad =
    "workloads:\n  - {name: chat, prompt_tokens: 16, max_tokens: 16}\n"
    "loads:\n  - {name: long, concurrency: [2], requests: 200, warmup: 0}\ntelemetry_interval_ms: 0\n";

// hakari killed outright (SIGKILL) mid-cell: the server it launched goes with it, and a
// --resume finishes the run with one server, in the same run.
TEST_F(Robustness, AServerDiesWithAHakariKilledOutrightAndResumeFinishes) {
  const std::string suite = write(
      "s.yaml", "name: killed\ntargets:\n" +
                    sim_target("sim", std::string(HAKARI_BINARY) + " sim --host {host} --port {port} --ttft-ms 5 --itl-ms 5") +
                    kLongLoad);
  {
    ChildProcess p({HAKARI_BINARY, "run", suite, "--out", (dir_ / "out").string(), "--quiet"});
    ASSERT_TRUE(wait_for_requests(5)) << p.err();
    p.signal(SIGKILL);
    p.wait(10'000);
  }
  const std::string url = query("SELECT server_url FROM cells")[0][0];
  EXPECT_TRUE(stops_listening(url, 5000)) << "the server outlived the hakari that launched it: " << url;
  const Result r = run({HAKARI_BINARY, "run", suite, "--out", (dir_ / "out").string(), "--resume"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(query("SELECT COUNT(*) FROM runs")[0][0], "1");
  const Rows cells = query("SELECT status FROM cells ORDER BY id");
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0][0], "superseded");
  EXPECT_EQ(cells[1][0], "complete");
}

// A wrapper's child is out of PR_SET_PDEATHSIG's reach: the next hakari ends it from the
// launch record before it launches anything.
TEST_F(Robustness, AWrappersServerLeftByAKilledHakariIsEndedByTheNextOne) {
  const std::string wrapper = write("wrapper.sh",
                                    "#!/bin/sh\n" + std::string(HAKARI_BINARY) +
                                        " sim --host 127.0.0.1 --port \"$1\" --ttft-ms 5 --itl-ms 5 &\nwait\n",
                                    true);
  const std::string suite = write("s.yaml", "name: wrapped\ntargets:\n" + sim_target("sim", wrapper + " {port}") + kLongLoad);
  {
    ChildProcess p({HAKARI_BINARY, "run", suite, "--out", (dir_ / "out").string(), "--quiet"});
    ASSERT_TRUE(wait_for_requests(5)) << p.err();
    p.signal(SIGKILL);
    p.wait(10'000);
  }
  const std::string url = query("SELECT server_url FROM cells")[0][0];
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(listens(url)) << "the wrapper's child should still run: the case under test";
  ChildProcess again({HAKARI_BINARY, "run", suite, "--out", (dir_ / "out").string(), "--resume"});
  const int code = again.wait(120'000);
  EXPECT_EQ(code, 0) << again.err();
  EXPECT_NE(again.err().find("hakari: ended process group "), std::string::npos) << again.err();
  EXPECT_NE(again.err().find("which no longer runs"), std::string::npos) << again.err();
  EXPECT_FALSE(listens(url));
}

// A wrapper whose server child died keeps its own process running: hakari asks the
// server, not the process, fails the cell, and relaunches for the next.
TEST_F(Robustness, AServerThatStopsAnsweringIsDeadEvenIfItsProcessRuns) {
  const std::string wrapper = write("wrapper.sh",
                                    "#!/bin/sh\n" + std::string(HAKARI_BINARY) +
                                        " sim --host 127.0.0.1 --port \"$1\" --ttft-ms 5 --itl-ms 5 &\n"
                                        "SIM=$!\nsleep 1.5\nkill -9 $SIM\nsleep 60\n",
                                    true);
  const std::string suite = write(
      "s.yaml", "targets:\n" + sim_target("wrapped", wrapper + " {port}") +
                    "workloads:\n  - {name: chat, prompt_tokens: 16, max_tokens: 16}\n"
                    "loads:\n  - {name: long, concurrency: [1], requests: 60, warmup: 0}\n"
                    "  - {name: short, concurrency: [1], requests: 3, warmup: 0}\ntelemetry_interval_ms: 0\n");
  const Result r = run({HAKARI_BINARY, "run", suite, "--out", (dir_ / "out").string(), "--quiet"});
  EXPECT_EQ(r.code, 1) << r.err;
  const Rows cells = query("SELECT load_profile, status, note FROM cells ORDER BY id");
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0][1], "failed");
  EXPECT_NE(cells[0][2].find("its process runs but the server stopped answering"), std::string::npos) << cells[0][2];
  EXPECT_EQ(cells[1][1], "complete") << cells[1][2];
  EXPECT_EQ(query("SELECT COUNT(*) FROM requests r JOIN cells c ON c.id = r.cell_id WHERE c.load_profile = 'short' "
                  "AND r.status = 'ok'")[0][0],
            "3");
}

// In a suite, `tool:` chooses the API hakari drives (the probe cannot tell a tool from a
// look-alike): a vLLM target is driven through the OpenAI API.
TEST_F(Robustness, TheSuitesToolChoosesTheApi) {
  const std::string suite = write(
      "s.yaml", "targets:\n  - name: served\n    tool: vllm\n    model: org/model\n    command: \"" +
                    std::string(HAKARI_BINARY) +
                    " sim --as vllm --host {host} --port {port} --model-name {name} --ttft-ms 5 --itl-ms 5\"\n"
                    "    startup_timeout_s: 20\n"
                    "workloads:\n  - {name: chat, prompt_tokens: 16, max_tokens: 8}\n"
                    "loads:\n  - {name: one, concurrency: [1], requests: 3, warmup: 0}\ntelemetry_interval_ms: 0\n");
  const Result r = run({HAKARI_BINARY, "run", suite, "--out", (dir_ / "out").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Rows cells = query("SELECT tool, api, status FROM cells");
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0], (std::vector<std::string>{"vllm", "openai-chat", "complete"}));
}

}  // namespace
}  // namespace hakari
