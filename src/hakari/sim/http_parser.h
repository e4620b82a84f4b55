// HTTP/1.1 request heads, parsed strictly from untrusted bytes: anything malformed is
// rejected with a reason rather than guessed at. The parsed fields view the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::sim {

struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

struct RequestHead {
  std::string_view method;
  std::string_view target;  // as sent: path and query
  std::string_view path;
  std::string_view query;   // after '?', without it
  int minor_version = 1;    // HTTP/1.x
  std::vector<HttpHeader> headers;
  std::int64_t content_length = -1;  // -1: no Content-Length
  bool has_transfer_encoding = false;
  bool keep_alive = true;
  bool expect_continue = false;

  // The first header of that name (case-insensitive), or "" when absent.
  std::string_view header(std::string_view name) const;
};

inline constexpr std::size_t kMaxHeaders = 256;

// Length of the head at the start of `data` (through the blank line), or 0 while it is
// incomplete. Bare LF line ends are accepted, as most servers do.
std::size_t find_head_end(std::string_view data);

enum class HeadError { none, bad_request, too_many_headers };

// Parses a complete head. On failure, `why` says what was wrong.
HeadError parse_request_head(std::string_view head, RequestHead& out, std::string& why);

bool iequals(std::string_view a, std::string_view b);

}  // namespace hakari::sim
