// Connection habits on the wire: llama-server b5601 promises keep-alive but closes the
// connection after every streamed response, so a client that sends its next request on
// it gets the close before any response byte; vLLM (uvicorn), Ollama (Go) and LM Studio
// (Node) keep it. Idle connections close after the keep-alive timeout.
#include <gtest/gtest.h>

#include "sim/sim_test_util.h"

namespace hakari::sim {
namespace {

using testing::Client;
using testing::fast_fixed;
using testing::get;
using testing::post;
using testing::Response;
using testing::RunningSim;

constexpr Nanos kSecond = kNanosPerSecond;

const char* kStream = R"({"messages":[{"role":"user","content":"x"}],"max_tokens":3,"ignore_eos":true,"stream":true})";

SimOptions as(Persona persona) {
  SimOptions o = fast_fixed(2, 2);
  o.persona = persona;
  if (persona == Persona::ollama) o.model_name = "m";
  return o;
}

std::string stream_request(Persona persona) {
  const std::string body = persona == Persona::ollama
                               ? std::string(R"({"model":"m",)") + (kStream + 1)
                               : std::string(kStream);
  return post("/v1/chat/completions", body);
}

TEST(Connections, LlamaCppClosesAfterAStreamWhileAdvertisingKeepAlive) {
  RunningSim sim(as(Persona::llamacpp));
  Client c(sim.port());
  const Response first = c.request(stream_request(Persona::llamacpp));
  ASSERT_TRUE(first.complete);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("Keep-Alive"), "timeout=5, max=100");  // the promise ...
  EXPECT_EQ(first.header("Connection"), "");
  // ... and the habit: the next request on this connection gets no answer at all.
  const Response second = c.request(stream_request(Persona::llamacpp), 2 * kSecond);
  EXPECT_TRUE(second.eof);
  EXPECT_EQ(second.status, 0);
  EXPECT_TRUE(second.head.empty()) << second.head;
  EXPECT_EQ(c.buffered(), 0u);

  // A whole (unstreamed) response keeps the connection, as b5601 does.
  Client k(sim.port());
  EXPECT_EQ(k.request(get("/health")).status, 200);
  EXPECT_EQ(k.request(post("/completion", R"({"prompt":"x","n_predict":2})")).status, 200);
  EXPECT_EQ(k.request(stream_request(Persona::llamacpp)).status, 200);
  EXPECT_TRUE(k.wait_closed(2 * kSecond));  // closed once the stream is over
}

TEST(Connections, CloseAfterStreamIsAnOption) {
  SimOptions keep = as(Persona::llamacpp);
  keep.close_after_stream = false;
  RunningSim kept(keep);
  Client c(kept.port());
  EXPECT_TRUE(c.request(stream_request(Persona::llamacpp)).complete);
  const Response again = c.request(stream_request(Persona::llamacpp));
  EXPECT_TRUE(again.complete);
  EXPECT_EQ(again.status, 200);

  SimOptions close = as(Persona::vllm);
  close.close_after_stream = true;
  RunningSim closing(close);
  Client v(closing.port());
  EXPECT_TRUE(v.request(stream_request(Persona::vllm)).complete);
  const Response refused = v.request(stream_request(Persona::vllm), 2 * kSecond);
  EXPECT_TRUE(refused.eof);
  EXPECT_EQ(refused.status, 0);
}

TEST(Connections, VllmOllamaAndLmStudioKeepTheConnectionAfterAStream) {
  for (Persona persona : {Persona::vllm, Persona::ollama, Persona::lmstudio}) {
    RunningSim sim(as(persona));
    Client c(sim.port());
    for (int i = 0; i < 3; ++i) {
      const Response r = c.request(stream_request(persona));
      EXPECT_TRUE(r.complete) << persona_name(persona) << " request " << i;
      EXPECT_EQ(r.status, 200) << persona_name(persona) << " request " << i;
      EXPECT_FALSE(r.eof) << persona_name(persona);
    }
  }
}

TEST(Connections, IdleConnectionClosesAfterTheKeepAliveTimeout) {
  EXPECT_EQ(SimOptions{}.idle_timeout_ms, 5000);  // uvicorn's, Node's and httplib's default
  SimOptions o = as(Persona::vllm);
  o.idle_timeout_ms = 300;
  RunningSim sim(o);
  Client c(sim.port());
  EXPECT_EQ(c.request(get("/health")).status, 200);
  const Nanos answered = now_ns();
  EXPECT_FALSE(c.wait_closed(100 * kNanosPerMilli));  // still open well before the timeout
  EXPECT_TRUE(c.wait_closed(3 * kSecond));
  const Nanos idle = now_ns() - answered;
  EXPECT_GE(idle, 300 * kNanosPerMilli);
  EXPECT_LT(idle, 2 * kSecond);
}

}  // namespace
}  // namespace hakari::sim
