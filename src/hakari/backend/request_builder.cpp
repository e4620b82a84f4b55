#include "hakari/backend/request_builder.h"

#include "hakari/core/json_writer.h"

namespace hakari::backend {
namespace {

void write_messages(JsonWriter& w, const GenerationParams& p) {
  w.key("messages").begin_array();
  for (const Message& m : p.messages) w.begin_object().field("role", m.role).field("content", m.content).end_object();
  w.end_array();
}

// The completion APIs' raw prompt; reuses one buffer across requests.
const std::string& prompt_text(const GenerationParams& p) {
  static thread_local std::string flat;
  if (p.messages.size() == 1 && p.messages.front().role == "user") return p.messages.front().content;
  flatten_messages(p.messages, flat);
  return flat;
}

void write_openai(JsonWriter& w, ApiKind api, const GenerationParams& p) {
  if (!p.model.empty()) w.field("model", p.model);
  if (api == ApiKind::openai_chat) {
    write_messages(w, p);
  } else {
    w.field("prompt", prompt_text(p));
  }
  w.field("max_tokens", p.max_tokens);
  w.field("stream", p.stream);
  if (p.stream) w.key("stream_options").begin_object().field("include_usage", true).end_object();
  if (p.temperature) w.field("temperature", *p.temperature);
  if (p.seed) w.field("seed", *p.seed);
  if (p.force_length) {
    // vLLM honours both; llama.cpp honours ignore_eos; others ignore unknown fields.
    w.field("ignore_eos", true);
    w.field("min_tokens", p.max_tokens);
  }
}

void write_ollama(JsonWriter& w, ApiKind api, const GenerationParams& p) {
  w.field("model", p.model);
  if (api == ApiKind::ollama_chat) {
    write_messages(w, p);
  } else {
    w.field("prompt", prompt_text(p));
  }
  w.field("stream", p.stream);
  w.key("options").begin_object();
  w.field("num_predict", p.max_tokens);
  if (p.temperature) w.field("temperature", *p.temperature);
  if (p.seed) w.field("seed", *p.seed);
  w.end_object();
}

void write_llamacpp(JsonWriter& w, const GenerationParams& p) {
  w.field("prompt", prompt_text(p));
  w.field("n_predict", p.max_tokens);
  w.field("stream", p.stream);
  if (p.force_length) w.field("ignore_eos", true);
  if (p.temperature) w.field("temperature", *p.temperature);
  if (p.seed) w.field("seed", *p.seed);
}

}  // namespace

void flatten_messages(const std::vector<Message>& messages, std::string& out) {
  out.clear();
  for (const Message& m : messages) {
    if (!out.empty()) out += "\n\n";
    out += m.role == "system" ? "System: " : m.role == "assistant" ? "Assistant: " : "User: ";
    out += m.content;
  }
  out += "\n\nAssistant:";
}

void build_body(ApiKind api, const GenerationParams& params, std::string& out) {
  out.clear();
  JsonWriter w(out);
  w.begin_object();
  switch (api) {
    case ApiKind::openai_chat:
    case ApiKind::openai_completions: write_openai(w, api, params); break;
    case ApiKind::ollama_chat:
    case ApiKind::ollama_generate: write_ollama(w, api, params); break;
    case ApiKind::llamacpp_completion: write_llamacpp(w, params); break;
  }
  w.end_object();
}

}  // namespace hakari::backend
