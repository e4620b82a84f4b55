#include "hakari/transport/http_client.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace hakari::transport {
namespace {

CURLM* as_multi(void* p) { return static_cast<CURLM*>(p); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// "HTTP/1.1 200 OK" -> 200; 0 when the line is not a status line.
long parse_status_line(std::string_view line) {
  if (line.substr(0, 5) != "HTTP/") return 0;
  auto sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  std::string_view rest = line.substr(sp + 1);
  long code = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + std::min<std::size_t>(rest.size(), 3), code);
  if (ec != std::errc() || ptr != rest.data() + 3) return 0;
  return code;
}

TransferError classify(CURLcode code) {
  switch (code) {
    case CURLE_OK: return TransferError::none;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return TransferError::connect;
    case CURLE_OPERATION_TIMEDOUT: return TransferError::timeout;
    case CURLE_SEND_ERROR: return TransferError::send;
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY: return TransferError::recv;
    case CURLE_WRITE_ERROR: return TransferError::aborted;
    default: return TransferError::other;
  }
}

}  // namespace

std::string_view transfer_error_name(TransferError e) {
  switch (e) {
    case TransferError::none: return "none";
    case TransferError::connect: return "connect";
    case TransferError::timeout: return "timeout";
    case TransferError::send: return "send";
    case TransferError::recv: return "recv";
    case TransferError::aborted: return "aborted";
    case TransferError::cancelled: return "cancelled";
    case TransferError::other: return "other";
  }
  return "other";
}

void init_http_global() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl could not be initialised");
    }
  });
}

struct HttpClientLoop::Transfer {
  TransferId id = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;  // libcurl reads the POST body from here, without copying
  TransferObserver* observer = nullptr;
  long status = 0;
  bool aborted_by_observer = false;
  int attempts = 0;               // requests libcurl put on the wire since the last (re)start
  bool retry_refused = false;     // libcurl wanted to re-send on its own; it was not let
  bool response_started = false;  // some byte of a response arrived
  int resends = 0;                // times hakari sent it again on a fresh connection
  Nanos idle_timeout = 0;
  Nanos last_read = 0;  // 0 until the status line: the wait for it is bounded by the total timeout
  char error_buffer[CURL_ERROR_SIZE] = {};
};

namespace {

size_t on_body_cb(char* data, size_t size, size_t nmemb, void* user) {
  const Nanos t = now_ns();  // first, before anything looks at the bytes
  auto* tr = static_cast<HttpClientLoop::Transfer*>(user);
  const size_t n = size * nmemb;
  tr->last_read = t;
  tr->response_started = true;
  if (!tr->observer->on_body(std::string_view(data, n), t)) {
    tr->aborted_by_observer = true;
    return 0;  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
  }
  return n;
}

// libcurl re-sends a request by itself when a reused connection dies before any byte of
// the response, on whatever connection it finds next, as often as it likes. That is let
// through once, counted, and only on a connection it has just opened; any other attempt
// is refused, and HttpClientLoop::resend may then send it once on a fresh connection.
int on_prereq_cb(void* user, char*, char*, int, int) {
  auto* tr = static_cast<HttpClientLoop::Transfer*>(user);
  if (++tr->attempts == 1) return CURL_PREREQFUNC_OK;
  long new_connections = 0;  // made for this transfer so far: the first attempt reused one
  curl_easy_getinfo(tr->easy, CURLINFO_NUM_CONNECTS, &new_connections);
  if (tr->resends == 0 && !tr->response_started && new_connections > 0) {
    ++tr->resends;
    tr->observer->on_resend(now_ns());
    return CURL_PREREQFUNC_OK;
  }
  tr->retry_refused = true;
  return CURL_PREREQFUNC_ABORT;
}

size_t on_header_cb(char* data, size_t size, size_t nmemb, void* user) {
  const Nanos t = now_ns();
  auto* tr = static_cast<HttpClientLoop::Transfer*>(user);
  const size_t n = size * nmemb;
  // A server that stalls after its headers is as stuck as one that stalls mid-body: the
  // idle clock starts with the first byte of the response.
  tr->last_read = t;
  tr->response_started = true;
  std::string_view line(data, n);
  if (long code = parse_status_line(line); code != 0) {
    // An interim 1xx response is followed by the real status line.
    if (code >= 200 || tr->status == 0) {
      tr->status = code;
      if (code >= 200) tr->observer->on_status(code, t);
    }
    return n;
  }
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    tr->observer->on_header(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return n;
}

}  // namespace

// libcurl tells the loop which sockets to watch and when to call it back.
struct LoopCallbacks {
  static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
    auto* loop = static_cast<HttpClientLoop*>(user);
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(loop->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = fd;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
    if (epoll_ctl(loop->epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
      epoll_ctl(loop->epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
    return 0;
  }
  static int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* loop = static_cast<HttpClientLoop*>(user);
    loop->curl_deadline_ = timeout_ms < 0 ? kNever : now_ns() + timeout_ms * kNanosPerMilli;
    return 0;
  }
};

HttpClientLoop::HttpClientLoop() {
  init_http_global();
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  multi_ = curl_multi_init();
  if (epoll_fd_ < 0 || wake_fd_ < 0 || !multi_) throw std::runtime_error("cannot create the HTTP event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  curl_multi_setopt(as_multi(multi_), CURLMOPT_SOCKETFUNCTION, LoopCallbacks::on_socket);
  curl_multi_setopt(as_multi(multi_), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(as_multi(multi_), CURLMOPT_TIMERFUNCTION, LoopCallbacks::on_timer);
  curl_multi_setopt(as_multi(multi_), CURLMOPT_TIMERDATA, this);
  // One connection per concurrent stream, as a fleet of real clients would have.
  curl_multi_setopt(as_multi(multi_), CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
  curl_multi_setopt(as_multi(multi_), CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
}

HttpClientLoop::~HttpClientLoop() {
  for (auto& [id, tr] : transfers_) {
    curl_multi_remove_handle(as_multi(multi_), tr->easy);
    curl_easy_cleanup(tr->easy);
    curl_slist_free_all(tr->headers);
  }
  for (void* e : idle_easy_) curl_easy_cleanup(static_cast<CURL*>(e));
  curl_multi_cleanup(as_multi(multi_));
  close(wake_fd_);
  close(epoll_fd_);
}

void* HttpClientLoop::acquire_easy() {
  if (!idle_easy_.empty()) {
    void* e = idle_easy_.back();
    idle_easy_.pop_back();
    curl_easy_reset(static_cast<CURL*>(e));
    return e;
  }
  CURL* e = curl_easy_init();
  if (!e) throw std::runtime_error("curl_easy_init failed");
  return e;
}

TransferId HttpClientLoop::start(const HttpRequest& request, TransferObserver* observer) {
  auto tr = std::make_unique<Transfer>();
  tr->id = next_id_++;
  tr->observer = observer;
  tr->easy = static_cast<CURL*>(acquire_easy());
  tr->body = request.body;
  CURL* e = tr->easy;

  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, tr->error_buffer);
  curl_easy_setopt(e, CURLOPT_PRIVATE, tr.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body_cb);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, tr.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header_cb);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, tr.get());
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq_cb);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, tr.get());
  // libcurl counts in whole milliseconds and reads 0 as "no limit": a positive limit
  // shorter than that must not silently become none.
  auto limit_ms = [](Nanos t) { return static_cast<long>(std::max<Nanos>(t / kNanosPerMilli, 1)); };
  if (request.connect_timeout > 0) curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, limit_ms(request.connect_timeout));
  if (request.total_timeout > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, limit_ms(request.total_timeout));
  // libcurl's low-speed limit averages over seconds and misses a stall after a burst, so
  // the idle limit is enforced by poll() from the time of the last read.
  tr->idle_timeout = request.idle_timeout;
  if (request.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, tr->body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(tr->body.size()));
  }
  // No "Expect: 100-continue" round trip before large prompts.
  tr->headers = curl_slist_append(tr->headers, "Expect:");
  for (const auto& h : request.headers) tr->headers = curl_slist_append(tr->headers, h.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, tr->headers);

  TransferId id = tr->id;
  Transfer* raw = tr.get();
  transfers_.emplace(id, std::move(tr));
  if (CURLMcode mc = curl_multi_add_handle(as_multi(multi_), e); mc != CURLM_OK) {
    finish(raw, TransferResult{TransferError::other, curl_multi_strerror(mc), 0});
  }
  return id;
}

void HttpClientLoop::finish(Transfer* t, TransferResult result) {
  curl_multi_remove_handle(as_multi(multi_), t->easy);
  curl_slist_free_all(t->headers);
  t->headers = nullptr;
  idle_easy_.push_back(t->easy);
  TransferObserver* obs = t->observer;
  const Nanos now = now_ns();
  transfers_.erase(t->id);  // destroys *t
  obs->on_complete(result, now);
}

// A connection that closes before any byte of the response arrived never delivered the
// request to the server (typically a kept-alive connection the server closed as it was
// reused: llama.cpp's server closes after every streamed response). Sending it again on a
// fresh connection is then safe; anything after the first response byte never is.
bool HttpClientLoop::resend(Transfer* t) {
  if (t->resends > 0 || t->response_started || t->aborted_by_observer) return false;
  CURL* e = t->easy;
  curl_multi_remove_handle(as_multi(multi_), e);
  ++t->resends;
  t->attempts = 0;
  t->retry_refused = false;
  t->status = 0;
  t->error_buffer[0] = '\0';
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  t->observer->on_resend(now_ns());
  return curl_multi_add_handle(as_multi(multi_), e) == CURLM_OK;
}

void HttpClientLoop::cancel(TransferId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  Transfer* t = it->second.get();
  finish(t, TransferResult{TransferError::cancelled, "cancelled", t->status});
}

void HttpClientLoop::cancel_all() {
  while (!transfers_.empty()) cancel(transfers_.begin()->first);
}

void HttpClientLoop::collect_done() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(as_multi(multi_), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    if (!t) continue;
    CURLcode code = msg->data.result;
    // A request the server never saw: libcurl wanted to re-send it on its own (refused by
    // on_prereq_cb), or a reused connection failed before any response byte. A fresh
    // connection that fails so was read by the server (it may have died on the request).
    long new_connections = 0;
    curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &new_connections);
    const bool reused_and_dropped = new_connections == 0 && (code == CURLE_GOT_NOTHING || code == CURLE_SEND_ERROR ||
                                                            code == CURLE_RECV_ERROR);
    if ((t->retry_refused || reused_and_dropped) && resend(t)) continue;
    TransferResult r;
    r.http_status = t->status;
    r.error = classify(code);
    if (code != CURLE_OK) {
      r.detail = t->error_buffer[0] ? t->error_buffer : curl_easy_strerror(code);
    }
    if (t->aborted_by_observer) {
      r.error = TransferError::aborted;
      r.detail = "aborted by the response decoder";
    } else if (t->retry_refused || (code == CURLE_GOT_NOTHING && !t->response_started)) {
      r.error = TransferError::recv;
      r.detail = t->resends > 0 ? "the server closed the connection without a response, also on a fresh connection"
                                : "the server closed the connection without a response";
    }
    finish(t, std::move(r));
  }
}

void HttpClientLoop::expire_idle() {
  const Nanos now = now_ns();
  if (now - last_idle_check_ < kIdleCheckInterval) return;
  last_idle_check_ = now;
  std::vector<Transfer*> stalled;
  for (auto& [id, t] : transfers_) {
    if (t->idle_timeout > 0 && t->last_read > 0 && now - t->last_read > t->idle_timeout) stalled.push_back(t.get());
  }
  for (Transfer* t : stalled) {
    char why[96];
    std::snprintf(why, sizeof why, "no data for %.1f s (idle timeout)", to_s(now - t->last_read));
    finish(t, TransferResult{TransferError::timeout, why, t->status});
  }
}

namespace {

// epoll_wait with a timeout in nanoseconds: epoll_pwait2 (Linux 5.11) where the kernel has
// it, else whole milliseconds rounded up, so a due timer is never spun on.
int wait_for_events(int epoll_fd, epoll_event* events, int max_events, Nanos wait) {
  static std::atomic<bool> have_pwait2{true};
  wait = std::clamp<Nanos>(wait, 0, 60 * kNanosPerSecond);
  if (have_pwait2.load(std::memory_order_relaxed)) {
    const timespec ts{static_cast<time_t>(wait / kNanosPerSecond), static_cast<long>(wait % kNanosPerSecond)};
    const int n = epoll_pwait2(epoll_fd, events, max_events, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    have_pwait2 = false;
  }
  return epoll_wait(epoll_fd, events, max_events, static_cast<int>((wait + kNanosPerMilli - 1) / kNanosPerMilli));
}

}  // namespace

void HttpClientLoop::poll_until(Nanos deadline) {
  int running = 0;
  Nanos now = now_ns();
  // Wake when asked, often enough to enforce idle timeouts on time, and when libcurl asks.
  Nanos wait = deadline - now;
  if (!transfers_.empty()) wait = std::min({wait, kIdleCheckInterval, std::max<Nanos>(curl_deadline_ - now, 0)});
  epoll_event events[64];
  const int n = wait_for_events(epoll_fd_, events, 64, wait);
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wake_fd_) {
      std::uint64_t drained = 0;
      [[maybe_unused]] auto r = read(wake_fd_, &drained, sizeof drained);
      continue;
    }
    int mask = 0;
    if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
    curl_multi_socket_action(as_multi(multi_), fd, mask, &running);
  }
  if (now_ns() >= curl_deadline_) {
    curl_deadline_ = kNever;  // on_timer sets the next one
    curl_multi_socket_action(as_multi(multi_), CURL_SOCKET_TIMEOUT, 0, &running);
  }
  collect_done();
  expire_idle();
}

void HttpClientLoop::wakeup() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto r = write(wake_fd_, &one, sizeof one);
}

// --- one-off fetches -------------------------------------------------------------------

namespace {

class CollectingObserver final : public TransferObserver {
 public:
  explicit CollectingObserver(FetchResult& out, std::size_t max) : out_(out), max_(max) {}
  void on_status(long, Nanos) override {}
  void on_header(std::string_view name, std::string_view value) override {
    if (equals_ci(name, "content-type")) out_.content_type.assign(value);
    if (equals_ci(name, "server")) out_.server.assign(value);
  }
  bool on_body(std::string_view bytes, Nanos) override {
    if (out_.body.size() + bytes.size() > max_) {
      too_large_ = true;
      return false;
    }
    out_.body.append(bytes);
    return true;
  }
  void on_complete(const TransferResult& r, Nanos) override {
    out_.result = r;
    if (too_large_) out_.result.detail = "response body larger than " + std::to_string(max_) + " bytes";
  }

 private:
  static bool equals_ci(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x | 0x20) == (y | 0x20);
           });
  }
  FetchResult& out_;
  std::size_t max_;
  bool too_large_ = false;
};

}  // namespace

FetchResult http_fetch(const HttpRequest& request, std::size_t max_body_bytes) {
  FetchResult out;
  CollectingObserver obs(out, max_body_bytes);
  HttpClientLoop loop;
  loop.start(request, &obs);
  while (loop.in_flight() > 0) loop.poll(100 * kNanosPerMilli);
  return out;
}

}  // namespace hakari::transport
