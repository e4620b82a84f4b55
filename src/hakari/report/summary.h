// A run's results as a report sees them: provenance plus, per cell, the summary computed
// from the raw records in the results database. Built from the database alone, so a
// report can be made again at any time from results.db.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <optional>

#include "hakari/metrics/repetitions.h"
#include "hakari/metrics/request_metrics.h"
#include "hakari/metrics/sweep.h"
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

// What a cell's memory-bandwidth figure may be taken for.
enum class BandwidthStatus {
  measured,      // bytes per step from a real source, at most the hardware's bandwidth
  implausible,   // above 100 % of the hardware's bandwidth: the bytes per step overstate a step
  not_measured,  // no bytes per step, or only a default's (see bandwidth_note)
};

struct CellReport {
  store::CellInfo cell;
  metrics::CellSummary summary;
  std::optional<telemetry::TelemetrySummary> telemetry;  // nullopt: the run had no telemetry
  std::vector<SloCheck> slos;  // empty: the run set no objectives
  // Bytes per decode step behind the bandwidth figures, and where they came from ("" when
  // none was usable). telemetry->effective_bandwidth_gbs is computed only from a real source.
  std::string model_bytes_source;
  BandwidthStatus bandwidth = BandwidthStatus::not_measured;
  std::string bandwidth_note;  // why it is implausible or not measured; "" when measured
  // Output tokens of every request of the cell, warm-ups and failures included: what the
  // server's own counter (cell.server_output_tokens) must equal.
  std::int64_t client_output_tokens_all = 0;
  bool tokens_match() const {
    return cell.server_output_tokens && *cell.server_output_tokens == client_output_tokens_all;
  }
  // Requests per second that met every per-request objective, judged from the schedule;
  // unset when the run set no TTFT, TPOT or E2E objective.
  std::optional<double> goodput_rps;
  // Against the lowest level of its sweep (same target, workload, load profile and
  // repetition); unset for that level itself and for a level alone.
  std::optional<metrics::Degradation> degradation;
  // The level's load: requests per second in an open loop, else the concurrency.
  double load() const { return cell.rate_rps > 0 ? cell.rate_rps : static_cast<double>(cell.concurrency); }
  bool open_loop() const { return cell.rate_rps > 0; }

  // Some request finished (well or not): the cell has numbers to show.
  bool measured() const { return summary.requests_ok + summary.requests_failed > 0; }
  // Stopped before its planned requests: Ctrl-C ("interrupted"), or hakari killed ("running").
  bool cut_short() const { return cell.status == "interrupted" || cell.status == "running"; }
  bool slo_pass() const {
    for (const auto& c : slos) {
      if (!c.pass) return false;
    }
    return true;
  }
};

// The bytes-per-step sources a bandwidth figure may rest on: --model-bytes, the suite's
// model_bytes, a GGUF header, a catalog entry, or a size a real server reported. A
// simulator's size is its configuration (19.8 GB unless told a model), and an unlabelled
// size is a default: neither describes what a decode step reads.
bool is_real_model_bytes_source(const std::string& source, bool simulated_server);

// Checks a cell's summary against objectives written as "ttft_p95_ms=2000;error_rate=0.01".
std::vector<SloCheck> check_slos(const std::string& objectives, const metrics::CellSummary& summary);

// Levels of one target × workload × load profile × repetition, lowest load first.
struct SweepReport {
  std::string target, workload, load_profile;
  std::int64_t repetition = 0;
  bool open_loop = false;
  std::vector<std::size_t> cells;  // indices into RunReport::cells
  metrics::Knee knee;
};

// One level measured in several repetitions: each figure across them.
struct RepetitionReport {
  std::string target, workload, load_profile;
  double load = 0;
  bool open_loop = false;
  std::vector<std::size_t> cells;  // indices into RunReport::cells, by repetition
  // "ttft_p50_ms", "tpot_p50_ms", "e2e_p50_ms", "output_tokens_per_s", "request_rate"
  std::vector<std::pair<std::string, metrics::RepetitionStats>> figures;
  bool noisy() const;
};

struct RunReport {
  store::RunInfo run;
  std::vector<CellReport> cells;
  std::vector<RepetitionReport> repetitions;  // only levels measured more than once
  std::vector<SweepReport> sweeps;  // only sweeps of two or more levels
  std::vector<store::NoteRow> telemetry_notes;  // each (source, message) once, however many targets said it
};

// "" for a run that finished (complete, or with failed cells); otherwise why it is
// incomplete ("interrupted"; "running" left by a killed hakari), for renderers to head
// with "Incomplete run".
std::string incomplete_run_warning(const store::RunInfo& run);

RunReport build_run_report(store::ResultsStore& store, std::int64_t run_id);

// summary.json: {"schema_version":1,"run":{..},"cells":[{"concurrency":..,"ttft_ms":{..},..}]}
std::string render_summary_json(const RunReport& report);
// summary.md: provenance, the results table, definitions and caveats.
std::string render_summary_markdown(const RunReport& report);
// The table printed on the terminal at the end of a run.
std::string render_terminal_table(const RunReport& report);

}  // namespace hakari::report
