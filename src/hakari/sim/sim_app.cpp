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
  ollama_models_.push_back(make_ollama_model(ollama_name(), static_cast<std::int64_t>(opts_.resident_bytes())));
  ollama_models_.back().modified_wall = started_unix_ * kNanosPerSecond;
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
    if (p == "/api/pull") return serve_ollama_pull(conn, body, received_ns);
    if (p == "/api/create") return serve_ollama_create(conn, body, received_ns);
    if (p.starts_with("/api/blobs/")) return serve_ollama_blob(conn, m, p, body);
    if (p == "/api/v1/models/load") return serve_lms_load(conn, body, received_ns);
    if (p == "/api/v1/models/unload") return serve_lms_unload(conn, body);
  } else if (m == "DELETE") {
    if (p == "/api/delete") return serve_ollama_delete(conn, body);
  } else if (m == "GET" || m == "HEAD") {
    scratch_.clear();
    if (p == "/") return reply(conn, 200, kText, "hakari-sim is running");
    if (p == "/health" || p == "/v1/health") return serve_health(conn, received_ns);
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
    if (p.starts_with("/api/blobs/")) return serve_ollama_blob(conn, m, p, body);
    if (p == "/api/v1/models" || p == "/api/v0/models") return serve_lms_models(conn, p == "/api/v0/models");
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
  char params[32];
  std::snprintf(params, sizeof params, "%.1fB", static_cast<double>(opts_.parameter_count()) / 1e9);
  const std::string expires = rfc3339_utc(wall_now_ns() + kOllamaKeepAlive);
  std::vector<std::string> modified;  // keeps the views of `infos` alive
  modified.reserve(ollama_models_.size());
  std::vector<ollama::ModelInfo> infos;
  for (const OllamaModel& m : ollama_models_) {
    if (loaded_only && !(model_loaded_ && model_ready_ <= now_ns() && m.name == loaded_model_)) continue;
    modified.push_back(rfc3339_utc(m.modified_wall));
    ollama::ModelInfo info;
    info.name = m.name;
    info.size = m.size;
    info.digest = m.digest;
    info.modified_at = modified.back();
    info.expires_at = expires;
    info.context_length = opts_.ctx_size;
    info.parameter_size = params;
    infos.push_back(info);
  }
  scratch_.clear();
  if (!loaded_only) {
    ollama::tags(scratch_, infos);
  } else {
    ollama::ps(scratch_, infos.empty() ? nullptr : &infos.front());
  }
  reply_json(conn, 200);
}

// llama-server (and vLLM) load the model before they serve; the simulator starts that load
// when the first health probe (or generation) arrives, and answers 503 until it ends.
void SimApp::serve_health(ConnId conn, Nanos received) {
  if (model_ready_at(received) > now_ns()) return reply_llama_error(conn, 503, "Loading model", "unavailable_error");
  reply(conn, 200, kJson, R"({"status":"ok"})");
}

llamacpp::ServerInfo SimApp::server_info() const {
  llamacpp::ServerInfo info;
  info.model_name = opts_.model_name;
  info.model_path = model_path_;
  info.build_info = version_;
  info.n_ctx = opts_.ctx_size;
  info.total_slots = engine_->total_slots();
  info.weights_bytes = opts_.resident_bytes();
  info.n_params = opts_.parameter_count();
  info.created = started_unix_;
  return info;
}

std::string SimApp::ollama_name() const { return ollama_full_name(opts_.model_name); }

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
  tick_lifecycle(now);
}

Nanos SimApp::next_deadline() const {
  Nanos next = engine_->next_deadline();
  for (const PendingLoad& load : pending_loads_) next = std::min(next, load.due);
  return std::min(next, lifecycle_deadline());
}

void SimApp::shut_down() {
  const Nanos now = now_ns();
  for (const auto& [ordinal, stream] : streams_) trace_done(ordinal, now, "disconnect");
  streams_.clear();
  stream_of_conn_.clear();
  if (trace_) trace_->flush();
}

}  // namespace hakari::sim
