// The simulator's ground truth, as NDJSON: when each generation request arrived and when
// each of its tokens was handed to the socket, on the monotonic clock the client shares,
// so a client's own timestamps can be checked against what really happened.
//
//   {"event":"request","seq":N,"request_id":"…","path":"…","received_ns":T,"prompt_tokens":P,"max_tokens":M}
//   {"event":"token","seq":N,"index":k,"t_ns":T}
//   {"event":"done","seq":N,"t_ns":T,"reason":"length|stop|fault|disconnect|error"}
//
// Lines are buffered in memory and written by a background thread, so tracing costs the
// event loop a short critical section per line and never a system call.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "hakari/core/clock.h"

namespace hakari::sim {

class TraceWriter {
 public:
  // Creates or truncates `path`; throws std::runtime_error naming it when that fails.
  explicit TraceWriter(const std::string& path);
  ~TraceWriter();  // writes everything still buffered
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void request(std::uint64_t seq, std::string_view request_id, std::string_view path,
               Nanos received_ns, std::int64_t prompt_tokens, std::int64_t max_tokens);
  void token(std::uint64_t seq, std::int64_t index, Nanos t_ns);
  void done(std::uint64_t seq, Nanos t_ns, std::string_view reason);

  // Writes everything buffered now, from the calling thread.
  void flush();

 private:
  void writer_loop();
  void write_out(const std::string& data);

  int fd_ = -1;
  std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::mutex write_mu_;  // one writer at a time keeps lines in order
  std::thread thread_;
};

}  // namespace hakari::sim
