#include "hakari/sim/http_parser.h"

#include <charconv>

namespace hakari::sim {
namespace {

// RFC 9110 token characters.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits off the next line (without its CRLF or LF).
std::string_view next_line(std::string_view& rest) {
  const std::size_t lf = rest.find('\n');
  std::string_view line = rest.substr(0, lf);
  rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (iequals(trim_ows(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

HeadError fail(std::string& why, const char* reason) {
  why = reason;
  return HeadError::bad_request;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view RequestHead::header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

std::size_t find_head_end(std::string_view data) {
  std::size_t lf = data.find('\n');
  while (lf != std::string_view::npos) {
    if (lf + 1 < data.size() && data[lf + 1] == '\n') return lf + 2;
    if (lf + 2 < data.size() && data[lf + 1] == '\r' && data[lf + 2] == '\n') return lf + 3;
    lf = data.find('\n', lf + 1);
  }
  return 0;
}

HeadError parse_request_head(std::string_view head, RequestHead& out, std::string& why) {
  out = RequestHead{};
  std::string_view rest = head;
  const std::string_view line = next_line(rest);

  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return fail(why, "malformed request line");
  }
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(out.method)) return fail(why, "malformed method");
  if (out.target.empty() || out.target.front() != '/') return fail(why, "request target must be a path");
  for (char c : out.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return fail(why, "bad character in request target");
  }
  if (version == "HTTP/1.1") {
    out.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    out.minor_version = 0;
  } else {
    return fail(why, "unsupported HTTP version");
  }
  const std::size_t q = out.target.find('?');
  out.path = out.target.substr(0, q);
  if (q != std::string_view::npos) out.query = out.target.substr(q + 1);

  bool connection_close = false;
  bool connection_keep_alive = false;
  while (!rest.empty()) {
    const std::string_view h = next_line(rest);
    if (h.empty()) break;  // the blank line ending the head
    if (h.front() == ' ' || h.front() == '\t') return fail(why, "obsolete header line folding");
    const std::size_t colon = h.find(':');
    if (colon == std::string_view::npos) return fail(why, "header line without a colon");
    const std::string_view name = h.substr(0, colon);
    if (!is_token(name)) return fail(why, "malformed header name");
    const std::string_view value = trim_ows(h.substr(colon + 1));
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) return fail(why, "control character in header value");
    }
    if (out.headers.size() == kMaxHeaders) {
      why = "more than 256 header fields";
      return HeadError::too_many_headers;
    }
    out.headers.push_back({name, value});

    if (iequals(name, "Content-Length")) {
      std::int64_t n = 0;
      const auto res = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || value.size() > 18 || res.ec != std::errc() ||
          res.ptr != value.data() + value.size() || n < 0) {
        return fail(why, "malformed Content-Length");
      }
      if (out.content_length >= 0 && out.content_length != n) return fail(why, "conflicting Content-Length");
      out.content_length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      out.has_transfer_encoding = true;
    } else if (iequals(name, "Connection")) {
      connection_close = connection_close || has_token(value, "close");
      connection_keep_alive = connection_keep_alive || has_token(value, "keep-alive");
    } else if (iequals(name, "Expect")) {
      out.expect_continue = iequals(value, "100-continue");
    }
  }
  out.keep_alive = !connection_close && (out.minor_version == 1 || connection_keep_alive);
  return HeadError::none;
}

}  // namespace hakari::sim
