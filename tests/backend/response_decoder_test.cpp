#include "hakari/backend/response_decoder.h"

#include <gtest/gtest.h>

#include "support/test_files.h"

namespace hakari::backend {
namespace {

using metrics::CountSource;
using metrics::ErrorClass;
using metrics::RequestRecord;
using metrics::RequestStatus;
using transport::TransferError;
using transport::TransferResult;

// Plays a response into a decoder: status at t=1 ms, then the body in pieces, one
// millisecond apart, then the end of the transfer.
struct Playback {
  ApiKind api;
  long status = 200;
  std::vector<std::string> pieces;
  TransferResult end{};
  bool keep_text = false;

  RequestRecord run() const {
    FrameParser parser;
    ResponseDecoder dec(api, parser, keep_text);
    RequestRecord rec;
    rec.sent = 1'000'000;
    dec.begin(rec, 16);
    Nanos t = 1'000'000;
    dec.on_status(status, t += kNanosPerMilli);
    for (const auto& p : pieces) {
      if (!dec.on_body(p, t += kNanosPerMilli)) break;
    }
    TransferResult r = end;
    if (r.http_status == 0) r.http_status = status;
    dec.on_complete(r, t += kNanosPerMilli);
    return rec;
  }
};

std::vector<std::string> split_every(const std::string& s, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); i += n) out.push_back(s.substr(i, n));
  return out;
}

std::string fixture(const char* name) { return hakari::testing::read_data(std::string("llama-server/") + name); }

TEST(ResponseDecoder, LlamaCppChatStreamFixture) {
  Playback p{ApiKind::openai_chat, 200, {fixture("chat-completions-stream.sse")}};
  p.keep_text = true;
  RequestRecord r = p.run();
  EXPECT_EQ(r.status, RequestStatus::ok) << r.error_detail;
  EXPECT_EQ(r.client_tokens, 8);
  EXPECT_EQ(r.output_tokens, 8);
  EXPECT_EQ(r.output_tokens_source, CountSource::server_usage);
  EXPECT_EQ(r.prompt_tokens, 32);
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(r.server.prompt_n, 32);
  EXPECT_DOUBLE_EQ(*r.server.predicted_ms, 37.76);
  EXPECT_EQ(r.chunks.size(), 11u);
  EXPECT_EQ(r.output_text, "лтатилтатилтатилтатилтатилтатилтатилтати");
  EXPECT_EQ(r.content_bytes, 80);
  EXPECT_EQ(r.first_token, r.chunks[0].t);  // the whole body arrived in one read
}

TEST(ResponseDecoder, SameRecordWhateverTheReadSizes) {
  const std::string body = fixture("chat-completions-stream.sse");
  RequestRecord whole = Playback{ApiKind::openai_chat, 200, {body}}.run();
  for (std::size_t n : {1u, 2u, 3u, 7u, 64u, 333u}) {
    RequestRecord r = Playback{ApiKind::openai_chat, 200, split_every(body, n)}.run();
    EXPECT_EQ(r.status, RequestStatus::ok) << n;
    EXPECT_EQ(r.client_tokens, whole.client_tokens) << n;
    EXPECT_EQ(r.output_tokens, whole.output_tokens) << n;
    EXPECT_EQ(r.chunks.size(), whole.chunks.size()) << n;
    EXPECT_EQ(r.server, whole.server) << n;
  }
}

TEST(ResponseDecoder, TimesTheFirstContentChunkNotTheRoleChunk) {
  const std::string body = fixture("chat-completions-stream.sse");
  const auto first_event_end = body.find("\n\n") + 2;
  // Read 1: the role chunk. Read 2: the rest.
  RequestRecord r = Playback{ApiKind::openai_chat, 200, {body.substr(0, first_event_end), body.substr(first_event_end)}}.run();
  ASSERT_EQ(r.chunks.size(), 11u);
  EXPECT_EQ(r.chunks[0].tokens, 0);
  EXPECT_EQ(r.first_token, r.chunks[1].t);
  EXPECT_GT(r.first_token, r.chunks[0].t);
  EXPECT_EQ(r.last_token, r.chunks[8].t);
}

TEST(ResponseDecoder, CompletionsAndNativeFixtures) {
  RequestRecord c = Playback{ApiKind::openai_completions, 200, {fixture("completions-stream.sse")}}.run();
  EXPECT_EQ(c.status, RequestStatus::ok) << c.error_detail;
  EXPECT_EQ(c.client_tokens, 8);
  EXPECT_EQ(c.output_tokens, 8);
  EXPECT_EQ(c.prompt_tokens, 5);

  RequestRecord n = Playback{ApiKind::llamacpp_completion, 200, {fixture("completion-native-stream.sse")}}.run();
  EXPECT_EQ(n.status, RequestStatus::ok) << n.error_detail;
  EXPECT_EQ(n.client_tokens, 8);
  EXPECT_EQ(n.output_tokens, 8);
  EXPECT_EQ(n.output_tokens_source, CountSource::server_timings);
  EXPECT_EQ(n.prompt_tokens, 5);
  EXPECT_EQ(n.finish_reason, "limit");
  EXPECT_DOUBLE_EQ(*n.server.prompt_ms, 6.514);
}

TEST(ResponseDecoder, StreamWithLogprobsFixture) {
  auto capture = hakari::testing::parse_http_capture(fixture("error-example.http"));
  ASSERT_EQ(capture.status, 200);
  // The capture holds the de-chunked body.
  RequestRecord r = Playback{ApiKind::openai_chat, 200, {capture.body}}.run();
  EXPECT_GT(r.client_tokens, 0);
  EXPECT_NE(r.status, RequestStatus::failed) << r.error_detail;
}

TEST(ResponseDecoder, HttpErrorFixtureKeepsTheServersMessage) {
  auto capture = hakari::testing::parse_http_capture(fixture("error-bad-json.http"));
  RequestRecord r = Playback{ApiKind::openai_chat, capture.status, {capture.body}}.run();
  EXPECT_EQ(r.status, RequestStatus::failed);
  EXPECT_EQ(r.error, ErrorClass::http_status);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(r.error_detail.rfind("HTTP 500: [json.exception.parse_error.101]", 0), 0u) << r.error_detail;
  EXPECT_NE(r.error_detail.find("(server_error, 500)"), std::string::npos);
}

TEST(ResponseDecoder, ErrorObjectInsideA200Stream) {
  RequestRecord r = Playback{ApiKind::openai_chat,
                             200,
                             {"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n",
                              "data: {\"error\":{\"code\":500,\"message\":\"simulated failure\",\"type\":\"server_error\"}}\n\n",
                              "data: [DONE]\n\n"}}
                        .run();
  EXPECT_EQ(r.status, RequestStatus::failed);
  EXPECT_EQ(r.error, ErrorClass::stream_error);
  EXPECT_EQ(r.error_detail, "simulated failure (server_error, 500)");
  EXPECT_EQ(r.client_tokens, 1);
}

TEST(ResponseDecoder, MalformedFrameNamesTheFrame) {
  RequestRecord r = Playback{ApiKind::openai_chat,
                             200,
                             {"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n",
                              "data: {\"choices\":[{\"delta\":{\"con\n\n", "data: [DONE]\n\n"}}
                        .run();
  EXPECT_EQ(r.status, RequestStatus::failed);
  EXPECT_EQ(r.error, ErrorClass::malformed_frame);
  EXPECT_EQ(r.error_detail.rfind("frame 2: ", 0), 0u) << r.error_detail;
  EXPECT_NE(r.error_detail.find("{\"choices\":[{\"delta\":{\"con"), std::string::npos);
}

TEST(ResponseDecoder, StreamThatEndsWithoutItsMarkerIsTruncated) {
  RequestRecord r =
      Playback{ApiKind::openai_chat, 200, {"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"cho"}}
          .run();
  EXPECT_EQ(r.error, ErrorClass::truncated);
  EXPECT_EQ(r.error_detail.rfind("stream ended after 1 frames without [DONE] (", 0), 0u) << r.error_detail;
  EXPECT_NE(r.error_detail.find("without [DONE]"), std::string::npos);
  EXPECT_NE(r.error_detail.find("unfinished frame"), std::string::npos);

  Playback cut{ApiKind::llamacpp_completion, 200, {"data: {\"content\":\"a\",\"tokens\":[1],\"stop\":false}\n\n"}};
  cut.end = TransferResult{TransferError::recv, "transfer closed with outstanding read data remaining", 200};
  RequestRecord c = cut.run();
  EXPECT_EQ(c.error, ErrorClass::truncated);
  EXPECT_NE(c.error_detail.find("connection closed after 1 frames"), std::string::npos) << c.error_detail;
}

TEST(ResponseDecoder, OllamaNdjsonWithALastLineWithoutNewline) {
  const std::string body =
      "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"},\"done\":false}\n"
      "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\" sky\"},\"done\":false}\n"
      "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"length\","
      "\"prompt_eval_count\":26,\"eval_count\":2,\"eval_duration\":35000000}";
  for (std::size_t n : {1u, 5u, 1000u}) {
    RequestRecord r = Playback{ApiKind::ollama_chat, 200, split_every(body, n)}.run();
    EXPECT_EQ(r.status, RequestStatus::ok) << r.error_detail;
    EXPECT_EQ(r.client_tokens, 2);
    EXPECT_EQ(r.output_tokens, 2);
    EXPECT_EQ(r.output_tokens_source, CountSource::server_eval);
    EXPECT_EQ(r.prompt_tokens, 26);
    EXPECT_EQ(r.finish_reason, "length");
    EXPECT_DOUBLE_EQ(*r.server.predicted_ms, 35.0);
  }
}

TEST(ResponseDecoder, WithoutServerCountsTheClientCountIsUsedAndSaid) {
  RequestRecord r = Playback{ApiKind::openai_chat,
                             200,
                             {"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n",
                              "data: {\"choices\":[{\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}\n\n",
                              "data: [DONE]\n\n"}}
                        .run();
  EXPECT_EQ(r.status, RequestStatus::ok);
  EXPECT_EQ(r.output_tokens, 2);
  EXPECT_EQ(r.output_tokens_source, CountSource::client_chunks);
  EXPECT_FALSE(r.prompt_tokens);
  EXPECT_EQ(r.finish_reason, "stop");
}

TEST(ResponseDecoder, TransportFailuresAreClassified) {
  Playback refused{ApiKind::openai_chat, 0, {}};
  refused.end = TransferResult{TransferError::connect, "Failed to connect to 127.0.0.1 port 1", 0};
  RequestRecord r = refused.run();
  EXPECT_EQ(r.error, ErrorClass::connect);
  EXPECT_EQ(r.error_detail, "Failed to connect to 127.0.0.1 port 1");

  Playback slow{ApiKind::openai_chat, 200, {"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"}};
  slow.end = TransferResult{TransferError::timeout, "no data for 1.0 s (idle timeout)", 200};
  EXPECT_EQ(slow.run().error, ErrorClass::timeout);

  Playback cancelled{ApiKind::openai_chat, 200, {}};
  cancelled.end = TransferResult{TransferError::cancelled, "cancelled", 200};
  RequestRecord c = cancelled.run();
  EXPECT_EQ(c.status, RequestStatus::cancelled);
  EXPECT_EQ(c.error, ErrorClass::cancelled);
}

TEST(ResponseDecoder, NothingAfterTheEndMarkerCounts) {
  RequestRecord r = Playback{ApiKind::llamacpp_completion,
                             200,
                             {"data: {\"content\":\"a\",\"tokens\":[1],\"stop\":false}\n\n"
                              "data: {\"content\":\"\",\"tokens\":[],\"stop\":true,\"stop_type\":\"eos\",\"timings\":{\"predicted_n\":1}}\n\n"
                              "data: {\"content\":\"zzz\",\"tokens\":[9],\"stop\":false}\n\n"}}
                        .run();
  EXPECT_EQ(r.status, RequestStatus::ok);
  EXPECT_EQ(r.client_tokens, 1);
  EXPECT_EQ(r.finish_reason, "eos");
}

// A server that goes on streaming past max_tokens (16 in Playback) is cut at a bound
// rather than read until the total timeout.
TEST(ResponseDecoder, AStreamRunningFarPastMaxTokensIsAnOverrun) {
  Playback p{ApiKind::llamacpp_completion, 200, {}};
  for (int i = 0; i < 200; ++i) p.pieces.push_back("data: {\"content\":\"x\",\"stop\":false}\n\n");
  RequestRecord r = p.run();
  EXPECT_EQ(r.status, RequestStatus::failed);
  EXPECT_EQ(r.error, ErrorClass::overrun);
  EXPECT_EQ(r.error_detail, "the stream went on past 80 frames (80 tokens) without ending; reading stopped");
  EXPECT_EQ(r.client_tokens, 80);
}

TEST(ResponseDecoder, AStreamWithinItsBoundIsNotAnOverrun) {
  Playback p{ApiKind::llamacpp_completion, 200, {}};
  for (int i = 0; i < 60; ++i) p.pieces.push_back("data: {\"content\":\"x\",\"stop\":false}\n\n");
  p.pieces.push_back("data: {\"content\":\"\",\"stop\":true}\n\n");
  RequestRecord r = p.run();
  EXPECT_EQ(r.status, RequestStatus::ok) << r.error_detail;
  EXPECT_EQ(r.client_tokens, 60);
}

TEST(ResponseDecoder, CountsResends) {
  FrameParser parser;
  ResponseDecoder dec(ApiKind::llamacpp_completion, parser);
  RequestRecord rec;
  dec.begin(rec, 4);
  dec.on_resend(5);
  EXPECT_EQ(rec.resends, 1);
}

// What b5601 sends when generation fails midway on its OpenAI route: an `error:` line,
// then `data: [DONE]`. The [DONE] must not pass the stream as a success.
TEST(ResponseDecoder, LlamaCppsMidStreamErrorLineFailsTheStreamDespiteDone) {
  Playback p{ApiKind::openai_chat, 200, {}};
  p.pieces = {"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
              "error: {\"code\":500,\"message\":\"the KV cache is full\",\"type\":\"server_error\"}\n\n",
              "data: [DONE]\n\n"};
  RequestRecord r = p.run();
  EXPECT_EQ(r.status, RequestStatus::failed);
  EXPECT_EQ(r.error, ErrorClass::stream_error);
  EXPECT_EQ(r.error_detail, "the KV cache is full");
  EXPECT_EQ(r.client_tokens, 1);
}

}  // namespace
}  // namespace hakari::backend
