// make_server: checks a spec and picks the tool's Server. Also the process-wide entry
// points of the module (stop_all_launched, signal_all_launched).
#include "hakari/target/server.h"

#include <algorithm>
#include <cctype>

#include "hakari/target/process.h"
#include "hakari/target/tools.h"

namespace hakari::target {
namespace {

constexpr Nanos kDefaultStopGrace = 10 * kNanosPerSecond;

std::string canonical_tool(std::string tool) {
  std::transform(tool.begin(), tool.end(), tool.begin(), [](unsigned char c) { return std::tolower(c); });
  if (tool == "llama.cpp" || tool == "llamacpp" || tool == "llama-cpp" || tool == "llama-server") return "llama.cpp";
  if (tool == "ollama") return "ollama";
  if (tool == "vllm") return "vllm";
  if (tool == "lmstudio" || tool == "lm-studio" || tool == "lms") return "lmstudio";
  if (tool == "attach") return "attach";
  return {};
}

}  // namespace

std::unique_ptr<Server> make_server(const TargetSpec& spec, const LaunchOptions& options) {
  const std::string who = "target '" + spec.name + "'";
  if (spec.name.empty()) throw TargetError("a target needs a name");
  if (options.poll_interval <= 0) throw TargetError(who + ": poll_interval must be positive");
  if (spec.startup_timeout <= 0) throw TargetError(who + ": startup_timeout must be positive");
  if (spec.tool.empty()) {
    if (spec.url.empty()) {
      throw TargetError(who + ": needs a tool (llama.cpp, ollama, vllm, lmstudio) or a url to attach to");
    }
    return make_attached_server(spec, options);
  }
  const std::string tool = canonical_tool(spec.tool);
  if (tool.empty()) {
    throw TargetError(who + ": unknown tool '" + spec.tool + "' (expected llama.cpp, ollama, vllm or lmstudio)");
  }
  if (tool == "attach") {
    if (spec.url.empty()) throw TargetError(who + ": tool 'attach' needs a url");
    return make_attached_server(spec, options);
  }
  if (spec.model.empty()) {
    const char* what = tool == "llama.cpp" ? "a GGUF path"
                       : tool == "ollama"  ? "a model tag"
                       : tool == "vllm"    ? "a Hugging Face id or a path"
                                           : "a model key";
    throw TargetError(who + " (" + tool + "): needs a model (" + what + ")");
  }
  if (tool == "llama.cpp") return make_llamacpp_server(spec, options);
  if (tool == "ollama") return make_ollama_server(spec, options);
  if (tool == "vllm") return make_vllm_server(spec, options);
  return make_lmstudio_server(spec, options);
}

void stop_all_launched() { stop_all_groups(kDefaultStopGrace); }

void stop_all_launched(Nanos grace) { stop_all_groups(grace); }

void signal_all_launched(int sig) noexcept { signal_all_groups(sig); }

}  // namespace hakari::target
