// Runs the real `hakari` program for end-to-end tests: spawn, read its output, signal,
// wait with a deadline. Every wait is bounded; a child left behind is killed.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace hakari::testing {

class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> args) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  }
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_fd_);
    ::close(err_fd_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads stdout up to the first newline, waiting at most `timeout_ms`.
  std::string read_stdout_line(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (auto nl = stdout_.find('\n'); nl != std::string::npos) {
        std::string line = stdout_.substr(0, nl);
        stdout_.erase(0, nl + 1);
        consumed_ += line + "\n";
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pump(static_cast<int>(left.count()));
    }
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // Waits for the exit (draining both pipes). Returns the exit code, 128+signal when
  // killed by a signal, or -1 when it outlived `timeout_ms` (it is then killed).
  int wait(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        while (pump(0)) {
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        exited_ = true;
        return -1;
      }
      pump(20);
    }
  }

  // Everything printed so far (stdout lines already returned by read_stdout_line included).
  std::string out() const { return consumed_ + stdout_; }
  const std::string& err() const { return stderr_; }

 private:
  // Reads what is available on either pipe; true if anything was read.
  bool pump(int timeout_ms) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) <= 0) return false;
    bool any = false;
    char buf[65536];
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n > 0) stdout_.append(buf, static_cast<std::size_t>(n)), any = true;
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = ::read(err_fd_, buf, sizeof buf);
      if (n > 0) stderr_.append(buf, static_cast<std::size_t>(n)), any = true;
    }
    return any;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool exited_ = false;
  std::string stdout_;
  std::string consumed_;
  std::string stderr_;
};

// `hakari sim` started on a free port; stopped with SIGTERM when this goes out of scope.
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> flags) : proc_(command(std::move(flags))) {
    url_ = proc_.read_stdout_line(10'000);
    if (url_.rfind("http://", 0) != 0) {
      throw std::runtime_error("hakari sim did not print its URL; stderr: " + proc_.err());
    }
  }
  ~SimProcess() { stop(); }
  const std::string& url() const { return url_; }
  // SIGTERM and wait; returns the exit code.
  int stop() {
    if (stopped_) return exit_code_;
    stopped_ = true;
    proc_.signal(SIGTERM);
    exit_code_ = proc_.wait(10'000);
    return exit_code_;
  }
  const std::string& err() const { return proc_.err(); }

 private:
  static std::vector<std::string> command(std::vector<std::string> flags) {
    std::vector<std::string> args{HAKARI_BINARY, "sim", "--port", "0"};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }
  ChildProcess proc_;
  std::string url_;
  bool stopped_ = false;
  int exit_code_ = 0;
};

}  // namespace hakari::testing
