// What every tool's Server shares: the address, launching through a command template
// into a logged process group, polling for readiness (failing at once when the process
// dies, with the log's last lines), stopping, and error messages that name the target,
// the command and the cause. Each tool adds its launch, readiness and load/unload steps.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hakari/core/function_ref.h"
#include "hakari/target/control_http.h"
#include "hakari/target/process.h"
#include "hakari/target/server.h"

namespace hakari::target {

class BaseServer : public Server {
 public:
  BaseServer(TargetSpec spec, LaunchOptions options, std::string tool);
  ~BaseServer() override;

  void start() final;
  bool alive() override;
  std::optional<std::string> exit_reason() override;
  void stop() final;

  const std::string& base_url() const override { return base_url_; }
  pid_t pid() const override { return process_ ? process_->pid() : 0; }
  Nanos cold_load_ns() const override { return cold_load_; }
  std::string log_path() const override { return log_path_; }
  std::string tool() const override { return tool_; }
  std::string request_model() const override { return request_model_; }
  bool attached() const override { return attached_; }
  Nanos server_load_ns() const override { return server_load_; }
  Nanos fetch_ns() const override { return fetch_; }
  std::string server_version() const override { return version_; }

 protected:
  // The tool's start: launch or attach, wait until ready, load. Throws TargetError (fail()).
  virtual void do_start() = 0;
  // The tool's unload, before its processes are ended. Throws TargetError.
  virtual void do_unload() {}
  // After the process group has ended (LM Studio stops its own server here).
  virtual void do_after_stop() {}
  // alive() for a server that is not hakari's child: does it still answer?
  virtual Reply probe();
  // Said after "not found on PATH": what to install.
  virtual std::string install_hint() const { return ""; }
  // Whether the launched process is the server (its exit is the server's end), or a
  // launcher that exits once the server runs elsewhere (lms server start).
  virtual bool process_is_server() const { return true; }

  // Destructors of the tools call this (stop() needs the tool's virtual steps).
  void stop_in_destructor() noexcept;

  // spec.url's host and port when given, else options.host and a free port.
  void choose_address();
  void set_address(const std::string& host, int port);
  // Launches spec.command (placeholders expanded) or `default_argv` + extra_args, with
  // `env` and then spec.env added to hakari's environment.
  void launch(std::vector<std::string> default_argv, const std::map<std::string, std::string>& env);

  struct Check {
    bool ready = false;
    std::string status;  // what was seen, for the timeout message ("GET /health: HTTP 503: Loading model")
  };
  // Polls `check` every poll_interval until ready; fails when the launched server exits
  // (a launcher: exits with an error) or the startup deadline passes.
  void await(std::string_view what, FunctionRef<Check()> check);

  [[noreturn]] void fail(const std::string& cause) const;
  void progress(const std::string& line) const;
  Nanos deadline() const { return start_time_ + startup_budget_; }
  // What is left of the startup budget, at least `floor`.
  Nanos time_left(Nanos floor = 100 * kNanosPerMilli) const;
  std::string url(std::string_view path) const { return base_url_ + std::string(path); }
  // GET/POST on the server, bounded by `timeout`.
  Reply get(std::string_view path, Nanos timeout, std::vector<std::string> headers = {}) const;
  Reply post(std::string_view path, std::string body, Nanos timeout, std::vector<std::string> headers = {}) const;
  std::string command_line() const { return process_ ? process_->command_line() : std::string(); }

  TargetSpec spec_;
  LaunchOptions opts_;
  std::string tool_;
  std::string host_;
  int port_ = 0;
  std::string base_url_;
  std::shared_ptr<Process> process_;
  std::string log_path_;
  Nanos start_time_ = 0;
  Nanos startup_budget_ = 0;  // spec.startup_timeout, unless the tool bounds it further
  Nanos launch_time_ = 0;
  Nanos cold_load_ = 0;
  Nanos server_load_ = 0;
  Nanos fetch_ = 0;
  bool attached_ = false;
  std::string request_model_;
  std::string version_;

 private:
  void reset();
  void clean_up_failed_start() noexcept;

  bool started_ = false;
  std::optional<std::string> lost_;  // an unlaunched server that stopped answering: why
};

// The placeholders a command template may use.
const std::vector<std::string>& command_placeholders();

// Where logs go: options.log_dir, or <temp dir>/hakari-logs.
std::string log_dir_of(const LaunchOptions& options);

}  // namespace hakari::target
