#include "hakari/telemetry/sysfs_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace hakari::telemetry {

FileRead read_small_file(const std::string& path, std::size_t max_bytes) {
  FileRead r;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.error = std::strerror(errno);
    return r;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = std::strerror(errno);
      ::close(fd);
      return r;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) {
      r.error = "larger than " + std::to_string(max_bytes) + " bytes";
      ::close(fd);
      return r;
    }
  }
  ::close(fd);
  r.text = std::move(text);
  return r;
}

std::optional<std::string> read_trimmed_file(const std::string& path) {
  auto r = read_small_file(path, 4096);
  if (!r.text) return std::nullopt;
  std::string& s = *r.text;
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return std::string();
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<std::int64_t> read_int_file(const std::string& path) {
  auto s = read_trimmed_file(path);
  if (!s || s->empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || ptr != s->data() + s->size()) return std::nullopt;
  return v;
}

std::string under_root(const std::string& root, const std::string& absolute_path) {
  if (root.empty() || root == "/") return absolute_path;
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return r + absolute_path;
}

}  // namespace hakari::telemetry
