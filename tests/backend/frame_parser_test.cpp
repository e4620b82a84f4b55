#include "hakari/backend/frame_parser.h"

#include <gtest/gtest.h>

namespace hakari::backend {
namespace {

using metrics::CountSource;

class FrameParserTest : public ::testing::Test {
 protected:
  FrameInfo parse_ok(ApiKind api, std::string_view frame) {
    FrameInfo f;
    std::string error;
    EXPECT_TRUE(parser.parse(api, frame, f, error)) << error << " in " << frame;
    return f;
  }
  std::string parse_error(ApiKind api, std::string_view frame) {
    FrameInfo f;
    std::string error;
    EXPECT_FALSE(parser.parse(api, frame, f, error)) << frame;
    return error;
  }
  FrameParser parser;
};

TEST_F(FrameParserTest, OpenAiRoleChunkCarriesNoToken) {
  auto f = parse_ok(ApiKind::openai_chat,
                    R"({"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1,"id":"x","model":"m","object":"chat.completion.chunk"})");
  EXPECT_EQ(f.tokens, 0);
  EXPECT_FALSE(f.terminal);
  EXPECT_TRUE(f.finish_reason.empty());
}

TEST_F(FrameParserTest, OpenAiContentChunkIsOneTokenWithUnescapedText) {
  auto f = parse_ok(ApiKind::openai_chat, R"({"choices":[{"index":0,"delta":{"content":"\u043b\"q\"\n"}}]})");
  EXPECT_EQ(f.tokens, 1);
  EXPECT_EQ(f.content, "л\"q\"\n");
}

TEST_F(FrameParserTest, LlamaCppFinalChatChunkCarriesUsageAndTimings) {
  auto f = parse_ok(
      ApiKind::openai_chat,
      R"({"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1795820216,"id":"c","model":"m","system_fingerprint":"b5601-d01ac08d","object":"chat.completion.chunk","usage":{"completion_tokens":8,"prompt_tokens":32,"total_tokens":40},"timings":{"prompt_n":32,"prompt_ms":14.515,"prompt_per_token_ms":0.45359375,"prompt_per_second":2204.6,"predicted_n":8,"predicted_ms":37.76,"predicted_per_token_ms":4.72,"predicted_per_second":211.8}})");
  EXPECT_EQ(f.tokens, 0);
  EXPECT_EQ(f.finish_reason, "length");
  EXPECT_EQ(f.output_tokens, 8);
  EXPECT_EQ(f.output_source, CountSource::server_usage);
  EXPECT_EQ(f.prompt_tokens, 32);
  EXPECT_EQ(f.timings.prompt_n, 32);
  EXPECT_DOUBLE_EQ(*f.timings.prompt_ms, 14.515);
  EXPECT_EQ(f.timings.predicted_n, 8);
  EXPECT_DOUBLE_EQ(*f.timings.predicted_ms, 37.76);
}

TEST_F(FrameParserTest, DoneMarkerIsTerminal) {
  EXPECT_TRUE(parse_ok(ApiKind::openai_chat, "[DONE]").terminal);
  EXPECT_TRUE(parse_ok(ApiKind::openai_completions, " [DONE] ").terminal);
}

TEST_F(FrameParserTest, VllmUsageChunkWithEmptyChoicesAndReasoningDeltas) {
  auto usage = parse_ok(ApiKind::openai_chat,
                        R"({"id":"chatcmpl-9f2c","object":"chat.completion.chunk","created":1,"model":"llama-8b","choices":[],"usage":{"prompt_tokens":44,"total_tokens":172,"completion_tokens":128}})");
  EXPECT_EQ(usage.output_tokens, 128);
  EXPECT_EQ(usage.prompt_tokens, 44);
  auto reasoning = parse_ok(ApiKind::openai_chat,
                            R"({"choices":[{"index":0,"delta":{"reasoning_content":"Let me think"},"logprobs":null,"finish_reason":null}]})");
  EXPECT_EQ(reasoning.tokens, 1);
  EXPECT_TRUE(reasoning.content.empty());  // the answer text excludes reasoning
  auto null_usage = parse_ok(ApiKind::openai_chat, R"({"choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null})");
  EXPECT_EQ(null_usage.tokens, 1);
  EXPECT_FALSE(null_usage.output_tokens);
}

TEST_F(FrameParserTest, CompletionsTextChunk) {
  auto f = parse_ok(ApiKind::openai_completions,
                    R"({"choices":[{"text":" попу","index":0,"logprobs":null,"finish_reason":null}],"created":1,"model":"m","object":"text_completion"})");
  EXPECT_EQ(f.tokens, 1);
  EXPECT_EQ(f.content, " попу");
}

TEST_F(FrameParserTest, InStreamErrorsInEveryShape) {
  auto nested = parse_ok(ApiKind::openai_chat,
                         R"({"error":{"code":500,"message":"simulated failure","type":"server_error"}})");
  EXPECT_TRUE(nested.is_error);
  EXPECT_EQ(nested.error_message, "simulated failure (server_error, 500)");
  auto flat = parse_ok(ApiKind::openai_chat,
                       R"({"object":"error","message":"model overloaded","type":"BadRequestError","param":null,"code":400})");
  EXPECT_TRUE(flat.is_error);
  EXPECT_EQ(flat.error_message, "model overloaded");
  auto ollama = parse_ok(ApiKind::ollama_chat, R"({"error":"an error was encountered while running the model"})");
  EXPECT_TRUE(ollama.is_error);
  EXPECT_EQ(ollama.error_message, "an error was encountered while running the model");
}

TEST_F(FrameParserTest, LlamaCppNativeTokensAndFinalTimings) {
  auto tok = parse_ok(ApiKind::llamacpp_completion,
                      R"({"index":0,"content":" попу","tokens":[21440],"stop":false,"id_slot":-1,"tokens_predicted":1,"tokens_evaluated":5})");
  EXPECT_EQ(tok.tokens, 1);
  EXPECT_FALSE(tok.terminal);
  auto two = parse_ok(ApiKind::llamacpp_completion, R"({"content":"ab","tokens":[1,2],"stop":false})");
  EXPECT_EQ(two.tokens, 2);
  auto held = parse_ok(ApiKind::llamacpp_completion, R"({"content":"","tokens":[7],"stop":false})");
  EXPECT_EQ(held.tokens, 1);  // a token whose bytes are not yet a whole character
  auto old = parse_ok(ApiKind::llamacpp_completion, R"({"content":"x","stop":false})");
  EXPECT_EQ(old.tokens, 1);
  auto last = parse_ok(
      ApiKind::llamacpp_completion,
      R"({"index":0,"content":"","tokens":[],"id_slot":2,"stop":true,"model":"gpt-3.5-turbo","tokens_predicted":8,"tokens_evaluated":5,"generation_settings":{"n_predict":8,"stop":[],"samplers":["top_k"]},"prompt":"<s> Once","stop_type":"limit","stopping_word":"","tokens_cached":12,"timings":{"prompt_n":5,"prompt_ms":6.514,"predicted_n":8,"predicted_ms":28.991}})");
  EXPECT_TRUE(last.terminal);
  EXPECT_EQ(last.tokens, 0);
  EXPECT_EQ(last.finish_reason, "limit");
  EXPECT_EQ(last.output_tokens, 8);
  EXPECT_EQ(last.output_source, CountSource::server_timings);
  EXPECT_EQ(last.prompt_tokens, 5);
  EXPECT_DOUBLE_EQ(*last.timings.predicted_ms, 28.991);
}

TEST_F(FrameParserTest, OllamaNativeFramesAndDurationsInNanoseconds) {
  auto tok = parse_ok(ApiKind::ollama_chat,
                      R"({"model":"llama3.2","created_at":"2025-05-01T10:00:00.101Z","message":{"role":"assistant","content":"The"},"done":false})");
  EXPECT_EQ(tok.tokens, 1);
  EXPECT_EQ(tok.content, "The");
  auto last = parse_ok(
      ApiKind::ollama_chat,
      R"({"model":"llama3.2","created_at":"2025-05-01T10:00:02.300Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","total_duration":2512345678,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":142546000,"eval_count":128,"eval_duration":2135599000})");
  EXPECT_TRUE(last.terminal);
  EXPECT_EQ(last.tokens, 0);
  EXPECT_EQ(last.finish_reason, "length");
  EXPECT_EQ(last.output_tokens, 128);
  EXPECT_EQ(last.output_source, CountSource::server_eval);
  EXPECT_EQ(last.prompt_tokens, 26);
  EXPECT_NEAR(*last.timings.predicted_ms, 2135.599, 1e-9);
  EXPECT_NEAR(*last.timings.load_ms, 1.334875, 1e-9);
  EXPECT_NEAR(*last.timings.total_ms, 2512.345678, 1e-9);
  auto gen = parse_ok(ApiKind::ollama_generate, R"({"model":"m","response":" sky","done":false})");
  EXPECT_EQ(gen.tokens, 1);
  EXPECT_EQ(gen.content, " sky");
  auto thinking = parse_ok(ApiKind::ollama_chat, R"({"message":{"role":"assistant","content":"","thinking":"hmm"},"done":false})");
  EXPECT_EQ(thinking.tokens, 1);
}

TEST_F(FrameParserTest, RejectsWhatIsNotAJsonObject) {
  EXPECT_FALSE(parse_error(ApiKind::openai_chat, R"({"choices":[{"delta":{"con)").empty());
  EXPECT_FALSE(parse_error(ApiKind::openai_chat, "[1,2]").empty());
  EXPECT_FALSE(parse_error(ApiKind::ollama_chat, "not json").empty());
  EXPECT_FALSE(parse_error(ApiKind::openai_chat, R"({"choices":"nope"})").empty());
  EXPECT_FALSE(parse_error(ApiKind::llamacpp_completion, "").empty());
}

TEST_F(FrameParserTest, EveryProperPrefixOfAFrameIsRejected) {
  const std::string frame =
      R"({"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1,"id":"c","model":"m","usage":{"completion_tokens":8,"prompt_tokens":32},"timings":{"prompt_n":32,"predicted_ms":37.76}})";
  for (std::size_t n = 0; n < frame.size(); ++n) {
    FrameInfo f;
    std::string error;
    EXPECT_FALSE(parser.parse(ApiKind::openai_chat, frame.substr(0, n), f, error)) << "prefix of " << n << " bytes";
  }
}

TEST_F(FrameParserTest, WrongTypesAreIgnoredNotTrusted) {
  auto f = parse_ok(ApiKind::openai_chat,
                    R"({"choices":[{"delta":{"content":5},"finish_reason":7}],"usage":{"completion_tokens":"eight","prompt_tokens":-3}})");
  EXPECT_EQ(f.tokens, 0);
  EXPECT_TRUE(f.finish_reason.empty());
  EXPECT_FALSE(f.output_tokens);
  EXPECT_FALSE(f.prompt_tokens);
}

TEST_F(FrameParserTest, ErrorMessageFromErrorBodies) {
  EXPECT_EQ(parser.error_message(
                R"({"error":{"code":500,"message":"[json.exception.parse_error.101] parse error at line 1","type":"server_error"}})"),
            "[json.exception.parse_error.101] parse error at line 1 (server_error, 500)");
  EXPECT_EQ(parser.error_message(R"({"error":"model 'x' not found"})"), "model 'x' not found");
  EXPECT_EQ(parser.error_message(R"({"object":"error","message":"too long","code":400})"), "too long");
  EXPECT_EQ(parser.error_message("  Internal Server Error\n"), "Internal Server Error");
  EXPECT_EQ(parser.error_message(std::string(400, 'x')).size(), 303u);
}

}  // namespace
}  // namespace hakari::backend
