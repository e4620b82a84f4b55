#include "hakari/backend/request_builder.h"

#include <gtest/gtest.h>

#include "hakari/backend/api.h"

namespace hakari::backend {
namespace {

GenerationParams params() {
  GenerationParams p;
  p.model = "qwen3-32b";
  p.messages = {{"user", "Say \"hi\"\n"}};
  p.max_tokens = 32;
  p.temperature = 0.0;
  p.seed = 7;
  return p;
}

TEST(RequestBuilder, OpenAiChatAsksForUsageAndExactLength) {
  std::string body;
  build_body(ApiKind::openai_chat, params(), body);
  EXPECT_EQ(body,
            R"({"model":"qwen3-32b","messages":[{"role":"user","content":"Say \"hi\"\n"}],"max_tokens":32,"stream":true,)"
            R"("stream_options":{"include_usage":true},"temperature":0,"seed":7,"ignore_eos":true,"min_tokens":32})");
}

TEST(RequestBuilder, CompletionsUsePromptAndLengthForcingIsOptional) {
  auto p = params();
  p.force_length = false;
  p.temperature.reset();
  p.seed.reset();
  std::string body;
  build_body(ApiKind::openai_completions, p, body);
  EXPECT_EQ(body, R"({"model":"qwen3-32b","prompt":"Say \"hi\"\n","max_tokens":32,"stream":true,"stream_options":{"include_usage":true}})");
}

TEST(RequestBuilder, OllamaCapsWithNumPredictAndCannotForceLength) {
  std::string body;
  build_body(ApiKind::ollama_chat, params(), body);
  EXPECT_EQ(body,
            R"({"model":"qwen3-32b","messages":[{"role":"user","content":"Say \"hi\"\n"}],"stream":true,)"
            R"("options":{"num_predict":32,"temperature":0,"seed":7}})");
  EXPECT_EQ(length_forcing_method(ApiKind::ollama_chat), "");
  build_body(ApiKind::ollama_generate, params(), body);
  EXPECT_NE(body.find(R"("prompt":"Say \"hi\"\n")"), std::string::npos);
}

TEST(RequestBuilder, LlamaCppNativeUsesNPredictAndIgnoreEos) {
  std::string body;
  build_body(ApiKind::llamacpp_completion, params(), body);
  EXPECT_EQ(body, R"({"prompt":"Say \"hi\"\n","n_predict":32,"stream":true,"ignore_eos":true,"temperature":0,"seed":7})");
}

// A conversation goes to chat APIs as messages and to completion APIs as a transcript.
TEST(RequestBuilder, AConversationIsMessagesForChatAndATranscriptForCompletions) {
  auto p = params();
  p.messages = {{"system", "Be brief."}, {"user", "My code is K-7."}, {"assistant", "Noted."}, {"user", "What is it?"}};
  std::string body;
  build_body(ApiKind::openai_chat, p, body);
  EXPECT_NE(body.find(R"("messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"My code is K-7."},)"
                      R"({"role":"assistant","content":"Noted."},{"role":"user","content":"What is it?"}])"),
            std::string::npos)
      << body;
  build_body(ApiKind::llamacpp_completion, p, body);
  EXPECT_NE(body.find(R"("prompt":"System: Be brief.\n\nUser: My code is K-7.\n\nAssistant: Noted.\n\nUser: What is it?\n\nAssistant:")"),
            std::string::npos)
      << body;
}

TEST(Api, NamesRoundTripAndShortFormsResolve) {
  for (auto api : {ApiKind::openai_chat, ApiKind::openai_completions, ApiKind::ollama_chat, ApiKind::ollama_generate,
                   ApiKind::llamacpp_completion}) {
    EXPECT_EQ(parse_api(api_name(api)), api);
  }
  EXPECT_EQ(parse_api("openai"), ApiKind::openai_chat);
  EXPECT_EQ(parse_api("ollama"), ApiKind::ollama_chat);
  EXPECT_EQ(parse_api("llamacpp"), ApiKind::llamacpp_completion);
  EXPECT_FALSE(parse_api("grpc"));
  EXPECT_EQ(endpoint_path(ApiKind::llamacpp_completion), "/completion");
  EXPECT_EQ(framing(ApiKind::ollama_generate), Framing::ndjson);
}

}  // namespace
}  // namespace hakari::backend
