// The real `hakari sim` program: one URL line on stdout, SIGTERM ends it with 0, bad flags
// give 2. Skipped when the program has not been built.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "sim/sim_test_util.h"

namespace hakari::sim {
namespace {

struct Child {
  pid_t pid = -1;
  int out = -1;
  int err = -1;
};

Child spawn(std::vector<std::string> args) {
  args.insert(args.begin(), HAKARI_BINARY);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return {};
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  c.out = out[0];
  c.err = err[0];
  return c;
}

// Reads until EOF or the deadline.
std::string read_all(int fd, Nanos timeout, bool stop_at_newline = false) {
  std::string s;
  const Nanos deadline = now_ns() + timeout;
  while (now_ns() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    s.append(buf, static_cast<std::size_t>(n));
    if (stop_at_newline && s.find('\n') != std::string::npos) break;
  }
  return s;
}

// Waits for exit; -1 on timeout (the child is then killed).
int wait_exit(pid_t pid, Nanos timeout) {
  const Nanos deadline = now_ns() + timeout;
  int status = 0;
  while (now_ns() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
    ::usleep(10'000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

class SimCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(HAKARI_BINARY, X_OK) != 0) GTEST_SKIP() << HAKARI_BINARY << " is not built";
  }
};

TEST_F(SimCli, PrintsTheUrlServesAndStopsOnSigterm) {
  const std::string trace = ::testing::TempDir() + "hakari_sim_cli_" + std::to_string(::getpid()) + ".ndjson";
  Child c = spawn({"sim", "--port", "0", "--ttft-ms", "5", "--itl-ms", "5", "--trace", trace});
  const std::string line = read_all(c.out, 5 * kNanosPerSecond, true);
  ASSERT_EQ(line.rfind("http://127.0.0.1:", 0), 0u) << line;
  ASSERT_EQ(line.back(), '\n');
  const auto port = static_cast<std::uint16_t>(std::stoi(line.substr(17)));
  {
    testing::Client client(port);
    EXPECT_EQ(client.request(testing::get("/health")).status, 200);
    const auto r = client.request(testing::post("/completion", R"({"prompt":"x","n_predict":3,"stream":true})"));
    EXPECT_TRUE(r.complete);
  }
  ::kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_exit(c.pid, 5 * kNanosPerSecond), 0);
  EXPECT_EQ(read_all(c.out, kNanosPerSecond), "");  // nothing but the URL on stdout
  EXPECT_NE(read_all(c.err, kNanosPerSecond).find("fixed timing"), std::string::npos);
  const std::string t = testing::read_file(trace);
  EXPECT_EQ(testing::lines(t).size(), 1u + 3u + 1u);  // request, 3 tokens, done: flushed at exit
  std::remove(trace.c_str());
  ::close(c.out);
  ::close(c.err);
}

TEST_F(SimCli, BadFlagsExitWithTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  const std::vector<Case> cases{
      {{"sim", "--fault", "explode@3"}, "explode"},
      {{"sim", "--fault", "stall@zero"}, "zero"},
      {{"sim", "--port", "70000"}, "--port"},
      {{"sim", "--no-such-flag"}, "no-such-flag"},
      {{"sim", "--slots", "0"}, "--slots"},
      {{"sim", "--fault", "drop@1", "--fault", "stall@1"}, "request 1"},
      {{"sim", "--as", "tgi"}, "unknown server 'tgi' (choices: llama.cpp, vllm, ollama, lmstudio)"},
      {{"sim", "--close-after-stream", "maybe"}, "--close-after-stream"},
      {{"sim", "--idle-timeout-ms", "0"}, "--idle-timeout-ms"},
  };
  for (const Case& k : cases) {
    Child c = spawn(k.args);
    const std::string err = read_all(c.err, 5 * kNanosPerSecond);
    EXPECT_EQ(wait_exit(c.pid, 5 * kNanosPerSecond), 2) << k.args.back();
    EXPECT_NE(err.find(k.needle), std::string::npos) << err;
    ::close(c.out);
    ::close(c.err);
  }
}

TEST_F(SimCli, AsPicksTheServer) {
  Child c = spawn({"sim", "--port", "0", "--ttft-ms", "5", "--itl-ms", "5", "--as", "vllm", "--close-after-stream", "on"});
  const std::string line = read_all(c.out, 5 * kNanosPerSecond, true);
  ASSERT_EQ(line.rfind("http://127.0.0.1:", 0), 0u) << line;
  const auto port = static_cast<std::uint16_t>(std::stoi(line.substr(17)));
  {
    testing::Client client(port);
    const auto version = client.request(testing::get("/version"));
    EXPECT_EQ(version.status, 200);
    EXPECT_NE(version.body.find("hakari-sim"), std::string::npos) << version.body;
    const auto props = client.request(testing::get("/props"));  // llama.cpp's, not vLLM's
    EXPECT_EQ(props.status, 404);
    EXPECT_EQ(props.body, R"({"detail":"Not Found"})");
  }
  ::kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_exit(c.pid, 5 * kNanosPerSecond), 0);
  const std::string err = read_all(c.err, kNanosPerSecond);
  EXPECT_NE(err.find("as vllm at http://127.0.0.1:"), std::string::npos) << err;
  EXPECT_NE(err.find("closes the connection after each stream"), std::string::npos) << err;
  ::close(c.out);
  ::close(c.err);
}

TEST_F(SimCli, PortInUseIsAClearError) {
  testing::RunningSim sim(testing::fast_fixed());
  Child c = spawn({"sim", "--port", std::to_string(sim.port())});
  const std::string err = read_all(c.err, 5 * kNanosPerSecond);
  EXPECT_EQ(wait_exit(c.pid, 5 * kNanosPerSecond), 1);
  EXPECT_NE(err.find("already in use"), std::string::npos) << err;
  ::close(c.out);
  ::close(c.err);
}

}  // namespace
}  // namespace hakari::sim
