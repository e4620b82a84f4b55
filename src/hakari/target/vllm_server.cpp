// vLLM: `vllm serve` builds its engine (child processes of its own) before it listens, so
// a refused connection while it starts is normal. Ready when GET /health answers 200 and
// GET /v1/models lists the served model name. Stopping SIGTERMs the whole group.
#include <simdjson.h>

#include "hakari/target/base_server.h"
#include "hakari/target/tools.h"

namespace hakari::target {
namespace {

class VllmServer final : public BaseServer {
 public:
  VllmServer(const TargetSpec& spec, const LaunchOptions& options) : BaseServer(spec, options, "vllm") {}
  ~VllmServer() override { stop_in_destructor(); }

 protected:
  std::string install_hint() const override { return "install vLLM (vllm on PATH) or give the target a command"; }
  Reply probe() override { return get("/health", 2 * kNanosPerSecond); }

  void do_start() override {
    choose_address();
    request_model_ = spec_.name;
    if (!spec_.url.empty() && get("/health", 2 * kNanosPerSecond).answered()) {
      attached_ = true;
    } else {
      std::vector<std::string> argv{"vllm", "serve", spec_.model, "--host", host_, "--port", std::to_string(port_),
                                    "--served-model-name", spec_.name};
      if (spec_.context) argv.insert(argv.end(), {"--max-model-len", std::to_string(*spec_.context)});
      if (spec_.parallel) argv.insert(argv.end(), {"--max-num-seqs", std::to_string(*spec_.parallel)});
      launch(std::move(argv), {});
    }
    await("GET /health answered 200 and /v1/models listed '" + spec_.name + "'", [&] {
      const Nanos timeout = std::min<Nanos>(time_left(), 5 * kNanosPerSecond);
      const Reply health = get("/health", timeout);
      if (health.status != 200) return Check{false, "GET /health: " + describe(health)};
      const Reply models = get("/v1/models", timeout);
      if (!models.ok()) return Check{false, "GET /v1/models: " + describe(models)};
      std::string ids;
      if (lists(models.body, spec_.name, ids)) return Check{true, ""};
      return Check{false, "GET /v1/models lists [" + ids + "], not '" + spec_.name + "'"};
    });
    if (!attached_) cold_load_ = now_ns() - launch_time_;
    read_version();
  }

 private:
  static bool lists(const std::string& body, const std::string& name, std::string& ids) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array data;
    if (parser.parse(body).get(root) || root["data"].get_array().get(data)) return false;
    for (simdjson::dom::element m : data) {
      std::string_view id;
      if (m["id"].get_string().get(id)) continue;
      if (id == name) return true;
      ids += (ids.empty() ? "'" : ", '") + std::string(id) + "'";
    }
    return false;
  }

  void read_version() {
    const Reply r = get("/version", 5 * kNanosPerSecond);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view v;
    if (r.ok() && !parser.parse(r.body).get(root) && !root["version"].get_string().get(v)) version_ = std::string(v);
  }
};

}  // namespace

std::unique_ptr<Server> make_vllm_server(const TargetSpec& spec, const LaunchOptions& options) {
  return std::make_unique<VllmServer>(spec, options);
}

}  // namespace hakari::target
