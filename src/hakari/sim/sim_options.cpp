#include "hakari/sim/sim_options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "hakari/catalog/hardware.h"
#include "hakari/planner/gguf.h"
#include "hakari/planner/model_spec.h"
#include "hakari/planner/roofline.h"

namespace hakari::sim {

int effective_slots(const SimOptions& opts) {
  if (opts.slots >= 0) return opts.slots;
  return opts.mode == TimingMode::fixed ? 0 : 4;
}

bool closes_after_stream(const SimOptions& opts) {
  return opts.close_after_stream.value_or(opts.persona == Persona::llamacpp);
}

void apply_timing_source(SimOptions& opts, const TimingSource& source, const ExplicitFlags& given) {
  if (!given.weights_gb && source.weights_gb > 0) opts.weights_gb = source.weights_gb;
  if (!given.kv_bytes_per_token && source.kv_bytes_per_token > 0) opts.kv_bytes_per_token = source.kv_bytes_per_token;
  if (!given.bandwidth_gbs && source.bandwidth_gbs > 0) opts.bandwidth_gbs = source.bandwidth_gbs;
  if (!given.prefill_tps && source.prefill_tps > 0) opts.prefill_tps = source.prefill_tps;
  if (!given.model_name && !source.model_name.empty()) opts.model_name = source.model_name;
  // Explicit --weights-gb describes another model than the source's file: drop its size.
  if (!given.weights_gb) {
    opts.model_size_bytes = source.model_size_bytes;
    opts.model_params = source.model_params;
  }
  opts.timing_source = source.description;
}

std::string apply_model_source(SimOptions& opts, const ModelSource& src, const ExplicitFlags& given) {
  if (src.model.empty() && src.gguf.empty() && src.hardware.empty()) return {};
  if (!src.model.empty() && !src.gguf.empty()) return "--model and --gguf are alternatives: give one";
  const std::string hw_key = src.hardware.empty() ? "evo-x2" : src.hardware;
  const catalog::HardwareProfile* hw = catalog::find_hardware(hw_key);
  if (!hw) return "--hardware: unknown hardware '" + hw_key + "' (choices: " + catalog::hardware_keys() + ")";
  TimingSource source;
  source.bandwidth_gbs = hw->practical_bandwidth_gbs();
  source.description = "bandwidth of " + std::string(hw->key);
  if (!src.model.empty() || !src.gguf.empty()) {
    const std::string text = src.model.empty() ? src.gguf : src.model;
    try {
      const planner::ModelSpec spec = planner::parse_model_spec(text, planner::InstanceConfig{});
      if (!src.model.empty() && spec.gguf) return "--model takes KEY:QUANT; give a file with --gguf";
      if (!src.gguf.empty() && !spec.gguf) return "--gguf takes a .gguf file; '" + src.gguf + "' is not one";
      const bool has_options =
          spec.gguf ? text.size() > spec.path.size() : std::count(text.begin(), text.end(), ':') > 1;
      if (has_options) {
        return "'" + text + "': options (ctx=, parallel=, kv=) are for hakari plan; use --ctx-size and --slots";
      }
      const planner::SimTiming t = planner::sim_timing(planner::resolve_model(spec), *hw);
      source.weights_gb = t.weights_bytes / 1e9;
      source.kv_bytes_per_token = t.kv_bytes_per_token;
      source.prefill_tps = t.prefill_tps;
      source.model_size_bytes = t.model_size_bytes;
      source.model_params = static_cast<std::int64_t>(t.params);
      source.model_name = t.model_name;
      char why[160];
      std::snprintf(why, sizeof why, " on %s (prefill at %.0f%% of %g FP16 TFLOPS)", std::string(hw->key).c_str(),
                    planner::kPrefillEfficiency * 100, hw->fp16_tflops);
      source.description = text + why;
    } catch (const planner::SpecError& e) {
      return e.what();
    } catch (const planner::GgufError& e) {
      return e.what();
    }
  }
  apply_timing_source(opts, source, given);
  return {};
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
  if (!finite_non_negative(opts.model_size_bytes) || opts.model_params < 0) {
    return "the model size and parameter count must be >= 0";
  }
  if (!finite_non_negative(opts.stall_ms) || !finite_non_negative(opts.load_ms)) {
    return "--stall-ms and --load-ms must be >= 0";
  }
  if (!finite_positive(opts.idle_timeout_ms)) return "the idle timeout must be > 0";
  std::string error;
  if (!FaultPlan::build(opts.faults, error)) return error;
  return {};
}

}  // namespace hakari::sim
