#include "hakari/sim/trace.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "hakari/core/json_writer.h"

namespace hakari::sim {
namespace {

// How often the background thread writes; a crash loses at most this much of the trace.
constexpr auto kWriteInterval = std::chrono::milliseconds(200);

}  // namespace

TraceWriter::TraceWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot write trace file " + path + ": " + std::strerror(errno));
  thread_ = std::thread([this] { writer_loop(); });
}

TraceWriter::~TraceWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  flush();
  ::close(fd_);
}

void TraceWriter::request(std::uint64_t seq, std::string_view request_id, std::string_view path,
                          Nanos received_ns, std::int64_t prompt_tokens, std::int64_t max_tokens) {
  std::lock_guard lock(mu_);
  JsonWriter w(pending_);
  w.begin_object();
  w.field("event", "request").field("seq", seq).field("request_id", request_id).field("path", path);
  w.field("received_ns", received_ns).field("prompt_tokens", prompt_tokens).field("max_tokens", max_tokens);
  w.end_object();
  pending_ += '\n';
}

void TraceWriter::token(std::uint64_t seq, std::int64_t index, Nanos t_ns) {
  std::lock_guard lock(mu_);
  JsonWriter w(pending_);
  w.begin_object().field("event", "token").field("seq", seq).field("index", index).field("t_ns", t_ns).end_object();
  pending_ += '\n';
}

void TraceWriter::done(std::uint64_t seq, Nanos t_ns, std::string_view reason) {
  std::lock_guard lock(mu_);
  JsonWriter w(pending_);
  w.begin_object().field("event", "done").field("seq", seq).field("t_ns", t_ns).field("reason", reason).end_object();
  pending_ += '\n';
}

void TraceWriter::flush() {
  std::lock_guard write_lock(write_mu_);
  std::string data;
  {
    std::lock_guard lock(mu_);
    data.swap(pending_);
  }
  write_out(data);
}

void TraceWriter::write_out(const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses the trace, not the benchmark
    off += static_cast<std::size_t>(n);
  }
}

void TraceWriter::writer_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kWriteInterval, [this] { return stopping_; });
    if (pending_.empty()) continue;
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace hakari::sim
