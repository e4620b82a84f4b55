// The real llama.cpp server (release b5601, built by ../shared/peers/build-llama-server.sh
// into a cache outside the clone) for tests that claim a behaviour of a real server.
// scripts/test.sh builds it and passes its folder in HAKARI_PEER_DIR; a person may skip
// these tests with HAKARI_SKIP_REAL_SERVER=1, and the skip says so in the test output.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hakari/transport/http_client.h"

extern char** environ;

namespace hakari::testing {

// The peer's folder (bin/, models/), or why there is none.
struct PeerDir {
  std::filesystem::path dir;
  std::string missing;  // empty when usable
  std::filesystem::path bin(const std::string& name) const { return dir / "bin" / name; }
  std::filesystem::path model(const std::string& name) const { return dir / "models" / name; }
};

inline PeerDir find_peer() {
  PeerDir p;
  const char* env = std::getenv("HAKARI_PEER_DIR");
  const char* home = std::getenv("HOME");
  p.dir = env && *env ? std::filesystem::path(env)
                      : std::filesystem::path(home ? home : "/root") / ".cache/hakari-peers/llama.cpp-b5601";
  for (const auto& need : {p.bin("llama-server"), p.model("tiny-f16.gguf"), p.model("tiny-q8_0.gguf")}) {
    if (!std::filesystem::exists(need)) {
      p.missing = need.string() + " does not exist: build the peer with ../shared/peers/build-llama-server.sh "
                                  "(scripts/test.sh does) or set HAKARI_PEER_DIR";
      break;
    }
  }
  return p;
}

inline bool real_server_skipped() {
  const char* skip = std::getenv("HAKARI_SKIP_REAL_SERVER");
  return skip && std::string(skip) == "1";
}

// In a test body: the peer's folder, or a skip (asked for) or a failure (not asked for).
#define HAKARI_REQUIRE_PEER(peer)                                                                      \
  const ::hakari::testing::PeerDir peer = ::hakari::testing::find_peer();                             \
  if (::hakari::testing::real_server_skipped()) GTEST_SKIP() << "real-server test skipped: HAKARI_SKIP_REAL_SERVER=1"; \
  if (!peer.missing.empty()) FAIL() << "the real llama.cpp server is missing: " << peer.missing

// A free TCP port on 127.0.0.1 (free a moment ago).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline transport::FetchResult get(const std::string& url, Nanos timeout = 5 * kNanosPerSecond) {
  transport::HttpRequest req;
  req.method = "GET";
  req.url = url;
  req.total_timeout = timeout;
  return transport::http_fetch(req);
}

// `llama-server` on 127.0.0.1 with its output in a log file; ready (GET /health 200) when
// the constructor returns; SIGTERM, then SIGKILL, when it goes out of scope.
class LlamaServer {
 public:
  LlamaServer(const PeerDir& peer, const std::string& model, std::vector<std::string> extra,
              const std::filesystem::path& log) {
    port_ = free_port();
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{peer.bin("llama-server").string(), "-m", peer.model(model).string(), "--host",
                                  "127.0.0.1", "--port", std::to_string(port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (get(url_ + "/health", kNanosPerSecond).result.http_status == 200) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("llama-server exited before it was ready; see " + log.string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("llama-server not ready after 60 s; see " + log.string());
  }
  ~LlamaServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  LlamaServer(const LlamaServer&) = delete;
  LlamaServer& operator=(const LlamaServer&) = delete;

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
};

}  // namespace hakari::testing
