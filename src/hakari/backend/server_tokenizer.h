// A server's own tokenizer over HTTP, so a document can be cut to an exact number of the
// model's tokens (load::cut_to_tokens) instead of an estimate by characters.
//
//   llama.cpp: POST /tokenize   {"content": text, "add_special": false} -> {"tokens": [...]}
//              POST /detokenize {"tokens": [...]}                       -> {"content": "..."}
//   vLLM:      POST /tokenize   {"model": m, "prompt": text, "add_special_tokens": false}
//                                                  -> {"tokens": [...], "count": n, ...}
//              POST /detokenize {"model": m, "tokens": [...]}           -> {"prompt": "..."}
//
// Responses are untrusted: bodies are capped (kMaxResponseBytes), and anything but the
// expected shape (a non-2xx status, not JSON, a token that is not an integer, a missing
// field) gives nullopt, with last_error() saying why and naming the URL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/load/document.h"

namespace hakari::backend {

class ServerTokenizer final : public load::Tokenizer {
 public:
  enum class Dialect { llamacpp, vllm };

  static constexpr std::size_t kMaxResponseBytes = std::size_t{64} << 20;

  // base_url: normalised, without a trailing slash or /v1 (normalize_base_url). model: sent
  // to vLLM when not empty (it serves one model, and checks the name when given). headers:
  // "Name: value", e.g. Authorization. timeout: for each call, connection included.
  ServerTokenizer(std::string base_url, Dialect dialect, std::string model, std::vector<std::string> headers,
                  Nanos timeout);

  // The dialect of a server kind as probe_server reports it: "llama.cpp" and "vllm";
  // nullopt for the servers without a tokenizer route (ollama, lmstudio, openai-compatible).
  static std::optional<Dialect> for_server_kind(std::string_view kind);

  // The text's own tokens, no BOS or other special tokens added.
  std::optional<std::vector<std::int64_t>> tokenize(std::string_view text) override;
  std::optional<std::string> detokenize(const std::vector<std::int64_t>& ids) override;
  std::string name() const override;  // "llama.cpp /tokenize", "vLLM /tokenize"

  // Why the last call failed: "http://host:8080/tokenize: HTTP 404: ..."; empty after a
  // call that succeeded.
  const std::string& last_error() const { return last_error_; }

  // The parsers of the two answers, apart from HTTP (and fuzzed apart): the ids, or the
  // text; nullopt with `error` saying what is wrong ("the response has no \"tokens\" array").
  static std::optional<std::vector<std::int64_t>> parse_tokenize_response(std::string_view body, Dialect dialect,
                                                                          std::string& error);
  static std::optional<std::string> parse_detokenize_response(std::string_view body, Dialect dialect,
                                                             std::string& error);

 private:
  // The response body of a POST to `path`, or nullopt with last_error_ set.
  std::optional<std::string> post(std::string_view path, const std::string& body);

  std::string base_url_;
  Dialect dialect_;
  std::string model_;
  std::vector<std::string> headers_;
  Nanos timeout_;
  std::string last_error_;
};

}  // namespace hakari::backend
