// Model specs as `hakari plan` and `hakari sim` take them:
//
//   qwen3-32b:q4_k_m                      a catalog model at a quantization
//   llama-3.3-70b:Q8_0:ctx=32768:parallel=4:kv=q8_0
//   /models/Qwen3-32B-Q4_K_M.gguf:ctx=16k  a GGUF file (options after the .gguf)
//
// Options: ctx=N (tokens per slot; 16k = 16384), parallel=N (slots; np=N too), kv=TYPE
// (KV cache type), fa=on|off (flash attention). A bad spec throws SpecError naming the
// bad part and the choices.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "hakari/planner/memory_estimate.h"
#include "hakari/planner/model_catalog.h"
#include "hakari/planner/model_facts.h"

namespace hakari::planner {

class SpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

inline constexpr std::uint64_t kMaxCtxPerSlot = 1ull << 24;  // 16M tokens
inline constexpr std::uint32_t kMaxParallel = 4096;

struct ModelSpec {
  std::string text;                        // as given
  bool gguf = false;
  std::string path;                        // the GGUF path
  const CatalogModel* model = nullptr;     // the catalog entry
  Quant quant = Quant::q4_k_m;
  InstanceConfig config;
};

ModelSpec parse_model_spec(std::string_view text, const InstanceConfig& defaults);

// "16384", "16k" (×1024) -> tokens; throws SpecError naming `what` otherwise.
std::uint64_t parse_token_count(std::string_view text, std::string_view what);

// The facts for a spec: the catalog entry, or the GGUF read from disk (throws GgufError).
ModelFacts resolve_model(const ModelSpec& spec);

}  // namespace hakari::planner
