#include "hakari/sim/gen_request.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hakari::sim {
namespace {

namespace dom = simdjson::dom;

// Largest n_probs / top_logprobs honoured: the output grows with it.
constexpr std::int64_t kMaxProbs = 20;

// Typed access to the fields of one JSON object. A field that is absent or null reads as
// "not given"; one of the wrong type records an error naming it and reads as not given.
class Fields {
 public:
  Fields(dom::object obj, BodyError& error) : obj_(obj), error_(error) {}

  std::optional<dom::element> get(const char* key) {
    dom::element e;
    if (obj_[key].get(e) || e.is_null()) return std::nullopt;
    return e;
  }

  std::optional<bool> boolean(const char* key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    bool v = false;
    if (e->get_bool().get(v)) return wrong(key, "a boolean");
    return v;
  }

  std::optional<std::int64_t> integer(const char* key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    std::int64_t i = 0;
    if (!e->get_int64().get(i)) return i;
    double d = 0;
    if (e->is_double() && !e->get_double().get(d) && std::isfinite(d) && d == std::trunc(d) &&
        std::fabs(d) < 9.0e18) {
      return static_cast<std::int64_t>(d);
    }
    return wrong(key, "an integer");
  }

  std::optional<double> number(const char* key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    double d = 0;
    if (!e->is_number() || e->get_double().get(d)) return wrong(key, "a number");
    return d;
  }

  std::optional<std::string_view> string(const char* key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    std::string_view s;
    if (e->get_string().get(s)) return wrong(key, "a string");
    return s;
  }

  std::optional<dom::array> array(const char* key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    dom::array a;
    if (e->get_array().get(a)) return wrong(key, "an array");
    return a;
  }

  std::optional<dom::object> object(const char* key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    dom::object o;
    if (e->get_object().get(o)) return wrong(key, "an object");
    return o;
  }

 private:
  std::nullopt_t wrong(const char* key, const char* what) {
    if (error_.message.empty()) error_.message = std::string("'") + key + "' must be " + what;
    return std::nullopt;
  }

  dom::object obj_;
  BodyError& error_;
};

bool invalid(BodyError& error, std::string message) {
  error.bad_json = false;
  error.message = std::move(message);
  return false;
}

// Text of a message's content: a string, or an array of parts whose "text" counts.
bool content_tokens(dom::element content, std::int64_t& tokens, BodyError& error) {
  std::string_view s;
  if (content.is_null()) return true;
  if (!content.get_string().get(s)) {
    tokens += count_tokens(s);
    return true;
  }
  dom::array parts;
  if (content.get_array().get(parts)) return invalid(error, "message content must be a string or an array of parts");
  for (dom::element part : parts) {
    dom::object obj;
    if (part.get_object().get(obj)) return invalid(error, "message content parts must be objects");
    if (!obj["text"].get_string().get(s)) tokens += count_tokens(s);
  }
  return true;
}

bool message_tokens(dom::array messages, std::int64_t& tokens, BodyError& error) {
  for (dom::element m : messages) {
    dom::object msg;
    if (m.get_object().get(msg)) return invalid(error, "each message must be an object");
    dom::element content;
    if (!msg["content"].get(content) && !content_tokens(content, tokens, error)) return false;
    tokens += kTokensPerMessage;
  }
  tokens += kAssistantPrimerTokens;
  return true;
}

bool token_id_value(dom::element e, std::int64_t& id) {
  if (e.get_int64().get(id)) return false;
  return id >= 0 && id < kVocabSize;
}

// llama.cpp's prompt forms: a string, an array of token ids, or a mixed array of strings
// and ids. Text gets a BOS token when it comes first. Several prompts in one request
// (an array of strings or of arrays) are refused: one request is one sequence here.
bool prompt_tokens(dom::element prompt, const PieceTable& pieces, GenRequest& out, BodyError& error) {
  std::string_view s;
  if (!prompt.get_string().get(s)) {
    out.prompt_tokens = 1 + count_tokens(s);
    out.prompt_echo = "<s>";
    out.prompt_echo += s;
    return true;
  }
  dom::array items;
  if (prompt.get_array().get(items)) return invalid(error, "'prompt' must be a string or an array of token ids and strings");
  std::size_t strings = 0;
  std::size_t numbers = 0;
  for (dom::element item : items) {
    if (item.is_string()) {
      ++strings;
    } else if (item.is_number()) {
      ++numbers;
    } else {
      return invalid(error, "hakari-sim serves one prompt per request; 'prompt' holds several");
    }
  }
  if (numbers == 0 && strings > 1) {
    return invalid(error, "hakari-sim serves one prompt per request; 'prompt' holds several");
  }
  std::int64_t tokens = 0;
  std::vector<std::int64_t> run;  // consecutive ids, detokenized together
  auto flush_ids = [&] {
    out.prompt_echo += pieces.detokenize(run);
    run.clear();
  };
  bool first = true;
  for (dom::element item : items) {
    if (!item.get_string().get(s)) {
      if (first) {
        ++tokens;
        out.prompt_echo += "<s>";
      }
      flush_ids();
      tokens += count_tokens(s);
      out.prompt_echo += s;
    } else {
      std::int64_t id = 0;
      if (!token_id_value(item, id)) return invalid(error, "prompt token ids must be integers in [0, 32000)");
      run.push_back(id);
      ++tokens;
    }
    first = false;
  }
  flush_ids();
  out.prompt_tokens = tokens;
  return true;
}

bool keep_alive_is_zero(dom::element e) {
  double d = 0;
  if (e.is_number() && !e.get_double().get(d)) return d == 0;
  std::string_view s;
  if (e.get_string().get(s)) return false;
  return s == "0" || s == "0s" || s == "0m" || s == "0h";
}

void apply_common_sampling(Fields& f, GenRequest& out) {
  out.temperature = f.number("temperature");
  out.seed = f.integer("seed");
}

bool parse_openai_like(Api api, Fields& f, dom::object root, const PieceTable& pieces,
                       GenRequest& out, BodyError& error) {
  out.model = std::string(f.string("model").value_or(""));
  out.stream = f.boolean("stream").value_or(false);
  if (auto opts = f.object("stream_options")) {
    Fields so(*opts, error);
    out.include_usage = so.boolean("include_usage").value_or(false);
  }
  // llama.cpp reads its native n_predict first, then the OpenAI names.
  if (auto n = f.integer("n_predict")) {
    out.max_tokens = *n;
  } else if (auto m = f.integer("max_tokens")) {
    out.max_tokens = *m;
  } else if (auto c = f.integer("max_completion_tokens")) {
    out.max_tokens = *c;
  }
  if (out.max_tokens < 0) out.max_tokens = -1;
  out.ignore_eos = f.boolean("ignore_eos").value_or(false);
  out.min_tokens = f.integer("min_tokens").value_or(0);
  apply_common_sampling(f, out);

  if (api == Api::openai_chat) {
    if (f.boolean("logprobs").value_or(false)) {
      out.n_probs = static_cast<int>(std::clamp<std::int64_t>(f.integer("top_logprobs").value_or(kMaxProbs), 1, kMaxProbs));
    }
    auto messages = f.array("messages");
    if (!error.message.empty()) return false;
    if (!messages) return invalid(error, "'messages' is required");
    return message_tokens(*messages, out.prompt_tokens, error);
  }
  out.n_probs = static_cast<int>(std::clamp<std::int64_t>(f.integer("n_probs").value_or(0), 0, kMaxProbs));
  if (!error.message.empty()) return false;
  dom::element prompt;
  if (root["prompt"].get(prompt) || prompt.is_null()) return invalid(error, "'prompt' is required");
  return prompt_tokens(prompt, pieces, out, error);
}

bool parse_ollama(Api api, Fields& f, GenRequest& out, BodyError& error) {
  out.model = std::string(f.string("model").value_or(""));
  out.stream = f.boolean("stream").value_or(true);
  if (auto opts = f.object("options")) {
    Fields o(*opts, error);
    out.max_tokens = o.integer("num_predict").value_or(-1);
    if (out.max_tokens < 0) out.max_tokens = -1;
    apply_common_sampling(o, out);
  }
  if (!error.message.empty()) return false;
  if (out.model.empty()) return invalid(error, "model is required");

  bool has_prompt = false;
  if (api == Api::ollama_chat) {
    auto messages = f.array("messages");
    if (!error.message.empty()) return false;
    has_prompt = messages && messages->size() > 0;
    if (has_prompt && !message_tokens(*messages, out.prompt_tokens, error)) return false;
  } else {
    const std::string_view prompt = f.string("prompt").value_or("");
    const std::string_view system = f.string("system").value_or("");
    if (!error.message.empty()) return false;
    has_prompt = !prompt.empty();
    out.prompt_tokens = 1 + count_tokens(prompt) + count_tokens(system);
  }
  if (!has_prompt) {
    out.load_only = true;
    if (auto ka = f.get("keep_alive")) out.unload = keep_alive_is_zero(*ka);
  }
  return true;
}

}  // namespace

bool parse_gen_request(Api api, std::string_view body, simdjson::dom::parser& parser,
                       const PieceTable& pieces, GenRequest& out, BodyError& error) {
  out = GenRequest{};
  error = BodyError{};
  dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root); err) {
    error.bad_json = true;
    error.message = std::string("JSON parse error: ") + simdjson::error_message(err);
    return false;
  }
  dom::object obj;
  if (root.get_object().get(obj)) return invalid(error, "the request body must be a JSON object");
  Fields f(obj, error);
  const bool ok = is_ollama(api) ? parse_ollama(api, f, out, error)
                                 : parse_openai_like(api, f, obj, pieces, out, error);
  return ok && error.message.empty();
}

}  // namespace hakari::sim
