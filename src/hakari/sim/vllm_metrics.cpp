#include "hakari/sim/vllm_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hakari::sim::vllm {
namespace {

// vLLM's bucket bounds (vllm/v1/metrics/loggers.py).
const std::vector<double> kTtftBuckets = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
                                          1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
const std::vector<double> kItlBuckets = {0.01, 0.025, 0.05, 0.075, 0.1,  0.15, 0.2,  0.3,  0.4, 0.5,
                                         0.75, 1.0,   2.5,  5.0,   7.5,  10.0, 20.0, 40.0, 80.0};
const std::vector<double> kRequestBuckets = {0.3,  0.5,  0.8,  1.0,   1.5,   2.0,   2.5,   5.0,    10.0,   15.0,  20.0,
                                             30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

std::vector<double> one_two_five(std::int64_t max_value) {
  std::vector<double> out;
  for (std::int64_t scale = 1; scale <= max_value && scale < (std::int64_t{1} << 60); scale *= 10) {
    for (std::int64_t m : {1, 2, 5}) {
      if (m * scale > max_value) return out;
      out.push_back(static_cast<double>(m * scale));
    }
  }
  return out;
}

// prometheus_client's floatToGoString: Python's repr, but exponents from 1e6 on, as Go.
std::string go_float(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::string s = python_float(v);
  const std::size_t dot = s.find('.');
  if (v > 0 && dot != std::string::npos && dot > 6 && s.find('e') == std::string::npos) {
    std::string mantissa = s.substr(0, 1) + "." + s.substr(1, dot - 1) + s.substr(dot + 1);
    while (!mantissa.empty() && (mantissa.back() == '0' || mantissa.back() == '.')) mantissa.pop_back();
    return mantissa + "e+0" + std::to_string(dot - 1);
  }
  return s;
}

class Writer {
 public:
  Writer(std::string& out, std::string_view model) : out_(out), labels_("model_name=\"") {
    labels_ += model;  // served model names are plain; quotes and backslashes are not escaped
    labels_ += "\",engine=\"0\"";
  }

  void family(std::string_view name, std::string_view help, std::string_view type) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(std::string_view name, double value, std::string_view extra_labels = {}) {
    out_ += name;
    out_ += '{';
    out_ += labels_;
    out_ += extra_labels;
    out_ += "} ";
    out_ += python_float(value);
    out_ += '\n';
  }

  void gauge(std::string_view name, std::string_view help, double value) {
    family(name, help, "gauge");
    sample(name, value);
  }

  void counter(std::string_view name, std::string_view help, double value) {
    family(name, help, "counter");
    sample(name, value);
  }

  template <typename H>
  void histogram(std::string_view name, std::string_view help, const H& h) {
    family(name, help, "histogram");
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
      cumulative += h.counts[i];
      const double bound = i < h.bounds.size() ? h.bounds[i] : INFINITY;
      sample(bucket, static_cast<double>(cumulative), ",le=\"" + go_float(bound) + "\"");
    }
    sample(std::string(name) + "_count", static_cast<double>(h.count));
    sample(std::string(name) + "_sum", h.sum);
  }

 private:
  std::string& out_;
  std::string labels_;
};

}  // namespace

std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then laid out as repr does: positional for exponents in
  // [-4, 16), scientific (at least two exponent digits) otherwise.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  const std::size_t e = sci.find('e');
  const bool negative = sci.front() == '-';
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c >= '0' && c <= '9') digits += c;
  }
  const int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
  }
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent - 1), '0');
    return out + digits;
  }
  const std::size_t int_digits = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= int_digits) {
    digits.append(int_digits - digits.size(), '0');
    return out + digits + ".0";
  }
  return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

void Metrics::Histogram::observe(double v) {
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), v);  // le: v <= bound
  ++counts[static_cast<std::size_t>(it - bounds.begin())];
  sum += v;
  ++count;
}

Metrics::Metrics(std::int64_t max_model_len) {
  const std::vector<double> lengths = one_two_five(max_model_len);
  auto init = [](Histogram& h, const std::vector<double>& bounds) {
    h.bounds = bounds;
    h.counts.assign(bounds.size() + 1, 0);
  };
  init(ttft_, kTtftBuckets);
  init(itl_, kItlBuckets);
  for (Histogram* h : {&e2e_, &queue_, &prefill_, &decode_}) init(*h, kRequestBuckets);
  init(prompt_len_, lengths);
  init(generation_len_, lengths);
}

void Metrics::observe_inter_token(double seconds) { itl_.observe(seconds); }

void Metrics::observe_finished(const FinishedRequest& r) {
  prompt_tokens_ += r.prompt_tokens;
  generation_tokens_ += r.generation_tokens;
  if (r.finished_reason == "stop") {
    ++success_stop_;
  } else if (r.finished_reason == "length") {
    ++success_length_;
  } else {
    ++success_abort_;
  }
  ttft_.observe(r.ttft_s);
  e2e_.observe(r.e2e_s);
  queue_.observe(r.queue_s);
  prefill_.observe(r.prefill_s);
  decode_.observe(r.decode_s);
  prompt_len_.observe(static_cast<double>(r.prompt_tokens));
  generation_len_.observe(static_cast<double>(r.generation_tokens));
}

void Metrics::render(std::string& out, std::string_view model_name, const SchedulerState& s) const {
  Writer w(out, model_name);
  w.gauge("vllm:num_requests_running", "Number of requests in model execution batches.", s.running);
  w.gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", s.waiting);
  w.gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", s.kv_cache_usage);
  w.counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.",
            static_cast<double>(prompt_tokens_));
  w.counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", 0);
  w.counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", static_cast<double>(prompt_tokens_));
  w.counter("vllm:generation_tokens_total", "Number of generation tokens processed.",
            static_cast<double>(generation_tokens_));
  w.family("vllm:request_success_total", "Count of successfully processed requests.", "counter");
  w.sample("vllm:request_success_total", static_cast<double>(success_stop_), ",finished_reason=\"stop\"");
  w.sample("vllm:request_success_total", static_cast<double>(success_length_), ",finished_reason=\"length\"");
  w.sample("vllm:request_success_total", static_cast<double>(success_abort_), ",finished_reason=\"abort\"");
  w.histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", prompt_len_);
  w.histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", generation_len_);
  w.histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttft_);
  w.histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", itl_);
  w.histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e2e_);
  w.histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", queue_);
  w.histogram("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.",
              prefill_);
  w.histogram("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", decode_);
  w.family("vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
  out += "vllm:cache_config_info{block_size=\"16\",cache_dtype=\"auto\",enable_prefix_caching=\"True\","
         "gpu_memory_utilization=\"0.9\",num_gpu_blocks=\"" +
         std::to_string(s.num_gpu_blocks) + "\",engine=\"0\"} 1.0\n";
}

}  // namespace hakari::sim::vllm
