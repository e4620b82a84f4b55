#include "hakari/sim/render_ollama_openai.h"

namespace hakari::sim::ollama::v1 {
namespace {

constexpr std::string_view kFingerprint = "fp_ollama";

void write_finish(JsonWriter& w, std::string_view finish_reason) {
  if (finish_reason.empty()) {
    w.field_null("finish_reason");
  } else {
    w.field("finish_reason", finish_reason);
  }
}

void write_openai_usage(JsonWriter& w, const Usage& u) {
  w.key("usage").begin_object();
  w.field("prompt_tokens", u.prompt_tokens);
  w.field("completion_tokens", u.completion_tokens);
  w.field("total_tokens", u.prompt_tokens + u.completion_tokens);
  w.end_object();
}

void write_chat_head(JsonWriter& w, const ResponseIdentity& r, std::string_view object) {
  w.field("id", r.id).field("object", object).field("created", r.created);
  w.field("model", r.model).field("system_fingerprint", kFingerprint);
}

void write_text_choice(JsonWriter& w, std::string_view text, std::string_view finish_reason) {
  w.key("choices").begin_array().begin_object();
  w.field("text", text).field("index", 0);
  write_finish(w, finish_reason);
  w.end_object().end_array();
}

// The namespace part of "[host/][namespace/]model[:tag]".
std::string_view name_space(std::string_view name) {
  const std::size_t last = name.rfind('/');
  if (last == std::string_view::npos) return "library";
  const std::string_view path = name.substr(0, last);
  const std::size_t before = path.rfind('/');
  return before == std::string_view::npos ? path : path.substr(before + 1);
}

}  // namespace

void chat_chunk(std::string& out, const ResponseIdentity& r, std::string_view text, std::string_view finish_reason) {
  JsonWriter w(out);
  w.begin_object();
  write_chat_head(w, r, "chat.completion.chunk");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0);
  w.key("delta").begin_object().field("role", "assistant").field("content", text).end_object();
  write_finish(w, finish_reason);
  w.end_object().end_array();
  w.end_object();
}

void completion_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason, bool zero_usage) {
  JsonWriter w(out);
  w.begin_object();
  w.field("id", r.id).field("object", "text_completion").field("created", r.created);
  write_text_choice(w, text, finish_reason);
  w.field("model", r.model).field("system_fingerprint", kFingerprint);
  if (zero_usage) write_openai_usage(w, Usage{});
  w.end_object();
}

void chat_usage_chunk(std::string& out, const ResponseIdentity& r, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_chat_head(w, r, "chat.completion.chunk");
  w.key("choices").begin_array().end_array();
  write_openai_usage(w, usage);
  w.end_object();
}

void completion_usage_chunk(std::string& out, const ResponseIdentity& r, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  w.field("id", r.id).field("object", "text_completion").field("created", r.created);
  w.key("choices").begin_array().end_array();
  w.field("model", r.model).field("system_fingerprint", kFingerprint);
  write_openai_usage(w, usage);
  w.end_object();
}

void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_chat_head(w, r, "chat.completion");
  w.key("choices").begin_array().begin_object();
  w.field("index", 0);
  w.key("message").begin_object().field("role", "assistant").field("content", text).end_object();
  write_finish(w, finish_reason);
  w.end_object().end_array();
  write_openai_usage(w, usage);
  w.end_object();
}

void completion_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                         std::string_view finish_reason, const Usage& usage) {
  JsonWriter w(out);
  w.begin_object();
  write_chat_head(w, r, "text_completion");
  write_text_choice(w, text, finish_reason);
  write_openai_usage(w, usage);
  w.end_object();
}

void models(std::string& out, std::span<const ModelEntry> models) {
  JsonWriter w(out);
  w.begin_object().field("object", "list").key("data").begin_array();
  for (const ModelEntry& m : models) {
    w.begin_object();
    w.field("id", m.name).field("object", "model").field("created", m.created);
    w.field("owned_by", name_space(m.name));
    w.end_object();
  }
  w.end_array().end_object();
}

void error_body(std::string& out, int status, std::string_view message) {
  const std::string_view type =
      status == 400 ? "invalid_request_error" : status == 404 ? "not_found_error" : "api_error";
  JsonWriter w(out);
  w.begin_object().key("error").begin_object();
  w.field("message", message).field("type", type).field_null("param").field_null("code");
  w.end_object().end_object();
}

}  // namespace hakari::sim::ollama::v1
