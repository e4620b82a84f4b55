#include "hakari/backend/frame_parser.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>

namespace hakari::backend {

namespace od = simdjson::ondemand;
using metrics::CountSource;

struct FrameParser::Impl {
  od::parser parser;
  std::string buffer;  // the frame, copied with the padding simdjson reads past the end
};

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool fail(std::string& error, const char* why) {
  error = why;
  return false;
}

// Numbers arrive as integers or floats depending on the server; accept both.
bool read_number(od::value v, double& out) {
  od::json_type t{};
  if (v.type().get(t) || t != od::json_type::number) return false;
  return !v.get_double().get(out) && std::isfinite(out);
}

bool read_count(od::value v, std::optional<std::int64_t>& out) {
  double d = 0;
  if (!read_number(v, d) || d < 0 || d > 9.0e15) return false;
  out = std::llround(d);
  return true;
}

bool read_string(od::value v, std::string_view& out) {
  od::json_type t{};
  if (v.type().get(t) || t != od::json_type::string) return false;
  return !v.get_string().get(out);
}

bool is_type(od::value v, od::json_type want) {
  od::json_type t{};
  return !v.type().get(t) && t == want;
}

// Calls fn(key, value) for each field of the object `v`. Returns false when `v` is not an
// object or is malformed; `fn` has then seen the fields before the fault.
template <typename Fn>
bool for_each_field(od::object obj, Fn&& fn) {
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    fn(key, field.value());
  }
  return true;
}

template <typename Fn>
bool for_each_field(od::value v, Fn&& fn) {
  od::object obj;
  if (v.get_object().get(obj)) return false;
  return for_each_field(obj, std::forward<Fn>(fn));
}

// A JSON value that is an error: a string, or an object with message/type/code.
std::string describe_error(od::value v) {
  std::string_view s;
  if (read_string(v, s)) return std::string(s);
  std::string message;
  std::string type;
  std::string code;
  for_each_field(v, [&](std::string_view key, od::value fv) {
    if (key == "message" && read_string(fv, s)) {
      message.assign(s);
    } else if (key == "type" && read_string(fv, s)) {
      type.assign(s);
    } else if (key == "code") {
      double d = 0;
      if (read_number(fv, d)) {
        code = std::to_string(std::llround(d));
      } else if (read_string(fv, s)) {
        code.assign(s);
      }
    }
  });
  if (message.empty()) message = "error";
  if (!type.empty() || !code.empty()) {
    message += " (";
    message += type;
    if (!type.empty() && !code.empty()) message += ", ";
    message += code;
    message += ")";
  }
  return message;
}

void read_llamacpp_timings(od::value v, metrics::ServerTimings& t) {
  for_each_field(v, [&](std::string_view key, od::value fv) {
    double d = 0;
    if (key == "prompt_n") {
      read_count(fv, t.prompt_n);
    } else if (key == "cache_n") {
      read_count(fv, t.cache_n);
    } else if (key == "predicted_n") {
      read_count(fv, t.predicted_n);
    } else if (key == "prompt_ms" && read_number(fv, d)) {
      t.prompt_ms = d;
    } else if (key == "predicted_ms" && read_number(fv, d)) {
      t.predicted_ms = d;
    }
  });
}

// "usage" is null on every chunk but the last with OpenAI; that is not an error.
void read_usage(od::value v, FrameInfo& out) {
  for_each_field(v, [&](std::string_view key, od::value fv) {
    if (key == "prompt_tokens") {
      if (read_count(fv, out.prompt_tokens)) out.prompt_source = CountSource::server_usage;
    } else if (key == "completion_tokens") {
      if (read_count(fv, out.output_tokens)) out.output_source = CountSource::server_usage;
    }
  });
}

// Generated text in a delta or message: the answer, or reasoning that precedes it.
void read_generated_text(od::value v, FrameInfo& out) {
  bool generated = false;
  for_each_field(v, [&](std::string_view key, od::value fv) {
    std::string_view s;
    if (key == "content") {
      if (read_string(fv, s) && !s.empty()) {
        out.content = s;
        generated = true;
      }
    } else if (key == "reasoning_content" || key == "reasoning" || key == "thinking") {
      if (read_string(fv, s) && !s.empty()) generated = true;
    }
  });
  if (generated) out.tokens = 1;
}

// Reads "choices"; null is allowed (some servers send it on usage-only chunks).
bool read_choices(od::value v, FrameInfo& out, std::string& error) {
  od::array choices;
  if (v.get_array().get(choices)) {
    return is_type(v, od::json_type::null) || fail(error, "\"choices\" is not an array");
  }
  for (auto choice_result : choices) {
    od::object choice;
    if (choice_result.get_object().get(choice)) return fail(error, "a choice is not an object");
    const bool ok = for_each_field(choice, [&](std::string_view key, od::value fv) {
      std::string_view s;
      if (key == "delta" || key == "message") {
        read_generated_text(fv, out);
      } else if (key == "text") {
        if (read_string(fv, s) && !s.empty()) {
          out.content = s;
          out.tokens = 1;
        }
      } else if (key == "finish_reason") {
        if (read_string(fv, s)) out.finish_reason = s;
      }
    });
    if (!ok) return fail(error, "a choice is malformed");
  }
  return true;
}

bool parse_openai(od::object obj, FrameInfo& out, std::string& error) {
  bool flat_error = false;
  std::string_view flat_message;
  bool choices_ok = true;
  const bool ok = for_each_field(obj, [&](std::string_view key, od::value v) {
    std::string_view s;
    if (key == "choices") {
      choices_ok = choices_ok && read_choices(v, out, error);
    } else if (key == "usage") {
      read_usage(v, out);
    } else if (key == "timings") {
      read_llamacpp_timings(v, out.timings);
    } else if (key == "error") {
      out.is_error = true;
      out.error_message = describe_error(v);
    } else if (key == "object") {
      flat_error = read_string(v, s) && s == "error";
    } else if (key == "message") {
      read_string(v, flat_message);
    }
  });
  if (!choices_ok) return false;
  if (!ok) return fail(error, "malformed object");
  // vLLM's older flat error form: {"object":"error","message":...}
  if (flat_error && !out.is_error) {
    out.is_error = true;
    out.error_message = flat_message.empty() ? "error" : std::string(flat_message);
  }
  return true;
}

bool parse_llamacpp(od::object obj, FrameInfo& out, std::string& error) {
  std::optional<std::int64_t> token_array_len;
  bool has_content = false;
  const bool ok = for_each_field(obj, [&](std::string_view key, od::value v) {
    std::string_view s;
    if (key == "content") {
      if (read_string(v, s) && !s.empty()) {
        out.content = s;
        has_content = true;
      }
    } else if (key == "tokens") {
      od::array arr;
      std::size_t n = 0;
      if (!v.get_array().get(arr) && !arr.count_elements().get(n)) token_array_len = static_cast<std::int64_t>(n);
    } else if (key == "stop") {
      bool b = false;
      out.terminal = !v.get_bool().get(b) && b;
    } else if (key == "stop_type") {
      if (read_string(v, s)) out.finish_reason = s;
    } else if (key == "tokens_predicted") {
      if (read_count(v, out.output_tokens)) out.output_source = CountSource::server_timings;
    } else if (key == "tokens_evaluated") {
      if (read_count(v, out.prompt_tokens)) out.prompt_source = CountSource::server_timings;
    } else if (key == "timings") {
      read_llamacpp_timings(v, out.timings);
    } else if (key == "error") {
      out.is_error = true;
      out.error_message = describe_error(v);
    }
  });
  if (!ok) return fail(error, "malformed object");
  // The token ids say how many tokens a chunk holds (a partial UTF-8 character can
  // arrive as a token with no text); older servers omit them.
  if (token_array_len) {
    out.tokens = static_cast<std::int32_t>(*token_array_len);
  } else if (has_content) {
    out.tokens = 1;
  }
  if (out.terminal && out.timings.predicted_n) {
    out.output_tokens = out.timings.predicted_n;
    out.output_source = CountSource::server_timings;
  }
  return true;
}

bool parse_ollama(od::object obj, FrameInfo& out, std::string& error) {
  const bool ok = for_each_field(obj, [&](std::string_view key, od::value v) {
    std::string_view s;
    double d = 0;
    if (key == "message") {
      read_generated_text(v, out);
    } else if (key == "response") {
      if (read_string(v, s) && !s.empty()) {
        out.content = s;
        out.tokens = 1;
      }
    } else if (key == "thinking") {
      if (read_string(v, s) && !s.empty()) out.tokens = 1;
    } else if (key == "done") {
      bool b = false;
      out.terminal = !v.get_bool().get(b) && b;
    } else if (key == "done_reason") {
      if (read_string(v, s)) out.finish_reason = s;
    } else if (key == "prompt_eval_count") {
      if (read_count(v, out.prompt_tokens)) out.prompt_source = CountSource::server_eval;
    } else if (key == "eval_count") {
      if (read_count(v, out.output_tokens)) out.output_source = CountSource::server_eval;
    } else if (key == "prompt_eval_duration" && read_number(v, d)) {
      out.timings.prompt_ms = d / 1e6;
    } else if (key == "eval_duration" && read_number(v, d)) {
      out.timings.predicted_ms = d / 1e6;
    } else if (key == "load_duration" && read_number(v, d)) {
      out.timings.load_ms = d / 1e6;
    } else if (key == "total_duration" && read_number(v, d)) {
      out.timings.total_ms = d / 1e6;
    } else if (key == "error") {
      out.is_error = true;
      out.error_message = describe_error(v);
    }
  });
  if (!ok) return fail(error, "malformed object");
  if (out.output_tokens) out.timings.predicted_n = out.output_tokens;
  if (out.prompt_tokens) out.timings.prompt_n = out.prompt_tokens;
  return true;
}

}  // namespace

FrameParser::FrameParser() : impl_(std::make_unique<Impl>()) {}
FrameParser::~FrameParser() = default;

bool FrameParser::parse(ApiKind api, std::string_view frame, FrameInfo& out, std::string& error) {
  out.clear();
  frame = trim(frame);
  if (frame == "[DONE]") {
    out.terminal = true;
    return true;
  }
  auto& buf = impl_->buffer;
  buf.resize(frame.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buf.data(), frame.data(), frame.size());
  od::document doc;
  if (auto err = impl_->parser.iterate(buf.data(), frame.size(), buf.size()).get(doc)) {
    error = simdjson::error_message(err);
    return false;
  }
  od::object obj;
  if (doc.get_object().get(obj)) {
    error = "frame is not a JSON object";
    return false;
  }
  bool ok = false;
  switch (api) {
    case ApiKind::openai_chat:
    case ApiKind::openai_completions: ok = parse_openai(obj, out, error); break;
    case ApiKind::llamacpp_completion: ok = parse_llamacpp(obj, out, error); break;
    case ApiKind::ollama_chat:
    case ApiKind::ollama_generate: ok = parse_ollama(obj, out, error); break;
  }
  return ok;
}

std::string FrameParser::error_message(std::string_view body) {
  std::string_view trimmed = trim(body);
  auto& buf = impl_->buffer;
  buf.resize(trimmed.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buf.data(), trimmed.data(), trimmed.size());
  od::document doc;
  od::object obj;
  if (!impl_->parser.iterate(buf.data(), trimmed.size(), buf.size()).get(doc) && !doc.get_object().get(obj)) {
    std::string_view flat_message;
    std::string nested;
    for_each_field(obj, [&](std::string_view key, od::value v) {
      if (key == "error") nested = describe_error(v);
      if (key == "message") read_string(v, flat_message);
    });
    if (!nested.empty()) return nested;
    if (!flat_message.empty()) return std::string(flat_message);
  }
  constexpr std::size_t kMax = 300;
  std::string text(trimmed.substr(0, kMax));
  if (trimmed.size() > kMax) text += "...";
  return text;
}

}  // namespace hakari::backend
