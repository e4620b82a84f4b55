// Processes hakari launches: each in a session and process group of its own, with stdout
// and stderr appended to a log file, tracked in a registry so that stop_all_launched() can
// end every group still running (SIGTERM, a grace period, then SIGKILL) on Ctrl-C or at
// exit. The first launch makes hakari a child subreaper (PR_SET_CHILD_SUBREAPER): a
// server's orphaned grandchildren are re-parented to hakari rather than to init, so they
// can be killed with their group and reaped here, whatever PID 1 does. It also registers
// an atexit handler that stops whatever is still running when hakari exits normally.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hakari/core/clock.h"

namespace hakari::target {

struct ProcessSpec {
  std::vector<std::string> argv;                // argv[0]: a path, or a name looked up on PATH
  std::map<std::string, std::string> env;       // added to (or replacing in) hakari's environment
  std::string log_path;                         // stdout and stderr are appended here
};

class Process {
 public:
  // Starts the process. Throws std::runtime_error ("cannot run 'x': not found on PATH",
  // "…: Permission denied") when it cannot be started at all.
  static std::shared_ptr<Process> spawn(const ProcessSpec& spec);

  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }  // also the process group id
  // The command as run, argv[0] being the path the program was found at.
  const std::vector<std::string>& argv() const { return argv_; }
  const std::string& log_path() const { return log_path_; }
  // The command line, quoted so that a shell would read it back.
  std::string command_line() const;

  // False once the launched process itself has exited (reaps it without blocking).
  bool running();
  // "exited with code N" or "killed by signal N (SIGNAME)"; empty while running.
  std::optional<std::string> exit_reason();
  std::optional<int> exit_code();  // the code of a normal exit

  // Waits up to `timeout` for the launched process itself to exit. True when it has.
  bool wait_exit(Nanos timeout);

  // Ends the whole process group: SIGTERM, up to `grace` for every member to go, then
  // SIGKILL; reaps the leader and any member re-parented to hakari. Idempotent.
  void terminate(Nanos grace);
  // True while any process of the group exists (zombies hakari cannot reap excluded).
  bool group_alive() const;

 private:
  Process() = default;
  void record_status(int status);
  void reap_group_zombies() const;

  pid_t pid_ = 0;
  std::vector<std::string> argv_;
  std::string log_path_;
  mutable std::mutex mu_;
  bool reaped_ = false;
  int status_ = 0;
  bool terminated_ = false;
};

// Sends SIGTERM to every registered group, waits up to `grace` for them all, SIGKILLs
// what is left and reaps. Not async-signal-safe: call it from a normal thread.
void stop_all_groups(Nanos grace);

// Async-signal-safe: sends `sig` to every registered process group, without waiting.
void signal_all_groups(int sig) noexcept;

// Keeps a record of the process groups launched and still running at `path` (rewritten as
// they start and end), so that a later hakari can end the servers of one that was killed
// outright. Empty: no record.
void set_launch_record(const std::string& path);
// Ends (SIGTERM, `grace`, SIGKILL) every process group recorded at `path` by a hakari that
// no longer runs, and removes the record. Returns one line per group it ended.
std::vector<std::string> end_orphaned_launches(const std::string& path, Nanos grace);

// Processes whose process group is `pgid`, from /proc.
std::vector<pid_t> group_members(pid_t pgid);

// Reaps `pid` if it is a child of hakari (a launched process or an adopted orphan) that
// has exited. True when it is gone (reaped now, or not there).
bool reap_if_exited_child(pid_t pid);

// "exited with code 3", "killed by signal 9 (SIGKILL)".
std::string describe_wait_status(int status);

// The last `lines` lines of a log file (lines hakari wrote itself left out).
std::vector<std::string> log_tail(const std::string& path, std::size_t lines = 20);

// Opens (creating the folder) `<dir>/<name>-<n>.log` for the first n >= 1 not yet used;
// returns its path. Throws std::runtime_error.
std::string new_log_path(const std::string& dir, const std::string& name);

// Appends one line to a log, marked as hakari's ("[hakari] …").
void append_log_note(const std::string& path, const std::string& text);

// Whether `pid` exists (a zombie counts as gone).
bool process_exists(pid_t pid);

}  // namespace hakari::target
