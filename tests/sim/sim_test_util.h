// Helpers for the simulator's tests: an in-process server on a thread, a raw POSIX socket
// HTTP client that shows the bytes as they are (chunk by chunk, with arrival times), and
// JSON key-shape comparison for checking renderers against the recorded fixtures.
#pragma once

#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/sim/http_parser.h"
#include "hakari/sim/sim_server.h"

namespace hakari::sim::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string fixture(const std::string& name) {
  return read_file(std::string(HAKARI_TEST_DATA_DIR) + "/llama-server/" + name);
}

// The payloads of an SSE stream's "data:" lines, in order.
inline std::vector<std::string> sse_data(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, 6) == "data: ") out.emplace_back(line.substr(6));
    pos = end + 1;
  }
  return out;
}

// Non-empty lines (NDJSON records, HTTP body lines).
inline std::vector<std::string> lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
    pos = end + 1;
  }
  return out;
}

// The body of a captured .http fixture (after the blank line).
inline std::string http_fixture_body(const std::string& raw) {
  const std::size_t blank = raw.find("\r\n\r\n");
  return blank == std::string::npos ? std::string() : raw.substr(blank + 4);
}

// The keys of a JSON document, recursively and in order, values left out: objects as
// {k:shape,...}, arrays by their first element. Two documents of the same shape render
// the same string whatever their values.
inline void append_shape(std::string& out, simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      out += '{';
      bool first = true;
      for (auto field : simdjson::dom::object(e)) {
        if (!first) out += ',';
        first = false;
        out += field.key;
        out += ':';
        append_shape(out, field.value);
      }
      out += '}';
      break;
    }
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      simdjson::dom::array a(e);
      if (a.size() > 0) append_shape(out, a.at(0).value_unsafe());
      out += ']';
      break;
    }
    default:
      break;
  }
}

inline std::string shape(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (auto err = parser.parse(json.data(), json.size()).get(e); err) {
    return std::string("<invalid JSON: ") + simdjson::error_message(err) + ">";
  }
  std::string out;
  append_shape(out, e);
  return out;
}

inline bool is_valid_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return !parser.parse(json.data(), json.size()).get(e);
}

// A SimServer serving on a thread for the lifetime of this object.
class RunningSim {
 public:
  explicit RunningSim(SimOptions opts) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    server_ = std::make_unique<SimServer>(std::move(opts));
    thread_ = std::thread([this] { server_->run(); });
  }
  ~RunningSim() { stop(); }
  RunningSim(const RunningSim&) = delete;
  RunningSim& operator=(const RunningSim&) = delete;

  std::uint16_t port() const { return server_->port(); }
  // Stops the server and waits until run() returned (and so the trace is flushed).
  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

 private:
  std::unique_ptr<SimServer> server_;
  std::thread thread_;
};

// Options for fast fixed-timing tests.
inline SimOptions fast_fixed(double ttft_ms = 5, double itl_ms = 5) {
  SimOptions o;
  o.mode = TimingMode::fixed;
  o.ttft_ms = ttft_ms;
  o.itl_ms = itl_ms;
  return o;
}

struct Response {
  int status = 0;
  std::string head;                 // status line and headers as received
  std::string body;                 // de-chunked
  std::vector<std::string> chunks;  // each chunk's payload, in order
  std::vector<Nanos> chunk_times;   // when each chunk was complete on the client
  bool chunked = false;
  bool complete = false;            // the message ended as its framing says
  bool eof = false;                 // the server closed the connection

  std::string header(std::string_view name) const {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
      const std::size_t end = head.find("\r\n", pos + 2);
      const std::string_view line = std::string_view(head).substr(pos + 2, end - pos - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        return std::string(v);
      }
      pos = end;
    }
    return {};
  }
};

inline std::string post(std::string_view path, std::string_view body, std::string_view extra_headers = {}) {
  std::string r = "POST ";
  r += path;
  r += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ";
  r += std::to_string(body.size());
  r += "\r\n";
  r += extra_headers;
  r += "\r\n";
  r += body;
  return r;
}

inline std::string get(std::string_view path, std::string_view method = "GET") {
  return std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

// A blocking-with-deadline HTTP/1.1 client on a raw socket.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

  void send(std::string_view bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may close early (413, 431); the reply still counts
      off += static_cast<std::size_t>(n);
    }
  }

  // Reads one response: until its framing says it is complete, the server closes, or the
  // deadline passes. `on_chunk` may inspect chunks as they arrive and return false to stop.
  template <typename OnChunk>
  Response read_response(Nanos timeout, bool head_request, OnChunk on_chunk) {
    Response r;
    const Nanos deadline = now_ns() + timeout;
    std::size_t head_end = std::string::npos;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline, r)) return r;
    }
    r.head = buf_.substr(0, head_end + 2);
    buf_.erase(0, head_end + 4);
    if (r.head.size() > 12) r.status = std::atoi(r.head.c_str() + 9);
    const std::string length = r.header("Content-Length");
    r.chunked = iequals(r.header("Transfer-Encoding"), "chunked");
    if (head_request) {
      r.complete = true;
      return r;
    }
    if (!r.chunked) {
      const std::size_t n = length.empty() ? std::string::npos : std::stoul(length);
      while (buf_.size() < n || n == std::string::npos) {
        if (!fill(deadline, r)) break;
      }
      const std::size_t take = std::min(n, buf_.size());
      r.body = buf_.substr(0, take);
      buf_.erase(0, take);
      r.complete = n != std::string::npos && r.body.size() == n;
      return r;
    }
    while (true) {
      std::size_t line_end;
      while ((line_end = buf_.find("\r\n")) == std::string::npos) {
        if (!fill(deadline, r)) return r;
      }
      const std::size_t size = std::stoul(buf_.substr(0, line_end), nullptr, 16);
      while (buf_.size() < line_end + 2 + size + 2) {
        if (!fill(deadline, r)) return r;
      }
      std::string payload = buf_.substr(line_end + 2, size);
      buf_.erase(0, line_end + 2 + size + 2);
      if (size == 0) {
        r.complete = true;
        return r;
      }
      r.body += payload;
      r.chunks.push_back(std::move(payload));
      r.chunk_times.push_back(now_ns());
      if (!on_chunk(r)) return r;
    }
  }

  Response read_response(Nanos timeout = 5 * kNanosPerSecond, bool head_request = false) {
    return read_response(timeout, head_request, [](const Response&) { return true; });
  }

  Response request(std::string_view bytes, Nanos timeout = 5 * kNanosPerSecond) {
    send(bytes);
    return read_response(timeout);
  }

  // Waits for the server to close the connection; true when it did before the deadline.
  bool wait_closed(Nanos timeout) {
    Response scratch;
    const Nanos deadline = now_ns() + timeout;
    while (fill(deadline, scratch)) {
    }
    return scratch.eof;
  }

  std::size_t buffered() const { return buf_.size(); }

 private:
  bool fill(Nanos deadline, Response& r) {
    while (true) {
      const Nanos left = deadline - now_ns();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(left / kNanosPerMilli) + 1);
      if (rc == 0) continue;
      if (rc < 0) return false;
      char tmp[65536];
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n > 0) {
        buf_.append(tmp, static_cast<std::size_t>(n));
        return true;
      }
      r.eof = true;
      return false;
    }
  }

  int fd_ = -1;
  std::string buf_;
};

}  // namespace hakari::sim::testing
