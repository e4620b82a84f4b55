// One Server per serving tool; make_server() (server.cpp) picks among them.
#pragma once

#include <memory>

#include "hakari/target/server.h"

namespace hakari::target {

std::unique_ptr<Server> make_llamacpp_server(const TargetSpec& spec, const LaunchOptions& options);
std::unique_ptr<Server> make_ollama_server(const TargetSpec& spec, const LaunchOptions& options);
std::unique_ptr<Server> make_vllm_server(const TargetSpec& spec, const LaunchOptions& options);
std::unique_ptr<Server> make_lmstudio_server(const TargetSpec& spec, const LaunchOptions& options);
std::unique_ptr<Server> make_attached_server(const TargetSpec& spec, const LaunchOptions& options);

}  // namespace hakari::target
