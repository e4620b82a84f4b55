#include "hakari/target/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "hakari/target/command.h"

extern char** environ;

namespace hakari::target {
namespace {

// After SIGKILL a group normally goes within milliseconds; this bounds a stuck one (a
// process in uninterruptible sleep) so that stopping never hangs.
constexpr Nanos kKillWait = 5 * kNanosPerSecond;
constexpr std::size_t kTailBytes = 64 * 1024;
constexpr std::size_t kMaxTailLineBytes = 400;
constexpr std::string_view kNotePrefix = "[hakari] ";

// Registered groups: the shared_ptrs keep a Process alive until its group is ended; the
// atomic slots are what an async signal handler may read.
constexpr std::size_t kSignalSlots = 256;
std::array<std::atomic<pid_t>, kSignalSlots> g_signal_slots{};

std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}
std::vector<std::shared_ptr<Process>>& registry() {
  static std::vector<std::shared_ptr<Process>> r;
  return r;
}

void write_launch_record();

void register_group(const std::shared_ptr<Process>& p) {
  {
    std::lock_guard lock(registry_mutex());
    registry().push_back(p);
    write_launch_record();
  }
  for (auto& slot : g_signal_slots) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, p->pid())) break;
  }
}

void unregister_group(const Process* p, pid_t pid) {
  for (auto& slot : g_signal_slots) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) break;
  }
  std::lock_guard lock(registry_mutex());
  std::erase_if(registry(), [&](const std::shared_ptr<Process>& q) { return q.get() == p; });
  write_launch_record();
}

constexpr Nanos kAtExitGrace = 10 * kNanosPerSecond;

void stop_groups_at_exit() { stop_all_groups(kAtExitGrace); }

// On the first launch: become a subreaper, and make sure that a normal exit (return from
// main, exit()) never leaves a server running, whoever forgot to stop it.
void on_first_launch() {
  static std::once_flag once;
  std::call_once(once, [] {
    prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
    registry_mutex();  // constructed before the handler is registered, so destroyed after it ran
    registry();
    std::atexit(stop_groups_at_exit);
  });
}

struct ProcInfo {
  pid_t pid = 0;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  unsigned long long start_ticks = 0;  // since boot: with the pid, names one process for good
};

std::optional<ProcInfo> read_proc(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // "pid (comm) S ppid pgrp …": comm may hold spaces and parentheses, so parse after the last ')'.
  const char* close = std::strrchr(buf, ')');
  if (close == nullptr) return std::nullopt;
  ProcInfo info;
  info.pid = pid;
  int ppid = 0;
  int pgrp = 0;
  int session = 0;
  // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads itrealvalue starttime
  if (std::sscanf(close + 1, " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                  &info.state, &ppid, &pgrp, &session, &info.start_ticks) != 5) {
    return std::nullopt;
  }
  info.ppid = ppid;
  info.pgrp = pgrp;
  info.session = session;
  return info;
}

// ---- the launch record -------------------------------------------------------------------
// One line per group hakari has running: "<hakari pid> <its start ticks> <pgid> <leader
// start ticks> <command>". Rewritten (via a rename) whenever a group starts or ends, under
// the registry's lock.

std::string& launch_record_path() {
  static std::string path;
  return path;
}

void write_launch_record() {
  const std::string& path = launch_record_path();
  if (path.empty()) return;
  const pid_t self = ::getpid();
  const auto me = read_proc(self);
  std::string text;
  for (const auto& p : registry()) {
    const auto leader = read_proc(p->pid());
    text += std::to_string(self) + " " + std::to_string(me ? me->start_ticks : 0) + " " + std::to_string(p->pid()) + " " +
            std::to_string(leader ? leader->start_ticks : 0) + " " + p->command_line() + "\n";
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return;  // best effort: the record only helps a later cleanup
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
}

template <typename F>
void for_each_proc(F&& f) {
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) continue;
    if (auto info = read_proc(static_cast<pid_t>(pid))) f(*info);
  }
  ::closedir(dir);
}

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string sanitize_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out.front() == '.') out.insert(0, "server");
  return out;
}

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    std::string out = "killed by signal " + std::to_string(sig);
    if (abbrev != nullptr) out += std::string(" (SIG") + abbrev + ")";
    if (WCOREDUMP(status)) out += ", core dumped";
    return out;
  }
  return "ended with wait status " + std::to_string(status);
}

std::shared_ptr<Process> Process::spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw std::runtime_error("empty command");
  on_first_launch();

  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    const std::size_t eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  for (const auto& [k, v] : spec.env) env[k] = v;

  const auto found = env.find("PATH");
  const std::string program =
      find_program(spec.argv.front(), found != env.end() ? found->second : std::string("/usr/local/bin:/usr/bin:/bin"));

  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  const int log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open log " + spec.log_path + ": " + std::strerror(errno));
  std::vector<std::string> shown = spec.argv;
  shown.front() = program;  // where it ran from, for whoever reads the log
  const std::string header = std::string(kNotePrefix) + timestamp() + " launch: " + quote_command(shown) + "\n";
  if (::write(log_fd, header.data(), header.size()) < 0) {
    // The log is for people; a failed note must not stop the launch.
  }

  // fork + exec rather than posix_spawn: the child must ask for PR_SET_PDEATHSIG, so that a
  // hakari killed outright (SIGKILL, OOM) takes its server with it instead of leaving it
  // holding a GPU's memory. Between fork and exec the child calls async-signal-safe
  // functions only; an exec failure comes back through a close-on-exec pipe.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("cannot run '") + program + "': " + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto die = [&](int err) {
      [[maybe_unused]] auto w = ::write(report[1], &err, sizeof err);
      ::_exit(127);
    };
    // A session of its own: a group to signal as a whole, and no terminal whose Ctrl-C
    // would reach the server before hakari could unload and stop it in order.
    if (::setsid() < 0) die(errno);
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) die(errno);
    if (::getppid() != parent) ::_exit(127);  // hakari died before the request took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) die(errno);
    // Nothing of hakari's leaks in but the pipe, which closes on exec.
    if (report[1] > 3) ::close_range(3, static_cast<unsigned>(report[1]) - 1, 0);
    ::close_range(static_cast<unsigned>(report[1]) + 1, ~0U, 0);
    ::execve(program.c_str(), argv.data(), envp.data());
    die(errno);
  }
  const int fork_errno = errno;
  ::close(report[1]);
  ::close(log_fd);
  if (pid < 0) {
    ::close(report[0]);
    throw std::runtime_error(std::string("cannot run '") + program + "': " + std::strerror(fork_errno));
  }
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(report[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    throw std::runtime_error("cannot run '" + program + "': " + std::strerror(exec_errno));
  }

  std::shared_ptr<Process> p(new Process());
  p->pid_ = pid;
  p->argv_ = std::move(shown);
  p->log_path_ = spec.log_path;
  register_group(p);
  return p;
}

Process::~Process() = default;

std::string Process::command_line() const { return quote_command(argv_); }

void Process::record_status(int status) {
  reaped_ = true;
  status_ = status;
  append_log_note(log_path_, "process " + std::to_string(pid_) + " " + describe_wait_status(status));
}

bool Process::running() {
  std::lock_guard lock(mu_);
  if (reaped_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    record_status(status);
  } else if (r < 0 && errno == ECHILD) {
    // Reaped by someone else (a waitpid(-1) elsewhere): gone, status unknown.
    reaped_ = true;
    status_ = -1;
  }
  return !reaped_;
}

std::optional<std::string> Process::exit_reason() {
  if (running()) return std::nullopt;
  std::lock_guard lock(mu_);
  if (status_ == -1) return std::string("exited (status unknown)");
  return describe_wait_status(status_);
}

std::optional<int> Process::exit_code() {
  if (running()) return std::nullopt;
  std::lock_guard lock(mu_);
  if (status_ == -1 || !WIFEXITED(status_)) return std::nullopt;
  return WEXITSTATUS(status_);
}

bool Process::wait_exit(Nanos timeout) {
  const Nanos deadline = now_ns() + timeout;
  Nanos nap = kNanosPerMilli;
  while (running()) {
    const Nanos left = deadline - now_ns();
    if (left <= 0) return false;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(nap, left)));
    nap = std::min<Nanos>(nap * 2, 20 * kNanosPerMilli);
  }
  return true;
}

void Process::reap_group_zombies() const {
  const pid_t self = ::getpid();
  for (pid_t member : group_members(pid_)) {
    if (member == pid_) continue;  // the leader is reaped by running(), which keeps its status
    if (auto info = read_proc(member); info && info->state == 'Z' && info->ppid == self) {
      int status = 0;
      ::waitpid(member, &status, WNOHANG);
    }
  }
}

bool Process::group_alive() const {
  bool alive = false;
  for_each_proc([&](const ProcInfo& info) {
    // A zombie is no longer running: hakari reaps those that are its children.
    if (info.pgrp == pid_ && info.state != 'Z' && info.state != 'X') alive = true;
  });
  return alive;
}

void Process::terminate(Nanos grace) {
  static std::mutex terminate_mu;  // one termination at a time: they share the /proc scans
  std::lock_guard serial(terminate_mu);
  {
    std::lock_guard lock(mu_);
    if (terminated_) return;
  }
  // Gone: no member running, and no zombie left that is hakari's to reap (a grandchild
  // whose parent has just died is re-parented to hakari as a zombie).
  auto settle = [&] {
    running();
    reap_group_zombies();
    const pid_t self = ::getpid();
    bool left = false;
    for_each_proc([&](const ProcInfo& info) {
      if (info.pgrp != pid_) return;
      if ((info.state != 'Z' && info.state != 'X') || info.ppid == self) left = true;
    });
    return !left;
  };
  auto wait_until_gone = [&](Nanos budget) {
    const Nanos deadline = now_ns() + budget;
    Nanos nap = kNanosPerMilli;
    while (!settle()) {
      const Nanos left = deadline - now_ns();
      if (left <= 0) return false;
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(nap, left)));
      nap = std::min<Nanos>(nap * 2, 25 * kNanosPerMilli);
    }
    return true;
  };
  // The leader's pid stays allocated (and so the group id ours) while it is an unreaped
  // zombie or any member is left, so signalling the group cannot hit a stranger.
  if (!settle()) {
    ::kill(-pid_, SIGTERM);
    if (!wait_until_gone(grace)) {
      append_log_note(log_path_, "still running " + std::to_string(to_s(grace)) + " s after SIGTERM: SIGKILL");
      ::kill(-pid_, SIGKILL);
      wait_until_gone(kKillWait);
    }
  }
  running();
  {
    std::lock_guard lock(mu_);
    terminated_ = true;
  }
  unregister_group(this, pid_);
}

void stop_all_groups(Nanos grace) {
  std::vector<std::shared_ptr<Process>> groups;
  {
    std::lock_guard lock(registry_mutex());
    groups = registry();
  }
  // Everyone gets SIGTERM at once, so the grace periods run side by side.
  for (const auto& p : groups) {
    if (p->running() || p->group_alive()) ::kill(-p->pid(), SIGTERM);
  }
  const Nanos deadline = now_ns() + grace;
  for (const auto& p : groups) p->terminate(std::max<Nanos>(0, deadline - now_ns()));
}

void signal_all_groups(int sig) noexcept {
  for (auto& slot : g_signal_slots) {
    const pid_t pgid = slot.load(std::memory_order_relaxed);
    if (pgid > 0) ::kill(-pgid, sig);
  }
}

void set_launch_record(const std::string& path) {
  std::lock_guard lock(registry_mutex());
  launch_record_path() = path;
  write_launch_record();
}

std::vector<std::string> end_orphaned_launches(const std::string& path, Nanos grace) {
  std::vector<std::string> ended;
  std::ifstream in(path);
  if (!in) return ended;
  const pid_t self = ::getpid();
  std::string line;
  while (std::getline(in, line)) {
    long owner = 0;
    unsigned long long owner_ticks = 0;
    long pgid = 0;
    unsigned long long leader_ticks = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "%ld %llu %ld %llu %n", &owner, &owner_ticks, &pgid, &leader_ticks, &consumed) < 4 ||
        pgid <= 1) {
      continue;
    }
    if (owner == self) continue;
    if (const auto o = read_proc(static_cast<pid_t>(owner)); o && o->start_ticks == owner_ticks) continue;  // its hakari lives
    // The group is the one recorded if its leader is the same process, or, the leader
    // gone, members are left in the session it made (a pid, and so a group id, is not
    // handed out again while a group of that id exists).
    const auto leader = read_proc(static_cast<pid_t>(pgid));
    bool ours = leader && leader->start_ticks == leader_ticks && leader->pgrp == pgid;
    if (!leader) {
      for_each_proc([&](const ProcInfo& info) { ours = ours || (info.pgrp == pgid && info.session == pgid); });
    }
    if (!ours) continue;
    auto gone = [&] {
      bool left = false;
      for_each_proc([&](const ProcInfo& info) {
        left = left || (info.pgrp == pgid && info.state != 'Z' && info.state != 'X');
      });
      return !left;
    };
    ::kill(static_cast<pid_t>(-pgid), SIGTERM);
    for (const Nanos deadline = now_ns() + grace; !gone() && now_ns() < deadline;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!gone()) {
      ::kill(static_cast<pid_t>(-pgid), SIGKILL);
      for (const Nanos deadline = now_ns() + kKillWait; !gone() && now_ns() < deadline;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    ended.push_back("process group " + std::to_string(pgid) + " (" + line.substr(static_cast<std::size_t>(consumed)) +
                    ") left running by hakari " + std::to_string(owner) + ", which no longer runs");
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return ended;
}

std::vector<pid_t> group_members(pid_t pgid) {
  std::vector<pid_t> out;
  for_each_proc([&](const ProcInfo& info) {
    if (info.pgrp == pgid) out.push_back(info.pid);
  });
  return out;
}

bool process_exists(pid_t pid) {
  const auto info = read_proc(pid);
  return info && info->state != 'Z' && info->state != 'X';
}

bool reap_if_exited_child(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return true;
  if (r == 0) return false;
  return !process_exists(pid);
}

std::vector<std::string> log_tail(const std::string& path, std::size_t lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - static_cast<std::streamoff>(kTailBytes));
  in.seekg(start);
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  std::vector<std::string> all;
  std::size_t pos = 0;
  if (start > 0) pos = text.find('\n') == std::string::npos ? text.size() : text.find('\n') + 1;  // partial line
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with(kNotePrefix)) continue;
    if (line.size() > kMaxTailLineBytes) line = line.substr(0, kMaxTailLineBytes) + "…";
    all.push_back(std::move(line));
  }
  if (all.size() > lines) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(lines));
  return all;
}

std::string new_log_path(const std::string& dir, const std::string& name) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create log folder " + dir + ": " + ec.message());
  static std::mutex mu;
  static std::map<std::string, int> next;  // launches so far, per log path stem
  std::lock_guard lock(mu);
  const std::string stem = (std::filesystem::path(dir) / sanitize_name(name)).string();
  for (int n = std::max(1, next[stem]);; ++n) {
    const std::string path = stem + "-" + std::to_string(n) + ".log";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      next[stem] = n + 1;
      return path;
    }
    if (errno != EEXIST) throw std::runtime_error("cannot create log " + path + ": " + std::strerror(errno));
  }
}

void append_log_note(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return;
  const std::string line = std::string(kNotePrefix) + timestamp() + " " + text + "\n";
  if (::write(fd, line.data(), line.size()) < 0) {
    // Best effort: the note is for people reading the log.
  }
  ::close(fd);
}

}  // namespace hakari::target
