// An HTTP server for client tests: on each connection it accepts (one script per
// connection, in order) it reads one request, then plays that connection's script of byte
// sends and pauses, and closes the connection at the script's end. Loopback only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hakari::testing {

struct ScriptStep {
  int delay_ms = 0;             // pause before sending
  std::string bytes;            // sent in one write
  bool await_request = false;   // first wait for the next request on the connection
};

class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<ScriptStep> script)
      : ScriptedServer(std::vector<std::vector<ScriptStep>>{std::move(script)}) {}
  explicit ScriptedServer(std::vector<std::vector<ScriptStep>> per_connection) : scripts_(std::move(per_connection)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 4) != 0) {
      throw std::runtime_error("scripted server: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The request as received (headers and body), once the script has started.
  std::string request() const {
    std::lock_guard lock(mu_);
    return request_;
  }

 private:
  void serve() {
    for (const auto& script : scripts_) {
      pollfd p{fd_, POLLIN, 0};
      // Bounded: a test that never connects ends after 10 s (or at once when stopping).
      int ready = 0;
      for (int waited = 0; waited < 10'000 && !stop_ && (ready = ::poll(&p, 1, 100)) == 0; waited += 100) {
      }
      if (ready <= 0) return;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++accepted_;
      int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      read_request(c);
      for (const auto& step : script) {
        if (stop_) break;
        if (step.await_request) read_request(c);
        if (step.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(step.delay_ms));
        if (!step.bytes.empty() && ::send(c, step.bytes.data(), step.bytes.size(), MSG_NOSIGNAL) < 0) break;
      }
      // Abrupt close: whatever the script did not finish stays unfinished.
      ::close(c);
    }
  }
  void read_request(int c) {
    char buf[65536];
    std::size_t need = std::string::npos;
    std::size_t start = 0;
    {
      std::lock_guard lock(mu_);
      start = request_.size();  // requests on one connection are kept one after another
    }
    while (request_.size() - start < need) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 5'000) <= 0) return;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      std::lock_guard lock(mu_);
      request_.append(buf, static_cast<std::size_t>(n));
      auto end = request_.find("\r\n\r\n", start);
      if (end != std::string::npos && need == std::string::npos) {
        std::size_t length = 0;
        auto cl = request_.find("Content-Length: ", start);
        if (cl != std::string::npos && cl < end) length = std::stoul(request_.substr(cl + 16));
        need = end + 4 + length - start;
      }
    }
  }

  std::vector<std::vector<ScriptStep>> scripts_;
  std::atomic<int> accepted_{0};

 public:
  // Connections accepted so far.
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::string request_;
  std::thread thread_;
};

// Wraps a body in HTTP/1.1 chunked encoding, one chunk per piece.
inline std::string http_chunk(const std::string& piece) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
  return size + piece + "\r\n";
}

inline std::string sse_headers() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nServer: llama.cpp\r\nTransfer-Encoding: chunked\r\n\r\n";
}

}  // namespace hakari::testing
