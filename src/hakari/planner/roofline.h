// Speed ceilings from the memory and compute roofline (docs/planner.md):
//
//   decode (batch 1):  tg_max = bandwidth / (active weight bytes + KV bytes read at depth d)
//                      KV read = Σ_layers kv values/token × bytes/value × min(d, window)
//   prefill:           pp_max = peak FP16 FLOPS × efficiency / (2 × active parameters)
//
// The practical ceiling uses the profile's measured bandwidth (EVO-X2: 212 GB/s,
// rocm_bandwidth_test), the theoretical one the datasheet peak (256 GB/s). Dense decode on
// Strix Halo reaches about the measured figure; MoE decode 60-70 % of it.
#pragma once

#include <cstdint>
#include <string>

#include "hakari/catalog/hardware.h"
#include "hakari/planner/model_facts.h"

namespace hakari::planner {

// Share of peak FP16 compute a prefill reaches: Strix Halo measured ~21 TFLOPS of 59.4
// (llama.cpp ROCm pp512: Llama-2-7B 1545 t/s × 13.5 GFLOP, Llama-3.3-70B Q8 147 t/s ×
// 141 GFLOP; hardware.md §5).
inline constexpr double kPrefillEfficiency = 0.35;

// KV bytes a decode step reads for one sequence whose context holds `depth` tokens.
double kv_read_bytes(const KvLayout& kv, std::uint64_t depth, double bytes_per_value);

struct DecodeCeiling {
  std::uint64_t depth = 0;
  double weight_bytes = 0;   // active weights read per token
  double kv_bytes = 0;       // KV read per token at `depth`
  double bytes_per_token = 0;
  double bandwidth_gbs = 0;              // practical (measured when published)
  double tokens_per_s = 0;
  double theoretical_bandwidth_gbs = 0;  // datasheet peak
  double theoretical_tokens_per_s = 0;
};

DecodeCeiling decode_ceiling(const ModelFacts& model, const catalog::HardwareProfile& hw, std::uint64_t depth,
                             std::uint32_t kv_type);

struct PrefillCeiling {
  double flops_per_token = 0;  // 2 × active parameters
  double peak_tflops = 0;
  double efficiency = kPrefillEfficiency;
  double tokens_per_s = 0;
};

PrefillCeiling prefill_ceiling(const ModelFacts& model, const catalog::HardwareProfile& hw,
                               double efficiency = kPrefillEfficiency);

// The simulator's hardware model for this model on this machine (hakari sim --model/--gguf).
struct SimTiming {
  double weights_bytes = 0;       // read per decode step (active weights)
  double kv_bytes_per_token = 0;  // f16, every layer
  double bandwidth_gbs = 0;       // the profile's practical bandwidth
  double prefill_tps = 0;         // prefill_ceiling() at kPrefillEfficiency
  double model_size_bytes = 0;    // resident weights: what /v1/models and /api/tags report
  std::uint64_t params = 0;       // total parameters
  std::string model_name;         // "qwen3-32b-q4_k_m", or the GGUF's file name
};

SimTiming sim_timing(const ModelFacts& model, const catalog::HardwareProfile& hw);

}  // namespace hakari::planner
