// A memory plan for a set of model instances: each one's weights, KV cache and buffers,
// their sum against a budget, and (given a hardware profile) each one's speed ceilings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hakari/catalog/hardware.h"
#include "hakari/planner/memory_estimate.h"
#include "hakari/planner/model_facts.h"
#include "hakari/planner/model_spec.h"
#include "hakari/planner/roofline.h"

namespace hakari::planner {

// Left to the OS on a unified-memory machine when the budget comes from the profile
// (hardware.md §4: leave at least 4-8 GiB on a 128 GB Strix Halo).
inline constexpr double kDefaultOsReserveBytes = 4 * kGiB;

struct PlanRequest {
  std::optional<double> budget_gb;      // --budget-gb: memory the models may use
  std::optional<double> os_reserve_gb;  // --os-reserve-gb
  const catalog::HardwareProfile* hardware = nullptr;
  std::uint64_t depth = 0;              // context depth for the decode ceiling
};

struct PlanItem {
  ModelSpec spec;
  ModelFacts model;
  MemoryEstimate memory;
  std::optional<DecodeCeiling> decode;           // at PlanRequest::depth
  std::optional<DecodeCeiling> decode_full;      // with a full slot (depth = ctx_per_slot)
  std::optional<PrefillCeiling> prefill;
};

struct PlanBudget {
  double budget_bytes = 0;
  double os_reserve_bytes = 0;
  double usable_bytes = 0;  // budget - reserve
  std::string basis;        // "--budget-gb 96", "evo-x2 profile: 128 GB"
  std::string reserve_basis;  // "--os-reserve-gb 2", "default on unified memory (--os-reserve-gb)"
};

struct Plan {
  std::vector<PlanItem> items;
  double weights_bytes = 0;
  double kv_bytes = 0;
  double buffer_bytes = 0;
  double total_bytes = 0;
  std::optional<PlanBudget> budget;
  std::optional<double> headroom_bytes;  // usable - total
  std::optional<bool> fits;
  std::string verdict;                   // one plain sentence
  const catalog::HardwareProfile* hardware = nullptr;
  std::uint64_t depth = 0;
};

Plan make_plan(std::vector<std::pair<ModelSpec, ModelFacts>> models, const PlanRequest& request);

// "2 × Llama-3.3-70B at F16 and Qwen3-32B at Q4_K_M", in order of first appearance.
std::string describe_models(const std::vector<PlanItem>& items);

// "282 GB", "96 GB", "19.8 GB", "4.29 GB": three significant figures, no exponent.
std::string format_gb(double bytes);

}  // namespace hakari::planner
