// The simulator's glue between the HTTP layer, the timing engine and the renderers:
// routes requests, turns generation requests into engine sequences, and writes each
// token's frame the moment the engine emits it. Internal to the sim module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "hakari/sim/engine.h"
#include "hakari/sim/fault.h"
#include "hakari/sim/gen_request.h"
#include "hakari/sim/http_server.h"
#include "hakari/sim/render_common.h"
#include "hakari/sim/render_llamacpp.h"
#include "hakari/sim/sim_options.h"
#include "hakari/sim/text_source.h"
#include "hakari/sim/tokenizer.h"
#include "hakari/sim/trace.h"

namespace hakari::sim {

class SimApp final : public HttpHandler {
 public:
  // Throws like SimServer's constructor.
  explicit SimApp(SimOptions opts);

  HttpServer& http() { return *http_; }
  const SimOptions& options() const { return opts_; }
  // After the loop stopped: streams still open end as "disconnect", the trace is flushed.
  void shut_down();

  void on_request(ConnId conn, const RequestHead& head, std::string_view body, Nanos received_ns) override;
  void on_abandoned(ConnId conn) override;
  void on_tick(Nanos now) override;
  Nanos next_deadline() const override;
  std::string error_body(int status, std::string_view message) const override;

 private:
  // One generation request between arrival and its last byte.
  struct Stream {
    std::uint64_t ordinal = 0;
    ConnId conn = 0;
    Api api = Api::openai_chat;
    GenRequest req;
    FaultKind fault = FaultKind::none;
    std::int64_t target = 0;  // tokens the answer runs to
    bool eos = false;         // ends by EOS ("stop") rather than a limit ("length")
    std::string id;           // chatcmpl-…
    std::int64_t created = 0; // unix seconds
    Nanos received = 0;
    Nanos load_wait = 0;
    Nanos started = 0;
    Nanos first_token = 0;
    Nanos last_token = 0;
    std::int64_t emitted = 0;
    int slot = 0;
    bool has_new_line = false;
    std::string text;   // not streamed: the answer so far
    std::string probs;  // not streamed, n_probs > 0: the entries so far, comma-joined
  };

  // An Ollama load request answered when the (simulated) load completes.
  struct PendingLoad {
    Nanos due = 0;
    ConnId conn = 0;
    bool chat = true;
    std::string model;
    std::uint64_t ordinal = 0;
  };

  // Routing and the small endpoints (sim_app.cpp).
  void reply(ConnId conn, int status, std::string_view content_type, std::string_view body);
  void reply_json(ConnId conn, int status);  // the body is in scratch_
  void reply_llama_error(ConnId conn, int status, std::string_view message, std::string_view type);
  void reply_ollama_error(ConnId conn, int status, std::string_view message);
  void serve_tokenize(ConnId conn, std::string_view body);
  void serve_detokenize(ConnId conn, std::string_view body);
  void serve_slots(ConnId conn, std::string_view query);
  void serve_metrics(ConnId conn);
  void serve_ollama_models(ConnId conn, bool loaded_only);  // /api/tags, or /api/ps
  llamacpp::ServerInfo server_info() const;
  std::string ollama_name() const;

  // Generation (sim_generation.cpp).
  void start_generation(ConnId conn, Api api, const RequestHead& head, std::string_view body, Nanos received);
  bool reject_generation(ConnId conn, Api api, const GenRequest& req, const BodyError* error);
  void answer_load_request(ConnId conn, Api api, const GenRequest& req, std::uint64_t ordinal, Nanos received);
  void inject_up_front_fault(ConnId conn, Api api, FaultKind fault);
  Nanos model_ready_at(Nanos received);
  void on_emission(const Emission& e);
  ResponseIdentity identity(const Stream& s) const;
  std::string token_probs(const Stream& s, std::int64_t index) const;
  // One token's frame JSON (no framing).
  void render_token(std::string& out, const Stream& s, std::int64_t index, std::string_view probs) const;
  // The last frame of a stream, or the whole body of an unstreamed response.
  void render_final(std::string& out, const Stream& s, std::string_view text) const;
  void append_token_frame(Stream& s, std::int64_t index);
  void begin_frame(Api api);
  void end_frame(Stream& s);
  // Both return the time taken right before the last write (0 when nothing was written).
  Nanos finish(Stream& s);
  Nanos strike_mid_stream_fault(Stream& s);
  void account(const Stream& s);
  void trace_done(std::uint64_t ordinal, Nanos t, std::string_view reason);

  SimOptions opts_;
  std::string version_;      // "hakari-sim-<version>": fingerprint, build_info, /api/version
  std::string model_path_;
  std::int64_t started_unix_ = 0;
  std::unique_ptr<Engine> engine_;
  TextSource text_;
  PieceTable pieces_;
  FaultPlan faults_;
  std::unique_ptr<TraceWriter> trace_;
  simdjson::dom::parser parser_;
  std::unique_ptr<HttpServer> http_;

  std::uint64_t generation_count_ = 0;
  std::unordered_map<std::uint64_t, Stream> streams_;
  std::unordered_map<ConnId, std::uint64_t> stream_of_conn_;
  std::vector<PendingLoad> pending_loads_;
  std::vector<Emission> emissions_;  // reused by every tick
  std::string frame_;                // the frame being rendered
  std::string scratch_;              // a response body being rendered

  bool model_loaded_ = false;
  Nanos model_ready_ = 0;

  // /metrics counters.
  std::int64_t prompt_tokens_total_ = 0;
  double prompt_seconds_total_ = 0;
  std::int64_t predicted_tokens_total_ = 0;
  double predicted_seconds_total_ = 0;
};

}  // namespace hakari::sim
