// The Prometheus text parser: real and composed server answers read exactly, every
// syntax corner, malformed lines skipped and counted, and the limits.
#include "hakari/telemetry/server/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace hakari::telemetry::prometheus {
namespace {

std::string read_data(const std::string& relative) {
  std::ifstream in(std::string(HAKARI_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Prometheus, LlamaCppCaptureReadsExactly) {
  const Exposition e = parse(read_data("llama-server/metrics.prom"));
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  EXPECT_FALSE(e.refused);
  EXPECT_FALSE(e.truncated);
  EXPECT_EQ(e.samples.size(), 10u);
  EXPECT_EQ(e.families.size(), 10u);
  EXPECT_EQ(e.lines, 30u);
  EXPECT_EQ(e.sum("llamacpp:prompt_tokens_total"), 66.0);
  EXPECT_EQ(e.sum("llamacpp:prompt_seconds_total"), 0.042);
  EXPECT_EQ(e.sum("llamacpp:tokens_predicted_total"), 36.0);
  EXPECT_EQ(e.sum("llamacpp:tokens_predicted_seconds_total"), 0.158);
  EXPECT_EQ(e.sum("llamacpp:prompt_tokens_seconds"), 1571.43);
  EXPECT_EQ(e.sum("llamacpp:predicted_tokens_seconds"), 227.848);
  EXPECT_EQ(e.sum("llamacpp:requests_processing"), 0.0);  // present, and zero
  EXPECT_EQ(e.sum("llamacpp:requests_deferred"), 0.0);
  EXPECT_FALSE(e.sum("llamacpp:kv_cache_usage_ratio"));  // gone in newer builds
  EXPECT_TRUE(e.has_prefix("llamacpp:"));
  EXPECT_FALSE(e.has_prefix("vllm:"));
  ASSERT_NE(e.family("llamacpp:prompt_tokens_total"), nullptr);
  EXPECT_EQ(e.family("llamacpp:prompt_tokens_total")->help, "Number of prompt tokens processed.");
  EXPECT_EQ(e.type_of("llamacpp:prompt_tokens_total"), MetricType::counter);
  EXPECT_EQ(e.type_of("llamacpp:requests_processing"), MetricType::gauge);
  EXPECT_EQ(e.samples[0].name, "llamacpp:prompt_tokens_total");
  EXPECT_TRUE(e.samples[0].labels.empty());
  EXPECT_FALSE(e.samples[0].timestamp_ms);
}

TEST(Prometheus, VllmFixtureReadsExactly) {
  const Exposition e = parse(read_data("telemetry/server/vllm-metrics.prom"));
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  EXPECT_EQ(e.samples.size(), 89u);
  EXPECT_EQ(e.families.size(), 20u);
  // Gauges per engine, summed over label sets; the ratio averaged.
  EXPECT_EQ(e.count("vllm:num_requests_running"), 2u);
  EXPECT_EQ(e.sum("vllm:num_requests_running"), 5.0);
  EXPECT_EQ(e.sum("vllm:num_requests_waiting"), 1.0);
  EXPECT_EQ(e.mean("vllm:kv_cache_usage_perc"), 0.375);
  EXPECT_EQ(e.mean("vllm:gpu_cache_usage_perc"), 0.375);
  EXPECT_EQ(e.sum("vllm:num_requests_running", "engine", "1"), 2.0);
  EXPECT_EQ(e.sum("vllm:num_requests_running", "model_name", "Qwen/Qwen3-8B"), 5.0);
  EXPECT_FALSE(e.sum("vllm:num_requests_running", "model_name", "other"));
  EXPECT_EQ(e.sum("vllm:request_success_total", "finished_reason", "stop"), 77.0);
  EXPECT_EQ(e.sum("process_resident_memory_bytes"), 1234567168.0);
  EXPECT_EQ(e.sum("vllm:prompt_tokens_created"), 1754105235.1 + 1754105235.2);

  // Counters: the family is named with _total in the 0.0.4 format; _created is a gauge.
  EXPECT_EQ(e.type_of("vllm:prompt_tokens_total"), MetricType::counter);
  EXPECT_EQ(e.type_of("vllm:prompt_tokens_created"), MetricType::gauge);

  // The histogram: bucket, sum and count series belong to it; +Inf equals _count.
  EXPECT_EQ(e.type_of("vllm:time_to_first_token_seconds_bucket"), MetricType::histogram);
  EXPECT_EQ(e.type_of("vllm:time_to_first_token_seconds_sum"), MetricType::histogram);
  EXPECT_EQ(e.type_of("vllm:time_to_first_token_seconds_count"), MetricType::histogram);
  EXPECT_EQ(e.type_of("vllm:no_such_thing_bucket"), MetricType::untyped);
  EXPECT_EQ(e.type_of("vllm:num_requests_running_bucket"), MetricType::untyped);  // a gauge has no buckets
  EXPECT_EQ(e.count("vllm:time_to_first_token_seconds_bucket"), 46u);
  EXPECT_EQ(e.sum("vllm:time_to_first_token_seconds_count"), 88.0);
  EXPECT_EQ(e.sum("vllm:time_to_first_token_seconds_bucket", "le", "+Inf"), 88.0);
  EXPECT_EQ(e.sum("vllm:time_to_first_token_seconds_bucket", "le", "0.25"), 55.0);
  EXPECT_EQ(e.sum("vllm:time_to_first_token_seconds_sum"), 11.125);

  // Labels as written, including empty values.
  const Sample* info = nullptr;
  for (const Sample& s : e.samples) {
    if (s.name == "vllm:lora_requests_info") info = &s;
  }
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->labels.size(), 3u);
  EXPECT_EQ(info->label("max_lora"), "0");
  EXPECT_EQ(info->label("running_lora_adapters"), "");
  EXPECT_FALSE(info->label("absent"));
  EXPECT_EQ(info->value, 1754105300.0);
  ASSERT_NE(e.family("vllm:gpu_cache_usage_perc"), nullptr);
  EXPECT_EQ(e.family("vllm:gpu_cache_usage_perc")->type, MetricType::gauge);
}

TEST(Prometheus, DeprecatedVllmFixture) {
  const Exposition e = parse(read_data("telemetry/server/vllm-metrics-deprecated.prom"));
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  EXPECT_FALSE(e.has("vllm:kv_cache_usage_perc"));
  EXPECT_EQ(e.mean("vllm:gpu_cache_usage_perc"), 0.0625);
  EXPECT_EQ(e.sum("vllm:num_requests_running"), 4.0);
  EXPECT_EQ(e.sum("vllm:num_requests_waiting"), 2.0);
}

// Real output of the Python client vLLM uses, escapes written by the client itself.
TEST(Prometheus, PythonClientOutput) {
  const Exposition e = parse(read_data("telemetry/server/prometheus-client-0.16.prom"));
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  EXPECT_EQ(e.samples.size(), 16u);
  EXPECT_EQ(e.sum("vllm:num_requests_running"), 5.0);
  ASSERT_GE(e.samples.size(), 2u);
  EXPECT_EQ(e.samples[1].label("model_name"), "we\"ird\\name\nx");
  EXPECT_EQ(e.samples[1].label("engine"), "1");
  EXPECT_EQ(e.sum("vllm:prompt_tokens_total"), 24576.0);
  EXPECT_EQ(e.type_of("vllm:prompt_tokens_total"), MetricType::counter);
  EXPECT_EQ(e.type_of("vllm:time_to_first_token_seconds_bucket"), MetricType::histogram);
  EXPECT_EQ(e.sum("vllm:time_to_first_token_seconds_bucket", "le", "+Inf"), 3.0);
  EXPECT_EQ(e.sum("vllm:time_to_first_token_seconds_sum"), 5.55);
  EXPECT_EQ(e.type_of("req_latency_count"), MetricType::summary);
  EXPECT_EQ(e.sum("req_latency_sum"), 1.5);
  ASSERT_NE(e.family("req_latency"), nullptr);
  EXPECT_EQ(e.family("req_latency")->help, "help with \\ backslash and\nnewline");
  EXPECT_EQ(e.sum("vllm:build_info", "version", "0.11.0"), 1.0);
  EXPECT_TRUE(std::isnan(e.sum("nan_gauge").value()));
  EXPECT_EQ(e.sum("inf_gauge"), -INFINITY);
}

TEST(Prometheus, LabelValuesWithEscapes) {
  const Exposition e = parse(
      "m{path=\"C:\\\\dir\\\\\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\",punct=\"x,y}=z {w}\",utf8=\"東京\"} "
      "1\n");
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  ASSERT_EQ(e.samples.size(), 1u);
  const Sample& s = e.samples[0];
  ASSERT_EQ(s.labels.size(), 5u);
  EXPECT_EQ(s.label("path"), "C:\\dir\\");
  EXPECT_EQ(s.label("quote"), "say \"hi\"");
  EXPECT_EQ(s.label("nl"), "a\nb");
  EXPECT_EQ(s.label("punct"), "x,y}=z {w}");
  EXPECT_EQ(s.label("utf8"), "東京");
  EXPECT_EQ(s.labels[0].name, "path");
  EXPECT_EQ(s.value, 1.0);
}

TEST(Prometheus, CommentsHelpTypeBlanksAndLineEndings) {
  const Exposition e = parse(
      "#\n"
      "# just a comment\n"
      "#HELP tight no blank after the hash: still a HELP line\n"
      "# HELP m Doc with a backslash \\\\ and a\\nnewline and \\q kept\r\n"
      "# TYPE m gauge\r\n"
      "\n"
      "   \t\n"
      "  m 1\r\n"
      "\tm{a=\"b\"}\t2\n"
      "m_total 3");  // no final newline
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  ASSERT_EQ(e.samples.size(), 3u);
  EXPECT_EQ(e.sum("m"), 3.0);
  EXPECT_EQ(e.sum("m_total"), 3.0);
  ASSERT_NE(e.family("m"), nullptr);
  EXPECT_EQ(e.family("m")->help, "Doc with a backslash \\ and a\nnewline and \\q kept");
  EXPECT_EQ(e.family("m")->type, MetricType::gauge);
  EXPECT_EQ(e.type_of("m_total"), MetricType::untyped);  // a gauge has no _total
  ASSERT_NE(e.family("tight"), nullptr);
  EXPECT_EQ(e.family("tight")->help, "no blank after the hash: still a HELP line");
  EXPECT_EQ(e.family("tight")->type, MetricType::untyped);
}

TEST(Prometheus, SpecialValuesAndTimestamps) {
  const Exposition e = parse(
      "a NaN\n"
      "b +Inf\n"
      "c -Inf\n"
      "d Inf\n"
      "e nan\n"
      "f 1e3\n"
      "g -0.5\n"
      "h +3\n"
      "i .25\n"
      "j 1.5e-3 1712345678901\n"
      "k 7 -5\n"
      "l 2 +12\n"
      "m 1.0000000000000002\n");
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  ASSERT_EQ(e.samples.size(), 13u);
  EXPECT_TRUE(std::isnan(e.samples[0].value));
  EXPECT_EQ(e.samples[1].value, INFINITY);
  EXPECT_EQ(e.samples[2].value, -INFINITY);
  EXPECT_EQ(e.samples[3].value, INFINITY);
  EXPECT_TRUE(std::isnan(e.samples[4].value));
  EXPECT_EQ(e.samples[5].value, 1000.0);
  EXPECT_EQ(e.samples[6].value, -0.5);
  EXPECT_EQ(e.samples[7].value, 3.0);
  EXPECT_EQ(e.samples[8].value, 0.25);
  EXPECT_EQ(e.samples[9].value, 0.0015);
  EXPECT_EQ(e.samples[9].timestamp_ms, 1712345678901);
  EXPECT_EQ(e.samples[10].timestamp_ms, -5);
  EXPECT_EQ(e.samples[11].timestamp_ms, 12);
  EXPECT_EQ(e.samples[12].value, 1.0000000000000002);
  EXPECT_FALSE(e.samples[0].timestamp_ms);
  // NaN propagates through a sum: the caller decides what a NaN reading means.
  EXPECT_TRUE(std::isnan(e.sum("a").value()));
  EXPECT_FALSE(e.sum("zzz"));
  EXPECT_FALSE(e.mean("zzz"));
}

TEST(Prometheus, OddButValidSpacingAndExemplars) {
  const Exposition e = parse(
      "ok{a=\"b\",} 1\n"    // trailing comma
      "ok  {a=\"c\"}  2\n"  // blanks around the label set
      "ok{ a = \"d\" , b=\"e\" } 3\n"
      "ok{} 4\n"
      "ok_bucket{le=\"1\"} 5 # {trace_id=\"abc\"} 0.5 1.6e9\n"
      "ok 6 1000 # exemplar after a timestamp\n"
      "ok 7 #\n");
  EXPECT_EQ(e.malformed_lines, 0u) << e.first_error;
  ASSERT_EQ(e.samples.size(), 7u);
  EXPECT_EQ(e.sum("ok"), 1.0 + 2 + 3 + 4 + 6 + 7);
  EXPECT_EQ(e.samples[2].label("b"), "e");
  EXPECT_EQ(e.samples[4].value, 5.0);
  EXPECT_FALSE(e.samples[4].timestamp_ms);
  EXPECT_EQ(e.samples[5].timestamp_ms, 1000);
}

TEST(Prometheus, MalformedLinesAreSkippedAndCounted) {
  const char* bad[] = {
      "m{a=\"1\" 1",           // unterminated label set
      "m{a=\"1",               // unterminated value
      "m{a=1} 2",              // unquoted value
      "m{a=\"x\\q\"} 1",       // invalid escape
      "m{a=\"1\",a=\"2\"} 1",  // duplicate label
      "m",                     // no value
      "m ",                    // no value
      "m abc",                 // not a number
      "m 1 2 3",               // trailing text
      "m 1 1.5",               // timestamp not an integer
      "9m 1",                  // bad metric name
      "m{1a=\"x\"} 1",         // bad label name
      "m{a=\"x\"}",            // labels but no value
      "m{,} 1",                // empty label entry
      "m{a \"x\"} 1",          // missing '='
      "m{a=\"x\" b=\"y\"} 1",  // missing ','
      "m 1e999",               // out of range
      "m ++1",
      "m +-1",
      "m 0x10",  // hex floats are not taken
      "m=1",     // junk after the name
      "m\x01 1",
      "{a=\"b\"} 1",        // no name (quoted UTF-8 names are not supported)
      "# TYPE m sometype",  // unknown type
      "# TYPE m gauge extra",
      "# TYPE 9bad gauge",
      "# HELP",
      "# TYPE",
  };
  std::string text = "good 1\n";
  for (const char* line : bad) {
    text += line;
    text += "\ngood 1\n";
  }
  text += "# TYPE good gauge\n# TYPE good counter\n# HELP good one\n# HELP good two\n";
  const Exposition e = parse(text);
  const std::size_t n_bad = sizeof bad / sizeof bad[0];
  EXPECT_EQ(e.malformed_lines, n_bad + 2) << e.first_error;  // + the second TYPE and HELP
  EXPECT_EQ(e.sum("good"), static_cast<double>(n_bad + 1));
  EXPECT_EQ(e.count("m"), 0u);
  EXPECT_EQ(e.first_error, "line 2: expected ',' or '}' in label set");
  ASSERT_NE(e.family("good"), nullptr);
  EXPECT_EQ(e.family("good")->type, MetricType::gauge);  // the first TYPE stands
  EXPECT_EQ(e.family("good")->help, "one");
}

TEST(Prometheus, BinaryGarbageNeverCrashes) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919 + 13) % 256);
  junk += std::string("\0m 1\n\0", 6);
  const Exposition e = parse(junk);
  EXPECT_GT(e.malformed_lines, 0u);
  EXPECT_LE(e.malformed_lines + e.samples.size(), e.lines);
  for (const Sample& s : e.samples) EXPECT_FALSE(s.name.empty());
}

TEST(Prometheus, EofEndsTheInput) {
  const Exposition e = parse("a 1\n# EOF\nb 2\n");
  EXPECT_EQ(e.samples.size(), 1u);
  EXPECT_FALSE(e.has("b"));
  const Exposition f = parse("a 1\n# EOF is not alone here\nb 2\n");
  EXPECT_EQ(f.samples.size(), 2u);
}

TEST(Prometheus, SizeLimits) {
  Limits limits;
  limits.max_bytes = 64;
  const Exposition refused = parse(std::string(65, '#'), limits);
  EXPECT_TRUE(refused.refused);
  EXPECT_TRUE(refused.samples.empty());
  EXPECT_EQ(refused.first_error, "input larger than 64 bytes");
  EXPECT_FALSE(parse(std::string(64, '#'), limits).refused);

  limits = Limits{};
  limits.max_line_bytes = 32;
  const Exposition long_line = parse("a 1\nb{x=\"" + std::string(40, 'y') + "\"} 2\nc 3\n", limits);
  EXPECT_EQ(long_line.samples.size(), 2u);
  EXPECT_EQ(long_line.malformed_lines, 1u);
  EXPECT_EQ(long_line.first_error, "line 2: line too long");

  limits = Limits{};
  limits.max_samples = 3;
  const Exposition many = parse("a 1\na 2\na 3\na 4\na 5\n", limits);
  EXPECT_EQ(many.samples.size(), 3u);
  EXPECT_TRUE(many.truncated);
  EXPECT_EQ(many.sum("a"), 6.0);

  limits = Limits{};
  limits.max_labels = 2;
  const Exposition labels = parse("a{x=\"1\",y=\"2\"} 1\na{x=\"1\",y=\"2\",z=\"3\"} 2\n", limits);
  EXPECT_EQ(labels.samples.size(), 1u);
  EXPECT_EQ(labels.malformed_lines, 1u);
  EXPECT_EQ(labels.first_error, "line 2: too many labels");

  limits = Limits{};
  limits.max_families = 2;
  const Exposition families = parse("# TYPE a gauge\n# TYPE b gauge\n# TYPE c gauge\nc 1\n", limits);
  EXPECT_EQ(families.families.size(), 2u);
  EXPECT_EQ(families.family("c"), nullptr);
  EXPECT_EQ(families.sum("c"), 1.0);
  EXPECT_EQ(families.malformed_lines, 0u);
}

TEST(Prometheus, DefaultLimitsTakeAFourMebibyteAnswer) {
  std::string big;
  while (big.size() < (4u << 20) - 64) big += "vllm:num_requests_running{engine=\"0\"} 1\n";
  const Exposition e = parse(big);
  EXPECT_FALSE(e.refused);
  EXPECT_FALSE(e.truncated);
  EXPECT_EQ(e.malformed_lines, 0u);
  EXPECT_EQ(e.sum("vllm:num_requests_running"), static_cast<double>(e.samples.size()));
  EXPECT_TRUE(parse(big + std::string(128, '\n')).refused);
}

}  // namespace
}  // namespace hakari::telemetry::prometheus
