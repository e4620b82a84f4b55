#include "hakari/sim/render_common.h"

#include "hakari/sim/json_format.h"

namespace hakari::sim {
namespace {

void write_candidate_fields(JsonWriter& w, const TokenCandidate& c) {
  w.field("id", c.id).field("token", c.text);
  w.key("bytes").begin_array();
  for (char ch : c.text) w.value(static_cast<unsigned>(static_cast<unsigned char>(ch)));
  w.end_array();
  float_field(w, "logprob", c.logprob);
}

}  // namespace

void write_usage(JsonWriter& w, const Usage& u) {
  w.key("usage").begin_object();
  w.field("completion_tokens", u.completion_tokens);
  w.field("prompt_tokens", u.prompt_tokens);
  w.field("total_tokens", u.completion_tokens + u.prompt_tokens);
  w.end_object();
}

void write_timings(JsonWriter& w, const Timings& t) {
  auto per_token = [](double ms, std::int64_t n) { return n > 0 ? ms / static_cast<double>(n) : 0.0; };
  auto per_second = [](double ms, std::int64_t n) { return ms > 0 ? 1e3 * static_cast<double>(n) / ms : 0.0; };
  w.key("timings").begin_object();
  w.field("prompt_n", t.prompt_n);
  float_field(w, "prompt_ms", t.prompt_ms);
  float_field(w, "prompt_per_token_ms", per_token(t.prompt_ms, t.prompt_n));
  float_field(w, "prompt_per_second", per_second(t.prompt_ms, t.prompt_n));
  w.field("predicted_n", t.predicted_n);
  float_field(w, "predicted_ms", t.predicted_ms);
  float_field(w, "predicted_per_token_ms", per_token(t.predicted_ms, t.predicted_n));
  float_field(w, "predicted_per_second", per_second(t.predicted_ms, t.predicted_n));
  w.end_object();
}

void append_token_probs(std::string& out, std::span<const TokenCandidate> top) {
  if (top.empty()) return;
  JsonWriter w(out);
  w.begin_object();
  write_candidate_fields(w, top[0]);
  w.key("top_logprobs").begin_array();
  for (const TokenCandidate& c : top) {
    w.begin_object();
    write_candidate_fields(w, c);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace hakari::sim
