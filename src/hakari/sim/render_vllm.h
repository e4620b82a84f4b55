// vLLM's OpenAI-compatible server: pydantic models serialized with exclude_unset, so keys
// left unset are absent rather than null. Chat and completion chunks (the finish reason
// rides on the last token's chunk, with "stop_reason"), the usage-only last chunk
// ("choices":[]) that stream_options.include_usage asks for, whole bodies, /v1/models
// ModelCards, /version, /tokenize, /detokenize and the error objects. Every function
// appends one JSON document to `out`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hakari/sim/render_common.h"
#include "hakari/sim/tokenizer.h"

namespace hakari::sim::vllm {

// The first chunk of a chat stream: delta {"role":"assistant","content":""}.
void chat_role_chunk(std::string& out, const ResponseIdentity& r);
// One token's chunk; `finish_reason` set ("stop" | "length") on the stream's last token.
void chat_token_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason);
void completion_token_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                            std::string_view finish_reason);
// The chunk after the last token when usage was asked for: "choices":[] and usage, nothing
// else. `object` is "chat.completion.chunk" or "text_completion".
void usage_chunk(std::string& out, const ResponseIdentity& r, std::string_view object, const Usage& usage);

void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage);
void completion_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                         std::string_view finish_reason, const Usage& usage);

struct ModelCard {
  std::string_view id;    // --served-model-name
  std::string_view root;  // the model vLLM loaded (a path or a Hugging Face name)
  std::int64_t created = 0;
  std::int64_t max_model_len = 0;
};
void models(std::string& out, const ModelCard& m);
void version(std::string& out, std::string_view v);

// {"count":N,"max_model_len":M,"tokens":[...],"token_strs":null}, BOS first (vLLM adds
// special tokens unless told not to). Records the pieces for /detokenize.
void tokenize(std::string& out, std::string_view prompt, bool add_special, std::int64_t max_model_len,
              PieceTable& table);
void detokenize(std::string& out, std::string_view prompt);

// {"error":{"message","type","param":null,"code":status}}, type named after the status
// (BadRequestError, NotFoundError, InternalServerError, ServiceUnavailableError).
void error_body(std::string& out, int status, std::string_view message);
// FastAPI's own answers: {"detail":"Not Found"} (404), {"detail":"Method Not Allowed"} (405).
void detail_body(std::string& out, std::string_view detail);

// The 400s vLLM gives when a request does not fit --max-model-len.
std::string prompt_too_long_message(std::int64_t max_model_len, std::int64_t prompt_tokens);
std::string max_tokens_too_large_message(std::int64_t max_tokens, std::int64_t max_model_len,
                                         std::int64_t prompt_tokens);

}  // namespace hakari::sim::vllm
