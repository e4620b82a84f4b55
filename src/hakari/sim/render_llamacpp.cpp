#include "hakari/sim/render_llamacpp.h"

#include <algorithm>
#include <cstdio>

#include "hakari/sim/json_format.h"

namespace hakari::sim::llamacpp {
namespace {

// llama.cpp's ChatML-style default template, as /props shows it.
constexpr std::string_view kChatTemplate =
    "{%- for message in messages -%}\n"
    "  {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "  {{- '<|im_start|>assistant\n' -}}\n"
    "{%- endif -%}";

constexpr std::int64_t kUnsetSeed = 4294967295;  // LLAMA_DEFAULT_SEED as llama.cpp prints it

void write_string_array(JsonWriter& w, std::string_view key, std::span<const std::string_view> items) {
  w.key(key).begin_array();
  for (std::string_view s : items) w.value(s);
  w.end_array();
}

void write_params(JsonWriter& w, const GenParams& p) {
  static constexpr std::string_view kBreakers[] = {"\n", ":", "\"", "*"};
  static constexpr std::string_view kSamplers[] = {"penalties", "dry", "top_n_sigma", "top_k", "typ_p",
                                                   "top_p", "min_p", "xtc", "temperature"};
  w.field("n_predict", p.n_predict);
  w.field("seed", p.seed.value_or(kUnsetSeed));
  float_field(w, "temperature", as_c_float(p.temperature.value_or(0.8)));
  float_field(w, "dynatemp_range", 0.0);
  float_field(w, "dynatemp_exponent", 1.0);
  w.field("top_k", 40);
  float_field(w, "top_p", as_c_float(0.95));
  float_field(w, "min_p", as_c_float(0.05));
  float_field(w, "top_n_sigma", -1.0);
  float_field(w, "xtc_probability", 0.0);
  float_field(w, "xtc_threshold", as_c_float(0.1));
  float_field(w, "typical_p", 1.0);
  w.field("repeat_last_n", 64);
  float_field(w, "repeat_penalty", 1.0);
  float_field(w, "presence_penalty", 0.0);
  float_field(w, "frequency_penalty", 0.0);
  float_field(w, "dry_multiplier", 0.0);
  float_field(w, "dry_base", 1.75);
  w.field("dry_allowed_length", 2);
  w.field("dry_penalty_last_n", 4096);
  write_string_array(w, "dry_sequence_breakers", kBreakers);
  w.field("mirostat", 0);
  float_field(w, "mirostat_tau", 5.0);
  float_field(w, "mirostat_eta", as_c_float(0.1));
  w.key("stop").begin_array().end_array();
  w.field("max_tokens", p.n_predict);
  w.field("n_keep", 0);
  w.field("n_discard", 0);
  w.field("ignore_eos", p.ignore_eos);
  w.field("stream", p.stream);
  // ignore_eos bans EOS through a -inf bias, which JSON can only show as null.
  w.key("logit_bias").begin_array();
  if (p.ignore_eos) w.begin_object().field_null("bias").field("token", kEosId).end_object();
  w.end_array();
  w.field("n_probs", p.n_probs);
  w.field("min_keep", 0);
  w.field("grammar", "");
  w.field("grammar_lazy", false);
  w.key("grammar_triggers").begin_array().end_array();
  w.key("preserved_tokens").begin_array().end_array();
  w.field("chat_format", "Content-only");
  w.field("reasoning_format", "none");
  w.field("reasoning_in_content", false);
  w.field("thinking_forced_open", false);
  write_string_array(w, "samplers", kSamplers);
  w.field("speculative.n_max", 16);
  w.field("speculative.n_min", 0);
  float_field(w, "speculative.p_min", 0.75);
  w.field("timings_per_token", false);
  w.field("post_sampling_probs", false);
  w.key("lora").begin_array().end_array();
}

void write_slot(JsonWriter& w, const ServerInfo& info, const SlotState& s) {
  w.begin_object();
  w.field("id", s.id);
  w.field("id_task", -1);
  w.field("n_ctx", info.n_ctx);
  w.field("speculative", false);
  w.field("is_processing", s.processing);
  w.field("non_causal", false);
  w.key("params").begin_object();
  write_params(w, GenParams{});
  w.end_object();
  w.field("prompt", "");
  w.key("next_token").begin_object();
  w.field("has_next_token", true);
  w.field("has_new_line", false);
  w.field("n_remain", -1);
  w.field("n_decoded", s.n_decoded);
  w.field("stopping_word", "");
  w.end_object();
  w.end_object();
}

void metric(std::string& out, std::string_view name, std::string_view help, std::string_view type,
            double value) {
  char num[32];
  std::snprintf(num, sizeof num, "%g", value);
  out += "# HELP llamacpp:";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE llamacpp:";
  out += name;
  out += ' ';
  out += type;
  out += "\nllamacpp:";
  out += name;
  out += ' ';
  out += num;
  out += '\n';
}

}  // namespace

void native_chunk(std::string& out, std::string_view text, std::int32_t token,
                  std::int64_t tokens_predicted, std::int64_t tokens_evaluated, std::string_view probs) {
  JsonWriter w(out);
  w.begin_object();
  w.field("index", 0);
  w.field("content", text);
  w.key("tokens").begin_array().value(token).end_array();
  w.field("stop", false);
  w.field("id_slot", -1);
  w.field("tokens_predicted", tokens_predicted);
  w.field("tokens_evaluated", tokens_evaluated);
  if (!probs.empty()) w.key("completion_probabilities").begin_array().raw(probs).end_array();
  w.end_object();
}

void native_final(std::string& out, const NativeFinal& f) {
  JsonWriter w(out);
  w.begin_object();
  w.field("index", 0);
  w.field("content", f.content);
  w.key("tokens").begin_array().end_array();
  w.field("id_slot", f.slot);
  w.field("stop", true);
  w.field("model", f.model);
  w.field("tokens_predicted", f.tokens_predicted);
  w.field("tokens_evaluated", f.tokens_evaluated);
  w.key("generation_settings").begin_object();
  write_params(w, f.params);
  w.end_object();
  w.field("prompt", f.prompt);
  w.field("has_new_line", f.has_new_line);
  w.field("truncated", f.truncated);
  w.field("stop_type", f.stopped_by_eos ? "eos" : "limit");
  w.field("stopping_word", "");
  // n_past: the prompt and every generated token but the last, which was never evaluated.
  w.field("tokens_cached", f.tokens_evaluated + std::max<std::int64_t>(f.tokens_predicted - 1, 0));
  write_timings(w, f.timings);
  if (!f.probs.empty()) w.key("completion_probabilities").begin_array().raw(f.probs).end_array();
  w.end_object();
}

void props(std::string& out, const ServerInfo& info) {
  JsonWriter w(out);
  w.begin_object();
  w.key("default_generation_settings");
  write_slot(w, info, SlotState{});
  w.field("total_slots", info.total_slots);
  w.field("model_path", info.model_path);
  w.key("modalities").begin_object().field("vision", false).field("audio", false).end_object();
  w.field("chat_template", kChatTemplate);
  w.field("bos_token", "<s>");
  w.field("eos_token", "</s>");
  w.field("build_info", info.build_info);
  w.end_object();
}

void slots(std::string& out, const ServerInfo& info, std::span<const SlotState> states) {
  JsonWriter w(out);
  w.begin_array();
  for (const SlotState& s : states) write_slot(w, info, s);
  w.end_array();
}

void models(std::string& out, const ServerInfo& info) {
  JsonWriter w(out);
  w.begin_object();
  // b5601 answers /v1/models, /models and Ollama's /api/tags alike, so the reply carries
  // an Ollama-style "models" list (placeholder values) next to the OpenAI one.
  w.key("models").begin_array().begin_object();
  w.field("name", info.model_name).field("model", info.model_name);
  w.field("modified_at", "").field("size", "").field("digest", "");
  w.field("type", "model").field("description", "");
  w.key("tags").begin_array().value("").end_array();
  w.key("capabilities").begin_array().value("completion").end_array();
  w.field("parameters", "");
  w.key("details").begin_object();
  w.field("parent_model", "").field("format", "gguf").field("family", "");
  w.key("families").begin_array().value("").end_array();
  w.field("parameter_size", "").field("quantization_level", "");
  w.end_object();
  w.end_object().end_array();
  w.field("object", "list");
  w.key("data").begin_array().begin_object();
  w.field("id", info.model_name);
  w.field("object", "model");
  w.field("created", info.created);
  w.field("owned_by", "llamacpp");
  w.key("meta").begin_object();
  w.field("vocab_type", 1);
  w.field("n_vocab", kVocabSize);
  w.field("n_ctx_train", info.n_ctx);
  w.field("n_embd", 5120);
  w.field("n_params", info.n_params);
  w.field("size", static_cast<std::int64_t>(info.weights_bytes));
  w.end_object();
  w.end_object().end_array();
  w.end_object();
}

void metrics(std::string& out, const MetricsSnapshot& m) {
  const double prompt_tps = m.prompt_seconds_total > 0
                                ? static_cast<double>(m.prompt_tokens_total) / m.prompt_seconds_total
                                : 0.0;
  const double predicted_tps =
      m.tokens_predicted_seconds_total > 0
          ? static_cast<double>(m.tokens_predicted_total) / m.tokens_predicted_seconds_total
          : 0.0;
  const double busy_per_decode =
      m.n_decode_total > 0 ? static_cast<double>(m.busy_slot_sum) / static_cast<double>(m.n_decode_total) : 0.0;
  metric(out, "prompt_tokens_total", "Number of prompt tokens processed.", "counter",
         static_cast<double>(m.prompt_tokens_total));
  metric(out, "prompt_seconds_total", "Prompt process time", "counter", m.prompt_seconds_total);
  metric(out, "tokens_predicted_total", "Number of generation tokens processed.", "counter",
         static_cast<double>(m.tokens_predicted_total));
  metric(out, "tokens_predicted_seconds_total", "Predict process time", "counter",
         m.tokens_predicted_seconds_total);
  metric(out, "n_decode_total", "Total number of llama_decode() calls", "counter",
         static_cast<double>(m.n_decode_total));
  metric(out, "n_busy_slots_per_decode", "Average number of busy slots per llama_decode() call",
         "counter", busy_per_decode);
  metric(out, "prompt_tokens_seconds", "Average prompt throughput in tokens/s.", "gauge", prompt_tps);
  metric(out, "predicted_tokens_seconds", "Average generation throughput in tokens/s.", "gauge",
         predicted_tps);
  metric(out, "requests_processing", "Number of requests processing.", "gauge", m.requests_processing);
  metric(out, "requests_deferred", "Number of requests deferred.", "gauge", m.requests_deferred);
}

void tokenize(std::string& out, std::string_view content, bool with_pieces, bool add_bos,
              PieceTable& table) {
  JsonWriter w(out);
  w.begin_object().key("tokens").begin_array();
  if (add_bos) {
    if (with_pieces) {
      w.begin_object().field("id", kBosId).field("piece", "<s>").end_object();
    } else {
      w.value(kBosId);
    }
  }
  split_tokens(content, [&](std::string_view piece) {
    const std::int32_t id = token_id(piece);
    table.remember(piece);
    if (!with_pieces) {
      w.value(id);
      return;
    }
    w.begin_object().field("id", id).key("piece");
    if (is_valid_utf8(piece)) {
      w.value(piece);
    } else {
      w.begin_array();
      for (char c : piece) w.value(static_cast<unsigned>(static_cast<unsigned char>(c)));
      w.end_array();
    }
    w.end_object();
  });
  w.end_array().end_object();
}

void detokenize(std::string& out, std::string_view content) {
  JsonWriter w(out);
  w.begin_object().field("content", content).end_object();
}

}  // namespace hakari::sim::llamacpp
