// LM Studio targets: a fake lms (tests/data/target/lms) whose `server start` runs `hakari
// sim` in a session of its own, as LM Studio's server lives outside lms; and a simulator
// already running, serving LM Studio's REST load/unload.
#include "target_test_util.h"

namespace hakari::target {
namespace {

using namespace testing;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TargetSpec lms_spec(const TempDir& dir, const std::string& model) {
  TargetSpec spec = spec_for("lms-target", "lmstudio", model);
  // The default command, found on PATH; an override skips the probe of 127.0.0.1:1234.
  spec.command = "lms server start --port {port}";
  spec.env["FAKE_LMS_STATE"] = dir.path();
  spec.env["FAKE_SIM_ARGS"] = "--ttft-ms 5 --itl-ms 5 --load-ms 150";
  spec.context = 4096;
  return spec;
}

TEST(LmStudio, StartsTheServerLoadsAndStopsIt) {
  TempDir dir;
  auto server = make_server(lms_spec(dir, "hakari-sim"), fast_options(dir));
  server->start();
  EXPECT_EQ(server->tool(), "lmstudio");
  EXPECT_FALSE(server->attached());
  EXPECT_EQ(server->request_model(), "hakari-sim");  // the instance id
  EXPECT_GE(server->server_load_ns(), 150 * kNanosPerMilli);  // load_time_seconds
  EXPECT_GE(server->cold_load_ns(), 150 * kNanosPerMilli);
  // pid() is the server's process (found by its port), not the lms that exited.
  const pid_t sim = read_pid(dir / "server.pid");
  EXPECT_EQ(server->pid(), sim);
  EXPECT_TRUE(server->alive());
  const Reply v1 = http_get(server->base_url() + "/api/v1/models");
  EXPECT_TRUE(contains(v1.body, "\"loaded_instances\":[{\"id\":\"hakari-sim\",\"config\":{\"context_length\":4096"))
      << v1.body;
  EXPECT_TRUE(contains(http_get(server->base_url() + "/api/v0/models").body, "\"state\":\"loaded\""));

  server->stop();
  EXPECT_FALSE(server->alive());
  EXPECT_TRUE(fully_gone(sim));  // `lms server stop` ended it, and hakari reaped the orphan
  const std::string log = read_text(server->log_path());
  EXPECT_TRUE(contains(log, "Success! Server is now running")) << log;
  EXPECT_TRUE(contains(log, "Stopped the server")) << log;  // lms server stop, same log
  EXPECT_TRUE(zombie_children().empty());
}

TEST(LmStudio, UnknownModelStopsTheServerItStarted) {
  TempDir dir;
  auto server = make_server(lms_spec(dir, "nope"), fast_options(dir));
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    EXPECT_TRUE(contains(e.what(), "Model 'nope' not found")) << e.what();
  }
  const std::string log = read_text(dir / "logs/lms-target-1.log");
  EXPECT_TRUE(contains(log, "Stopped the server")) << log;
}

TEST(LmStudio, AttachedServerIsUnloadedNotStopped) {
  TempDir dir;
  SimProcess sim(dir, {"--as", "lmstudio", "--model-name", "qwen/qwen3-4b"});
  TargetSpec spec = spec_for("lms-attached", "lmstudio", "qwen/qwen3-4b");
  spec.url = sim.url();
  auto server = make_server(spec, fast_options(dir));
  server->start();
  EXPECT_TRUE(server->attached());
  EXPECT_EQ(server->request_model(), "qwen/qwen3-4b");
  EXPECT_TRUE(contains(http_get(sim.url() + "/api/v0/models").body, "\"state\":\"loaded\""));
  server->stop();
  EXPECT_TRUE(sim.process().running());
  EXPECT_TRUE(contains(http_get(sim.url() + "/api/v1/models").body, "\"loaded_instances\":[]"));
  EXPECT_TRUE(contains(http_get(sim.url() + "/api/v0/models").body, "\"state\":\"not-loaded\""));
}

}  // namespace
}  // namespace hakari::target
