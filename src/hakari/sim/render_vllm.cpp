#include "hakari/sim/render_vllm.h"

namespace hakari::sim::vllm {
namespace {

// id, object, created, model: the head of every response object, in pydantic's field order.
void write_head(JsonWriter& w, const ResponseIdentity& r, std::string_view object) {
  w.field("id", r.id).field("object", object).field("created", r.created).field("model", r.model);
}

// vLLM's UsageInfo field order.
void write_vllm_usage(JsonWriter& w, const Usage& u) {
  w.key("usage").begin_object();
  w.field("prompt_tokens", u.prompt_tokens);
  w.field("total_tokens", u.prompt_tokens + u.completion_tokens);
  w.field("completion_tokens", u.completion_tokens);
  w.end_object();
}

void write_finish(JsonWriter& w, std::string_view finish_reason) {
  if (finish_reason.empty()) {
    w.field_null("finish_reason");
    return;
  }
  // Set only on the last choice; null: the model stopped on EOS, not a stop string.
  w.field("finish_reason", finish_reason).field_null("stop_reason");
}

}  // namespace

void chat_role_chunk(std::string& out, const ResponseIdentity& r) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "chat.completion.chunk");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0);
  w.key("delta").begin_object().field("role", "assistant").field("content", "").end_object();
  w.field_null("logprobs").field_null("finish_reason");
  w.end_object().end_array();
  w.end_object();
}

void chat_token_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "chat.completion.chunk");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0);
  w.key("delta").begin_object().field("content", text).end_object();
  w.field_null("logprobs");
  write_finish(w, finish_reason);
  w.end_object().end_array();
  w.end_object();
}

void completion_token_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                            std::string_view finish_reason) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "text_completion");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0).field("text", text).field_null("logprobs");
  // The completions route sets both on every choice.
  if (finish_reason.empty()) {
    w.field_null("finish_reason").field_null("stop_reason");
  } else {
    write_finish(w, finish_reason);
  }
  w.end_object().end_array();
  w.end_object();
}

void usage_chunk(std::string& out, const ResponseIdentity& r, std::string_view object, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, object);
  w.key("choices").begin_array().end_array();
  write_vllm_usage(w, usage);
  w.end_object();
}

void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "chat.completion");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0);
  w.key("message").begin_object();
  w.field("role", "assistant").field("content", text);
  w.key("tool_calls").begin_array().end_array();
  w.end_object();
  w.field_null("logprobs");
  write_finish(w, finish_reason);
  w.end_object().end_array();
  write_vllm_usage(w, usage);
  w.field_null("prompt_logprobs");
  w.end_object();
}

void completion_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                         std::string_view finish_reason, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, r, "text_completion");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0).field("text", text).field_null("logprobs");
  write_finish(w, finish_reason);
  w.field_null("prompt_logprobs");
  w.end_object().end_array();
  write_vllm_usage(w, usage);
  w.end_object();
}

void models(std::string& out, const ModelCard& m) {
  JsonWriter w(out);
  w.begin_object().field("object", "list").key("data").begin_array().begin_object();
  w.field("id", m.id).field("object", "model").field("created", m.created).field("owned_by", "vllm");
  w.field("root", m.root).field_null("parent").field("max_model_len", m.max_model_len);
  w.key("permission").begin_array().begin_object();
  w.field("id", "modelperm-" + std::string(m.id)).field("object", "model_permission").field("created", m.created);
  w.field("allow_create_engine", false).field("allow_sampling", true).field("allow_logprobs", true);
  w.field("allow_search_indices", false).field("allow_view", true).field("allow_fine_tuning", false);
  w.field("organization", "*").field_null("group").field("is_blocking", false);
  w.end_object().end_array();
  w.end_object().end_array().end_object();
}

void version(std::string& out, std::string_view v) {
  JsonWriter w(out);
  w.begin_object().field("version", v).end_object();
}

void tokenize(std::string& out, std::string_view prompt, bool add_special, std::int64_t max_model_len,
              PieceTable& table) {
  std::string ids;
  std::int64_t count = 0;
  JsonWriter list(ids);
  list.begin_array();
  if (add_special) {
    list.value(kBosId);
    ++count;
  }
  split_tokens(prompt, [&](std::string_view piece) {
    table.remember(piece);
    list.value(token_id(piece));
    ++count;
  });
  list.end_array();
  JsonWriter w(out);
  w.begin_object().field("count", count).field("max_model_len", max_model_len);
  w.key("tokens").raw(ids).field_null("token_strs").end_object();
}

void detokenize(std::string& out, std::string_view prompt) {
  JsonWriter w(out);
  w.begin_object().field("prompt", prompt).end_object();
}

void error_body(std::string& out, int status, std::string_view message) {
  std::string_view type = "BadRequestError";
  if (status == 404) type = "NotFoundError";
  if (status >= 500) type = status == 503 ? "ServiceUnavailableError" : "InternalServerError";
  JsonWriter w(out);
  w.begin_object().key("error").begin_object();
  w.field("message", message).field("type", type).field_null("param").field("code", status);
  w.end_object().end_object();
}

void detail_body(std::string& out, std::string_view detail) {
  JsonWriter w(out);
  w.begin_object().field("detail", detail).end_object();
}

std::string prompt_too_long_message(std::int64_t max_model_len, std::int64_t prompt_tokens) {
  return "This model's maximum context length is " + std::to_string(max_model_len) +
         " tokens. However, your request has " + std::to_string(prompt_tokens) +
         " input tokens. Please reduce the length of the input messages.";
}

std::string max_tokens_too_large_message(std::int64_t max_tokens, std::int64_t max_model_len,
                                         std::int64_t prompt_tokens) {
  const std::string n = std::to_string(max_tokens);
  const std::string len = std::to_string(max_model_len);
  const std::string p = std::to_string(prompt_tokens);
  return "'max_tokens' or 'max_completion_tokens' is too large: " + n + ". This model's maximum context length is " +
         len + " tokens and your request has " + p + " input tokens (" + n + " > " + len + " - " + p + ").";
}

}  // namespace hakari::sim::vllm
