#include "hakari/backend/request_builder.h"

#include "hakari/core/json_writer.h"

namespace hakari::backend {
namespace {

void write_messages(JsonWriter& w, const GenerationParams& p) {
  w.key("messages").begin_array();
  w.begin_object().field("role", "user").field("content", p.prompt).end_object();
  w.end_array();
}

void write_openai(JsonWriter& w, ApiKind api, const GenerationParams& p) {
  if (!p.model.empty()) w.field("model", p.model);
  if (api == ApiKind::openai_chat) {
    write_messages(w, p);
  } else {
    w.field("prompt", p.prompt);
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
    w.field("prompt", p.prompt);
  }
  w.field("stream", p.stream);
  w.key("options").begin_object();
  w.field("num_predict", p.max_tokens);
  if (p.temperature) w.field("temperature", *p.temperature);
  if (p.seed) w.field("seed", *p.seed);
  w.end_object();
}

void write_llamacpp(JsonWriter& w, const GenerationParams& p) {
  w.field("prompt", p.prompt);
  w.field("n_predict", p.max_tokens);
  w.field("stream", p.stream);
  if (p.force_length) w.field("ignore_eos", true);
  if (p.temperature) w.field("temperature", *p.temperature);
  if (p.seed) w.field("seed", *p.seed);
}

}  // namespace

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
