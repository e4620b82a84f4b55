// Routing per persona: each server answers the routes it has and, for any other, its own
// 404 (FastAPI's {"detail":"Not Found"}, Gin's "404 page not found", llama.cpp's error
// object; LM Studio answers 200 with an error). Routes the real server has that the
// simulator does not serve (embeddings, infill, …) get the 404 too.
#include <algorithm>
#include <iterator>

#include "hakari/sim/render_lmstudio.h"
#include "hakari/sim/render_llamacpp.h"
#include "hakari/sim/render_ollama.h"
#include "hakari/sim/render_vllm.h"
#include "hakari/sim/sim_app.h"  // the class these functions belong to

namespace hakari::sim {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kText = "text/plain; charset=utf-8";

bool is_get(std::string_view m) { return m == "GET" || m == "HEAD"; }

}  // namespace

void SimApp::on_request(ConnId conn, const RequestHead& head, std::string_view body, Nanos received_ns) {
  scratch_.clear();
  switch (opts_.persona) {
    case Persona::llamacpp: return route_llamacpp(conn, head, body, received_ns);
    case Persona::vllm: return route_vllm(conn, head, body, received_ns);
    case Persona::ollama: return route_ollama(conn, head, body, received_ns);
    case Persona::lmstudio: return route_lmstudio(conn, head, body, received_ns);
  }
}

// llama-server b5601's routes (tools/server/server.cpp). It also takes Ollama's /api/tags
// and /api/chat, answering them in its own (OpenAI) shapes.
void SimApp::route_llamacpp(ConnId conn, const RequestHead& head, std::string_view body, Nanos received) {
  const std::string_view m = head.method;
  const std::string_view p = head.path;
  if (m == "POST") {
    if (p == "/v1/chat/completions" || p == "/chat/completions" || p == "/api/chat") {
      return start_generation(conn, Api::openai_chat, head, body, received);
    }
    if (p == "/v1/completions") return start_generation(conn, Api::openai_completions, head, body, received);
    if (p == "/completion" || p == "/completions") return start_generation(conn, Api::llamacpp, head, body, received);
    if (p == "/tokenize") return serve_tokenize(conn, body);
    if (p == "/detokenize") return serve_detokenize(conn, body);
  } else if (is_get(m)) {
    // The web UI, as served to a client that does not accept gzip.
    if (p == "/") return reply(conn, 200, "text/plain", "Error: gzip is not supported by this browser");
    if (p == "/health") return serve_health(conn, received);
    if (p == "/v1/models" || p == "/models" || p == "/api/tags") return serve_models(conn);
    if (p == "/props") {
      llamacpp::props(scratch_, server_info());
      return reply_json(conn, 200);
    }
    if (p == "/slots") return serve_slots(conn, head.query);
    if (p == "/metrics") return serve_metrics(conn);
  }
  reply_not_found(conn, head);
}

// vLLM's OpenAI-compatible server (vllm/entrypoints/openai/api_server.py).
void SimApp::route_vllm(ConnId conn, const RequestHead& head, std::string_view body, Nanos received) {
  const std::string_view m = head.method;
  const std::string_view p = head.path;
  if (m == "POST") {
    if (p == "/v1/chat/completions") return start_generation(conn, Api::openai_chat, head, body, received);
    if (p == "/v1/completions") return start_generation(conn, Api::openai_completions, head, body, received);
    if (p == "/tokenize") return serve_vllm_tokenize(conn, body);
    if (p == "/detokenize") return serve_vllm_detokenize(conn, body);
    if (p == "/ping") return serve_health(conn, received);
  } else if (is_get(m)) {
    if (p == "/health" || p == "/ping") return serve_health(conn, received);
    if (p == "/v1/models") return serve_models(conn);
    if (p == "/version") {
      vllm::version(scratch_, version_);
      return reply_json(conn, 200);
    }
    if (p == "/metrics") return serve_metrics(conn);
  }
  reply_not_found(conn, head);
}

// Ollama's native /api routes and its OpenAI-compatible /v1 ones (server/routes.go).
void SimApp::route_ollama(ConnId conn, const RequestHead& head, std::string_view body, Nanos received) {
  const std::string_view m = head.method;
  const std::string_view p = head.path;
  if (m == "POST") {
    if (p == "/api/chat") return start_generation(conn, Api::ollama_chat, head, body, received);
    if (p == "/api/generate") return start_generation(conn, Api::ollama_generate, head, body, received);
    if (p == "/v1/chat/completions") return start_generation(conn, Api::openai_chat, head, body, received);
    if (p == "/v1/completions") return start_generation(conn, Api::openai_completions, head, body, received);
    if (p == "/api/pull") return serve_ollama_pull(conn, body, received);
    if (p == "/api/create") return serve_ollama_create(conn, body, received);
    if (p.starts_with("/api/blobs/")) return serve_ollama_blob(conn, m, p, body);
  } else if (m == "DELETE") {
    if (p == "/api/delete") return serve_ollama_delete(conn, body);
  } else if (is_get(m)) {
    if (p == "/") return reply(conn, 200, kText, "Ollama is running");
    if (p == "/api/version") {
      ollama::version(scratch_, version_);
      return reply_json(conn, 200);
    }
    if (p == "/api/tags" || p == "/api/ps") return serve_ollama_models(conn, p == "/api/ps");
    if (p == "/v1/models") return serve_models(conn);
    if (p.starts_with("/api/blobs/")) return serve_ollama_blob(conn, m, p, body);
  }
  reply_not_found(conn, head);
}

// LM Studio's OpenAI-compatible /v1 routes and its native REST /api/v1 and /api/v0.
void SimApp::route_lmstudio(ConnId conn, const RequestHead& head, std::string_view body, Nanos received) {
  const std::string_view m = head.method;
  const std::string_view p = head.path;
  if (m == "POST") {
    if (p == "/v1/chat/completions") return start_generation(conn, Api::openai_chat, head, body, received);
    if (p == "/v1/completions") return start_generation(conn, Api::openai_completions, head, body, received);
    if (p == "/api/v1/models/load") return serve_lms_load(conn, body, received);
    if (p == "/api/v1/models/unload") return serve_lms_unload(conn, body);
  } else if (is_get(m)) {
    if (p == "/v1/models") return serve_models(conn);
    if (p == "/api/v1/models" || p == "/api/v0/models") return serve_lms_models(conn, p == "/api/v0/models");
  }
  reply_not_found(conn, head);
}

void SimApp::reply_not_found(ConnId conn, const RequestHead& head) {
  scratch_.clear();
  switch (opts_.persona) {
    case Persona::llamacpp:
      return reply_llama_error(conn, 404, "File Not Found", "not_found_error");
    case Persona::vllm: {
      // FastAPI tells a route it has from a method it does not take on it.
      static constexpr std::string_view kRoutes[] = {"/v1/chat/completions", "/v1/completions", "/tokenize",
                                                     "/detokenize", "/health", "/ping", "/v1/models",
                                                     "/version", "/metrics"};
      const bool known = std::find(std::begin(kRoutes), std::end(kRoutes), head.path) != std::end(kRoutes);
      vllm::detail_body(scratch_, known ? "Method Not Allowed" : "Not Found");
      return reply(conn, known ? 405 : 404, kJson, scratch_);
    }
    case Persona::ollama:  // Gin's default
      return reply(conn, 404, "text/plain", "404 page not found");
    case Persona::lmstudio:  // Express: logged as an error, answered 200
      lmstudio::unexpected_endpoint(scratch_, head.method, head.path);
      return reply_json(conn, 200);
  }
}

}  // namespace hakari::sim
