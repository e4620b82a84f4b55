// vLLM's /metrics: the Prometheus text that prometheus_client writes for vLLM's V1 engine,
// every series labelled {model_name="…",engine="0"}. Scheduler gauges, KV-cache usage, the
// token counters, successes by finish reason and the per-request histograms (time to first
// token, inter-token latency, end to end, queue, prefill, decode, prompt and generation
// lengths), fed from the simulator's own schedule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::sim::vllm {

struct FinishedRequest {
  double ttft_s = 0;
  double e2e_s = 0;
  double queue_s = 0;    // arrival to scheduled (a slot, the model loaded)
  double prefill_s = 0;  // scheduled to the first token
  double decode_s = 0;   // first token to the last
  std::int64_t prompt_tokens = 0;
  std::int64_t generation_tokens = 0;
  std::string_view finished_reason;  // "stop" | "length" | "abort"
};

struct SchedulerState {
  int running = 0;
  int waiting = 0;
  double kv_cache_usage = 0;  // 0..1
  std::int64_t num_gpu_blocks = 0;  // cache_config_info
};

class Metrics {
 public:
  // Token-count histograms get 1-2-5 buckets up to the context length, as vLLM builds them.
  explicit Metrics(std::int64_t max_model_len);

  void observe_inter_token(double seconds);
  void observe_finished(const FinishedRequest& r);
  void render(std::string& out, std::string_view model_name, const SchedulerState& s) const;

 private:
  struct Histogram {
    std::vector<double> bounds;          // upper bounds, ascending; +Inf implied
    std::vector<std::uint64_t> counts;   // per bucket (not cumulative)
    double sum = 0;
    std::uint64_t count = 0;
    void observe(double v);
  };

  std::int64_t prompt_tokens_ = 0;
  std::int64_t generation_tokens_ = 0;
  std::uint64_t success_stop_ = 0;
  std::uint64_t success_length_ = 0;
  std::uint64_t success_abort_ = 0;
  Histogram ttft_, itl_, e2e_, queue_, prefill_, decode_, prompt_len_, generation_len_;
};

// A float as Python's repr() writes it, which is how prometheus_client prints values:
// "0.0", "12.0", "0.042", "1e-05", "1.5e+16".
std::string python_float(double v);

}  // namespace hakari::sim::vllm
