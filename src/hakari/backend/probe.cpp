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
  // host[:port], after any user@; checked here so a mistyped port is a usage error,
  // not an unreachable server.
  std::string authority = u.substr(scheme, u.find_first_of("/?#", scheme) - scheme);
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  std::size_t host_end = 0;
  if (!authority.empty() && authority[0] == '[') {
    host_end = authority.find(']');
    if (host_end == std::string::npos) {
      error = "target '" + url + "' has an unclosed '[' in its host";
      return std::nullopt;
    }
    ++host_end;
  } else {
    const std::size_t colon = authority.find(':');
    host_end = colon == std::string::npos ? authority.size() : colon;
  }
  if (host_end == 0) {
    error = "target '" + url + "' has no host";
    return std::nullopt;
  }
  if (host_end < authority.size()) {
    const std::string port = authority.substr(host_end + 1);
    const bool digits = authority[host_end] == ':' && !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      error = "target '" + url + "' has port '" + authority.substr(host_end + (authority[host_end] == ':')) +
              "'; a port is a number from 1 to 65535";
      return std::nullopt;
    }
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
  // `hakari sim` names itself in the Server header whichever server it is being.
  info.simulated = models.server.find("hakari-sim") != std::string::npos;
  bool openai_models = false;
  std::string owned_by;
  if (auto obj = p.object(models)) {
    dom::array data;
    if (!(*obj)["data"].get_array().get(data)) {
      openai_models = true;
      for (dom::element m : data) {
        std::string_view id;
        if (m["id"].get_string().get(id)) continue;
        info.models.emplace_back(id);
        std::string_view owner;
        if (owned_by.empty() && !m["owned_by"].get_string().get(owner)) owned_by = owner;
        int64_t size = 0;
        if (!m.at_pointer("/meta/size").get_int64().get(size) && size > 0) info.model_bytes[std::string(id)] = size;
      }
    }
  }
  auto vllm_version = [&] {
    if (auto obj = p.object(p.get("/version"))) return string_field(*obj, "version");
    return std::string();
  };

  // vLLM's ModelCards say who owns the model; it has no /props and no /api routes.
  if (owned_by == "vllm") {
    info.kind = "vllm";
    info.version = vllm_version();
    info.suggested_api = ApiKind::openai_chat;
    return info;
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
  // An older vLLM, or one behind a proxy that rewrites the model list, still answers /version.
  if (std::string version = vllm_version(); !version.empty()) {
    info.kind = "vllm";
    info.version = version;
    info.suggested_api = ApiKind::openai_chat;
    return info;
  }
  // LM Studio lists its models natively under /api/v0 (it answers 200 to unknown routes,
  // so the list itself is the evidence, not the status).
  if (auto obj = p.object(p.get("/api/v0/models"))) {
    dom::array data;
    if (!(*obj)["data"].get_array().get(data)) {
      info.kind = "lmstudio";
      info.suggested_api = ApiKind::openai_chat;
      return info;
    }
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
