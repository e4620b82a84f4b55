#include "hakari/sim/sim_app.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "hakari/core/build_info.h"
#include "hakari/core/json_writer.h"
#include "hakari/sim/json_format.h"
#include "hakari/sim/render_lmstudio.h"
#include "hakari/sim/render_ollama.h"
#include "hakari/sim/render_ollama_openai.h"
#include "hakari/sim/render_openai.h"
#include "hakari/sim/render_vllm.h"
#include "hakari/sim/seeded.h"

namespace hakari::sim {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kPrometheus = "text/plain; version=0.0.4";
constexpr std::string_view kPrometheusPython = "text/plain; version=0.0.4; charset=utf-8";  // prometheus_client's
// How long Ollama keeps a model loaded after its last use (OLLAMA_KEEP_ALIVE's default).
constexpr Nanos kOllamaKeepAlive = 5 * 60 * kNanosPerSecond;
// vLLM's KV cache block, in tokens (cache_config_info).
constexpr std::int64_t kVllmBlockTokens = 16;

// Each server's HTTP layer as a client sees it. The Server header keeps "hakari-sim", so
// a client (and a report) can always tell it measured a simulator.
HttpHabits habits_for(const SimOptions& opts) {
  const std::string sim = std::string("hakari-sim/") + build_info().version;
  const long timeout_s = std::max<long>(1, std::lround(opts.idle_timeout_ms / 1000));
  HttpHabits h;
  h.close_after_stream = closes_after_stream(opts);
  switch (opts.persona) {
    case Persona::llamacpp:  // cpp-httplib
      h.server_header = "llama.cpp " + sim;
      h.keep_alive_lines = "Keep-Alive: timeout=" + std::to_string(timeout_s) + ", max=100\r\n";
      h.extra_lines = "Access-Control-Allow-Origin: \r\n";
      break;
    case Persona::vllm:  // uvicorn: no keep-alive header
      h.server_header = "uvicorn " + sim;
      break;
    case Persona::ollama:  // Go's net/http sends no Server header of its own
      h.server_header = sim;
      break;
    case Persona::lmstudio:  // Express on Node
      h.server_header = sim;
      h.keep_alive_lines = "Connection: keep-alive\r\nKeep-Alive: timeout=" + std::to_string(timeout_s) + "\r\n";
      h.extra_lines = "X-Powered-By: Express\r\n";
      break;
  }
  return h;
}

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

SimApp::SimApp(SimOptions opts)
    : opts_(std::move(opts)), text_(opts_.seed), vllm_metrics_(std::max(opts_.ctx_size, 1)) {
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
  http_ = std::make_unique<HttpServer>(opts_.host, opts_.port, habits_for(opts_), limits, *this);
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

void SimApp::reply_api_error(ConnId conn, Api api, int status, std::string_view message) {
  scratch_.clear();
  render_api_error(scratch_, api, status, message);
  reply_json(conn, status);
}

void SimApp::render_api_error(std::string& out, Api api, int status, std::string_view message) const {
  if (is_ollama(api)) return ollama::error_body(out, message);
  switch (opts_.persona) {
    case Persona::llamacpp: {
      const std::string_view type = status == 404   ? "not_found_error"
                                    : status == 503 ? "unavailable_error"
                                    : status >= 500 ? "server_error"
                                                    : "invalid_request_error";
      return openai::error_body(out, status, message, type);
    }
    case Persona::vllm: return vllm::error_body(out, status, message);
    case Persona::ollama: return ollama::v1::error_body(out, status, message);
    case Persona::lmstudio: return lmstudio::openai_error(out, status, message);
  }
}

std::string SimApp::error_body(int status, std::string_view message) const {
  std::string body;
  render_api_error(body, Api::openai_chat, status, message);
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
  scratch_.clear();
  if (opts_.persona == Persona::vllm) {
    vllm::SchedulerState state;
    state.running = engine_->active();
    state.waiting = engine_->queued();
    state.kv_cache_usage = kv_cache_usage();
    state.num_gpu_blocks = std::max(engine_->total_slots(), 1) * static_cast<std::int64_t>(opts_.ctx_size) /
                           kVllmBlockTokens;
    vllm_metrics_.render(scratch_, opts_.model_name, state);
    return reply(conn, 200, kPrometheusPython, scratch_);
  }
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

// llama-server and vLLM load the model before they serve; the simulator starts that load
// when the first health probe (or generation) arrives, and answers 503 until it ends.
// vLLM's health answers carry no body.
void SimApp::serve_health(ConnId conn, Nanos received) {
  const bool loading = model_ready_at(received) > now_ns();
  if (opts_.persona == Persona::vllm) return reply(conn, loading ? 503 : 200, {}, {});
  if (loading) return reply_llama_error(conn, 503, "Loading model", "unavailable_error");
  reply(conn, 200, kJson, R"({"status":"ok"})");
}

void SimApp::serve_models(ConnId conn) {
  scratch_.clear();
  switch (opts_.persona) {
    case Persona::llamacpp:
      llamacpp::models(scratch_, server_info());
      break;
    case Persona::vllm:
      vllm::models(scratch_, {opts_.model_name, model_path_, started_unix_, opts_.ctx_size});
      break;
    case Persona::ollama: {
      std::vector<ollama::v1::ModelEntry> entries;
      for (const OllamaModel& m : ollama_models_) entries.push_back({m.name, m.modified_wall / kNanosPerSecond});
      ollama::v1::models(scratch_, entries);
      break;
    }
    case Persona::lmstudio:
      lmstudio::openai_models(scratch_, opts_.model_name);
      break;
  }
  reply_json(conn, 200);
}

void SimApp::serve_vllm_tokenize(ConnId conn, std::string_view body) {
  simdjson::dom::element root;
  std::string_view prompt;
  if (parser_.parse(body.data(), body.size()).get(root) || root["prompt"].get_string().get(prompt)) {
    return reply_api_error(conn, Api::openai_completions, 400, "'prompt' must be a string");
  }
  bool add_special = true;
  if (root["add_special_tokens"].get_bool().get(add_special)) add_special = true;
  scratch_.clear();
  vllm::tokenize(scratch_, prompt, add_special, opts_.ctx_size, pieces_);
  reply_json(conn, 200);
}

void SimApp::serve_vllm_detokenize(ConnId conn, std::string_view body) {
  simdjson::dom::element root;
  simdjson::dom::array tokens;
  if (parser_.parse(body.data(), body.size()).get(root) || root["tokens"].get_array().get(tokens)) {
    return reply_api_error(conn, Api::openai_completions, 400, "'tokens' must be an array of integers");
  }
  std::vector<std::int64_t> ids;
  for (simdjson::dom::element t : tokens) {
    std::int64_t id = 0;
    if (t.get_int64().get(id)) return reply_api_error(conn, Api::openai_completions, 400, "'tokens' must hold integers");
    ids.push_back(id);
  }
  scratch_.clear();
  vllm::detokenize(scratch_, pieces_.detokenize(ids));
  reply_json(conn, 200);
}

double SimApp::kv_cache_usage() const {
  std::int64_t in_use = 0;
  for (const auto& [ordinal, s] : streams_) {
    if (s.first_token != 0) in_use += s.req.prompt_tokens + s.emitted;
  }
  const std::int64_t sequences = std::max(engine_->total_slots(), std::max(engine_->active(), 1));
  return std::min(1.0, static_cast<double>(in_use) / static_cast<double>(sequences * opts_.ctx_size));
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
