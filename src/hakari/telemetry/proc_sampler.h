// Host CPU and memory from /proc, and the serving process tree's CPU and RSS.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hakari/telemetry/sampler.h"

namespace hakari::telemetry {

// What /proc/<pid>/stat says about one process (fields parsed after the last ')', so a
// command name with spaces or parentheses cannot shift them).
struct ProcStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::string comm;
  std::uint64_t cpu_ticks = 0;  // utime + stime
  std::int64_t rss_pages = 0;
};
std::optional<ProcStat> parse_proc_stat(std::string_view text);

class ProcSampler final : public Sampler {
 public:
  // `server_pid` 0: host figures only. Clock ticks and page size are the running
  // kernel's unless given (tests pin them).
  ProcSampler(std::string root, pid_t server_pid, long ticks_per_second = 0, long page_size = 0);
  std::string_view name() const override { return "proc"; }
  void sample(Snapshot& out) override;

 private:
  struct CpuTimes {
    std::uint64_t busy = 0;
    std::uint64_t total = 0;
  };
  void sample_cpu(Snapshot& out);
  void sample_memory(Snapshot& out);
  void sample_process_tree(Snapshot& out);
  std::vector<pid_t> find_tree();

  std::string root_;
  pid_t server_pid_;
  long ticks_per_second_;
  long page_size_;
  std::vector<CpuTimes> last_cpu_;  // [0] = all cores, then one per core
  std::map<pid_t, std::uint64_t> last_ticks_;
  Nanos last_tree_t_ = 0;
  std::vector<pid_t> tree_;
  int samples_since_scan_ = 0;
  bool noted_cpu_ = false;
  bool noted_memory_ = false;
  bool noted_exit_ = false;
};

}  // namespace hakari::telemetry
