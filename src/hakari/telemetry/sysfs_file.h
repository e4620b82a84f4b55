// Reading the small text files of /proc and /sys without trusting them: bounded size, no
// exceptions, numbers parsed strictly. Missing and unreadable files are ordinary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hakari::telemetry {

struct FileRead {
  std::optional<std::string> text;
  std::string error;  // "No such file or directory", "Permission denied", "larger than N bytes"
};

// Reads at most `max_bytes`; more than that is an error, not a truncation.
FileRead read_small_file(const std::string& path, std::size_t max_bytes = 64 * 1024);

// The whole file as one integer (surrounding whitespace allowed), e.g. "42\n".
std::optional<std::int64_t> read_int_file(const std::string& path);
std::optional<std::string> read_trimmed_file(const std::string& path);

// Joins a root ("/" or a fixture folder) and an absolute path like "/sys/class/drm".
std::string under_root(const std::string& root, const std::string& absolute_path);

}  // namespace hakari::telemetry
