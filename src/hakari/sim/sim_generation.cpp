// Generation requests: from arrival to the last frame, through the timing engine.
#include <algorithm>

#include "hakari/sim/json_format.h"
#include "hakari/sim/render_lmstudio.h"
#include "hakari/sim/render_ollama.h"
#include "hakari/sim/render_ollama_openai.h"
#include "hakari/sim/render_openai.h"
#include "hakari/sim/render_vllm.h"
#include "hakari/sim/sim_app.h"  // the class these functions belong to

namespace hakari::sim {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kSse = "text/event-stream";
constexpr std::string_view kNdjson = "application/x-ndjson";
constexpr std::string_view kFailure = "simulated failure";

double ms_between(Nanos from, Nanos to) { return static_cast<double>(to - from) / 1e6; }
double seconds_between(Nanos from, Nanos to) { return static_cast<double>(to - from) / 1e9; }

// llama-server b5601 does not refuse a prompt longer than the context: it keeps the start
// (n_keep, 0 by default) and erases whole blocks of half the context after it, so the
// prompt ends up between half and all of the context (server.cpp, "truncated").
std::int64_t truncated_prompt(std::int64_t prompt_tokens, std::int64_t n_ctx) {
  const std::int64_t block = std::max<std::int64_t>(n_ctx / 2, 1);
  const std::int64_t erased_blocks = (prompt_tokens - block) / block;
  return prompt_tokens - erased_blocks * block;
}

}  // namespace

void SimApp::start_generation(ConnId conn, Api api, const RequestHead& head, std::string_view body,
                              Nanos received) {
  const std::uint64_t ordinal = ++generation_count_;
  GenRequest req;
  BodyError error;
  const bool parsed = parse_gen_request(api, body, parser_, pieces_, req, error);
  if (trace_) {
    trace_->request(ordinal, head.header("X-Request-Id"), head.path, received, req.prompt_tokens,
                    req.max_tokens);
  }
  if (reject_generation(conn, api, req, parsed ? nullptr : &error)) {
    trace_done(ordinal, now_ns(), "error");
    return;
  }
  const FaultKind fault = faults_.fault_for(ordinal);
  if (fault == FaultKind::http_500 || fault == FaultKind::http_503 || fault == FaultKind::drop) {
    inject_up_front_fault(conn, api, fault);
    trace_done(ordinal, now_ns(), "fault");
    return;
  }
  if (req.load_only) {
    answer_load_request(conn, api, req, ordinal, received);
    return;
  }

  Stream s;
  s.ordinal = ordinal;
  s.conn = conn;
  s.api = api;
  s.fault = fault;
  s.id = response_id(ordinal, api);
  s.created = wall_now_ns() / kNanosPerSecond;
  s.received = received;

  // The answer's length is settled now: EOS after a seeded natural length, unless a
  // limit (max tokens, or the context) comes first or the client forbids EOS.
  const std::int64_t room = opts_.ctx_size - req.prompt_tokens;
  const std::int64_t cap = req.max_tokens >= 0 ? std::min(req.max_tokens, room) : room;
  // Only llama.cpp and vLLM let a client forbid EOS; Ollama has no way, LM Studio none documented.
  const bool can_force = opts_.persona == Persona::llamacpp || opts_.persona == Persona::vllm;
  const bool forced =
      can_force && !is_ollama(api) && (req.ignore_eos || (req.max_tokens >= 0 && req.min_tokens >= req.max_tokens));
  const std::int64_t natural = text_.natural_length(ordinal, opts_.answer_tokens);
  s.eos = !forced && natural < cap;
  s.target = s.eos ? natural : cap;

  // Ollama loads the model a request names, on its /v1 routes too.
  const bool named_model = opts_.persona == Persona::ollama;
  const Nanos ready = model_ready_at(received, named_model ? ollama_full_name(req.model) : std::string());
  s.load_wait = std::max<Nanos>(0, ready - received);
  SeqSpec spec;
  spec.prompt_tokens = req.prompt_tokens;
  spec.output_tokens = is_mid_stream(fault) ? std::min<std::int64_t>(s.target, kFaultAfterTokens) : s.target;
  spec.ready_ns = ready;
  if (fault == FaultKind::stall) {
    spec.pause_after = kFaultAfterTokens;
    spec.pause_ns = from_ms(opts_.stall_ms);
  }
  spec.jitter_key = ordinal;

  s.req = std::move(req);
  // Headers go out at once, as llama.cpp's server sends them before the first token.
  if (s.req.stream) http_->begin_stream(conn, 200, is_ollama(api) ? kNdjson : kSse);
  stream_of_conn_[conn] = ordinal;
  streams_.emplace(ordinal, std::move(s));
  engine_->add(ordinal, spec, received);
}

bool SimApp::reject_generation(ConnId conn, Api api, GenRequest& req, const BodyError* error) {
  if (error != nullptr) {
    // llama.cpp answers an unparsable body with a 500 (its JSON library throws).
    const bool throws = opts_.persona == Persona::llamacpp && !is_ollama(api) && error->bad_json;
    reply_api_error(conn, api, throws ? 500 : 400, error->message);
    return true;
  }
  const std::int64_t ctx = opts_.ctx_size;
  switch (opts_.persona) {
    case Persona::llamacpp:
      if (req.prompt_tokens >= ctx) {
        req.prompt_tokens = truncated_prompt(req.prompt_tokens, ctx);
        req.truncated = true;
      }
      return false;
    case Persona::vllm:
      if (!req.model.empty() && req.model != opts_.model_name) {
        reply_api_error(conn, api, 404, "The model `" + req.model + "` does not exist.");
        return true;
      }
      if (req.prompt_tokens >= ctx) {
        reply_api_error(conn, api, 400, vllm::prompt_too_long_message(ctx, req.prompt_tokens));
        return true;
      }
      if (req.max_tokens > 0 && req.prompt_tokens + req.max_tokens > ctx) {
        reply_api_error(conn, api, 400, vllm::max_tokens_too_large_message(req.max_tokens, ctx, req.prompt_tokens));
        return true;
      }
      return false;
    case Persona::ollama:
      if (req.model.empty() || find_ollama_model(req.model) == nullptr) {
        reply_api_error(conn, api, 404,
                        is_ollama(api) ? "model '" + req.model + "' not found"
                                       : "model \"" + req.model + "\" not found, try pulling it first");
        return true;
      }
      if (!req.load_only && req.prompt_tokens >= ctx) {
        reply_api_error(conn, api, 400, "the input length exceeds the context length");
        return true;
      }
      return false;
    case Persona::lmstudio:
      if (req.prompt_tokens >= ctx) {
        reply_api_error(conn, api, 400,
                        "Trying to keep the first " + std::to_string(req.prompt_tokens) +
                            " tokens when context the overflows. However, the model is loaded with context length of "
                            "only " + std::to_string(ctx) +
                            " tokens, which is not enough. Try to load the model with a larger context length, or "
                            "provide a shorter input");
        return true;
      }
      return false;
  }
  return false;
}

std::string SimApp::response_id(std::uint64_t ordinal, Api api) const {
  const bool chat = api != Api::openai_completions;
  switch (opts_.persona) {
    case Persona::llamacpp:  // chatcmpl- on every route, as b5601 does
      return text_.response_id(ordinal, "chatcmpl-");
    case Persona::vllm:  // a uuid4's hex
      return text_.response_id(ordinal, chat ? "chatcmpl-" : "cmpl-", "0123456789abcdef", 32);
    case Persona::ollama: {  // rand.Intn(999)
      const std::string digits = text_.response_id(ordinal, "", "0123456789", 3);
      return (chat ? "chatcmpl-" : "cmpl-") + std::to_string(std::stoi(digits) % 999);
    }
    case Persona::lmstudio:
      return text_.response_id(ordinal, chat ? "chatcmpl-" : "cmpl-", "abcdefghijklmnopqrstuvwxyz0123456789", 21);
  }
  return text_.response_id(ordinal, "chatcmpl-");
}

void SimApp::inject_up_front_fault(ConnId conn, Api api, FaultKind fault) {
  if (fault == FaultKind::drop) return http_->close_now(conn);
  if (fault == FaultKind::http_500) return reply_api_error(conn, api, 500, kFailure);
  switch (opts_.persona) {
    case Persona::llamacpp: return reply_api_error(conn, api, 503, "Loading model");
    case Persona::ollama:
      return reply_api_error(conn, api, 503, "server busy, please try again.  maximum pending requests exceeded");
    case Persona::vllm:
    case Persona::lmstudio: return reply_api_error(conn, api, 503, "Service Unavailable");
  }
}

Nanos SimApp::model_ready_at(Nanos received, std::string_view ollama_model) {
  if (!model_loaded_ || (!ollama_model.empty() && ollama_model != loaded_model_)) {
    model_loaded_ = true;
    loaded_model_ = ollama_model.empty() ? ollama_name() : std::string(ollama_model);
    model_ready_ = received + from_ms(opts_.load_ms);
  }
  return model_ready_;
}

void SimApp::answer_load_request(ConnId conn, Api api, const GenRequest& req, std::uint64_t ordinal,
                                 Nanos received) {
  const bool chat = api == Api::ollama_chat;
  const std::string name = ollama_full_name(req.model);
  if (req.unload) {
    if (name == loaded_model_) model_loaded_ = false;
  } else if (const Nanos ready = model_ready_at(received, name); ready > now_ns()) {
    pending_loads_.push_back({ready, conn, chat, req.model, ordinal});
    return;
  }
  const std::string_view reason = req.unload ? "unload" : "load";
  scratch_.clear();
  ollama::load_line(scratch_, chat, req.model, rfc3339_utc(wall_now_ns()), reason);
  reply_json(conn, 200);
  trace_done(ordinal, now_ns(), reason);
}

void SimApp::on_emission(const Emission& e) {
  auto it = streams_.find(e.seq);
  if (it == streams_.end()) return;  // ended early: the client left, or a fault ended it
  Stream& s = it->second;
  s.slot = e.slot;
  s.started = e.started_ns;
  const Nanos previous = s.last_token;
  if (e.index <= 0) s.first_token = e.due;
  s.last_token = e.due;
  if (e.index > 0 && opts_.persona == Persona::vllm) {
    vllm_metrics_.observe_inter_token(seconds_between(previous, e.due));
  }
  const bool mid_stream_fault = is_mid_stream(s.fault);
  if (e.index >= 0) {
    s.emitted = e.index + 1;
    append_token_frame(s, e.index, e.last && !mid_stream_fault);
  }
  Nanos t = 0;
  if (!e.last) {
    t = s.req.stream ? http_->flush(s.conn) : now_ns();
  } else if (mid_stream_fault) {
    t = strike_mid_stream_fault(s);
  } else {
    t = finish(s);
  }
  if (trace_ && e.index >= 0 && t != 0) trace_->token(s.ordinal, e.index, t);
  if (!e.last) return;
  account(s, mid_stream_fault ? "abort" : (s.eos ? "stop" : "length"));
  trace_done(s.ordinal, now_ns(), mid_stream_fault ? "fault" : (s.eos ? "stop" : "length"));
  stream_of_conn_.erase(s.conn);
  streams_.erase(it);
}

void SimApp::on_abandoned(ConnId conn) {
  const Nanos now = now_ns();
  abandon_lifecycle(conn);
  std::erase_if(pending_loads_, [&](const PendingLoad& load) {
    if (load.conn != conn) return false;
    trace_done(load.ordinal, now, "disconnect");
    return true;
  });
  auto it = stream_of_conn_.find(conn);
  if (it == stream_of_conn_.end()) return;
  const std::uint64_t ordinal = it->second;
  stream_of_conn_.erase(it);
  // The slot is free for the next request now, as llama.cpp cancels a task whose
  // client has gone.
  engine_->cancel(ordinal, now);
  if (auto s = streams_.find(ordinal); s != streams_.end()) {
    account(s->second, "abort");
    streams_.erase(s);
  }
  trace_done(ordinal, now, "disconnect");
}

ResponseIdentity SimApp::identity(const Stream& s) const {
  ResponseIdentity r;
  r.id = s.id;
  r.created = s.created;
  r.model = s.req.model.empty() ? std::string_view(opts_.model_name) : std::string_view(s.req.model);
  if (opts_.persona == Persona::llamacpp) r.fingerprint = version_;          // the build, as b5601
  if (opts_.persona == Persona::lmstudio) r.fingerprint = opts_.model_name;  // the model
  return r;
}

std::string SimApp::token_probs(const Stream& s, std::int64_t index) const {
  std::vector<TokenCandidate> top;
  for (int rank = 0; rank < s.req.n_probs; ++rank) {
    const Piece& p = text_.candidate(s.ordinal, index, rank);
    top.push_back({p.text, p.id, text_.logprob(s.ordinal, index, rank)});
  }
  std::string out;
  append_token_probs(out, top);
  return out;
}

void SimApp::render_token(std::string& out, const Stream& s, std::int64_t index, std::string_view probs,
                          bool last) const {
  const std::string_view text = text_.piece(s.ordinal, index).text;
  const std::string_view finish = last ? (s.eos ? "stop" : "length") : "";
  const bool chat = s.api == Api::openai_chat;
  switch (s.api) {
    case Api::llamacpp: {
      const Piece& piece = text_.piece(s.ordinal, index);
      return llamacpp::native_chunk(out, piece.text, piece.id, index + 1, s.req.prompt_tokens, probs);
    }
    case Api::ollama_chat:
    case Api::ollama_generate:
      return ollama::token_line(out, s.api == Api::ollama_chat, s.req.model, rfc3339_utc(wall_now_ns()), text);
    case Api::openai_chat:
    case Api::openai_completions:
      break;
  }
  const ResponseIdentity r = identity(s);
  switch (opts_.persona) {
    case Persona::llamacpp:  // the finish reason gets a chunk of its own
      return chat ? openai::chat_content_chunk(out, r, text, probs) : openai::completion_chunk(out, r, text);
    case Persona::vllm:
      return chat ? vllm::chat_token_chunk(out, r, text, finish) : vllm::completion_token_chunk(out, r, text, finish);
    case Persona::ollama:
      return chat ? ollama::v1::chat_chunk(out, r, text, {})
                  : ollama::v1::completion_chunk(out, r, text, {}, s.req.include_usage);
    case Persona::lmstudio:
      return chat ? lmstudio::chat_chunk(out, r, text, {}) : lmstudio::completion_chunk(out, r, text, {});
  }
}

void SimApp::append_token_frame(Stream& s, std::int64_t index, bool last) {
  const Piece& piece = text_.piece(s.ordinal, index);
  s.has_new_line = s.has_new_line || piece.text.find('\n') != std::string_view::npos;
  const std::string probs = s.req.n_probs > 0 ? token_probs(s, index) : std::string();
  if (!s.req.stream) {
    s.text += piece.text;
    if (!probs.empty()) {
      if (!s.probs.empty()) s.probs += ',';
      s.probs += probs;
    }
    return;
  }
  // llama.cpp and vLLM send the role chunk together with the first token, not up front.
  if (index == 0) append_role_frame(s);
  begin_frame(s.api);
  render_token(frame_, s, index, probs, last);
  end_frame(s);
}

void SimApp::append_role_frame(Stream& s) {
  if (s.api != Api::openai_chat) return;
  if (opts_.persona == Persona::llamacpp) {
    begin_frame(s.api);
    openai::chat_role_chunk(frame_, identity(s));
    end_frame(s);
  } else if (opts_.persona == Persona::vllm) {
    begin_frame(s.api);
    vllm::chat_role_chunk(frame_, identity(s));
    end_frame(s);
  }
}

void SimApp::begin_frame(Api api) {
  frame_.clear();
  if (!is_ollama(api)) frame_ += "data: ";
}

void SimApp::end_frame(Stream& s) {
  frame_ += is_ollama(s.api) ? "\n" : "\n\n";
  http_->append_chunk(s.conn, frame_);
}

Timings SimApp::timings(const Stream& s) const {
  Timings t;
  t.prompt_n = s.req.prompt_tokens;
  t.prompt_ms = ms_between(s.started, s.first_token);
  t.predicted_n = s.emitted;
  t.predicted_ms = ms_between(s.first_token, s.last_token);
  return t;
}

void SimApp::render_llamacpp_final(std::string& out, const Stream& s, std::string_view text) const {
  llamacpp::NativeFinal f;
  f.content = text;
  f.slot = s.slot;
  f.model = identity(s).model;
  f.tokens_predicted = s.emitted;
  f.tokens_evaluated = s.req.prompt_tokens;
  f.params.n_predict = s.req.max_tokens;
  f.params.seed = s.req.seed;
  f.params.temperature = s.req.temperature;
  f.params.ignore_eos = s.req.ignore_eos;
  f.params.stream = s.req.stream;
  f.params.n_probs = s.req.n_probs;
  f.prompt = s.req.prompt_echo;
  f.has_new_line = s.has_new_line;
  f.truncated = s.req.truncated;
  f.stopped_by_eos = s.eos;
  f.timings = timings(s);
  f.probs = s.req.stream ? std::string_view() : std::string_view(s.probs);
  llamacpp::native_final(out, f);
}

void SimApp::render_ollama_final(std::string& out, const Stream& s, std::string_view text) const {
  ollama::Metrics m;
  m.total_duration = s.last_token - s.received;
  m.load_duration = s.load_wait;
  m.prompt_eval_count = s.req.prompt_tokens;
  m.prompt_eval_duration = s.first_token - s.started;
  m.eval_count = s.emitted;
  m.eval_duration = s.last_token - s.first_token;
  ollama::final_line(out, s.api == Api::ollama_chat, s.req.model, rfc3339_utc(wall_now_ns()), text,
                     s.eos ? "stop" : "length", m);
}

void SimApp::render_body(std::string& out, const Stream& s) const {
  if (s.api == Api::llamacpp) return render_llamacpp_final(out, s, s.text);
  if (is_ollama(s.api)) return render_ollama_final(out, s, s.text);
  const ResponseIdentity r = identity(s);
  const Usage usage{s.req.prompt_tokens, s.emitted};
  const std::string_view reason = s.eos ? "stop" : "length";
  const bool chat = s.api == Api::openai_chat;
  switch (opts_.persona) {
    case Persona::llamacpp:
      return chat ? openai::chat_response(out, r, s.text, reason, usage, timings(s), s.probs)
                  : openai::completion_final(out, r, s.text, reason, usage, timings(s));
    case Persona::vllm:
      return chat ? vllm::chat_response(out, r, s.text, reason, usage)
                  : vllm::completion_response(out, r, s.text, reason, usage);
    case Persona::ollama:
      return chat ? ollama::v1::chat_response(out, r, s.text, reason, usage)
                  : ollama::v1::completion_response(out, r, s.text, reason, usage);
    case Persona::lmstudio:
      return chat ? lmstudio::chat_response(out, r, s.text, reason, usage)
                  : lmstudio::completion_response(out, r, s.text, reason, usage);
  }
}

void SimApp::append_closing_frames(Stream& s) {
  const auto frame = [&](auto&& render) {
    begin_frame(s.api);
    render(frame_);
    end_frame(s);
  };
  if (s.api == Api::llamacpp) return frame([&](std::string& out) { render_llamacpp_final(out, s, ""); });
  if (is_ollama(s.api)) return frame([&](std::string& out) { render_ollama_final(out, s, ""); });

  const ResponseIdentity r = identity(s);
  const Usage usage{s.req.prompt_tokens, s.emitted};
  const std::string_view reason = s.eos ? "stop" : "length";
  const bool chat = s.api == Api::openai_chat;
  const bool usage_asked = s.req.include_usage;
  const std::string_view object = chat ? "chat.completion.chunk" : "text_completion";
  if (s.emitted == 0) append_role_frame(s);
  switch (opts_.persona) {
    case Persona::llamacpp:  // b5601: usage (when asked) and timings ride on the finish chunk
      frame([&](std::string& out) {
        if (chat) {
          openai::chat_finish_chunk(out, r, reason, usage_asked ? &usage : nullptr, timings(s));
        } else {
          openai::completion_final(out, r, "", reason, usage, timings(s));
        }
      });
      break;
    case Persona::vllm:  // the finish reason rode on the last token; usage has a chunk of its own
      if (s.emitted == 0) {
        frame([&](std::string& out) {
          chat ? vllm::chat_token_chunk(out, r, "", reason) : vllm::completion_token_chunk(out, r, "", reason);
        });
      }
      if (usage_asked) frame([&](std::string& out) { vllm::usage_chunk(out, r, object, usage); });
      break;
    case Persona::ollama:
      frame([&](std::string& out) {
        chat ? ollama::v1::chat_chunk(out, r, "", reason)
             : ollama::v1::completion_chunk(out, r, "", reason, usage_asked);
      });
      if (usage_asked) {
        frame([&](std::string& out) {
          chat ? ollama::v1::chat_usage_chunk(out, r, usage) : ollama::v1::completion_usage_chunk(out, r, usage);
        });
      }
      break;
    case Persona::lmstudio:
      frame([&](std::string& out) {
        chat ? lmstudio::chat_chunk(out, r, "", reason) : lmstudio::completion_chunk(out, r, "", reason);
      });
      if (usage_asked) frame([&](std::string& out) { lmstudio::usage_chunk(out, r, object, usage); });
      break;
  }
  frame([](std::string& out) { out += "[DONE]"; });
}

Nanos SimApp::finish(Stream& s) {
  if (!s.req.stream) {
    scratch_.clear();
    render_body(scratch_, s);
    const Nanos t = now_ns();
    reply_json(s.conn, 200);
    return t;
  }
  append_closing_frames(s);
  return http_->end_stream(s.conn);
}

Nanos SimApp::strike_mid_stream_fault(Stream& s) {
  if (!s.req.stream) {
    // A whole body cannot fail halfway through; the same faults strike it as a whole.
    const Nanos t = now_ns();
    if (s.fault == FaultKind::stream_error) {
      reply_api_error(s.conn, s.api, 500, kFailure);
      return t;
    }
    scratch_.clear();
    render_body(scratch_, s);
    scratch_.resize(scratch_.size() / 2);
    if (s.fault == FaultKind::malformed) {
      reply_json(s.conn, 200);
    } else {  // truncate: the body is cut off with the connection
      http_->begin_stream(s.conn, 200, kJson);
      http_->append_chunk(s.conn, scratch_);
      http_->flush(s.conn);
      http_->close_now(s.conn);
    }
    return t;
  }
  switch (s.fault) {
    case FaultKind::stream_error:
      if (opts_.persona == Persona::llamacpp && !is_ollama(s.api)) {
        // b5601 writes the bare error object in a non-standard SSE `error:` field, then
        // `data: [DONE]` on its OpenAI routes (tools/server/server.cpp): a client that
        // ignores unknown fields, as the SSE standard says, sees a successful stream.
        frame_ = "error: ";
        openai::error_object(frame_, 500, kFailure, "server_error");
        end_frame(s);
        if (s.api != Api::llamacpp) {
          begin_frame(s.api);
          frame_ += "[DONE]";
          end_frame(s);
        }
        return http_->end_stream(s.conn);
      }
      begin_frame(s.api);
      render_api_error(frame_, s.api, 500, kFailure);
      end_frame(s);
      if (opts_.persona == Persona::vllm) {  // vLLM ends even a failed stream with [DONE]
        begin_frame(s.api);
        frame_ += "[DONE]";
        end_frame(s);
      }
      return http_->end_stream(s.conn);
    case FaultKind::malformed: {
      // The next token's frame, cut off in the middle of its JSON.
      std::string json;
      render_token(json, s, s.emitted, {}, false);
      begin_frame(s.api);
      frame_.append(json, 0, json.size() / 2);
      end_frame(s);
      return http_->end_stream(s.conn);
    }
    default: {  // truncate
      const Nanos t = http_->flush(s.conn);
      http_->close_now(s.conn);
      return t;
    }
  }
}

void SimApp::account(const Stream& s, std::string_view finished_reason) {
  if (s.first_token == 0) return;  // never got past the prompt
  prompt_tokens_total_ += s.req.prompt_tokens;
  prompt_seconds_total_ += seconds_between(s.started, s.first_token);
  predicted_tokens_total_ += s.emitted;
  predicted_seconds_total_ += seconds_between(s.first_token, s.last_token);
  if (opts_.persona != Persona::vllm) return;
  vllm::FinishedRequest f;
  f.ttft_s = seconds_between(s.received, s.first_token);
  f.e2e_s = seconds_between(s.received, s.last_token);
  f.queue_s = seconds_between(s.received, s.started);
  f.prefill_s = seconds_between(s.started, s.first_token);
  f.decode_s = seconds_between(s.first_token, s.last_token);
  f.prompt_tokens = s.req.prompt_tokens;
  f.generation_tokens = s.emitted;
  f.finished_reason = finished_reason;
  vllm_metrics_.observe_finished(f);
}

void SimApp::trace_done(std::uint64_t ordinal, Nanos t, std::string_view reason) {
  if (trace_) trace_->done(ordinal, t, reason);
}

}  // namespace hakari::sim
