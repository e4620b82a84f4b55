// The small pure pieces: tokenizer, generated text, fault specs, request parsing.
#include <gtest/gtest.h>

#include <set>

#include "hakari/sim/fault.h"
#include "hakari/sim/gen_request.h"
#include "hakari/sim/http_parser.h"
#include "hakari/sim/sim_options.h"
#include "hakari/sim/text_source.h"
#include "hakari/sim/tokenizer.h"

namespace hakari::sim {
namespace {

std::vector<std::string> pieces(std::string_view text) {
  std::vector<std::string> out;
  split_tokens(text, [&](std::string_view p) { out.emplace_back(p); });
  return out;
}

TEST(Tokenizer, SplitsByTheDocumentedRules) {
  EXPECT_EQ(pieces("Hello world, tokenization!"),
            (std::vector<std::string>{"Hello", " world", ",", " tokeniza", "tion", "!"}));
  EXPECT_EQ(pieces("a  b\n"), (std::vector<std::string>{"a", " ", " b", "\n"}));
  // One token per Japanese character.
  EXPECT_EQ(pieces("日本語で"), (std::vector<std::string>{"日", "本", "語", "で"}));
  EXPECT_EQ(count_tokens("日本語で測る"), 6);
  // Invalid UTF-8 is one token per byte, never a crash.
  EXPECT_EQ(pieces("\xff\xe3\x81"), (std::vector<std::string>{"\xff", "\xe3", "\x81"}));
  EXPECT_EQ(count_tokens(""), 0);
}

TEST(Tokenizer, IdsAreStableAndInRange) {
  EXPECT_EQ(token_id(" the"), token_id(" the"));
  EXPECT_NE(token_id(" the"), token_id("the"));
  std::set<std::int32_t> ids;
  for (const std::string& p : pieces("The quick brown fox jumps over the lazy dog 0123456789 日本語")) {
    const std::int32_t id = token_id(p);
    EXPECT_GE(id, 3);
    EXPECT_LT(id, kVocabSize);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 15u);  // 9 words, " 01234567", "89", " ", 3 characters: all distinct
}

TEST(Tokenizer, DetokenizeRoundTripsWhatItHasSeen) {
  PieceTable table;
  std::vector<std::int64_t> ids{kBosId};
  const std::string text = "Hello 世界, \"quoted\"";
  split_tokens(text, [&](std::string_view p) {
    table.remember(p);
    ids.push_back(token_id(p));
  });
  EXPECT_EQ(table.detokenize(ids), "<s>" + text);
  const std::vector<std::int64_t> unknown{-5, 99999};
  EXPECT_EQ(table.detokenize(unknown), "");
}

TEST(TextSource, IsDeterministicPerSeedAndOrdinal) {
  const TextSource a(7), b(7), c(8);
  std::string ta, tb, tc, other;
  for (int k = 0; k < 200; ++k) {
    ta += a.piece(1, k).text;
    tb += b.piece(1, k).text;
    tc += c.piece(1, k).text;
    other += a.piece(2, k).text;
  }
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
  EXPECT_NE(ta, other);
  // The vocabulary exercises clients' unescaping and UTF-8 handling.
  std::string all;
  for (int k = 0; k < 5000; ++k) all += a.piece(3, k).text;
  EXPECT_NE(all.find('\n'), std::string::npos);
  EXPECT_NE(all.find('"'), std::string::npos);
  EXPECT_NE(all.find("の"), std::string::npos);
  EXPECT_EQ(a.response_id(1, "chatcmpl-").size(), 9u + 32u);
  EXPECT_EQ(a.response_id(1, "chatcmpl-"), b.response_id(1, "chatcmpl-"));
}

TEST(TextSource, NaturalLengthsAreUniformAroundTheMean) {
  const TextSource t(0);
  std::int64_t lo = 1 << 30, hi = 0, sum = 0;
  for (std::uint64_t ord = 1; ord <= 2000; ++ord) {
    const std::int64_t n = t.natural_length(ord, 256);
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    sum += n;
  }
  EXPECT_GE(lo, 128);
  EXPECT_LE(hi, 384);
  EXPECT_LT(lo, 140);
  EXPECT_GT(hi, 370);
  EXPECT_NEAR(static_cast<double>(sum) / 2000, 256, 8);
}

TEST(Faults, ParseAndPlan) {
  std::string error;
  auto rule = parse_fault_rule("stream-error@2,5", error);
  ASSERT_TRUE(rule) << error;
  EXPECT_EQ(rule->kind, FaultKind::stream_error);
  EXPECT_EQ(rule->ordinals, (std::vector<std::uint64_t>{2, 5}));
  auto plan = FaultPlan::build({*rule, *parse_fault_rule("drop@1", error)}, error);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->fault_for(1), FaultKind::drop);
  EXPECT_EQ(plan->fault_for(5), FaultKind::stream_error);
  EXPECT_EQ(plan->fault_for(3), FaultKind::none);

  for (const char* bad : {"boom@1", "http-500", "http-500@", "http-500@0", "http-500@1,,2", "stall@x", "drop@-1"}) {
    error.clear();
    EXPECT_FALSE(parse_fault_rule(bad, error)) << bad;
    EXPECT_FALSE(error.empty());
  }
  EXPECT_FALSE(parse_fault_rule("boom@1", error));
  EXPECT_NE(error.find("'boom'"), std::string::npos);
  EXPECT_FALSE(FaultPlan::build({*parse_fault_rule("drop@1", error), *parse_fault_rule("stall@1", error)}, error));
  EXPECT_NE(error.find("request 1"), std::string::npos);
}

TEST(Options, ValidateNamesTheProblem) {
  SimOptions o;
  EXPECT_EQ(validate(o), "");
  EXPECT_EQ(effective_slots(o), 4);
  o.mode = TimingMode::fixed;
  EXPECT_EQ(effective_slots(o), 0);
  o.mode = TimingMode::model;
  o.slots = 0;
  EXPECT_NE(validate(o).find("--slots"), std::string::npos);
  o.slots = 2;
  o.jitter_pct = 150;
  EXPECT_NE(validate(o).find("--jitter-pct"), std::string::npos);
}

TEST(HttpParser, ParsesAHead) {
  const std::string raw =
      "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length:  12 \r\n"
      "X-Request-Id: abc\r\nConnection: keep-alive, Upgrade\r\n\r\nBODY";
  const std::size_t end = find_head_end(raw);
  EXPECT_EQ(raw.substr(end), "BODY");
  RequestHead h;
  std::string why;
  ASSERT_EQ(parse_request_head(std::string_view(raw).substr(0, end), h, why), HeadError::none) << why;
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/v1/chat/completions");
  EXPECT_EQ(h.query, "x=1");
  EXPECT_EQ(h.content_length, 12);
  EXPECT_EQ(h.header("x-request-id"), "abc");
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n"), 0u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\n\n"), 16u);
}

TEST(HttpParser, RejectsMalformedHeads) {
  const char* bad[] = {
      "GARBAGE\r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "GET noslash HTTP/1.1\r\n\r\n",
      "G(T / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
      "GET / HTTP/1.1\r\n folded: x\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
  };
  for (const char* raw : bad) {
    RequestHead h;
    std::string why;
    EXPECT_EQ(parse_request_head(raw, h, why), HeadError::bad_request) << raw;
    EXPECT_FALSE(why.empty());
  }
  RequestHead h;
  std::string why;
  ASSERT_EQ(parse_request_head("GET / HTTP/1.0\r\n\r\n", h, why), HeadError::none);
  EXPECT_FALSE(h.keep_alive);
}

GenRequest parse(Api api, std::string_view body, BodyError* error_out = nullptr) {
  simdjson::dom::parser parser;
  PieceTable table;
  GenRequest req;
  BodyError error;
  const bool ok = parse_gen_request(api, body, parser, table, req, error);
  if (error_out != nullptr) *error_out = error;
  EXPECT_EQ(ok, error.message.empty()) << error.message;
  return req;
}

TEST(GenRequest, ReadsTheOpenAiFields) {
  const GenRequest r = parse(Api::openai_chat,
                             R"({"model":"m","messages":[{"role":"system","content":"Be brief."},)"
                             R"({"role":"user","content":[{"type":"text","text":"Hi there"}]}],)"
                             R"("max_completion_tokens":64,"stream":true,"stream_options":{"include_usage":true},)"
                             R"("ignore_eos":true,"temperature":0.2,"seed":9,"logprobs":true,"top_logprobs":2})");
  EXPECT_EQ(r.model, "m");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.max_tokens, 64);
  EXPECT_TRUE(r.ignore_eos);
  EXPECT_EQ(r.seed, 9);
  EXPECT_EQ(r.n_probs, 2);
  // "Be brief." = 3 tokens, "Hi there" = 2, 4 per message, 3 for the assistant primer.
  EXPECT_EQ(r.prompt_tokens, 3 + 2 + 2 * kTokensPerMessage + kAssistantPrimerTokens);
}

TEST(GenRequest, ReadsLlamaCppPromptForms) {
  EXPECT_EQ(parse(Api::llamacpp, R"({"prompt":"Once upon a time","n_predict":8})").prompt_tokens, 5);
  const GenRequest ids = parse(Api::llamacpp, R"({"prompt":[11,22,33,44]})");
  EXPECT_EQ(ids.prompt_tokens, 4);  // exact: no BOS added to token ids
  EXPECT_EQ(ids.max_tokens, -1);
  EXPECT_FALSE(ids.stream);
  EXPECT_EQ(parse(Api::llamacpp, R"({"prompt":["Hi",5,6]})").prompt_tokens, 1 + 1 + 2);
  BodyError e;
  parse(Api::llamacpp, R"({"prompt":["a","b"]})", &e);
  EXPECT_NE(e.message.find("one prompt"), std::string::npos);
  parse(Api::llamacpp, R"({"prompt":[1,99999]})", &e);
  EXPECT_FALSE(e.message.empty());
}

TEST(GenRequest, ReadsOllamaFields) {
  const GenRequest r =
      parse(Api::ollama_chat, R"({"model":"hakari-sim","messages":[{"role":"user","content":"日本"}],"options":{"num_predict":5}})");
  EXPECT_TRUE(r.stream);  // Ollama streams unless told not to
  EXPECT_EQ(r.max_tokens, 5);
  EXPECT_FALSE(r.load_only);
  const GenRequest load = parse(Api::ollama_chat, R"({"model":"hakari-sim","messages":[]})");
  EXPECT_TRUE(load.load_only);
  EXPECT_FALSE(load.unload);
  EXPECT_TRUE(parse(Api::ollama_generate, R"({"model":"hakari-sim","keep_alive":0})").unload);
  BodyError e;
  parse(Api::ollama_generate, R"({"prompt":"x"})", &e);
  EXPECT_EQ(e.message, "model is required");
}

TEST(GenRequest, RejectsBadInputWithoutCrashing) {
  BodyError e;
  parse(Api::openai_chat, "{no", &e);
  EXPECT_TRUE(e.bad_json);
  parse(Api::openai_chat, R"({"messages":"hi"})", &e);
  EXPECT_FALSE(e.bad_json);
  EXPECT_NE(e.message.find("messages"), std::string::npos);
  parse(Api::openai_chat, R"({"messages":[],"max_tokens":"ten"})", &e);
  EXPECT_NE(e.message.find("max_tokens"), std::string::npos);
  parse(Api::openai_chat, R"([1,2])", &e);
  EXPECT_FALSE(e.message.empty());
  std::string deep(100000, '[');
  parse(Api::openai_chat, deep, &e);
  EXPECT_TRUE(e.bad_json);
}

}  // namespace
}  // namespace hakari::sim
