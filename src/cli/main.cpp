#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <vector>

#include "cli/commands.h"
#include "hakari/core/build_info.h"

namespace hakari::cli {
namespace {
std::string g_invocation;
}

void set_invocation(int argc, char** argv) {
  g_invocation.clear();
  for (int i = 0; i < argc; ++i) {
    if (i) g_invocation += ' ';
    std::string arg = argv[i];
    // Quote what a shell would split, so the line can be pasted back.
    if (arg.empty() || arg.find_first_of(" \t'\"$`\\") != std::string::npos) {
      std::string q = "'";
      for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = q + "'";
    }
    g_invocation += arg;
  }
}

const std::string& invocation() { return g_invocation; }

}  // namespace hakari::cli

int main(int argc, char** argv) {
  using namespace hakari::cli;
  set_invocation(argc, argv);
  CLI::App app{"hakari: measures local LLM deployments (speed, quality, memory, power)", "hakari"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(hakari::build_info().version) + " (" +
                                        hakari::build_info().commit + ")");
  std::vector<Command> commands{add_run_command(app), add_sim_command(app), add_report_command(app),
                                add_telemetry_command(app), add_plan_command(app), add_inspect_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    for (auto& cmd : commands) {
      if (cmd.app->parsed()) return cmd.run();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hakari: %s\n", e.what());
    return kExitFailed;
  }
  return kExitUsage;
}
