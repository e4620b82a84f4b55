#include "hakari/telemetry/proc_sampler.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <deque>
#include <sstream>

#include "hakari/telemetry/sysfs_file.h"

namespace hakari::telemetry {
namespace {

// The descendants of a process are found again every this many samples: new workers
// appear rarely, and scanning all of /proc costs more than reading a few stat files.
constexpr int kRescanEvery = 5;

bool parse_u64(std::string_view s, std::uint64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_i64(std::string_view s, std::int64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  ProcStat st;
  std::int64_t pid = 0;
  std::string_view pid_text = text.substr(0, open);
  while (!pid_text.empty() && pid_text.back() == ' ') pid_text.remove_suffix(1);
  if (!parse_i64(pid_text, pid)) return std::nullopt;
  st.pid = static_cast<pid_t>(pid);
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  // After ')': state(3) ppid(4) ... utime(14) stime(15) ... rss(24), counted from field 3.
  const auto f = split_ws(text.substr(close + 1));
  if (f.size() < 22) return std::nullopt;
  std::int64_t ppid = 0;
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  if (!parse_i64(f[1], ppid) || !parse_u64(f[11], utime) || !parse_u64(f[12], stime) || !parse_i64(f[21], st.rss_pages)) {
    return std::nullopt;
  }
  st.ppid = static_cast<pid_t>(ppid);
  st.cpu_ticks = utime + stime;
  return st;
}

ProcSampler::ProcSampler(std::string root, pid_t server_pid, long ticks_per_second, long page_size)
    : root_(std::move(root)),
      server_pid_(server_pid),
      ticks_per_second_(ticks_per_second > 0 ? ticks_per_second : sysconf(_SC_CLK_TCK)),
      page_size_(page_size > 0 ? page_size : sysconf(_SC_PAGESIZE)) {}

void ProcSampler::sample(Snapshot& out) {
  sample_cpu(out);
  sample_memory(out);
  if (server_pid_ > 0) sample_process_tree(out);
}

void ProcSampler::sample_cpu(Snapshot& out) {
  const auto file = read_small_file(under_root(root_, "/proc/stat"), 1 << 20);
  if (!file.text) {
    if (!noted_cpu_) note("/proc/stat: " + file.error + "; no CPU figures");
    noted_cpu_ = true;
    return;
  }
  std::vector<CpuTimes> now;
  std::istringstream in(*file.text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("cpu", 0) != 0) break;  // the cpu lines come first
    const auto f = split_ws(line);
    CpuTimes t;
    for (std::size_t i = 1; i < f.size() && i <= 8; ++i) {  // user..steal; guest is inside user
      std::uint64_t v = 0;
      if (!parse_u64(f[i], v)) break;
      t.total += v;
      if (i != 4 && i != 5) t.busy += v;  // idle and iowait are not busy
    }
    now.push_back(t);
  }
  CpuReading r;
  if (!now.empty() && last_cpu_.size() == now.size()) {
    auto percent = [](const CpuTimes& a, const CpuTimes& b) -> std::optional<double> {
      if (b.total <= a.total || b.busy < a.busy) return std::nullopt;
      return 100.0 * static_cast<double>(b.busy - a.busy) / static_cast<double>(b.total - a.total);
    };
    r.percent = percent(last_cpu_[0], now[0]);
    for (std::size_t i = 1; i < now.size(); ++i) {
      if (auto p = percent(last_cpu_[i], now[i])) r.per_core_percent.push_back(*p);
    }
  }
  last_cpu_ = std::move(now);
  out.cpu = std::move(r);
}

void ProcSampler::sample_memory(Snapshot& out) {
  const auto file = read_small_file(under_root(root_, "/proc/meminfo"), 1 << 20);
  if (!file.text) {
    if (!noted_memory_) note("/proc/meminfo: " + file.error + "; no memory figures");
    noted_memory_ = true;
    return;
  }
  std::int64_t total = -1, available = -1, swap_total = 0, swap_free = 0;
  std::istringstream in(*file.text);
  for (std::string line; std::getline(in, line);) {
    const auto f = split_ws(line);
    if (f.size() < 2) continue;
    std::int64_t kb = 0;
    if (!parse_i64(f[1], kb)) continue;
    if (f[0] == "MemTotal:") total = kb * 1024;
    if (f[0] == "MemAvailable:") available = kb * 1024;
    if (f[0] == "SwapTotal:") swap_total = kb * 1024;
    if (f[0] == "SwapFree:") swap_free = kb * 1024;
  }
  if (total < 0 || available < 0) {
    if (!noted_memory_) note("/proc/meminfo: no MemTotal/MemAvailable; no memory figures");
    noted_memory_ = true;
    return;
  }
  out.memory = MemoryReading{total, total - available, available, swap_total - swap_free};
}

std::vector<pid_t> ProcSampler::find_tree() {
  std::map<pid_t, std::vector<pid_t>> children;
  bool root_alive = false;
  const std::string proc = under_root(root_, "/proc");
  if (DIR* d = opendir(proc.c_str())) {
    while (dirent* e = readdir(d)) {
      std::int64_t pid = 0;
      if (!parse_i64(e->d_name, pid)) continue;
      const auto file = read_small_file(proc + "/" + e->d_name + "/stat", 4096);
      if (!file.text) continue;  // exited while we looked
      if (auto st = parse_proc_stat(*file.text)) {
        children[st->ppid].push_back(st->pid);
        root_alive = root_alive || st->pid == server_pid_;
      }
    }
    closedir(d);
  }
  if (!root_alive) return {};
  std::vector<pid_t> tree{server_pid_};
  for (std::size_t i = 0; i < tree.size(); ++i) {
    for (pid_t c : children[tree[i]]) tree.push_back(c);
  }
  return tree;
}

void ProcSampler::sample_process_tree(Snapshot& out) {
  if (tree_.empty() || ++samples_since_scan_ >= kRescanEvery) {
    tree_ = find_tree();
    samples_since_scan_ = 0;
  }
  if (tree_.empty()) {
    if (!noted_exit_) note("server process " + std::to_string(server_pid_) + " is not running");
    noted_exit_ = true;
    return;
  }
  // The snapshot's time, so rates follow the sampling clock (and tests can set it).
  const Nanos t = out.t != 0 ? out.t : now_ns();
  ProcessReading r;
  r.root_pid = server_pid_;
  std::uint64_t delta_ticks = 0;
  std::map<pid_t, std::uint64_t> ticks;
  const std::string proc = under_root(root_, "/proc");
  for (pid_t pid : tree_) {
    const auto file = read_small_file(proc + "/" + std::to_string(pid) + "/stat", 4096);
    if (!file.text) continue;
    auto st = parse_proc_stat(*file.text);
    if (!st) continue;
    ++r.process_count;
    r.rss_bytes += st->rss_pages * page_size_;
    ticks[pid] = st->cpu_ticks;
    // A process seen for the first time adds nothing yet: its past CPU time is not ours.
    if (auto it = last_ticks_.find(pid); it != last_ticks_.end() && st->cpu_ticks >= it->second) {
      delta_ticks += st->cpu_ticks - it->second;
    }
  }
  if (r.process_count == 0) {
    tree_.clear();
    return;
  }
  if (last_tree_t_ > 0 && t > last_tree_t_) {
    r.cpu_percent = 100.0 * (static_cast<double>(delta_ticks) / static_cast<double>(ticks_per_second_)) / to_s(t - last_tree_t_);
  }
  last_ticks_ = std::move(ticks);
  last_tree_t_ = t;
  out.server_process = r;
}

}  // namespace hakari::telemetry
