// The few HTTP calls the lifecycle code makes (health probes, model management), over the
// transport module's client: short, bounded, and described in words fit for a report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/core/function_ref.h"

namespace hakari::target {

struct Reply {
  long status = 0;     // 0: no HTTP answer
  std::string body;
  std::string error;   // why there was no (complete) answer: "connection refused", "timed out"
  bool answered() const { return error.empty() && status != 0; }
  bool ok() const { return answered() && status / 100 == 2; }
};

struct Call {
  std::string method = "GET";
  std::string url;
  std::string body;                  // sent with Content-Type: application/json when not empty
  std::vector<std::string> headers;  // "Name: value"
  Nanos timeout = 5 * kNanosPerSecond;
  Nanos idle_timeout = 0;            // streamed calls: fail after this long without bytes
};

Reply http_call(const Call& call);

// Streams a response line by line (NDJSON: pull and create progress). `on_line` sees each
// non-blank line as it arrives; the reply's body holds the last 4 KiB, for messages.
Reply http_stream_lines(const Call& call, FunctionRef<void(std::string_view)> on_line);

// "HTTP 503: Loading model", "connection refused (…)": one line for a message.
std::string describe(const Reply& r);

// The message of an error body: {"error":"…"}, {"error":{"message":"…"}}, {"message":"…"},
// or the body itself, cut to 300 bytes.
std::string error_message(std::string_view body);

// "http://host:port" from a host and a port (IPv6 literals bracketed).
std::string make_base_url(const std::string& host, int port);

// Host and port of a base URL ("http://127.0.0.1:8080/" -> 127.0.0.1, 8080; the scheme's
// default port when none). False when it is not an http(s) URL.
bool split_url(std::string_view url, std::string& host, int& port);

}  // namespace hakari::target
