// A parser of the Prometheus text exposition format (version 0.0.4, what llama-server
// and vLLM serve at /metrics), for reading a few gauges out of a server's answer.
//
// Accepted, line by line:
//   # HELP <name> <docstring>     (\\ and \n escapes)
//   # TYPE <name> counter|gauge|histogram|summary|untyped  (and OpenMetrics' info,
//                                 stateset, gaugehistogram, unknown)
//   # anything else               a comment
//   # EOF                         (OpenMetrics) ends the input
//   name[{label="value",...}] value [timestamp_ms] [# exemplar]
// Names are [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, label values
// may hold \\ \" \n escapes, a trailing comma is allowed, values may be NaN, +Inf, -Inf
// (any case) or any decimal float, timestamps are integer milliseconds. Histogram and
// summary series (name_bucket{le=".."}, name_sum, name_count, name{quantile=".."}) are
// plain samples; type_of() says which family a sample belongs to.
//
// The input is untrusted: lines that do not parse are skipped and counted, never fatal;
// input, line length, samples, labels and families are all bounded (Limits), and the
// parser never reads past the text it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hakari::telemetry::prometheus {

struct Label {
  std::string name;
  std::string value;  // unescaped
};

struct Sample {
  std::string name;  // as written: "vllm:e2e_request_latency_seconds_bucket"
  std::vector<Label> labels;
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;

  // The value of label `label_name`, if the sample has it.
  std::optional<std::string_view> label(std::string_view label_name) const;
};

enum class MetricType { untyped, counter, gauge, histogram, summary, info, stateset, gaugehistogram };

std::string_view metric_type_name(MetricType t);

struct Family {
  std::string name;
  MetricType type = MetricType::untyped;
  std::string help;  // unescaped
};

struct Limits {
  std::size_t max_bytes = 4u << 20;        // larger input is refused whole
  std::size_t max_line_bytes = 64u << 10;  // a longer line is malformed
  std::size_t max_samples = 200'000;       // parsing stops here (truncated)
  std::size_t max_labels = 64;             // per sample; more is malformed
  std::size_t max_families = 50'000;       // further HELP/TYPE lines are ignored
};

class Exposition {
 public:
  std::vector<Sample> samples;   // in input order
  std::vector<Family> families;  // from HELP/TYPE lines, in order of first mention
  std::size_t lines = 0;         // lines looked at
  std::size_t malformed_lines = 0;
  std::string first_error;  // "line 7: expected '=' after label name", or empty
  bool refused = false;     // input over Limits::max_bytes: nothing was parsed
  bool truncated = false;   // stopped at Limits::max_samples

  // Sum of every sample whose name is exactly `name`, whatever its labels (e.g. one
  // gauge per model_name or engine); nullopt when there is none. NaN propagates.
  std::optional<double> sum(std::string_view name) const;
  // The same, over samples that also carry label `label` = `value`.
  std::optional<double> sum(std::string_view name, std::string_view label, std::string_view value) const;
  // Mean over every sample named `name` (for ratios such as KV-cache usage per engine).
  std::optional<double> mean(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  bool has(std::string_view name) const { return count(name) > 0; }
  // Whether any sample name starts with `prefix` ("vllm:", "llamacpp:").
  bool has_prefix(std::string_view prefix) const;

  const Family* family(std::string_view name) const;
  // The family a sample name belongs to, resolving the _bucket/_sum/_count (histogram,
  // summary), _total/_created (counter) and _info suffixes; untyped when none is declared.
  MetricType type_of(std::string_view sample_name) const;

 private:
  friend Exposition parse(std::string_view text, const Limits& limits);
  std::unordered_map<std::string, std::size_t> family_index_;
};

Exposition parse(std::string_view text, const Limits& limits = {});

}  // namespace hakari::telemetry::prometheus
