// vLLM targets: the default `vllm serve …` command run by a fake vllm (which starts an
// "engine" grandchild, as vLLM does), and a server that never lists the served name.
#include "target_test_util.h"

namespace hakari::target {
namespace {

using namespace testing;

TEST(Vllm, ReadyWhenModelsListsTheServedName) {
  TempDir dir;
  TargetSpec spec = spec_for("qwen3-vllm", "vllm", "Qwen/Qwen3-8B");
  spec.context = 4096;
  spec.parallel = 8;
  spec.env["FAKE_PID_DIR"] = dir.path();
  auto server = make_server(spec, fast_options(dir));
  server->start();
  EXPECT_EQ(server->request_model(), "qwen3-vllm");
  const Reply models = http_get(server->base_url() + "/v1/models");
  EXPECT_NE(models.body.find("\"qwen3-vllm\""), std::string::npos) << models.body;
  const std::string log = read_text(server->log_path());
  EXPECT_NE(log.find("serve Qwen/Qwen3-8B --host 127.0.0.1 --port "), std::string::npos) << log;
  EXPECT_NE(log.find("--served-model-name qwen3-vllm --max-model-len 4096 --max-num-seqs 8"), std::string::npos)
      << log;

  const pid_t engine = read_pid(dir / "engine.pid");
  ASSERT_GT(engine, 0);
  EXPECT_EQ(::kill(engine, 0), 0);
  const pid_t pid = server->pid();
  server->stop();
  // SIGTERM went to the whole group: the engine went with the server.
  EXPECT_TRUE(fully_gone(pid));
  EXPECT_TRUE(fully_gone(engine));
}

TEST(Vllm, NotReadyWhileTheServedNameIsMissing) {
  TempDir dir;
  TargetSpec spec = spec_for("qwen3-vllm", "vllm", "Qwen/Qwen3-8B");
  spec.command = hakari_binary() + " sim --port {port} --model-name other";
  spec.startup_timeout = 1 * kNanosPerSecond;
  auto server = make_server(spec, fast_options(dir));
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("GET /v1/models lists ['other'], not 'qwen3-vllm'"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(server->alive());
}

}  // namespace
}  // namespace hakari::target
