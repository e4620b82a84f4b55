#include "hakari/planner/model_facts.h"

namespace hakari::planner {

std::uint64_t KvLayout::values_per_token(bool sliding_layers) const {
  std::uint64_t total = 0;
  for (const KvLayer& l : layers) {
    if (l.sliding == sliding_layers) {
      total += static_cast<std::uint64_t>(l.kv_heads) * (static_cast<std::uint64_t>(l.k_dim) + l.v_dim);
    }
  }
  return total;
}

KvLayout KvLayout::uniform(std::uint32_t n_layers, std::uint32_t kv_heads, std::uint32_t head_dim) {
  KvLayout k;
  k.layers.assign(n_layers, KvLayer{kv_heads, head_dim, head_dim, false});
  return k;
}

}  // namespace hakari::planner
