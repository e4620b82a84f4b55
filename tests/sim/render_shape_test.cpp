// Every renderer's output has the keys, key order and nesting of the frame a real server
// sent (the captured llama.cpp b5601 transcripts; Ollama's documented example). Values
// may differ; shape() drops them.
#include <gtest/gtest.h>

#include <array>

#include "hakari/sim/json_format.h"
#include "hakari/sim/render_llamacpp.h"
#include "hakari/sim/render_ollama.h"
#include "hakari/sim/render_openai.h"
#include "sim/sim_test_util.h"

namespace hakari::sim {
namespace {

using testing::fixture;
using testing::http_fixture_body;
using testing::lines;
using testing::read_file;
using testing::shape;
using testing::sse_data;

const ResponseIdentity kId{"chatcmpl-abcdefghijklmnopqrstuvwxyzABCDEF", 1795820216, "hakari-sim",
                           "hakari-sim-0.1.0"};
const Usage kUsage{32, 8};
const Timings kTimings{32, 14.5, 8, 37.76};

std::string probs_entry() {
  const std::array<TokenCandidate, 2> top{{{" the", 4775, -0.5}, {"\"", 12, -1.75}}};
  std::string out;
  append_token_probs(out, top);
  return out;
}

TEST(RenderShape, ChatStreamMatchesTheFixture) {
  const auto frames = sse_data(fixture("chat-completions-stream.sse"));
  ASSERT_EQ(frames.size(), 11u);
  EXPECT_EQ(frames.back(), "[DONE]");

  std::string role, content, finish;
  openai::chat_role_chunk(role, kId);
  openai::chat_content_chunk(content, kId, " the", {});
  openai::chat_finish_chunk(finish, kId, "length", &kUsage, kTimings);
  EXPECT_EQ(shape(role), shape(frames[0]));
  EXPECT_EQ(shape(content), shape(frames[1]));
  EXPECT_EQ(shape(finish), shape(frames[9]));
  // Byte-for-byte where values agree: the role chunk has nothing request-specific but ids.
  EXPECT_NE(role.find(R"("delta":{"role":"assistant","content":null})"), std::string::npos);
}

TEST(RenderShape, ChatChunkWithLogprobsMatchesTheFixture) {
  const auto frames = sse_data(http_fixture_body(fixture("error-example.http")));
  ASSERT_GE(frames.size(), 3u);
  std::string chunk;
  openai::chat_content_chunk(chunk, kId, " the", probs_entry());
  EXPECT_EQ(shape(chunk), shape(frames[1]));
}

TEST(RenderShape, ChatResponseMatchesTheFixture) {
  std::string body;
  openai::chat_response(body, kId, " hello", "length", kUsage, kTimings, {});
  EXPECT_EQ(shape(body), shape(fixture("chat-completions-nostream.json")));
}

TEST(RenderShape, CompletionsMatchTheFixtures) {
  const auto frames = sse_data(fixture("completions-stream.sse"));
  ASSERT_EQ(frames.size(), 10u);
  std::string chunk, last, whole;
  openai::completion_chunk(chunk, kId, " the");
  openai::completion_final(last, kId, "", "length", kUsage, kTimings);
  openai::completion_final(whole, kId, " the end", "stop", kUsage, kTimings);
  EXPECT_EQ(shape(chunk), shape(frames[0]));
  EXPECT_EQ(shape(last), shape(frames[8]));
  EXPECT_EQ(shape(whole), shape(http_fixture_body(fixture("error-context-too-long.http"))));
}

llamacpp::NativeFinal native_final_facts() {
  llamacpp::NativeFinal f;
  f.slot = 2;
  f.model = "hakari-sim";
  f.tokens_predicted = 8;
  f.tokens_evaluated = 5;
  f.params.n_predict = 8;
  f.params.ignore_eos = true;  // the fixture's logit_bias holds the EOS ban
  f.prompt = "<s> Once upon a time";
  f.timings = kTimings;
  return f;
}

TEST(RenderShape, NativeCompletionStreamMatchesTheFixture) {
  const auto frames = sse_data(fixture("completion-native-stream.sse"));
  ASSERT_EQ(frames.size(), 9u);
  std::string chunk, last;
  llamacpp::native_chunk(chunk, " the", 4775, 1, 5, {});
  llamacpp::native_final(last, native_final_facts());
  EXPECT_EQ(shape(chunk), shape(frames[0]));
  EXPECT_EQ(shape(last), shape(frames[8]));
}

TEST(RenderShape, NativeCompletionBodyWithProbsMatchesTheFixture) {
  llamacpp::NativeFinal f = native_final_facts();
  f.content = " the end";
  f.params.n_probs = 2;
  const std::string probs = probs_entry() + "," + probs_entry();
  f.probs = probs;
  std::string body;
  llamacpp::native_final(body, f);
  EXPECT_EQ(shape(body), shape(fixture("completion-native-nostream.json")));
}

llamacpp::ServerInfo info() {
  llamacpp::ServerInfo i;
  i.model_name = "hakari-sim";
  i.model_path = "models/hakari-sim.gguf";
  i.build_info = "hakari-sim-0.1.0";
  i.n_ctx = 8192;
  i.total_slots = 4;
  i.weights_bytes = 19.8e9;
  return i;
}

TEST(RenderShape, PropsMatchTheFixture) {
  std::string body;
  llamacpp::props(body, info());
  EXPECT_EQ(shape(body), shape(fixture("props.json")));
  // The chat template and special tokens are the fixture's, verbatim.
  const std::size_t from = body.find("\"modalities\"");
  const std::string verbatim = body.substr(from, body.find("\"build_info\"") - from);
  EXPECT_NE(fixture("props.json").find(verbatim), std::string::npos) << verbatim;
}

TEST(RenderShape, ErrorsMatchTheFixture) {
  std::string body;
  openai::error_body(body, 500, "JSON parse error", "server_error");
  EXPECT_EQ(shape(body), shape(http_fixture_body(fixture("error-bad-json.http"))));
}

TEST(RenderShape, TokenizeMatchesTheFixture) {
  PieceTable table;
  std::string body;
  llamacpp::tokenize(body, "Hello 世界", false, false, table);
  EXPECT_EQ(shape(body), shape(fixture("tokenize.json")));
}

TEST(RenderShape, MetricsHaveTheFixtureSeriesInOrder) {
  auto skeleton = [](const std::string& text) {
    std::string out;
    for (const std::string& line : lines(text)) {
      out += line.substr(0, line[0] == '#' ? std::string::npos : line.find(' '));
      out += '\n';
    }
    return out;
  };
  std::string body;
  llamacpp::MetricsSnapshot m;
  m.prompt_tokens_total = 66;
  m.prompt_seconds_total = 0.042;
  llamacpp::metrics(body, m);
  EXPECT_EQ(skeleton(body), skeleton(fixture("metrics.prom")));
  EXPECT_NE(body.find("llamacpp:prompt_tokens_total 66\n"), std::string::npos);
  EXPECT_NE(body.find("llamacpp:prompt_tokens_seconds 1571.43\n"), std::string::npos);
}

TEST(RenderShape, OllamaLinesMatchTheDocumentedExample) {
  const auto expected = lines(read_file(std::string(HAKARI_TEST_DATA_DIR) + "/sim/ollama-chat-stream.ndjson"));
  ASSERT_EQ(expected.size(), 3u);
  const std::string at = rfc3339_utc(1746093600101000000);
  EXPECT_EQ(at, "2025-05-01T10:00:00.101Z");
  std::string token, last;
  ollama::token_line(token, true, "hakari-sim", at, "The");
  ollama::final_line(last, true, "hakari-sim", at, "", "length", ollama::Metrics{});
  EXPECT_EQ(shape(token), shape(expected[0]));
  EXPECT_EQ(shape(last), shape(expected[2]));
  std::string generate;
  ollama::token_line(generate, false, "m", at, "x");
  EXPECT_EQ(shape(generate), "{model:,created_at:,response:,done:}");
}

TEST(JsonFormat, FloatsPrintLikeLlamaCpp) {
  auto render = [](double v) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    float_field(w, "v", v);
    w.end_object();
    return out;
  };
  EXPECT_EQ(render(1.0), R"({"v":1.0})");
  EXPECT_EQ(render(0.0), R"({"v":0.0})");
  EXPECT_EQ(render(-1.0), R"({"v":-1.0})");
  EXPECT_EQ(render(as_c_float(0.8)), R"({"v":0.800000011920929})");
  EXPECT_EQ(render(14.515), R"({"v":14.515})");
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(1'500'000'000), "1970-01-01T00:00:01.5Z");
}

}  // namespace
}  // namespace hakari::sim
