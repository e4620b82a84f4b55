// The results database: runs, cells and raw per-request records, in SQLite. The schema is
// declared once (results_store.cpp) and every CREATE, INSERT and SELECT is generated from
// that declaration. It carries a version and migrates forward from the first release.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/metrics/request_record.h"
#include "hakari/store/sqlite.h"

namespace hakari::store {

// Provenance of one invocation of `hakari run`.
struct RunInfo {
  std::int64_t id = 0;
  std::string started_at;  // ISO 8601, UTC
  std::string finished_at;
  std::string status = "running";  // running | complete | interrupted | failed | stopped (disk full)
  Nanos wall_anchor_ns = 0;        // wall clock at mono_anchor_ns, to show monotonic times as dates
  Nanos mono_anchor_ns = 0;
  std::string hakari_version;
  std::string git_commit;
  std::string build_type;
  std::string sanitize;
  std::string compiler;
  std::string host_name;
  std::string host_os;
  std::string host_kernel;
  std::string host_cpu;
  std::int64_t host_cpus = 0;
  std::int64_t host_memory_bytes = 0;
  std::string cpu_governor;
  double load_avg = 0;
  std::string noise_warnings;  // one per line
  std::string target_url;
  std::string api;
  std::string server_kind;
  std::string server_version;
  std::string server_model;
  std::string server_header;
  std::int64_t simulated = 0;
  std::string command_line;
  std::int64_t seed = 0;
  std::int64_t model_bytes = 0;         // weights read per decode step, when known (0: unknown)
  std::string model_bytes_source;       // "--model-bytes", "llama.cpp /v1/models meta.size", ...
  std::string hardware;                 // hardware profile key, "" when not recognised
  std::int64_t telemetry_interval_ms = 0;  // 0: no telemetry
  std::string suite_name;  // "" for a run of one --target
  std::string suite_path;
  std::string suite_hash;
  std::string slos;        // "ttft_p95_ms=2000;error_rate=0.01": objectives each cell is judged by
};

// One point of the matrix: a target (server, model, quantization) under one workload at
// one concurrency level, one repetition.
struct CellInfo {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::int64_t ordinal = 0;
  std::string key;  // identity across runs of one suite (for --resume); see suite::CellPlan
  std::string target;
  std::string tool;   // llama.cpp | ollama | vllm | lmstudio | attach
  std::string quant;
  std::string api;    // the API hakari drove it with
  std::string workload;
  std::string load_profile;
  std::int64_t repetition = 0;
  std::string server_url;
  std::string server_kind;
  std::string server_version;
  double cold_load_ms = 0;    // launch -> ready with the model loaded (0: attached)
  double server_load_ms = 0;  // the server's own report of loading the model, when it gives one
  std::int64_t memory_after_load_bytes = 0;
  std::string memory_after_load_source;  // what was measured: "gpu memory (VRAM+GTT)", "server RSS", ...
  std::string log_path;                  // the server's log lines during this cell
  std::int64_t model_bytes = 0;          // weights read per decode step, when known (0: unknown)
  std::string model_bytes_source;
  std::int64_t concurrency = 0;    // closed loop: units in flight; open loop: the cap (0: none)
  double rate_rps = 0;             // open loop: offered requests per second; 0: closed loop
  std::string arrival;             // open loop: "poisson", "gamma(burstiness 0.5)", "constant"
  std::string shard;               // "I/N" when this machine sent one shard of the schedule
  double duration_s = 0;           // the level's planned duration; 0: by count
  std::int64_t never_sent = 0;     // units (or turns) the level ended before sending
  Nanos schedule_origin_ns = 0;    // the measured phase's start: a request's offset in the schedule is scheduled_ns minus this
  // The client's own event-loop delay when waking for a due arrival (99th percentile, µs):
  // when large, the client, not the server, was late. -1: not measured (closed loop).
  double client_wake_delay_p99_us = -1;
  std::int64_t requests_planned = 0;
  std::int64_t warmup_requests = 0;
  std::int64_t prompt_tokens = 0;  // requested prompt length
  std::int64_t max_tokens = 0;
  std::string model;               // model name sent in requests
  std::string workload_kind;       // synthetic | story | summarize | chat | dataset | mix | replay
  std::string workload_detail;     // what it sent, in one line (with how a document was cut)
  // chat: conversations whose last turn was answered, and of those, the ones that recalled
  // the fact given in turn 1; context retention is their ratio. 0 scored: not a chat.
  std::int64_t retention_scored = 0;
  std::int64_t retention_recalled = 0;
  std::string length_forcing;      // how exact output length was asked for; "" = it could not be
  std::string status = "running";  // running | complete | interrupted | failed
  std::string note;
  Nanos started_ns = 0;
  Nanos ended_ns = 0;
  // CPU time (user + system) the hakari process spent during the cell: the client's own
  // cost, which must stay small next to what it measures.
  double client_cpu_ms = 0;
  // Output tokens the server itself counted during the cell (warm-up included), from its
  // /metrics counter read before and after; unset when it exposes none. The client's
  // count must match it exactly.
  std::optional<std::int64_t> server_output_tokens;
  std::string server_output_tokens_source;  // "llamacpp:tokens_predicted_total"
};

enum class RequestTable { measured, warmup };

// A telemetry time series of a run ("gpu.amdgpu:card1.power_w") and its points.
struct SeriesRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string name;
  std::string unit;
  std::string kind;    // gauge | counter
  std::string labels;  // "vendor=amd;name=...;power_scope=soc"
};

struct SampleRow {
  std::int64_t series_id = 0;
  Nanos t = 0;
  double value = 0;
};

// A cell's latency histogram (metrics::Histogram::serialize), by metric name.
struct HistogramRow {
  std::int64_t id = 0;
  std::int64_t cell_id = 0;
  std::string metric;  // "ttft_us", "e2e_from_schedule_us", ...
  std::string blob;
};

// Something a sampler could not measure, said once per run.
struct NoteRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  Nanos t = 0;
  std::string source;  // sampler name
  std::string message;
};

class ResultsStore {
 public:
  // 1: runs, cells, requests, warmup_requests. 2: telemetry (series, samples, notes) and
  // the run's model size and hardware profile. 3: suites (cell keys, targets, workloads,
  // server lifecycle facts, SLOs). 4: requests re-sent on a fresh connection, the server's
  // own output-token count per cell, open-loop levels, conversation turns and samples.
  static constexpr int kSchemaVersion = 4;

  // Opens or creates the database and brings its schema to kSchemaVersion. A database
  // from a newer hakari is refused rather than misread.
  explicit ResultsStore(const std::string& path);

  std::int64_t insert_run(RunInfo& run);  // sets run.id
  void update_run(const RunInfo& run);
  std::int64_t insert_cell(CellInfo& cell);  // sets cell.id
  void update_cell(const CellInfo& cell);
  // Inserts in one transaction.
  void insert_requests(std::int64_t cell_id, const std::vector<metrics::RequestRecord>& records,
                       RequestTable table = RequestTable::measured);

  std::int64_t insert_series(SeriesRow& series);  // sets series.id
  void insert_samples(const std::vector<SampleRow>& samples);
  void insert_note(NoteRow& note);
  // Replaces the cell's histograms of the same metrics (a cell is summarised once, but a
  // re-summary must not duplicate them).
  void put_histograms(std::int64_t cell_id, const std::vector<HistogramRow>& rows);
  std::vector<HistogramRow> histograms(std::int64_t cell_id);

  std::vector<RunInfo> runs();
  std::optional<RunInfo> run(std::int64_t id);
  std::vector<CellInfo> cells(std::int64_t run_id);
  std::vector<metrics::RequestRecord> requests(std::int64_t cell_id, RequestTable table = RequestTable::measured);
  std::vector<SeriesRow> series(std::int64_t run_id);
  // Points of one series with from <= t <= to, in time order.
  std::vector<SampleRow> samples(std::int64_t series_id, Nanos from = 0, Nanos to = kNever);
  std::vector<NoteRow> notes(std::int64_t run_id);

  const std::string& path() const { return db_.path(); }

  // Caps the database at its current size plus about `bytes`: a write beyond fails as it
  // would on a full disk (SQLITE_FULL). Tests play a full disk with it.
  void cap_growth(std::int64_t bytes);

 private:
  void migrate();
  std::mutex mu_;  // one connection, shared by the run thread and the record writer
  Database db_;
};

}  // namespace hakari::store
