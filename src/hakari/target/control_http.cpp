#include "hakari/target/control_http.h"

#include <simdjson.h>

#include <algorithm>

#include "hakari/transport/http_client.h"
#include "hakari/transport/ndjson_framer.h"

namespace hakari::target {
namespace {

constexpr std::size_t kMaxBody = 16u << 20;
constexpr std::size_t kKeptStreamTail = 4096;
constexpr std::size_t kMaxMessage = 300;

transport::HttpRequest to_request(const Call& call) {
  transport::HttpRequest req;
  req.method = call.method;
  req.url = call.url;
  req.body = call.body;
  req.headers = call.headers;
  if (!call.body.empty()) req.headers.emplace_back("Content-Type: application/json");
  // A timeout of 0 means none (streamed calls bounded by idle_timeout instead).
  const Nanos timeout = std::max<Nanos>(call.timeout, 50 * kNanosPerMilli);
  req.connect_timeout = call.timeout > 0 ? std::min<Nanos>(timeout, 5 * kNanosPerSecond) : 5 * kNanosPerSecond;
  req.total_timeout = call.timeout > 0 ? timeout : 0;
  req.idle_timeout = call.idle_timeout;
  return req;
}

std::string transfer_words(const transport::TransferResult& r) {
  switch (r.error) {
    case transport::TransferError::connect:
      return "no connection (" + r.detail + ")";
    case transport::TransferError::timeout:
      return "timed out (" + r.detail + ")";
    default:
      return std::string(transport::transfer_error_name(r.error)) + (r.detail.empty() ? "" : " (" + r.detail + ")");
  }
}

class LineObserver final : public transport::TransferObserver {
 public:
  LineObserver(Reply& out, FunctionRef<void(std::string_view)> on_line) : out_(out), on_line_(on_line) {}
  void on_status(long status, Nanos) override { out_.status = status; }
  bool on_body(std::string_view bytes, Nanos) override {
    out_.body.append(bytes);
    if (out_.body.size() > 2 * kKeptStreamTail) out_.body.erase(0, out_.body.size() - kKeptStreamTail);
    return framer_.feed(bytes, on_line_) == transport::FrameStatus::ok;
  }
  void on_complete(const transport::TransferResult& r, Nanos) override {
    framer_.finish(on_line_);
    if (r.error != transport::TransferError::none) out_.error = transfer_words(r);
    if (r.http_status != 0) out_.status = r.http_status;
  }

 private:
  Reply& out_;
  FunctionRef<void(std::string_view)> on_line_;
  transport::NdjsonFramer framer_;
};

}  // namespace

Reply http_call(const Call& call) {
  const transport::FetchResult f = transport::http_fetch(to_request(call), kMaxBody);
  Reply r;
  r.status = f.result.http_status;
  r.body = f.body;
  if (f.result.error != transport::TransferError::none) r.error = transfer_words(f.result);
  return r;
}

Reply http_stream_lines(const Call& call, FunctionRef<void(std::string_view)> on_line) {
  Reply r;
  LineObserver obs(r, on_line);
  transport::HttpClientLoop loop;
  loop.start(to_request(call), &obs);
  while (loop.in_flight() > 0) loop.poll(100 * kNanosPerMilli);
  return r;
}

std::string describe(const Reply& r) {
  if (!r.error.empty()) return r.error;
  std::string out = "HTTP " + std::to_string(r.status);
  const std::string msg = error_message(r.body);
  if (!msg.empty()) out += ": " + msg;
  return out;
}

std::string error_message(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view msg;
  if (!parser.parse(body.data(), body.size()).get(root)) {
    if (!root["error"].get_string().get(msg)) return std::string(msg);
    if (!root["error"]["message"].get_string().get(msg)) return std::string(msg);
    if (!root["message"].get_string().get(msg)) return std::string(msg);
    if (!root["detail"].get_string().get(msg)) return std::string(msg);
  }
  std::string out(body.substr(0, kMaxMessage));
  std::replace(out.begin(), out.end(), '\n', ' ');
  while (!out.empty() && (out.back() == ' ' || out.back() == '\r')) out.pop_back();
  if (body.size() > kMaxMessage) out += "…";
  return out;
}

std::string make_base_url(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool split_url(std::string_view url, std::string& host, int& port) {
  int default_port = 0;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
    default_port = 80;
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
    default_port = 443;
  } else {
    return false;
  }
  url = url.substr(0, url.find('/'));
  if (url.empty()) return false;
  std::string_view port_text;
  if (url.front() == '[') {
    const std::size_t close = url.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(url.substr(1, close - 1));
    if (close + 1 < url.size() && url[close + 1] == ':') port_text = url.substr(close + 2);
  } else {
    const std::size_t colon = url.rfind(':');
    host = std::string(url.substr(0, colon));
    if (colon != std::string_view::npos) port_text = url.substr(colon + 1);
  }
  if (host.empty()) return false;
  port = default_port;
  if (!port_text.empty()) {
    int p = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return false;
      p = p * 10 + (c - '0');
      if (p > 65535) return false;
    }
    port = p;
  }
  return port > 0;
}

}  // namespace hakari::target
