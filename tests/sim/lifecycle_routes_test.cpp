// The model-management routes the target module drives: Ollama's pull, create, delete and
// blobs, LM Studio's native model list/load/unload, and llama.cpp's /health during a load.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim_test_util.h"

namespace hakari::sim {
namespace {

using testing::Client;
using testing::fast_fixed;
using testing::get;
using testing::lines;
using testing::post;
using testing::Response;
using testing::RunningSim;

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& json) { return p.parse(json).value(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string with_method(std::string request, std::string_view method) {
  return std::string(method) + request.substr(request.find(' '));
}

std::string digest_of(char c) { return "sha256:" + std::string(64, c); }

SimOptions as(Persona persona) {
  SimOptions o = fast_fixed();
  o.persona = persona;
  return o;
}

TEST(LifecycleRoutes, OllamaPullStreamsProgressAndAddsTheModel) {
  RunningSim sim(as(Persona::ollama));
  Client c(sim.port());
  simdjson::dom::parser p;
  EXPECT_FALSE(contains(c.request(get("/api/tags")).body, "qwen3:0.6b"));
  // Not there yet: Ollama's routes refuse it.
  EXPECT_EQ(c.request(post("/api/generate", R"({"model":"qwen3:0.6b","prompt":"x"})")).status, 404);

  const Nanos t0 = now_ns();
  const Response r = c.request(post("/api/pull", R"({"model":"qwen3:0.6b"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/x-ndjson");
  EXPECT_GE(now_ns() - t0, 150 * kNanosPerMilli);  // lines come out over time, not at once
  const std::vector<std::string> ls = lines(r.body);
  ASSERT_GE(ls.size(), 9u);
  EXPECT_EQ(ls.front(), R"({"status":"pulling manifest"})");
  std::int64_t last_completed = -1;
  std::int64_t total = 0;
  for (std::size_t i = 1; i < 6; ++i) {
    auto e = parse(p, ls[i]);
    EXPECT_TRUE(std::string_view(e["status"]).starts_with("pulling "));
    EXPECT_TRUE(std::string_view(e["digest"]).starts_with("sha256:"));
    total = std::int64_t(e["total"]);
    const std::int64_t completed = std::int64_t(e["completed"]);
    EXPECT_GT(completed, last_completed);
    last_completed = completed;
  }
  EXPECT_EQ(last_completed, total);
  EXPECT_EQ(ls[ls.size() - 3], R"({"status":"verifying sha256 digest"})");
  EXPECT_EQ(ls[ls.size() - 2], R"({"status":"writing manifest"})");
  EXPECT_EQ(ls.back(), R"({"status":"success"})");
  EXPECT_GE(r.chunk_times.back() - r.chunk_times.front(), 100 * kNanosPerMilli);

  EXPECT_TRUE(contains(c.request(get("/api/tags")).body, R"("name":"qwen3:0.6b")"));
  // Now it can be loaded and used like the simulator's own model.
  const Response load = c.request(post("/api/generate", R"({"model":"qwen3:0.6b","keep_alive":-1})"));
  EXPECT_EQ(load.status, 200);
  EXPECT_TRUE(contains(c.request(get("/api/ps")).body, R"("name":"qwen3:0.6b")"));
  const Response unload = c.request(post("/api/generate", R"({"model":"qwen3:0.6b","keep_alive":0})"));
  EXPECT_EQ(std::string_view(parse(p, unload.body)["done_reason"]), "unload");
  EXPECT_EQ(c.request(get("/api/ps")).body, R"({"models":[]})");

  // Unstreamed: one body at the end.
  const Response whole = c.request(post("/api/pull", R"({"name":"library/other:7b","stream":false})"));
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, R"({"status":"success"})");
  EXPECT_TRUE(contains(c.request(get("/api/tags")).body, R"("name":"library/other:7b")"));
}

TEST(LifecycleRoutes, OllamaNamesWithATagKeepIt) {
  SimOptions o = as(Persona::ollama);
  o.model_name = "qwen3:8b";
  RunningSim sim(o);
  Client c(sim.port());
  EXPECT_TRUE(contains(c.request(get("/api/tags")).body, R"("name":"qwen3:8b")"));
  EXPECT_EQ(c.request(post("/api/generate", R"({"model":"qwen3:8b","prompt":"x","stream":false,"options":{"num_predict":1}})")).status,
            200);
}

TEST(LifecycleRoutes, OllamaPullErrors) {
  RunningSim sim(as(Persona::ollama));
  Client c(sim.port());
  Response r = c.request(post("/api/pull", R"({"model":"no-such-model:7b"})"));
  EXPECT_EQ(r.status, 200);  // streamed: the error is a line, as Ollama sends it
  EXPECT_EQ(lines(r.body), (std::vector<std::string>{R"({"status":"pulling manifest"})",
                                                     R"({"error":"pull model manifest: file does not exist"})"}));
  r = c.request(post("/api/pull", R"({"model":"no-such-model","stream":false})"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"error":"pull model manifest: file does not exist"})");
  EXPECT_FALSE(contains(c.request(get("/api/tags")).body, "no-such-model"));
  r = c.request(post("/api/pull", R"({"model":"Bad Name!"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"invalid model name"})");
  EXPECT_EQ(c.request(post("/api/pull", R"({})")).status, 400);
  EXPECT_EQ(c.request(post("/api/pull", "not json")).status, 400);
}

TEST(LifecycleRoutes, OllamaCreateFromAModelAPathOrABlob) {
  RunningSim sim(as(Persona::ollama));
  Client c(sim.port());
  // From a model it has.
  Response r = c.request(post("/api/create", R"({"model":"copy","from":"hakari-sim"})"));
  EXPECT_EQ(r.status, 200);
  std::vector<std::string> ls = lines(r.body);
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_TRUE(ls[0].starts_with(R"({"status":"using existing layer sha256:)")) << ls[0];
  EXPECT_EQ(ls[1], R"({"status":"writing manifest"})");
  EXPECT_EQ(ls[2], R"({"status":"success"})");
  EXPECT_TRUE(contains(c.request(get("/api/tags")).body, R"("name":"copy:latest")"));

  // From a GGUF on the server's disk, named by a Modelfile's FROM line.
  const std::string path = (std::filesystem::temp_directory_path() / "hakari-sim-create-test.gguf").string();
  std::ofstream(path) << "GGUF";
  r = c.request(post("/api/create", R"({"model":"fromfile:q4","modelfile":"# comment\nFROM )" + path +
                                        R"(\nPARAMETER num_ctx 4096\n"})"));
  ls = lines(r.body);
  ASSERT_EQ(ls.size(), 4u) << r.body;
  EXPECT_EQ(ls[0], R"({"status":"parsing GGUF"})");
  EXPECT_TRUE(ls[1].starts_with(R"({"status":"creating new layer sha256:)"));
  EXPECT_TRUE(contains(c.request(get("/api/tags")).body, R"("name":"fromfile:q4","model":"fromfile:q4","modified_at":)"));
  std::filesystem::remove(path);
  r = c.request(post("/api/create", R"({"model":"x","from":"/nonexistent/m.gguf"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"open /nonexistent/m.gguf: no such file or directory"})");

  // From an uploaded blob, as Ollama's own client does it.
  const std::string blob = "/api/blobs/" + digest_of('a');
  r = c.request(post("/api/create", R"({"model":"fromblob","files":{"m.gguf":")" + digest_of('a') + R"("}})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(contains(r.body, "not found")) << r.body;
  c.send(get(blob, "HEAD"));
  EXPECT_EQ(c.read_response(5 * kNanosPerSecond, true).status, 404);
  EXPECT_EQ(c.request(post(blob, "GGUF and some weights")).status, 201);
  c.send(get(blob, "HEAD"));
  EXPECT_EQ(c.read_response(5 * kNanosPerSecond, true).status, 200);
  r = c.request(post("/api/create", R"({"model":"fromblob","stream":false,"files":{"m.gguf":")" + digest_of('a') +
                                        R"("}})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success"})");
  EXPECT_TRUE(contains(c.request(get("/api/tags")).body, R"("name":"fromblob:latest")"));
  EXPECT_EQ(c.request(post("/api/blobs/sha256:xyz", "x")).status, 400);

  // Nothing to create from.
  r = c.request(post("/api/create", R"({"model":"empty"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"neither 'from' or 'files' was specified"})");
  EXPECT_EQ(c.request(post("/api/create", R"({"model":"x","from":"unknown-model"})")).status, 404);
}

TEST(LifecycleRoutes, OllamaDelete) {
  RunningSim sim(as(Persona::ollama));
  Client c(sim.port());
  c.request(post("/api/create", R"({"model":"copy","from":"hakari-sim"})"));
  EXPECT_EQ(c.request(with_method(post("/api/delete", R"({"model":"copy"})"), "DELETE")).status, 200);
  EXPECT_FALSE(contains(c.request(get("/api/tags")).body, "copy:latest"));
  const Response again = c.request(with_method(post("/api/delete", R"({"model":"copy"})"), "DELETE"));
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.body, R"({"error":"model 'copy' not found"})");
}

TEST(LifecycleRoutes, LmStudioLoadAndUnload) {
  SimOptions o = as(Persona::lmstudio);
  o.load_ms = 100;
  o.model_name = "qwen/qwen3-4b";
  o.ctx_size = 4096;
  RunningSim sim(o);
  Client c(sim.port());
  simdjson::dom::parser p;
  Response r = c.request(get("/api/v1/models"));
  auto m = parse(p, r.body)["models"].at(0);
  EXPECT_EQ(std::string_view(m["key"]), "qwen/qwen3-4b");
  EXPECT_EQ(std::string_view(m["type"]), "llm");
  EXPECT_EQ(std::int64_t(m["max_context_length"]), 4096);
  EXPECT_EQ(simdjson::dom::array(m["loaded_instances"]).size(), 0u);
  EXPECT_TRUE(contains(c.request(get("/api/v0/models")).body, R"("state":"not-loaded")"));

  const Nanos t0 = now_ns();
  r = c.request(post("/api/v1/models/load", R"({"model":"qwen/qwen3-4b","context_length":2048,"echo_load_config":true})"));
  EXPECT_GE(now_ns() - t0, 100 * kNanosPerMilli);  // answered when the load is done
  EXPECT_EQ(r.status, 200);
  auto load = parse(p, r.body);
  EXPECT_EQ(std::string_view(load["type"]), "llm");
  EXPECT_EQ(std::string_view(load["instance_id"]), "qwen/qwen3-4b");
  EXPECT_DOUBLE_EQ(double(load["load_time_seconds"]), 0.1);
  EXPECT_EQ(std::string_view(load["status"]), "loaded");
  EXPECT_EQ(std::int64_t(load["load_config"]["context_length"]), 2048);
  r = c.request(get("/api/v1/models"));
  EXPECT_TRUE(contains(r.body, R"("loaded_instances":[{"id":"qwen/qwen3-4b","config":{"context_length":2048)"))
      << r.body;
  EXPECT_TRUE(contains(c.request(get("/api/v0/models")).body, R"("state":"loaded")"));

  // A second instance gets its own id.
  r = c.request(post("/api/v1/models/load", R"({"model":"qwen/qwen3-4b"})"));
  EXPECT_EQ(std::string_view(parse(p, r.body)["instance_id"]), "qwen/qwen3-4b:2");
  EXPECT_FALSE(contains(r.body, "load_config"));

  r = c.request(post("/api/v1/models/unload", R"({"instance_id":"nope"})"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(std::string_view(parse(p, r.body)["error"]["type"]), "model_not_found");
  r = c.request(post("/api/v1/models/unload", R"({"instance_id":"qwen/qwen3-4b"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"instance_id":"qwen/qwen3-4b"})");
  EXPECT_TRUE(contains(c.request(get("/api/v0/models")).body, R"("state":"loaded")"));  // one left
  c.request(post("/api/v1/models/unload", R"({"instance_id":"qwen/qwen3-4b:2"})"));
  EXPECT_TRUE(contains(c.request(get("/api/v0/models")).body, R"("state":"not-loaded")"));
  EXPECT_TRUE(contains(c.request(get("/api/v1/models")).body, R"("loaded_instances":[])"));

  r = c.request(post("/api/v1/models/load", R"({"model":"other"})"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(std::string_view(parse(p, r.body)["error"]["message"]), "Model 'other' not found");
  EXPECT_EQ(c.request(post("/api/v1/models/load", R"({"model":"qwen/qwen3-4b","context_length":99999})")).status,
            400);
  EXPECT_EQ(c.request(post("/api/v1/models/load", R"({})")).status, 400);
}

TEST(LifecycleRoutes, HealthAnswers503WhileTheModelLoads) {
  SimOptions o = fast_fixed();
  o.load_ms = 150;
  RunningSim sim(o);
  Client c(sim.port());
  simdjson::dom::parser p;
  // As llama-server, which loads before it serves: the first probe starts the load.
  const Nanos t0 = now_ns();
  Response r = c.request(get("/health"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(std::string_view(parse(p, r.body)["error"]["message"]), "Loading model");
  while (r.status == 503 && now_ns() - t0 < 2 * kNanosPerSecond) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    r = c.request(get("/health"));
  }
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(now_ns() - t0, 150 * kNanosPerMilli);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

}  // namespace
}  // namespace hakari::sim
