#include "hakari/sim/render_ollama.h"

#include "hakari/core/json_writer.h"

namespace hakari::sim::ollama {
namespace {

void write_head(JsonWriter& w, bool chat, std::string_view model, std::string_view created_at,
                std::string_view text) {
  w.field("model", model);
  w.field("created_at", created_at);
  if (chat) {
    w.key("message").begin_object().field("role", "assistant").field("content", text).end_object();
  } else {
    w.field("response", text);
  }
}

void write_details(JsonWriter& w, const ModelInfo& m) {
  w.key("details").begin_object();
  w.field("parent_model", "");
  w.field("format", "gguf");
  w.field("family", "hakari-sim");
  w.key("families").begin_array().value("hakari-sim").end_array();
  w.field("parameter_size", m.parameter_size);
  w.field("quantization_level", "Q4_K_M");
  w.end_object();
}

}  // namespace

void token_line(std::string& out, bool chat, std::string_view model, std::string_view created_at,
                std::string_view text) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, chat, model, created_at, text);
  w.field("done", false);
  w.end_object();
}

void final_line(std::string& out, bool chat, std::string_view model, std::string_view created_at,
                std::string_view text, std::string_view done_reason, const Metrics& m) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, chat, model, created_at, text);
  w.field("done", true);
  w.field("done_reason", done_reason);
  w.field("total_duration", m.total_duration);
  w.field("load_duration", m.load_duration);
  w.field("prompt_eval_count", m.prompt_eval_count);
  w.field("prompt_eval_duration", m.prompt_eval_duration);
  w.field("eval_count", m.eval_count);
  w.field("eval_duration", m.eval_duration);
  w.end_object();
}

void load_line(std::string& out, bool chat, std::string_view model, std::string_view created_at,
               std::string_view done_reason) {
  JsonWriter w(out);
  w.begin_object();
  write_head(w, chat, model, created_at, "");
  w.field("done", true);
  w.field("done_reason", done_reason);
  w.end_object();
}

void error_body(std::string& out, std::string_view message) {
  JsonWriter w(out);
  w.begin_object().field("error", message).end_object();
}

void tags(std::string& out, std::span<const ModelInfo> models) {
  JsonWriter w(out);
  w.begin_object().key("models").begin_array();
  for (const ModelInfo& m : models) {
    w.begin_object();
    w.field("name", m.name);
    w.field("model", m.name);
    w.field("modified_at", m.modified_at);
    w.field("size", m.size);
    w.field("digest", m.digest);
    write_details(w, m);
    w.end_object();
  }
  w.end_array().end_object();
}

void ps(std::string& out, const ModelInfo* loaded) {
  JsonWriter w(out);
  w.begin_object().key("models").begin_array();
  if (loaded != nullptr) {
    w.begin_object();
    w.field("name", loaded->name);
    w.field("model", loaded->name);
    w.field("size", loaded->size);
    w.field("digest", loaded->digest);
    write_details(w, *loaded);
    w.field("expires_at", loaded->expires_at);
    w.field("size_vram", loaded->size);
    w.field("context_length", loaded->context_length);
    w.end_object();
  }
  w.end_array().end_object();
}

void version(std::string& out, std::string_view v) {
  JsonWriter w(out);
  w.begin_object().field("version", v).end_object();
}

void status_line(std::string& out, std::string_view status) {
  JsonWriter w(out);
  w.begin_object().field("status", status).end_object();
}

void pull_progress_line(std::string& out, std::string_view digest_hex, std::int64_t total,
                        std::int64_t completed) {
  JsonWriter w(out);
  w.begin_object();
  w.field("status", "pulling " + std::string(digest_hex.substr(0, 12)));
  w.field("digest", "sha256:" + std::string(digest_hex));
  w.field("total", total);
  if (completed >= 0) w.field("completed", completed);
  w.end_object();
}

}  // namespace hakari::sim::ollama
