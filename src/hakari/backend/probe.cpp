#include "hakari/backend/probe.h"

#include <simdjson.h>

#include "hakari/transport/http_client.h"

namespace hakari::backend {
namespace {

namespace dom = simdjson::dom;

struct Probe {
  std::string base;
  Nanos timeout;
  const std::vector<std::string>& headers;
  dom::parser parser;

  transport::FetchResult get(const std::string& path) {
    transport::HttpRequest req;
    req.method = "GET";
    req.url = base + path;
    req.headers = headers;
    req.connect_timeout = timeout;
    req.total_timeout = timeout;
    return transport::http_fetch(req, 4u << 20);
  }

  // The body as a JSON object, if it is one.
  std::optional<dom::object> object(const transport::FetchResult& r) {
    if (!r.ok()) return std::nullopt;
    dom::object obj;
    if (parser.parse(r.body).get(obj)) return std::nullopt;
    return obj;
  }
};

std::string string_field(dom::object obj, const char* key) {
  std::string_view s;
  if (obj[key].get_string().get(s)) return {};
  return std::string(s);
}

}  // namespace

std::optional<std::string> normalize_base_url(const std::string& url, std::string& error) {
  std::size_t scheme = 0;
  if (url.rfind("http://", 0) == 0) {
    scheme = 7;
  } else if (url.rfind("https://", 0) == 0) {
    scheme = 8;
  } else {
    error = "target '" + url + "' is not an http:// or https:// URL";
    return std::nullopt;
  }
  std::string u = url;
  while (u.size() > scheme && u.back() == '/') u.pop_back();
  if (u.size() >= scheme + 3 && u.compare(u.size() - 3, 3, "/v1") == 0) u.resize(u.size() - 3);
  if (u.size() == scheme || u[scheme] == '/') {
    error = "target '" + url + "' has no host";
    return std::nullopt;
  }
  return u;
}

std::optional<ServerInfo> probe_server(const std::string& base_url, Nanos timeout,
                                       const std::vector<std::string>& headers, std::string& error) {
  Probe p{base_url, timeout, headers, simdjson::dom::parser()};
  ServerInfo info;
  info.base_url = base_url;

  auto models = p.get("/v1/models");
  if (models.result.error != transport::TransferError::none) {
    error = "cannot reach " + base_url + ": " + models.result.detail;
    return std::nullopt;
  }
  info.server_header = models.server;
  info.simulated = models.server.find("hakari-sim") != std::string::npos;
  bool openai_models = false;
  if (auto obj = p.object(models)) {
    dom::array data;
    if (!(*obj)["data"].get_array().get(data)) {
      openai_models = true;
      for (dom::element m : data) {
        std::string_view id;
        if (m["id"].get_string().get(id)) continue;
        info.models.emplace_back(id);
        int64_t size = 0;
        if (!m.at_pointer("/meta/size").get_int64().get(size) && size > 0) info.model_bytes[std::string(id)] = size;
      }
    }
  }

  // llama.cpp answers /props with its build and slot count.
  if (auto obj = p.object(p.get("/props"))) {
    std::string build = string_field(*obj, "build_info");
    int64_t slots = 0;
    bool has_slots = !(*obj)["total_slots"].get_int64().get(slots);
    if (!build.empty() || has_slots) {
      info.kind = "llama.cpp";
      info.version = build;
      if (has_slots) info.total_slots = static_cast<int>(slots);
      info.model_path = string_field(*obj, "model_path");
      info.suggested_api = ApiKind::llamacpp_completion;
      return info;
    }
  }
  // Ollama answers /api/version; its model names come from /api/tags.
  if (auto obj = p.object(p.get("/api/version"))) {
    std::string version = string_field(*obj, "version");
    if (!version.empty()) {
      info.kind = "ollama";
      info.version = version;
      info.suggested_api = ApiKind::ollama_chat;
      if (auto tags = p.object(p.get("/api/tags"))) {
        dom::array list;
        if (!(*tags)["models"].get_array().get(list)) {
          info.models.clear();
          for (dom::element m : list) {
            std::string_view name;
            if (m["name"].get_string().get(name)) continue;
            info.models.emplace_back(name);
            int64_t size = 0;
            if (!m["size"].get_int64().get(size) && size > 0) info.model_bytes[std::string(name)] = size;
          }
        }
      }
      return info;
    }
  }
  // vLLM answers /version.
  if (auto obj = p.object(p.get("/version"))) {
    std::string version = string_field(*obj, "version");
    if (!version.empty()) {
      info.kind = "vllm";
      info.version = version;
      return info;
    }
  }
  if (p.get("/api/v0/models").ok()) {
    info.kind = "lmstudio";
    return info;
  }
  if (openai_models) {
    info.kind = "openai-compatible";
    return info;
  }
  error = base_url + " answers, but speaks none of the known APIs (GET /v1/models: HTTP " +
          std::to_string(models.result.http_status) + ")";
  return std::nullopt;
}

}  // namespace hakari::backend
