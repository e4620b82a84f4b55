// llama.cpp's OpenAI-compatible responses (build b5601), key for key and in its key order:
// /v1/chat/completions and /v1/completions, streamed and not, and its error objects.
// Every function appends one JSON document to `out`.
#pragma once

#include <string>
#include <string_view>

#include "hakari/sim/render_common.h"

namespace hakari::sim::openai {

// The first chunk of a chat stream: delta {"role":"assistant","content":null}.
void chat_role_chunk(std::string& out, const ResponseIdentity& r);
// `probs`: one rendered append_token_probs() entry, or empty when logprobs were not asked.
void chat_content_chunk(std::string& out, const ResponseIdentity& r, std::string_view text,
                        std::string_view probs);
// delta {} with the finish reason, usage when include_usage was asked, and timings always.
void chat_finish_chunk(std::string& out, const ResponseIdentity& r, std::string_view finish_reason,
                       const Usage* usage, const Timings& timings);
// `probs`: the comma-joined entries of every position, or empty.
void chat_response(std::string& out, const ResponseIdentity& r, std::string_view text,
                   std::string_view finish_reason, const Usage& usage, const Timings& timings,
                   std::string_view probs);

void completion_chunk(std::string& out, const ResponseIdentity& r, std::string_view text);
// The last chunk of a stream (text "") and the whole non-streamed body alike.
void completion_final(std::string& out, const ResponseIdentity& r, std::string_view text,
                      std::string_view finish_reason, const Usage& usage, const Timings& timings);

// {"error":{"code":N,"message":"…","type":"…"}}
// The bare {"code","message","type"} object, as llama.cpp's server sends it in an SSE
// `error:` field when a stream fails midway.
void error_object(std::string& out, int code, std::string_view message, std::string_view type);
void error_body(std::string& out, int code, std::string_view message, std::string_view type);

}  // namespace hakari::sim::openai
