// The server under test: launched by hakari (llama.cpp's llama-server, `ollama serve`,
// `vllm serve`, LM Studio's `lms`) or attached to because it is already running. A Server
// knows how to start it, tell when it is ready with its model loaded, notice that it died,
// and stop everything hakari started — the whole process group — on the way out.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hakari/core/clock.h"

namespace hakari::target {

// What a suite says about one target.
struct TargetSpec {
  std::string name;        // unique within a suite; names logs and cells
  std::string tool;        // "llama.cpp" | "ollama" | "vllm" | "lmstudio"; empty with `url` = attach
  std::string url;         // attach to a running server at this base URL (no launch)
  std::string model;       // the model as the tool names it: GGUF path (llama.cpp), tag (ollama),
                           // HF id or path (vllm), model key (lmstudio)
  std::string model_file;  // a GGUF for tools that can create a model from one (ollama create)
  std::string quant;       // a label for reports: q4_k_m, q5_k_m, q8_0, f16
  std::optional<int> context;   // tokens of context (per the tool's own meaning)
  std::optional<int> parallel;  // concurrent sequences / slots
  // A command template replacing the tool's default launch command. Placeholders:
  // {host} {port} {model} {model_file} {context} {parallel} {name} {quant}, and {hakari}
  // (this program, to launch `{hakari} sim` as a what-if server). Split into
  // words on spaces (quote with "..." to keep spaces), then each word's placeholders are
  // substituted: a value is never split. For lmstudio it replaces `lms server start
  // --port {port}`, and its first word is the `lms` that later runs `server stop`. The
  // program is looked up on the PATH the server gets (env["PATH"] when set).
  std::string command;
  std::vector<std::string> extra_args;       // appended to the default command
  std::map<std::string, std::string> env;    // added to the launched process's environment
  Nanos startup_timeout = 600 * kNanosPerSecond;  // launch -> ready, including model load
};

struct LaunchOptions {
  std::string host = "127.0.0.1";
  std::string log_dir;  // where the server's stdout/stderr go, one file per launch
                        // (<log_dir>/<name>-<n>.log); empty: <temp dir>/hakari-logs
  Nanos poll_interval = 200 * kNanosPerMilli;
  // stop(): SIGTERM to the process group, this long for it to exit, then SIGKILL.
  Nanos stop_grace = 10 * kNanosPerSecond;
  // Pulls, creates and blob uploads (ollama) have no overall limit — a download of 40 GB
  // takes what it takes — but fail after this long without progress.
  Nanos transfer_idle_timeout = 300 * kNanosPerSecond;
  // Receives one line for people at each step (launching, pulling 45%, loading); may be
  // empty. Called on the thread that called start() or stop().
  std::function<void(const std::string&)> progress;
};

// A launch or attach that failed, with a reason fit for a report ("llama-server exited
// with code 1 before answering: <last log lines>", "no health after 600 s").
class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Server {
 public:
  virtual ~Server() = default;  // implementations stop() what they started

  // Launches (or attaches), waits until the server answers and the model is loaded.
  // Throws TargetError. Safe to call again after stop() (relaunch).
  virtual void start() = 0;
  // False once a launched process has exited (or an attached server stops answering).
  virtual bool alive() = 0;
  // Why it is not alive: "exited with code 1", "killed by signal 9 (SIGKILL)".
  virtual std::optional<std::string> exit_reason() = 0;
  // Unloads the model where the tool can (ollama keep_alive 0, lms unload) and stops the
  // processes hakari launched: SIGTERM to the group, SIGKILL after a grace period.
  virtual void stop() = 0;

  virtual const std::string& base_url() const = 0;
  virtual pid_t pid() const = 0;             // the launched process (0 when attached)
  // Launch -> ready with the model loaded (pull/create time excluded, see fetch_ns). On a
  // server found running (ollama, lmstudio): the load requests' time. 0 for a plain attach.
  virtual Nanos cold_load_ns() const = 0;
  virtual std::string log_path() const = 0;  // "" when attached
  virtual std::string tool() const = 0;      // as in TargetSpec, "attach" when attached
  // The model name to put in requests (e.g. the ollama tag, vllm's served name).
  virtual std::string request_model() const = 0;

  // True when start() found the tool's server already running (ollama, lmstudio, or a
  // plain attach): stop() unloads what start() loaded but leaves the server running.
  virtual bool attached() const { return false; }
  // The tool's own measure of the model load, where it reports one: Ollama's
  // load_duration, LM Studio's load_time_seconds. 0 when it reports none.
  virtual Nanos server_load_ns() const { return 0; }
  // Time start() spent getting the model onto the machine (ollama pull or create) before
  // loading it; not part of cold_load_ns.
  virtual Nanos fetch_ns() const { return 0; }
  // The version the server reports (llama.cpp build_info, /api/version, vLLM /version);
  // "" when it reports none.
  virtual std::string server_version() const { return {}; }
};

// Builds the Server for a spec. Throws TargetError for a spec it cannot serve (unknown
// tool, no model) before launching anything.
std::unique_ptr<Server> make_server(const TargetSpec& spec, const LaunchOptions& options);

// A TCP port on `host` that was free a moment ago.
int pick_free_port(const std::string& host = "127.0.0.1");

// Stops every process group any Server launched and has not stopped yet: SIGTERM to all
// at once, up to `grace` (default 10 s) for them to go, SIGKILL for the rest, and every
// launched process and re-parented grandchild reaped. Called on Ctrl-C and at exit, so no
// server outlives hakari. Servers it stopped report alive() false afterwards. It does not
// unload models from servers hakari attached to (call Server::stop() for that). Not
// async-signal-safe: call it from a normal thread (see signal_all_launched).
void stop_all_launched();
void stop_all_launched(Nanos grace);

// Async-signal-safe: sends `sig` to every launched process group now, without waiting.
void signal_all_launched(int sig) noexcept;

}  // namespace hakari::target
