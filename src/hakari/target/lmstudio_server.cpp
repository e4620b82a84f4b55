// LM Studio: its server lives in LM Studio's own process, which `lms server start` asks to
// listen; hakari's child is only that short-lived `lms`. So: use the server already
// answering at spec.url (or the default 127.0.0.1:1234 when no command override is
// given), else run `lms server start --port {port}` and wait for GET /api/v1/models; then
// load the model with POST /api/v1/models/load (instance_id, load_time_seconds). stop()
// unloads that instance and, only when hakari started the server, runs `lms server stop`.
// The server's process is found by its listening port, for pid() and alive().
#include <signal.h>
#include <sys/wait.h>
#include <simdjson.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <thread>

#include "hakari/core/json_writer.h"
#include "hakari/target/base_server.h"
#include "hakari/target/net.h"
#include "hakari/target/tools.h"

namespace hakari::target {
namespace {

constexpr std::string_view kDefaultUrl = "http://127.0.0.1:1234";
constexpr Nanos kUnloadTimeout = 60 * kNanosPerSecond;

class LmStudioServer final : public BaseServer {
 public:
  LmStudioServer(const TargetSpec& spec, const LaunchOptions& options) : BaseServer(spec, options, "lmstudio") {}
  ~LmStudioServer() override { stop_in_destructor(); }

  pid_t pid() const override { return server_pid_; }

 protected:
  std::string install_hint() const override {
    return "install LM Studio and its lms CLI (on PATH; `~/.lmstudio/bin/lms bootstrap`), start its server "
           "yourself, or give the target a command";
  }
  bool process_is_server() const override { return false; }

  Reply probe() override {
    if (server_pid_ != 0 && !process_exists(server_pid_)) {
      reap_if_exited_child(server_pid_);
      Reply gone;
      gone.error = "its process " + std::to_string(server_pid_) + " has exited";
      return gone;
    }
    return get("/api/v1/models", 2 * kNanosPerSecond, auth());
  }

  void do_start() override {
    instance_id_.clear();
    server_pid_ = 0;
    started_server_ = false;
    find_or_start();
    const Nanos serving = now_ns();
    if (started_server_) server_pid_ = pid_listening_on(port_);
    const Nanos load = load_model();
    cold_load_ = (attached_ ? 0 : serving - launch_time_) + load;
  }

  void do_unload() override {
    if (instance_id_.empty()) return;
    progress("target '" + spec_.name + "': unloading " + instance_id_);
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("instance_id", instance_id_).end_object();
    const Reply r = post("/api/v1/models/unload", body, kUnloadTimeout, auth());
    const std::string id = instance_id_;
    instance_id_.clear();
    if (!r.ok()) {
      throw TargetError("target '" + spec_.name + "' (lmstudio): unloading instance '" + id + "' at " + base_url_ +
                        " failed: " + describe(r));
    }
  }

  void do_after_stop() override {
    if (!started_server_) return;
    started_server_ = false;
    std::string problem = stop_server();
    // The server should now be gone; if it was started from hakari's `lms` it may be an
    // orphan re-parented to hakari, to be reaped here.
    if (server_pid_ != 0 && !wait_gone(server_pid_, opts_.stop_grace)) {
      if (is_child(server_pid_)) {
        ::kill(server_pid_, SIGKILL);
        wait_gone(server_pid_, 5 * kNanosPerSecond);
      } else {
        problem += (problem.empty() ? "" : "; ") + std::string("its process ") + std::to_string(server_pid_) +
                   " is still running";
      }
    }
    if (!problem.empty()) {
      throw TargetError("target '" + spec_.name + "' (lmstudio): stopping the server hakari started at " + base_url_ +
                        ": " + problem);
    }
  }

 private:
  std::vector<std::string> auth() const {
    auto it = spec_.env.find("LM_API_TOKEN");
    const char* env = std::getenv("LM_API_TOKEN");
    const std::string token = it != spec_.env.end() ? it->second : (env != nullptr ? env : "");
    if (token.empty()) return {};
    return {"Authorization: Bearer " + token};
  }

  void find_or_start() {
    const bool probe_default = spec_.url.empty() && spec_.command.empty();
    if (!spec_.url.empty() || probe_default) {
      std::string host;
      int port = 0;
      const std::string where = spec_.url.empty() ? std::string(kDefaultUrl) : spec_.url;
      if (!split_url(where, host, port)) fail("url '" + where + "' is not an http:// URL");
      set_address(host, port);
      if (get("/api/v1/models", 2 * kNanosPerSecond, auth()).ok()) {
        attached_ = true;
        progress("target '" + spec_.name + "': using the LM Studio server already running at " + base_url_);
        return;
      }
      if (spec_.url.empty()) choose_address();
    } else {
      choose_address();
    }
    launch({"lms", "server", "start", "--port", std::to_string(port_)}, {});
    lms_ = process_->argv().front();
    started_server_ = true;
    await("the LM Studio server to answer GET /api/v1/models", [&] {
      const Reply r = get("/api/v1/models", std::min<Nanos>(time_left(), 5 * kNanosPerSecond), auth());
      return Check{r.ok(), "GET /api/v1/models: " + describe(r)};
    });
  }

  Nanos load_model() {
    progress("target '" + spec_.name + "': loading " + spec_.model);
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("model", spec_.model);
    if (spec_.context) w.field("context_length", *spec_.context);
    w.field("echo_load_config", true);
    w.end_object();
    const Nanos t0 = now_ns();
    const Reply r = post("/api/v1/models/load", body, time_left(), auth());
    const Nanos elapsed = now_ns() - t0;
    if (!r.ok()) fail("loading '" + spec_.model + "' (POST /api/v1/models/load): " + describe(r));
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view id;
    if (parser.parse(r.body).get(root) || root["instance_id"].get_string().get(id) || id.empty()) {
      fail("POST /api/v1/models/load: no instance_id in the reply: " + error_message(r.body));
    }
    instance_id_ = std::string(id);
    request_model_ = instance_id_;
    double seconds = 0;
    if (!root["load_time_seconds"].get_double().get(seconds)) server_load_ = std::llround(seconds * 1e9);
    return elapsed;
  }

  // Runs `lms server stop` into the same log; returns a problem, or "".
  std::string stop_server() {
    progress("target '" + spec_.name + "': lms server stop");
    ProcessSpec ps;
    ps.argv = {lms_, "server", "stop"};
    ps.env = spec_.env;
    ps.log_path = log_path_;
    std::shared_ptr<Process> p;
    try {
      p = Process::spawn(ps);
    } catch (const std::exception& e) {
      return e.what();
    }
    const bool exited = p->wait_exit(opts_.stop_grace);
    p->terminate(exited ? 0 : kNanosPerSecond);
    if (!exited) return "`" + p->command_line() + "` did not finish in time";
    if (p->exit_code() != 0) return "`" + p->command_line() + "` " + p->exit_reason().value_or("failed");
    return {};
  }

  // hakari's child (an orphan of its `lms`, re-parented): waitid knows it, and it is
  // hakari's to end. LM Studio's own daemon is not.
  static bool is_child(pid_t pid) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0;
  }

  static bool wait_gone(pid_t pid, Nanos timeout) {
    const Nanos deadline = now_ns() + timeout;
    while (true) {
      reap_if_exited_child(pid);
      if (!process_exists(pid)) return true;
      if (now_ns() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::string lms_ = "lms";
  std::string instance_id_;
  pid_t server_pid_ = 0;
  bool started_server_ = false;
};

}  // namespace

std::unique_ptr<Server> make_lmstudio_server(const TargetSpec& spec, const LaunchOptions& options) {
  return std::make_unique<LmStudioServer>(spec, options);
}

}  // namespace hakari::target
