#include "hakari/sim/engine.h"

#include "hakari/sim/fixed_engine.h"
#include "hakari/sim/model_engine.h"
#include "hakari/sim/sim_options.h"

namespace hakari::sim {

std::unique_ptr<Engine> make_engine(const SimOptions& opts) {
  if (opts.mode == TimingMode::fixed) {
    FixedTiming t;
    t.ttft = from_ms(opts.ttft_ms);
    t.itl = from_ms(opts.itl_ms);
    t.slots = effective_slots(opts);
    t.jitter_pct = opts.jitter_pct;
    t.seed = opts.seed;
    return std::make_unique<FixedEngine>(t);
  }
  ModelTiming t;
  t.weights_bytes = opts.weights_gb * 1e9;
  t.bandwidth_bytes_per_s = opts.bandwidth_gbs * 1e9;
  t.kv_bytes_per_token = opts.kv_bytes_per_token;
  t.prefill_tps = opts.prefill_tps;
  t.batch_tokens = opts.batch_tokens;
  t.step_overhead = from_ms(opts.step_overhead_ms);
  t.slots = effective_slots(opts);
  t.jitter_pct = opts.jitter_pct;
  t.seed = opts.seed;
  return std::make_unique<ModelEngine>(t);
}

}  // namespace hakari::sim
