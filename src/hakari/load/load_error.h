// The one error the load module's readers throw: a file that cannot be used as a
// workload. The message names the place, "path:line:column: ..." or "path: ...", so the
// command line can print it as it is.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hakari::load {

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "path: message"
LoadError load_error(std::string_view path, std::string_view message);
// "path:line:column: message" (line and column from 1)
LoadError load_error_at(std::string_view path, std::int64_t line, std::int64_t column, std::string_view message);

}  // namespace hakari::load
