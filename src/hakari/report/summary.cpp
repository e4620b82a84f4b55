#include "hakari/report/summary.h"

#include "hakari/metrics/objectives.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <sstream>

#include "hakari/core/build_info.h"
#include "hakari/core/json_writer.h"

namespace hakari::report {

namespace {

// The run's telemetry series, with the points of [from, to].
std::vector<telemetry::SeriesData> load_series(store::ResultsStore& store, std::int64_t run_id, Nanos from, Nanos to) {
  std::vector<telemetry::SeriesData> out;
  for (const auto& row : store.series(run_id)) {
    telemetry::SeriesData s{row.name, row.unit, row.kind, row.labels, {}};
    for (const auto& p : store.samples(row.id, from, to)) s.points.emplace_back(p.t, p.value);
    out.push_back(std::move(s));
  }
  return out;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Percentages print as whole numbers: a reading that prints as 100 % is the hardware's
// bandwidth within timing noise; one that would print above it is no decode step's.
constexpr double kImplausibleFromPercent = 100.5;

// Decides what the cell's bandwidth figures may be taken for, after they are computed.
void judge_bandwidth(CellReport& cr, std::int64_t model_bytes, const std::string& source, bool simulated_server) {
  const auto& t = *cr.telemetry;
  const double gb = static_cast<double>(model_bytes) / 1e9;
  if (model_bytes <= 0) {
    cr.bandwidth_note = "bytes per decode step unknown (give --model-bytes, or model_bytes in the suite)";
    return;
  }
  if (!is_real_model_bytes_source(source, simulated_server)) {
    if (source.empty()) {
      cr.bandwidth_note = fmt::format("the {:.2f} GB per decode step on record has no source: a default, not the model's", gb);
    } else if (simulated_server) {
      cr.bandwidth_note = fmt::format("the {:.2f} GB per decode step came from the {}: the simulator's configuration, "
                                      "not a model's (give --model-bytes, or a catalog model)", gb, source);
    } else {
      cr.bandwidth_note = fmt::format("the {:.2f} GB per decode step came from '{}', not from a model (give --model-bytes)",
                                      gb, source);
    }
    return;
  }
  cr.model_bytes_source = source;
  if (!t.effective_bandwidth_gbs) {
    cr.bandwidth_note = "no median TPOT to divide by";
    return;
  }
  if (t.percent_of_hardware_bandwidth && *t.percent_of_hardware_bandwidth >= kImplausibleFromPercent) {
    // A decode step cannot read faster than the memory delivers: the bytes are more than a step reads.
    cr.bandwidth = BandwidthStatus::implausible;
    cr.bandwidth_note = fmt::format(
        "{:.0f} GB/s would be {:.0f} % of {}'s {:.0f} GB/s; a decode step cannot read faster than the memory "
        "delivers, so the {:.2f} GB per step ({}) is more than a step reads (a mixture of experts reads only its "
        "active experts)",
        *t.effective_bandwidth_gbs, *t.percent_of_hardware_bandwidth, t.hardware, *t.hardware_bandwidth_gbs, gb, source);
    return;
  }
  cr.bandwidth = BandwidthStatus::measured;
}

}  // namespace

bool is_real_model_bytes_source(const std::string& source, bool simulated_server) {
  if (source == "--model-bytes" || source == "suite model_bytes") return true;
  if (starts_with(source, "GGUF header of ") || starts_with(source, "catalog entry ")) return true;
  // "llama.cpp reported model size"; older databases: "llama.cpp /v1/models meta.size".
  const bool server_reported = ends_with(source, " reported model size") || ends_with(source, "meta.size");
  return server_reported && !simulated_server;
}

std::string incomplete_run_warning(const store::RunInfo& run) {
  const std::string resume =
      run.suite_path.empty() ? "" : fmt::format("; continue it with: hakari run {} --resume", run.suite_path);
  if (run.status == "interrupted") {
    return "interrupted (Ctrl-C) before it finished. Cells not reached are missing, and the last "
           "one measured may stop short" + resume + ".";
  }
  if (run.status == "running") {
    return "its status is still 'running', so hakari was killed (or is still measuring). Cells not "
           "reached are missing, and the last one may stop short" + resume + ".";
  }
  if (run.status != "complete" && run.status != "failed") {
    return "its status is '" + run.status + "', not one of a finished run. Cells not reached are missing" + resume + ".";
  }
  return {};
}

std::vector<SloCheck> check_slos(const std::string& objectives, const metrics::CellSummary& s) {
  std::vector<SloCheck> out;
  std::string error;
  // Stored objectives were validated when the run began; a database written by hand that
  // holds a malformed list is judged on nothing rather than on a guess.
  const auto parsed = metrics::parse_objectives(objectives, error);
  if (!parsed) return out;
  for (const auto& o : *parsed) {
    SloCheck c;
    c.objective = o.name();
    c.limit = o.limit;
    c.measured = metrics::measured_value(o, s);
    c.pass = c.measured && *c.measured <= c.limit;
    out.push_back(c);
  }
  return out;
}

namespace {

// Groups the levels of each target × workload × load profile × repetition, lowest load
// first, and says what the sweep shows: each level's degradation against the lowest,
// and the knee.
void add_sweeps(RunReport& report) {
  std::map<std::tuple<std::string, std::string, std::string, std::int64_t, bool>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < report.cells.size(); ++i) {
    const auto& c = report.cells[i];
    if (!c.measured()) continue;
    groups[{c.cell.target, c.cell.workload, c.cell.load_profile, c.cell.repetition, c.open_loop()}].push_back(i);
  }
  for (auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end(),
              [&](std::size_t a, std::size_t b) { return report.cells[a].load() < report.cells[b].load(); });
    SweepReport sweep;
    std::tie(sweep.target, sweep.workload, sweep.load_profile, sweep.repetition, sweep.open_loop) = key;
    sweep.cells = members;
    std::vector<metrics::LevelPoint> points;
    for (std::size_t i : members) {
      const CellReport& cr = report.cells[i];
      metrics::LevelPoint p = metrics::level_point(cr.load(), cr.summary, cr.goodput_rps.value_or(0));
      p.slo_pass = cr.slos.empty() || cr.slo_pass();
      points.push_back(p);
    }
    for (std::size_t k = 1; k < members.size(); ++k) {
      report.cells[members[k]].degradation = metrics::degradation(points.front(), points[k]);
    }
    sweep.knee = metrics::find_knee(points, 0.05, !report.run.slos.empty());
    report.sweeps.push_back(std::move(sweep));
  }
}

// Gathers the repetitions of each level and puts each headline figure across them.
void add_repetitions(RunReport& report) {
  std::map<std::tuple<std::string, std::string, std::string, double, bool>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < report.cells.size(); ++i) {
    const auto& c = report.cells[i];
    if (!c.measured()) continue;
    groups[{c.cell.target, c.cell.workload, c.cell.load_profile, c.load(), c.open_loop()}].push_back(i);
  }
  for (auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    RepetitionReport rep;
    std::tie(rep.target, rep.workload, rep.load_profile, rep.load, rep.open_loop) = key;
    rep.cells = members;
    auto figure = [&](const char* name, auto get) {
      std::vector<double> values;
      for (std::size_t i : members) values.push_back(get(report.cells[i].summary));
      rep.figures.emplace_back(name, metrics::across_repetitions(values));
    };
    figure("ttft_p50_ms", [](const metrics::CellSummary& s) { return s.ttft_ms.p50; });
    figure("tpot_p50_ms", [](const metrics::CellSummary& s) { return s.tpot_ms.p50; });
    figure("e2e_p50_ms", [](const metrics::CellSummary& s) { return s.e2e_ms.p50; });
    figure("output_tokens_per_s", [](const metrics::CellSummary& s) { return s.output_tokens_per_s; });
    figure("request_rate", [](const metrics::CellSummary& s) { return s.request_rate; });
    report.repetitions.push_back(std::move(rep));
  }
}

}  // namespace

bool RepetitionReport::noisy() const {
  return std::any_of(figures.begin(), figures.end(), [](const auto& f) { return f.second.noisy; });
}

RunReport build_run_report(store::ResultsStore& store, std::int64_t run_id) {
  RunReport report;
  auto run = store.run(run_id);
  if (!run) throw store::StoreError("no run " + std::to_string(run_id) + " in " + store.path());
  report.run = *run;
  // Each target's telemetry session says the same about the host: once is enough.
  std::set<std::pair<std::string, std::string>> seen_notes;
  for (auto& note : store.notes(run_id)) {
    if (seen_notes.emplace(note.source, note.message).second) report.telemetry_notes.push_back(std::move(note));
  }
  const catalog::HardwareProfile* hardware = catalog::find_hardware(run->hardware);
  std::string objectives_error;
  const metrics::RequestObjectives per_request_objectives =
      metrics::per_request(metrics::parse_objectives(run->slos, objectives_error).value_or(std::vector<metrics::Objective>{}));
  for (auto& cell : store.cells(run_id)) {
    if (cell.status == "superseded") continue;  // an attempt a --resume measured again
    CellReport cr;
    const std::vector<metrics::RequestRecord> records = store.requests(cell.id);
    cr.summary = metrics::summarize_cell(records, cell.max_tokens);
    if (has_per_request(per_request_objectives)) {
      cr.goodput_rps = metrics::goodput_rps(records, per_request_objectives, cr.summary.duration_s, true);
    }
    if (cell.server_output_tokens) {
      for (const auto& r : records) cr.client_output_tokens_all += r.output_tokens;
      for (const auto& r : store.requests(cell.id, store::RequestTable::warmup)) cr.client_output_tokens_all += r.output_tokens;
    }
    cr.slos = check_slos(run->slos, cr.summary);
    if (run->telemetry_interval_ms > 0 && cr.summary.window_end > cr.summary.window_start) {
      telemetry::CellFacts facts;
      facts.start = cr.summary.window_start;
      facts.end = cr.summary.window_end;
      facts.output_tokens = cr.summary.total_output_tokens;
      if (cr.summary.tpot_ms.n > 0) facts.tpot_p50_ms = cr.summary.tpot_ms.p50;
      // The cell's own figure; databases from before suites kept it on the run only.
      std::int64_t model_bytes = cell.model_bytes;
      std::string source = cell.model_bytes_source;
      if (model_bytes <= 0 && run->model_bytes > 0) model_bytes = run->model_bytes, source = run->model_bytes_source;
      const bool simulated_server = cell.server_version.find("hakari-sim") != std::string::npos ||
                                    (run->simulated != 0 && run->suite_name.empty());
      if (model_bytes > 0 && is_real_model_bytes_source(source, simulated_server)) facts.model_bytes = model_bytes;
      facts.hardware = hardware;
      cr.telemetry = telemetry::summarize_telemetry(load_series(store, run_id, facts.start, facts.end), facts);
      judge_bandwidth(cr, model_bytes, source, simulated_server);
    }
    cr.cell = std::move(cell);
    report.cells.push_back(std::move(cr));
  }
  add_sweeps(report);
  add_repetitions(report);
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
  w.field("telemetry_interval_ms", r.telemetry_interval_ms);
  w.key("suite");
  if (r.suite_name.empty()) {
    w.null();
  } else {
    w.begin_object().field("name", r.suite_name).field("path", r.suite_path).field("hash", r.suite_hash).end_object();
  }
  w.field("slos", r.slos);
  w.field("hardware", r.hardware);
  // A size from a default (a simulator's configuration, no source) is no fact about the model.
  const bool real_model_bytes = r.model_bytes > 0 && is_real_model_bytes_source(r.model_bytes_source, r.simulated != 0);
  w.field("model_bytes", real_model_bytes ? std::optional<std::int64_t>(r.model_bytes) : std::nullopt);
  w.field("model_bytes_source", real_model_bytes ? std::optional<std::string>(r.model_bytes_source) : std::nullopt);
  w.end_object();
}

void write_gauge(JsonWriter& w, const char* key, const telemetry::GaugeStats& g) {
  w.key(key).begin_object();
  w.field("mean", g.mean ? std::optional<double>(round4(*g.mean)) : std::nullopt);
  w.field("peak", g.peak ? std::optional<double>(round4(*g.peak)) : std::nullopt);
  w.end_object();
}

std::optional<double> r4(const std::optional<double>& v) {
  return v ? std::optional<double>(round4(*v)) : std::nullopt;
}

void write_telemetry(JsonWriter& w, const CellReport& cr) {
  w.key("telemetry");
  if (!cr.telemetry) {
    w.null();
    return;
  }
  const auto& t = *cr.telemetry;
  w.begin_object();
  w.field("samples", static_cast<std::int64_t>(t.samples));
  w.key("cpu").begin_object();
  write_gauge(w, "percent", t.cpu_percent);
  w.end_object();
  w.key("memory").begin_object();
  w.field("total_bytes", t.memory_total_bytes);
  write_gauge(w, "used_bytes", t.memory_used_bytes);
  w.end_object();
  w.key("server_process");
  if (t.process_cpu_percent.n > 0 || t.process_rss_bytes.n > 0) {
    w.begin_object();
    write_gauge(w, "cpu_percent", t.process_cpu_percent);
    write_gauge(w, "rss_bytes", t.process_rss_bytes);
    w.end_object();
  } else {
    w.null();
  }
  w.key("gpus").begin_array();
  for (const auto& g : t.gpus) {
    w.begin_object();
    w.field("id", g.id).field("vendor", g.vendor).field("name", g.name).field("unified_memory", g.unified_memory);
    w.field("power_scope", g.power_scope);
    write_gauge(w, "busy_percent", g.busy_percent);
    write_gauge(w, "memory_used_bytes", g.memory_used_bytes);
    w.field("memory_total_bytes", g.memory_total_bytes);
    write_gauge(w, "gtt_used_bytes", g.gtt_used_bytes);
    w.field("gtt_total_bytes", g.gtt_total_bytes);
    write_gauge(w, "power_w", g.power_w);
    write_gauge(w, "temperature_c", g.temperature_c);
    write_gauge(w, "sclk_mhz", g.sclk_mhz);
    w.field("throttled", g.throttled);
    w.end_object();
  }
  w.end_array();
  w.key("energy").begin_object();
  w.field("joules", r4(t.energy_j));
  w.field("average_power_w", r4(t.average_power_w));
  w.field("basis", t.energy_basis);
  w.field("joules_per_output_token", r4(t.joules_per_output_token));
  w.field("output_tokens_per_joule", r4(t.output_tokens_per_joule));
  w.key("sources").begin_array();
  for (const auto& e : t.energy_sources) {
    w.begin_object().field("id", e.id).field("scope", e.scope).field("method", e.method);
    w.field("joules", round4(e.joules)).field("average_w", round4(e.average_w)).end_object();
  }
  w.end_array();
  w.end_object();
  w.field("throttled", t.throttled);
  w.key("server").begin_object();
  write_gauge(w, "kv_cache_usage", t.kv_cache_usage);
  write_gauge(w, "requests_running", t.requests_running);
  write_gauge(w, "requests_waiting", t.requests_waiting);
  w.end_object();
  // Figures that are not measurements (implausible, or built on a default) are left out;
  // "note" says why, with the would-be numbers where there are some.
  const bool measured = cr.bandwidth == BandwidthStatus::measured;
  auto text_or_null = [](const std::string& s) { return s.empty() ? std::optional<std::string>() : std::optional<std::string>(s); };
  w.key("memory_bandwidth").begin_object();
  w.field("status", cr.bandwidth == BandwidthStatus::measured      ? "measured"
                    : cr.bandwidth == BandwidthStatus::implausible ? "implausible"
                                                                   : "not_measured");
  w.field("bytes_per_token", cr.model_bytes_source.empty() ? std::nullopt : t.bytes_per_token);
  w.field("bytes_per_token_source", text_or_null(cr.model_bytes_source));
  w.field("effective_gbs", measured ? r4(t.effective_bandwidth_gbs) : std::nullopt);
  w.field("hardware", text_or_null(t.hardware));
  w.field("hardware_gbs", t.hardware_bandwidth_gbs);
  w.field("percent_of_hardware", measured ? r4(t.percent_of_hardware_bandwidth) : std::nullopt);
  w.field("note", text_or_null(cr.bandwidth_note));
  w.end_object();
  w.end_object();
}

void write_cell(JsonWriter& w, const CellReport& cr) {
  const auto& c = cr.cell;
  const auto& s = cr.summary;
  w.begin_object();
  w.field("key", c.key);
  w.key("target").begin_object();
  w.field("name", c.target).field("tool", c.tool).field("model", c.model).field("quant", c.quant).field("api", c.api);
  w.field("server_url", c.server_url).field("server_kind", c.server_kind).field("server_version", c.server_version);
  w.field("cold_load_s", c.cold_load_ms > 0 ? std::optional<double>(round4(c.cold_load_ms / 1000)) : std::nullopt);
  w.field("memory_after_load_bytes",
          c.memory_after_load_bytes > 0 ? std::optional<std::int64_t>(c.memory_after_load_bytes) : std::nullopt);
  w.field("memory_after_load_source", c.memory_after_load_source);
  w.end_object();
  w.field("workload", c.workload);
  w.field("load_profile", c.load_profile);
  w.field("repetition", c.repetition);
  w.field("concurrency", c.concurrency);
  // Open loop: the offered rate and how it arrived; closed loop: null.
  w.field("rate_rps", cr.open_loop() ? std::optional<double>(c.rate_rps) : std::nullopt);
  w.field("arrival", c.arrival.empty() ? std::optional<std::string>() : std::optional<std::string>(c.arrival));
  w.field("shard", c.shard.empty() ? std::optional<std::string>() : std::optional<std::string>(c.shard));
  w.field("duration_planned_s", c.duration_s > 0 ? std::optional<double>(c.duration_s) : std::nullopt);
  w.field("workload_kind", c.workload_kind.empty() ? std::string("synthetic") : c.workload_kind);
  w.field("workload_detail", c.workload_detail);
  w.field("status", c.status);
  w.field("measured", cr.measured());
  w.field("model", c.model);
  w.field("log", c.log_path);
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
  write_distribution(w, "ttft_from_schedule_ms", s.ttft_from_schedule_ms);
  write_distribution(w, "itl_ms", s.itl_ms);
  write_distribution(w, "tpot_ms", s.tpot_ms);
  write_distribution(w, "e2e_ms", s.e2e_ms);
  write_distribution(w, "e2e_from_schedule_ms", s.e2e_from_schedule_ms);
  write_distribution(w, "schedule_lag_ms", s.queue_ms);
  w.field("late_requests", s.late_requests);
  w.key("ttft_by_turn_ms").begin_array();
  for (std::size_t turn = 0; turn < s.ttft_by_turn_ms.size(); ++turn) {
    const auto& d = s.ttft_by_turn_ms[turn];
    w.begin_object().field("turn", static_cast<std::int64_t>(turn + 1)).field("n", static_cast<std::int64_t>(d.n));
    w.field("p50", d.n ? std::optional<double>(round4(d.p50)) : std::nullopt);
    w.field("mean", d.n ? std::optional<double>(round4(d.mean)) : std::nullopt).end_object();
  }
  w.end_array();
  w.key("context_retention");
  if (c.retention_scored > 0) {
    w.begin_object().field("scored", c.retention_scored).field("recalled", c.retention_recalled);
    w.field("fraction", round4(static_cast<double>(c.retention_recalled) / static_cast<double>(c.retention_scored)));
    w.end_object();
  } else {
    w.null();
  }
  w.field("never_sent", c.never_sent);
  w.field("client_wake_delay_p99_us",
          c.client_wake_delay_p99_us >= 0 ? std::optional<double>(c.client_wake_delay_p99_us) : std::nullopt);
  w.field("goodput_rps", cr.goodput_rps ? std::optional<double>(round4(*cr.goodput_rps)) : std::nullopt);
  w.key("degradation_pct");
  if (cr.degradation) {
    w.begin_object();
    w.field("per_request", round4(cr.degradation->per_request_pct));
    w.field("throughput", round4(cr.degradation->throughput_pct));
    w.end_object();
  } else {
    w.null();
  }
  write_distribution(w, "request_output_tokens_per_s", s.request_output_tps);
  write_distribution(w, "prompt_tokens", s.prompt_tokens);
  write_distribution(w, "output_tokens", s.output_tokens);
  w.field("output_tokens_per_s", round4(s.output_tokens_per_s));
  w.field("request_rate", round4(s.request_rate));
  w.field("duration_s", round4(s.duration_s));
  w.field("total_output_tokens", s.total_output_tokens);
  write_counts(w, "output_token_sources", s.output_count_sources);
  w.field("requests_resent", s.requests_resent);
  // The server's own count over the cell against hakari's: equal, or a number is wrong.
  if (c.server_output_tokens) {
    w.key("server_token_check").begin_object();
    w.field("server", *c.server_output_tokens);
    w.field("client", cr.client_output_tokens_all);
    w.field("counter", c.server_output_tokens_source);
    w.field("match", cr.tokens_match());
    w.end_object();
  } else {
    w.field_null("server_token_check");
  }
  // The client's own CPU cost; it includes the writer thread and the progress display.
  w.field("client_cpu_ms", round4(c.client_cpu_ms));
  if (s.total_output_tokens > 0) {
    w.field("client_cpu_us_per_token", round4(c.client_cpu_ms * 1e3 / static_cast<double>(s.total_output_tokens)));
  } else {
    w.field_null("client_cpu_us_per_token");
  }
  write_telemetry(w, cr);
  w.key("slo");
  if (cr.slos.empty()) {
    w.null();
  } else {
    // A cell cut short before any request finished was not measured: neither pass nor fail.
    w.begin_object().field("pass", cr.measured() || !cr.cut_short() ? std::optional<bool>(cr.slo_pass()) : std::nullopt);
    w.key("checks").begin_array();
    for (const auto& check : cr.slos) {
      w.begin_object().field("objective", check.objective).field("limit", check.limit);
      w.field("measured", check.measured ? std::optional<double>(round4(*check.measured)) : std::nullopt);
      w.field("pass", check.pass).end_object();
    }
    w.end_array().end_object();
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
  const std::string incomplete = incomplete_run_warning(report.run);
  w.field("incomplete", incomplete.empty() ? std::optional<std::string>() : std::optional<std::string>(incomplete));
  write_run(w, report.run);
  w.key("telemetry_notes").begin_array();
  for (const auto& n : report.telemetry_notes) w.value(n.source + ": " + n.message);
  w.end_array();
  w.key("cells").begin_array();
  for (const auto& cr : report.cells) write_cell(w, cr);
  w.end_array();
  w.key("repetitions").begin_array();
  for (const auto& rep : report.repetitions) {
    w.begin_object();
    w.field("target", rep.target).field("workload", rep.workload).field("load_profile", rep.load_profile);
    w.field(rep.open_loop ? "rate_rps" : "concurrency", rep.load);
    w.field("n", static_cast<std::int64_t>(rep.cells.size()));
    w.field("noisy", rep.noisy());
    w.key("figures").begin_object();
    for (const auto& [name, st] : rep.figures) {
      auto finite = [](double v) { return std::isfinite(v) ? std::optional<double>(round4(v)) : std::nullopt; };
      w.key(name).begin_object();
      w.field("mean", finite(st.mean)).field("stdev", finite(st.stdev));
      w.key("ci95").begin_array().value(finite(st.ci95_low)).value(finite(st.ci95_high)).end_array();
      w.field("cv", finite(st.cv)).field("noisy", st.noisy);
      w.end_object();
    }
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.key("sweeps").begin_array();
  for (const auto& sw : report.sweeps) {
    w.begin_object();
    w.field("target", sw.target).field("workload", sw.workload).field("load_profile", sw.load_profile);
    w.field("repetition", sw.repetition);
    w.field("by", sw.open_loop ? "rate_rps" : "concurrency");
    w.key("loads").begin_array();
    for (std::size_t i : sw.cells) w.value(report.cells[i].load());
    w.end_array();
    w.field("highest_passing_load", sw.knee.highest_passing_load);
    w.field("saturation_load", sw.knee.saturation_load);
    w.field("explanation", sw.knee.explanation);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out.push_back('\n');
  return out;
}

}  // namespace hakari::report
