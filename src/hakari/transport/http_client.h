// HTTP/1.1 client for load generation: one event loop drives many concurrent streaming
// transfers from one thread. libcurl does the HTTP; the loop owns an epoll set and feeds
// libcurl only the sockets that are ready (curl_multi_socket_action), so a wake-up costs
// the same with 1 or 1,000 open streams. Every body read is stamped with the monotonic
// clock before anyone looks at its bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hakari/core/clock.h"

namespace hakari::transport {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  Nanos connect_timeout = 10 * kNanosPerSecond;
  Nanos total_timeout = 0;  // 0: none
  Nanos idle_timeout = 0;   // 0: none; else fail when a started response pauses this long
};

enum class TransferError {
  none,
  connect,    // refused, unreachable, DNS
  timeout,    // total or idle timeout
  send,       // could not send the request
  recv,       // connection dropped or closed mid-response
  aborted,    // the observer asked to stop (e.g. malformed stream)
  cancelled,  // cancel() was called
  other,
};

std::string_view transfer_error_name(TransferError e);

struct TransferResult {
  TransferError error = TransferError::none;
  std::string detail;    // human-readable reason from libcurl or the observer
  long http_status = 0;  // 0 when no status line arrived
};

// Receives one transfer's events, always on the loop's thread.
class TransferObserver {
 public:
  virtual ~TransferObserver() = default;
  // The status line arrived: the first byte of the response.
  virtual void on_status(long http_status, Nanos t) = 0;
  // The connection closed before any byte of the response arrived, so the server never
  // saw the request; it is being sent again on a fresh connection (once per transfer).
  virtual void on_resend(Nanos /*t*/) {}
  virtual void on_header(std::string_view /*name*/, std::string_view /*value*/) {}
  // A read of body bytes. Return false to abort the transfer (reported as `aborted`).
  virtual bool on_body(std::string_view bytes, Nanos t) = 0;
  // Always called exactly once, last.
  virtual void on_complete(const TransferResult& result, Nanos t) = 0;
};

using TransferId = std::uint64_t;

class HttpClientLoop {
 public:
  HttpClientLoop();
  ~HttpClientLoop();
  HttpClientLoop(const HttpClientLoop&) = delete;
  HttpClientLoop& operator=(const HttpClientLoop&) = delete;

  // Starts a transfer. `observer` must outlive it. Returns its id; the time the request
  // was handed to the network is the return time of this call.
  TransferId start(const HttpRequest& request, TransferObserver* observer);

  // Stops a transfer now; its observer gets on_complete(cancelled) before this returns.
  void cancel(TransferId id);
  void cancel_all();

  // Waits up to `max_wait` for activity and dispatches every callback that is due.
  void poll(Nanos max_wait) { poll_until(now_ns() + max_wait); }
  // Waits until `deadline` (monotonic ns, kept to microseconds, not the whole
  // milliseconds of epoll_wait) or activity, and dispatches every callback that is due.
  // With nothing in flight it still waits, so a schedule can sleep until its next send.
  void poll_until(Nanos deadline);

  std::size_t in_flight() const { return transfers_.size(); }

  // Thread-safe: makes a blocked poll() return early.
  void wakeup();

  struct Transfer;  // one transfer's state; defined in the .cpp

 private:
  friend struct LoopCallbacks;
  void collect_done();
  void expire_idle();
  void finish(Transfer* t, TransferResult result);
  bool resend(Transfer* t);
  void* acquire_easy();

  static constexpr Nanos kIdleCheckInterval = 100 * kNanosPerMilli;
  Nanos last_idle_check_ = 0;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;              // eventfd: wakeup() from another thread
  Nanos curl_deadline_ = kNever;  // when libcurl wants its timeout action
  void* multi_ = nullptr;
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> transfers_;
  std::vector<void*> idle_easy_;  // reused handles keep their buffers
  TransferId next_id_ = 1;
};

// A whole response, for probes and control calls (not for measured traffic).
struct FetchResult {
  TransferResult result;
  std::string body;
  std::string content_type;
  std::string server;  // the Server header
  bool ok() const { return result.error == TransferError::none && result.http_status / 100 == 2; }
};

FetchResult http_fetch(const HttpRequest& request, std::size_t max_body_bytes = 8u << 20);

// Must run once before any other thread starts (libcurl's global state).
void init_http_global();

}  // namespace hakari::transport
