// The process layer: spawning into a group with a log, exit reasons, log files, ports.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "hakari/target/command.h"
#include "hakari/target/net.h"
#include "hakari/target/sha256.h"
#include "target_test_util.h"

namespace hakari::target {
namespace {

using namespace testing;

TEST(PickFreePort, ReturnsABindablePort) {
  for (int i = 0; i < 3; ++i) {
    const int port = pick_free_port();
    ASSERT_GT(port, 0);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << port;
    EXPECT_EQ(::listen(fd, 1), 0);
    EXPECT_EQ(pid_listening_on(port), ::getpid());  // and the listener is found by its port
    ::close(fd);
  }
  EXPECT_THROW(pick_free_port("not-an-address"), TargetError);
}

TEST(Process, RunsInItsOwnGroupWithItsEnvironmentAndLog) {
  TempDir dir;
  ProcessSpec ps;
  ps.argv = {"sh", "-c", "echo out=$HAKARI_TEST_VALUE; echo err >&2; echo group=$(cut -d' ' -f5 /proc/$$/stat); exit 7"};
  ps.env["HAKARI_TEST_VALUE"] = "42 and more";
  ps.log_path = new_log_path(dir / "logs", "env test");
  auto p = Process::spawn(ps);
  EXPECT_TRUE(p->wait_exit(5 * kNanosPerSecond));
  EXPECT_FALSE(p->running());
  EXPECT_EQ(p->exit_reason(), "exited with code 7");
  EXPECT_EQ(p->exit_code(), 7);
  const std::string log = read_text(ps.log_path);
  EXPECT_NE(log.find("out=42 and more\n"), std::string::npos) << log;
  EXPECT_NE(log.find("err\n"), std::string::npos) << log;
  EXPECT_NE(log.find("group=" + std::to_string(p->pid()) + "\n"), std::string::npos) << log;  // its own group
  EXPECT_EQ(ps.log_path, dir / "logs/env_test-1.log");
  EXPECT_EQ(log_tail(ps.log_path), (std::vector<std::string>{"out=42 and more", "err", "group=" + std::to_string(p->pid())}));
  p->terminate(kNanosPerSecond);
}

TEST(Process, MissingProgramThrows) {
  TempDir dir;
  ProcessSpec ps;
  ps.argv = {"no-such-program-hakari"};
  ps.log_path = new_log_path(dir.path(), "missing");
  try {
    Process::spawn(ps);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'no-such-program-hakari' was not found on PATH"), std::string::npos);
  }
}

TEST(Process, WaitStatusWords) {
  EXPECT_EQ(describe_wait_status(0), "exited with code 0");
  EXPECT_EQ(describe_wait_status(3 << 8), "exited with code 3");
  EXPECT_EQ(describe_wait_status(SIGKILL), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(describe_wait_status(SIGTERM), "killed by signal 15 (SIGTERM)");
}

TEST(Process, LogNamesCountLaunchesAndTailKeepsTheLastLines) {
  TempDir dir;
  EXPECT_EQ(new_log_path(dir.path(), "a/b c"), dir / "a_b_c-1.log");
  EXPECT_EQ(new_log_path(dir.path(), "a/b c"), dir / "a_b_c-2.log");
  {
    std::ofstream(dir / "old-1.log") << "from an earlier run\n";
  }
  EXPECT_EQ(new_log_path(dir.path(), "old"), dir / "old-2.log");  // never overwrites
  const std::string path = dir / "tail.log";
  {
    std::ofstream out(path);
    for (int i = 1; i <= 30; ++i) out << "line " << i << "\n";
    out << "[hakari] a note\n";
  }
  const std::vector<std::string> tail = log_tail(path);
  ASSERT_EQ(tail.size(), 20u);
  EXPECT_EQ(tail.front(), "line 11");
  EXPECT_EQ(tail.back(), "line 30");
  EXPECT_TRUE(log_tail(dir / "absent.log").empty());
}

TEST(Command, SplitsQuotesAndExpands) {
  EXPECT_EQ(split_words(R"(a  "b c" 'd "e"' f"g h")"), (std::vector<std::string>{"a", "b c", "d \"e\"", "fg h"}));
  EXPECT_THROW(split_words("a \"b"), TargetError);
  const std::map<std::string, std::string> values{{"port", "8080"}, {"model", "/m/a b.gguf"}};
  const std::vector<std::string>& known = {"port", "model", "context"};
  EXPECT_EQ(expand_command("srv -m {model} --port={port}", values, known),
            (std::vector<std::string>{"srv", "-m", "/m/a b.gguf", "--port=8080"}));  // values are not split
  EXPECT_EQ(expand_placeholders(R"({"a":1})", values, known), R"({"a":1})");     // not a placeholder
  try {
    expand_placeholders("-c {context}", values, known);
    FAIL();
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("uses {context} but the target sets no context"), std::string::npos);
  }
  EXPECT_THROW(expand_placeholders("{prot}", values, known), TargetError);
  EXPECT_EQ(quote_command({"llama-server", "-m", "a b.gguf", "it's", "--x=1"}),
            "llama-server -m 'a b.gguf' 'it'\\''s' --x=1");
  EXPECT_EQ(find_program("sh", "/nonexistent:/bin:/usr/bin").substr(0, 1), "/");
  EXPECT_EQ(find_program("./relative", ""), "./relative");
  EXPECT_THROW(find_program("sh", "/nonexistent"), std::runtime_error);
}

TEST(Command, SplitsUrls) {
  std::string host;
  int port = 0;
  EXPECT_TRUE(split_url("http://127.0.0.1:11434/", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 11434);
  EXPECT_TRUE(split_url("http://[::1]:8000", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8000);
  EXPECT_TRUE(split_url("https://example.com/v1", host, port));
  EXPECT_EQ(port, 443);
  EXPECT_FALSE(split_url("ftp://x", host, port));
  EXPECT_FALSE(split_url("http://x:99999", host, port));
  EXPECT_EQ(make_base_url("::1", 8000), "http://[::1]:8000");
  EXPECT_EQ(error_message(R"({"error":"model 'x' not found"})"), "model 'x' not found");
  EXPECT_EQ(error_message(R"({"error":{"code":503,"message":"Loading model"}})"), "Loading model");
  EXPECT_EQ(error_message("plain\ntext"), "plain text");
}

TEST(Sha256, KnownDigests) {
  auto hex = [](std::string_view s) {
    Sha256 h;
    h.update(s);
    return h.hex_digest();
  };
  EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 pieces;  // split across blocks unevenly: the same digest
  const std::string million(1000000, 'a');
  for (std::size_t i = 0; i < million.size(); i += 997) pieces.update(std::string_view(million).substr(i, 997));
  EXPECT_EQ(pieces.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  TempDir dir;
  std::ofstream(dir / "f") << "abc";
  EXPECT_EQ(sha256_file(dir / "f"), hex("abc"));
}

// Waits up to `ms` for `pid` to be gone (a zombie counts as gone).
bool gone_within(pid_t pid, int ms) {
  for (int waited = 0; waited < ms; waited += 20) {
    if (!process_exists(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !process_exists(pid);
}

// A hakari killed outright (SIGKILL) takes the server it launched with it: the kernel
// signals the server when its parent dies (PR_SET_PDEATHSIG).
TEST(Process, ALaunchedServerDiesWithAHakariKilledOutright) {
  TempDir dir;
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t stand_in = ::fork();  // plays the hakari that gets killed
  if (stand_in == 0) {
    ProcessSpec ps;
    ps.argv = {"sleep", "60"};
    ps.log_path = dir / "server.log";
    const pid_t server = Process::spawn(ps)->pid();
    [[maybe_unused]] auto w = ::write(report[1], &server, sizeof server);
    ::pause();
    ::_exit(0);
  }
  pid_t server = 0;
  ASSERT_EQ(::read(report[0], &server, sizeof server), static_cast<ssize_t>(sizeof server));
  ::close(report[0]);
  ::close(report[1]);
  ASSERT_TRUE(process_exists(server));
  ::kill(stand_in, SIGKILL);
  ::waitpid(stand_in, nullptr, 0);
  EXPECT_TRUE(gone_within(server, 5000)) << "the server outlived the hakari that launched it";
  reap_if_exited_child(server);
}

unsigned long long start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  for (int i = 3; i < 22 && rest >> field; ++i) {
  }
  unsigned long long ticks = 0;
  rest >> ticks;
  return ticks;
}

// What PR_SET_PDEATHSIG cannot reach (a wrapper's children) is ended by the next hakari:
// the launch record names the groups, and one whose hakari no longer runs is ended.
TEST(Process, GroupsLeftByADeadHakariAreEndedFromTheLaunchRecord) {
  TempDir dir;
  const std::string record = dir / ".hakari-launched";
  // A server group as a dead hakari left it: a shell leader with a child of its own.
  const pid_t leader = ::fork();
  if (leader == 0) {
    ::setsid();
    ::execl("/bin/sh", "sh", "-c", "sleep 60 & wait", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::vector<pid_t> members;
  for (int i = 0; i < 100 && members.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    members = group_members(leader);
  }
  ASSERT_EQ(members.size(), 2u) << "the shell and its sleep";
  // A live group of another (running) hakari is left alone: this test process plays it.
  const pid_t other = ::fork();
  if (other == 0) {
    ::setsid();
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::ofstream out(record);
    out << "999999999 1 " << leader << " " << start_ticks(leader) << " llama-server -m tiny.gguf\n";
    out << ::getpid() << " " << start_ticks(::getpid()) << " " << other << " " << start_ticks(other) << " sleep 60\n";
    out << "999999999 1 " << other << " 12345 a reused pid: not ours\n";
  }
  const auto ended = end_orphaned_launches(record, 2 * kNanosPerSecond);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_NE(ended[0].find("llama-server -m tiny.gguf"), std::string::npos) << ended[0];
  for (pid_t m : members) EXPECT_TRUE(gone_within(m, 3000)) << m;
  EXPECT_TRUE(process_exists(other));
  EXPECT_FALSE(std::filesystem::exists(record));
  ::kill(other, SIGKILL);
  ::waitpid(other, nullptr, 0);
  ::waitpid(leader, nullptr, 0);
}

// The record lists the groups running now, and is emptied as they end.
TEST(Process, TheLaunchRecordFollowsLaunchesAndStops) {
  TempDir dir;
  const std::string record = dir / ".hakari-launched";
  set_launch_record(record);
  ProcessSpec ps;
  ps.argv = {"sleep", "30"};
  ps.log_path = dir / "a.log";
  auto p = Process::spawn(ps);
  const std::string text = read_text(record);
  EXPECT_NE(text.find(std::to_string(::getpid()) + " "), std::string::npos) << text;
  EXPECT_NE(text.find(" " + std::to_string(p->pid()) + " "), std::string::npos) << text;
  EXPECT_NE(text.find("sleep 30"), std::string::npos) << text;
  p->terminate(kNanosPerSecond);
  EXPECT_EQ(read_text(record), "");
  set_launch_record("");
}

}  // namespace
}  // namespace hakari::target
