// Writes finished request records to the results database from its own thread, so a
// commit never delays the event loop that timestamps the next chunk. Records are
// committed within `max_delay` of being handed over; a crash loses at most that much.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/metrics/request_record.h"
#include "hakari/store/results_store.h"

namespace hakari::store {

class RecordWriter {
 public:
  explicit RecordWriter(ResultsStore& store, Nanos max_delay = 200 * kNanosPerMilli);
  ~RecordWriter();  // flushes
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  void add(std::int64_t cell_id, RequestTable table, metrics::RequestRecord record);
  // Blocks until everything handed over so far is committed. Rethrows a write failure.
  void flush();
  // A write has failed (a full disk): nothing handed over from now on will be stored.
  // Cheap; the event loop asks on every turn.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  struct Item {
    std::int64_t cell_id;
    RequestTable table;
    metrics::RequestRecord record;
  };
  void loop();
  void write(std::vector<Item>& batch);

  ResultsStore& store_;
  Nanos max_delay_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::vector<Item> queue_;
  std::uint64_t added_ = 0;
  std::uint64_t written_ = 0;
  bool stopping_ = false;
  bool flush_requested_ = false;
  std::exception_ptr failure_;
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace hakari::store
