// llama.cpp's llama-server: launched with the model (it loads before it serves), ready
// when GET /health answers 200 (503 "Loading model" while it loads).
#include <simdjson.h>

#include "hakari/target/base_server.h"
#include "hakari/target/tools.h"

namespace hakari::target {
namespace {

class LlamaCppServer final : public BaseServer {
 public:
  LlamaCppServer(const TargetSpec& spec, const LaunchOptions& options) : BaseServer(spec, options, "llama.cpp") {}
  ~LlamaCppServer() override { stop_in_destructor(); }

 protected:
  std::string install_hint() const override {
    return "install llama.cpp (llama-server on PATH) or give the target a command";
  }
  Reply probe() override { return get("/health", 2 * kNanosPerSecond); }

  void do_start() override {
    choose_address();
    if (!spec_.url.empty() && get("/health", 2 * kNanosPerSecond).answered()) {
      attached_ = true;  // already running there: use it, never stop it
    } else {
      std::vector<std::string> argv{"llama-server", "-m", spec_.model, "--host", host_, "--port", std::to_string(port_)};
      if (spec_.context) argv.insert(argv.end(), {"-c", std::to_string(*spec_.context)});
      if (spec_.parallel) argv.insert(argv.end(), {"-np", std::to_string(*spec_.parallel)});
      argv.emplace_back("--metrics");
      launch(std::move(argv), {});
    }
    await("GET /health answered 200 (model loaded)", [&] {
      const Reply r = get("/health", std::min<Nanos>(time_left(), 5 * kNanosPerSecond));
      return Check{r.status == 200, "GET /health: " + describe(r)};
    });
    if (!attached_) cold_load_ = now_ns() - launch_time_;
    read_model_and_version();
  }

 private:
  void read_model_and_version() {
    request_model_ = spec_.name;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    const Reply models = get("/v1/models", 5 * kNanosPerSecond);
    std::string_view id;
    if (models.ok() && !parser.parse(models.body).get(root) && !root["data"].at(0)["id"].get_string().get(id) &&
        !id.empty()) {
      request_model_ = std::string(id);
    }
    const Reply props = get("/props", 5 * kNanosPerSecond);
    std::string_view build;
    if (props.ok() && !parser.parse(props.body).get(root) && !root["build_info"].get_string().get(build)) {
      version_ = std::string(build);
    }
  }
};

}  // namespace

std::unique_ptr<Server> make_llamacpp_server(const TargetSpec& spec, const LaunchOptions& options) {
  return std::make_unique<LlamaCppServer>(spec, options);
}

}  // namespace hakari::target
