// Memory one model instance needs, the way llama.cpp allocates it:
//
//   total = weights + KV cache + compute buffers
//   KV    = Σ_layers kv_heads × (k_dim + v_dim) × bytes_per_value(kv type) × cached tokens
//           cached tokens = ctx_per_slot × parallel for a full-attention layer,
//           min(that, parallel × sliding_window + n_ubatch) for a sliding-window layer
//   buffers = 1 GiB + n_ubatch × cached tokens × 2 B (the f16 attention mask)
//             [+ n_heads × n_ubatch × cached tokens × 4 B without flash attention]
//
// Convention: `ctx_per_slot` is what ONE conversation can hold, as Ollama's num_ctx and
// vLLM's max_model_len mean it. llama-server's -c is the TOTAL over its -np slots, so
// "ctx 8192 × 4 slots" is `llama-server -c 32768 -np 4` (see llama_server_flags()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hakari/planner/model_facts.h"

namespace hakari::planner {

inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
inline constexpr double kGB = 1e9;

// Compute-buffer default: 1 GiB. llama.cpp's measured peak minus file size at pp512 is
// 0.4-0.7 GiB on Strix Halo (lhl/strix-halo-testing max_mem: Qwen3-32B Q8_0 33,683 MiB
// peak for a ~33,240 MiB file); kyuz0's gguf-vram-estimator uses 2 GiB.
inline constexpr double kBufferBaseBytes = kGiB;
inline constexpr std::uint32_t kDefaultUbatch = 512;  // llama.cpp's -ub default
inline constexpr std::uint64_t kDefaultCtxPerSlot = 8192;

// KV cache types llama.cpp accepts for -ctk/-ctv: f32, f16, bf16, q8_0, q4_0, q4_1,
// iq4_nl, q5_0, q5_1 (as ggml type ids).
std::optional<std::uint32_t> find_kv_type(std::string_view name);
std::string kv_type_keys();                        // "f16, q8_0, q4_0, ..."
std::string kv_type_key(std::uint32_t type);       // "q8_0"
double kv_bytes_per_value(std::uint32_t type);     // f16 2, q8_0 1.0625, q4_0 0.5625

struct InstanceConfig {
  std::uint64_t ctx_per_slot = kDefaultCtxPerSlot;
  std::uint32_t parallel = 1;
  std::uint32_t kv_type = 1;  // ggml F16
  bool flash_attention = true;  // llama.cpp's -fa auto turns it on where the backend has it
  std::uint32_t ubatch = kDefaultUbatch;

  std::uint64_t ctx_total() const { return ctx_per_slot * parallel; }
};

struct MemoryEstimate {
  double weights_bytes = 0;
  double kv_bytes = 0;
  double buffer_bytes = 0;
  double total_bytes = 0;
  std::uint64_t ctx_total = 0;       // tokens a full-attention layer caches
  std::uint64_t sliding_tokens = 0;  // tokens a sliding-window layer caches (0 = none)
  double kv_bytes_per_token = 0;     // at the chosen KV type, every layer
};

MemoryEstimate estimate_memory(const ModelFacts& model, const InstanceConfig& config);

// "-c 32768 -np 4 -ctk q8_0 -ctv q8_0": the llama-server flags for this configuration.
std::string llama_server_flags(const InstanceConfig& config);

}  // namespace hakari::planner
