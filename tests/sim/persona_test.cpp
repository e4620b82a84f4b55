// `hakari sim --as X` is server X, not a blend: each persona answers only its server's
// routes (the rest get that server's own 404), with its headers, stream shapes, usage
// placement, /v1/models and /metrics names.
#include <gtest/gtest.h>

#include "hakari/sim/vllm_metrics.h"
#include "sim/sim_test_util.h"

namespace hakari::sim {
namespace {

using testing::Client;
using testing::fast_fixed;
using testing::get;
using testing::post;
using testing::Response;
using testing::RunningSim;
using testing::shape;
using testing::sse_data;

const char* kChat5 =
    R"({"messages":[{"role":"user","content":"Hello there"}],"max_tokens":5,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}})";
// "Hello there" is 2 tokens, plus 4 for the message and 3 for the assistant primer.
constexpr std::int64_t kChat5PromptTokens = 9;

SimOptions as(Persona persona, const std::string& model = "hakari-sim") {
  SimOptions o = fast_fixed(2, 2);
  o.persona = persona;
  o.model_name = model;
  return o;
}

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& json) {
  simdjson::dom::element e;
  EXPECT_FALSE(p.parse(json).get(e)) << json;
  return e;
}

// The output-token count vLLM's own benchmark client (benchmarks/backend_request_func.py)
// reads from a chat stream: a chunk with choices is content; usage is read only from a
// chunk without them. A server that puts usage next to choices is counted 0 tokens.
std::int64_t vllm_bench_output_tokens(const std::vector<std::string>& frames) {
  simdjson::dom::parser p;
  std::int64_t tokens = 0;
  for (const std::string& f : frames) {
    if (f == "[DONE]") continue;
    simdjson::dom::element e = parse(p, f);
    simdjson::dom::array choices;
    if (!e["choices"].get_array().get(choices) && choices.size() > 0) continue;
    std::int64_t n = 0;
    if (!e.at_pointer("/usage/completion_tokens").get_int64().get(n)) tokens = n;
  }
  return tokens;
}

struct Route {
  std::string request;
  int status;
  std::string body;  // exact, or empty: any
};

void expect_routes(Persona persona, const std::vector<Route>& routes) {
  RunningSim sim(as(persona));
  for (const Route& r : routes) {
    Client c(sim.port());
    const Response got = c.request(r.request);
    const std::string what = std::string(persona_name(persona)) + ": " + r.request.substr(0, r.request.find('\r'));
    EXPECT_EQ(got.status, r.status) << what << "\n" << got.body;
    if (!r.body.empty()) {
      EXPECT_EQ(got.body, r.body) << what;
    }
  }
}

TEST(Personas, LlamaCppAnswersOnlyLlamaServerRoutes) {
  const std::string not_found = R"({"error":{"code":404,"message":"File Not Found","type":"not_found_error"}})";
  expect_routes(Persona::llamacpp, {
      {get("/health"), 200, R"({"status":"ok"})"},
      {get("/props"), 200, ""},
      {get("/slots"), 200, ""},
      {get("/metrics"), 200, ""},
      {get("/v1/models"), 200, ""},
      {post("/tokenize", R"({"content":"a"})"), 200, ""},
      {post("/completion", R"({"prompt":"x","n_predict":1})"), 200, ""},
      {post("/api/chat", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":1})"), 200, ""},
      {get("/version"), 404, not_found},         // vLLM's
      {get("/v1/health"), 404, not_found},       // newer llama.cpp builds only
      {get("/api/version"), 404, not_found},     // Ollama's
      {get("/api/ps"), 404, not_found},
      {post("/api/generate", R"({"model":"m","prompt":"x"})"), 404, not_found},
      {get("/api/v0/models"), 404, not_found},   // LM Studio's
      {post("/api/v1/models/load", R"({"model":"m"})"), 404, not_found},
  });
}

TEST(Personas, VllmAnswersOnlyVllmRoutes) {
  const std::string not_found = R"({"detail":"Not Found"})";
  expect_routes(Persona::vllm, {
      {get("/health"), 200, ""},
      {get("/version"), 200, ""},
      {get("/metrics"), 200, ""},
      {get("/v1/models"), 200, ""},
      {post("/tokenize", R"({"prompt":"a b"})"), 200, ""},
      {post("/v1/completions", R"({"prompt":"x","max_tokens":1})"), 200, ""},
      {get("/props"), 404, not_found},
      {get("/slots"), 404, not_found},
      {post("/completion", R"({"prompt":"x"})"), 404, not_found},
      {get("/api/tags"), 404, not_found},
      {post("/api/chat", R"({"model":"m","messages":[]})"), 404, not_found},
      {get("/api/v0/models"), 404, not_found},
      {get("/"), 404, not_found},
      // FastAPI tells a wrong method on a route it has from a route it lacks.
      {get("/v1/chat/completions"), 405, R"({"detail":"Method Not Allowed"})"},
  });
}

TEST(Personas, OllamaAnswersOnlyOllamaRoutes) {
  expect_routes(Persona::ollama, {
      {get("/"), 200, "Ollama is running"},
      {get("/api/version"), 200, ""},
      {get("/api/tags"), 200, ""},
      {get("/api/ps"), 200, ""},
      {get("/v1/models"), 200, ""},
      {post("/v1/chat/completions", R"({"model":"hakari-sim","messages":[{"role":"user","content":"x"}],"max_tokens":1})"),
       200, ""},
      {get("/props"), 404, "404 page not found"},
      {get("/metrics"), 404, "404 page not found"},
      {get("/health"), 404, "404 page not found"},
      {post("/completion", R"({"prompt":"x"})"), 404, "404 page not found"},
      {get("/version"), 404, "404 page not found"},
      {get("/api/v1/models"), 404, "404 page not found"},
  });
}

TEST(Personas, LmStudioAnswersUnknownRoutesWith200AndAnError) {
  expect_routes(Persona::lmstudio, {
      {get("/v1/models"), 200, R"({"data":[{"id":"hakari-sim","object":"model","owned_by":"organization_owner"}],"object":"list"})"},
      {get("/api/v0/models"), 200, ""},
      {get("/api/v1/models"), 200, ""},
      {get("/metrics"), 200, R"x({"error":"Unexpected endpoint or method. (GET /metrics)"})x"},
      {get("/props"), 200, R"x({"error":"Unexpected endpoint or method. (GET /props)"})x"},
      {get("/health"), 200, R"x({"error":"Unexpected endpoint or method. (GET /health)"})x"},
      {post("/api/generate", R"({"model":"m"})"), 200, R"x({"error":"Unexpected endpoint or method. (POST /api/generate)"})x"},
      {post("/completion", "{}"), 200, R"x({"error":"Unexpected endpoint or method. (POST /completion)"})x"},
  });
}

TEST(Personas, HeadersAreEachServers) {
  auto head_of = [](Persona persona, const std::string& request) {
    RunningSim sim(as(persona));
    Client c(sim.port());
    return c.request(request);
  };
  Response r = head_of(Persona::vllm, get("/v1/models"));
  EXPECT_EQ(r.header("Server").rfind("uvicorn hakari-sim/", 0), 0u) << r.head;
  EXPECT_EQ(r.header("Keep-Alive"), "");  // uvicorn keeps the connection without saying so
  EXPECT_EQ(r.head.find("Access-Control-Allow-Origin"), std::string::npos) << r.head;
  r = head_of(Persona::vllm, get("/health"));
  EXPECT_EQ(r.body, "");  // vLLM's health is an empty 200
  EXPECT_EQ(r.header("Content-Length"), "0");

  r = head_of(Persona::ollama, get("/api/version"));
  EXPECT_EQ(r.header("Server").rfind("hakari-sim/", 0), 0u) << r.head;
  EXPECT_EQ(r.header("Keep-Alive"), "");

  r = head_of(Persona::lmstudio, get("/v1/models"));
  EXPECT_EQ(r.header("X-Powered-By"), "Express");
  EXPECT_EQ(r.header("Connection"), "keep-alive");
  EXPECT_EQ(r.header("Keep-Alive"), "timeout=5");
}

TEST(VllmPersona, UsageComesInItsOwnLastChunkWithNoChoices) {
  RunningSim sim(as(Persona::vllm));
  Client c(sim.port());
  const Response r = c.request(post("/v1/chat/completions", kChat5));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
  const auto frames = sse_data(r.body);
  // role, 5 tokens (the last with the finish reason), usage, [DONE]
  ASSERT_EQ(frames.size(), 8u) << r.body;
  EXPECT_EQ(frames.back(), "[DONE]");
  simdjson::dom::parser p;
  auto role = parse(p, frames[0]);
  EXPECT_EQ(shape(frames[0]), "{id:,object:,created:,model:,choices:[{index:,delta:{role:,content:},logprobs:,finish_reason:}]}");
  EXPECT_EQ(std::string_view(role.at_pointer("/choices/0/delta/content")), "");
  EXPECT_EQ(std::string_view(role["id"]).rfind("chatcmpl-", 0), 0u);
  for (std::size_t i = 1; i <= 4; ++i) {
    EXPECT_EQ(shape(frames[i]), "{id:,object:,created:,model:,choices:[{index:,delta:{content:},logprobs:,finish_reason:}]}")
        << frames[i];
  }
  auto last = parse(p, frames[5]);
  EXPECT_EQ(shape(frames[5]),
            "{id:,object:,created:,model:,choices:[{index:,delta:{content:},logprobs:,finish_reason:,stop_reason:}]}");
  EXPECT_EQ(std::string_view(last.at_pointer("/choices/0/finish_reason")), "length");
  EXPECT_FALSE(std::string_view(last.at_pointer("/choices/0/delta/content")).empty());  // a token, not a bare finish
  auto usage = parse(p, frames[6]);
  EXPECT_EQ(shape(frames[6]), "{id:,object:,created:,model:,choices:[],usage:{prompt_tokens:,total_tokens:,completion_tokens:}}");
  EXPECT_EQ(simdjson::dom::array(usage["choices"]).size(), 0u);
  EXPECT_EQ(std::int64_t(usage["usage"]["completion_tokens"]), 5);
  EXPECT_EQ(std::int64_t(usage["usage"]["prompt_tokens"]), kChat5PromptTokens);
  EXPECT_EQ(std::int64_t(usage["usage"]["total_tokens"]), 5 + kChat5PromptTokens);
  // vLLM's own benchmark client now counts what was generated.
  EXPECT_EQ(vllm_bench_output_tokens(frames), 5);
}

TEST(VllmPersona, NoUsageChunkUnlessAsked) {
  RunningSim sim(as(Persona::vllm));
  Client c(sim.port());
  const Response r = c.request(
      post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":3,"ignore_eos":true,"stream":true})"));
  const auto frames = sse_data(r.body);
  ASSERT_EQ(frames.size(), 5u) << r.body;  // role, 3 tokens, [DONE]
  EXPECT_EQ(r.body.find("usage"), std::string::npos);
  EXPECT_NE(frames[3].find(R"("finish_reason":"length","stop_reason":null)"), std::string::npos) << frames[3];
}

TEST(VllmPersona, CompletionsStreamAndBodies) {
  RunningSim sim(as(Persona::vllm, "served"));
  Client c(sim.port());
  simdjson::dom::parser p;
  Response r = c.request(post("/v1/completions",
                              R"({"model":"served","prompt":"x","max_tokens":2,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}})"));
  auto frames = sse_data(r.body);
  ASSERT_EQ(frames.size(), 4u) << r.body;  // 2 tokens, usage, [DONE]: no role chunk
  EXPECT_EQ(shape(frames[0]), "{id:,object:,created:,model:,choices:[{index:,text:,logprobs:,finish_reason:,stop_reason:}]}");
  EXPECT_EQ(std::string_view(parse(p, frames[0])["id"]).rfind("cmpl-", 0), 0u);
  EXPECT_EQ(std::string_view(parse(p, frames[1]).at_pointer("/choices/0/finish_reason")), "length");
  auto usage = parse(p, frames[2]);
  EXPECT_EQ(std::string_view(usage["object"]), "text_completion");
  EXPECT_EQ(simdjson::dom::array(usage["choices"]).size(), 0u);
  EXPECT_EQ(std::int64_t(usage["usage"]["completion_tokens"]), 2);

  r = c.request(post("/v1/chat/completions", R"({"model":"served","messages":[{"role":"user","content":"x"}],"max_tokens":4,"ignore_eos":true})"));
  ASSERT_EQ(r.status, 200);
  auto body = parse(p, r.body);
  EXPECT_EQ(std::string_view(body["object"]), "chat.completion");
  EXPECT_EQ(std::int64_t(body["usage"]["completion_tokens"]), 4);
  EXPECT_EQ(std::string_view(body.at_pointer("/choices/0/finish_reason")), "length");
  EXPECT_EQ(r.body.find("timings"), std::string::npos);  // llama.cpp's, not vLLM's
}

TEST(VllmPersona, RefusesWhatVllmRefuses) {
  SimOptions o = as(Persona::vllm, "served");
  o.ctx_size = 64;
  RunningSim sim(o);
  Client c(sim.port());
  Response r = c.request(post("/v1/chat/completions", R"({"model":"other","messages":[{"role":"user","content":"x"}]})"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"message":"The model `other` does not exist.","type":"NotFoundError","param":null,"code":404}})");
  // Unlike llama.cpp, vLLM refuses a max_tokens that does not fit rather than cutting it.
  r = c.request(post("/v1/completions", R"({"prompt":"x","max_tokens":100})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            R"({"error":{"message":"'max_tokens' or 'max_completion_tokens' is too large: 100. This model's maximum context length is 64 tokens and your request has 2 input tokens (100 > 64 - 2).","type":"BadRequestError","param":null,"code":400}})");
  r = c.request(post("/v1/completions", R"({"prompt":")" + std::string(800, 'x') + R"("})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("maximum context length is 64 tokens. However, your request has 101 input tokens"),
            std::string::npos)
      << r.body;
  r = c.request(post("/v1/completions", "{no"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"("type":"BadRequestError")"), std::string::npos) << r.body;
}

TEST(VllmPersona, ModelCardsVersionAndTokenize) {
  SimOptions o = as(Persona::vllm, "qwen3-8b");
  o.ctx_size = 4096;
  RunningSim sim(o);
  Client c(sim.port());
  simdjson::dom::parser p;
  auto card = parse(p, c.request(get("/v1/models")).body)["data"].at(0);
  EXPECT_EQ(std::string_view(card["id"]), "qwen3-8b");
  EXPECT_EQ(std::string_view(card["owned_by"]), "vllm");
  EXPECT_EQ(std::int64_t(card["max_model_len"]), 4096);
  EXPECT_TRUE(card["parent"].is_null());
  EXPECT_EQ(std::string_view(parse(p, c.request(get("/version")).body)["version"]).rfind("hakari-sim-", 0), 0u);
  auto tok = parse(p, c.request(post("/tokenize", R"({"model":"qwen3-8b","prompt":"a b"})")).body);
  EXPECT_EQ(std::int64_t(tok["count"]), 3);  // BOS, "a", " b"
  EXPECT_EQ(std::int64_t(tok["max_model_len"]), 4096);
  EXPECT_TRUE(tok["token_strs"].is_null());
}

// The counters and histograms a vLLM dashboard reads, fed by what the simulator did.
TEST(VllmPersona, MetricsUseVllmNames) {
  RunningSim sim(as(Persona::vllm, "m"));
  Client c(sim.port());
  ASSERT_TRUE(c.request(post("/v1/chat/completions", kChat5)).complete);
  const Response r = c.request(get("/metrics"));
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = r.body;
  auto has = [&](const std::string& line) { EXPECT_NE(m.find(line + "\n"), std::string::npos) << line << "\n" << m; };
  const std::string labels = R"({model_name="m",engine="0"})";
  has("vllm:num_requests_running" + labels + " 0.0");
  has("vllm:num_requests_waiting" + labels + " 0.0");
  has("vllm:kv_cache_usage_perc" + labels + " 0.0");
  has("vllm:prompt_tokens_total" + labels + " 9.0");
  has("vllm:generation_tokens_total" + labels + " 5.0");
  has(R"(vllm:request_success_total{model_name="m",engine="0",finished_reason="length"} 1.0)");
  has(R"(vllm:request_success_total{model_name="m",engine="0",finished_reason="stop"} 0.0)");
  has("vllm:time_to_first_token_seconds_count" + labels + " 1.0");
  has("vllm:inter_token_latency_seconds_count" + labels + " 4.0");  // 5 tokens, 4 gaps
  has(R"(vllm:inter_token_latency_seconds_bucket{model_name="m",engine="0",le="0.01"} 4.0)");  // 2 ms each
  has(R"(vllm:e2e_request_latency_seconds_bucket{model_name="m",engine="0",le="+Inf"} 1.0)");
  has("vllm:request_generation_tokens_sum" + labels + " 5.0");
  for (const char* name : {"vllm:request_queue_time_seconds_count", "vllm:request_prefill_time_seconds_count",
                           "vllm:request_decode_time_seconds_count", "vllm:request_prompt_tokens_count"}) {
    has(name + labels + " 1.0");
  }
  has("# TYPE vllm:time_to_first_token_seconds histogram");
  EXPECT_NE(m.find("vllm:cache_config_info{"), std::string::npos);
  EXPECT_EQ(m.find("llamacpp:"), std::string::npos);
}

TEST(LlamaCppPersona, UsageRidesOnTheFinishChunkAsInB5601) {
  RunningSim sim(as(Persona::llamacpp));
  Client c(sim.port());
  const Response r = c.request(post("/v1/chat/completions", kChat5));
  const auto frames = sse_data(r.body);
  ASSERT_EQ(frames.size(), 8u);  // role, 5 tokens, finish + usage + timings, [DONE]
  simdjson::dom::parser p;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    EXPECT_GT(simdjson::dom::array(parse(p, frames[i])["choices"]).size(), 0u) << frames[i];  // never "choices":[]
  }
  auto finish = parse(p, frames[6]);
  EXPECT_EQ(std::string_view(finish.at_pointer("/choices/0/finish_reason")), "length");
  EXPECT_EQ(std::int64_t(finish["usage"]["completion_tokens"]), 5);
  EXPECT_EQ(std::int64_t(finish["timings"]["predicted_n"]), 5);
  EXPECT_EQ(shape(frames[6]), shape(sse_data(testing::fixture("chat-completions-stream.sse"))[9]));

  Client m(sim.port());  // b5601 closed the stream's connection
  const std::string metrics = m.request(get("/metrics")).body;
  EXPECT_NE(metrics.find("llamacpp:tokens_predicted_total 5\n"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("vllm:"), std::string::npos);
}

TEST(OllamaPersona, OpenAiRoutesInOllamasShapes) {
  RunningSim sim(as(Persona::ollama));
  Client c(sim.port());
  const Response r = c.request(post("/v1/chat/completions", std::string(R"({"model":"hakari-sim",)") + (kChat5 + 1)));
  ASSERT_TRUE(r.complete) << r.body;
  const auto frames = sse_data(r.body);
  // 5 tokens, the finish chunk (content ""), usage, [DONE]: no role-only chunk
  ASSERT_EQ(frames.size(), 8u) << r.body;
  simdjson::dom::parser p;
  auto first = parse(p, frames[0]);
  EXPECT_EQ(shape(frames[0]),
            "{id:,object:,created:,model:,system_fingerprint:,choices:[{index:,delta:{role:,content:},finish_reason:}]}");
  EXPECT_EQ(std::string_view(first["system_fingerprint"]), "fp_ollama");
  EXPECT_EQ(std::string_view(first["model"]), "hakari-sim");
  const std::string_view id = first["id"];
  ASSERT_EQ(id.rfind("chatcmpl-", 0), 0u);
  EXPECT_LT(std::stoi(std::string(id.substr(9))), 999);
  auto finish = parse(p, frames[5]);
  EXPECT_EQ(std::string_view(finish.at_pointer("/choices/0/delta/content")), "");
  EXPECT_EQ(std::string_view(finish.at_pointer("/choices/0/finish_reason")), "length");
  auto usage = parse(p, frames[6]);
  EXPECT_EQ(simdjson::dom::array(usage["choices"]).size(), 0u);
  EXPECT_EQ(std::int64_t(usage["usage"]["completion_tokens"]), 5);
  EXPECT_EQ(vllm_bench_output_tokens(frames), 5);

  Response m = c.request(post("/v1/chat/completions", R"({"model":"nope","messages":[{"role":"user","content":"x"}]})"));
  EXPECT_EQ(m.status, 404);
  EXPECT_EQ(m.body,
            R"({"error":{"message":"model \"nope\" not found, try pulling it first","type":"not_found_error","param":null,"code":null}})");
  auto models = parse(p, c.request(get("/v1/models")).body)["data"].at(0);
  EXPECT_EQ(std::string_view(models["id"]), "hakari-sim:latest");
  EXPECT_EQ(std::string_view(models["owned_by"]), "library");
}

TEST(LmStudioPersona, OpenAiStreamEndsWithFinishThenUsage) {
  RunningSim sim(as(Persona::lmstudio, "qwen/qwen3-4b"));
  Client c(sim.port());
  const Response r = c.request(post("/v1/chat/completions", kChat5));
  const auto frames = sse_data(r.body);
  ASSERT_EQ(frames.size(), 8u) << r.body;  // 5 tokens, finish, usage, [DONE]
  simdjson::dom::parser p;
  EXPECT_EQ(shape(frames[0]),
            "{id:,object:,created:,model:,system_fingerprint:,choices:[{index:,delta:{role:,content:},logprobs:,finish_reason:}]}");
  EXPECT_EQ(std::string_view(parse(p, frames[0])["system_fingerprint"]), "qwen/qwen3-4b");
  EXPECT_EQ(shape(frames[5]), "{id:,object:,created:,model:,system_fingerprint:,choices:[{index:,delta:{},logprobs:,finish_reason:}]}");
  auto usage = parse(p, frames[6]);
  EXPECT_EQ(simdjson::dom::array(usage["choices"]).size(), 0u);
  EXPECT_EQ(std::int64_t(usage["usage"]["completion_tokens"]), 5);
}

TEST(VllmMetricsFormat, FloatsPrintLikePython) {
  EXPECT_EQ(vllm::python_float(0.0), "0.0");
  EXPECT_EQ(vllm::python_float(12.0), "12.0");
  EXPECT_EQ(vllm::python_float(0.042), "0.042");
  EXPECT_EQ(vllm::python_float(0.0001), "0.0001");
  EXPECT_EQ(vllm::python_float(1e-05), "1e-05");
  EXPECT_EQ(vllm::python_float(1.5e-07), "1.5e-07");
  EXPECT_EQ(vllm::python_float(100000.0), "100000.0");
  EXPECT_EQ(vllm::python_float(1234567.5), "1234567.5");
  EXPECT_EQ(vllm::python_float(1e16), "1e+16");
  EXPECT_EQ(vllm::python_float(-2.5), "-2.5");
}

}  // namespace
}  // namespace hakari::sim
