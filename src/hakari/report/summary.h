// A run's results as a report sees them: provenance plus, per cell, the summary computed
// from the raw records in the results database. Built from the database alone, so a
// report can be made again at any time from results.db.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <optional>

#include "hakari/metrics/request_metrics.h"
#include "hakari/store/results_store.h"
#include "hakari/telemetry/telemetry_summary.h"

namespace hakari::report {

inline constexpr int kSummarySchemaVersion = 1;

// One objective checked against one cell.
struct SloCheck {
  std::string objective;  // "ttft_p95_ms"
  double limit = 0;
  std::optional<double> measured;  // nullopt: not measurable (e.g. no successful request)
  bool pass = false;
};

struct CellReport {
  store::CellInfo cell;
  metrics::CellSummary summary;
  std::optional<telemetry::TelemetrySummary> telemetry;  // nullopt: the run had no telemetry
  std::vector<SloCheck> slos;  // empty: the run set no objectives
  bool slo_pass() const {
    for (const auto& c : slos) {
      if (!c.pass) return false;
    }
    return true;
  }
};

// Checks a cell's summary against objectives written as "ttft_p95_ms=2000;error_rate=0.01".
std::vector<SloCheck> check_slos(const std::string& objectives, const metrics::CellSummary& summary);

struct RunReport {
  store::RunInfo run;
  std::vector<CellReport> cells;
  std::vector<store::NoteRow> telemetry_notes;
};

RunReport build_run_report(store::ResultsStore& store, std::int64_t run_id);

// summary.json: {"schema_version":1,"run":{..},"cells":[{"concurrency":..,"ttft_ms":{..},..}]}
std::string render_summary_json(const RunReport& report);
// summary.md: provenance, the results table, definitions and caveats.
std::string render_summary_markdown(const RunReport& report);
// The table printed on the terminal at the end of a run.
std::string render_terminal_table(const RunReport& report);

}  // namespace hakari::report
