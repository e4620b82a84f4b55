// llama.cpp's native responses (build b5601), key for key and in its key order: the
// /completion stream and body, /props, /slots, /v1/models, /metrics, /tokenize,
// /detokenize. Every function appends to `out`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hakari/sim/engine.h"
#include "hakari/sim/render_common.h"
#include "hakari/sim/tokenizer.h"

namespace hakari::sim::llamacpp {

// The sampling parameters a response or slot reports ("generation_settings", "params").
struct GenParams {
  std::int64_t n_predict = -1;
  std::optional<std::int64_t> seed;
  std::optional<double> temperature;
  bool ignore_eos = false;
  bool stream = true;
  int n_probs = 0;
};

// One generated token of a /completion stream. `probs`: one append_token_probs() entry or empty.
void native_chunk(std::string& out, std::string_view text, std::int32_t token,
                  std::int64_t tokens_predicted, std::int64_t tokens_evaluated, std::string_view probs);

struct NativeFinal {
  std::string_view content;  // "" on the last event of a stream, all the text otherwise
  int slot = 0;
  std::string_view model;
  std::int64_t tokens_predicted = 0;
  std::int64_t tokens_evaluated = 0;
  GenParams params;
  std::string_view prompt;
  bool has_new_line = false;
  bool truncated = false;       // the prompt was shortened to fit the context
  bool stopped_by_eos = false;  // stop_type "eos", else "limit"
  Timings timings;
  std::string_view probs;       // comma-joined entries for completion_probabilities, or empty
};
void native_final(std::string& out, const NativeFinal& f);

struct ServerInfo {
  std::string_view model_name;
  std::string_view model_path;
  std::string_view build_info;
  std::int64_t n_ctx = 0;
  int total_slots = 0;
  double weights_bytes = 0;
  std::int64_t n_params = 0;
  std::int64_t created = 0;  // unix seconds the server started
};
void props(std::string& out, const ServerInfo& info);
void slots(std::string& out, const ServerInfo& info, std::span<const SlotState> states);
// /v1/models (also /models and /api/tags): the Ollama-style "models" list and the OpenAI
// "data" list with llama.cpp's "meta".
void models(std::string& out, const ServerInfo& info);

struct MetricsSnapshot {
  std::int64_t prompt_tokens_total = 0;
  double prompt_seconds_total = 0;
  std::int64_t tokens_predicted_total = 0;
  double tokens_predicted_seconds_total = 0;
  std::uint64_t n_decode_total = 0;
  std::uint64_t busy_slot_sum = 0;
  int requests_processing = 0;
  int requests_deferred = 0;
};
// Prometheus text exposition, the llamacpp: series.
void metrics(std::string& out, const MetricsSnapshot& m);

// {"tokens":[ids]} or, with pieces, {"tokens":[{"id":N,"piece":"…"}]} (invalid UTF-8
// pieces as byte arrays, as llama.cpp shows them), BOS first when `add_bos`. Records the
// pieces for /detokenize.
void tokenize(std::string& out, std::string_view content, bool with_pieces, bool add_bos,
              PieceTable& table);
void detokenize(std::string& out, std::string_view content);

}  // namespace hakari::sim::llamacpp
