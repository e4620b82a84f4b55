// Ollama targets: a fake `ollama serve` (tests/data/target/ollama) that becomes `hakari
// sim` on OLLAMA_HOST, and a simulator already running to attach to.
#include "target_test_util.h"

namespace hakari::target {
namespace {

using namespace testing;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string all(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TargetSpec ollama_spec(const TempDir& dir, const std::string& name, const std::string& model) {
  TargetSpec spec = spec_for(name, "ollama", model);
  spec.command = fake_dir() + "/ollama serve";
  spec.env["FAKE_SIM_ARGS"] = "--ttft-ms 5 --itl-ms 5 --load-ms 200 --trace " + (dir / "trace.ndjson");
  return spec;
}

TEST(Ollama, PullsLoadsAndUnloadsOnStop) {
  TempDir dir;
  TargetSpec spec = ollama_spec(dir, "qwen-ollama", "qwen3:0.6b");
  spec.context = 4096;
  spec.parallel = 3;
  LaunchOptions options = fast_options(dir);
  std::vector<std::string> progress;
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  auto server = make_server(spec, options);
  server->start();

  EXPECT_EQ(server->tool(), "ollama");
  EXPECT_FALSE(server->attached());
  EXPECT_EQ(server->request_model(), "qwen3:0.6b");
  // The model was absent: pulled, with progress, and that time is not load time.
  EXPECT_TRUE(contains(all(progress), "pulling qwen3:0.6b")) << all(progress);
  EXPECT_TRUE(contains(all(progress), "% of ")) << all(progress);
  EXPECT_TRUE(contains(all(progress), ": success")) << all(progress);
  EXPECT_GT(server->fetch_ns(), 100 * kNanosPerMilli);  // the sim's pull takes ~250 ms
  // Ollama's own load_duration, and the client's view of launch -> loaded.
  EXPECT_GE(server->server_load_ns(), 200 * kNanosPerMilli);
  EXPECT_LT(server->server_load_ns(), 2 * kNanosPerSecond);
  EXPECT_GE(server->cold_load_ns(), 200 * kNanosPerMilli);
  EXPECT_NE(server->server_version().find("hakari-sim"), std::string::npos);

  const Reply tags = http_get(server->base_url() + "/api/tags");
  EXPECT_TRUE(contains(tags.body, "\"qwen3:0.6b\"")) << tags.body;
  const Reply ps = http_get(server->base_url() + "/api/ps");
  EXPECT_TRUE(contains(ps.body, "\"qwen3:0.6b\"")) << ps.body;
  EXPECT_TRUE(contains(ps.body, "\"context_length\":4096")) << ps.body;  // OLLAMA_CONTEXT_LENGTH
  const std::string log = read_text(server->log_path());
  EXPECT_TRUE(contains(log, "OLLAMA_CONTEXT_LENGTH=4096 OLLAMA_NUM_PARALLEL=3")) << log;

  const pid_t pid = server->pid();
  server->stop();
  EXPECT_TRUE(fully_gone(pid));
  // The sim's ground truth: the model was unloaded (keep_alive 0) before the server ended.
  const std::string trace = read_text(dir / "trace.ndjson");
  EXPECT_TRUE(contains(trace, "\"reason\":\"unload\"")) << trace;
  EXPECT_TRUE(contains(all(progress), "unloading qwen3:0.6b")) << all(progress);
}

TEST(Ollama, UnknownModelFailsWithOllamasMessage) {
  TempDir dir;
  auto server = make_server(ollama_spec(dir, "ghost", "no-such-model:7b"), fast_options(dir));
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    const std::string msg = e.what();
    EXPECT_TRUE(contains(msg, "target 'ghost' (ollama)")) << msg;
    EXPECT_TRUE(contains(msg, "pull model manifest: file does not exist")) << msg;
    EXPECT_TRUE(contains(msg, "ollama serve")) << msg;  // the command
  }
  EXPECT_FALSE(server->alive());  // the server it launched is stopped again
}

TEST(Ollama, CreatesFromAModelFile) {
  TempDir dir;
  TargetSpec spec = ollama_spec(dir, "tiny", "tiny-create");
  spec.model_file = fake_dir() + "/tiny.gguf";
  LaunchOptions options = fast_options(dir);
  std::vector<std::string> progress;
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  auto server = make_server(spec, options);
  server->start();
  EXPECT_TRUE(contains(all(progress), "uploading")) << all(progress);  // the blob, first
  EXPECT_TRUE(contains(all(progress), "creating tiny-create from")) << all(progress);
  EXPECT_TRUE(contains(all(progress), "using existing layer sha256:")) << all(progress);
  const Reply tags = http_get(server->base_url() + "/api/tags");
  EXPECT_TRUE(contains(tags.body, "\"tiny-create:latest\"")) << tags.body;
  const Reply ps = http_get(server->base_url() + "/api/ps");
  EXPECT_TRUE(contains(ps.body, "\"tiny-create:latest\"")) << ps.body;
  server->stop();
}

TEST(Ollama, MissingModelFileIsReported) {
  TempDir dir;
  TargetSpec spec = ollama_spec(dir, "nofile", "tiny-create");
  spec.model_file = dir / "absent.gguf";
  auto server = make_server(spec, fast_options(dir));
  try {
    server->start();
    FAIL() << "start() should have thrown";
  } catch (const TargetError& e) {
    EXPECT_TRUE(contains(e.what(), "absent.gguf' is not a readable file")) << e.what();
  }
}

TEST(Ollama, AttachesToARunningServerAndLeavesItRunning) {
  TempDir dir;
  SimProcess sim(dir, {"--as", "ollama", "--model-name", "resident", "--load-ms", "100"});
  TargetSpec spec = spec_for("attached", "ollama", "resident");
  spec.url = sim.url();
  auto server = make_server(spec, fast_options(dir));
  server->start();
  EXPECT_TRUE(server->attached());
  EXPECT_EQ(server->pid(), 0);
  EXPECT_EQ(server->log_path(), "");
  EXPECT_EQ(server->fetch_ns(), 0);  // it had the model
  EXPECT_GE(server->server_load_ns(), 100 * kNanosPerMilli);
  EXPECT_GE(server->cold_load_ns(), 100 * kNanosPerMilli);  // the load, on a server found running
  EXPECT_TRUE(server->alive());
  EXPECT_TRUE(contains(http_get(sim.url() + "/api/ps").body, "resident:latest"));

  server->stop();
  EXPECT_TRUE(sim.process().running());  // not stopped: hakari did not start it
  EXPECT_EQ(http_get(sim.url() + "/api/ps").body, R"({"models":[]})");  // but unloaded
  EXPECT_TRUE(server->alive());  // it still answers
}

}  // namespace
}  // namespace hakari::target
