// The server sampler against real HTTP: the in-process simulator (llama.cpp and vLLM /metrics,
// Ollama /api/ps), a small test server for vLLM and the failure cases, a socket that
// never answers, and a closed port.
#include "hakari/telemetry/server/server_sampler.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "hakari/transport/http_client.h"
#include "sim/sim_test_util.h"
#include "telemetry_server/test_http_server.h"

namespace hakari::telemetry {
namespace {

using testing::TestHttpServer;

class ServerSamplerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { transport::init_http_global(); }
};

std::string read_data(const std::string& relative) {
  std::ifstream in(std::string(HAKARI_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string joined(const std::vector<std::string>& notes) {
  std::string out;
  for (const auto& n : notes) out += n + "\n";
  return out;
}

ServerEndpoint endpoint(const std::string& url, const std::string& kind,
                        Nanos timeout = 1 * kNanosPerSecond) {
  ServerEndpoint ep;
  ep.base_url = url;
  ep.kind = kind;
  ep.timeout = timeout;
  return ep;
}

Snapshot take(Sampler& s) {
  Snapshot snap;
  s.sample(snap);
  return snap;
}

// Samples until `done` holds or the deadline passes: waits on a condition, never on a
// guessed sleep.
Snapshot sample_until(Sampler& s, const std::function<bool(const ServerReading&)>& done,
                      Nanos timeout = 3 * kNanosPerSecond) {
  const Nanos deadline = now_ns() + timeout;
  Snapshot snap;
  while (now_ns() < deadline) {
    snap = take(s);
    if (snap.server && done(*snap.server)) break;
  }
  return snap;
}

std::string url_of(const sim::testing::RunningSim& sim) {
  return "http://127.0.0.1:" + std::to_string(sim.port());
}

TEST_F(ServerSamplerTest, LlamaCppSimulatorIdle) {
  sim::testing::RunningSim sim(sim::testing::fast_fixed());
  auto s = make_server_sampler(endpoint(url_of(sim) + "/", "llama.cpp"));  // a trailing slash is tolerated
  EXPECT_EQ(s->name(), "server");
  const Snapshot snap = take(*s);
  ASSERT_TRUE(snap.server) << joined(s->take_notes());
  EXPECT_EQ(snap.server->source, "llama.cpp /metrics");
  EXPECT_EQ(snap.server->requests_running, 0.0);
  EXPECT_EQ(snap.server->requests_waiting, 0.0);
  EXPECT_FALSE(snap.server->kv_cache_usage);  // newer llama.cpp has no KV ratio
  EXPECT_FALSE(snap.server->model_bytes);
  EXPECT_TRUE(s->take_notes().empty());
}

TEST_F(ServerSamplerTest, LlamaCppSimulatorDuringAStream) {
  sim::SimOptions opts = sim::testing::fast_fixed(5, 10);
  opts.slots = 1;
  sim::testing::RunningSim sim(opts);
  auto s = make_server_sampler(endpoint(url_of(sim), "llama.cpp"));

  // A long stream: once its first chunk has arrived it holds the one slot until it ends
  // (1,000 tokens at 10 ms) or the client goes away.
  const std::string body = R"({"prompt":"hi","n_predict":1000,"ignore_eos":true,"stream":true})";
  sim::testing::Client first(sim.port());
  first.send(sim::testing::post("/completion", body));
  const auto started =
      first.read_response(5 * kNanosPerSecond, false, [](const sim::testing::Response&) { return false; });
  ASSERT_EQ(started.status, 200);
  ASSERT_FALSE(started.chunks.empty());
  Snapshot snap = take(*s);
  ASSERT_TRUE(snap.server);
  EXPECT_EQ(snap.server->requests_running, 1.0);
  EXPECT_EQ(snap.server->requests_waiting, 0.0);

  // A second request has to wait for the slot.
  sim::testing::Client second(sim.port());
  second.send(sim::testing::post("/completion", body));
  snap = sample_until(*s, [](const ServerReading& r) { return r.requests_waiting == 1.0; });
  ASSERT_TRUE(snap.server);
  EXPECT_EQ(snap.server->requests_waiting, 1.0);
  EXPECT_EQ(snap.server->requests_running, 1.0);

  first.close();
  second.close();
  snap = sample_until(
      *s, [](const ServerReading& r) { return r.requests_running == 0.0 && r.requests_waiting == 0.0; });
  ASSERT_TRUE(snap.server);
  EXPECT_EQ(snap.server->requests_running, 0.0);
  EXPECT_EQ(snap.server->requests_waiting, 0.0);
  EXPECT_TRUE(s->take_notes().empty());
}

TEST_F(ServerSamplerTest, OllamaSimulatorBeforeAndAfterALoad) {
  sim::SimOptions opts = sim::testing::fast_fixed();
  opts.persona = sim::Persona::ollama;
  sim::testing::RunningSim sim(opts);
  auto s = make_server_sampler(endpoint(url_of(sim), "ollama"));
  Snapshot snap = take(*s);
  ASSERT_TRUE(snap.server) << joined(s->take_notes());
  EXPECT_EQ(snap.server->source, "ollama /api/ps");
  EXPECT_EQ(snap.server->model_bytes, 0);  // nothing loaded yet: measured, not missing
  EXPECT_EQ(snap.server->vram_bytes, 0);
  EXPECT_FALSE(snap.server->requests_running);

  sim::testing::Client c(sim.port());
  const auto load = c.request(sim::testing::post("/api/generate", R"({"model":"hakari-sim"})"));
  ASSERT_EQ(load.status, 200) << load.body;
  snap = take(*s);
  ASSERT_TRUE(snap.server);
  EXPECT_EQ(snap.server->model_bytes, 19'800'000'000);  // the simulator's default weights_gb
  EXPECT_EQ(snap.server->vram_bytes, 19'800'000'000);
  EXPECT_TRUE(s->take_notes().empty());
}

// The simulator as vLLM: its /metrics, in vLLM's names and labels, read while a stream holds
// the one slot and another waits.
TEST_F(ServerSamplerTest, VllmSimulatorDuringAStream) {
  sim::SimOptions opts = sim::testing::fast_fixed(5, 10);
  opts.persona = sim::Persona::vllm;
  opts.slots = 1;
  opts.ctx_size = 2048;
  sim::testing::RunningSim sim(opts);
  auto s = make_server_sampler(endpoint(url_of(sim), "vllm"));
  Snapshot snap = take(*s);
  ASSERT_TRUE(snap.server) << joined(s->take_notes());
  EXPECT_EQ(snap.server->source, "vllm /metrics");
  EXPECT_EQ(snap.server->requests_running, 0.0);
  EXPECT_EQ(snap.server->kv_cache_usage, 0.0);

  const std::string body = R"({"prompt":"hi","max_tokens":1000,"ignore_eos":true,"stream":true})";
  sim::testing::Client first(sim.port());
  first.send(sim::testing::post("/v1/completions", body));
  const auto started =
      first.read_response(5 * kNanosPerSecond, false, [](const sim::testing::Response&) { return false; });
  ASSERT_EQ(started.status, 200);
  sim::testing::Client second(sim.port());
  second.send(sim::testing::post("/v1/completions", body));
  snap = sample_until(*s, [](const ServerReading& r) { return r.requests_waiting == 1.0; });
  ASSERT_TRUE(snap.server);
  EXPECT_EQ(snap.server->requests_running, 1.0);
  EXPECT_EQ(snap.server->requests_waiting, 1.0);
  ASSERT_TRUE(snap.server->kv_cache_usage);
  EXPECT_GT(*snap.server->kv_cache_usage, 0.0);  // the running stream's prompt and tokens so far
  EXPECT_LT(*snap.server->kv_cache_usage, 1.0);
  first.close();
  second.close();
  EXPECT_TRUE(s->take_notes().empty());
}

TEST_F(ServerSamplerTest, VllmOverHttpSumsEnginesAndAveragesTheKvRatio) {
  TestHttpServer server;
  server.set("/metrics", {200, "text/plain; version=0.0.4; charset=utf-8",
                          read_data("telemetry/server/vllm-metrics.prom")});
  ServerEndpoint ep = endpoint(server.url(), "vllm");
  ep.headers = {"Authorization: Bearer sk-test"};
  auto s = make_server_sampler(ep);
  for (int i = 0; i < 3; ++i) {
    const Snapshot snap = take(*s);
    ASSERT_TRUE(snap.server) << joined(s->take_notes());
    EXPECT_EQ(snap.server->source, "vllm /metrics");
    EXPECT_EQ(snap.server->requests_running, 5.0);
    EXPECT_EQ(snap.server->requests_waiting, 1.0);
    EXPECT_EQ(snap.server->kv_cache_usage, 0.375);
  }
  EXPECT_EQ(server.hits("/metrics"), 3);  // a fresh connection each time, all answered
  EXPECT_NE(server.last_head("/metrics").find("Authorization: Bearer sk-test"), std::string::npos);
  EXPECT_TRUE(s->take_notes().empty());
}

TEST_F(ServerSamplerTest, VllmPrefersTheNewKvNameAndFallsBackToTheDeprecatedOne) {
  TestHttpServer server;
  server.set("/metrics", {200, "text/plain", read_data("telemetry/server/vllm-metrics-deprecated.prom")});
  auto s = make_server_sampler(endpoint(server.url(), "vllm"));
  Snapshot snap = take(*s);
  ASSERT_TRUE(snap.server) << joined(s->take_notes());
  EXPECT_EQ(snap.server->kv_cache_usage, 0.0625);
  EXPECT_EQ(snap.server->requests_running, 4.0);
  EXPECT_EQ(snap.server->requests_waiting, 2.0);

  server.set("/metrics", {200, "text/plain",
                          "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.9\n"
                          "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.25\n"
                          "vllm:num_requests_running{model_name=\"m\"} NaN\n"});
  snap = take(*s);
  ASSERT_TRUE(snap.server);
  EXPECT_EQ(snap.server->kv_cache_usage, 0.25);
  EXPECT_FALSE(snap.server->requests_running);  // NaN is no reading
  EXPECT_FALSE(snap.server->requests_waiting);
}

TEST_F(ServerSamplerTest, OllamaFixtureSumsLoadedModels) {
  TestHttpServer server;
  server.set("/api/ps", {200, "application/json", read_data("telemetry/server/ollama-ps.json")});
  auto s = make_server_sampler(endpoint(server.url(), "ollama"));
  const Snapshot snap = take(*s);
  ASSERT_TRUE(snap.server) << joined(s->take_notes());
  EXPECT_EQ(snap.server->model_bytes, 5137025024 + 21474836480);
  EXPECT_EQ(snap.server->vram_bytes, 5137025024 + 12884901888);
  EXPECT_EQ(server.hits("/metrics"), 0);
}

TEST_F(ServerSamplerTest, OllamaBadAnswersAreNotedOnce) {
  TestHttpServer server;
  server.set("/api/ps", {200, "application/json", "{\"models\": [ {\"size\": "});
  auto s = make_server_sampler(endpoint(server.url(), "ollama"));
  EXPECT_FALSE(take(*s).server);
  EXPECT_FALSE(take(*s).server);
  auto notes = s->take_notes();
  ASSERT_EQ(notes.size(), 1u) << joined(notes);
  EXPECT_NE(notes[0].find("not JSON"), std::string::npos) << notes[0];

  server.set("/api/ps",
             {200, "application/json", R"({"models":[{"name":"x","size":-5,"size_vram":"big"}]})"});
  const Snapshot snap = take(*s);
  ASSERT_TRUE(snap.server);
  EXPECT_FALSE(snap.server->model_bytes);  // a model is loaded but no sane size was given
  EXPECT_FALSE(snap.server->vram_bytes);
}

TEST_F(ServerSamplerTest, MetricsOffIsNotedOnceAndNotAskedAgain) {
  TestHttpServer server;
  server.set(
      "/metrics",
      {501, "application/json",
       R"({"error":{"code":501,"message":"This server does not support metrics endpoint. Start it with `--metrics`","type":"not_supported_error"}})"});
  auto s = make_server_sampler(endpoint(server.url(), "llama.cpp"));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(take(*s).server);
  const auto notes = s->take_notes();
  ASSERT_EQ(notes.size(), 1u) << joined(notes);
  EXPECT_EQ(notes[0], "llama.cpp /metrics is off: start llama-server with --metrics");
  EXPECT_EQ(server.hits("/metrics"), 1);

  TestHttpServer old_build;  // builds without the route answer 404
  auto t = make_server_sampler(endpoint(old_build.url(), "llama.cpp"));
  EXPECT_FALSE(take(*t).server);
  EXPECT_FALSE(take(*t).server);
  EXPECT_EQ(joined(t->take_notes()), "llama.cpp /metrics is off: start llama-server with --metrics\n");
  EXPECT_EQ(old_build.hits("/metrics"), 1);
}

TEST_F(ServerSamplerTest, AServerThatNeverAnswersCostsAboutOneTimeout) {
  TestHttpServer hung(false);  // listens, never accepts, never replies
  auto s = make_server_sampler(endpoint(hung.url(), "vllm", 300 * kNanosPerMilli));
  const Nanos t0 = now_ns();
  EXPECT_FALSE(take(*s).server);
  const Nanos first = now_ns() - t0;
  EXPECT_GE(first, 250 * kNanosPerMilli);
  EXPECT_LT(first, 1500 * kNanosPerMilli);
  const auto notes = s->take_notes();
  ASSERT_EQ(notes.size(), 1u) << joined(notes);
  EXPECT_NE(notes[0].find("timeout"), std::string::npos) << notes[0];

  // Right after a failure the sampler backs off instead of paying the timeout again.
  const Nanos t1 = now_ns();
  EXPECT_FALSE(take(*s).server);
  EXPECT_LT(now_ns() - t1, 50 * kNanosPerMilli);
  EXPECT_TRUE(s->take_notes().empty());
}

TEST_F(ServerSamplerTest, ARefusedConnectionIsQuickAndNotedOnce) {
  std::string url;
  {
    TestHttpServer gone(false);
    url = gone.url();
  }  // closed: connecting is refused now
  auto s = make_server_sampler(endpoint(url, "llama.cpp", 500 * kNanosPerMilli));
  const Nanos t0 = now_ns();
  EXPECT_FALSE(take(*s).server);
  EXPECT_LT(now_ns() - t0, 400 * kNanosPerMilli);
  const auto notes = s->take_notes();
  ASSERT_EQ(notes.size(), 1u) << joined(notes);
  EXPECT_NE(notes[0].find("connect"), std::string::npos) << notes[0];
}

TEST_F(ServerSamplerTest, ABodyOverFourMebibytesIsRefused) {
  TestHttpServer server;
  std::string big = "# padding\n";
  while (big.size() <= kServerMaxBodyBytes) big += "vllm:num_requests_running{engine=\"0\"} 1\n";
  server.set("/metrics", {200, "text/plain", big});
  auto s = make_server_sampler(endpoint(server.url(), "vllm"));
  EXPECT_FALSE(take(*s).server);
  const auto notes = s->take_notes();
  ASSERT_EQ(notes.size(), 1u) << joined(notes);
  EXPECT_NE(notes[0].find("larger than 4194304 bytes"), std::string::npos) << notes[0];
}

TEST_F(ServerSamplerTest, OtherStatusesAreNotedAndRetriedAfterABackoff) {
  TestHttpServer server;
  server.set("/metrics", {503, "application/json", R"({"error":{"code":503,"message":"Loading model"}})"});
  auto s = make_server_sampler(endpoint(server.url(), "llama.cpp", 50 * kNanosPerMilli));
  EXPECT_FALSE(take(*s).server);
  EXPECT_FALSE(take(*s).server);  // inside the backoff: not asked
  EXPECT_EQ(server.hits("/metrics"), 1);
  auto notes = s->take_notes();
  ASSERT_EQ(notes.size(), 1u) << joined(notes);
  EXPECT_NE(notes[0].find("HTTP 503"), std::string::npos) << notes[0];

  server.set("/metrics", {200, "text/plain", read_data("llama-server/metrics.prom")});
  const Snapshot snap = sample_until(*s, [](const ServerReading&) { return true; });
  ASSERT_TRUE(snap.server);
  EXPECT_EQ(snap.server->requests_running, 0.0);
  EXPECT_EQ(server.hits("/metrics"), 2);
}

TEST_F(ServerSamplerTest, MalformedLinesAreNotedOnceAndTheRestIsRead) {
  TestHttpServer server;
  server.set("/metrics", {200, "text/plain",
                          "llamacpp:requests_processing 2\n"
                          "llamacpp:requests_deferred{broken 3\n"
                          "llamacpp:kv_cache_usage_ratio 0.5\n"});
  auto s = make_server_sampler(endpoint(server.url(), "llama.cpp"));
  for (int i = 0; i < 2; ++i) {
    const Snapshot snap = take(*s);
    ASSERT_TRUE(snap.server);
    EXPECT_EQ(snap.server->requests_running, 2.0);
    EXPECT_FALSE(snap.server->requests_waiting);
    EXPECT_EQ(snap.server->kv_cache_usage, 0.5);
  }
  const auto notes = s->take_notes();
  ASSERT_EQ(notes.size(), 1u) << joined(notes);
  EXPECT_NE(notes[0].find("skipped 1 malformed line(s) (first: line 2:"), std::string::npos) << notes[0];
}

TEST_F(ServerSamplerTest, OtherKindsTryMetricsOnce) {
  {  // an OpenAI-compatible server that is really llama.cpp with --metrics
    TestHttpServer server;
    server.set("/metrics", {200, "text/plain", read_data("llama-server/metrics.prom")});
    auto s = make_server_sampler(endpoint(server.url(), "openai-compatible"));
    for (int i = 0; i < 2; ++i) {
      const Snapshot snap = take(*s);
      ASSERT_TRUE(snap.server) << joined(s->take_notes());
      EXPECT_EQ(snap.server->source, "llama.cpp /metrics");
      EXPECT_EQ(snap.server->requests_running, 0.0);
    }
    EXPECT_EQ(server.hits("/metrics"), 2);
    EXPECT_TRUE(s->take_notes().empty());
  }
  {  // LM Studio: no /metrics
    TestHttpServer server;
    auto s = make_server_sampler(endpoint(server.url(), "lmstudio"));
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(take(*s).server);
    EXPECT_EQ(server.hits("/metrics"), 1);
    const auto notes = s->take_notes();
    ASSERT_EQ(notes.size(), 1u) << joined(notes);
    EXPECT_EQ(notes[0], "lmstudio server at " + server.url() +
                            ": /metrics answered HTTP 404; no server-side telemetry");
  }
  {  // something with /metrics, but nothing of an LLM server's
    TestHttpServer server;
    server.set("/metrics", {200, "text/plain", "python_info{version=\"3.12\"} 1.0\n"});
    auto s = make_server_sampler(endpoint(server.url(), "unknown"));
    EXPECT_FALSE(take(*s).server);
    EXPECT_FALSE(take(*s).server);
    EXPECT_EQ(server.hits("/metrics"), 1);
    EXPECT_EQ(joined(s->take_notes()),
              "unknown server at " + server.url() +
                  ": /metrics has no llamacpp: or vllm: series; no server-side telemetry\n");
  }
}

}  // namespace
}  // namespace hakari::telemetry
