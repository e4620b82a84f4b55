#include "hakari/sim/render_openai.h"

namespace hakari::sim::openai {
namespace {

void write_tail(JsonWriter& w, const ResponseIdentity& r, std::string_view object) {
  w.field("created", r.created);
  w.field("id", r.id);
  w.field("model", r.model);
  w.field("system_fingerprint", r.fingerprint);
  w.field("object", object);
}

void write_completion_head(JsonWriter& w, const ResponseIdentity& r, std::string_view text,
                           std::string_view finish_reason) {
  w.key("choices").begin_array().begin_object();
  w.field("text", text).field("index", 0).field_null("logprobs");
  if (finish_reason.empty()) {
    w.field_null("finish_reason");
  } else {
    w.field("finish_reason", finish_reason);
  }
  w.end_object().end_array();
  w.field("created", r.created);
  w.field("model", r.model);
  w.field("system_fingerprint", r.fingerprint);
  w.field("object", "text_completion");
}

}  // namespace

void chat_role_chunk(std::string& out, const ResponseIdentity& r) {
  JsonWriter w(out);
  w.begin_object();
  w.key("choices").begin_array().begin_object();
  w.field_null("finish_reason").field("index", 0);
  w.key("delta").begin_object().field("role", "assistant").field_null("content").end_object();
  w.end_object().end_array();
  write_tail(w, r, "chat.completion.chunk");
  w.end_object();
}

void chat_content_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                        std::string_view probs) {
  JsonWriter w(out);
  w.begin_object();
  w.key("choices").begin_array().begin_object();
  w.field_null("finish_reason").field("index", 0);
  w.key("delta").begin_object().field("content", text).end_object();
  if (!probs.empty()) {
    w.key("logprobs").begin_object().key("content").begin_array().raw(probs).end_array().end_object();
  }
  w.end_object().end_array();
  write_tail(w, r, "chat.completion.chunk");
  w.end_object();
}

void chat_finish_chunk(std::string& out, const ResponseIdentity& r, std::string_view finish_reason,
                       const Usage* usage, const Timings& timings) {
  JsonWriter w(out);
  w.begin_object();
  w.key("choices").begin_array().begin_object();
  w.field("finish_reason", finish_reason).field("index", 0);
  w.key("delta").begin_object().end_object();
  w.end_object().end_array();
  write_tail(w, r, "chat.completion.chunk");
  if (usage != nullptr) write_usage(w, *usage);
  write_timings(w, timings);
  w.end_object();
}

void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage, const Timings& timings,
                   std::string_view probs) {
  JsonWriter w(out);
  w.begin_object();
  w.key("choices").begin_array().begin_object();
  w.field("finish_reason", finish_reason).field("index", 0);
  w.key("message").begin_object().field("role", "assistant").field("content", text).end_object();
  if (!probs.empty()) {
    w.key("logprobs").begin_object().key("content").begin_array().raw(probs).end_array().end_object();
  }
  w.end_object().end_array();
  w.field("created", r.created);
  w.field("model", r.model);
  w.field("system_fingerprint", r.fingerprint);
  w.field("object", "chat.completion");
  write_usage(w, usage);
  w.field("id", r.id);
  write_timings(w, timings);
  w.end_object();
}

void completion_chunk(std::string& out, const ResponseIdentity& r, std::string_view text) {
  JsonWriter w(out);
  w.begin_object();
  write_completion_head(w, r, text, {});
  w.field("id", r.id);
  w.end_object();
}

void completion_final(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason, const Usage& usage, const Timings& timings) {
  JsonWriter w(out);
  w.begin_object();
  write_completion_head(w, r, text, finish_reason);
  write_usage(w, usage);
  w.field("id", r.id);
  write_timings(w, timings);
  w.end_object();
}

void error_body(std::string& out, int code, std::string_view message, std::string_view type) {
  JsonWriter w(out);
  w.begin_object().key("error").begin_object();
  w.field("code", code).field("message", message).field("type", type);
  w.end_object().end_object();
}

void error_object(std::string& out, int code, std::string_view message, std::string_view type) {
  JsonWriter w(out);
  w.begin_object().field("code", code).field("message", message).field("type", type).end_object();
}

}  // namespace hakari::sim::openai
