// `hakari telemetry`: what this machine (and, given --target, its server) is doing now —
// a refreshing view until Ctrl-C, or one snapshot as JSON for scripts.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/telemetry_session.h"
#include "hakari/backend/probe.h"
#include "hakari/telemetry/snapshot_json.h"

namespace hakari::cli {
namespace {

struct TelemetryCommandOptions {
  bool once = false;
  bool json = false;
  int interval_ms = 1000;
  std::string target;
  int pid = 0;
  std::string process;
  std::string hardware;
  std::string proc_root = "/";
  std::string sys_root = "/";
  bool no_nvml = false;
};

std::atomic<bool> g_stop_view{false};
extern "C" void on_view_signal(int) { g_stop_view = true; }

std::string gib(double bytes) { return fmt::format("{:.1f}", bytes / (1u << 30)); }

template <typename T>
std::string opt(const std::optional<T>& v, const char* format_spec, const char* unit) {
  if (!v) return "n/a";
  return fmt::format(fmt::runtime(format_spec), static_cast<double>(*v)) + unit;
}

std::string render_text(const telemetry::Snapshot& s, const catalog::HardwareProfile* hw,
                        const std::vector<std::string>& notes) {
  std::string out;
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  out += fmt::format("hakari telemetry · {} · {}\n", when, hw ? std::string(hw->name) : "hardware not recognised");
  if (s.cpu) {
    out += fmt::format("CPU     {}", opt(s.cpu->percent, "{:5.1f}", " %"));
    if (!s.cpu->per_core_percent.empty()) {
      out += "   cores ";
      for (double p : s.cpu->per_core_percent) out += p < 12.5 ? "▁" : p < 37.5 ? "▃" : p < 62.5 ? "▅" : p < 87.5 ? "▇" : "█";
    }
    out += "\n";
  }
  if (s.memory) {
    out += fmt::format("Memory  {} / {} GiB used, swap {} GiB\n", gib(static_cast<double>(s.memory->used_bytes)),
                       gib(static_cast<double>(s.memory->total_bytes)), gib(static_cast<double>(s.memory->swap_used_bytes)));
  }
  for (const auto& g : s.gpus) {
    out += fmt::format("GPU     {} {}{}\n", g.id, g.name, g.unified_memory ? " (unified memory)" : "");
    out += fmt::format("        busy {}  VRAM {}/{} GiB", opt(g.busy_percent, "{:.0f}", " %"),
                       g.memory_used_bytes ? gib(static_cast<double>(*g.memory_used_bytes)) : "n/a",
                       g.memory_total_bytes ? gib(static_cast<double>(*g.memory_total_bytes)) : "n/a");
    if (g.gtt_total_bytes) {
      out += fmt::format("  GTT {}/{} GiB", g.gtt_used_bytes ? gib(static_cast<double>(*g.gtt_used_bytes)) : "n/a",
                         gib(static_cast<double>(*g.gtt_total_bytes)));
    }
    out += fmt::format("  power {}{}  {}  sclk {}{}\n", opt(g.power_w, "{:.1f}", " W"),
                       g.power_scope == "soc" ? " (whole SoC)" : "", opt(g.temperature_c, "{:.0f}", " °C"),
                       opt(g.sclk_mhz, "{:.0f}", " MHz"),
                       g.throttled && *g.throttled ? "  THROTTLED " + g.throttle_reasons : "");
  }
  for (const auto& e : s.energy) out += fmt::format("Energy  {} ({}) {:.1f} J since start\n", e.id, e.scope, e.joules);
  for (const auto& x : s.sensors) {
    out += fmt::format("Sensor  {} {:.1f} {}\n", x.id, x.value,
                       x.kind == "temperature_c" ? "°C" : x.kind == "power_w" ? "W" : "rpm");
  }
  if (s.server_process) {
    const auto& p = *s.server_process;
    out += fmt::format("Server  pid {} ({} processes)  CPU {}  RSS {} GiB\n", p.root_pid, p.process_count,
                       opt(p.cpu_percent, "{:.0f}", " %"), gib(static_cast<double>(p.rss_bytes)));
  }
  if (s.server) {
    const auto& v = *s.server;
    out += fmt::format("Server  {}: running {}  waiting {}  KV cache {}\n", v.source, opt(v.requests_running, "{:.0f}", ""),
                       opt(v.requests_waiting, "{:.0f}", ""),
                       v.kv_cache_usage ? fmt::format("{:.0f} %", *v.kv_cache_usage * 100) : "n/a");
  }
  for (const auto& n : notes) out += "note: " + n + "\n";
  return out;
}

int show_telemetry(const TelemetryCommandOptions& o) {
  if (!o.hardware.empty() && !catalog::find_hardware(o.hardware)) {
    std::fprintf(stderr, "hakari telemetry: --hardware: unknown profile '%s' (choose from %s)\n", o.hardware.c_str(),
                 catalog::hardware_keys().c_str());
    return kExitUsage;
  }
  std::optional<backend::ServerInfo> server;
  if (!o.target.empty()) {
    std::string error;
    auto base = backend::normalize_base_url(o.target, error);
    if (!base) {
      std::fprintf(stderr, "hakari telemetry: --target: %s\n", error.c_str());
      return kExitUsage;
    }
    server = backend::probe_server(*base, 2 * kNanosPerSecond, {}, error);
    if (!server) {
      std::fprintf(stderr, "hakari telemetry: %s\n", error.c_str());
      return kExitFailed;
    }
  }
  TelemetryOptions t;
  t.interval = o.interval_ms * kNanosPerMilli;
  t.server_pid = o.pid;
  t.server_process = o.process;
  t.proc_root = o.proc_root;
  t.sys_root = o.sys_root;
  t.nvml = !o.no_nvml;
  t.hardware = o.hardware;
  TelemetrySession session(t, server ? &*server : nullptr, {});
  session.first_snapshot();

  if (o.once) {
    // Rates (CPU %) need two readings: one interval apart.
    std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
    const telemetry::Snapshot s = session.recorder().sample_now();
    const std::string text = o.json ? telemetry::snapshot_to_json(s, session.hardware(), session.notes())
                                    : render_text(s, session.hardware(), session.notes());
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  std::signal(SIGINT, on_view_signal);
  std::signal(SIGTERM, on_view_signal);
  const bool tty = isatty(STDOUT_FILENO) != 0;
  while (!g_stop_view) {
    std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
    if (g_stop_view) break;
    const telemetry::Snapshot s = session.recorder().sample_now();
    const std::string text = o.json ? telemetry::snapshot_to_json(s, session.hardware(), {}, 0) + "\n"
                                    : render_text(s, session.hardware(), session.notes());
    // A terminal gets a refreshing screen; a pipe gets one record after another.
    if (tty && !o.json) std::fputs("\033[H\033[2J", stdout);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

Command add_telemetry_command(CLI::App& parent) {
  auto opts = std::make_shared<TelemetryCommandOptions>();
  auto* sub = parent.add_subcommand("telemetry", "Show CPU, memory, GPU, power and server load now (Ctrl-C stops)");
  sub->add_flag("--once", opts->once, "Print one snapshot and exit");
  sub->add_flag("--json", opts->json, "JSON instead of text (one object per line when refreshing)");
  sub->add_option("--interval-ms", opts->interval_ms, "Refresh interval")->check(CLI::Range(50, 60'000))->capture_default_str();
  sub->add_option("--target", opts->target, "Also ask this server about itself (and follow its process)");
  sub->add_option("--pid", opts->pid, "Follow this server process tree");
  sub->add_option("--process", opts->process, "Follow the process with this name (llama-server, ollama, vllm)");
  sub->add_option("--hardware", opts->hardware, "Hardware profile (default: recognise this machine)");
  sub->add_flag("--no-nvml", opts->no_nvml, "Do not load NVIDIA's NVML");
  sub->add_option("--proc-root", opts->proc_root, "Read /proc under this folder (for tests)")->group("");
  sub->add_option("--sys-root", opts->sys_root, "Read /sys under this folder (for tests)")->group("");
  return {sub, [opts] { return show_telemetry(*opts); }};
}

}  // namespace hakari::cli
