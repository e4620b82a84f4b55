// Attaching to a server hakari did not start, and make_server's checks of a spec.
#include <signal.h>

#include "target_test_util.h"

namespace hakari::target {
namespace {

using namespace testing;

TEST(Attach, UsesARunningServerAndNeverStopsIt) {
  TempDir dir;
  SimProcess sim(dir, {"--model-name", "remote-model"});
  TargetSpec spec;
  spec.name = "remote";
  spec.url = sim.url() + "/";
  auto server = make_server(spec, fast_options(dir));
  server->start();
  EXPECT_EQ(server->tool(), "attach");
  EXPECT_TRUE(server->attached());
  EXPECT_EQ(server->base_url(), sim.url());
  EXPECT_EQ(server->request_model(), "remote-model");  // from /v1/models
  EXPECT_EQ(server->pid(), 0);
  EXPECT_EQ(server->cold_load_ns(), 0);
  EXPECT_EQ(server->log_path(), "");
  EXPECT_TRUE(server->alive());
  server->stop();
  EXPECT_TRUE(sim.process().running());

  // The server going away is noticed.
  server->start();
  ::kill(sim.process().pid(), SIGKILL);
  sim.process().wait_exit(5 * kNanosPerSecond);
  EXPECT_FALSE(server->alive());
  EXPECT_NE(server->exit_reason().value_or("").find("stopped answering at " + sim.url()), std::string::npos);
}

TEST(Attach, NothingThereFailsAfterTheTimeout) {
  TempDir dir;
  TargetSpec spec;
  spec.name = "nobody";
  spec.url = "http://127.0.0.1:" + std::to_string(pick_free_port());
  spec.startup_timeout = 1 * kNanosPerSecond;
  auto server = make_server(spec, fast_options(dir));
  const Nanos t0 = now_ns();
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("target 'nobody' (attach): not ready after 1 s"), std::string::npos) << msg;
    EXPECT_NE(msg.find("GET /v1/models: no connection"), std::string::npos) << msg;
    EXPECT_NE(msg.find("server: " + spec.url), std::string::npos) << msg;
  }
  EXPECT_LT(now_ns() - t0, 5 * kNanosPerSecond);
}

TEST(MakeServer, RejectsSpecsItCannotServe) {
  TempDir dir;
  const LaunchOptions o = fast_options(dir);
  TargetSpec spec;
  spec.name = "x";
  EXPECT_THROW(make_server(spec, o), TargetError);  // neither tool nor url
  spec.tool = "tgi";
  spec.model = "m";
  try {
    make_server(spec, o);
    FAIL();
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown tool 'tgi'"), std::string::npos);
  }
  spec.tool = "ollama";
  spec.model.clear();
  try {
    make_server(spec, o);
    FAIL();
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("needs a model (a model tag)"), std::string::npos);
  }
  spec.model = "m";
  spec.tool = "LLAMACPP";
  EXPECT_EQ(make_server(spec, o)->tool(), "llama.cpp");
  spec.tool = "lm-studio";
  EXPECT_EQ(make_server(spec, o)->tool(), "lmstudio");
}

}  // namespace
}  // namespace hakari::target
