#include "hakari/sim/sim_app.h"

#include <cstdio>
#include <stdexcept>

#include "hakari/core/build_info.h"
#include "hakari/core/json_writer.h"
#include "hakari/sim/json_format.h"
#include "hakari/sim/render_ollama.h"
#include "hakari/sim/render_openai.h"
#include "hakari/sim/seeded.h"

namespace hakari::sim {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kPrometheus = "text/plain; version=0.0.4";
// How long Ollama keeps a model loaded after its last use (OLLAMA_KEEP_ALIVE's default).
constexpr Nanos kOllamaKeepAlive = 5 * 60 * kNanosPerSecond;
// Q4_K_M's average bits per weight: turns the weights' size into a parameter count.
constexpr double kQ4KmBitsPerWeight = 4.85;

bool query_flag(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    if (item.substr(0, name.size()) == name && item.size() > name.size() && item[name.size()] == '=') {
      const std::string_view value = item.substr(name.size() + 1);
      return value == "1" || value == "true";
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

}  // namespace

SimApp::SimApp(SimOptions opts) : opts_(std::move(opts)), text_(opts_.seed) {
  std::string error = validate(opts_);
  if (!error.empty()) throw std::invalid_argument(error);
  faults_ = *FaultPlan::build(opts_.faults, error);  // validate() has checked it
  version_ = std::string("hakari-sim-") + build_info().version;
  model_path_ = "models/" + opts_.model_name + ".gguf";
  started_unix_ = wall_now_ns() / kNanosPerSecond;
  engine_ = make_engine(opts_);
  for (const Piece& p : text_.vocabulary()) pieces_.remember(p.text);
  if (!opts_.trace_path.empty()) trace_ = std::make_unique<TraceWriter>(opts_.trace_path);
  HttpLimits limits;
  limits.idle_timeout = from_ms(opts_.idle_timeout_ms);
  http_ = std::make_unique<HttpServer>(opts_.host, opts_.port,
                                       std::string("hakari-sim/") + build_info().version, limits, *this);
}

void SimApp::on_request(ConnId conn, const RequestHead& head, std::string_view body, Nanos received_ns) {
  const std::string_view m = head.method;
  const std::string_view p = head.path;
  if (m == "POST") {
    if (p == "/v1/chat/completions" || p == "/chat/completions") {
      return start_generation(conn, Api::openai_chat, head, body, received_ns);
    }
    if (p == "/v1/completions") return start_generation(conn, Api::openai_completions, head, body, received_ns);
    if (p == "/completion" || p == "/completions") {
      return start_generation(conn, Api::llamacpp, head, body, received_ns);
    }
    if (p == "/api/chat") return start_generation(conn, Api::ollama_chat, head, body, received_ns);
    if (p == "/api/generate") return start_generation(conn, Api::ollama_generate, head, body, received_ns);
    if (p == "/tokenize") return serve_tokenize(conn, body);
    if (p == "/detokenize") return serve_detokenize(conn, body);
  } else if (m == "GET" || m == "HEAD") {
    scratch_.clear();
    if (p == "/") return reply(conn, 200, kText, "hakari-sim is running");
    if (p == "/health" || p == "/v1/health") return reply(conn, 200, kJson, R"({"status":"ok"})");
    if (p == "/props") {
      llamacpp::props(scratch_, server_info());
      return reply_json(conn, 200);
    }
    if (p == "/v1/models" || p == "/models") {
      llamacpp::models(scratch_, server_info());
      return reply_json(conn, 200);
    }
    if (p == "/slots") return serve_slots(conn, head.query);
    if (p == "/metrics") return serve_metrics(conn);
    if (p == "/api/version") {
      ollama::version(scratch_, version_);
      return reply_json(conn, 200);
    }
    if (p == "/api/tags" || p == "/api/ps") return serve_ollama_models(conn, p == "/api/ps");
  }
  reply_llama_error(conn, 404, "File Not Found", "not_found_error");
}

void SimApp::reply(ConnId conn, int status, std::string_view content_type, std::string_view body) {
  http_->respond(conn, status, content_type, body);
}

void SimApp::reply_json(ConnId conn, int status) { http_->respond(conn, status, kJson, scratch_); }

void SimApp::reply_llama_error(ConnId conn, int status, std::string_view message, std::string_view type) {
  scratch_.clear();
  openai::error_body(scratch_, status, message, type);
  reply_json(conn, status);
}

void SimApp::reply_ollama_error(ConnId conn, int status, std::string_view message) {
  scratch_.clear();
  ollama::error_body(scratch_, message);
  reply_json(conn, status);
}

std::string SimApp::error_body(int status, std::string_view message) const {
  std::string body;
  openai::error_body(body, status, message, status >= 500 ? "server_error" : "invalid_request_error");
  return body;
}

void SimApp::serve_tokenize(ConnId conn, std::string_view body) {
  simdjson::dom::element root;
  if (auto err = parser_.parse(body.data(), body.size()).get(root); err) {
    return reply_llama_error(conn, 500, std::string("JSON parse error: ") + simdjson::error_message(err),
                             "server_error");
  }
  std::string_view content;
  if (root["content"].get_string().get(content)) {
    return reply_llama_error(conn, 400, "'content' must be a string", "invalid_request_error");
  }
  // Optional flags: absent (or not a boolean) keeps llama.cpp's default, false.
  auto flag = [&](const char* key) {
    bool v = false;
    return !root[key].get_bool().get(v) && v;
  };
  scratch_.clear();
  llamacpp::tokenize(scratch_, content, flag("with_pieces"), flag("add_special"), pieces_);
  reply_json(conn, 200);
}

void SimApp::serve_detokenize(ConnId conn, std::string_view body) {
  simdjson::dom::element root;
  if (auto err = parser_.parse(body.data(), body.size()).get(root); err) {
    return reply_llama_error(conn, 500, std::string("JSON parse error: ") + simdjson::error_message(err),
                             "server_error");
  }
  std::vector<std::int64_t> ids;
  simdjson::dom::array tokens;
  if (!root["tokens"].get_array().get(tokens)) {
    for (simdjson::dom::element t : tokens) {
      std::int64_t id = 0;
      if (t.get_int64().get(id)) {
        return reply_llama_error(conn, 400, "'tokens' must hold integers", "invalid_request_error");
      }
      ids.push_back(id);
    }
  }
  scratch_.clear();
  llamacpp::detokenize(scratch_, pieces_.detokenize(ids));
  reply_json(conn, 200);
}

void SimApp::serve_slots(ConnId conn, std::string_view query) {
  const std::vector<SlotState> states = engine_->slot_states();
  if (query_flag(query, "fail_on_no_slot")) {
    const int total = engine_->total_slots();
    if (total > 0 && engine_->active() >= total) {
      return reply_llama_error(conn, 503, "no slot available", "unavailable_error");
    }
  }
  scratch_.clear();
  llamacpp::slots(scratch_, server_info(), states);
  reply_json(conn, 200);
}

void SimApp::serve_metrics(ConnId conn) {
  const EngineStats stats = engine_->stats();
  llamacpp::MetricsSnapshot snap;
  snap.prompt_tokens_total = prompt_tokens_total_;
  snap.prompt_seconds_total = prompt_seconds_total_;
  snap.tokens_predicted_total = predicted_tokens_total_;
  snap.tokens_predicted_seconds_total = predicted_seconds_total_;
  snap.n_decode_total = stats.decode_calls;
  snap.busy_slot_sum = stats.busy_slot_sum;
  snap.requests_processing = engine_->active();
  snap.requests_deferred = engine_->queued();
  scratch_.clear();
  llamacpp::metrics(scratch_, snap);
  reply(conn, 200, kPrometheus, scratch_);
}

void SimApp::serve_ollama_models(ConnId conn, bool loaded_only) {
  const std::string name = ollama_name();
  // A stable stand-in for the blob digest: 64 hex digits derived from the name.
  char digest[65];
  std::uint64_t h = 0;
  for (char ch : name) h = mix64(h ^ static_cast<unsigned char>(ch));
  std::snprintf(digest, sizeof digest, "%016llx%016llx%016llx%016llx", static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(mix64(h + 1)), static_cast<unsigned long long>(mix64(h + 2)),
                static_cast<unsigned long long>(mix64(h + 3)));
  char params[32];
  std::snprintf(params, sizeof params, "%.1fB", opts_.weights_gb * 8 / kQ4KmBitsPerWeight);
  const std::string modified = rfc3339_utc(started_unix_ * kNanosPerSecond);
  const std::string expires = rfc3339_utc(wall_now_ns() + kOllamaKeepAlive);
  ollama::ModelInfo info;
  info.name = name;
  info.size = static_cast<std::int64_t>(opts_.weights_gb * 1e9);
  info.digest = digest;
  info.modified_at = modified;
  info.expires_at = expires;
  info.context_length = opts_.ctx_size;
  info.parameter_size = params;
  scratch_.clear();
  if (!loaded_only) {
    ollama::tags(scratch_, info);
  } else {
    ollama::ps(scratch_, model_loaded_ && model_ready_ <= now_ns() ? &info : nullptr);
  }
  reply_json(conn, 200);
}

llamacpp::ServerInfo SimApp::server_info() const {
  llamacpp::ServerInfo info;
  info.model_name = opts_.model_name;
  info.model_path = model_path_;
  info.build_info = version_;
  info.n_ctx = opts_.ctx_size;
  info.total_slots = engine_->total_slots();
  info.weights_bytes = opts_.weights_gb * 1e9;
  info.n_params = static_cast<std::int64_t>(info.weights_bytes * 8 / kQ4KmBitsPerWeight);
  info.created = started_unix_;
  return info;
}

std::string SimApp::ollama_name() const { return opts_.model_name + ":latest"; }

void SimApp::on_tick(Nanos now) {
  emissions_.clear();
  engine_->advance(now, emissions_);
  for (const Emission& e : emissions_) on_emission(e);

  for (std::size_t i = 0; i < pending_loads_.size();) {
    if (pending_loads_[i].due > now) {
      ++i;
      continue;
    }
    const PendingLoad load = std::move(pending_loads_[i]);
    pending_loads_.erase(pending_loads_.begin() + static_cast<std::ptrdiff_t>(i));
    scratch_.clear();
    ollama::load_line(scratch_, load.chat, load.model, rfc3339_utc(wall_now_ns()), "load");
    reply_json(load.conn, 200);
    trace_done(load.ordinal, now_ns(), "load");
  }
}

Nanos SimApp::next_deadline() const {
  Nanos next = engine_->next_deadline();
  for (const PendingLoad& load : pending_loads_) next = std::min(next, load.due);
  return next;
}

void SimApp::shut_down() {
  const Nanos now = now_ns();
  for (const auto& [ordinal, stream] : streams_) trace_done(ordinal, now, "disconnect");
  streams_.clear();
  stream_of_conn_.clear();
  if (trace_) trace_->flush();
}

}  // namespace hakari::sim
