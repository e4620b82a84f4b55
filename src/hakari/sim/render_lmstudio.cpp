#include "hakari/sim/render_lmstudio.h"

#include "hakari/core/json_writer.h"

namespace hakari::sim::lmstudio {
namespace {

constexpr std::string_view kQuant = "Q4_K_M";
constexpr int kBitsPerWeight = 4;
constexpr int kEvalBatchSize = 512;

void write_config(JsonWriter& w, const ModelDesc& m, const Instance& i) {
  w.begin_object();
  w.field("context_length", i.context_length);
  w.field("eval_batch_size", kEvalBatchSize);
  w.field("parallel", m.parallel);
  w.field("flash_attention", false);
  w.field("offload_kv_cache_to_gpu", true);
  w.end_object();
}

void write_openai_usage(JsonWriter& w, const Usage& u) {
  w.key("usage").begin_object();
  w.field("prompt_tokens", u.prompt_tokens);
  w.field("completion_tokens", u.completion_tokens);
  w.field("total_tokens", u.prompt_tokens + u.completion_tokens);
  w.end_object();
}

void write_head(JsonWriter& w, const ResponseIdentity& r, std::string_view object) {
  w.field("id", r.id).field("object", object).field("created", r.created).field("model", r.model);
}

void write_finish(JsonWriter& w, std::string_view finish_reason) {
  w.field_null("logprobs");
  if (finish_reason.empty()) {
    w.field_null("finish_reason");
  } else {
    w.field("finish_reason", finish_reason);
  }
}

}  // namespace

void models_v1(std::string& out, const ModelDesc& m, std::span<const Instance> loaded) {
  JsonWriter w(out);
  w.begin_object().key("models").begin_array().begin_object();
  w.field("type", "llm");
  w.field("key", m.key);
  w.field("display_name", m.key);
  w.field("architecture", "hakari-sim");
  w.key("quantization").begin_object().field("name", kQuant).field("bits_per_weight", kBitsPerWeight).end_object();
  w.field("size_bytes", m.size_bytes);
  w.field("params_string", m.params_string);
  w.key("loaded_instances").begin_array();
  for (const Instance& i : loaded) {
    w.begin_object().field("id", i.id);
    w.key("config");
    write_config(w, m, i);
    w.end_object();
  }
  w.end_array();
  w.field("max_context_length", m.max_context_length);
  w.field("format", "gguf");
  w.key("capabilities").begin_object().field("vision", false).field("trained_for_tool_use", false).end_object();
  w.end_object().end_array().end_object();
}

void models_v0(std::string& out, const ModelDesc& m, bool loaded) {
  JsonWriter w(out);
  w.begin_object().field("object", "list").key("data").begin_array().begin_object();
  w.field("id", m.key);
  w.field("object", "model");
  w.field("type", "llm");
  w.field("publisher", "hakari-sim");
  w.field("arch", "hakari-sim");
  w.field("compatibility_type", "gguf");
  w.field("quantization", kQuant);
  w.field("state", loaded ? "loaded" : "not-loaded");
  w.field("max_context_length", m.max_context_length);
  w.end_object().end_array().end_object();
}

void load_reply(std::string& out, const ModelDesc& m, const Instance& instance, double load_time_seconds,
                bool echo_load_config) {
  JsonWriter w(out);
  w.begin_object();
  w.field("type", "llm");
  w.field("instance_id", instance.id);
  w.field("load_time_seconds", load_time_seconds);
  w.field("status", "loaded");
  if (echo_load_config) {
    w.key("load_config");
    write_config(w, m, instance);
  }
  w.end_object();
}

void unload_reply(std::string& out, std::string_view instance_id) {
  JsonWriter w(out);
  w.begin_object().field("instance_id", instance_id).end_object();
}

void error_body(std::string& out, std::string_view type, std::string_view message) {
  JsonWriter w(out);
  w.begin_object().key("error").begin_object().field("type", type).field("message", message).end_object().end_object();
}

void openai_models(std::string& out, std::string_view key) {
  JsonWriter w(out);
  w.begin_object().key("data").begin_array().begin_object();
  w.field("id", key).field("object", "model").field("owned_by", "organization_owner");
  w.end_object().end_array().field("object", "list").end_object();
}

void chat_chunk(std::string& out, const ResponseIdentity& r, std::string_view text, std::string_view finish_reason) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "chat.completion.chunk");
  w.field("system_fingerprint", r.fingerprint);
  w.key("choices").begin_array().begin_object();
  w.field("index", 0);
  w.key("delta").begin_object();
  if (finish_reason.empty()) w.field("role", "assistant").field("content", text);
  w.end_object();
  write_finish(w, finish_reason);
  w.end_object().end_array();
  w.end_object();
}

void completion_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "text_completion");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0).field("text", text);
  write_finish(w, finish_reason);
  w.end_object().end_array();
  w.end_object();
}

void usage_chunk(std::string& out, const ResponseIdentity& r, std::string_view object, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, object);
  w.field("system_fingerprint", r.fingerprint);
  w.key("choices").begin_array().end_array();
  write_openai_usage(w, usage);
  w.end_object();
}

void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "chat.completion");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0);
  w.key("message").begin_object().field("role", "assistant").field("content", text).end_object();
  write_finish(w, finish_reason);
  w.end_object().end_array();
  write_openai_usage(w, usage);
  w.key("stats").begin_object().end_object();
  w.field("system_fingerprint", r.fingerprint);
  w.end_object();
}

void completion_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                         std::string_view finish_reason, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "text_completion");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0).field("text", text);
  write_finish(w, finish_reason);
  w.end_object().end_array();
  write_openai_usage(w, usage);
  w.key("stats").begin_object().end_object();
  w.field("system_fingerprint", r.fingerprint);
  w.end_object();
}

void openai_error(std::string& out, int status, std::string_view message) {
  JsonWriter w(out);
  w.begin_object().key("error").begin_object();
  w.field("message", message).field("type", status < 500 ? "invalid_request_error" : "server_error");
  w.field_null("param").field_null("code");
  w.end_object().end_object();
}

void unexpected_endpoint(std::string& out, std::string_view method, std::string_view path) {
  JsonWriter w(out);
  w.begin_object();
  w.field("error", "Unexpected endpoint or method. (" + std::string(method) + " " + std::string(path) + ")");
  w.end_object();
}

}  // namespace hakari::sim::lmstudio
