// Slot ids for an engine: the lowest free id is handed out first, as llama.cpp's server
// picks the first idle slot, so /slots and "id_slot" look like a real server's.
#pragma once

#include <vector>

namespace hakari::sim {

class SlotPool {
 public:
  // limit 0: unlimited.
  explicit SlotPool(int limit) : limit_(limit), used_(static_cast<std::size_t>(limit), false) {}

  bool has_free() const { return limit_ == 0 || busy_ < limit_; }

  // Requires has_free().
  int acquire() {
    std::size_t id = 0;
    while (id < used_.size() && used_[id]) ++id;
    if (id == used_.size()) used_.push_back(false);
    used_[id] = true;
    ++busy_;
    return static_cast<int>(id);
  }

  void release(int id) {
    used_[static_cast<std::size_t>(id)] = false;
    --busy_;
  }

 private:
  int limit_;
  std::vector<bool> used_;
  int busy_ = 0;
};

}  // namespace hakari::sim
