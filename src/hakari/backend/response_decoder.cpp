#include "hakari/backend/response_decoder.h"

#include <algorithm>

namespace hakari::backend {

using metrics::CountSource;
using metrics::ErrorClass;
using metrics::RequestStatus;
using transport::TransferError;

namespace {

constexpr std::size_t kMaxErrorBody = 64u << 10;
// A stream that runs on far past the tokens asked for (a server ignoring max_tokens, or
// repeating itself forever) is cut here rather than read until the total timeout: four
// frames a token covers role, usage and keep-alive frames with room to spare.
constexpr std::int64_t kFramesPerExpectedToken = 4;
constexpr std::int64_t kFrameAllowance = 16;

bool is_success(long status) { return status >= 200 && status < 300; }

std::string excerpt(std::string_view s, std::size_t max = 120) {
  std::string out(s.substr(0, max));
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

ResponseDecoder::ResponseDecoder(ApiKind api, FrameParser& parser, bool keep_text)
    : api_(api), parser_(parser), keep_text_default_(keep_text), keep_text_(keep_text) {}

void ResponseDecoder::begin(metrics::RequestRecord& record, std::size_t expected_tokens, std::optional<bool> keep_text) {
  rec_ = &record;
  keep_text_ = keep_text.value_or(keep_text_default_);
  sse_.reset();
  ndjson_.reset();
  error_body_.clear();
  frames_ = 0;
  max_frames_ = expected_tokens > 0
                    ? static_cast<std::int64_t>(expected_tokens) * kFramesPerExpectedToken + kFrameAllowance
                    : 0;
  terminal_seen_ = false;
  failed_ = false;
  // One mark per token plus the role, finish and usage frames: no reallocation mid-stream.
  record.chunks.reserve(expected_tokens + 4);
}

void ResponseDecoder::on_status(long http_status, Nanos t) {
  rec_->http_status = static_cast<int>(http_status);
  if (rec_->first_byte == 0) rec_->first_byte = t;
}

void ResponseDecoder::on_resend(Nanos) { ++rec_->resends; }

void ResponseDecoder::fail(ErrorClass error, std::string detail) {
  if (failed_) return;
  failed_ = true;
  rec_->status = RequestStatus::failed;
  rec_->error = error;
  rec_->error_detail = std::move(detail);
}

bool ResponseDecoder::on_body(std::string_view bytes, Nanos t) {
  if (!is_success(rec_->http_status)) {
    if (error_body_.size() < kMaxErrorBody) {
      error_body_.append(bytes.substr(0, kMaxErrorBody - error_body_.size()));
    }
    return true;
  }
  transport::FrameStatus st{};
  if (framing(api_) == Framing::sse) {
    st = sse_.feed(bytes, [&](const transport::SseEvent& ev) {
      if (ev.event == "error") {
        // llama.cpp's mid-stream failure: an `error:` line, possibly followed by [DONE].
        fail(ErrorClass::stream_error, parser_.error_message(ev.data));
      } else {
        on_frame(ev.data, t);
      }
    });
  } else {
    st = ndjson_.feed(bytes, [&](std::string_view line) { on_frame(line, t); });
  }
  if (st == transport::FrameStatus::too_large) {
    fail(ErrorClass::too_large, "a frame exceeded " + std::to_string(transport::SseFramer::kDefaultMaxEventBytes) + " bytes");
  }
  return !failed_;
}

void ResponseDecoder::on_frame(std::string_view data, Nanos t) {
  if (failed_ || terminal_seen_) return;  // nothing after the end marker or an error counts
  ++frames_;
  metrics::RequestRecord& rec = *rec_;
  if (max_frames_ > 0 && frames_ > max_frames_) {
    fail(ErrorClass::overrun, "the stream went on past " + std::to_string(max_frames_) + " frames (" +
                                  std::to_string(rec.client_tokens) + " tokens) without ending; reading stopped");
    return;
  }
  if (!parser_.parse(api_, data, frame_, parse_error_)) {
    fail(ErrorClass::malformed_frame,
         "frame " + std::to_string(frames_) + ": " + parse_error_ + ": " + excerpt(data));
    return;
  }
  if (frame_.is_error) {
    fail(ErrorClass::stream_error, frame_.error_message);
    return;
  }
  rec.chunks.push_back(metrics::ChunkMark{t, frame_.tokens});
  if (frame_.tokens > 0) {
    if (rec.first_token == 0) rec.first_token = t;
    rec.last_token = t;
    rec.client_tokens += frame_.tokens;
    rec.content_bytes += static_cast<std::int64_t>(frame_.content.size());
    if (keep_text_) rec.output_text.append(frame_.content);
  }
  if (!frame_.finish_reason.empty()) rec.finish_reason.assign(frame_.finish_reason);
  if (frame_.prompt_tokens) {
    rec.prompt_tokens = frame_.prompt_tokens;
    rec.prompt_tokens_source = frame_.prompt_source;
  }
  if (frame_.output_tokens) {
    rec.output_tokens = *frame_.output_tokens;
    rec.output_tokens_source = frame_.output_source;
  }
  const auto& ft = frame_.timings;
  auto& st = rec.server;
  if (ft.prompt_n) st.prompt_n = ft.prompt_n;
  if (ft.cache_n) st.cache_n = ft.cache_n;
  if (ft.prompt_ms) st.prompt_ms = ft.prompt_ms;
  if (ft.predicted_n) st.predicted_n = ft.predicted_n;
  if (ft.predicted_ms) st.predicted_ms = ft.predicted_ms;
  if (ft.load_ms) st.load_ms = ft.load_ms;
  if (ft.total_ms) st.total_ms = ft.total_ms;
  if (frame_.terminal) terminal_seen_ = true;
}

void ResponseDecoder::on_complete(const transport::TransferResult& result, Nanos t) {
  metrics::RequestRecord& rec = *rec_;
  rec.done = t;
  if (result.http_status != 0) rec.http_status = static_cast<int>(result.http_status);
  if (framing(api_) == Framing::ndjson && !failed_ && is_success(rec.http_status)) {
    // A last line without its newline is still a line.
    ndjson_.finish([&](std::string_view line) { on_frame(line, t); });
  }

  if (rec.output_tokens_source == CountSource::none) {
    rec.output_tokens = rec.client_tokens;
    rec.output_tokens_source = CountSource::client_chunks;
  }
  if (failed_) return;  // the decoder's own verdict (malformed, stream error) stands

  if (result.error == TransferError::cancelled) {
    rec.status = RequestStatus::cancelled;
    rec.error = ErrorClass::cancelled;
    rec.error_detail = "cancelled before the response completed";
    return;
  }
  if (rec.http_status != 0 && !is_success(rec.http_status)) {
    fail(ErrorClass::http_status, "HTTP " + std::to_string(rec.http_status) + ": " +
                                      (error_body_.empty() ? std::string("(empty body)")
                                                           : parser_.error_message(error_body_)));
    return;
  }
  const bool finished = terminal_seen_ || !rec.finish_reason.empty();
  switch (result.error) {
    case TransferError::none: break;
    case TransferError::connect: fail(ErrorClass::connect, result.detail); return;
    case TransferError::timeout:
      fail(ErrorClass::timeout, result.detail + " after " + std::to_string(frames_) + " frames");
      return;
    case TransferError::send: fail(ErrorClass::send, result.detail); return;
    case TransferError::recv:
      if (finished) break;  // the end marker arrived; a dirty close after it loses nothing
      if (rec.first_byte != 0) {
        fail(ErrorClass::truncated, "connection closed after " + std::to_string(frames_) +
                                        " frames: " + result.detail);
      } else {
        fail(ErrorClass::recv, result.detail);
      }
      return;
    case TransferError::aborted:
    case TransferError::cancelled:
    case TransferError::other: fail(ErrorClass::other, result.detail); return;
  }
  if (!finished) {
    std::string detail = "stream ended after " + std::to_string(frames_) + " frames without ";
    detail += api_ == ApiKind::llamacpp_completion ? "\"stop\":true"
              : framing(api_) == Framing::ndjson   ? "\"done\":true"
                                                   : "[DONE]";
    std::size_t pending = framing(api_) == Framing::sse ? sse_.pending_bytes() : ndjson_.pending_bytes();
    if (pending > 0) detail += " (" + std::to_string(pending) + " bytes of an unfinished frame)";
    fail(ErrorClass::truncated, std::move(detail));
    return;
  }
  rec.status = RequestStatus::ok;
  rec.error = ErrorClass::none;
}

}  // namespace hakari::backend
