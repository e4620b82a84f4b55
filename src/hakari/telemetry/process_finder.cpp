#include "hakari/telemetry/process_finder.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "hakari/telemetry/proc_sampler.h"
#include "hakari/telemetry/sysfs_file.h"

namespace hakari::telemetry {
namespace {

std::vector<pid_t> list_pids(const std::string& proc) {
  std::vector<pid_t> pids;
  if (DIR* d = opendir(proc.c_str())) {
    while (dirent* e = readdir(d)) {
      int pid = 0;
      std::string_view n(e->d_name);
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), pid);
      if (ec == std::errc() && p == n.data() + n.size()) pids.push_back(pid);
    }
    closedir(d);
  }
  return pids;
}

// Inodes of sockets listening on `port`, from /proc/net/tcp and tcp6.
std::set<std::string> listening_inodes(const std::string& proc, int port) {
  std::set<std::string> inodes;
  char want[8];
  std::snprintf(want, sizeof want, ":%04X", port);
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    auto file = read_small_file(proc + table, 16 << 20);
    if (!file.text) continue;
    std::istringstream in(*file.text);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, state, queues, timer, retrans, uid, timeout, inode;
      if (!(f >> sl >> local >> remote >> state >> queues >> timer >> retrans >> uid >> timeout >> inode)) continue;
      const bool listening = state == "0A";
      const bool port_matches = local.size() >= 5 && local.compare(local.size() - 5, 5, want) == 0;
      if (listening && port_matches && inode != "0") inodes.insert(inode);
    }
  }
  return inodes;
}

}  // namespace

std::optional<FoundProcess> find_process_by_port(const std::string& root, int port, std::string& why_not) {
  const std::string proc = under_root(root, "/proc");
  const auto inodes = listening_inodes(proc, port);
  if (inodes.empty()) {
    why_not = "no process on this host listens on port " + std::to_string(port);
    return std::nullopt;
  }
  bool denied = false;
  for (pid_t pid : list_pids(proc)) {
    const std::string fd_dir = proc + "/" + std::to_string(pid) + "/fd";
    DIR* d = opendir(fd_dir.c_str());
    if (!d) {
      denied = true;
      continue;
    }
    while (dirent* e = readdir(d)) {
      char target[128];
      const ssize_t n = readlink((fd_dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      std::string_view link(target, static_cast<std::size_t>(n));
      if (link.rfind("socket:[", 0) != 0 || link.back() != ']') continue;
      if (inodes.count(std::string(link.substr(8, link.size() - 9)))) {
        closedir(d);
        FoundProcess found{pid, read_trimmed_file(proc + "/" + std::to_string(pid) + "/comm").value_or("")};
        return found;
      }
    }
    closedir(d);
  }
  why_not = "port " + std::to_string(port) + " is listened on, but by no process whose files can be read" +
            (denied ? " (another user's: run as that user or root, or pass --server-pid)" : "");
  return std::nullopt;
}

std::optional<FoundProcess> find_process_by_name(const std::string& root, const std::string& name, std::string& why_not) {
  const std::string proc = under_root(root, "/proc");
  std::map<pid_t, ProcStat> matches;
  for (pid_t pid : list_pids(proc)) {
    const std::string dir = proc + "/" + std::to_string(pid);
    auto stat_file = read_small_file(dir + "/stat", 4096);
    if (!stat_file.text) continue;
    auto st = parse_proc_stat(*stat_file.text);
    if (!st) continue;
    bool match = st->comm == name;
    if (!match) {
      // argv is NUL-separated: the first argument's base name, or anywhere in the line.
      if (auto cmd = read_small_file(dir + "/cmdline", 64 * 1024); cmd.text && !cmd.text->empty()) {
        std::string argv0 = cmd.text->substr(0, cmd.text->find('\0'));
        argv0 = argv0.substr(argv0.rfind('/') == std::string::npos ? 0 : argv0.rfind('/') + 1);
        std::string line = *cmd.text;
        for (char& c : line) c = c == '\0' ? ' ' : c;
        match = argv0 == name || line.find(name) != std::string::npos;
      }
    }
    if (match && pid != getpid()) matches.emplace(pid, *st);
  }
  for (const auto& [pid, st] : matches) {
    if (!matches.count(st.ppid)) return FoundProcess{pid, st.comm};  // lowest pid whose parent is not a match
  }
  why_not = "no running process is called '" + name + "'";
  return std::nullopt;
}

}  // namespace hakari::telemetry
