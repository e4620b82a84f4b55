#include "hakari/target/base_server.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "hakari/target/command.h"

namespace hakari::target {
namespace {

std::string seconds_text(Nanos ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", to_s(ns));
  return buf;
}

}  // namespace

const std::vector<std::string>& command_placeholders() {
  static const std::vector<std::string> known{"host",     "port", "model", "model_file", "context",
                                              "parallel", "name", "quant", "hakari"};
  return known;
}

std::string log_dir_of(const LaunchOptions& options) {
  if (!options.log_dir.empty()) return options.log_dir;
  std::error_code ec;
  const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  return ((ec ? std::filesystem::path("/tmp") : tmp) / "hakari-logs").string();
}

BaseServer::BaseServer(TargetSpec spec, LaunchOptions options, std::string tool)
    : spec_(std::move(spec)), opts_(std::move(options)), tool_(std::move(tool)) {}

BaseServer::~BaseServer() {
  // The tool's destructor has run stop(); this only makes sure no process is left.
  if (process_) process_->terminate(opts_.stop_grace);
}

void BaseServer::stop_in_destructor() noexcept {
  try {
    stop();
  } catch (...) {
    // A destructor cannot report; stop() has ended the processes before throwing.
  }
}

void BaseServer::reset() {
  process_.reset();
  log_path_.clear();
  launch_time_ = 0;
  cold_load_ = 0;
  server_load_ = 0;
  fetch_ = 0;
  attached_ = false;
  request_model_.clear();
  version_.clear();
  lost_.reset();
}

void BaseServer::start() {
  if (started_ || process_) stop_in_destructor();
  reset();
  start_time_ = now_ns();
  startup_budget_ = spec_.startup_timeout;
  try {
    do_start();
  } catch (const TargetError&) {
    clean_up_failed_start();
    throw;
  } catch (const std::exception& e) {
    clean_up_failed_start();
    fail(e.what());
  }
  started_ = true;
}

void BaseServer::clean_up_failed_start() noexcept {
  try {
    if (process_) process_->terminate(opts_.stop_grace);
    do_after_stop();
  } catch (...) {
    // The start's own error is the one to report.
  }
}

void BaseServer::stop() {
  std::string problem;
  if (started_) {
    try {
      do_unload();
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  if (process_) process_->terminate(opts_.stop_grace);
  if (started_) {
    try {
      do_after_stop();
    } catch (const std::exception& e) {
      problem += (problem.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  started_ = false;
  if (!problem.empty()) throw TargetError(problem);
}

Reply BaseServer::probe() { return get("/v1/models", 2 * kNanosPerSecond); }

bool BaseServer::alive() {
  if (process_ && process_is_server()) {
    if (!process_->running()) return false;
    if (lost_) return false;
    // A running process is not a running server: a wrapper whose server child died, or a
    // server wedged for good. Any HTTP answer (a 503 while busy, too) counts as alive;
    // two probes without one do not.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (probe().answered()) return true;
    }
    // A process dying right now (killed, not yet reaped) is reported by its exit.
    if (process_->wait_exit(500 * kNanosPerMilli)) return false;
    lost_ = "its process runs but the server stopped answering at " + base_url_ + ": " + describe(probe());
    return false;
  }
  // A server hakari found running stays alive after stop(); one it started (lms) does not.
  if (!started_ && !attached_) return false;
  if (lost_) return false;
  const Reply r = probe();
  if (r.ok()) return true;
  lost_ = "stopped answering at " + base_url_ + ": " + describe(r);
  return false;
}

std::optional<std::string> BaseServer::exit_reason() {
  if (process_ && process_is_server()) {
    if (process_->running() && lost_) return lost_;
    return process_->exit_reason();
  }
  if (alive()) return std::nullopt;
  if (lost_) return lost_;
  return std::string("stopped");
}

void BaseServer::set_address(const std::string& host, int port) {
  host_ = host;
  port_ = port;
  base_url_ = make_base_url(host, port);
}

void BaseServer::choose_address() {
  if (!spec_.url.empty()) {
    std::string host;
    int port = 0;
    if (!split_url(spec_.url, host, port)) fail("url '" + spec_.url + "' is not an http:// URL");
    set_address(host, port);
    base_url_ = spec_.url;
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    return;
  }
  try {
    set_address(opts_.host, pick_free_port(opts_.host));
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

void BaseServer::launch(std::vector<std::string> default_argv, const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> values;
  values["host"] = host_;
  values["port"] = std::to_string(port_);
  values["name"] = spec_.name;
  // This very program, so a suite can launch `{hakari} sim ...` as a target's server.
  std::error_code ec;
  if (auto self = std::filesystem::read_symlink("/proc/self/exe", ec); !ec) values["hakari"] = self.string();
  if (!spec_.model.empty()) values["model"] = spec_.model;
  if (!spec_.model_file.empty()) values["model_file"] = spec_.model_file;
  if (spec_.context) values["context"] = std::to_string(*spec_.context);
  if (spec_.parallel) values["parallel"] = std::to_string(*spec_.parallel);
  if (!spec_.quant.empty()) values["quant"] = spec_.quant;

  ProcessSpec ps;
  if (spec_.command.empty()) {
    ps.argv = std::move(default_argv);
    ps.argv.insert(ps.argv.end(), spec_.extra_args.begin(), spec_.extra_args.end());
  } else {
    try {
      ps.argv = expand_command(spec_.command, values, command_placeholders());
    } catch (const TargetError& e) {
      fail(std::string(e.what()) + " (command: " + spec_.command + ")");
    }
  }
  if (ps.argv.empty()) fail("the command is empty");
  ps.env = env;
  for (const auto& [k, v] : spec_.env) ps.env[k] = v;
  try {
    ps.log_path = new_log_path(log_dir_of(opts_), spec_.name);
  } catch (const std::exception& e) {
    fail(e.what());
  }
  log_path_ = ps.log_path;
  progress("target '" + spec_.name + "': launching " + quote_command(ps.argv));
  launch_time_ = now_ns();
  try {
    process_ = Process::spawn(ps);
  } catch (const std::exception& e) {
    const std::string hint = install_hint();
    fail(std::string(e.what()) + (hint.empty() ? "" : "; " + hint) + "\n  command: " + quote_command(ps.argv));
  }
}

void BaseServer::await(std::string_view what, FunctionRef<Check()> check) {
  std::string last = "nothing yet";
  while (true) {
    if (process_ && !process_->running()) {
      const std::optional<int> code = process_->exit_code();
      if (process_is_server() || !code || *code != 0) {
        fail(process_->exit_reason().value_or("exited") + " before " + std::string(what));
      }
    }
    const Check c = check();
    if (c.ready) return;
    last = c.status;
    const Nanos now = now_ns();
    if (now >= deadline()) {
      fail("not ready after " + seconds_text(startup_budget_) + " (startup_timeout): waiting for " +
           std::string(what) + "; last: " + last);
    }
    const Nanos nap = std::min(opts_.poll_interval, deadline() - now);
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<Nanos>(nap, 0)));
  }
}

void BaseServer::fail(const std::string& cause) const {
  std::string msg = "target '" + spec_.name + "' (" + tool_ + "): " + cause;
  if (process_) {
    msg += "\n  command: " + process_->command_line();
    const std::vector<std::string> tail = log_tail(log_path_);
    msg += "\n  log: " + log_path_;
    if (tail.empty()) {
      msg += " (empty)";
    } else {
      msg += " (last " + std::to_string(tail.size()) + " lines):";
      for (const std::string& line : tail) msg += "\n    | " + line;
    }
  } else if (!base_url_.empty()) {
    msg += "\n  server: " + base_url_;
  }
  throw TargetError(msg);
}

void BaseServer::progress(const std::string& line) const {
  if (opts_.progress) opts_.progress(line);
}

Nanos BaseServer::time_left(Nanos floor) const { return std::max(floor, deadline() - now_ns()); }

Reply BaseServer::get(std::string_view path, Nanos timeout, std::vector<std::string> headers) const {
  Call c;
  c.url = url(path);
  c.timeout = timeout;
  c.headers = std::move(headers);
  return http_call(c);
}

Reply BaseServer::post(std::string_view path, std::string body, Nanos timeout,
                       std::vector<std::string> headers) const {
  Call c;
  c.method = "POST";
  c.url = url(path);
  c.body = std::move(body);
  c.timeout = timeout;
  c.headers = std::move(headers);
  return http_call(c);
}

}  // namespace hakari::target
