// A small HTTP/1.1 server for the simulator: one epoll thread, non-blocking sockets with
// per-connection output buffers, and a timerfd armed to the handler's next deadline with
// nanosecond precision, so chunks leave exactly when they are due and the loop never
// sleeps on anything else.
//
// Requests on one connection are served one after another (keep-alive); bodies need a
// Content-Length. Responses are either whole (respond) or streamed with chunked transfer
// encoding (begin_stream / send_chunk / end_stream), one chunk per frame.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/sim/http_parser.h"

namespace hakari::sim {

using ConnId = std::uint64_t;

// What the server calls back, always on the loop's thread. Callbacks may call back into
// the server for any connection.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // A complete request. `head` and `body` are valid only during the call. The handler
  // answers now or later through the server's response calls.
  virtual void on_request(ConnId conn, const RequestHead& head, std::string_view body,
                          Nanos received_ns) = 0;
  // The client went away (or its socket failed) before its response was complete.
  virtual void on_abandoned(ConnId conn) = 0;
  // Time-driven work due at or before `now`.
  virtual void on_tick(Nanos now) = 0;
  virtual Nanos next_deadline() const = 0;
  // The body of an error the HTTP layer answers itself (400, 411, 413, 431).
  virtual std::string error_body(int status, std::string_view message) const = 0;
};

// How the imitated server's HTTP layer shows itself and treats its connections.
struct HttpHabits {
  std::string server_header;      // the Server header's value; empty: none
  // Header lines ("Name: value\r\n") of a response after which the connection stays open:
  // cpp-httplib's "Keep-Alive: timeout=5, max=100", Node's "Connection: keep-alive" and
  // "Keep-Alive: timeout=5"; empty for uvicorn and Go, which send none.
  std::string keep_alive_lines;
  std::string extra_lines;        // further header lines on every response
  // Close the connection once a streamed response has ended (llama-server b5601 does,
  // while its headers still promised keep-alive).
  bool close_after_stream = false;
};

struct HttpLimits {
  std::size_t max_head_bytes = 64 * 1024;
  std::int64_t max_body_bytes = 32 * 1024 * 1024;
  Nanos idle_timeout = 5 * kNanosPerSecond;  // idle keep-alive, or a request sent too slowly
  int max_requests_per_connection = 100;
};

class HttpServer {
 public:
  // Binds and listens; throws std::runtime_error naming the address on failure.
  HttpServer(const std::string& host, std::uint16_t port, HttpHabits habits, const HttpLimits& limits,
             HttpHandler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const { return port_; }

  // Serves until stop(); then closes every connection.
  void run();
  // Thread-safe and async-signal-safe (one write to an eventfd).
  void stop() noexcept;

  // A whole response. False when the connection is gone.
  bool respond(ConnId conn, int status, std::string_view content_type, std::string_view body);
  // Starts a streamed response: the head goes out now.
  bool begin_stream(ConnId conn, int status, std::string_view content_type);
  // Frames `payload` as one chunk into the output buffer without writing yet.
  void append_chunk(ConnId conn, std::string_view payload);
  // Appends raw bytes (no chunk framing): for faults that break the framing on purpose.
  void append_raw(ConnId conn, std::string_view bytes);
  // Writes what is buffered. Returns the monotonic time taken right before write(), or 0
  // when the connection is gone.
  Nanos flush(ConnId conn);
  Nanos send_chunk(ConnId conn, std::string_view payload) {
    append_chunk(conn, payload);
    return flush(conn);
  }
  // The terminating chunk; the connection then serves its next request, or closes (when
  // asked to, or as the habits say).
  Nanos end_stream(ConnId conn);
  // Writes what is buffered once, then closes at once: an abrupt end, on purpose.
  void close_now(ConnId conn);
  bool alive(ConnId conn) const;

 private:
  struct Conn;
  enum class Phase { head, body, waiting, streaming, closing, draining };

  Conn* find(ConnId id) const;
  void accept_all();
  void on_conn_event(Conn& c, std::uint32_t events);
  void read_input(Conn& c, std::uint32_t events);
  void process_input(Conn& c);
  void reply_and_close(Conn& c, int status, std::string_view message);
  void write_head(Conn& c, int status, std::string_view content_type, std::int64_t content_length);
  void finish_response(Conn& c);
  Nanos flush(Conn& c);
  void mark_dead(Conn& c);
  void update_interest(Conn& c);
  void process_deferred();
  void sweep(Nanos now);
  void arm_timer(Nanos deadline);

  HttpHandler& handler_;
  HttpLimits limits_;
  HttpHabits habits_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int wake_fd_ = -1;
  bool stopping_ = false;
  bool listen_paused_ = false;  // out of file descriptors: accept again after a sweep
  ConnId next_id_ = 16;         // ids below are the listener, timer and wakeup tags
  std::unordered_map<ConnId, std::unique_ptr<Conn>> conns_;
  std::vector<ConnId> dead_;     // closed during a callback; cleaned up after it
  std::vector<ConnId> pending_;  // may hold a pipelined request to process
  Nanos next_sweep_ = 0;
};

}  // namespace hakari::sim
