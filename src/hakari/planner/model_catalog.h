// The built-in model catalog: the models this project's users compare, with their
// architecture numbers and published GGUF sizes (docs/planner.md lists the sources; what
// could not be confirmed is marked in `unconfirmed`). GB here is 10^9 bytes, as Hugging
// Face file listings show.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hakari/planner/model_facts.h"

namespace hakari::planner {

enum class Quant { q4_k_m, q5_k_m, q8_0, f16, bf16 };

struct QuantInfo {
  Quant quant;
  std::string_view key;   // "q4_k_m": what a spec takes (any case)
  std::string_view name;  // "Q4_K_M": as llama.cpp prints it
  double bits_per_weight; // average over a whole model, for sizes nobody published
};

std::span<const QuantInfo> catalog_quants();
const QuantInfo& quant_info(Quant q);
// "q4_k_m", "Q4_K_M", "Q4_k_M" -> Quant::q4_k_m; nothing when unknown.
std::optional<Quant> find_quant(std::string_view text);
std::string quant_keys();  // "q4_k_m, q5_k_m, q8_0, f16, bf16"

struct PublishedSize {
  Quant quant;
  double gb;                // 10^9 bytes, the whole file (all shards)
  std::string_view where;   // repository the size was read from
};

struct CatalogModel {
  std::string_view key;     // "qwen3-32b"
  std::span<const std::string_view> aliases;
  std::string_view name;    // "Qwen3-32B"
  std::string_view hf_repo; // "Qwen/Qwen3-32B"
  std::string_view architecture;  // as a GGUF names it: "qwen3", "qwen2", "llama", "qwen3moe"
  std::string_view license;

  std::uint64_t params_total = 0;   // from the config (models.md [derived]); see shape_params()
  std::uint32_t layers = 0;
  std::uint32_t hidden = 0;
  std::uint32_t intermediate = 0;   // dense FFN width (0 when every layer is MoE)
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;       // explicit in Qwen3 (128 while hidden/heads = 80)
  std::uint32_t vocab = 0;
  std::uint64_t context_length = 0; // max_position_embeddings
  bool tied_embeddings = false;
  bool qkv_bias = false;            // Qwen2 family
  bool qk_norm = false;             // Qwen3 family
  std::uint32_t experts = 0;        // 0 for a dense model
  std::uint32_t experts_used = 0;
  std::uint32_t expert_intermediate = 0;

  std::span<const PublishedSize> published;
  std::string_view unconfirmed;     // what is not confirmed; empty when the config was read
  std::string_view note;            // anything else a reader should know
};

std::span<const CatalogModel> model_catalog();
// By key or alias, any case; nullptr when unknown.
const CatalogModel* find_model(std::string_view key);
std::string model_keys();  // "qwen3-32b, deepseek-r1-32b, ..."

// Parameters from the shape (embeddings, attention with its biases and norms, FFN or
// experts, norms). `active_only` counts only the experts a token uses.
std::uint64_t shape_params(const CatalogModel& m, bool active_only);
std::uint64_t active_params(const CatalogModel& m);

// f16 KV cache bytes per token: layers × kv_heads × head_dim × 2 (K and V) × 2 bytes.
std::uint64_t catalog_kv_bytes_per_token(const CatalogModel& m);

// The published size for this quantization, if one was found.
const PublishedSize* published_size(const CatalogModel& m, Quant q);
// Bytes of the GGUF computed from bits per weight: params × bpw / 8.
double computed_weights_bytes(const CatalogModel& m, Quant q);

// The planner's view of a catalog entry at a quantization: published size when known,
// else computed; active bytes for a mixture of experts scaled by active/total params.
ModelFacts facts_from_catalog(const CatalogModel& m, Quant q);

}  // namespace hakari::planner
