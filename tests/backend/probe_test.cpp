#include "hakari/backend/probe.h"

#include <gtest/gtest.h>

#include "sim/sim_test_util.h"

namespace hakari::backend {
namespace {

TEST(NormalizeBaseUrl, StripsSlashesAndAV1Suffix) {
  std::string error;
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:8000/v1/", error), "http://127.0.0.1:8000");
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:11434", error), "http://127.0.0.1:11434");
  EXPECT_EQ(normalize_base_url("https://gpu-box:8080/prefix/", error), "https://gpu-box:8080/prefix");
}

TEST(NormalizeBaseUrl, RejectsWhatIsNotAnHttpUrl) {
  std::string error;
  EXPECT_FALSE(normalize_base_url("127.0.0.1:8080", error));
  EXPECT_EQ(error, "target '127.0.0.1:8080' is not an http:// or https:// URL");
  EXPECT_FALSE(normalize_base_url("http://", error));
  EXPECT_EQ(error, "target 'http://' has no host");
}

TEST(NormalizeBaseUrl, RejectsAPortOutsideOneTo65535) {
  // A mistyped port is a usage error, not an unreachable server.
  std::string error;
  EXPECT_FALSE(normalize_base_url("http://127.0.0.1:99999", error));
  EXPECT_EQ(error, "target 'http://127.0.0.1:99999' has port '99999'; a port is a number from 1 to 65535");
  EXPECT_FALSE(normalize_base_url("http://127.0.0.1:0/v1", error));
  EXPECT_EQ(error, "target 'http://127.0.0.1:0/v1' has port '0'; a port is a number from 1 to 65535");
  EXPECT_FALSE(normalize_base_url("http://host:80a", error));
  EXPECT_FALSE(normalize_base_url("http://host:/x", error));
  EXPECT_FALSE(normalize_base_url("http://[::1]x", error));
  EXPECT_FALSE(normalize_base_url("http://[::1", error));
  EXPECT_FALSE(normalize_base_url("http://:8080", error));
  EXPECT_EQ(error, "target 'http://:8080' has no host");
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:65535", error), "http://127.0.0.1:65535");
  EXPECT_EQ(normalize_base_url("http://[::1]:8080/v1", error), "http://[::1]:8080");
  EXPECT_EQ(normalize_base_url("http://user:secret@gpu-box:1/x?y=1", error), "http://user:secret@gpu-box:1/x?y=1");
}

TEST(ProbeServer, UnreachableTargetGivesOneClearLine) {
  std::string error;
  // Port 1 on loopback: nothing listens there.
  auto info = probe_server("http://127.0.0.1:1", 2 * kNanosPerSecond, {}, error);
  EXPECT_FALSE(info);
  EXPECT_EQ(error.rfind("cannot reach http://127.0.0.1:1: ", 0), 0u) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

// The simulator as each server: the probe must tell them apart the way it tells the real
// ones apart, suggest the API that server is best driven with, and see it is simulated.
struct Probed {
  std::optional<ServerInfo> info;
  std::string error;
};

Probed probe_persona(sim::Persona persona, const std::string& model = "m") {
  sim::SimOptions o = sim::testing::fast_fixed();
  o.persona = persona;
  o.model_name = model;
  sim::testing::RunningSim server(o);
  Probed p;
  p.info = probe_server("http://127.0.0.1:" + std::to_string(server.port()), 5 * kNanosPerSecond, {}, p.error);
  return p;
}

TEST(ProbeServer, RecognisesTheSimulatorAsLlamaCpp) {
  const Probed p = probe_persona(sim::Persona::llamacpp);
  ASSERT_TRUE(p.info) << p.error;
  EXPECT_EQ(p.info->kind, "llama.cpp");
  EXPECT_EQ(p.info->suggested_api, ApiKind::llamacpp_completion);
  EXPECT_TRUE(p.info->simulated);
  EXPECT_EQ(p.info->version.rfind("hakari-sim-", 0), 0u) << p.info->version;  // /props build_info
  EXPECT_EQ(p.info->total_slots, 0);  // fixed timing: unlimited
  EXPECT_EQ(p.info->models, std::vector<std::string>{"m"});
  EXPECT_GT(p.info->model_bytes.at("m"), 0);  // meta.size
}

TEST(ProbeServer, RecognisesTheSimulatorAsVllm) {
  const Probed p = probe_persona(sim::Persona::vllm, "qwen3-8b");
  ASSERT_TRUE(p.info) << p.error;
  EXPECT_EQ(p.info->kind, "vllm");
  EXPECT_EQ(p.info->suggested_api, ApiKind::openai_chat);
  EXPECT_TRUE(p.info->simulated);
  EXPECT_EQ(p.info->version.rfind("hakari-sim-", 0), 0u) << p.info->version;  // /version
  EXPECT_EQ(p.info->models, std::vector<std::string>{"qwen3-8b"});
  EXPECT_FALSE(p.info->total_slots);
}

TEST(ProbeServer, RecognisesTheSimulatorAsOllama) {
  const Probed p = probe_persona(sim::Persona::ollama, "llama3.2");
  ASSERT_TRUE(p.info) << p.error;
  EXPECT_EQ(p.info->kind, "ollama");
  EXPECT_EQ(p.info->suggested_api, ApiKind::ollama_chat);
  EXPECT_TRUE(p.info->simulated);
  EXPECT_EQ(p.info->models, std::vector<std::string>{"llama3.2:latest"});  // from /api/tags
  EXPECT_GT(p.info->model_bytes.at("llama3.2:latest"), 0);
}

TEST(ProbeServer, RecognisesTheSimulatorAsLmStudio) {
  const Probed p = probe_persona(sim::Persona::lmstudio, "qwen/qwen3-4b");
  ASSERT_TRUE(p.info) << p.error;
  EXPECT_EQ(p.info->kind, "lmstudio");
  EXPECT_EQ(p.info->suggested_api, ApiKind::openai_chat);
  EXPECT_TRUE(p.info->simulated);
  EXPECT_EQ(p.info->models, std::vector<std::string>{"qwen/qwen3-4b"});
}

}  // namespace
}  // namespace hakari::backend
