#include "hakari/planner/plan.h"

#include <cmath>

#include <fmt/format.h>

namespace hakari::planner {

std::string format_gb(double bytes) {
  if (std::fabs(bytes) < 1e4) return fmt::format("{:.0f} bytes", bytes);
  if (std::fabs(bytes) < 1e7) return fmt::format("{:.3g} MB", bytes / 1e6);
  const double gb = bytes / kGB;
  const double mag = std::fabs(gb);
  std::string s;
  if (mag >= 100) {
    s = fmt::format("{:.0f}", gb);
  } else if (mag >= 10) {
    s = fmt::format("{:.1f}", gb);
  } else {
    s = fmt::format("{:.2f}", gb);
  }
  // "96.0" -> "96", "4.20" -> "4.2"
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s + " GB";
}

std::string describe_models(const std::vector<PlanItem>& items) {
  std::vector<std::pair<std::string, int>> groups;
  for (const PlanItem& item : items) {
    const std::string name = item.model.quant.empty() ? item.model.label
                                                      : fmt::format("{} at {}", item.model.label, item.model.quant);
    bool found = false;
    for (auto& [n, count] : groups) {
      if (n == name) {
        ++count;
        found = true;
      }
    }
    if (!found) groups.emplace_back(name, 1);
  }
  std::string out;
  for (std::size_t k = 0; k < groups.size(); ++k) {
    if (k > 0) out += k + 1 == groups.size() ? " and " : ", ";
    if (groups[k].second > 1) out += fmt::format("{} × ", groups[k].second);
    out += groups[k].first;
  }
  return out;
}

Plan make_plan(std::vector<std::pair<ModelSpec, ModelFacts>> models, const PlanRequest& request) {
  Plan plan;
  plan.hardware = request.hardware;
  plan.depth = request.depth;
  for (auto& [spec, facts] : models) {
    PlanItem item{std::move(spec), std::move(facts), {}, {}, {}, {}};
    item.memory = estimate_memory(item.model, item.spec.config);
    if (request.hardware) {
      item.decode = decode_ceiling(item.model, *request.hardware, request.depth, item.spec.config.kv_type);
      item.decode_full =
          decode_ceiling(item.model, *request.hardware, item.spec.config.ctx_per_slot, item.spec.config.kv_type);
      item.prefill = prefill_ceiling(item.model, *request.hardware);
    }
    plan.weights_bytes += item.memory.weights_bytes;
    plan.kv_bytes += item.memory.kv_bytes;
    plan.buffer_bytes += item.memory.buffer_bytes;
    plan.total_bytes += item.memory.total_bytes;
    plan.items.push_back(std::move(item));
  }

  if (request.budget_gb) {
    PlanBudget b;
    b.budget_bytes = *request.budget_gb * kGB;
    b.os_reserve_bytes = request.os_reserve_gb.value_or(0) * kGB;
    b.basis = fmt::format("--budget-gb {}", *request.budget_gb);
    if (request.os_reserve_gb) b.reserve_basis = fmt::format("--os-reserve-gb {}", *request.os_reserve_gb);
    plan.budget = b;
  } else if (request.hardware) {
    PlanBudget b;
    b.budget_bytes = request.hardware->memory_gb * kGB;
    b.os_reserve_bytes = request.os_reserve_gb ? *request.os_reserve_gb * kGB
                                               : (request.hardware->unified_memory ? kDefaultOsReserveBytes : 0);
    b.basis = fmt::format("{} profile: {} GB", request.hardware->key, request.hardware->memory_gb);
    b.reserve_basis = request.os_reserve_gb ? fmt::format("--os-reserve-gb {}", *request.os_reserve_gb)
                                            : "4 GiB default on unified memory (--os-reserve-gb)";
    plan.budget = b;
  }

  const std::string who = describe_models(plan.items);
  const bool one = plan.items.size() == 1;
  const char* need = one ? "needs" : "need";
  if (!plan.budget) {
    plan.verdict = fmt::format("{} {} {} in all; give --budget-gb or --hardware to check the fit.", who, need,
                               format_gb(plan.total_bytes));
    return plan;
  }
  PlanBudget& b = *plan.budget;
  b.usable_bytes = b.budget_bytes - b.os_reserve_bytes;
  plan.headroom_bytes = b.usable_bytes - plan.total_bytes;
  plan.fits = *plan.headroom_bytes >= 0;
  const std::string budget_text =
      b.os_reserve_bytes > 0 ? fmt::format("{} ({} less a {} OS reserve)", format_gb(b.usable_bytes),
                                           format_gb(b.budget_bytes), format_gb(b.os_reserve_bytes))
                             : format_gb(b.usable_bytes);
  if (*plan.fits) {
    plan.verdict = fmt::format("{} {}: {} of {}, {} to spare.", who, one ? "fits" : "fit",
                               format_gb(plan.total_bytes), budget_text, format_gb(*plan.headroom_bytes));
  } else if (plan.weights_bytes > b.usable_bytes) {
    plan.verdict = fmt::format("{} {} {} of weights alone; the budget is {}.", who, need,
                               format_gb(plan.weights_bytes), budget_text);
  } else {
    plan.verdict = fmt::format("{} {} {} ({} weights, {} KV cache, {} buffers); the budget is {}, {} short.", who,
                               need, format_gb(plan.total_bytes), format_gb(plan.weights_bytes), format_gb(plan.kv_bytes),
                               format_gb(plan.buffer_bytes), budget_text, format_gb(-*plan.headroom_bytes));
  }
  return plan;
}

}  // namespace hakari::planner
