#include "hakari/store/record_writer.h"

#include <chrono>

namespace hakari::store {

RecordWriter::RecordWriter(ResultsStore& store, Nanos max_delay)
    : store_(store), max_delay_(max_delay), thread_([this] { loop(); }) {}

RecordWriter::~RecordWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RecordWriter::add(std::int64_t cell_id, RequestTable table, metrics::RequestRecord record) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Item{cell_id, table, std::move(record)});
    ++added_;
  }
  wake_.notify_one();
}

void RecordWriter::flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = added_;
  flush_requested_ = true;
  wake_.notify_one();
  drained_.wait(lock, [&] { return written_ >= target || failure_; });
  if (failure_) std::rethrow_exception(failure_);
}

void RecordWriter::write(std::vector<Item>& batch) {
  // One transaction per (cell, table) run of the batch.
  std::size_t i = 0;
  std::vector<metrics::RequestRecord> group;
  while (i < batch.size()) {
    const auto cell = batch[i].cell_id;
    const auto table = batch[i].table;
    group.clear();
    while (i < batch.size() && batch[i].cell_id == cell && batch[i].table == table) {
      group.push_back(std::move(batch[i].record));
      ++i;
    }
    store_.insert_requests(cell, group, table);
  }
}

void RecordWriter::loop() {
  std::vector<Item> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    // Wait for work; once some arrives, give it max_delay to gather company, unless a
    // flush or shutdown wants it now.
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    wake_.wait_for(lock, std::chrono::nanoseconds(max_delay_), [&] { return stopping_ || flush_requested_; });
    flush_requested_ = false;
    batch.swap(queue_);
    const auto n = batch.size();
    lock.unlock();
    std::exception_ptr err;
    try {
      write(batch);
    } catch (...) {
      err = std::current_exception();
    }
    batch.clear();
    lock.lock();
    written_ += n;
    if (err && !failure_) {
      failure_ = err;
      failed_ = true;
    }
    drained_.notify_all();
  }
}

}  // namespace hakari::store
