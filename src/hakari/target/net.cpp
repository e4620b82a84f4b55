#include "hakari/target/net.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>

#include "hakari/target/server.h"

namespace hakari::target {
namespace {

constexpr int kTcpListen = 0x0A;

// Socket inodes listening on `port`, from /proc/net/tcp{,6}.
std::set<unsigned long> listening_inodes(int port) {
  std::set<unsigned long> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode"
      char local[64];
      char remote[64];
      unsigned state = 0;
      unsigned long inode = 0;
      if (std::sscanf(line.c_str(), " %*d: %63s %63s %x %*s %*s %*s %*d %*d %lu", local, remote, &state, &inode) != 4) {
        continue;
      }
      const char* colon = std::strrchr(local, ':');
      if (colon == nullptr || static_cast<int>(state) != kTcpListen) continue;
      if (std::strtol(colon + 1, nullptr, 16) == port && inode != 0) out.insert(inode);
    }
  }
  return out;
}

}  // namespace

int pick_free_port(const std::string& host) {
  const bool v6 = host.find(':') != std::string::npos;
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw TargetError(std::string("cannot create a socket: ") + std::strerror(errno));
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    len = sizeof *a;
    if (::inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      ::close(fd);
      throw TargetError("'" + host + "' is not an IPv6 address");
    }
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    len = sizeof *a;
    const std::string h = host == "localhost" ? "127.0.0.1" : host;
    if (::inet_pton(AF_INET, h.c_str(), &a->sin_addr) != 1) {
      ::close(fd);
      throw TargetError("'" + host + "' is not an IPv4 address");
    }
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const int err = errno;
    ::close(fd);
    throw TargetError("cannot bind a port on " + host + ": " + std::strerror(err));
  }
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw TargetError(std::string("getsockname: ") + std::strerror(err));
  }
  ::close(fd);
  return v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
            : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

pid_t pid_listening_on(int port) {
  const std::set<unsigned long> inodes = listening_inodes(port);
  if (inodes.empty()) return 0;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  pid_t found = 0;
  while (found == 0) {
    const dirent* e = ::readdir(proc);
    if (e == nullptr) break;
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) continue;
    const std::string fd_dir = "/proc/" + std::string(e->d_name) + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (fds == nullptr) continue;
    while (const dirent* f = ::readdir(fds)) {
      char target[64];
      const std::string link = fd_dir + "/" + f->d_name;
      const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      unsigned long inode = 0;
      if (std::sscanf(target, "socket:[%lu]", &inode) == 1 && inodes.count(inode) != 0) {
        found = static_cast<pid_t>(pid);
        break;
      }
    }
    ::closedir(fds);
  }
  ::closedir(proc);
  return found;
}

}  // namespace hakari::target
