// An in-process SimServer on port 0, driven with a raw socket client: what is on the wire.
#include <gtest/gtest.h>

#include "hakari/sim/tokenizer.h"
#include "sim/sim_test_util.h"

namespace hakari::sim {
namespace {

using testing::Client;
using testing::fast_fixed;
using testing::get;
using testing::is_valid_json;
using testing::lines;
using testing::post;
using testing::Response;
using testing::RunningSim;
using testing::shape;
using testing::sse_data;

constexpr Nanos kSecond = kNanosPerSecond;

const char* kChat5 =
    R"({"messages":[{"role":"user","content":"Hello there"}],"max_tokens":5,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}})";

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& json) {
  simdjson::dom::element e;
  EXPECT_FALSE(p.parse(json).get(e)) << json;
  return e;
}

std::vector<std::string> contents(const std::vector<std::string>& frames) {
  std::vector<std::string> out;
  simdjson::dom::parser p;
  for (const std::string& f : frames) {
    if (f == "[DONE]") continue;
    std::string_view c;
    simdjson::dom::element e;
    if (p.parse(f).get(e)) continue;
    if (!e.at_pointer("/choices/0/delta/content").get_string().get(c)) out.emplace_back(c);
  }
  return out;
}

TEST(SimServer, HealthAndHeaders) {
  RunningSim sim(fast_fixed());
  Client c(sim.port());
  const Response r = c.request(get("/health"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  // llama.cpp's own header, and the simulator's name so a client can tell.
  EXPECT_EQ(r.header("Server").rfind("llama.cpp hakari-sim/", 0), 0u) << r.header("Server");
  EXPECT_EQ(r.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.header("Keep-Alive"), "timeout=5, max=100");
  EXPECT_NE(r.head.find("\r\nAccess-Control-Allow-Origin: \r\n"), std::string::npos) << r.head;

  Client h(sim.port());
  h.send(get("/", "HEAD"));
  const Response head = h.read_response(kSecond, true);
  EXPECT_EQ(head.status, 200);
  // The web UI's answer to a client that does not take gzip.
  EXPECT_EQ(head.header("Content-Length"), std::to_string(std::string_view("Error: gzip is not supported by this browser").size()));
  EXPECT_EQ(h.buffered(), 0u);  // no body follows a HEAD response
}

TEST(SimServer, ChatStreamIsChunkedSseOneEventPerChunk) {
  RunningSim sim(fast_fixed());
  Client c(sim.port());
  const Response r = c.request(post("/v1/chat/completions", kChat5));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
  // role + 5 tokens + finish + [DONE], each exactly one "data: …\n\n" chunk.
  ASSERT_EQ(r.chunks.size(), 8u);
  for (const std::string& chunk : r.chunks) {
    ASSERT_EQ(chunk.rfind("data: ", 0), 0u) << chunk;
    ASSERT_EQ(chunk.size() - chunk.find("\n\n"), 2u) << chunk;
  }
  const auto frames = sse_data(r.body);
  EXPECT_EQ(frames.back(), "[DONE]");
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) EXPECT_TRUE(is_valid_json(frames[i])) << frames[i];
  EXPECT_EQ(shape(frames[0]), shape(sse_data(testing::fixture("chat-completions-stream.sse"))[0]));
  EXPECT_EQ(contents(frames).size(), 5u);
  simdjson::dom::parser p;
  auto finish = parse(p, frames[6]);
  EXPECT_EQ(std::string_view(finish["choices"].at(0)["finish_reason"]), "length");
  EXPECT_EQ(std::int64_t(finish["usage"]["completion_tokens"]), 5);
  // "Hello there" is 2 tokens, plus 4 for the message and 3 for the assistant primer.
  EXPECT_EQ(std::int64_t(finish["usage"]["prompt_tokens"]), 9);
  EXPECT_EQ(std::int64_t(finish["timings"]["predicted_n"]), 5);
  EXPECT_NEAR(double(finish["timings"]["prompt_ms"]), 5.0, 1e-9);  // ttft, as scheduled
  EXPECT_NEAR(double(finish["timings"]["predicted_ms"]), 20.0, 1e-9);
}

TEST(SimServer, KeepAliveServesRequestsInTurn) {
  SimOptions o = fast_fixed();
  o.close_after_stream = false;  // llama.cpp's habit is to close after a stream: see connection_test
  RunningSim sim(o);
  Client c(sim.port());
  const Response a = c.request(post("/v1/chat/completions", kChat5));
  ASSERT_TRUE(a.complete);
  const Response b = c.request(post("/v1/completions", R"({"prompt":"hi","max_tokens":3,"ignore_eos":true})"));
  ASSERT_TRUE(b.complete);
  EXPECT_EQ(b.status, 200);
  EXPECT_FALSE(b.chunked);
  simdjson::dom::parser p;
  EXPECT_EQ(std::int64_t(parse(p, b.body)["usage"]["completion_tokens"]), 3);
  // Pipelined: both requests at once, answered in order.
  c.send(get("/health") + post("/tokenize", R"({"content":"a b"})"));
  const Response h = c.read_response();
  const Response t = c.read_response();
  EXPECT_EQ(h.body, R"({"status":"ok"})");
  EXPECT_EQ(t.body, R"({"tokens":[)" + std::to_string(token_id("a")) + "," + std::to_string(token_id(" b")) + "]}");
}

TEST(SimServer, ErrorBodies) {
  SimOptions o = fast_fixed();
  o.ctx_size = 64;
  RunningSim sim(o);
  Client c(sim.port());
  Response r = c.request(get("/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":404,"message":"File Not Found","type":"not_found_error"}})");

  r = c.request(post("/v1/chat/completions", "{no"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(shape(r.body), shape(testing::http_fixture_body(testing::fixture("error-bad-json.http"))));

  r = c.request(post("/v1/chat/completions", R"({"messages":7})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid_request_error"), std::string::npos);

  SimOptions ol = fast_fixed();
  ol.persona = Persona::ollama;
  RunningSim ollama(ol);
  Client oc(ollama.port());
  r = oc.request(post("/api/chat", R"({"model":"llama3","messages":[{"role":"user","content":"x"}]})"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"model 'llama3' not found"})");
  r = oc.request(post("/api/generate", "{no"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(shape(r.body), "{error:}");
}

// llama-server b5601 does not refuse a prompt longer than its context: it erases blocks
// of half the context after the start and answers 200 with "truncated" (the fixture
// error-context-too-long.http), so a client must read the prompt count it reports.
TEST(SimServer, LlamaCppTruncatesAPromptLongerThanTheContext) {
  SimOptions o = fast_fixed(1, 1);
  o.ctx_size = 64;
  RunningSim sim(o);
  Client c(sim.port());
  const std::string long_prompt(800, 'x');  // 100 tokens of 8 letters, plus BOS: 101
  const Response r = c.request(post("/completion", R"({"prompt":")" + long_prompt + R"(","n_predict":2})"));
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser p;
  auto body = parse(p, r.body);
  // Blocks of 32 erased after the start until it fits: 101 - 2 x 32 = 37.
  EXPECT_EQ(std::int64_t(body["tokens_evaluated"]), 37);
  EXPECT_EQ(std::int64_t(body["timings"]["prompt_n"]), 37);
  EXPECT_TRUE(bool(body["truncated"]));
  EXPECT_EQ(std::int64_t(body["tokens_predicted"]), 2);
  // A prompt that fits is not truncated.
  const Response fits = c.request(post("/completion", R"({"prompt":"x","n_predict":1})"));
  EXPECT_FALSE(bool(parse(p, fits.body)["truncated"]));
}

TEST(SimServer, HttpLevelRejectionsCloseTheConnection) {
  RunningSim sim(fast_fixed());
  {
    Client c(sim.port());
    c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 33554433\r\n\r\n");
    const Response r = c.read_response();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(c.wait_closed(kSecond));
  }
  {
    Client c(sim.port());
    c.send("POST /completion HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c.read_response().status, 411);
  }
  {
    Client c(sim.port());
    c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(70 * 1024, 'a'));
    EXPECT_EQ(c.read_response().status, 431);
  }
  {
    Client c(sim.port());
    c.send("\x16\x03\x01 this is not http\r\n\r\n");
    const Response r = c.read_response();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(is_valid_json(r.body));
    EXPECT_TRUE(c.wait_closed(kSecond));
  }
  // Still serving.
  Client c(sim.port());
  EXPECT_EQ(c.request(get("/health")).status, 200);
}

TEST(SimServer, IdleAndHalfSentConnectionsTimeOut) {
  SimOptions o = fast_fixed();
  o.idle_timeout_ms = 100;
  RunningSim sim(o);
  Client idle(sim.port());
  EXPECT_EQ(idle.request(get("/health")).status, 200);
  Client slow(sim.port());
  slow.send("GET /hea");  // and never the rest
  const Nanos t0 = now_ns();
  EXPECT_TRUE(idle.wait_closed(2 * kSecond));
  EXPECT_TRUE(slow.wait_closed(2 * kSecond));
  EXPECT_GE(now_ns() - t0, 50 * kNanosPerMilli);
}

TEST(SimServer, NativeCompletionCountsTokenIdPromptsExactly) {
  RunningSim sim(fast_fixed());
  Client c(sim.port());
  const Response r = c.request(post("/completion", R"({"prompt":[5,6,7,8,9,10,11],"n_predict":4,"ignore_eos":true,"stream":true})"));
  ASSERT_TRUE(r.complete);
  const auto frames = sse_data(r.body);
  ASSERT_EQ(frames.size(), 5u);  // no [DONE] on the native route
  simdjson::dom::parser p;
  auto first = parse(p, frames[0]);
  EXPECT_EQ(std::int64_t(first["tokens_evaluated"]), 7);
  EXPECT_EQ(std::int64_t(first["tokens_predicted"]), 1);
  auto last = parse(p, frames[4]);
  EXPECT_TRUE(bool(last["stop"]));
  EXPECT_EQ(std::string_view(last["stop_type"]), "limit");
  EXPECT_EQ(std::int64_t(last["timings"]["prompt_n"]), 7);
}

TEST(SimServer, NaturalEndsAndForcedLengths) {
  SimOptions o = fast_fixed(1, 1);
  o.answer_tokens = 8;
  RunningSim sim(o);
  Client c(sim.port());
  simdjson::dom::parser p;
  // No cap: EOS after U[4, 12] tokens.
  Response r = c.request(post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}]})"));
  auto body = parse(p, r.body);
  EXPECT_EQ(std::string_view(body["choices"].at(0)["finish_reason"]), "stop");
  const std::int64_t n = body["usage"]["completion_tokens"];
  EXPECT_GE(n, 4);
  EXPECT_LE(n, 12);
  // ignore_eos forces the cap.
  r = c.request(post("/completion", R"({"prompt":"x","n_predict":30,"ignore_eos":true})"));
  body = parse(p, r.body);
  EXPECT_EQ(std::int64_t(body["tokens_predicted"]), 30);
  EXPECT_EQ(std::string_view(body["stop_type"]), "limit");
  // A cap below the natural length ends on it; min_tokens >= max forces it too.
  r = c.request(post("/v1/completions", R"({"prompt":"x","max_tokens":2})"));
  EXPECT_EQ(std::string_view(parse(p, r.body)["choices"].at(0)["finish_reason"]), "length");
  r = c.request(post("/v1/completions", R"({"prompt":"x","max_tokens":25,"min_tokens":25})"));
  EXPECT_EQ(std::int64_t(parse(p, r.body)["usage"]["completion_tokens"]), 25);
}

SimOptions fast_ollama(double ttft_ms = 5, double itl_ms = 5) {
  SimOptions o = fast_fixed(ttft_ms, itl_ms);
  o.persona = Persona::ollama;
  return o;
}

TEST(SimServer, OllamaStreamsNdjsonByDefault) {
  RunningSim sim(fast_ollama());
  Client c(sim.port());
  const Response r = c.request(
      post("/api/chat", R"({"model":"hakari-sim:latest","messages":[{"role":"user","content":"hi"}],"options":{"num_predict":3}})"));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.header("Content-Type"), "application/x-ndjson");
  ASSERT_EQ(r.chunks.size(), 4u);
  for (const std::string& chunk : r.chunks) {
    EXPECT_EQ(chunk.find('\n'), chunk.size() - 1);  // one line per chunk
  }
  simdjson::dom::parser p;
  auto last = parse(p, lines(r.body).back());
  EXPECT_TRUE(bool(last["done"]));
  EXPECT_EQ(std::string_view(last["done_reason"]), "length");
  EXPECT_EQ(std::int64_t(last["eval_count"]), 3);
  EXPECT_EQ(std::int64_t(last["eval_duration"]), 10'000'000);  // 2 gaps of 5 ms
  EXPECT_EQ(std::string_view(last["model"]), "hakari-sim:latest");

  const Response gen = c.request(post("/api/generate", R"({"model":"hakari-sim","prompt":"hi","stream":false,"options":{"num_predict":2}})"));
  auto whole = parse(p, gen.body);
  EXPECT_EQ(std::int64_t(whole["eval_count"]), 2);
  EXPECT_TRUE(whole["response"].is_string());
}

TEST(SimServer, OllamaLoadAndUnload) {
  SimOptions o = fast_ollama();
  o.load_ms = 100;
  RunningSim sim(o);
  Client c(sim.port());
  simdjson::dom::parser p;
  EXPECT_EQ(c.request(get("/api/ps")).body, R"({"models":[]})");
  const Nanos t0 = now_ns();
  Response r = c.request(post("/api/chat", R"({"model":"hakari-sim","messages":[]})"));
  EXPECT_GE(now_ns() - t0, 100 * kNanosPerMilli);  // the load takes --load-ms
  EXPECT_EQ(std::string_view(parse(p, r.body)["done_reason"]), "load");
  EXPECT_NE(c.request(get("/api/ps")).body.find("hakari-sim:latest"), std::string::npos);
  r = c.request(post("/api/generate", R"({"model":"hakari-sim","keep_alive":0})"));
  EXPECT_EQ(std::string_view(parse(p, r.body)["done_reason"]), "unload");
  EXPECT_EQ(c.request(get("/api/ps")).body, R"({"models":[]})");
  // The next generation loads again and reports it.
  r = c.request(post("/api/generate", R"({"model":"hakari-sim","prompt":"x","stream":false,"options":{"num_predict":1}})"));
  EXPECT_GE(std::int64_t(parse(p, r.body)["load_duration"]), 100 * kNanosPerMilli - 1);
}

TEST(SimServer, InfoEndpoints) {
  SimOptions o = fast_fixed();
  o.model_name = "qwen-test";
  o.slots = 3;
  RunningSim sim(o);
  Client c(sim.port());
  simdjson::dom::parser p;
  Response r = c.request(get("/props"));
  EXPECT_EQ(shape(r.body), shape(testing::fixture("props.json")));
  auto props = parse(p, r.body);
  EXPECT_EQ(std::int64_t(props["total_slots"]), 3);
  EXPECT_EQ(std::string_view(props["model_path"]), "models/qwen-test.gguf");
  EXPECT_EQ(std::string_view(props["build_info"]).rfind("hakari-sim-", 0), 0u);
  r = c.request(get("/v1/models"));
  EXPECT_EQ(std::string_view(parse(p, r.body)["data"].at(0)["id"]), "qwen-test");
  EXPECT_EQ(std::string_view(parse(p, r.body)["data"].at(0)["owned_by"]), "llamacpp");
  // b5601 answers Ollama's /api/tags with the same body, the model under its own name.
  EXPECT_EQ(c.request(get("/api/tags")).body, r.body);
  EXPECT_EQ(std::string_view(parse(p, r.body)["models"].at(0)["name"]), "qwen-test");
  r = c.request(get("/slots"));
  EXPECT_EQ(parse(p, r.body).get_array().size(), 3u);
  r = c.request(post("/tokenize", R"({"content":"Hi 世界","with_pieces":true})"));
  EXPECT_EQ(r.body, R"({"tokens":[{"id":)" + std::to_string(token_id("Hi")) + R"(,"piece":"Hi"},{"id":)" +
                        std::to_string(token_id(" ")) + R"(,"piece":" "},{"id":)" + std::to_string(token_id("世")) +
                        R"(,"piece":"世"},{"id":)" + std::to_string(token_id("界")) + R"(,"piece":"界"}]})");
  r = c.request(post("/detokenize", "{\"tokens\":[" + std::to_string(token_id("Hi")) + "," +
                                        std::to_string(token_id("世")) + "]}"));
  EXPECT_EQ(r.body, R"({"content":"Hi世"})");
}

TEST(SimServer, OllamaInfoEndpoints) {
  SimOptions o = fast_ollama();
  o.model_name = "qwen-test";
  RunningSim sim(o);
  Client c(sim.port());
  simdjson::dom::parser p;
  Response r = c.request(get("/api/tags"));
  EXPECT_EQ(std::string_view(parse(p, r.body)["models"].at(0)["name"]), "qwen-test:latest");
  r = c.request(get("/api/version"));
  EXPECT_NE(std::string_view(parse(p, r.body)["version"]).find("hakari-sim"), std::string::npos);
  r = c.request(get("/"));
  EXPECT_EQ(r.body, "Ollama is running");
}

// One server per fault kind, the fault on the first generation request.
Response faulted(const char* fault, bool* closed_early = nullptr, double stall_ms = 0) {
  SimOptions o = fast_fixed(5, 5);
  std::string error;
  o.faults.push_back(*parse_fault_rule(fault, error));
  if (stall_ms > 0) o.stall_ms = stall_ms;
  RunningSim sim(o);
  Client c(sim.port());
  const std::string body = R"({"messages":[{"role":"user","content":"x"}],"max_tokens":6,"ignore_eos":true,"stream":true})";
  Response r = c.request(post("/v1/chat/completions", body), 5 * kSecond);
  if (closed_early != nullptr) *closed_early = r.eof;
  return r;
}

TEST(SimServerFaults, Http500And503) {
  Response r = faulted("http-500@1");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"error":{"code":500,"message":"simulated failure","type":"server_error"}})");
  r = faulted("http-503@1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
}

// As llama.cpp b5601 fails a stream midway: the bare error object in an `error:` line
// (not an SSE `data:` field), then `data: [DONE]` on its OpenAI routes.
TEST(SimServerFaults, StreamErrorLineThenDoneAsLlamaCppSendsIt) {
  const Response r = faulted("stream-error@1");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.complete);
  const auto frames = sse_data(r.body);
  EXPECT_EQ(contents(frames).size(), 3u);
  EXPECT_EQ(frames.back(), "[DONE]");
  const std::string tail = "\n\nerror: {\"code\":500,\"message\":\"simulated failure\",\"type\":\"server_error\"}\n\n"
                           "data: [DONE]\n\n";
  ASSERT_GE(r.body.size(), tail.size());
  EXPECT_EQ(r.body.substr(r.body.size() - tail.size()), tail) << r.body;
}

TEST(SimServerFaults, MalformedFrameThenCleanEnd) {
  const Response r = faulted("malformed@1");
  EXPECT_TRUE(r.complete);
  const auto frames = sse_data(r.body);
  ASSERT_EQ(frames.size(), 5u);  // role, 3 tokens, the broken one
  EXPECT_EQ(contents(frames).size(), 3u);
  EXPECT_FALSE(is_valid_json(frames.back()));
  EXPECT_EQ(frames.back().rfind(R"({"choices":[{"finish_reason":null,)", 0), 0u);
}

TEST(SimServerFaults, TruncateClosesWithoutTheLastChunk) {
  bool closed = false;
  const Response r = faulted("truncate@1", &closed);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(closed);
  EXPECT_EQ(contents(sse_data(r.body)).size(), 3u);
}

TEST(SimServerFaults, DropClosesBeforeAnyByte) {
  bool closed = false;
  const Response r = faulted("drop@1", &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.head.empty());
}

TEST(SimServerFaults, StallHoldsTheStream) {
  const Response r = faulted("stall@1", nullptr, 300);
  ASSERT_TRUE(r.complete);
  // chunks: role, t0, t1, t2, (stall), t3 ...
  ASSERT_GE(r.chunk_times.size(), 6u);
  const Nanos gap = r.chunk_times[4] - r.chunk_times[3];
  EXPECT_GE(gap, 300 * kNanosPerMilli);
  EXPECT_LT(gap, 1000 * kNanosPerMilli);
  EXPECT_EQ(contents(sse_data(r.body)).size(), 6u);
}

TEST(SimServerFaults, OllamaGetsItsOwnErrorShapes) {
  SimOptions o = fast_ollama(1, 1);
  std::string error;
  o.faults.push_back(*parse_fault_rule("stream-error@1", error));
  o.faults.push_back(*parse_fault_rule("http-503@2", error));
  RunningSim sim(o);
  Client c(sim.port());
  const std::string body = R"({"model":"hakari-sim","prompt":"x","options":{"num_predict":10}})";
  Response r = c.request(post("/api/generate", body));
  ASSERT_TRUE(r.complete);
  const auto records = lines(r.body);
  ASSERT_EQ(records.size(), 4u);  // 3 tokens, then the error line
  EXPECT_EQ(records.back(), R"({"error":"simulated failure"})");
  r = c.request(post("/api/generate", body));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"error":"server busy, please try again.  maximum pending requests exceeded"})");
}

TEST(SimServerFaults, FaultsFollowTheRequestOrdinal) {
  SimOptions o = fast_ollama(1, 1);
  std::string error;
  o.faults.push_back(*parse_fault_rule("http-500@2,3", error));
  o.faults.push_back(*parse_fault_rule("http-503@4", error));
  RunningSim sim(o);
  Client c(sim.port());
  const std::string body = R"({"model":"hakari-sim","prompt":"x","stream":false,"options":{"num_predict":2}})";
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) {
    statuses.push_back(c.request(post("/api/generate", body)).status);
    c.request(get("/health"));  // not a generation request: does not count
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 500, 500, 503, 200}));
}

TEST(SimServer, ClientDisconnectFreesTheSlot) {
  SimOptions o = fast_fixed(10, 10);
  o.slots = 1;
  RunningSim sim(o);
  const std::string long_body = R"({"prompt":"x","n_predict":100000,"ignore_eos":true,"stream":true})";
  Client a(sim.port());
  a.send(post("/completion", long_body));
  // Read a couple of tokens, then queue a second request behind it.
  int seen = 0;
  a.read_response(2 * kSecond, false, [&](const Response&) { return ++seen < 2; });
  Client b(sim.port());
  b.send(post("/completion", R"({"prompt":"y","n_predict":2,"ignore_eos":true})"));
  Client m(sim.port());
  Nanos until = now_ns() + 2 * kSecond;
  std::string metrics;
  do {
    metrics = m.request(get("/metrics")).body;
  } while (metrics.find("llamacpp:requests_deferred 1\n") == std::string::npos && now_ns() < until);
  EXPECT_NE(metrics.find("llamacpp:requests_processing 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("llamacpp:requests_deferred 1\n"), std::string::npos) << metrics;
  EXPECT_EQ(m.request(get("/slots?fail_on_no_slot=1")).status, 503);

  const Nanos left = now_ns();
  a.close();
  const Response rb = b.read_response(2 * kSecond);
  ASSERT_EQ(rb.status, 200);
  // B got the slot at once: its TTFT (10 ms) plus one gap, not A's 100000 tokens.
  EXPECT_LT(now_ns() - left, 500 * kNanosPerMilli);
  metrics = m.request(get("/metrics")).body;
  EXPECT_NE(metrics.find("llamacpp:requests_processing 0\n"), std::string::npos) << metrics;
}

TEST(SimServer, SameSeedSameText) {
  auto answer = [](std::uint64_t seed) {
    SimOptions o = fast_fixed(1, 1);
    o.seed = seed;
    RunningSim sim(o);
    Client c(sim.port());
    return c.request(post("/completion", R"({"prompt":"x","n_predict":40})")).body;
  };
  simdjson::dom::parser p;
  auto content = [&](const std::string& body) { return std::string(std::string_view(parse(p, body)["content"])); };
  const std::string a = content(answer(3));
  EXPECT_EQ(a, content(answer(3)));
  EXPECT_NE(a, content(answer(4)));
}

}  // namespace
}  // namespace hakari::sim
