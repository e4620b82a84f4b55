#include "hakari/load/load_error.h"

#include <fmt/format.h>

namespace hakari::load {

LoadError load_error(std::string_view path, std::string_view message) {
  return LoadError(fmt::format("{}: {}", path, message));
}

LoadError load_error_at(std::string_view path, std::int64_t line, std::int64_t column, std::string_view message) {
  return LoadError(fmt::format("{}:{}:{}: {}", path, line, column, message));
}

}  // namespace hakari::load
