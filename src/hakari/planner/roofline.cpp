#include "hakari/planner/roofline.h"

#include <algorithm>
#include <cctype>

#include "hakari/planner/gguf_model.h"
#include "hakari/planner/memory_estimate.h"

namespace hakari::planner {

double kv_read_bytes(const KvLayout& kv, std::uint64_t depth, double bytes_per_value) {
  const std::uint64_t sliding_depth = kv.sliding_window > 0 ? std::min(depth, kv.sliding_window) : depth;
  return bytes_per_value * (static_cast<double>(kv.values_per_token(false)) * static_cast<double>(depth) +
                            static_cast<double>(kv.values_per_token(true)) * static_cast<double>(sliding_depth));
}

DecodeCeiling decode_ceiling(const ModelFacts& model, const catalog::HardwareProfile& hw, std::uint64_t depth,
                             std::uint32_t kv_type) {
  DecodeCeiling d;
  d.depth = depth;
  d.weight_bytes = model.active_weight_bytes;
  d.kv_bytes = kv_read_bytes(model.kv, depth, kv_bytes_per_value(kv_type));
  d.bytes_per_token = d.weight_bytes + d.kv_bytes;
  d.bandwidth_gbs = hw.practical_bandwidth_gbs();
  d.theoretical_bandwidth_gbs = hw.bandwidth_gbs;
  if (d.bytes_per_token > 0) {
    d.tokens_per_s = d.bandwidth_gbs * 1e9 / d.bytes_per_token;
    d.theoretical_tokens_per_s = d.theoretical_bandwidth_gbs * 1e9 / d.bytes_per_token;
  }
  return d;
}

PrefillCeiling prefill_ceiling(const ModelFacts& model, const catalog::HardwareProfile& hw, double efficiency) {
  PrefillCeiling p;
  p.flops_per_token = 2.0 * static_cast<double>(model.params_active);
  p.peak_tflops = hw.fp16_tflops;
  p.efficiency = efficiency;
  if (p.flops_per_token > 0) p.tokens_per_s = p.peak_tflops * 1e12 * efficiency / p.flops_per_token;
  return p;
}

SimTiming sim_timing(const ModelFacts& model, const catalog::HardwareProfile& hw) {
  SimTiming t;
  t.weights_bytes = model.active_weight_bytes;
  t.kv_bytes_per_token = static_cast<double>(model.kv.f16_bytes_per_token());
  t.bandwidth_gbs = hw.practical_bandwidth_gbs();
  t.prefill_tps = prefill_ceiling(model, hw).tokens_per_s;
  t.model_size_bytes = model.weights_bytes;
  t.params = model.params_total;
  std::string name = model.key.empty() ? gguf_file_stem(model.source) : model.key + "-" + model.quant;
  for (char& c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) || c == '/' || c == ':') {
      c = '-';
    } else if (!model.key.empty()) {
      c = static_cast<char>(std::tolower(u));
    }
  }
  t.model_name = name.empty() ? "hakari-sim" : name;
  return t;
}

}  // namespace hakari::planner
