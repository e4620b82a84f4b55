// The simulator's glue between the HTTP layer, the timing engine and the renderers:
// routes requests, turns generation requests into engine sequences, and writes each
// token's frame the moment the engine emits it. Internal to the sim module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "hakari/sim/engine.h"
#include "hakari/sim/fault.h"
#include "hakari/sim/gen_request.h"
#include "hakari/sim/http_server.h"
#include "hakari/sim/persona.h"
#include "hakari/sim/render_common.h"
#include "hakari/sim/render_llamacpp.h"
#include "hakari/sim/sim_options.h"
#include "hakari/sim/text_source.h"
#include "hakari/sim/tokenizer.h"
#include "hakari/sim/trace.h"
#include "hakari/sim/vllm_metrics.h"

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
    std::string id;           // chatcmpl-…, as the persona makes them
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

  // A model Ollama's routes know (/api/tags): the simulator's own, and those pulled or
  // created since it started.
  struct OllamaModel {
    std::string name;    // with its tag: "hakari-sim:latest"
    std::string digest;  // 64 hex digits
    std::int64_t size = 0;
    Nanos modified_wall = 0;
  };

  // A reply made of timed NDJSON lines (pull and create progress): each line goes out
  // when it is due; unstreamed, only the last one, as the whole body, at the end.
  struct ScriptedReply {
    ConnId conn = 0;
    bool stream = true;
    std::vector<std::pair<Nanos, std::string>> lines;
    std::size_t next = 0;
    int final_status = 200;  // unstreamed: the status the last line goes out with
    OllamaModel registers;   // exists once the reply has completed (name empty: none)
  };

  // An LM Studio load, answered (and listed) when the load completes.
  struct LmsInstance {
    std::string id;
    std::int64_t context_length = 0;
  };
  struct PendingLmsLoad {
    Nanos due = 0;
    ConnId conn = 0;
    LmsInstance instance;
    double load_seconds = 0;
    bool echo_config = false;
  };

  // Routing: each persona answers the routes its server has, and its own 404 otherwise
  // (sim_routes.cpp).
  void route_llamacpp(ConnId conn, const RequestHead& head, std::string_view body, Nanos received);
  void route_vllm(ConnId conn, const RequestHead& head, std::string_view body, Nanos received);
  void route_ollama(ConnId conn, const RequestHead& head, std::string_view body, Nanos received);
  void route_lmstudio(ConnId conn, const RequestHead& head, std::string_view body, Nanos received);
  void reply_not_found(ConnId conn, const RequestHead& head);

  // The small endpoints (sim_app.cpp).
  void reply(ConnId conn, int status, std::string_view content_type, std::string_view body);
  void reply_json(ConnId conn, int status);  // the body is in scratch_
  void reply_llama_error(ConnId conn, int status, std::string_view message, std::string_view type);
  void reply_ollama_error(ConnId conn, int status, std::string_view message);
  // An error of a generation route, in the shape the persona gives that route.
  void reply_api_error(ConnId conn, Api api, int status, std::string_view message);
  void render_api_error(std::string& out, Api api, int status, std::string_view message) const;
  void serve_tokenize(ConnId conn, std::string_view body);
  void serve_detokenize(ConnId conn, std::string_view body);
  void serve_vllm_tokenize(ConnId conn, std::string_view body);
  void serve_vllm_detokenize(ConnId conn, std::string_view body);
  void serve_slots(ConnId conn, std::string_view query);
  void serve_metrics(ConnId conn);
  void serve_models(ConnId conn);  // GET /v1/models, the persona's shape
  void serve_ollama_models(ConnId conn, bool loaded_only);  // /api/tags, or /api/ps
  void serve_health(ConnId conn, Nanos received);
  llamacpp::ServerInfo server_info() const;
  std::string ollama_name() const;
  // KV cache in use over what the slots could hold, as vLLM's kv_cache_usage_perc.
  double kv_cache_usage() const;

  // Model management (sim_lifecycle.cpp): Ollama pull/create/delete/blobs, LM Studio's
  // native REST model routes, and the timed replies they make.
  void serve_ollama_pull(ConnId conn, std::string_view body, Nanos received);
  void serve_ollama_create(ConnId conn, std::string_view body, Nanos received);
  void serve_ollama_delete(ConnId conn, std::string_view body);
  void serve_ollama_blob(ConnId conn, std::string_view method, std::string_view path, std::string_view body);
  void serve_lms_models(ConnId conn, bool v0);
  void serve_lms_load(ConnId conn, std::string_view body, Nanos received);
  void serve_lms_unload(ConnId conn, std::string_view body);
  void tick_lifecycle(Nanos now);
  Nanos lifecycle_deadline() const;
  void abandon_lifecycle(ConnId conn);
  // "NAME" -> "NAME:latest"; a name that has a tag is kept.
  static std::string ollama_full_name(std::string_view name);
  const OllamaModel* find_ollama_model(std::string_view name) const;
  OllamaModel make_ollama_model(const std::string& full_name, std::int64_t size) const;

  // Generation (sim_generation.cpp).
  void start_generation(ConnId conn, Api api, const RequestHead& head, std::string_view body, Nanos received);
  // Answers a request that cannot run (bad body, unknown model, no room) and returns true;
  // may shorten a prompt instead, as llama-server b5601 does.
  bool reject_generation(ConnId conn, Api api, GenRequest& req, const BodyError* error);
  std::string response_id(std::uint64_t ordinal, Api api) const;
  void answer_load_request(ConnId conn, Api api, const GenRequest& req, std::uint64_t ordinal, Nanos received);
  void inject_up_front_fault(ConnId conn, Api api, FaultKind fault);
  // When the model is ready for a request arriving at `received`; starts a load when it is
  // not loaded (or, for Ollama, when another model is: `ollama_model` is the full name).
  Nanos model_ready_at(Nanos received, std::string_view ollama_model = {});
  void on_emission(const Emission& e);
  ResponseIdentity identity(const Stream& s) const;
  std::string token_probs(const Stream& s, std::int64_t index) const;
  // One token's frame JSON (no framing); `last`: the stream ends with it (vLLM puts the
  // finish reason on it).
  void render_token(std::string& out, const Stream& s, std::int64_t index, std::string_view probs,
                    bool last) const;
  // The whole body of an unstreamed response.
  void render_body(std::string& out, const Stream& s) const;
  // llama.cpp's /completion last event (text "") or body, and Ollama's last line or body.
  void render_llamacpp_final(std::string& out, const Stream& s, std::string_view text) const;
  void render_ollama_final(std::string& out, const Stream& s, std::string_view text) const;
  Timings timings(const Stream& s) const;
  // The frames after the last token: finish chunk, usage chunk, [DONE], as the persona
  // sends them.
  void append_closing_frames(Stream& s);
  void append_role_frame(Stream& s);
  void append_token_frame(Stream& s, std::int64_t index, bool last);
  void begin_frame(Api api);
  void end_frame(Stream& s);
  // Both return the time taken right before the last write (0 when nothing was written).
  Nanos finish(Stream& s);
  Nanos strike_mid_stream_fault(Stream& s);
  // Counts a finished (or abandoned: "abort") request into /metrics.
  void account(const Stream& s, std::string_view finished_reason);
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
  vllm::Metrics vllm_metrics_;
  simdjson::dom::parser parser_;
  std::unique_ptr<HttpServer> http_;

  std::uint64_t generation_count_ = 0;
  std::unordered_map<std::uint64_t, Stream> streams_;
  std::unordered_map<ConnId, std::uint64_t> stream_of_conn_;
  std::vector<PendingLoad> pending_loads_;
  std::vector<OllamaModel> ollama_models_;
  std::unordered_map<std::string, std::int64_t> blobs_;  // uploaded digests (hex) and sizes
  std::vector<ScriptedReply> scripted_;
  std::vector<LmsInstance> lms_instances_;
  std::vector<PendingLmsLoad> pending_lms_loads_;
  int lms_loads_ = 0;  // numbers instance ids
  std::vector<Emission> emissions_;  // reused by every tick
  std::string frame_;                // the frame being rendered
  std::string scratch_;              // a response body being rendered

  bool model_loaded_ = false;
  Nanos model_ready_ = 0;
  std::string loaded_model_;  // Ollama's full name of the model in memory

  // /metrics counters.
  std::int64_t prompt_tokens_total_ = 0;
  double prompt_seconds_total_ = 0;
  std::int64_t predicted_tokens_total_ = 0;
  double predicted_seconds_total_ = 0;
};

}  // namespace hakari::sim
