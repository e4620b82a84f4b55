// Helpers for the target tests: a scratch folder, fast launch options, the environment the
// fake tools (tests/data/target) need, a simulator running on its own to attach to, and
// small HTTP and /proc checks.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hakari/target/control_http.h"
#include "hakari/target/process.h"
#include "hakari/target/server.h"

namespace hakari::target::testing {

inline std::string hakari_binary() { return HAKARI_BINARY; }
inline std::string fake_dir() { return std::string(HAKARI_TEST_DATA_DIR) + "/target"; }

// A folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hakari-target-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline LaunchOptions fast_options(const TempDir& dir) {
  LaunchOptions o;
  o.log_dir = dir / "logs";
  o.poll_interval = 20 * kNanosPerMilli;
  o.stop_grace = 3 * kNanosPerSecond;
  o.transfer_idle_timeout = 10 * kNanosPerSecond;
  return o;
}

// What the fake tools need: the hakari binary, and the fakes first on PATH.
inline std::map<std::string, std::string> fake_env() {
  const char* path = std::getenv("PATH");
  return {{"HAKARI_BIN", hakari_binary()},
          {"PATH", fake_dir() + ":" + (path != nullptr ? path : "/usr/bin:/bin")},
          {"FAKE_SIM_ARGS", "--ttft-ms 5 --itl-ms 5"}};
}

inline TargetSpec spec_for(const std::string& name, const std::string& tool, const std::string& model) {
  TargetSpec s;
  s.name = name;
  s.tool = tool;
  s.model = model;
  s.env = fake_env();
  s.startup_timeout = 20 * kNanosPerSecond;
  return s;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline pid_t read_pid(const std::string& path) {
  for (int i = 0; i < 200; ++i) {
    const std::string text = read_text(path);
    if (!text.empty()) return static_cast<pid_t>(std::stol(text));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

// True when `pid` is gone for good: no process, not even a zombie.
inline bool fully_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Children of this process that are zombies (nobody reaped them).
inline std::vector<pid_t> zombie_children() {
  std::vector<pid_t> out;
  const pid_t self = ::getpid();
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_text(e.path().string() + "/stat");
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && state == 'Z' && ppid == self) {
      out.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return out;
}

inline Reply http_get(const std::string& url) {
  Call c;
  c.url = url;
  c.timeout = 5 * kNanosPerSecond;
  return http_call(c);
}

inline Reply http_post(const std::string& url, const std::string& body) {
  Call c;
  c.method = "POST";
  c.url = url;
  c.body = body;
  c.timeout = 10 * kNanosPerSecond;
  return http_call(c);
}

// `hakari sim` running on its own (not through a Server): something to attach to.
class SimProcess {
 public:
  explicit SimProcess(const TempDir& dir, std::vector<std::string> args = {}) {
    ProcessSpec ps;
    ps.argv = {hakari_binary(), "sim", "--port", "0", "--ttft-ms", "5", "--itl-ms", "5"};
    ps.argv.insert(ps.argv.end(), args.begin(), args.end());
    ps.log_path = new_log_path(dir / "logs", "standalone-sim");
    process_ = Process::spawn(ps);
    for (int i = 0; i < 500 && url_.empty(); ++i) {
      std::istringstream lines(read_text(ps.log_path));
      for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("http://")) url_ = line;
      }
      if (url_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (url_.empty()) throw std::runtime_error("the simulator did not print its URL");
  }
  ~SimProcess() { process_->terminate(3 * kNanosPerSecond); }
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  const std::string& url() const { return url_; }
  Process& process() { return *process_; }

 private:
  std::shared_ptr<Process> process_;
  std::string url_;
};

}  // namespace hakari::target::testing
