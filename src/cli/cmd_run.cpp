// `hakari run`: benchmark one server at one or more concurrency levels.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sys/resource.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/telemetry_session.h"
#include "hakari/catalog/hardware.h"
#include "hakari/backend/api.h"
#include "hakari/backend/probe.h"
#include "hakari/core/build_info.h"
#include "hakari/core/host_info.h"
#include "hakari/driver/driver.h"
#include "hakari/report/summary.h"
#include "hakari/store/record_writer.h"
#include "hakari/store/results_store.h"

namespace hakari::cli {
namespace {

struct RunOptions {
  std::string target;
  std::string api = "auto";
  std::string model;
  std::vector<int> concurrency{1};
  int requests = 20;
  int warmup = 1;
  std::int64_t prompt_tokens = 128;
  std::int64_t max_tokens = 128;
  bool no_force_length = false;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  std::uint64_t prompt_seed = 0;
  double timeout_s = 600;
  double idle_timeout_s = 120;
  double connect_timeout_s = 10;
  std::vector<std::string> headers;
  std::string api_key;
  std::string out;
  bool save_output = false;
  bool quiet = false;
  bool json = false;
  // Telemetry
  int telemetry_interval_ms = 200;
  int server_pid = 0;
  std::string server_process;
  std::string hardware;
  std::int64_t model_bytes = 0;
  bool no_nvml = false;
  std::string proc_root = "/";
  std::string sys_root = "/";
};

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int sig) {
  if (g_stop.exchange(true)) {
    // A second Ctrl-C means "now": the default action ends the process.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

std::string iso8601_utc(Nanos wall_ns) {
  std::time_t t = static_cast<std::time_t>(wall_ns / kNanosPerSecond);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string default_out_dir() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "hakari-results/%Y%m%d-%H%M%S", &tm);
  return buf;
}

// Writes via a temporary file and a rename, so a reader never sees half a summary.
void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

double process_cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "hakari run: %s\n", message.c_str());
  return kExitUsage;
}

class RunObserver final : public driver::DriverObserver {
 public:
  RunObserver(store::RecordWriter& writer, std::int64_t cell_id, ProgressDisplay& progress)
      : writer_(writer), cell_id_(cell_id), progress_(progress) {}
  void on_request_done(metrics::RequestRecord&& record, bool warmup) override {
    writer_.add(cell_id_, warmup ? store::RequestTable::warmup : store::RequestTable::measured, std::move(record));
  }
  void on_progress(const driver::CellProgress& p) override { progress_.update(p); }

 private:
  store::RecordWriter& writer_;
  std::int64_t cell_id_;
  ProgressDisplay& progress_;
};

int run_benchmark(const RunOptions& o) {
  // ---- validate everything before touching the network or the disk ---------------------
  std::optional<backend::ApiKind> api;
  if (o.api != "auto") {
    api = backend::parse_api(o.api);
    if (!api) return usage_error("--api: unknown API '" + o.api + "' (choose from " + backend::api_choices() + ")");
  }
  std::string url_error;
  auto base_url = backend::normalize_base_url(o.target, url_error);
  if (!base_url) return usage_error("--target: " + url_error);
  for (int c : o.concurrency) {
    if (c < 1 || c > 4096) return usage_error("--concurrency: " + std::to_string(c) + " is not in 1..4096");
  }
  std::vector<std::string> headers = o.headers;
  for (const auto& h : headers) {
    if (h.find(':') == std::string::npos || h.find_first_of("\r\n") != std::string::npos) {
      return usage_error("--header: '" + h + "' is not of the form 'Name: value'");
    }
  }
  if (!o.hardware.empty() && !catalog::find_hardware(o.hardware)) {
    return usage_error("--hardware: unknown profile '" + o.hardware + "' (choose from " + catalog::hardware_keys() + ")");
  }
  std::string api_key = o.api_key;
  if (api_key.empty()) {
    if (const char* env = std::getenv("HAKARI_API_KEY")) api_key = env;
  }
  if (!api_key.empty()) headers.push_back("Authorization: Bearer " + api_key);

  // ---- find out what we are talking to -----------------------------------------------------
  transport::init_http_global();
  std::string probe_error;
  auto info = backend::probe_server(*base_url, static_cast<Nanos>(o.connect_timeout_s * 1e9), headers, probe_error);
  if (!info) {
    const bool unreachable = probe_error.rfind("cannot reach", 0) == 0;
    if (unreachable || !api) {
      std::fprintf(stderr, "hakari run: %s\n", probe_error.c_str());
      return kExitFailed;
    }
    std::fprintf(stderr, "hakari run: warning: %s; going on with --api %s\n", probe_error.c_str(), o.api.c_str());
    info = backend::ServerInfo{};
    info->base_url = *base_url;
    info->kind = "unknown";
  }
  const backend::ApiKind chosen_api = api.value_or(info->suggested_api);
  std::string model = o.model;
  if (model.empty() && !info->models.empty()) model = info->models.front();
  if (model.empty() && (chosen_api == backend::ApiKind::ollama_chat || chosen_api == backend::ApiKind::ollama_generate)) {
    std::fprintf(stderr, "hakari run: %s lists no models; name one with --model\n", base_url->c_str());
    return kExitFailed;
  }

  // ---- where results go --------------------------------------------------------------------
  const std::filesystem::path out_dir = o.out.empty() ? default_out_dir() : o.out;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return usage_error("--out: cannot create " + out_dir.string() + ": " + ec.message());
  store::ResultsStore results((out_dir / "results.db").string());

  const HostInfo host = read_host_info();
  const auto& build = build_info();
  const ClockAnchor anchor = ClockAnchor::now();
  store::RunInfo run;
  run.started_at = iso8601_utc(anchor.wall_ns);
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
  std::vector<std::string> warnings = timing_noise_warnings(host);
  if (build_distorts_timing(build)) {
    warnings.push_back(std::string("this hakari is a ") + build.build_type +
                       (build.sanitize[0] ? std::string(" build with sanitizers (") + build.sanitize + ")" : " build") +
                       ": its own overhead may distort timings");
  }
  for (const auto& w : warnings) run.noise_warnings += w + "\n";
  run.target_url = *base_url;
  run.api = std::string(backend::api_name(chosen_api));
  run.server_kind = info->kind;
  run.server_version = info->version;
  run.server_model = model;
  run.server_header = info->server_header;
  run.simulated = info->simulated ? 1 : 0;
  run.command_line = invocation();
  run.seed = static_cast<std::int64_t>(o.prompt_seed);
  if (o.model_bytes > 0) {
    run.model_bytes = o.model_bytes;
    run.model_bytes_source = "--model-bytes";
  } else if (auto it = info->model_bytes.find(model); it != info->model_bytes.end()) {
    run.model_bytes = it->second;
    run.model_bytes_source = info->kind + " reported model size";
  }

  // Telemetry runs on its own thread from just before the first cell to just after the last.
  std::unique_ptr<TelemetrySession> telemetry;
  if (o.telemetry_interval_ms > 0) {
    TelemetryOptions t;
    t.interval = o.telemetry_interval_ms * kNanosPerMilli;
    t.server_pid = o.server_pid;
    t.server_process = o.server_process;
    t.proc_root = o.proc_root;
    t.sys_root = o.sys_root;
    t.nvml = !o.no_nvml;
    t.hardware = o.hardware;
    telemetry = std::make_unique<TelemetrySession>(t, &*info, headers);
    telemetry->first_snapshot();
    if (telemetry->hardware()) run.hardware = std::string(telemetry->hardware()->key);
    run.telemetry_interval_ms = o.telemetry_interval_ms;
  }
  results.insert_run(run);
  if (telemetry) {
    telemetry->record_into(results, run.id);
    telemetry->start();
  }

  if (!o.quiet) {
    std::fprintf(stderr, "hakari: %s is %s %s%s; API %s; model %s; results in %s\n", base_url->c_str(),
                 info->kind.c_str(), info->version.c_str(), info->simulated ? " (hakari sim)" : "",
                 run.api.c_str(), model.empty() ? "(server default)" : model.c_str(), out_dir.c_str());
    for (const auto& w : warnings) std::fprintf(stderr, "hakari: warning: %s\n", w.c_str());
    if (telemetry) {
      const auto* hw = telemetry->hardware();
      std::fprintf(stderr, "hakari: telemetry every %d ms; hardware %s\n", o.telemetry_interval_ms,
                   hw ? std::string(hw->name).c_str() : "not recognised (see --hardware)");
      for (const auto& n : telemetry->notes()) std::fprintf(stderr, "hakari: telemetry: %s\n", n.c_str());
    }
  }

  // ---- measure -------------------------------------------------------------------------------
  driver::TargetSpec target;
  target.base_url = *base_url;
  target.api = chosen_api;
  target.headers = headers;
  target.connect_timeout = static_cast<Nanos>(o.connect_timeout_s * 1e9);
  target.request_timeout = static_cast<Nanos>(o.timeout_s * 1e9);
  target.idle_timeout = static_cast<Nanos>(o.idle_timeout_s * 1e9);
  driver::WorkloadSpec workload;
  workload.model = model;
  workload.prompt_tokens = o.prompt_tokens;
  workload.max_tokens = o.max_tokens;
  workload.force_length = !o.no_force_length;
  workload.temperature = o.temperature;
  workload.seed = o.seed;
  workload.prompt_seed = o.prompt_seed;
  workload.keep_text = o.save_output;
  const std::string length_forcing =
      workload.force_length ? std::string(backend::length_forcing_method(chosen_api)) : std::string();

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  ProgressDisplay progress(!o.quiet);
  bool interrupted = false;
  {
    store::RecordWriter writer(results);
    driver::Driver drv(target, workload);
    std::int64_t ordinal = 0;
    for (int c : o.concurrency) {
      store::CellInfo cell;
      cell.run_id = run.id;
      cell.ordinal = ordinal++;
      cell.concurrency = c;
      cell.requests_planned = o.requests;
      cell.warmup_requests = o.warmup;
      cell.prompt_tokens = o.prompt_tokens;
      cell.max_tokens = o.max_tokens;
      cell.model = model;
      cell.length_forcing = length_forcing;
      cell.started_ns = now_ns();
      results.insert_cell(cell);
      const double cpu_before = process_cpu_ms();

      driver::CellPlan plan;
      plan.concurrency = c;
      plan.requests = o.requests;
      plan.warmup = o.warmup;
      plan.request_id_prefix = "hakari-r" + std::to_string(run.id) + "-c" + std::to_string(cell.id);
      RunObserver observer(writer, cell.id, progress);
      const driver::CellEnd end = drv.run_cell(plan, observer, g_stop);
      progress.finish();
      writer.flush();
      cell.ended_ns = now_ns();
      cell.client_cpu_ms = process_cpu_ms() - cpu_before;
      cell.status = end == driver::CellEnd::interrupted ? "interrupted" : "complete";
      results.update_cell(cell);
      if (end == driver::CellEnd::interrupted) {
        interrupted = true;
        break;
      }
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (telemetry) telemetry->stop();

  // ---- report, from what the database holds ------------------------------------------------
  run.finished_at = iso8601_utc(wall_now_ns());
  report::RunReport rep = report::build_run_report(results, run.id);
  bool any_cell_failed = false;
  for (auto& cr : rep.cells) {
    if (cr.cell.status == "complete" && cr.summary.requests_ok == 0) {
      cr.cell.status = "failed";
      cr.cell.note = "no request succeeded: " + cr.summary.first_error;
      results.update_cell(cr.cell);
      any_cell_failed = true;
    }
  }
  run.status = interrupted ? "interrupted" : any_cell_failed ? "failed" : "complete";
  results.update_run(run);
  rep.run = run;

  write_file_atomically(out_dir / "summary.json", report::render_summary_json(rep));
  write_file_atomically(out_dir / "summary.md", report::render_summary_markdown(rep));
  if (o.json) {
    std::fputs(report::render_summary_json(rep).c_str(), stdout);
  } else {
    std::fputs(report::render_terminal_table(rep).c_str(), stdout);
  }
  if (!o.quiet) {
    std::fprintf(stderr, "hakari: wrote %s, %s and %s\n", (out_dir / "summary.json").c_str(),
                 (out_dir / "summary.md").c_str(), (out_dir / "results.db").c_str());
  }
  if (interrupted) {
    std::fprintf(stderr, "hakari: interrupted; what was measured is kept\n");
    return kExitInterrupted;
  }
  return any_cell_failed ? kExitFailed : kExitOk;
}

}  // namespace

Command add_run_command(CLI::App& parent) {
  auto opts = std::make_shared<RunOptions>();
  auto* sub = parent.add_subcommand("run", "Benchmark an LLM server at one or more concurrency levels");
  sub->add_option("--target", opts->target, "Base URL of the server, e.g. http://127.0.0.1:8080")->required();
  sub->add_option("--api", opts->api, "API to drive: " + backend::api_choices())->capture_default_str();
  sub->add_option("--model", opts->model, "Model name to request (default: the server's first model)");
  sub->add_option("--concurrency,-c", opts->concurrency, "Concurrency levels, e.g. 1,5,10,20")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--requests,-n", opts->requests, "Measured requests per concurrency level")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  sub->add_option("--warmup", opts->warmup, "Unmeasured warm-up requests before each level")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  sub->add_option("--prompt-tokens", opts->prompt_tokens, "Approximate prompt length in tokens")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str();
  sub->add_option("--max-tokens", opts->max_tokens, "Output tokens per request")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str();
  sub->add_flag("--no-force-length", opts->no_force_length,
                "Do not ask the server to ignore EOS (answers may then be shorter than --max-tokens)");
  sub->add_option("--temperature", opts->temperature, "Sampling temperature to send");
  sub->add_option("--seed", opts->seed, "Sampling seed to send to the server");
  sub->add_option("--prompt-seed", opts->prompt_seed, "Seed of the synthetic prompts")->capture_default_str();
  sub->add_option("--timeout-s", opts->timeout_s, "Per-request time limit")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--idle-timeout-s", opts->idle_timeout_s, "Fail a request after this long without a byte")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--connect-timeout-s", opts->connect_timeout_s, "Connection time limit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--header,-H", opts->headers, "Extra request header 'Name: value' (repeatable)");
  sub->add_option("--api-key", opts->api_key, "Bearer token (default: $HAKARI_API_KEY)");
  sub->add_option("--out,-o", opts->out, "Output folder (default: hakari-results/<date-time>)");
  sub->add_flag("--save-output", opts->save_output, "Store each answer's text in the database");
  sub->add_flag("--quiet,-q", opts->quiet, "No progress on stderr");
  sub->add_flag("--json", opts->json, "Print summary.json on stdout instead of the table");
  sub->add_option("--telemetry-interval-ms", opts->telemetry_interval_ms, "Telemetry sampling interval; 0 turns it off")
      ->check(CLI::Range(0, 60'000))
      ->capture_default_str()
      ->group("Telemetry");
  sub->add_option("--server-pid", opts->server_pid, "The server's process, to measure its CPU and memory")
      ->group("Telemetry");
  sub->add_option("--server-process", opts->server_process, "Find the server's process by name (llama-server, ollama)")
      ->group("Telemetry");
  sub->add_option("--hardware", opts->hardware, "Hardware profile: " + catalog::hardware_keys())->group("Telemetry");
  sub->add_option("--model-bytes", opts->model_bytes,
                  "Bytes read per decode step (the model's weights), when the server does not report them")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 50))
      ->group("Telemetry");
  sub->add_flag("--no-nvml", opts->no_nvml, "Do not load NVIDIA's NVML")->group("Telemetry");
  sub->add_option("--proc-root", opts->proc_root, "Read /proc under this folder (for tests)")->group("");
  sub->add_option("--sys-root", opts->sys_root, "Read /sys under this folder (for tests)")->group("");
  return {sub, [opts] { return run_benchmark(*opts); }};
}

}  // namespace hakari::cli
