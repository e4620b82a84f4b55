// The subcommands of `hakari`. Each file cmd_<name>.cpp adds one to the CLI and returns
// what to run when it is chosen.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace hakari::cli {

// Exit codes shared by every subcommand (see docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // a benchmark cell failed, or the target is unreachable
inline constexpr int kExitUsage = 2;        // bad flags, bad config
inline constexpr int kExitInterrupted = 130;  // Ctrl-C; what was measured is kept

struct Command {
  CLI::App* app = nullptr;     // the subcommand, to ask whether it was chosen
  std::function<int()> run;    // runs it with the parsed options
};

// The command line as typed, recorded with every run.
void set_invocation(int argc, char** argv);
const std::string& invocation();

Command add_run_command(CLI::App& parent);
Command add_sim_command(CLI::App& parent);
Command add_report_command(CLI::App& parent);
Command add_telemetry_command(CLI::App& parent);
Command add_plan_command(CLI::App& parent);
Command add_inspect_command(CLI::App& parent);

}  // namespace hakari::cli
