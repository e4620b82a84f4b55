// A tiny HTTP/1.1 server on a thread for the server-sampler tests: fixed answers per path,
// one request per connection, and a count of requests per path. With answer = false it
// listens but never accepts, so clients connect and then wait forever (a hung server).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "hakari/core/clock.h"

namespace hakari::telemetry::testing {

class TestHttpServer {
 public:
  struct Route {
    int status = 200;
    std::string content_type = "text/plain; version=0.0.4; charset=utf-8";
    std::string body;
  };

  explicit TestHttpServer(bool answer = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
      ::close(fd_);
      throw std::runtime_error("bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (answer) thread_ = std::thread([this] { loop(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set(const std::string& path, Route route) {
    std::lock_guard lock(mu_);
    routes_[path] = std::move(route);
  }
  int hits(const std::string& path) const {
    std::lock_guard lock(mu_);
    auto it = hits_.find(path);
    return it == hits_.end() ? 0 : it->second;
  }
  // The request head (request line and headers) of the last request for `path`.
  std::string last_head(const std::string& path) const {
    std::lock_guard lock(mu_);
    auto it = heads_.find(path);
    return it == heads_.end() ? std::string() : it->second;
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }

  void serve(int c) {
    std::string head;
    const Nanos deadline = now_ns() + 2 * kNanosPerSecond;
    while (head.find("\r\n\r\n") == std::string::npos && now_ns() < deadline && !stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      head.append(buf, static_cast<std::size_t>(n));
    }
    const std::size_t sp1 = head.find(' ');
    const std::size_t sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 == std::string::npos) return;
    std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    if (const std::size_t q = path.find('?'); q != std::string::npos) path.resize(q);
    Route route{404, "text/plain", "File Not Found"};
    {
      std::lock_guard lock(mu_);
      ++hits_[path];
      heads_[path] = head.substr(0, head.find("\r\n\r\n"));
      if (auto it = routes_.find(path); it != routes_.end()) route = it->second;
    }
    std::string out = "HTTP/1.1 " + std::to_string(route.status) +
                      " X\r\nContent-Type: " + route.content_type +
                      "\r\nContent-Length: " + std::to_string(route.body.size()) +
                      "\r\nConnection: close\r\n\r\n" + route.body;
    std::size_t off = 0;
    while (off < out.size()) {
      const ssize_t n = ::send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;  // the client gave up (e.g. a body over its limit)
      off += static_cast<std::size_t>(n);
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Route> routes_;
  std::map<std::string, int> hits_;
  std::map<std::string, std::string> heads_;
};

}  // namespace hakari::telemetry::testing
