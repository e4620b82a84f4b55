#include "hakari/sim/persona.h"

namespace hakari::sim {

std::string_view persona_name(Persona p) {
  switch (p) {
    case Persona::llamacpp: return "llama.cpp";
    case Persona::vllm: return "vllm";
    case Persona::ollama: return "ollama";
    case Persona::lmstudio: return "lmstudio";
  }
  return "llama.cpp";
}

std::optional<Persona> parse_persona(std::string_view name) {
  for (Persona p : {Persona::llamacpp, Persona::vllm, Persona::ollama, Persona::lmstudio}) {
    if (name == persona_name(p)) return p;
  }
  if (name == "llamacpp") return Persona::llamacpp;
  return std::nullopt;
}

std::string persona_choices() { return "llama.cpp, vllm, ollama, lmstudio"; }

}  // namespace hakari::sim
