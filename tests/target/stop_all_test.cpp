// stop_all_launched(): every launched group ends — grandchildren too, even one that
// ignores SIGTERM — and nothing is left as a zombie.
#include <signal.h>

#include "target_test_util.h"

namespace hakari::target {
namespace {

using namespace testing;

TEST(StopAll, EndsEveryGroupAndReapsEverything) {
  TempDir dir;
  TargetSpec tree = spec_for("tree", "llama.cpp", "m.gguf");
  tree.command = fake_dir() + "/spawn_tree.sh {port}";
  tree.env["FAKE_PID_DIR"] = dir.path();
  TargetSpec plain = spec_for("plain", "llama.cpp", "m.gguf");
  plain.command = hakari_binary() + " sim --port {port}";
  auto a = make_server(tree, fast_options(dir));
  auto b = make_server(plain, fast_options(dir));
  a->start();
  b->start();
  const pid_t child1 = read_pid(dir / "child1.pid");
  const pid_t child2 = read_pid(dir / "child2.pid");
  ASSERT_GT(child1, 0);
  ASSERT_GT(child2, 0);
  const pid_t pa = a->pid();
  const pid_t pb = b->pid();

  const Nanos t0 = now_ns();
  stop_all_launched(500 * kNanosPerMilli);
  const Nanos took = now_ns() - t0;
  EXPECT_GE(took, 500 * kNanosPerMilli);  // child2 ignores SIGTERM: it took the SIGKILL
  EXPECT_LT(took, 5 * kNanosPerSecond);

  for (pid_t pid : {pa, pb, child1, child2}) EXPECT_TRUE(fully_gone(pid)) << pid;
  EXPECT_TRUE(zombie_children().empty());
  EXPECT_FALSE(a->alive());
  EXPECT_FALSE(b->alive());
  EXPECT_EQ(b->exit_reason(), "exited with code 0");  // the sim ends cleanly on SIGTERM
  a->stop();  // nothing left: harmless
  b->stop();
}

TEST(StopAll, SignalAllIsImmediate) {
  TempDir dir;
  TargetSpec spec = spec_for("signalled", "llama.cpp", "m.gguf");
  spec.command = hakari_binary() + " sim --port {port}";
  auto server = make_server(spec, fast_options(dir));
  server->start();
  signal_all_launched(SIGKILL);
  for (int i = 0; i < 200 && server->alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(server->alive());
  EXPECT_EQ(server->exit_reason(), "killed by signal 9 (SIGKILL)");
  server->stop();
}

}  // namespace
}  // namespace hakari::target
