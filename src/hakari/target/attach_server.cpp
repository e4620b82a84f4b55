// A server already running at spec.url, of whatever tool: hakari checks that it answers
// (GET /v1/models, else the health routes of llama.cpp/vLLM and Ollama), takes the model
// name from it when the spec gives none, and never stops it.
#include <simdjson.h>

#include "hakari/target/base_server.h"
#include "hakari/target/tools.h"

namespace hakari::target {
namespace {

constexpr Nanos kAttachWait = 30 * kNanosPerSecond;

class AttachedServer final : public BaseServer {
 public:
  AttachedServer(const TargetSpec& spec, const LaunchOptions& options) : BaseServer(spec, options, "attach") {}
  ~AttachedServer() override { stop_in_destructor(); }

 protected:
  Reply probe() override {
    Reply r = get("/v1/models", 2 * kNanosPerSecond);
    if (r.ok()) return r;
    for (const char* path : {"/health", "/api/version"}) {
      if (Reply other = get(path, 2 * kNanosPerSecond); other.ok()) return other;
    }
    return r;
  }

  void do_start() override {
    choose_address();
    attached_ = true;
    // A server that is not there is a typo or a server not started, rarely one still
    // starting: do not wait ten minutes for it.
    startup_budget_ = std::min(startup_budget_, kAttachWait);
    request_model_ = spec_.model;
    std::string seen;
    await("the server at " + base_url_ + " to answer", [&] {
      const Nanos timeout = std::min<Nanos>(time_left(), 5 * kNanosPerSecond);
      const Reply models = get("/v1/models", timeout);
      if (models.ok()) {
        if (request_model_.empty()) request_model_ = first_model(models.body);
        return Check{true, ""};
      }
      seen = "GET /v1/models: " + describe(models);
      for (const char* path : {"/health", "/api/version"}) {
        if (get(path, timeout).ok()) return Check{true, ""};
      }
      return Check{false, seen};
    });
    if (request_model_.empty()) request_model_ = spec_.name;
  }

 private:
  static std::string first_model(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view id;
    if (parser.parse(body).get(root) || root["data"].at(0)["id"].get_string().get(id)) return {};
    return std::string(id);
  }
};

}  // namespace

std::unique_ptr<Server> make_attached_server(const TargetSpec& spec, const LaunchOptions& options) {
  return std::make_unique<AttachedServer>(spec, options);
}

}  // namespace hakari::target
