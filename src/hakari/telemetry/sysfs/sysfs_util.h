// Helpers shared by the sysfs samplers: a replaceable file reader (so tests can inject
// "Permission denied" while running as root), value reads that say why they failed,
// notes said once, and directory listings that never throw.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hakari/telemetry/sysfs_file.h"

namespace hakari::telemetry {

// Reads one file (bounded); the default is read_small_file. Paths passed in are already
// joined with the root.
using FileReader = std::function<FileRead(const std::string& path, std::size_t max_bytes)>;
FileReader default_file_reader();

// One value read from a file, or the reason it could not be read: the OS error
// ("No such file or directory", "Permission denied", "Is a directory"), "empty file", or
// "not a number: 'banana'".
template <class T>
struct ValueRead {
  std::optional<T> value;
  std::string error;
  bool missing = false;  // ENOENT: the file (or its device) is gone
  bool denied = false;   // EACCES/EPERM
};

ValueRead<std::int64_t> read_integer(const FileReader& reader, const std::string& path);
ValueRead<std::string> read_text(const FileReader& reader, const std::string& path);

// Strict parse of a whole (trimmed) integer, decimal or 0x-prefixed hex.
std::optional<std::int64_t> parse_integer(std::string_view text);

// Remembers what has been said: first(key) is true once per key.
class SaidOnce {
 public:
  bool first(const std::string& key) { return said_.insert(key).second; }

 private:
  std::set<std::string> said_;
};

// Entry names of a directory (following symlinks), empty when it cannot be listed.
std::vector<std::string> list_dir(const std::string& path);
bool exists(const std::string& path);
bool is_directory(const std::string& path);
// The real path with symlinks resolved, or "" when it does not resolve.
std::string real_path(const std::string& path);
// The final path component of the link target ("amdgpu" for .../drivers/amdgpu), or "".
std::string link_basename(const std::string& path);

// "card12" with prefix "card" gives 12; "card1-DP-1", "card", "cardx" give nothing.
std::optional<unsigned> numbered(std::string_view name, std::string_view prefix);
// Names sorted by their number after `prefix` (card2 before card10), others dropped.
std::vector<std::string> numbered_entries(const std::vector<std::string>& names, std::string_view prefix);

// A PCI `vendor` file's text names AMD/ATI (0x1002).
bool is_amd_vendor(std::string_view text);

// The frequency of the line marked '*' in a pp_dpm_* file ("1: 2900Mhz *"), in MHz.
std::optional<double> parse_dpm_current_mhz(std::string_view text);

}  // namespace hakari::telemetry
