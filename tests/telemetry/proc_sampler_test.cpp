#include "hakari/telemetry/proc_sampler.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hakari/telemetry/process_finder.h"

namespace hakari::telemetry {
namespace {

namespace fs = std::filesystem;

// A writable copy of the /proc fixture, so tests can move the counters forward.
class ProcTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("hakari-proc-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::copy(std::string(HAKARI_TEST_DATA_DIR) + "/telemetry/proc", root_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& rel, const std::string& text) { std::ofstream(root_ / rel) << text; }
  std::string root() const { return root_.string(); }

  // /proc/<pid>/stat with the given CPU ticks and RSS pages, the rest as in the fixture.
  void set_process(int pid, int ppid, const std::string& comm, int utime, int stime, long rss) {
    write("proc/" + std::to_string(pid) + "/stat",
          std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) + " 100 100 0 -1 4194560 1000 0 0 0 " +
              std::to_string(utime) + " " + std::to_string(stime) + " 0 0 20 0 9 0 5000 40000000000 " +
              std::to_string(rss) + " 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n");
  }

  fs::path root_;
};

Snapshot sample_at(ProcSampler& s, Nanos t) {
  Snapshot snap;
  snap.t = t;
  s.sample(snap);
  return snap;
}

TEST(ParseProcStat, FieldsAfterTheLastParenthesis) {
  auto st = parse_proc_stat(
      "101 (llama (worker) 1) S 100 100 100 0 -1 4194560 10 0 0 0 150 50 0 0 20 0 1 0 5100 1000000 25600 1 2 3");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, 101);
  EXPECT_EQ(st->ppid, 100);
  EXPECT_EQ(st->comm, "llama (worker) 1");
  EXPECT_EQ(st->cpu_ticks, 200u);
  EXPECT_EQ(st->rss_pages, 25600);
  EXPECT_FALSE(parse_proc_stat("garbage"));
  EXPECT_FALSE(parse_proc_stat("12 (x) S 1 2"));
  EXPECT_FALSE(parse_proc_stat("12 (x) S one 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"));
}

TEST_F(ProcTree, HostCpuPercentFromTwoReadings) {
  ProcSampler s(root(), 0, 100, 4096);
  Snapshot first = sample_at(s, 1'000'000'000);
  ASSERT_TRUE(first.cpu);
  EXPECT_FALSE(first.cpu->percent);  // a rate needs two readings
  // +200 busy (user) and +300 idle on cpu0; +100 busy and +400 idle on cpu1.
  write("proc/stat",
        "cpu  1300 0 500 8700 500 0 0 0 0 0\n"
        "cpu0 800 0 300 4200 200 0 0 0 0 0\n"
        "cpu1 500 0 200 4500 300 0 0 0 0 0\n"
        "intr 1\n");
  Snapshot second = sample_at(s, 1'200'000'000);
  ASSERT_TRUE(second.cpu && second.cpu->percent);
  EXPECT_DOUBLE_EQ(*second.cpu->percent, 30.0);  // 300 busy of 1000
  ASSERT_EQ(second.cpu->per_core_percent.size(), 2u);
  EXPECT_DOUBLE_EQ(second.cpu->per_core_percent[0], 40.0);
  EXPECT_DOUBLE_EQ(second.cpu->per_core_percent[1], 20.0);
}

TEST_F(ProcTree, MemoryUsedIsTotalMinusAvailable) {
  ProcSampler s(root(), 0, 100, 4096);
  Snapshot snap = sample_at(s, 1);
  ASSERT_TRUE(snap.memory);
  EXPECT_EQ(snap.memory->total_bytes, 131072000LL * 1024);
  EXPECT_EQ(snap.memory->available_bytes, 98304000LL * 1024);
  EXPECT_EQ(snap.memory->used_bytes, (131072000LL - 98304000LL) * 1024);
  EXPECT_EQ(snap.memory->swap_used_bytes, 0);
}

TEST_F(ProcTree, ServerProcessTreeCpuAndRss) {
  ProcSampler s(root(), 100, 100, 4096);
  Snapshot first = sample_at(s, 1'000'000'000);
  ASSERT_TRUE(first.server_process);
  EXPECT_EQ(first.server_process->root_pid, 100);
  EXPECT_EQ(first.server_process->process_count, 3);  // 100, its child 101, grandchild 102; not sshd
  EXPECT_EQ(first.server_process->rss_bytes, (2560000LL + 25600 + 1280) * 4096);
  EXPECT_FALSE(first.server_process->cpu_percent);
  // Over 0.5 s: the server +60 ticks, the worker +40, the helper +0 -> 100 ticks = 1 s of CPU.
  set_process(100, 1, "llama-server", 740, 320, 2560000);
  set_process(101, 100, "llama (worker) 1", 180, 60, 25600);
  Snapshot second = sample_at(s, 1'500'000'000);
  ASSERT_TRUE(second.server_process && second.server_process->cpu_percent);
  EXPECT_DOUBLE_EQ(*second.server_process->cpu_percent, 200.0);
}

TEST_F(ProcTree, AServerThatExitsIsNotedOnce) {
  ProcSampler s(root(), 4242, 100, 4096);
  for (int i = 0; i < 5; ++i) {
    Snapshot snap = sample_at(s, 1 + i);
    EXPECT_FALSE(snap.server_process);
    EXPECT_TRUE(snap.memory);
  }
  auto notes = s.take_notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "server process 4242 is not running");
}

TEST(ProcSampler, MissingProcFilesAreNotedOnceNotFatal) {
  ProcSampler s("/nonexistent-hakari-root", 0, 100, 4096);
  for (int i = 0; i < 3; ++i) {
    Snapshot snap = sample_at(s, 1 + i);
    EXPECT_FALSE(snap.cpu);
    EXPECT_FALSE(snap.memory);
  }
  auto notes = s.take_notes();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0], "/proc/stat: No such file or directory; no CPU figures");
}

TEST(ProcSampler, ReadsThisMachine) {
  ProcSampler s("/", ::getpid());
  sample_at(s, now_ns());
  usleep(50'000);
  Snapshot snap = sample_at(s, now_ns());
  ASSERT_TRUE(snap.cpu && snap.cpu->percent);
  EXPECT_GE(*snap.cpu->percent, 0.0);
  EXPECT_LE(*snap.cpu->percent, 100.0);
  EXPECT_EQ(snap.cpu->per_core_percent.size(), static_cast<std::size_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  ASSERT_TRUE(snap.server_process);
  EXPECT_GT(snap.server_process->rss_bytes, 1 << 20);
}

TEST_F(ProcTree, FindsTheListenerOfAPortThroughItsSocketInode) {
  fs::create_directories(root_ / "proc/100/fd");
  fs::create_symlink("socket:[4242]", root_ / "proc/100/fd/7");
  fs::create_symlink("/dev/null", root_ / "proc/100/fd/0");
  fs::create_directories(root_ / "proc/200/fd");
  fs::create_symlink("socket:[1717]", root_ / "proc/200/fd/3");
  std::string why;
  auto found = find_process_by_port(root(), 8080, why);
  ASSERT_TRUE(found) << why;
  EXPECT_EQ(found->pid, 100);
  EXPECT_EQ(found->comm, "llama-server");
  // 11182 (0x2BAE) listens on IPv6, but no readable process holds it.
  EXPECT_FALSE(find_process_by_port(root(), 11182, why));
  EXPECT_NE(why.find("no process whose files can be read"), std::string::npos) << why;
  EXPECT_FALSE(find_process_by_port(root(), 9999, why));
  EXPECT_EQ(why, "no process on this host listens on port 9999");
}

TEST_F(ProcTree, FindsAServerByNameAndSkipsItsChildren) {
  std::string why;
  auto found = find_process_by_name(root(), "llama-server", why);
  ASSERT_TRUE(found) << why;
  EXPECT_EQ(found->pid, 100);
  auto by_cmdline = find_process_by_name(root(), "qwen3-32b", why);
  ASSERT_TRUE(by_cmdline);
  EXPECT_EQ(by_cmdline->pid, 100);
  EXPECT_FALSE(find_process_by_name(root(), "vllm", why));
  EXPECT_EQ(why, "no running process is called 'vllm'");
}

TEST(ProcessFinder, FindsThisProcessByTheRealPortItListensOn) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string why;
  auto found = find_process_by_port("/", ntohs(addr.sin_port), why);
  ::close(fd);
  ASSERT_TRUE(found) << why;
  EXPECT_EQ(found->pid, ::getpid());
}

}  // namespace
}  // namespace hakari::telemetry
