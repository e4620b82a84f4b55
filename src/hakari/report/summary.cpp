#include "hakari/report/summary.h"

#include <cmath>
#include <sstream>

#include "hakari/core/build_info.h"
#include "hakari/core/json_writer.h"

namespace hakari::report {

RunReport build_run_report(store::ResultsStore& store, std::int64_t run_id) {
  RunReport report;
  auto run = store.run(run_id);
  if (!run) throw store::StoreError("no run " + std::to_string(run_id) + " in " + store.path());
  report.run = *run;
  for (auto& cell : store.cells(run_id)) {
    CellReport cr;
    cr.summary = metrics::summarize_cell(store.requests(cell.id), cell.max_tokens);
    cr.cell = std::move(cell);
    report.cells.push_back(std::move(cr));
  }
  return report;
}

namespace {

// Four decimals are sub-microsecond for milliseconds: enough, and readable.
double round4(double v) { return std::isfinite(v) ? std::round(v * 1e4) / 1e4 : v; }

void write_distribution(JsonWriter& w, const char* key, const metrics::Distribution& d) {
  w.key(key).begin_object();
  w.field("n", static_cast<std::int64_t>(d.n));
  w.field("mean", round4(d.mean));
  w.field("stdev", round4(d.stdev));
  w.key("ci95").begin_array().value(round4(d.ci95_low)).value(round4(d.ci95_high)).end_array();
  w.field("min", round4(d.min));
  w.field("p50", round4(d.p50));
  w.field("p90", round4(d.p90));
  w.field("p95", round4(d.p95));
  w.field("p99", round4(d.p99));
  w.field("max", round4(d.max));
  w.end_object();
}

void write_counts(JsonWriter& w, const char* key, const std::map<std::string, std::int64_t>& m) {
  w.key(key).begin_object();
  for (const auto& [k, v] : m) w.field(k, v);
  w.end_object();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

void write_run(JsonWriter& w, const store::RunInfo& r) {
  w.key("run").begin_object();
  w.field("id", r.id);
  w.field("status", r.status);
  w.field("started_at", r.started_at);
  w.field("finished_at", r.finished_at);
  w.field("target_url", r.target_url);
  w.field("api", r.api);
  w.field("command_line", r.command_line);
  w.field("seed", r.seed);
  w.key("server").begin_object();
  w.field("kind", r.server_kind);
  w.field("version", r.server_version);
  w.field("model", r.server_model);
  w.field("server_header", r.server_header);
  w.field("simulated", r.simulated != 0);
  w.end_object();
  w.key("host").begin_object();
  w.field("name", r.host_name);
  w.field("os", r.host_os);
  w.field("kernel", r.host_kernel);
  w.field("cpu", r.host_cpu);
  w.field("logical_cpus", r.host_cpus);
  w.field("memory_bytes", r.host_memory_bytes);
  w.field("cpu_governor", r.cpu_governor);
  w.field("load_avg_1m", r.load_avg);
  w.end_object();
  w.key("hakari").begin_object();
  w.field("version", r.hakari_version);
  w.field("commit", r.git_commit);
  w.field("build_type", r.build_type);
  w.field("sanitize", r.sanitize);
  w.field("compiler", r.compiler);
  w.end_object();
  w.key("timing_noise_warnings").begin_array();
  for (const auto& l : lines(r.noise_warnings)) w.value(l);
  w.end_array();
  w.end_object();
}

void write_cell(JsonWriter& w, const CellReport& cr) {
  const auto& c = cr.cell;
  const auto& s = cr.summary;
  w.begin_object();
  w.field("concurrency", c.concurrency);
  w.field("status", c.status);
  w.field("model", c.model);
  w.field("requests_planned", c.requests_planned);
  w.field("requests_ok", s.requests_ok);
  w.field("requests_failed", s.requests_failed);
  w.field("requests_cancelled", s.requests_cancelled);
  write_counts(w, "errors", s.errors);
  if (s.first_error.empty()) {
    w.field_null("first_error");
  } else {
    w.field("first_error", s.first_error);
  }
  w.field("warmup_requests", c.warmup_requests);
  w.field("prompt_tokens_requested", c.prompt_tokens);
  w.field("max_tokens", c.max_tokens);
  if (c.length_forcing.empty()) {
    w.field_null("length_forcing");
  } else {
    w.field("length_forcing", c.length_forcing);
  }
  w.field("short_outputs", s.short_outputs);
  write_distribution(w, "ttft_ms", s.ttft_ms);
  write_distribution(w, "itl_ms", s.itl_ms);
  write_distribution(w, "tpot_ms", s.tpot_ms);
  write_distribution(w, "e2e_ms", s.e2e_ms);
  write_distribution(w, "request_output_tokens_per_s", s.request_output_tps);
  write_distribution(w, "prompt_tokens", s.prompt_tokens);
  write_distribution(w, "output_tokens", s.output_tokens);
  w.field("output_tokens_per_s", round4(s.output_tokens_per_s));
  w.field("request_rate", round4(s.request_rate));
  w.field("duration_s", round4(s.duration_s));
  w.field("total_output_tokens", s.total_output_tokens);
  write_counts(w, "output_token_sources", s.output_count_sources);
  // The client's own CPU cost; it includes the writer thread and the progress display.
  w.field("client_cpu_ms", round4(c.client_cpu_ms));
  if (s.total_output_tokens > 0) {
    w.field("client_cpu_us_per_token", round4(c.client_cpu_ms * 1e3 / static_cast<double>(s.total_output_tokens)));
  } else {
    w.field_null("client_cpu_us_per_token");
  }
  if (c.note.empty()) {
    w.field_null("note");
  } else {
    w.field("note", c.note);
  }
  w.end_object();
}

}  // namespace

std::string render_summary_json(const RunReport& report) {
  std::string out;
  JsonWriter w(out, 2);
  w.begin_object();
  w.field("schema_version", kSummarySchemaVersion);
  w.field("generator", std::string("hakari ") + build_info().version);
  w.field("simulated", report.run.simulated != 0);
  write_run(w, report.run);
  w.key("cells").begin_array();
  for (const auto& cr : report.cells) write_cell(w, cr);
  w.end_array();
  w.end_object();
  out.push_back('\n');
  return out;
}

}  // namespace hakari::report
