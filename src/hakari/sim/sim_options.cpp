#include "hakari/sim/sim_options.h"

#include <cmath>

namespace hakari::sim {

int effective_slots(const SimOptions& opts) {
  if (opts.slots >= 0) return opts.slots;
  return opts.mode == TimingMode::fixed ? 0 : 4;
}

std::string validate(const SimOptions& opts) {
  auto finite_non_negative = [](double v) { return std::isfinite(v) && v >= 0; };
  auto finite_positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (!finite_non_negative(opts.ttft_ms) || !finite_non_negative(opts.itl_ms)) {
    return "--ttft-ms and --itl-ms must be >= 0";
  }
  if (!finite_non_negative(opts.weights_gb) || !finite_positive(opts.bandwidth_gbs) ||
      !finite_non_negative(opts.kv_bytes_per_token) || !finite_positive(opts.prefill_tps) ||
      !finite_non_negative(opts.step_overhead_ms)) {
    return "hardware model parameters must be >= 0 (bandwidth and prefill rate > 0)";
  }
  if (opts.batch_tokens < 1) return "--batch-tokens must be >= 1";
  if (opts.mode == TimingMode::model && effective_slots(opts) < 1) {
    return "--slots must be >= 1 with the hardware model (0 = unlimited is for fixed timing)";
  }
  if (opts.ctx_size < 1) return "--ctx-size must be >= 1";
  if (!std::isfinite(opts.jitter_pct) || opts.jitter_pct < 0 || opts.jitter_pct > 100) {
    return "--jitter-pct must be in [0, 100]";
  }
  if (opts.answer_tokens < 1) return "--answer-tokens must be >= 1";
  if (opts.model_name.empty()) return "--model-name must not be empty";
  if (!finite_non_negative(opts.stall_ms) || !finite_non_negative(opts.load_ms)) {
    return "--stall-ms and --load-ms must be >= 0";
  }
  if (!finite_positive(opts.idle_timeout_ms)) return "the idle timeout must be > 0";
  std::string error;
  if (!FaultPlan::build(opts.faults, error)) return error;
  return {};
}

}  // namespace hakari::sim
