#include "hakari/planner/memory_estimate.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "hakari/planner/ggml_types.h"

namespace hakari::planner {
namespace {

constexpr std::array<std::string_view, 9> kKvTypes{"f16", "q8_0", "q4_0", "bf16", "f32",
                                                   "q4_1", "q5_0", "q5_1", "iq4_nl"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

std::optional<std::uint32_t> find_kv_type(std::string_view name) {
  const std::string n = lower(name);
  if (std::find(kKvTypes.begin(), kKvTypes.end(), n) == kKvTypes.end()) return std::nullopt;
  return ggml_type_by_name(n);
}

std::string kv_type_keys() {
  std::string s;
  for (std::string_view k : kKvTypes) {
    if (!s.empty()) s += ", ";
    s += k;
  }
  return s;
}

std::string kv_type_key(std::uint32_t type) { return lower(ggml_type_label(type)); }

double kv_bytes_per_value(std::uint32_t type) {
  const auto info = ggml_type_info(type);
  if (!info || info->removed || info->block_elems == 0) return 2.0;
  return static_cast<double>(info->block_bytes) / info->block_elems;
}

MemoryEstimate estimate_memory(const ModelFacts& model, const InstanceConfig& config) {
  MemoryEstimate e;
  const double bpv = kv_bytes_per_value(config.kv_type);
  e.ctx_total = config.ctx_total();
  const double full_values = static_cast<double>(model.kv.values_per_token(false));
  const double sliding_values = static_cast<double>(model.kv.values_per_token(true));
  if (sliding_values > 0) {
    // llama.cpp sizes the sliding-window cache as n_swa × n_seq + n_ubatch, capped at n_ctx.
    e.sliding_tokens = std::min<std::uint64_t>(e.ctx_total, std::uint64_t{config.parallel} * model.kv.sliding_window +
                                                                config.ubatch);
  }
  e.kv_bytes_per_token = (full_values + sliding_values) * bpv;
  e.kv_bytes = full_values * bpv * static_cast<double>(e.ctx_total) +
               sliding_values * bpv * static_cast<double>(e.sliding_tokens);
  e.weights_bytes = model.weights_bytes;
  const double cached = static_cast<double>(e.ctx_total);
  e.buffer_bytes = kBufferBaseBytes + config.ubatch * cached * 2.0;
  if (!config.flash_attention) e.buffer_bytes += static_cast<double>(model.n_heads) * config.ubatch * cached * 4.0;
  e.total_bytes = e.weights_bytes + e.kv_bytes + e.buffer_bytes;
  return e;
}

std::string llama_server_flags(const InstanceConfig& config) {
  std::string s = fmt::format("-c {} -np {}", config.ctx_total(), config.parallel);
  if (config.kv_type != 1) {
    const std::string k = kv_type_key(config.kv_type);
    s += fmt::format(" -ctk {} -ctv {}", k, k);
  }
  if (!config.flash_attention) s += " -fa off";
  return s;
}

}  // namespace hakari::planner
