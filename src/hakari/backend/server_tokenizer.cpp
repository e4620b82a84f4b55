#include "hakari/backend/server_tokenizer.h"

#include <simdjson.h>

#include "hakari/core/json_writer.h"
#include "hakari/transport/http_client.h"

namespace hakari::backend {
namespace {

namespace dom = simdjson::dom;

// The start of an error body, on one line, for a message: servers' errors are short, a
// proxy's HTML page is not.
std::string excerpt(std::string_view body) {
  constexpr std::size_t kMax = 200;
  std::string out(body.substr(0, kMax));
  // Not ending inside a UTF-8 sequence.
  if (body.size() > kMax) {
    std::size_t end = out.size();
    while (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0xC0) == 0x80) --end;
    if (end > 0 && static_cast<unsigned char>(out[end - 1]) >= 0xC0) --end;
    out.resize(end);
    out += "...";
  }
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

std::string_view dialect_label(ServerTokenizer::Dialect d) {
  return d == ServerTokenizer::Dialect::llamacpp ? "llama.cpp" : "vLLM";
}

void append_ids(JsonWriter& w, const std::vector<std::int64_t>& ids) {
  w.key("tokens").begin_array();
  for (const std::int64_t id : ids) w.value(static_cast<long long>(id));
  w.end_array();
}

}  // namespace

ServerTokenizer::ServerTokenizer(std::string base_url, Dialect dialect, std::string model,
                                 std::vector<std::string> headers, Nanos timeout)
    : base_url_(std::move(base_url)),
      dialect_(dialect),
      model_(std::move(model)),
      headers_(std::move(headers)),
      timeout_(timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::optional<ServerTokenizer::Dialect> ServerTokenizer::for_server_kind(std::string_view kind) {
  if (kind == "llama.cpp") return Dialect::llamacpp;
  if (kind == "vllm") return Dialect::vllm;
  return std::nullopt;
}

std::string ServerTokenizer::name() const { return std::string(dialect_label(dialect_)) + " /tokenize"; }

std::optional<std::string> ServerTokenizer::post(std::string_view path, const std::string& body) {
  transport::HttpRequest req;
  req.method = "POST";
  req.url = base_url_ + std::string(path);
  req.headers = headers_;
  req.headers.emplace_back("Content-Type: application/json");
  req.body = body;
  req.connect_timeout = timeout_;
  req.total_timeout = timeout_;
  transport::FetchResult r = transport::http_fetch(req, kMaxResponseBytes);
  if (r.result.error != transport::TransferError::none) {
    last_error_ = req.url + ": " + std::string(transport::transfer_error_name(r.result.error));
    if (!r.result.detail.empty()) last_error_ += ": " + r.result.detail;
    return std::nullopt;
  }
  if (r.result.http_status / 100 != 2) {
    last_error_ = req.url + ": HTTP " + std::to_string(r.result.http_status);
    if (!r.body.empty()) last_error_ += ": " + excerpt(r.body);
    return std::nullopt;
  }
  return std::move(r.body);
}

std::optional<std::vector<std::int64_t>> ServerTokenizer::parse_tokenize_response(std::string_view body,
                                                                                  Dialect dialect,
                                                                                  std::string& error) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root); err) {
    error = std::string("the response is not JSON (") + simdjson::error_message(err) + ")";
    return std::nullopt;
  }
  dom::array tokens;
  if (root["tokens"].get_array().get(tokens)) {
    error = "the response has no \"tokens\" array";
    return std::nullopt;
  }
  std::vector<std::int64_t> ids;
  ids.reserve(tokens.size());
  for (dom::element t : tokens) {
    std::int64_t id = 0;
    if (t.get_int64().get(id) || id < 0) {
      error = "\"tokens\" holds " + excerpt(simdjson::minify(t)) + ", not a token id";
      return std::nullopt;
    }
    ids.push_back(id);
  }
  // vLLM also says how many; a count that disagrees means the list is not what it seems.
  std::int64_t count = 0;
  if (dialect == Dialect::vllm && !root["count"].get_int64().get(count) &&
      count != static_cast<std::int64_t>(ids.size())) {
    error = "\"count\" is " + std::to_string(count) + " but \"tokens\" holds " + std::to_string(ids.size());
    return std::nullopt;
  }
  return ids;
}

std::optional<std::string> ServerTokenizer::parse_detokenize_response(std::string_view body, Dialect dialect,
                                                                      std::string& error) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root); err) {
    error = std::string("the response is not JSON (") + simdjson::error_message(err) + ")";
    return std::nullopt;
  }
  const char* key = dialect == Dialect::llamacpp ? "content" : "prompt";
  std::string_view text;
  if (root[key].get_string().get(text)) {
    error = std::string("the response has no \"") + key + "\" string";
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::vector<std::int64_t>> ServerTokenizer::tokenize(std::string_view text) {
  last_error_.clear();
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  if (dialect_ == Dialect::llamacpp) {
    w.field("content", text).field("add_special", false);
  } else {
    if (!model_.empty()) w.field("model", model_);
    w.field("prompt", text).field("add_special_tokens", false);
  }
  w.end_object();

  const std::optional<std::string> response = post("/tokenize", body);
  if (!response) return std::nullopt;
  std::string error;
  auto ids = parse_tokenize_response(*response, dialect_, error);
  if (!ids) last_error_ = base_url_ + "/tokenize: " + error;
  return ids;
}

std::optional<std::string> ServerTokenizer::detokenize(const std::vector<std::int64_t>& ids) {
  last_error_.clear();
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  if (dialect_ == Dialect::vllm && !model_.empty()) w.field("model", model_);
  append_ids(w, ids);
  w.end_object();

  const std::optional<std::string> response = post("/detokenize", body);
  if (!response) return std::nullopt;
  std::string error;
  auto text = parse_detokenize_response(*response, dialect_, error);
  if (!text) last_error_ = base_url_ + "/detokenize: " + error;
  return text;
}

}  // namespace hakari::backend
