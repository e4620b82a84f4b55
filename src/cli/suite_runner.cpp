#include "cli/suite_runner.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cli/commands.h"
#include "cli/progress.h"
#include "hakari/core/build_info.h"
#include "hakari/core/host_info.h"
#include "hakari/driver/driver.h"
#include "hakari/load/duration.h"
#include "hakari/load/rate_curve.h"
#include "hakari/load/schedule.h"
#include "hakari/load/workload.h"
#include "cli/workload_factory.h"
#include "hakari/backend/server_tokenizer.h"
#include "hakari/metrics/request_metrics.h"
#include "hakari/planner/gguf.h"
#include "hakari/planner/model_spec.h"
#include "hakari/report/summary.h"
#include "hakari/store/record_writer.h"
#include "hakari/store/results_store.h"
#include "hakari/target/process.h"
#include "hakari/telemetry/server/prometheus.h"
#include "hakari/transport/http_client.h"
#include "hakari/target/server.h"

namespace hakari::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int sig) {
  if (g_stop.exchange(true)) {
    // A second Ctrl-C means "now": signal the servers' groups (async-signal-safe) and end.
    target::signal_all_launched(SIGTERM);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

// The API a launched tool is driven through unless the suite names one: each tool's own
// native streaming API (the probe cannot tell a tool from a look-alike; the suite can).
std::optional<backend::ApiKind> api_of_tool(const std::string& tool) {
  if (tool == "llama.cpp") return backend::ApiKind::llamacpp_completion;
  if (tool == "ollama") return backend::ApiKind::ollama_chat;
  if (tool == "vllm" || tool == "lmstudio") return backend::ApiKind::openai_chat;
  return std::nullopt;
}

// Open files a level of `concurrency` streams needs: one socket a stream, plus the
// database, logs, telemetry files and sockets, and libcurl's own.
constexpr std::int64_t kFilesBesideStreams = 64;

// The soft limit on open files, raised to the hard limit first (once): the default soft
// limit (1,024) is far below what a few hundred streams plus telemetry need.
std::int64_t open_file_limit(std::int64_t* hard = nullptr) {
  static const bool raised = [] {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      setrlimit(RLIMIT_NOFILE, &lim);
    }
    return true;
  }();
  (void)raised;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  auto as_int = [](rlim_t v) { return v == RLIM_INFINITY ? std::int64_t{1} << 40 : static_cast<std::int64_t>(v); };
  if (hard) *hard = as_int(lim.rlim_max);
  return as_int(lim.rlim_cur);
}

std::string iso8601_utc(Nanos wall_ns) {
  std::time_t t = static_cast<std::time_t>(wall_ns / kNanosPerSecond);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string duration_text(double seconds) {
  if (seconds < 90) return fmt::format("{:.0f}s", seconds);
  if (seconds < 5400) return fmt::format("{:.0f}m{:02.0f}s", std::floor(seconds / 60), std::fmod(seconds, 60));
  return fmt::format("{:.0f}h{:02.0f}m", std::floor(seconds / 3600), std::fmod(seconds / 60, 60));
}

// Writes via a temporary file and a rename, so a reader never sees half a summary.
void write_file_atomically(const fs::path& path, const std::string& content) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

double process_cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}


class RecordSink final : public driver::DriverObserver {
 public:
  RecordSink(store::RecordWriter& writer, std::int64_t cell_id, ProgressDisplay& progress)
      : writer_(writer), cell_id_(cell_id), progress_(progress) {}
  void on_request_done(metrics::RequestRecord&& record, bool warmup) override {
    writer_.add(cell_id_, warmup ? store::RequestTable::warmup : store::RequestTable::measured, std::move(record));
  }
  void on_progress(const driver::CellProgress& p) override {
    // Nothing measured from here on could be kept (a full disk): stop sending now.
    if (writer_.failed()) g_stop = true;
    progress_.update(p);
  }

 private:
  store::RecordWriter& writer_;
  std::int64_t cell_id_;
  ProgressDisplay& progress_;
};

// The server's own count of generated tokens, from its Prometheus counter, with the
// counter's name; nullopt when it exposes none (Ollama, LM Studio, llama.cpp without
// --metrics).
std::optional<std::pair<double, std::string>> server_generated_tokens(const std::string& base_url,
                                                                      const std::vector<std::string>& headers) {
  transport::HttpRequest req;
  req.method = "GET";
  req.url = base_url + "/metrics";
  req.headers = headers;
  req.connect_timeout = 2 * kNanosPerSecond;
  req.total_timeout = 5 * kNanosPerSecond;
  const transport::FetchResult got = transport::http_fetch(req, 4u << 20);
  if (!got.ok()) return std::nullopt;
  const auto metrics = telemetry::prometheus::parse(got.body);
  for (const char* name : {"llamacpp:tokens_predicted_total", "vllm:generation_tokens_total"}) {
    if (auto v = metrics.sum(name)) return std::make_pair(*v, std::string(name));
  }
  return std::nullopt;
}

// Provenance of this invocation: binary, host, command line, noise warnings.
void fill_provenance(store::RunInfo& run, std::vector<std::string>& warnings) {
  const HostInfo host = read_host_info();
  const auto& build = build_info();
  const ClockAnchor anchor = ClockAnchor::now();
  if (run.started_at.empty()) run.started_at = iso8601_utc(anchor.wall_ns);
  run.wall_anchor_ns = anchor.wall_ns;
  run.mono_anchor_ns = anchor.mono_ns;
  run.hakari_version = build.version;
  run.git_commit = build.commit;
  run.build_type = build.build_type;
  run.sanitize = build.sanitize;
  run.compiler = build.compiler;
  run.host_name = host.hostname;
  run.host_os = host.os;
  run.host_kernel = host.kernel;
  run.host_cpu = host.cpu_model;
  run.host_cpus = host.logical_cpus;
  run.host_memory_bytes = host.memory_total_bytes;
  run.cpu_governor = host.cpu_governor;
  run.load_avg = host.load_avg_1m;
  warnings = timing_noise_warnings(host);
  if (build_distorts_timing(build)) {
    warnings.push_back(std::string("this hakari is a ") + build.build_type +
                       (build.sanitize[0] ? std::string(" build with sanitizers (") + build.sanitize + ")" : " build") +
                       ": its own overhead may distort timings");
  }
  run.noise_warnings.clear();
  for (const auto& w : warnings) run.noise_warnings += w + "\n";
  run.command_line = invocation();
}

// Bytes a decode step reads, from what the target names: a GGUF file (read without
// trusting it; mixture-of-experts counts only the experts in use) or a catalog entry such
// as "qwen3-32b:q4_k_m". Empty when neither applies.
std::optional<std::pair<std::int64_t, std::string>> model_bytes_from_spec(const target::TargetSpec& spec) {
  for (const std::string& text : {spec.model_file, spec.model}) {
    if (text.empty()) continue;
    try {
      const planner::ModelSpec parsed = planner::parse_model_spec(text, planner::InstanceConfig{});
      if (parsed.gguf && !fs::exists(parsed.path)) continue;
      const planner::ModelFacts facts = planner::resolve_model(parsed);
      if (facts.active_weight_bytes > 0) {
        return std::make_pair(static_cast<std::int64_t>(facts.active_weight_bytes),
                              parsed.gguf ? "GGUF header of " + parsed.path : "catalog entry " + text);
      }
    } catch (const std::exception&) {
      // Not a GGUF or catalog name (an Ollama tag, an HF id): the server may say instead.
    }
  }
  return std::nullopt;
}

// The memory a loaded model holds, from the first snapshot after the server is ready.
void memory_after_load(const telemetry::Snapshot& s, store::CellInfo& cell) {
  std::int64_t gpu = 0;
  for (const auto& g : s.gpus) gpu += g.memory_used_bytes.value_or(0) + g.gtt_used_bytes.value_or(0);
  if (gpu > 0) {
    cell.memory_after_load_bytes = gpu;
    cell.memory_after_load_source = "GPU memory used (VRAM + GTT), whole device";
  } else if (s.server_process) {
    cell.memory_after_load_bytes = s.server_process->rss_bytes;
    cell.memory_after_load_source = "server process tree RSS";
  }
}

// Copies the server's log lines written during a cell next to the results (an empty
// file when it wrote none: every cell of a launched server has its log).
std::string save_log_slice(const std::string& log, std::uintmax_t from, const fs::path& dest) {
  std::error_code ec;
  const std::uintmax_t to = fs::file_size(log, ec);
  std::string bytes;
  if (!ec && to > from) {
    std::ifstream in(log, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(from));
    bytes.resize(static_cast<std::size_t>(std::min<std::uintmax_t>(to - from, 64u << 20)));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  fs::create_directories(dest.parent_path(), ec);
  std::ofstream out(dest, std::ios::binary);
  out << bytes;
  return out ? dest.string() : std::string();
}

// "c=4", or "2 req/s" (open loop), with its cap: "2 req/s c≤4".
std::string level_text(const suite::CellPlan& plan) {
  if (plan.rate <= 0) return fmt::format("c={}", plan.concurrency);
  return plan.concurrency > 0 ? fmt::format("{:g} req/s c≤{}", plan.rate, plan.concurrency) : fmt::format("{:g} req/s", plan.rate);
}

// A level with a duration and no count of its own runs by time alone.
bool by_duration_only(const suite::LoadProfile& l) { return l.duration > 0 && !l.requests_given; }

class SuiteRunner {
 public:
  SuiteRunner(const suite::Suite& suite, const RunSettings& settings, store::ResultsStore& results, fs::path out_dir)
      : suite_(suite), st_(settings), results_(results), out_dir_(std::move(out_dir)), progress_(!settings.quiet) {}

  int run(store::RunInfo& run, const std::set<std::string>& done_keys);
  bool interrupted() const { return interrupted_; }

 private:
  struct TargetContext {
    const suite::SuiteTarget* target = nullptr;
    target::Server* server = nullptr;
    std::optional<backend::ServerInfo> info;
    backend::ApiKind api = backend::ApiKind::openai_chat;
    bool api_chosen = false;  // given by --api or the suite, not chosen by hakari
    std::string model;
    std::int64_t model_bytes = 0;
    std::string model_bytes_source;
    store::CellInfo facts;  // server facts every cell of this target carries
  };

  void run_target(std::size_t t, const std::vector<suite::CellPlan>& cells);
  void record_failed_cell(const suite::CellPlan& plan, const std::string& reason, const store::CellInfo* facts);
  // A cell for `plan`: the target's server facts (if known) plus what the plan says.
  store::CellInfo cell_for(const suite::CellPlan& plan, const store::CellInfo* facts) const;
  void measure(TargetContext& ctx, const suite::CellPlan& plan);
  // The open-loop level's arrivals: precomputed from a seed that depends only on the run's
  // seed and the cell's identity, so a repeated run, and every shard of it, sends the same
  // schedule; this machine's shard of it when --shard says so.
  std::vector<driver::Arrival> schedule_of(const suite::CellPlan& plan, const suite::LoadProfile& l) const;
  // This machine's shard of a schedule (all of it without --shard).
  std::vector<driver::Arrival> shard_of(const std::vector<driver::Arrival>& all) const;
  void announce(const suite::CellPlan& plan);
  // A write to the database failed: the message to end the run with.
  void storage_failed(const std::exception& e);

 public:
  // Why the run stopped writing (a full disk); empty while all is well.
  const std::string& storage_error() const { return storage_error_; }

 private:
  std::string storage_error_;
  // Ramps that stopped (target/workload/load/repetition -> why), skipping their higher levels.
  std::map<std::string, std::string> stopped_ramps_;

  const suite::Suite& suite_;
  const RunSettings& st_;
  store::ResultsStore& results_;
  fs::path out_dir_;
  ProgressDisplay progress_;
  std::unique_ptr<store::RecordWriter> writer_;
  store::RunInfo* run_ = nullptr;
  std::int64_t ordinal_ = 0;
  std::size_t cells_total_ = 0;
  std::size_t cells_done_ = 0;
  Nanos started_ = 0;
  bool interrupted_ = false;
};

store::CellInfo SuiteRunner::cell_for(const suite::CellPlan& plan, const store::CellInfo* facts) const {
  const auto& t = suite_.targets[plan.target];
  const auto& w = suite_.workloads[plan.workload];
  const auto& l = suite_.loads[plan.load];
  store::CellInfo cell = facts ? *facts : store::CellInfo{};
  cell.run_id = run_->id;
  cell.key = plan.key;
  cell.target = t.spec.name;
  cell.tool = t.spec.tool.empty() ? "attach" : t.spec.tool;
  cell.quant = t.spec.quant;
  cell.workload = w.name;
  cell.workload_kind = w.kind;
  cell.load_profile = l.name;
  cell.repetition = plan.repetition;
  cell.concurrency = plan.concurrency;
  cell.rate_rps = plan.rate;
  if (plan.rate > 0) {
    cell.arrival = l.arrival == "gamma" ? fmt::format("gamma(burstiness {})", l.burstiness) : l.arrival;
    if (!l.curve.empty()) {
      cell.arrival = fmt::format("{} day in {} (peak {:g} req/s)", l.curve == "business" ? "a business" : "a custom",
                                 load::format_duration(l.duration), plan.rate);
    }
    if (st_.shard) cell.shard = fmt::format("{}/{}", st_.shard->first, st_.shard->second);
  }
  cell.duration_s = to_s(l.duration);
  cell.requests_planned = by_duration_only(l) ? 0 : l.requests;
  cell.warmup_requests = l.warmup;
  cell.prompt_tokens = w.prompt_tokens;
  cell.max_tokens = w.max_tokens;
  if (cell.model.empty()) cell.model = t.spec.model;
  return cell;
}

void SuiteRunner::record_failed_cell(const suite::CellPlan& plan, const std::string& reason,
                                     const store::CellInfo* facts) {
  store::CellInfo cell = cell_for(plan, facts);
  cell.ordinal = ordinal_++;
  cell.status = "failed";
  cell.note = reason;
  cell.started_ns = cell.ended_ns = now_ns();
  results_.insert_cell(cell);
  ++cells_done_;
  if (!st_.quiet) std::fprintf(stderr, "hakari: %s failed: %s\n", plan.key.substr(0, plan.key.find('#')).c_str(), reason.c_str());
}

void SuiteRunner::storage_failed(const std::exception& e) {
  if (!storage_error_.empty()) return;
  const std::string db = (out_dir_ / "results.db").string();
  const auto* se = dynamic_cast<const store::StoreError*>(&e);
  if (se && se->disk_full()) {
    const std::int64_t free = store::bytes_free_at(db);
    storage_error_ = fmt::format("disk full: cannot write {} ({} bytes free)", db, free < 0 ? std::string("?") : std::to_string(free));
  } else {
    storage_error_ = fmt::format("cannot write {}: {}", db, e.what());
  }
  g_stop = true;
}

std::vector<driver::Arrival> SuiteRunner::schedule_of(const suite::CellPlan& plan, const suite::LoadProfile& l) const {
  load::ArrivalSpec spec;
  spec.kind = load::parse_arrival(l.arrival).value_or(load::ArrivalKind::poisson);
  spec.rate_rps = plan.rate;
  spec.burstiness = l.burstiness;
  // The key's readable part (before '#') names the cell; the run's seed varies it.
  const std::string identity = plan.key.substr(0, plan.key.find('#'));
  std::uint64_t h = 1469598103934665603ull ^ st_.prompt_seed;
  for (char ch : identity) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  spec.seed = h;
  std::vector<Nanos> times;
  if (!l.curve.empty()) {
    std::string error;  // validated with the suite
    const load::RateCurve curve = l.curve == "business" ? load::RateCurve::business_day() : *load::RateCurve::parse(l.curve, error);
    times = load::curve_arrivals(curve, plan.rate, l.duration, spec.seed);
  } else {
    times = load::arrival_times(spec, by_duration_only(l) ? 0 : l.requests, l.duration);
  }
  std::vector<driver::Arrival> arrivals;
  arrivals.reserve(times.size());
  for (std::size_t i = 0; i < times.size(); ++i) arrivals.push_back({static_cast<std::int64_t>(i), times[i]});
  return shard_of(arrivals);
}

std::vector<driver::Arrival> SuiteRunner::shard_of(const std::vector<driver::Arrival>& all) const {
  if (!st_.shard) return all;
  std::vector<driver::Arrival> mine;
  for (const auto& a : all) {
    if (a.unit % st_.shard->second == st_.shard->first) mine.push_back(a);
  }
  return mine;
}

void SuiteRunner::announce(const suite::CellPlan& plan) {
  if (st_.quiet) return;
  const double elapsed = to_s(now_ns() - started_);
  std::string eta = "--";
  if (cells_done_ > 0) eta = "~" + duration_text(elapsed / static_cast<double>(cells_done_) * static_cast<double>(cells_total_ - cells_done_));
  // A one-target run has one workload and one load profile: the level says it all.
  const std::string point = suite_.path.empty()
                                ? level_text(plan)
                                : fmt::format("{} · {} · {} {}{}", suite_.targets[plan.target].spec.name,
                                              suite_.workloads[plan.workload].name, suite_.loads[plan.load].name,
                                              level_text(plan),
                                              suite_.repetitions > 1
                                                  ? fmt::format(" rep {}/{}", plan.repetition + 1, suite_.repetitions)
                                                  : "");
  std::fprintf(stderr, "hakari: cell %zu/%zu · %s · elapsed %s · ETA %s\n", cells_done_ + 1, cells_total_,
               point.c_str(), duration_text(elapsed).c_str(), eta.c_str());
}

// A ramp's identity: the levels of one target, workload, load profile and repetition.
std::string ramp_of(const suite::CellPlan& plan) {
  return fmt::format("{}/{}/{}/{}", plan.target, plan.workload, plan.load, plan.repetition);
}

void SuiteRunner::measure(TargetContext& ctx, const suite::CellPlan& plan) {
  const auto& w = suite_.workloads[plan.workload];
  const auto& l = suite_.loads[plan.load];
  if (l.ramp) {
    if (auto it = stopped_ramps_.find(ramp_of(plan)); it != stopped_ramps_.end()) {
      store::CellInfo cell = cell_for(plan, &ctx.facts);
      cell.ordinal = ordinal_++;
      cell.status = "skipped";
      cell.note = "the ramp stopped below this level: " + it->second;
      cell.started_ns = cell.ended_ns = now_ns();
      results_.insert_cell(cell);
      ++cells_done_;
      return;
    }
  }
  announce(plan);
  if (!ctx.server->alive()) {
    // The server died (in an earlier cell, or between): start it again for this one.
    const std::string why = ctx.server->exit_reason().value_or("it stopped answering");
    try {
      ctx.server->start();
    } catch (const target::TargetError& e) {
      record_failed_cell(plan, "the server had exited (" + why + ") and could not be restarted: " + e.what(), &ctx.facts);
      return;
    }
  }
  // Every stream holds a socket: a level the open-file limit cannot carry is refused
  // before it starts, not discovered as thousands of "connect" failures.
  std::int64_t hard_files = 0;
  const std::int64_t files = open_file_limit(&hard_files);
  if (const std::int64_t need = plan.concurrency + kFilesBesideStreams; need > files) {
    record_failed_cell(plan,
                       fmt::format("concurrency {} needs about {} open files; the limit is {} (hard limit {}): raise it "
                                   "with `ulimit -n` (or LimitNOFILE= for a service) and run again",
                                   plan.concurrency, need, files, hard_files),
                       &ctx.facts);
    return;
  }
  // What to send: made before the cell starts (files read, documents cut with the
  // target's own tokenizer), so its cost is never inside a measurement.
  std::unique_ptr<backend::ServerTokenizer> tokenizer;
  if (const auto dialect = backend::ServerTokenizer::for_server_kind(ctx.info->kind)) {
    tokenizer = std::make_unique<backend::ServerTokenizer>(ctx.server->base_url(), *dialect, ctx.model, st_.headers,
                                                           30 * kNanosPerSecond);
  }
  MadeWorkload made;
  try {
    made = make_workload(suite_, w, st_.prompt_seed, tokenizer.get(), default_datasets_dir());
  } catch (const std::exception& e) {
    record_failed_cell(plan, std::string("the workload cannot be made: ") + e.what(), &ctx.facts);
    return;
  }
  // A conversation needs the server's chat template: a completion API hakari chose itself
  // gives way to the same server's chat API.
  backend::ApiKind api = ctx.api;
  if (!ctx.api_chosen && needs_chat_api(suite_, w)) {
    if (api == backend::ApiKind::llamacpp_completion || api == backend::ApiKind::openai_completions) {
      api = backend::ApiKind::openai_chat;
    } else if (api == backend::ApiKind::ollama_generate) {
      api = backend::ApiKind::ollama_chat;
    }
  }

  store::CellInfo cell = cell_for(plan, &ctx.facts);
  cell.ordinal = ordinal_++;
  cell.started_ns = now_ns();
  cell.api = std::string(backend::api_name(api));
  cell.workload_detail = made.detail;
  results_.insert_cell(cell);

  driver::TargetSpec target;
  target.base_url = ctx.server->base_url();
  target.api = api;
  target.headers = st_.headers;
  target.connect_timeout = st_.connect_timeout;
  target.request_timeout = static_cast<Nanos>(l.timeout_s * 1e9);
  target.idle_timeout = static_cast<Nanos>(l.idle_timeout_s * 1e9);
  target.model = ctx.model;
  target.temperature = w.temperature;
  target.seed = w.seed;
  target.keep_text = st_.save_output;
  cell.length_forcing = w.force_length ? std::string(backend::length_forcing_method(api)) : std::string();

  driver::LevelPlan dp;
  dp.concurrency = plan.concurrency;
  dp.units = by_duration_only(l) ? 0 : l.requests;
  dp.duration = l.duration;
  dp.warmup = l.warmup;
  dp.warmup_window = l.warmup_time;
  dp.cooldown_window = l.cooldown_time;
  if (made.arrivals) {
    // A replay runs on its trace's clock, whatever the load profile's levels say.
    dp.open_loop = true;
    dp.concurrency = 0;
    dp.units = 0;
    dp.arrivals = shard_of(*made.arrivals);
  } else if (plan.rate > 0) {
    dp.open_loop = true;
    try {
      dp.arrivals = schedule_of(plan, l);
    } catch (const std::invalid_argument& e) {
      cell.status = "failed";
      cell.note = std::string("the schedule cannot be made: ") + e.what();
      results_.update_cell(cell);
      ++cells_done_;
      return;
    }
  }
  dp.request_id_prefix = "hakari-r" + std::to_string(run_->id) + "-c" + std::to_string(cell.id);
  if (l.cell_timeout_s > 0) dp.deadline = now_ns() + static_cast<Nanos>(l.cell_timeout_s * 1e9);

  const std::string log = ctx.server->log_path();
  std::error_code ec;
  const std::uintmax_t log_from = log.empty() ? 0 : fs::file_size(log, ec);
  const auto server_tokens_before = server_generated_tokens(target.base_url, target.headers);
  const double cpu_before = process_cpu_ms();
  driver::CellEnd end = driver::CellEnd::complete;
  std::string driver_error;
  try {
    driver::Driver drv(target, *made.workload);
    RecordSink sink(*writer_, cell.id, progress_);
    driver::LevelResult level = drv.run_level(dp, sink, g_stop);
    end = level.end;
    cell.never_sent = level.never_sent;
    if (made.chat) {
      cell.retention_scored = made.chat->conversations_scored();
      cell.retention_recalled = made.chat->facts_recalled();
    }
    cell.schedule_origin_ns = level.origin;
    if (!level.wake_delay_us.empty()) {
      auto& d = level.wake_delay_us;
      const std::size_t k = std::min(d.size() - 1, d.size() * 99 / 100);
      std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
      cell.client_wake_delay_p99_us = d[k];
    }
  } catch (const std::exception& e) {
    // The client itself could not run (no file descriptors left for its event loop):
    // the cell fails with the reason; what it measured so far is kept.
    driver_error = e.what();
  }
  progress_.finish();
  try {
    writer_->flush();
    // The cell's latency distributions, kept mergeable beside its raw records.
    std::vector<store::HistogramRow> rows;
    for (const auto& [name, h] : metrics::latency_histograms(results_.requests(cell.id))) {
      rows.push_back(store::HistogramRow{0, cell.id, name, h.serialize()});
    }
    results_.put_histograms(cell.id, rows);
  } catch (const std::exception& e) {
    storage_failed(e);
  }
  cell.ended_ns = now_ns();
  if (server_tokens_before && end == driver::CellEnd::complete) {
    // Counted by the server over the whole cell, warm-up included (a restart in between
    // resets the counter: then there is nothing to compare).
    if (const auto after = server_generated_tokens(target.base_url, target.headers);
        after && after->second == server_tokens_before->second && after->first >= server_tokens_before->first) {
      cell.server_output_tokens = static_cast<std::int64_t>(after->first - server_tokens_before->first);
      cell.server_output_tokens_source = after->second + " (delta over the cell, warm-up included)";
    }
  }
  cell.client_cpu_ms = process_cpu_ms() - cpu_before;
  if (!log.empty()) {
    cell.log_path = save_log_slice(log, ec ? 0 : log_from,
                                   out_dir_ / "logs" / fmt::format("cell-{}-{}.log", cell.id, cell.target));
  }
  switch (end) {
    case driver::CellEnd::complete: cell.status = "complete"; break;
    case driver::CellEnd::interrupted:
      cell.status = "interrupted";
      // A stop for a full disk is not the user's Ctrl-C.
      interrupted_ = storage_error_.empty();
      break;
    case driver::CellEnd::timed_out:
      cell.status = "failed";
      cell.note = fmt::format("the cell ran past its cell_timeout_s of {} s", l.cell_timeout_s);
      break;
  }
  if (!driver_error.empty()) {
    cell.status = "failed";
    cell.note = "the client could not run: " + driver_error;
  }
  if (!storage_error_.empty()) {
    cell.status = "failed";
    cell.note = storage_error_ + "; the level was stopped";
  } else if (!interrupted_ && !ctx.server->alive()) {
    cell.status = "failed";
    cell.note = "the server died during the cell: " + ctx.server->exit_reason().value_or("it stopped answering");
  }
  if (l.ramp && cell.status == "complete") {
    // Climb no further once a level breaks: the knee is below it, and higher levels would
    // only pile more load on a server already past it.
    const metrics::CellSummary s = metrics::summarize_cell(results_.requests(cell.id), cell.max_tokens);
    std::string broke;
    for (const auto& check : report::check_slos(suite_.slos, s)) {
      if (!check.pass) broke += fmt::format("{}{} {} > {}", broke.empty() ? "" : ", ", check.objective,
                                            check.measured ? fmt::format("{:.4g}", *check.measured) : "unmeasured",
                                            check.limit);
    }
    const std::int64_t finished = s.requests_ok + s.requests_failed;
    if (finished > 0 && static_cast<double>(s.requests_failed) > l.max_error_rate * static_cast<double>(finished)) {
      broke += fmt::format("{}{} of {} requests failed (above {:g})", broke.empty() ? "" : ", ", s.requests_failed, finished,
                           l.max_error_rate);
    }
    if (!broke.empty()) {
      stopped_ramps_[ramp_of(plan)] = level_text(plan) + " broke it (" + broke + ")";
      if (!st_.quiet) std::fprintf(stderr, "hakari: the ramp stops at %s: %s\n", level_text(plan).c_str(), broke.c_str());
    }
  }
  try {
    results_.update_cell(cell);
  } catch (const std::exception& e) {
    storage_failed(e);
  }
  ++cells_done_;
}

void SuiteRunner::run_target(std::size_t t, const std::vector<suite::CellPlan>& cells) {
  const suite::SuiteTarget& st = suite_.targets[t];
  target::LaunchOptions launch;
  launch.log_dir = (out_dir_ / "logs").string();
  if (!st_.quiet) launch.progress = [](const std::string& line) { std::fprintf(stderr, "hakari: %s\n", line.c_str()); };
  std::error_code ec;
  fs::create_directories(launch.log_dir, ec);
  std::unique_ptr<target::Server> server;
  try {
    server = target::make_server(st.spec, launch);
    if (!st_.quiet && !st.spec.tool.empty()) {
      std::fprintf(stderr, "hakari: starting %s (%s)\n", st.spec.name.c_str(), st.spec.tool.c_str());
    }
    server->start();
  } catch (const target::TargetError& e) {
    for (const auto& c : cells) record_failed_cell(c, e.what(), nullptr);
    return;
  }

  TargetContext ctx;
  ctx.target = &st;
  ctx.server = server.get();
  std::string probe_error;
  if (st_.probed && suite_.targets.size() == 1) {
    ctx.info = st_.probed;
  } else {
    ctx.info = backend::probe_server(server->base_url(), st_.connect_timeout, st_.headers, probe_error);
  }
  if (!ctx.info) {
    for (const auto& c : cells) record_failed_cell(c, probe_error, nullptr);
    server->stop();
    return;
  }
  ctx.api_chosen = st_.api || st.api != "auto";
  if (st_.api) {
    ctx.api = *st_.api;
  } else if (st.api != "auto") {
    ctx.api = backend::parse_api(st.api).value();
  } else {
    ctx.api = api_of_tool(st.spec.tool).value_or(ctx.info->suggested_api);
  }
  ctx.model = !st_.model.empty() ? st_.model : server->request_model();
  if (ctx.model.empty() && !ctx.info->models.empty()) ctx.model = ctx.info->models.front();
  if (st_.model_bytes > 0) {
    ctx.model_bytes = st_.model_bytes, ctx.model_bytes_source = "--model-bytes";
  } else if (st.model_bytes) {
    ctx.model_bytes = *st.model_bytes, ctx.model_bytes_source = "suite model_bytes";
  } else if (auto from_spec = model_bytes_from_spec(st.spec)) {
    ctx.model_bytes = from_spec->first, ctx.model_bytes_source = from_spec->second;
  } else if (auto it = ctx.info->model_bytes.find(ctx.model); it != ctx.info->model_bytes.end()) {
    // A simulator's size is whatever it was configured with, not a model's.
    ctx.model_bytes = it->second;
    ctx.model_bytes_source = ctx.info->simulated ? "hakari sim's configured size" : ctx.info->kind + " reported model size";
  }

  store::CellInfo& f = ctx.facts;
  f.run_id = run_->id;
  f.target = st.spec.name;
  f.tool = st.spec.tool.empty() ? "attach" : st.spec.tool;
  f.quant = st.spec.quant;
  f.model = ctx.model;
  f.api = std::string(backend::api_name(ctx.api));
  f.server_url = server->base_url();
  f.server_kind = ctx.info->kind;
  f.server_version = server->server_version().empty() ? ctx.info->version : server->server_version();
  f.cold_load_ms = to_ms(server->cold_load_ns());
  f.server_load_ms = to_ms(server->server_load_ns());
  f.model_bytes = ctx.model_bytes;
  f.model_bytes_source = ctx.model_bytes_source;

  const int interval = st_.telemetry_interval_set ? static_cast<int>(st_.telemetry.interval / kNanosPerMilli)
                                                  : suite_.telemetry_interval_ms;
  std::unique_ptr<TelemetrySession> telemetry;
  if (interval > 0) {
    TelemetryOptions topt = st_.telemetry;
    topt.interval = interval * kNanosPerMilli;
    if (server->pid() > 0) topt.server_pid = server->pid();
    if (topt.hardware.empty()) topt.hardware = suite_.hardware;
    telemetry = std::make_unique<TelemetrySession>(topt, &*ctx.info, st_.headers);
    memory_after_load(telemetry->first_snapshot(), f);
    if (run_->hardware.empty() && telemetry->hardware()) {
      run_->hardware = std::string(telemetry->hardware()->key);
      run_->telemetry_interval_ms = interval;
      results_.update_run(*run_);
    }
    run_->telemetry_interval_ms = interval;
    results_.update_run(*run_);
    if (!st_.quiet) {
      for (const auto& n : telemetry->notes()) std::fprintf(stderr, "hakari: telemetry: %s\n", n.c_str());
    }
    telemetry->record_into(results_, run_->id);
    telemetry->start();
  }
  if (!st_.quiet) {
    std::fprintf(stderr, "hakari: %s is %s %s%s at %s; API %s; model %s%s\n", st.spec.name.c_str(), ctx.info->kind.c_str(),
                 ctx.info->version.c_str(), ctx.info->simulated ? " (hakari sim)" : "", server->base_url().c_str(),
                 std::string(backend::api_name(ctx.api)).c_str(), ctx.model.empty() ? "(server default)" : ctx.model.c_str(),
                 server->cold_load_ns() > 0 ? fmt::format("; ready after {:.1f} s", to_s(server->cold_load_ns())).c_str() : "");
  }
  for (const auto& c : cells) {
    if (g_stop) break;
    try {
      measure(ctx, c);
    } catch (const store::StoreError& e) {
      storage_failed(e);
    }
    if (interrupted_ || !storage_error_.empty()) break;
  }
  if (telemetry) telemetry->stop();
  server->stop();
}

int SuiteRunner::run(store::RunInfo& run, const std::set<std::string>& done_keys) {
  run_ = &run;
  started_ = now_ns();
  std::vector<suite::CellPlan> remaining;
  std::size_t skipped = 0;
  for (auto& c : suite::expand(suite_)) {
    if (done_keys.count(c.key)) {
      ++skipped;
    } else {
      remaining.push_back(std::move(c));
    }
  }
  ordinal_ = static_cast<std::int64_t>(results_.cells(run.id).size());
  cells_total_ = remaining.size();
  if (!st_.quiet && (skipped > 0 || suite_.targets.size() > 1 || !suite_.path.empty())) {
    std::fprintf(stderr, "hakari: suite %s: %zu cells over %zu targets%s\n", suite_.name.c_str(), remaining.size() + skipped,
                 suite_.targets.size(), skipped ? fmt::format(", {} already complete (--resume)", skipped).c_str() : "");
  }
  writer_ = std::make_unique<store::RecordWriter>(results_);
  std::size_t i = 0;
  while (i < remaining.size() && !g_stop && !interrupted_) {
    std::size_t j = i;
    while (j < remaining.size() && remaining[j].target == remaining[i].target) ++j;
    run_target(remaining[i].target, std::vector<suite::CellPlan>(remaining.begin() + static_cast<std::ptrdiff_t>(i),
                                                                 remaining.begin() + static_cast<std::ptrdiff_t>(j)));
    i = j;
  }
  try {
    writer_.reset();
  } catch (const std::exception& e) {
    storage_failed(e);
  }
  interrupted_ = storage_error_.empty() && (interrupted_ || g_stop);
  target::stop_all_launched();
  return 0;
}

}  // namespace

int run_suite(const suite::Suite& s, const RunSettings& settings) {
  const fs::path out_dir = settings.out_dir.empty() ? fs::path(s.output) : fs::path(settings.out_dir);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "hakari run: --out: cannot create %s: %s\n", out_dir.c_str(), ec.message().c_str());
    return kExitUsage;
  }
  store::ResultsStore results((out_dir / "results.db").string());

  // Servers a hakari killed outright (SIGKILL, OOM) left running are ended before anything
  // is launched again: two copies of a 40 GB model do not fit where one did.
  const std::string launch_record = (out_dir / ".hakari-launched").string();
  for (const auto& line : target::end_orphaned_launches(launch_record, 10 * kNanosPerSecond)) {
    std::fprintf(stderr, "hakari: ended %s\n", line.c_str());
  }
  target::set_launch_record(launch_record);

  // --resume continues the latest run of this suite (of these flags: a run without a
  // suite file is stored unnamed, with its target's URL), skipping its complete cells.
  const std::string stored_suite_name = s.path.empty() ? "" : s.name;
  store::RunInfo run;
  std::set<std::string> done_keys;
  if (settings.resume) {
    for (const auto& r : results.runs()) {
      if (r.suite_name != stored_suite_name) continue;
      if (s.path.empty() && (r.suite_path != "" || s.targets.empty() || r.target_url != s.targets[0].spec.url)) continue;
      run = r;
    }
    if (run.id != 0) {
      // Complete cells stand; the others are measured again and their old attempts are
      // kept in the database but left out of reports.
      for (auto& c : results.cells(run.id)) {
        if (c.status == "complete") {
          done_keys.insert(c.key);
        } else if (c.status != "superseded") {
          c.status = "superseded";
          results.update_cell(c);
        }
      }
    } else if (!settings.quiet) {
      std::fprintf(stderr, "hakari: --resume: %s holds no run of suite '%s'; starting one\n",
                   (out_dir / "results.db").c_str(), s.name.c_str());
    }
  }
  std::vector<std::string> warnings;
  fill_provenance(run, warnings);
  run.status = "running";
  run.finished_at.clear();
  run.suite_name = stored_suite_name;
  run.suite_path = s.path;
  run.suite_hash = s.hash;
  run.slos = s.slos;
  run.seed = static_cast<std::int64_t>(settings.prompt_seed);
  run.hardware = settings.telemetry.hardware.empty() ? s.hardware : settings.telemetry.hardware;
  if (s.targets.size() == 1) {
    run.target_url = s.targets[0].spec.url;
    if (settings.probed) {
      run.server_kind = settings.probed->kind;
      run.server_version = settings.probed->version;
      run.server_header = settings.probed->server_header;
      run.simulated = settings.probed->simulated ? 1 : 0;
    }
  }
  if (run.id == 0) {
    results.insert_run(run);
  } else {
    results.update_run(run);
  }
  if (!settings.quiet) {
    for (const auto& w : warnings) std::fprintf(stderr, "hakari: warning: %s\n", w.c_str());
  }

  g_stop = false;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  SuiteRunner runner(s, settings, results, out_dir);
  runner.run(run, done_keys);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  target::set_launch_record("");
  fs::remove(launch_record, ec);
  if (!runner.storage_error().empty()) {
    // Nothing more can be written: say so, and that what was committed stands.
    std::fprintf(stderr, "hakari: %s\nhakari: stopped; what was committed before is kept in %s\n",
                 runner.storage_error().c_str(), (out_dir / "results.db").c_str());
    try {
      run = *results.run(run.id);
      run.status = "stopped";  // incomplete: cells were left unmeasured
      run.finished_at = iso8601_utc(wall_now_ns());
      results.update_run(run);
    } catch (const std::exception&) {
      // Expected on a full disk; the run reads as incomplete.
    }
    return kExitFailed;
  }
  const bool interrupted = runner.interrupted();

  // ---- report, from what the database holds ------------------------------------------------
  run = *results.run(run.id);
  run.finished_at = iso8601_utc(wall_now_ns());
  report::RunReport rep = report::build_run_report(results, run.id);
  bool any_cell_failed = false;
  bool any_simulated = false;
  for (auto& cr : rep.cells) {
    if (cr.cell.status == "complete" && cr.summary.requests_ok == 0) {
      cr.cell.status = "failed";
      cr.cell.note = "no request succeeded: " + cr.summary.first_error;
      results.update_cell(cr.cell);
    }
    any_cell_failed = any_cell_failed || cr.cell.status == "failed";
    any_simulated = any_simulated || cr.cell.server_version.find("hakari-sim") != std::string::npos;
  }
  if (any_simulated) run.simulated = 1;
  if (s.targets.size() == 1 && !rep.cells.empty()) {
    // One target: its server facts describe the whole run.
    run.server_model = rep.cells.front().cell.model;
    run.api = rep.cells.front().cell.api;
    run.model_bytes = rep.cells.front().cell.model_bytes;
    run.model_bytes_source = rep.cells.front().cell.model_bytes_source;
  }
  run.status = interrupted ? "interrupted" : any_cell_failed ? "failed" : "complete";
  results.update_run(run);
  rep = report::build_run_report(results, run.id);

  write_file_atomically(out_dir / "summary.json", report::render_summary_json(rep));
  write_file_atomically(out_dir / "summary.md", report::render_summary_markdown(rep));
  std::fputs(settings.json ? report::render_summary_json(rep).c_str() : report::render_terminal_table(rep).c_str(), stdout);
  if (!settings.quiet) {
    std::fprintf(stderr, "hakari: wrote %s, %s and %s\n", (out_dir / "summary.json").c_str(),
                 (out_dir / "summary.md").c_str(), (out_dir / "results.db").c_str());
  }
  if (interrupted) {
    std::fprintf(stderr, "hakari: interrupted; what was measured is kept (continue with --resume)\n");
    return kExitInterrupted;
  }
  if (any_cell_failed && !settings.quiet) {
    std::size_t failed = 0;
    for (const auto& cr : rep.cells) failed += cr.cell.status == "failed";
    std::fprintf(stderr, "hakari: %zu of %zu cells failed; see summary.md\n", failed, rep.cells.size());
  }
  return any_cell_failed ? kExitFailed : kExitOk;
}

}  // namespace hakari::cli
