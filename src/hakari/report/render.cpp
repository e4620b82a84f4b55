// Human-readable renderings of a run: the terminal table and summary.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "hakari/report/summary.h"

namespace hakari::report {
namespace {

std::string num(double v, int decimals = 1) {
  if (!std::isfinite(v)) return "-";
  return fmt::format("{:.{}f}", v, decimals);
}

std::string with_ci(const metrics::Distribution& d, int decimals = 1) {
  if (d.n == 0) return "-";
  if (d.n < 2 || !std::isfinite(d.ci95_high)) return num(d.mean, decimals);
  return fmt::format("{} ± {}", num(d.mean, decimals), num((d.ci95_high - d.ci95_low) / 2, decimals));
}

std::string gib(std::int64_t bytes) { return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1u << 30)); }

std::string escape_md(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '`' || c == '*' || c == '_' || c == '<' || c == '>' || c == '[' || c == ']') out.push_back('\\');
    out.push_back(c == '\n' ? ' ' : c);
  }
  return out;
}

}  // namespace

namespace {

// A run over several targets or workloads is a matrix: its rows need to say which point.
bool is_matrix(const RunReport& report) {
  for (const auto& cr : report.cells) {
    const auto& first = report.cells.front().cell;
    if (cr.cell.target != first.target || cr.cell.workload != first.workload || cr.cell.repetition != 0) return true;
  }
  return false;
}

// "qwen3-32b/chat" (with " r2" for a repetition), the row label of a matrix.
std::string point_label(const store::CellInfo& c) {
  std::string label = c.target + "/" + c.workload;
  if (c.repetition > 0) label += fmt::format(" r{}", c.repetition + 1);
  return label;
}

std::string cell_label(const RunReport& report, const store::CellInfo& c) {
  return is_matrix(report) ? fmt::format("{} c={}", point_label(c), c.concurrency) : fmt::format("c={}", c.concurrency);
}

}  // namespace

std::string render_terminal_table(const RunReport& report) {
  std::string out;
  const auto& r = report.run;
  if (r.suite_name.empty()) {
    out += fmt::format("hakari run {} · {} · {} {} · model {}{}\n", r.id, r.target_url, r.server_kind, r.server_version,
                       r.server_model.empty() ? "(default)" : r.server_model, r.simulated ? " · SIMULATED" : "");
  } else {
    out += fmt::format("hakari run {} · suite {} · {} cells{}\n", r.id, r.suite_name, report.cells.size(),
                       r.simulated ? " · SIMULATED" : "");
  }
  const bool matrix = is_matrix(report);
  std::size_t width = 0;
  for (const auto& cr : report.cells) width = std::max(width, point_label(cr.cell).size());
  const std::string point_header = matrix ? fmt::format("{:<{}} ", "target/workload", width) : "";
  out += point_header + fmt::format("{:>5} {:>5} {:>5} │ {:>8} {:>8} │ {:>7} {:>7} │ {:>8} │ {:>8} │ {:>10} {:>7}{}\n",
                                    "conc", "ok", "fail", "TTFT p50", "p99", "ITL p50", "p99", "TPOT p50", "E2E p50",
                                    "out tok/s", "req/s", r.slos.empty() ? "" : " │ SLO");
  for (const auto& cr : report.cells) {
    const auto& s = cr.summary;
    std::string row = matrix ? fmt::format("{:<{}} ", point_label(cr.cell), width) : "";
    if (cr.cell.status == "failed" && s.requests_ok == 0) {
      row += fmt::format("{:>5} {:>5} {:>5} │ FAILED: {}\n", cr.cell.concurrency, 0,
                         s.requests_failed + s.requests_cancelled, cr.cell.note);
      out += row;
      continue;
    }
    row += fmt::format("{:>5} {:>5} {:>5} │ {:>8} {:>8} │ {:>7} {:>7} │ {:>8} │ {:>8} │ {:>10} {:>7}", cr.cell.concurrency,
                       s.requests_ok, s.requests_failed + s.requests_cancelled, num(s.ttft_ms.p50), num(s.ttft_ms.p99),
                       num(s.itl_ms.p50, 2), num(s.itl_ms.p99, 2), num(s.tpot_ms.p50, 2), num(s.e2e_ms.p50),
                       num(s.output_tokens_per_s), num(s.request_rate, 2));
    if (!cr.slos.empty()) row += cr.slo_pass() ? " │ pass" : " │ FAIL";
    out += row + "\n";
  }
  out += "latencies in ms; TTFT/ITL/TPOT/E2E as defined in docs/metrics.md\n";
  for (const auto& cr : report.cells) {
    if (!cr.telemetry) continue;
    const auto& t = *cr.telemetry;
    std::string line = fmt::format("{}: CPU {} mean", cell_label(report, cr.cell), num(t.cpu_percent.mean.value_or(NAN), 0) + " %");
    if (!t.gpus.empty() && t.gpus.front().busy_percent.mean) line += fmt::format(", GPU {:.0f} % busy", *t.gpus.front().busy_percent.mean);
    if (t.average_power_w) line += fmt::format(", {:.1f} W", *t.average_power_w);
    if (t.joules_per_output_token) line += fmt::format(", {:.3f} J/token", *t.joules_per_output_token);
    if (t.percent_of_hardware_bandwidth) line += fmt::format(", {:.0f} % of memory bandwidth", *t.percent_of_hardware_bandwidth);
    if (t.throttled && *t.throttled) line += ", THROTTLED";
    out += line + "\n";
  }
  for (const auto& cr : report.cells) {
    if (!cr.summary.first_error.empty()) {
      out += fmt::format("{}: {} failed, e.g. {}\n", cell_label(report, cr.cell), cr.summary.requests_failed,
                         cr.summary.first_error);
    } else if (cr.cell.status == "failed" && !cr.cell.note.empty() && cr.summary.requests_ok > 0) {
      out += fmt::format("{}: {}\n", cell_label(report, cr.cell), cr.cell.note);
    }
  }
  return out;
}

std::string render_summary_markdown(const RunReport& report) {
  const auto& r = report.run;
  std::string md;
  md += fmt::format("# hakari run {} — {}\n\n", r.id, escape_md(r.target_url));
  if (r.simulated) {
    md += "> **Simulated.** These numbers were measured against `hakari sim`, a simulator that speaks the "
          "servers' protocols with a timing model. They describe hakari and the model, not a real deployment.\n\n";
  }
  md += "| | |\n|---|---|\n";
  md += fmt::format("| Target | {} (API `{}`) |\n", escape_md(r.target_url), r.api);
  md += fmt::format("| Server | {} {} |\n", escape_md(r.server_kind), escape_md(r.server_version));
  md += fmt::format("| Model | {} |\n", escape_md(r.server_model.empty() ? "(server default)" : r.server_model));
  md += fmt::format("| Run | {} → {} ({}) |\n", r.started_at, r.finished_at, r.status);
  md += fmt::format("| hakari | {} ({}, {}{}) |\n", r.hakari_version, r.git_commit, r.build_type,
                    r.sanitize.empty() ? "" : ", sanitize=" + r.sanitize);
  md += fmt::format("| Client host | {} · {} CPUs · {} · {} · governor {} |\n", escape_md(r.host_cpu), r.host_cpus,
                    gib(r.host_memory_bytes), escape_md(r.host_kernel), r.cpu_governor.empty() ? "n/a" : r.cpu_governor);
  md += fmt::format("| Command | `{}` |\n\n", r.command_line);

  const bool matrix = is_matrix(report);
  if (matrix) {
    md += "## Targets\n\n| Target | Tool | Model | Quant | Server | Ready after | Memory after load |\n";
    md += "|---|---|---|---|---|---:|---:|\n";
    std::vector<std::string> seen;
    for (const auto& cr : report.cells) {
      const auto& c = cr.cell;
      if (std::find(seen.begin(), seen.end(), c.target) != seen.end()) continue;
      seen.push_back(c.target);
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", escape_md(c.target), escape_md(c.tool),
                        escape_md(c.model), escape_md(c.quant), escape_md(c.server_kind + " " + c.server_version),
                        c.cold_load_ms > 0 ? fmt::format("{:.1f} s", c.cold_load_ms / 1000) : "-",
                        c.memory_after_load_bytes > 0 ? gib(c.memory_after_load_bytes) : "-");
    }
    md += "\n";
  }
  md += "## Results\n\n";
  md += std::string(matrix ? "| Target | Workload | " : "| ") +
        "Concurrency | OK | Failed | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | TPOT p50 | E2E p50 | Output tok/s | Requests/s |" +
        (r.slos.empty() ? "" : " SLO |") + "\n";
  md += std::string(matrix ? "|---|---|" : "|") + "---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" +
        (r.slos.empty() ? "" : "---|") + "\n";
  for (const auto& cr : report.cells) {
    const auto& s = cr.summary;
    if (matrix) {
      md += fmt::format("| {} | {} ", escape_md(cr.cell.target),
                        escape_md(cr.cell.workload + (cr.cell.repetition > 0 ? fmt::format(" (rep {})", cr.cell.repetition + 1) : "")));
    }
    if (cr.cell.status == "failed" && s.requests_ok == 0) {
      md += fmt::format("| {} | 0 | {} | **failed**: {} |||||||{}\n", cr.cell.concurrency,
                        s.requests_failed + s.requests_cancelled, escape_md(cr.cell.note), r.slos.empty() ? "" : "|");
      continue;
    }
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |", cr.cell.concurrency, s.requests_ok,
                      s.requests_failed + s.requests_cancelled, num(s.ttft_ms.p50), num(s.ttft_ms.p99),
                      num(s.itl_ms.p50, 2), num(s.itl_ms.p99, 2), num(s.tpot_ms.p50, 2), num(s.e2e_ms.p50),
                      num(s.output_tokens_per_s), num(s.request_rate, 2));
    if (!r.slos.empty()) {
      std::string verdict = cr.slo_pass() ? "pass" : "**fail**";
      for (const auto& c : cr.slos) {
        if (!c.pass) verdict += fmt::format(" {} {} > {}", c.objective, c.measured ? num(*c.measured, 2) : "n/a", c.limit);
      }
      md += " " + verdict + " |";
    }
    md += "\n";
  }
  md += "\nLatencies in milliseconds. Output tok/s is all successful output tokens over the cell's wall time.\n\n";

  md += "### Means with 95 % confidence intervals\n\n";
  md += "| Concurrency | n | TTFT | ITL | TPOT | E2E |\n|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& cr : report.cells) {
    const auto& s = cr.summary;
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", cr.cell.concurrency, s.requests_ok, with_ci(s.ttft_ms),
                      with_ci(s.itl_ms, 2), with_ci(s.tpot_ms, 2), with_ci(s.e2e_ms));
  }

  md += "\n## How the numbers were measured\n\n";
  for (const auto& cr : report.cells) {
    const auto& c = cr.cell;
    const auto& s = cr.summary;
    md += fmt::format("- Concurrency {}: {} requests (+{} warm-up), prompt ≈{} tokens (server counted {}), "
                      "max {} output tokens",
                      c.concurrency, c.requests_planned, c.warmup_requests, c.prompt_tokens, num(s.prompt_tokens.mean, 0),
                      c.max_tokens);
    if (c.length_forcing.empty()) {
      md += "; this API cannot force the output length, so answers may be shorter";
    } else {
      md += fmt::format("; exact length requested with `{}`", c.length_forcing);
    }
    if (s.short_outputs > 0) md += fmt::format("; **{} answers stopped short**", s.short_outputs);
    std::string sources;
    for (const auto& [k, v] : s.output_count_sources) sources += fmt::format("{}{} ×{}", sources.empty() ? "" : ", ", k, v);
    if (!sources.empty()) md += fmt::format("; output tokens counted by {}", sources);
    md += ".\n";
  }
  bool any_telemetry = false;
  for (const auto& cr : report.cells) any_telemetry = any_telemetry || cr.telemetry.has_value();
  if (any_telemetry) {
    md += "\n## Resources during the measured window\n\n";
    md += "| Concurrency | Client-host CPU mean / peak | Memory peak | GPU busy mean | GPU memory peak | Power mean | "
          "Energy per token | Tokens per joule | Memory bandwidth used | Throttled |\n";
    md += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto& cr : report.cells) {
      if (!cr.telemetry) continue;
      const auto& t = *cr.telemetry;
      auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.0f} %", *v) : std::string("-"); };
      auto gbytes = [](const std::optional<double>& v) { return v ? fmt::format("{:.1f} GiB", *v / (1u << 30)) : std::string("-"); };
      std::string gpu_busy = "-";
      std::string gpu_mem = "-";
      if (!t.gpus.empty()) {
        const auto& g = t.gpus.front();
        gpu_busy = pct(g.busy_percent.mean);
        // On an APU the model lives in GTT; VRAM is only the carve-out.
        gpu_mem = g.unified_memory ? gbytes(g.gtt_used_bytes.peak) + " GTT" : gbytes(g.memory_used_bytes.peak);
      }
      std::string bandwidth = "-";
      if (t.effective_bandwidth_gbs) {
        bandwidth = fmt::format("{:.0f} GB/s", *t.effective_bandwidth_gbs);
        if (t.percent_of_hardware_bandwidth) {
          bandwidth += fmt::format(" ({:.0f} % of {:.0f})", *t.percent_of_hardware_bandwidth, *t.hardware_bandwidth_gbs);
        }
      }
      md += fmt::format("| {} | {} / {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", cr.cell.concurrency,
                        pct(t.cpu_percent.mean), pct(t.cpu_percent.peak), gbytes(t.memory_used_bytes.peak), gpu_busy,
                        gpu_mem, t.average_power_w ? fmt::format("{:.1f} W", *t.average_power_w) : "-",
                        t.joules_per_output_token ? fmt::format("{:.3f} J", *t.joules_per_output_token) : "-",
                        t.output_tokens_per_joule ? fmt::format("{:.2f}", *t.output_tokens_per_joule) : "-", bandwidth,
                        t.throttled ? (*t.throttled ? "**yes**" : "no") : "unknown");
    }
    const auto& first = *std::find_if(report.cells.begin(), report.cells.end(), [](const CellReport& c) {
                           return c.telemetry.has_value();
                         })->telemetry;
    md += fmt::format("\nSampled every {} ms on the request clock. Energy: {}.", r.telemetry_interval_ms,
                      first.energy_basis.empty() ? "not measurable on this machine" : escape_md(first.energy_basis));
    if (r.model_bytes > 0) {
      md += fmt::format(" Memory bandwidth used = {:.2f} GB per decode step ({}) ÷ median TPOT.", r.model_bytes / 1e9,
                        escape_md(r.model_bytes_source));
    }
    md += "\n";
    if (!report.telemetry_notes.empty()) {
      md += "\nNot measured here:\n\n";
      for (const auto& n : report.telemetry_notes) md += "- " + escape_md(n.source + ": " + n.message) + "\n";
    }
  }

  bool any_errors = false;
  for (const auto& cr : report.cells) any_errors = any_errors || !cr.summary.errors.empty();
  if (any_errors) {
    md += "\n## Failed requests\n\n| Concurrency | Reason | Count |\n|---:|---|---:|\n";
    for (const auto& cr : report.cells) {
      for (const auto& [k, v] : cr.summary.errors) md += fmt::format("| {} | {} | {} |\n", cr.cell.concurrency, k, v);
    }
    for (const auto& cr : report.cells) {
      if (!cr.summary.first_error.empty()) {
        md += fmt::format("\nExample at concurrency {}: {}\n", cr.cell.concurrency, escape_md(cr.summary.first_error));
      }
    }
  }
  std::istringstream warnings(r.noise_warnings);
  std::string first_warning;
  for (std::string l; std::getline(warnings, l);) {
    if (l.empty()) continue;
    if (first_warning.empty()) md += "\n## Conditions that may add noise\n\n";
    first_warning = l;
    md += "- " + escape_md(l) + "\n";
  }
  md += "\n## Definitions\n\n"
        "- **TTFT**: request sent → first chunk carrying generated text (role-only chunks do not count).\n"
        "- **ITL**: gap between successive chunks carrying generated text, pooled over all requests.\n"
        "- **TPOT**: (last token − first token) ÷ (output tokens − 1), per request.\n"
        "- **E2E**: request sent → end of the response.\n"
        "- Timestamps are taken in the client's read callback, before parsing, on CLOCK_MONOTONIC.\n";
  return md;
}

}  // namespace hakari::report
