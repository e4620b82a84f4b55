// llama.cpp targets, launched for real: `hakari sim` through a command override, and the
// default `llama-server …` command line run by a fake llama-server found on PATH.
#include <signal.h>

#include "target_test_util.h"

namespace hakari::target {
namespace {

using namespace testing;

TEST(LlamaCpp, StartsWaitsForTheLoadAndStops) {
  TempDir dir;
  TargetSpec spec = spec_for("qwen-q4", "llama.cpp", "/models/qwen.gguf");
  spec.command = hakari_binary() + " sim --port {port} --model-name {name} --load-ms 300";
  spec.startup_timeout = 10 * kNanosPerSecond;
  auto server = make_server(spec, fast_options(dir));
  EXPECT_EQ(server->tool(), "llama.cpp");
  EXPECT_FALSE(server->alive());  // nothing launched yet

  server->start();
  EXPECT_TRUE(server->alive());
  EXPECT_FALSE(server->attached());
  const pid_t pid = server->pid();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::kill(pid, 0), 0);
  // /health answers 503 "Loading model" for the 300 ms the simulated load takes.
  EXPECT_GE(server->cold_load_ns(), 300 * kNanosPerMilli);
  EXPECT_LT(server->cold_load_ns(), spec.startup_timeout);
  EXPECT_EQ(server->request_model(), "qwen-q4");  // the /v1/models id
  EXPECT_NE(server->server_version().find("hakari-sim"), std::string::npos);
  EXPECT_TRUE(http_get(server->base_url() + "/v1/models").ok());
  EXPECT_EQ(server->exit_reason(), std::nullopt);

  const std::string log = server->log_path();
  EXPECT_EQ(log, dir / "logs/qwen-q4-1.log");
  server->stop();
  EXPECT_FALSE(server->alive());
  EXPECT_TRUE(fully_gone(pid));  // ended and reaped
  EXPECT_EQ(server->exit_reason(), "exited with code 0");  // the sim exits 0 on SIGTERM
  const std::string text = read_text(log);
  EXPECT_NE(text.find(server->base_url()), std::string::npos) << text;  // the sim prints its URL
  EXPECT_NE(text.find("hakari sim: serving model 'qwen-q4'"), std::string::npos) << text;
  EXPECT_NE(text.find("[hakari]"), std::string::npos);  // hakari's launch and exit notes

  // Relaunch: a new process, a new log.
  server->start();
  EXPECT_TRUE(server->alive());
  EXPECT_NE(server->pid(), pid);
  EXPECT_EQ(server->log_path(), dir / "logs/qwen-q4-2.log");
  const pid_t second = server->pid();
  server.reset();  // the destructor stops it
  EXPECT_TRUE(fully_gone(second));
}

TEST(LlamaCpp, DefaultCommandLine) {
  TempDir dir;
  TargetSpec spec = spec_for("default-cmd", "llama.cpp", dir / "tiny-model.gguf");
  spec.context = 2048;
  spec.parallel = 2;
  auto server = make_server(spec, fast_options(dir));
  server->start();
  // The fake llama-server accepted -m --host --port -c -np --metrics, and the sim it became
  // has the context and slots hakari asked for.
  const Reply props = http_get(server->base_url() + "/props");
  ASSERT_TRUE(props.ok()) << describe(props);
  simdjson::dom::parser p;
  auto root = p.parse(props.body);
  EXPECT_EQ(std::int64_t(root["total_slots"]), 2);
  EXPECT_EQ(std::int64_t(root["default_generation_settings"]["n_ctx"]), 2048);
  EXPECT_EQ(server->request_model(), "tiny-model");
  const std::string launch = read_text(server->log_path());
  EXPECT_NE(launch.find("launch: " + fake_dir() + "/llama-server -m " + spec.model + " --host 127.0.0.1 --port "),
            std::string::npos)
      << launch;
  EXPECT_NE(launch.find(" -c 2048 -np 2 --metrics"), std::string::npos) << launch;
  server->stop();
}

TEST(LlamaCpp, ExitAtOnceFailsFastWithTheLogTail) {
  TempDir dir;
  TargetSpec spec = spec_for("broken", "llama.cpp", "missing.gguf");
  spec.command = fake_dir() + "/exit3.sh --port {port}";
  spec.startup_timeout = 20 * kNanosPerSecond;
  auto server = make_server(spec, fast_options(dir));
  const Nanos t0 = now_ns();
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("target 'broken' (llama.cpp)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("exited with code 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("exit3.sh --port"), std::string::npos) << msg;  // the command
    EXPECT_NE(msg.find("failed to load model 'missing.gguf'"), std::string::npos) << msg;  // the log tail
    EXPECT_NE(msg.find("fake server: starting"), std::string::npos) << msg;
  }
  EXPECT_LT(now_ns() - t0, 5 * kNanosPerSecond);  // not after the 20 s timeout
  EXPECT_FALSE(server->alive());
  EXPECT_EQ(server->exit_reason(), "exited with code 3");
}

TEST(LlamaCpp, FalseFailsFast) {
  TempDir dir;
  TargetSpec spec = spec_for("false", "llama.cpp", "m.gguf");
  spec.command = "false";
  auto server = make_server(spec, fast_options(dir));
  const Nanos t0 = now_ns();
  EXPECT_THROW(server->start(), TargetError);
  EXPECT_LT(now_ns() - t0, 5 * kNanosPerSecond);
  EXPECT_EQ(server->exit_reason(), "exited with code 1");
}

TEST(LlamaCpp, NeverAnswersTimesOut) {
  TempDir dir;
  TargetSpec spec = spec_for("silent", "llama.cpp", "m.gguf");
  spec.command = "sleep 30";
  spec.startup_timeout = 1 * kNanosPerSecond;
  auto server = make_server(spec, fast_options(dir));
  const Nanos t0 = now_ns();
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("not ready after 1 s"), std::string::npos) << msg;
    EXPECT_NE(msg.find("GET /health"), std::string::npos) << msg;
    EXPECT_NE(msg.find("sleep 30\n"), std::string::npos) << msg;  // the command
  }
  const Nanos took = now_ns() - t0;
  EXPECT_GE(took, 1 * kNanosPerSecond);
  EXPECT_LT(took, 5 * kNanosPerSecond);
  // The sleeper was ended with the failed start.
  EXPECT_FALSE(server->alive());
  EXPECT_EQ(server->exit_reason(), "killed by signal 15 (SIGTERM)");
}

TEST(LlamaCpp, KilledServerIsNoticed) {
  TempDir dir;
  TargetSpec spec = spec_for("victim", "llama.cpp", "m.gguf");
  spec.command = hakari_binary() + " sim --port {port} --model-name {name}";
  auto server = make_server(spec, fast_options(dir));
  server->start();
  ASSERT_TRUE(server->alive());
  ASSERT_EQ(::kill(server->pid(), SIGKILL), 0);
  for (int i = 0; i < 200 && server->alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(server->alive());
  EXPECT_EQ(server->exit_reason(), "killed by signal 9 (SIGKILL)");
  server->stop();  // nothing left to stop: still fine
  EXPECT_EQ(server->exit_reason(), "killed by signal 9 (SIGKILL)");
}

TEST(LlamaCpp, MissingProgramIsReported) {
  TempDir dir;
  TargetSpec spec = spec_for("nothing", "llama.cpp", "m.gguf");
  spec.env["PATH"] = dir.path();  // no llama-server here
  auto server = make_server(spec, fast_options(dir));
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'llama-server' was not found on PATH"), std::string::npos) << msg;
    EXPECT_NE(msg.find("install llama.cpp"), std::string::npos) << msg;
  }
}

TEST(LlamaCpp, BadPlaceholderIsReportedBeforeLaunch) {
  TempDir dir;
  TargetSpec spec = spec_for("typo", "llama.cpp", "m.gguf");
  spec.command = "llama-server -m {model} --port {prot}";
  auto server = make_server(spec, fast_options(dir));
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown placeholder {prot}"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server->pid(), 0);
}

}  // namespace
}  // namespace hakari::target
