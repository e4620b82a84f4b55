#include "hakari/telemetry/sysfs/sysfs_util.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

namespace hakari::telemetry {
namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The short quoted excerpt of a bad value that goes into a note.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 24)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 24) out += "...";
  return out;
}

template <class T>
void classify(ValueRead<T>& r) {
  r.missing = r.error == std::strerror(ENOENT) || r.error == std::strerror(ENODEV);
  r.denied = r.error == std::strerror(EACCES) || r.error == std::strerror(EPERM);
}

}  // namespace

FileReader default_file_reader() {
  return [](const std::string& path, std::size_t max_bytes) { return read_small_file(path, max_bytes); };
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  int base = 10;
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  const auto s = static_cast<std::int64_t>(v);
  return negative ? -s : s;
}

ValueRead<std::int64_t> read_integer(const FileReader& reader, const std::string& path) {
  ValueRead<std::int64_t> r;
  FileRead f = reader(path, 4096);
  if (!f.text) {
    r.error = f.error.empty() ? "unreadable" : f.error;
    classify(r);
    return r;
  }
  const std::string_view t = trim(*f.text);
  if (t.empty()) {
    r.error = "empty file";
    return r;
  }
  r.value = parse_integer(t);
  if (!r.value) r.error = "not a number: '" + excerpt(t) + "'";
  return r;
}

ValueRead<std::string> read_text(const FileReader& reader, const std::string& path) {
  ValueRead<std::string> r;
  FileRead f = reader(path, 4096);
  if (!f.text) {
    r.error = f.error.empty() ? "unreadable" : f.error;
    classify(r);
    return r;
  }
  r.value = std::string(trim(*f.text));
  return r;
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(path, ec);
  if (ec) return names;
  for (const fs::directory_iterator end; it != end;) {
    names.push_back(it->path().filename().string());
    it.increment(ec);
    if (ec) break;
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string real_path(const std::string& path) {
  std::error_code ec;
  auto p = fs::canonical(path, ec);
  return ec ? std::string() : p.string();
}

std::string link_basename(const std::string& path) {
  std::error_code ec;
  auto target = fs::read_symlink(path, ec);
  if (ec) return {};
  return target.filename().string();
}

std::optional<unsigned> numbered(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view digits = name.substr(prefix.size());
  unsigned v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return v;
}

std::vector<std::string> numbered_entries(const std::vector<std::string>& names, std::string_view prefix) {
  std::vector<std::pair<unsigned, std::string>> found;
  for (const auto& n : names) {
    if (auto i = numbered(n, prefix)) found.emplace_back(*i, n);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  out.reserve(found.size());
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

bool is_amd_vendor(std::string_view text) {
  auto v = parse_integer(text);
  return v && *v == 0x1002;
}

std::optional<double> parse_dpm_current_mhz(std::string_view text) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.find('*') == std::string_view::npos) continue;
    // "<level>: <number><unit> *": the number follows the first ':'.
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view rest = trim(line.substr(colon + 1));
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || digits > 9) continue;
    unsigned v = 0;
    std::from_chars(rest.data(), rest.data() + digits, v);
    std::string_view unit = rest.substr(digits);
    if (unit.size() < 3) continue;
    const bool mhz = (unit[0] == 'M' || unit[0] == 'm') && (unit[1] == 'H' || unit[1] == 'h') &&
                     (unit[2] == 'z' || unit[2] == 'Z');
    if (!mhz) continue;
    return static_cast<double>(v);
  }
  return std::nullopt;
}

}  // namespace hakari::telemetry
