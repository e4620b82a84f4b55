// Generation requests: from arrival to the last frame, through the timing engine.
#include <algorithm>

#include "hakari/sim/json_format.h"
#include "hakari/sim/render_ollama.h"
#include "hakari/sim/render_openai.h"
#include "hakari/sim/sim_app.h"  // the class these functions belong to

namespace hakari::sim {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kSse = "text/event-stream";
constexpr std::string_view kNdjson = "application/x-ndjson";
constexpr std::string_view kFailure = "simulated failure";

double ms_between(Nanos from, Nanos to) { return static_cast<double>(to - from) / 1e6; }

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
  s.id = text_.response_id(ordinal, "chatcmpl-");
  s.created = wall_now_ns() / kNanosPerSecond;
  s.received = received;

  // The answer's length is settled now: EOS after a seeded natural length, unless a
  // limit (max tokens, or the context) comes first or the client forbids EOS.
  const std::int64_t room = opts_.ctx_size - req.prompt_tokens;
  const std::int64_t cap = req.max_tokens >= 0 ? std::min(req.max_tokens, room) : room;
  const bool forced = !is_ollama(api) &&
                      (req.ignore_eos || (req.max_tokens >= 0 && req.min_tokens >= req.max_tokens));
  const std::int64_t natural = text_.natural_length(ordinal, opts_.answer_tokens);
  s.eos = !forced && natural < cap;
  s.target = s.eos ? natural : cap;

  const Nanos ready = model_ready_at(received, is_ollama(api) ? ollama_full_name(req.model) : std::string());
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

bool SimApp::reject_generation(ConnId conn, Api api, const GenRequest& req, const BodyError* error) {
  if (is_ollama(api)) {
    if (error != nullptr) {
      reply_ollama_error(conn, 400, error->message);
      return true;
    }
    if (req.model.empty() || find_ollama_model(req.model) == nullptr) {
      reply_ollama_error(conn, 404, "model '" + req.model + "' not found");
      return true;
    }
    if (!req.load_only && req.prompt_tokens >= opts_.ctx_size) {
      reply_ollama_error(conn, 400, "the input length exceeds the context length");
      return true;
    }
    return false;
  }
  if (error != nullptr) {
    // llama.cpp answers an unparsable body with a 500 (its JSON library throws).
    if (error->bad_json) {
      reply_llama_error(conn, 500, error->message, "server_error");
    } else {
      reply_llama_error(conn, 400, error->message, "invalid_request_error");
    }
    return true;
  }
  if (req.prompt_tokens >= opts_.ctx_size) {
    scratch_.clear();
    openai::context_error_body(scratch_, req.prompt_tokens, opts_.ctx_size);
    reply_json(conn, 400);
    return true;
  }
  return false;
}

void SimApp::inject_up_front_fault(ConnId conn, Api api, FaultKind fault) {
  if (fault == FaultKind::drop) {
    http_->close_now(conn);
  } else if (fault == FaultKind::http_500) {
    if (is_ollama(api)) {
      reply_ollama_error(conn, 500, kFailure);
    } else {
      reply_llama_error(conn, 500, kFailure, "server_error");
    }
  } else if (is_ollama(api)) {
    reply_ollama_error(conn, 503, "server busy, please try again.  maximum pending requests exceeded");
  } else {
    reply_llama_error(conn, 503, "Loading model", "unavailable_error");
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
  if (e.index <= 0) s.first_token = e.due;
  s.last_token = e.due;
  if (e.index >= 0) {
    s.emitted = e.index + 1;
    append_token_frame(s, e.index);
  }
  Nanos t = 0;
  if (!e.last) {
    t = s.req.stream ? http_->flush(s.conn) : now_ns();
  } else if (is_mid_stream(s.fault)) {
    t = strike_mid_stream_fault(s);
  } else {
    t = finish(s);
  }
  if (trace_ && e.index >= 0 && t != 0) trace_->token(s.ordinal, e.index, t);
  if (!e.last) return;
  account(s);
  trace_done(s.ordinal, now_ns(), is_mid_stream(s.fault) ? "fault" : (s.eos ? "stop" : "length"));
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
    account(s->second);
    streams_.erase(s);
  }
  trace_done(ordinal, now, "disconnect");
}

ResponseIdentity SimApp::identity(const Stream& s) const {
  ResponseIdentity r;
  r.id = s.id;
  r.created = s.created;
  r.model = s.req.model.empty() ? std::string_view(opts_.model_name) : std::string_view(s.req.model);
  r.fingerprint = version_;
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

void SimApp::render_token(std::string& out, const Stream& s, std::int64_t index, std::string_view probs) const {
  const Piece& piece = text_.piece(s.ordinal, index);
  switch (s.api) {
    case Api::openai_chat:
      openai::chat_content_chunk(out, identity(s), piece.text, probs);
      break;
    case Api::openai_completions:
      openai::completion_chunk(out, identity(s), piece.text);
      break;
    case Api::llamacpp:
      llamacpp::native_chunk(out, piece.text, piece.id, index + 1, s.req.prompt_tokens, probs);
      break;
    case Api::ollama_chat:
    case Api::ollama_generate:
      ollama::token_line(out, s.api == Api::ollama_chat, s.req.model, rfc3339_utc(wall_now_ns()), piece.text);
      break;
  }
}

void SimApp::append_token_frame(Stream& s, std::int64_t index) {
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
  // llama.cpp sends the role chunk together with the first token, not up front.
  if (s.api == Api::openai_chat && index == 0) {
    begin_frame(s.api);
    openai::chat_role_chunk(frame_, identity(s));
    end_frame(s);
  }
  begin_frame(s.api);
  render_token(frame_, s, index, probs);
  end_frame(s);
}

void SimApp::begin_frame(Api api) {
  frame_.clear();
  if (!is_ollama(api)) frame_ += "data: ";
}

void SimApp::end_frame(Stream& s) {
  frame_ += is_ollama(s.api) ? "\n" : "\n\n";
  http_->append_chunk(s.conn, frame_);
}

void SimApp::render_final(std::string& out, const Stream& s, std::string_view text) const {
  Timings t;
  t.prompt_n = s.req.prompt_tokens;
  t.prompt_ms = ms_between(s.started, s.first_token);
  t.predicted_n = s.emitted;
  t.predicted_ms = ms_between(s.first_token, s.last_token);
  const Usage usage{s.req.prompt_tokens, s.emitted};
  const std::string_view reason = s.eos ? "stop" : "length";
  const ResponseIdentity r = identity(s);
  switch (s.api) {
    case Api::openai_chat:
      if (s.req.stream) {
        openai::chat_finish_chunk(out, r, reason, s.req.include_usage ? &usage : nullptr, t);
      } else {
        openai::chat_response(out, r, text, reason, usage, t, s.probs);
      }
      break;
    case Api::openai_completions:
      openai::completion_final(out, r, text, reason, usage, t);
      break;
    case Api::llamacpp: {
      llamacpp::NativeFinal f;
      f.content = text;
      f.slot = s.slot;
      f.model = r.model;
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
      f.stopped_by_eos = s.eos;
      f.timings = t;
      f.probs = s.req.stream ? std::string_view() : std::string_view(s.probs);
      llamacpp::native_final(out, f);
      break;
    }
    case Api::ollama_chat:
    case Api::ollama_generate: {
      ollama::Metrics m;
      m.total_duration = s.last_token - s.received;
      m.load_duration = s.load_wait;
      m.prompt_eval_count = s.req.prompt_tokens;
      m.prompt_eval_duration = s.first_token - s.started;
      m.eval_count = s.emitted;
      m.eval_duration = s.last_token - s.first_token;
      ollama::final_line(out, s.api == Api::ollama_chat, s.req.model, rfc3339_utc(wall_now_ns()), text,
                         reason, m);
      break;
    }
  }
}

Nanos SimApp::finish(Stream& s) {
  if (!s.req.stream) {
    scratch_.clear();
    render_final(scratch_, s, s.text);
    const Nanos t = now_ns();
    reply_json(s.conn, 200);
    return t;
  }
  if (s.api == Api::openai_chat && s.emitted == 0) {
    begin_frame(s.api);
    openai::chat_role_chunk(frame_, identity(s));
    end_frame(s);
  }
  begin_frame(s.api);
  render_final(frame_, s, "");
  end_frame(s);
  if (s.api == Api::openai_chat || s.api == Api::openai_completions) {
    begin_frame(s.api);
    frame_ += "[DONE]";
    end_frame(s);
  }
  return http_->end_stream(s.conn);
}

Nanos SimApp::strike_mid_stream_fault(Stream& s) {
  if (!s.req.stream) {
    // A whole body cannot fail halfway through; the same faults strike it as a whole.
    const Nanos t = now_ns();
    scratch_.clear();
    if (s.fault == FaultKind::stream_error) {
      if (is_ollama(s.api)) {
        reply_ollama_error(s.conn, 500, kFailure);
      } else {
        reply_llama_error(s.conn, 500, kFailure, "server_error");
      }
      return t;
    }
    render_final(scratch_, s, s.text);
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
      begin_frame(s.api);
      if (is_ollama(s.api)) {
        ollama::error_body(frame_, kFailure);
      } else {
        openai::error_body(frame_, 500, kFailure, "server_error");
      }
      end_frame(s);
      return http_->end_stream(s.conn);
    case FaultKind::malformed: {
      // The next token's frame, cut off in the middle of its JSON.
      std::string json;
      render_token(json, s, s.emitted, {});
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

void SimApp::account(const Stream& s) {
  if (s.first_token == 0) return;  // never got past the prompt
  prompt_tokens_total_ += s.req.prompt_tokens;
  prompt_seconds_total_ += static_cast<double>(s.first_token - s.started) / 1e9;
  predicted_tokens_total_ += s.emitted;
  predicted_seconds_total_ += static_cast<double>(s.last_token - s.first_token) / 1e9;
}

void SimApp::trace_done(std::uint64_t ordinal, Nanos t, std::string_view reason) {
  if (trace_) trace_->done(ordinal, t, reason);
}

}  // namespace hakari::sim
