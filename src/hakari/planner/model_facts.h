// What the planner needs to know about one model, whether it comes from the built-in
// catalog or from a GGUF file: resident bytes, bytes read per decoded token, the KV cache
// shape, and where each number came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hakari::planner {

// One layer's KV cache: kv_heads × (k_dim + v_dim) values per token. A sliding-window
// layer keeps only the last `KvLayout::sliding_window` tokens of each sequence.
struct KvLayer {
  std::uint32_t kv_heads = 0;
  std::uint32_t k_dim = 0;
  std::uint32_t v_dim = 0;
  bool sliding = false;
};

struct KvLayout {
  std::vector<KvLayer> layers;
  std::uint64_t sliding_window = 0;  // tokens; 0 = no sliding-window layers

  // Values per token over all layers (× bytes per value = bytes per token).
  std::uint64_t values_per_token(bool sliding_layers) const;
  std::uint64_t values_per_token() const { return values_per_token(false) + values_per_token(true); }
  // f16 bytes per cached token, every layer counted.
  std::uint64_t f16_bytes_per_token() const { return values_per_token() * 2; }
  // The same layer repeated `n` times.
  static KvLayout uniform(std::uint32_t n_layers, std::uint32_t kv_heads, std::uint32_t head_dim);
};

struct ModelFacts {
  std::string label;         // "Qwen3-32B", or a GGUF's general.name / file name
  std::string quant;         // "Q4_K_M", "F16", or a GGUF's file type
  std::string key;           // catalog key ("qwen3-32b"), empty for a GGUF
  std::string source;        // "catalog" or the GGUF's path
  std::string architecture;  // GGUF architecture name: "qwen3", "llama", "qwen3moe", ...

  std::uint64_t params_total = 0;
  std::uint64_t params_active = 0;  // read per token; = total for a dense model
  bool moe = false;

  double weights_bytes = 0;         // resident: every weight, every expert
  double active_weight_bytes = 0;   // read per decoded token (dense: = weights_bytes)
  std::string weights_basis;        // "published: ggml-org/Qwen3-32B-GGUF", "4.85 bpw × params", "GGUF tensor table"
  bool weights_published = false;

  std::uint64_t context_length = 0;  // trained context (0 when unknown)
  std::uint32_t n_layers = 0;
  std::uint32_t n_heads = 0;         // query heads (largest layer), for the attention-score buffer
  std::uint64_t vocab = 0;
  KvLayout kv;

  std::vector<std::string> notes;    // unconfirmed figures, assumptions
};

}  // namespace hakari::planner
