// Which real server `hakari sim` is: llama.cpp's llama-server (build b5601), vLLM, Ollama or
// LM Studio. A persona decides the routes that exist (the rest get that server's own 404),
// the shape of every frame, the headers, the /metrics names and the connection habits, so
// a client tested against the simulator meets what it will meet against the real server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hakari::sim {

enum class Persona { llamacpp, vllm, ollama, lmstudio };

// "llama.cpp", "vllm", "ollama", "lmstudio": the names suites use for tools.
std::string_view persona_name(Persona p);
// Accepts the names above (and "llamacpp").
std::optional<Persona> parse_persona(std::string_view name);
// "llama.cpp, vllm, ollama, lmstudio", for help and error messages.
std::string persona_choices();

}  // namespace hakari::sim
