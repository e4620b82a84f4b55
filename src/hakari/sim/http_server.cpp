#include "hakari/sim/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace hakari::sim {
namespace {

constexpr std::uint64_t kListenTag = 1;
constexpr std::uint64_t kTimerTag = 2;
constexpr std::uint64_t kWakeTag = 3;

constexpr std::size_t kReadChunk = 64 * 1024;
// While a response is in progress, pipelined input is buffered up to this much; beyond
// it the connection is only watched for hang-ups until the response is done.
constexpr std::size_t kMaxBufferedWhileBusy = 1024 * 1024;
// A client that stops reading may not grow its output without bound.
constexpr std::size_t kMaxPendingOutput = 64 * 1024 * 1024;
// After the last response byte of a closing connection, input is drained this long so
// the close does not turn into a reset that could destroy the response in flight.
constexpr Nanos kLingerTimeout = kNanosPerSecond;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Asks the scheduler to wake this thread promptly. Timer slack is cut to 1 ns, and on
// EEVDF kernels (6.12+) a short time slice lets the thread preempt CPU-bound neighbours
// on wake-up instead of waiting up to a full default slice (~3 ms) for them. Both are
// unprivileged; where unsupported, nothing changes.
void request_prompt_wakeups() {
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  struct {  // struct sched_attr (SCHED_ATTR_SIZE_VER0); glibc 2.36 does not declare it
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
  } attr{};
  attr.size = sizeof attr;
  if (::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0 || attr.sched_policy != SCHED_OTHER) return;
  attr.sched_runtime = 100'000;  // the shortest slice EEVDF accepts: 100 µs
  ::syscall(SYS_sched_setattr, 0, &attr, 0);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

bool is_body_method(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

struct HttpServer::Conn {
  ConnId id = 0;
  int fd = -1;
  Phase phase = Phase::head;
  std::string in;
  std::size_t in_off = 0;  // unconsumed input starts here
  std::size_t head_len = 0;  // of the request being received
  std::int64_t body_len = 0;
  std::string out;
  std::size_t out_off = 0;
  std::uint32_t interest = 0;  // current epoll mask
  bool registered = false;     // added to epoll
  bool peer_closed = false;    // the client shut down its sending side
  int minor_version = 1;
  bool head_only = false;     // a HEAD request: no body in the response
  bool close_after = false;   // close once the current response is out
  bool chunked = true;        // the streamed response's framing (HTTP/1.0 gets none)
  bool dead = false;
  bool notify_abandoned = false;
  int served = 0;
  Nanos last_activity = 0;
  Nanos last_read = 0;

  std::size_t buffered() const { return in.size() - in_off; }
  bool output_pending() const { return out_off < out.size(); }
};

HttpServer::HttpServer(const std::string& host, std::uint16_t port, HttpHabits habits, const HttpLimits& limits,
                       HttpHandler& handler)
    : handler_(handler), limits_(limits), habits_(std::move(habits)) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(port);
  const std::string where = host + ":" + port_text;
  if (int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::string failure;
  for (addrinfo* ai = found; ai != nullptr && listen_fd_ < 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      failure = errno_text("socket");
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      failure = errno == EADDRINUSE ? "port " + port_text + " is already in use" : errno_text("bind");
      ::close(fd);
      continue;
    }
    if (::listen(fd, SOMAXCONN) != 0) {
      failure = errno_text("listen");
      ::close(fd);
      continue;
    }
    listen_fd_ = fd;
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) throw std::runtime_error("cannot listen on " + where + ": " + failure);

  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);

  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || timer_fd_ < 0 || wake_fd_ < 0) {
    const std::string why = errno_text("epoll/timerfd/eventfd");
    for (int fd : {listen_fd_, epoll_fd_, timer_fd_, wake_fd_}) {
      if (fd >= 0) ::close(fd);
    }
    throw std::runtime_error(why);
  }
  auto watch = [this](int fd, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  };
  watch(listen_fd_, kListenTag);
  watch(timer_fd_, kTimerTag);
  watch(wake_fd_, kWakeTag);
}

HttpServer::~HttpServer() {
  for (auto& [id, c] : conns_) {
    if (c->fd >= 0) ::close(c->fd);
  }
  for (int fd : {listen_fd_, epoll_fd_, timer_fd_, wake_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void HttpServer::stop() noexcept {
  const std::uint64_t one = 1;
  // The only failure is an overflowing counter, which means a wakeup is pending anyway.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

HttpServer::Conn* HttpServer::find(ConnId id) const {
  auto it = conns_.find(id);
  return (it == conns_.end() || it->second->dead) ? nullptr : it->second.get();
}

bool HttpServer::alive(ConnId conn) const { return find(conn) != nullptr; }

void HttpServer::run() {
  request_prompt_wakeups();
  next_sweep_ = now_ns();
  std::vector<epoll_event> events(256);
  while (!stopping_) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(errno_text("epoll_wait"));
    }
    // Emissions first: whatever I/O arrived with them can wait a few microseconds.
    handler_.on_tick(now_ns());
    process_deferred();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      if (tag == kListenTag) {
        accept_all();
      } else if (tag == kTimerTag) {
        std::uint64_t expirations = 0;
        [[maybe_unused]] ssize_t r = ::read(timer_fd_, &expirations, sizeof expirations);
      } else if (tag == kWakeTag) {
        stopping_ = true;
      } else if (auto it = conns_.find(tag); it != conns_.end() && !it->second->dead) {
        on_conn_event(*it->second, events[static_cast<std::size_t>(i)].events);
      }
    }
    process_deferred();
    const Nanos now = now_ns();
    handler_.on_tick(now);
    if (now >= next_sweep_) sweep(now);
    process_deferred();
    arm_timer(std::min(handler_.next_deadline(), next_sweep_));
  }
  for (auto& [id, c] : conns_) {
    if (c->fd >= 0) ::close(c->fd);
  }
  conns_.clear();
}

void HttpServer::arm_timer(Nanos deadline) {
  itimerspec spec{};
  if (deadline != kNever) {
    // An absolute time already past fires at once, which is what a late deadline wants.
    const Nanos at = std::max<Nanos>(deadline, 1);
    spec.it_value.tv_sec = static_cast<time_t>(at / kNanosPerSecond);
    spec.it_value.tv_nsec = static_cast<long>(at % kNanosPerSecond);
  }
  ::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void HttpServer::accept_all() {
  while (true) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Stop asking until a sweep: level-triggered readiness would spin otherwise.
        epoll_event ev{};
        ev.data.u64 = kListenTag;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
        listen_paused_ = true;
      }
      return;
    }
    int one = 1;
    // Each chunk is one frame that is due now; Nagle would hold it back.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Conn>();
    c->id = next_id_++;
    c->fd = fd;
    c->last_activity = now_ns();
    Conn& ref = *c;
    conns_.emplace(c->id, std::move(c));
    update_interest(ref);
  }
}

void HttpServer::update_interest(Conn& c) {
  if (c.dead) return;
  std::uint32_t want = 0;
  if (!c.peer_closed) {
    want = EPOLLRDHUP;
    const bool busy = c.phase == Phase::waiting || c.phase == Phase::streaming || c.phase == Phase::closing;
    if (!busy || c.buffered() < kMaxBufferedWhileBusy) want |= EPOLLIN;
  }
  if (c.output_pending()) want |= EPOLLOUT;
  if (c.registered && want == c.interest) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  ::epoll_ctl(epoll_fd_, c.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd, &ev);
  c.registered = true;
  c.interest = want;
}

void HttpServer::on_conn_event(Conn& c, std::uint32_t events) {
  if ((events & EPOLLERR) != 0) {
    mark_dead(c);
    return;
  }
  if ((events & EPOLLOUT) != 0) flush(c);
  if (!c.dead && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0) read_input(c, events);
  if (!c.dead) {
    process_input(c);
    update_interest(c);
  }
}

void HttpServer::read_input(Conn& c, std::uint32_t events) {
  char buf[kReadChunk];
  while (!c.dead) {
    const bool discard = c.phase == Phase::draining;
    const bool busy = c.phase == Phase::waiting || c.phase == Phase::streaming || c.phase == Phase::closing;
    if (busy && c.buffered() >= kMaxBufferedWhileBusy) {
      // Not reading on purpose (pipelined input is full); only a hang-up matters now.
      if ((events & (EPOLLRDHUP | EPOLLHUP)) != 0) mark_dead(c);
      return;
    }
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.last_read = now_ns();
      c.last_activity = c.last_read;
      if (!discard) c.in.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    // End of input or a socket error. A client that stops sending while its last
    // response is still being written may only be half-closing; anything else is gone.
    if (c.phase == Phase::closing && n == 0 && c.output_pending()) {
      c.peer_closed = true;
      return;
    }
    mark_dead(c);
    return;
  }
}

void HttpServer::process_input(Conn& c) {
  while (!c.dead) {
    if (c.phase == Phase::head) {
      // Stray line ends between requests are allowed (RFC 9112 §2.2).
      while (c.in_off < c.in.size() && (c.in[c.in_off] == '\r' || c.in[c.in_off] == '\n')) ++c.in_off;
      const std::string_view data = std::string_view(c.in).substr(c.in_off);
      const std::size_t end = find_head_end(data.substr(0, limits_.max_head_bytes));
      if (end == 0) {
        if (data.size() >= limits_.max_head_bytes) {
          reply_and_close(c, 431, "request header block exceeds 64 KiB");
        }
        return;
      }
      RequestHead head;
      std::string why;
      const HeadError err = parse_request_head(data.substr(0, end), head, why);
      if (err != HeadError::none) {
        reply_and_close(c, err == HeadError::too_many_headers ? 431 : 400, why);
        return;
      }
      std::int64_t length = head.content_length;
      if (head.has_transfer_encoding || (length < 0 && is_body_method(head.method))) {
        reply_and_close(c, 411, "a request body needs a Content-Length (chunked request bodies are not supported)");
        return;
      }
      if (length > limits_.max_body_bytes) {
        reply_and_close(c, 413, "request body exceeds 32 MiB");
        return;
      }
      c.head_len = end;
      c.body_len = std::max<std::int64_t>(length, 0);
      c.phase = Phase::body;
      if (head.expect_continue && data.size() < end + static_cast<std::size_t>(c.body_len)) {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        flush(c);
      }
      continue;
    }
    if (c.phase != Phase::body) return;
    const std::size_t total = c.head_len + static_cast<std::size_t>(c.body_len);
    if (c.buffered() < total) return;

    // Parsed again rather than kept: appending the body may have moved the buffer.
    const std::string_view data = std::string_view(c.in).substr(c.in_off, total);
    RequestHead head;
    std::string why;
    parse_request_head(data.substr(0, c.head_len), head, why);
    c.phase = Phase::waiting;
    c.minor_version = head.minor_version;
    c.head_only = head.method == "HEAD";
    c.close_after = !head.keep_alive || stopping_ ||
                    c.served + 1 >= limits_.max_requests_per_connection;
    handler_.on_request(c.id, head, data.substr(c.head_len), c.last_read);
    c.in_off += total;
    if (c.in_off == c.in.size()) {
      c.in.clear();
      c.in_off = 0;
    } else if (c.in_off >= kReadChunk) {
      c.in.erase(0, c.in_off);
      c.in_off = 0;
    }
  }
}

void HttpServer::reply_and_close(Conn& c, int status, std::string_view message) {
  c.phase = Phase::waiting;
  c.head_only = false;
  c.close_after = true;
  c.in.clear();
  c.in_off = 0;
  const std::string body = handler_.error_body(status, message);
  write_head(c, status, "application/json; charset=utf-8", static_cast<std::int64_t>(body.size()));
  c.out += body;
  finish_response(c);
  flush(c);
}

void HttpServer::write_head(Conn& c, int status, std::string_view content_type,
                            std::int64_t content_length) {
  std::string& o = c.out;
  o += c.minor_version == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
  o += std::to_string(status);
  o += ' ';
  o += reason_phrase(status);
  o += "\r\n";
  o += c.close_after ? std::string_view("Connection: close\r\n") : std::string_view(habits_.keep_alive_lines);
  if (!content_type.empty()) {  // an empty body may go without one (vLLM's /health)
    o += "Content-Type: ";
    o += content_type;
    o += "\r\n";
  }
  if (!habits_.server_header.empty()) {
    o += "Server: ";
    o += habits_.server_header;
    o += "\r\n";
  }
  if (content_length >= 0) {
    o += "Content-Length: ";
    o += std::to_string(content_length);
    o += "\r\n";
  } else if (c.chunked) {
    o += "Transfer-Encoding: chunked\r\n";
  }
  o += habits_.extra_lines;
  o += "\r\n";
}

bool HttpServer::respond(ConnId conn, int status, std::string_view content_type,
                         std::string_view body) {
  Conn* c = find(conn);
  if (c == nullptr || c->phase != Phase::waiting) return false;
  write_head(*c, status, content_type, static_cast<std::int64_t>(body.size()));
  if (!c->head_only) c->out += body;
  finish_response(*c);
  flush(*c);
  return !c->dead;
}

bool HttpServer::begin_stream(ConnId conn, int status, std::string_view content_type) {
  Conn* c = find(conn);
  if (c == nullptr || c->phase != Phase::waiting) return false;
  // HTTP/1.0 has no chunked encoding: the body then ends when the connection does.
  c->chunked = c->minor_version >= 1;
  if (!c->chunked) c->close_after = true;
  c->phase = Phase::streaming;
  write_head(*c, status, content_type, -1);
  flush(*c);
  return !c->dead;
}

void HttpServer::append_chunk(ConnId conn, std::string_view payload) {
  Conn* c = find(conn);
  if (c == nullptr || c->phase != Phase::streaming || payload.empty()) return;
  if (c->chunked) {
    char size[20];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", payload.size());
    c->out.append(size, static_cast<std::size_t>(n));
    c->out += payload;
    c->out += "\r\n";
  } else {
    c->out += payload;
  }
}

void HttpServer::append_raw(ConnId conn, std::string_view bytes) {
  Conn* c = find(conn);
  if (c != nullptr && c->phase == Phase::streaming) c->out += bytes;
}

Nanos HttpServer::flush(ConnId conn) {
  Conn* c = find(conn);
  return c == nullptr ? 0 : flush(*c);
}

Nanos HttpServer::end_stream(ConnId conn) {
  Conn* c = find(conn);
  if (c == nullptr || c->phase != Phase::streaming) return 0;
  if (c->chunked) c->out += "0\r\n\r\n";
  // The headers promised keep-alive, but the connection closes all the same: a client
  // that sends its next request on it gets the close before any response byte.
  if (habits_.close_after_stream) c->close_after = true;
  finish_response(*c);
  return flush(*c);
}

void HttpServer::finish_response(Conn& c) {
  ++c.served;
  c.phase = c.close_after ? Phase::closing : Phase::head;
  c.chunked = true;
  if (c.phase == Phase::head) pending_.push_back(c.id);
}

void HttpServer::close_now(ConnId conn) {
  Conn* c = find(conn);
  if (c == nullptr) return;
  if (c->output_pending()) {
    [[maybe_unused]] ssize_t n =
        ::send(c->fd, c->out.data() + c->out_off, c->out.size() - c->out_off, MSG_NOSIGNAL);
  }
  c->notify_abandoned = false;
  c->dead = true;
  ::close(c->fd);
  c->fd = -1;
  dead_.push_back(c->id);
}

Nanos HttpServer::flush(Conn& c) {
  const Nanos t = now_ns();
  while (c.output_pending() && !c.dead) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<std::size_t>(n);
      c.last_activity = t;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    mark_dead(c);
    return t;
  }
  if (c.dead) return t;
  if (!c.output_pending()) {
    c.out.clear();
    c.out_off = 0;
    if (c.phase == Phase::closing && c.peer_closed) {
      mark_dead(c);
      return t;
    }
    if (c.phase == Phase::closing) {
      // Everything is out: half-close, then drain what the client still sends.
      ::shutdown(c.fd, SHUT_WR);
      c.phase = Phase::draining;
      c.last_activity = now_ns();
      c.in.clear();
      c.in_off = 0;
    }
  } else if (c.out.size() - c.out_off > kMaxPendingOutput) {
    mark_dead(c);
    return t;
  }
  update_interest(c);
  return t;
}

void HttpServer::mark_dead(Conn& c) {
  if (c.dead) return;
  c.dead = true;
  c.notify_abandoned = c.phase == Phase::waiting || c.phase == Phase::streaming;
  dead_.push_back(c.id);
}

void HttpServer::process_deferred() {
  while (!dead_.empty() || !pending_.empty()) {
    std::vector<ConnId> dead;
    dead.swap(dead_);
    for (ConnId id : dead) {
      auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      const bool notify = it->second->notify_abandoned;
      if (it->second->fd >= 0) ::close(it->second->fd);
      conns_.erase(it);
      if (notify) handler_.on_abandoned(id);
    }
    std::vector<ConnId> pending;
    pending.swap(pending_);
    for (ConnId id : pending) {
      Conn* c = find(id);
      if (c == nullptr || c->phase != Phase::head) continue;
      c->last_activity = now_ns();
      process_input(*c);
      update_interest(*c);
    }
  }
}

void HttpServer::sweep(Nanos now) {
  next_sweep_ = now + std::clamp<Nanos>(limits_.idle_timeout / 4, 10 * kNanosPerMilli, kNanosPerSecond);
  if (listen_paused_) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenTag;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
    listen_paused_ = false;
  }
  for (auto& [id, c] : conns_) {
    if (c->dead) continue;
    const Nanos idle = now - c->last_activity;
    // Streams and pending answers are the handler's business; everything else that
    // makes no progress is closed: idle keep-alive, half-sent requests, a last
    // response the client will not read, a drain that does not end.
    const bool expired =
        ((c->phase == Phase::head || c->phase == Phase::body || c->phase == Phase::closing) &&
         idle >= limits_.idle_timeout) ||
        (c->phase == Phase::draining && idle >= kLingerTimeout);
    if (expired) mark_dead(*c);
  }
}

}  // namespace hakari::sim
