// `hakari report`: summarise a run again from its results database.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "hakari/report/summary.h"
#include "hakari/store/results_store.h"

namespace hakari::cli {
namespace {

struct ReportOptions {
  std::string db;
  std::int64_t run_id = 0;  // 0: the latest run
  std::string out;
  bool json = false;
};

int make_report(const ReportOptions& o) {
  if (!std::filesystem::exists(o.db)) {
    std::fprintf(stderr, "hakari report: --db: %s does not exist\n", o.db.c_str());
    return kExitUsage;
  }
  store::ResultsStore results(o.db);
  std::int64_t run_id = o.run_id;
  if (run_id == 0) {
    auto runs = results.runs();
    if (runs.empty()) {
      std::fprintf(stderr, "hakari report: %s holds no runs\n", o.db.c_str());
      return kExitFailed;
    }
    run_id = runs.back().id;
  } else if (!results.run(run_id)) {
    std::fprintf(stderr, "hakari report: --run: %s has no run %lld\n", o.db.c_str(), static_cast<long long>(run_id));
    return kExitUsage;
  }
  const report::RunReport rep = report::build_run_report(results, run_id);
  if (!o.out.empty()) {
    std::filesystem::create_directories(o.out);
    std::ofstream(std::filesystem::path(o.out) / "summary.json") << report::render_summary_json(rep);
    std::ofstream(std::filesystem::path(o.out) / "summary.md") << report::render_summary_markdown(rep);
  }
  std::fputs(o.json ? report::render_summary_json(rep).c_str() : report::render_terminal_table(rep).c_str(), stdout);
  // The table says it at its top; JSON says it in "incomplete", which a person may not read.
  if (const std::string incomplete = report::incomplete_run_warning(rep.run); o.json && !incomplete.empty()) {
    std::fprintf(stderr, "hakari report: run %lld is incomplete: %s\n", static_cast<long long>(run_id), incomplete.c_str());
  }
  return kExitOk;
}

}  // namespace

Command add_report_command(CLI::App& parent) {
  auto opts = std::make_shared<ReportOptions>();
  auto* sub = parent.add_subcommand("report", "Summarise a run from its results database");
  sub->add_option("--db", opts->db, "results.db written by hakari run")->required();
  sub->add_option("--run", opts->run_id, "Run id (default: the latest)");
  sub->add_option("--out,-o", opts->out, "Write summary.json and summary.md into this folder");
  sub->add_flag("--json", opts->json, "Print summary.json instead of the table");
  return {sub, [opts] { return make_report(*opts); }};
}

}  // namespace hakari::cli
