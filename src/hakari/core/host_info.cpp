#include "hakari/core/host_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace hakari {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\"");
  auto e = s.find_last_not_of(" \t\"\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "MemTotal:  24576000 kB" -> bytes
std::int64_t meminfo_bytes(const std::string& text, const std::string& key) {
  auto pos = text.find(key + ":");
  if (pos == std::string::npos) return 0;
  std::istringstream in(text.substr(pos + key.size() + 1));
  std::int64_t kb = 0;
  in >> kb;
  return kb * 1024;
}

}  // namespace

HostInfo read_host_info(const std::string& root) {
  const std::string r = root.empty() || root.back() == '/' ? root : root + "/";
  HostInfo h;
  {
    std::ifstream in(r + "proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("model name", 0) == 0) {
        if (h.cpu_model.empty()) h.cpu_model = trim(line.substr(line.find(':') + 1));
      } else if (line.rfind("processor", 0) == 0) {
        ++h.logical_cpus;
      }
    }
  }
  {
    std::ifstream in(r + "proc/meminfo");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    h.memory_total_bytes = meminfo_bytes(text, "MemTotal");
    h.swap_used_bytes = meminfo_bytes(text, "SwapTotal") - meminfo_bytes(text, "SwapFree");
  }
  {
    std::ifstream in(r + "proc/loadavg");
    in >> h.load_avg_1m;
  }
  h.cpu_governor = trim(read_first_line(r + "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
  {
    std::ifstream in(r + "etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("PRETTY_NAME=", 0) == 0) h.os = trim(line.substr(12));
    }
  }
  if (root == "/" || root.empty()) {
    utsname u{};
    if (uname(&u) == 0) h.kernel = u.release;
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) h.hostname = name;
  } else {
    h.kernel = trim(read_first_line(r + "proc/sys/kernel/osrelease"));
    h.hostname = trim(read_first_line(r + "proc/sys/kernel/hostname"));
  }
  return h;
}

std::vector<std::string> timing_noise_warnings(const HostInfo& host) {
  std::vector<std::string> out;
  if (!host.cpu_governor.empty() && host.cpu_governor != "performance") {
    out.push_back("CPU frequency governor is '" + host.cpu_governor +
                  "', not 'performance': client-side latencies may read high");
  }
  if (host.logical_cpus > 0 && host.load_avg_1m > 0.75 * host.logical_cpus) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "load average %.2f on %d CPUs: the machine is busy", host.load_avg_1m,
                  host.logical_cpus);
    out.emplace_back(buf);
  }
  if (host.swap_used_bytes > (64 << 20)) {
    out.push_back("swap in use (" + std::to_string(host.swap_used_bytes >> 20) + " MiB): timings may include paging");
  }
  return out;
}

}  // namespace hakari
