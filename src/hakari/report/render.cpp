// Human-readable renderings of a run: the terminal table and summary.md.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <sstream>
#include <utility>

#include "hakari/report/summary.h"

namespace hakari::report {
namespace {

// Every value that could not be measured reads the same, in every table.
constexpr const char* kMissing = "—";

std::string num(double v, int decimals = 1) {
  if (!std::isfinite(v)) return kMissing;
  return fmt::format("{:.{}f}", v, decimals);
}

std::string with_ci(const metrics::Distribution& d, int decimals = 1) {
  if (d.n == 0) return kMissing;
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

std::string or_missing(const std::string& s) { return s.empty() ? kMissing : s; }

bool several_load_profiles(const RunReport& report) {
  for (const auto& cr : report.cells) {
    if (cr.cell.load_profile != report.cells.front().cell.load_profile) return true;
  }
  return false;
}

// A run over several targets, workloads, load profiles or repetitions is a matrix: its
// rows need to say which point.
bool is_matrix(const RunReport& report) {
  for (const auto& cr : report.cells) {
    const auto& first = report.cells.front().cell;
    if (cr.cell.target != first.target || cr.cell.workload != first.workload ||
        cr.cell.load_profile != first.load_profile || cr.cell.repetition != 0) {
      return true;
    }
  }
  return false;
}

// The workload as a matrix row names it: "chat", "chat · sweep" (several load profiles),
// "chat (rep 2)".
std::string workload_label(const RunReport& report, const store::CellInfo& c) {
  std::string label = c.workload;
  if (several_load_profiles(report)) label += " · " + c.load_profile;
  if (c.repetition > 0) label += fmt::format(" (rep {})", c.repetition + 1);
  return label;
}

// "qwen3-32b/chat" (with "/sweep" when load profiles differ, " r2" for a repetition).
std::string point_label(const RunReport& report, const store::CellInfo& c) {
  std::string label = c.target + "/" + c.workload;
  if (several_load_profiles(report)) label += "/" + c.load_profile;
  if (c.repetition > 0) label += fmt::format(" r{}", c.repetition + 1);
  return label;
}

// A level as people say it: "c=4" (closed loop), "2 req/s" or "2 req/s c≤4" (open loop).
std::string level_label(const store::CellInfo& c) {
  if (c.rate_rps <= 0) return fmt::format("c={}", c.concurrency);
  return c.concurrency > 0 ? fmt::format("{:g} req/s c≤{}", c.rate_rps, c.concurrency) : fmt::format("{:g} req/s", c.rate_rps);
}

// The level in a table's Concurrency column: "4", or "2/s" for an open-loop rate.
std::string level_cell(const store::CellInfo& c) {
  return c.rate_rps > 0 ? fmt::format("{:g}/s", c.rate_rps) : std::to_string(c.concurrency);
}

std::string cell_label(const RunReport& report, const store::CellInfo& c) {
  return is_matrix(report) ? fmt::format("{} {}", point_label(report, c), level_label(c)) : level_label(c);
}

// The Markdown columns that say which point a row is, before "Concurrency".
std::string md_point_header(const RunReport& report) { return is_matrix(report) ? "| Target | Workload " : ""; }
std::string md_point_align(const RunReport& report) { return is_matrix(report) ? "|---|---" : ""; }
std::string md_point_cells(const RunReport& report, const store::CellInfo& c) {
  return is_matrix(report) ? fmt::format("| {} | {} ", escape_md(c.target), escape_md(workload_label(report, c))) : "";
}

// An open loop's schedule in one line: what was offered and how late the answers were
// from it, beside the same from the send; and a level's goodput and degradation.
std::string schedule_line(const CellReport& cr) {
  const auto& s = cr.summary;
  const auto& c = cr.cell;
  std::vector<std::string> parts;
  if (cr.open_loop()) {
    parts.push_back(fmt::format("offered {:g} req/s ({}), achieved {:.2f}; TTFT p50 {} ms from the schedule, {} from the send",
                                c.rate_rps, c.arrival.empty() ? "poisson" : c.arrival, s.request_rate,
                                num(s.ttft_from_schedule_ms.p50), num(s.ttft_ms.p50)));
    if (s.late_requests > 0) {
      parts.push_back(fmt::format("{} sent late (schedule lag p99 {} ms)", s.late_requests, num(s.queue_ms.p99, 2)));
    }
    if (c.never_sent > 0) parts.push_back(fmt::format("{} never sent", c.never_sent));
    if (!c.shard.empty()) parts.push_back("shard " + c.shard);
  } else if (c.never_sent > 0) {
    parts.push_back(fmt::format("{} turns never sent", c.never_sent));
  }
  if (!s.ttft_by_turn_ms.empty()) {
    std::string turns;
    for (const auto& d : s.ttft_by_turn_ms) turns += (turns.empty() ? "" : " ") + num(d.p50);
    parts.push_back("TTFT p50 by turn " + turns + " ms");
  }
  if (c.retention_scored > 0) {
    parts.push_back(fmt::format("context retention {}/{} ({:.0f} %)", c.retention_recalled, c.retention_scored,
                                100.0 * static_cast<double>(c.retention_recalled) / static_cast<double>(c.retention_scored)));
  }
  if (cr.goodput_rps) parts.push_back(fmt::format("goodput {:.2f} req/s", *cr.goodput_rps));
  if (cr.degradation) {
    auto pct = [](double v) { return std::isfinite(v) ? fmt::format("{:+.0f} %", v) : std::string("n/a"); };
    parts.push_back(fmt::format("per request {}, throughput {} vs the lowest level", pct(cr.degradation->per_request_pct),
                                pct(cr.degradation->throughput_pct)));
  }
  std::string line;
  for (const auto& p : parts) line += (line.empty() ? "" : "; ") + p;
  return line;
}

// "across 3 repetitions of target/chat c=4: TTFT p50 51.2 ± 0.8 ms, ..., NOISY: tok/s cv 14 %"
std::string repetition_line(const RepetitionReport& rep) {
  std::string line = fmt::format("across {} repetitions of {}/{} {}:", rep.cells.size(), rep.target, rep.workload,
                                 rep.open_loop ? fmt::format("{:g} req/s", rep.load) : fmt::format("c={:g}", rep.load));
  std::string noisy;
  for (const auto& [name, st] : rep.figures) {
    if (!std::isfinite(st.mean)) continue;
    const double half = (st.ci95_high - st.ci95_low) / 2;
    line += fmt::format(" {} {} ± {};", name, num(st.mean, 2), std::isfinite(half) ? num(half, 2) : std::string(kMissing));
    if (st.noisy) noisy += fmt::format("{}{} (cv {:.0f} %)", noisy.empty() ? "" : ", ", name, st.cv * 100);
  }
  if (!noisy.empty()) line += " NOISY: " + noisy;
  return line;
}

std::string sweep_line(const RunReport& report, const SweepReport& sw) {
  std::string who = sw.target + "/" + sw.workload;
  if (several_load_profiles(report)) who += "/" + sw.load_profile;
  if (sw.repetition > 0) who += fmt::format(" r{}", sw.repetition + 1);
  return fmt::format("knee ({}, by {}): {}", who, sw.open_loop ? "rate" : "concurrency", sw.knee.explanation);
}

// What a row says instead of numbers: {verdict, detail}; nullopt when it has numbers.
std::optional<std::pair<std::string, std::string>> instead_of_numbers(const CellReport& cr) {
  if (cr.cell.status == "skipped") return std::make_pair(std::string("skipped"), cr.cell.note);
  if (!cr.measured() && cr.cut_short()) {
    // Nothing finished: no latency and no objective can be judged, so it is no failure.
    if (cr.cell.status == "interrupted") return std::make_pair(std::string("interrupted"), std::string("not measured"));
    return std::make_pair(std::string("not measured"), std::string("hakari stopped during this cell"));
  }
  if (cr.cell.status == "failed" && cr.summary.requests_ok == 0) {
    return std::make_pair(std::string("failed"), cr.cell.note);
  }
  return std::nullopt;
}

// A measured cell that stopped before its planned requests.
std::string cut_short_word(const CellReport& cr) {
  if (!cr.cut_short()) return {};
  return cr.cell.status == "interrupted" ? "interrupted" : "hakari stopped";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "19.76 GB per step: catalog entry qwen3-32b:q4_k_m".
std::string bytes_per_step(const CellReport& cr) {
  const auto& t = *cr.telemetry;
  return fmt::format("{:.2f} GB per step: {}", t.bytes_per_token.value_or(0) / 1e9, cr.model_bytes_source);
}

// The targets of the run, in order of first appearance.
std::vector<const store::CellInfo*> distinct_targets(const RunReport& report) {
  std::vector<const store::CellInfo*> out;
  for (const auto& cr : report.cells) {
    if (std::none_of(out.begin(), out.end(), [&](const store::CellInfo* c) { return c->target == cr.cell.target; })) {
      out.push_back(&cr.cell);
    }
  }
  return out;
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
  if (const std::string incomplete = incomplete_run_warning(r); !incomplete.empty()) {
    out += "INCOMPLETE RUN: " + incomplete + "\n";
  }
  const bool matrix = is_matrix(report);
  const std::string point_title = "target/workload";
  std::size_t width = point_title.size();
  for (const auto& cr : report.cells) width = std::max(width, point_label(report, cr.cell).size());
  const std::string point_header = matrix ? fmt::format("{:<{}} ", point_title, width) : "";
  out += point_header +
         fmt::format("{:>5} {:>5} {:>5} {:>6} │ {:>8} {:>8} │ {:>7} {:>7} │ {:>8} │ {:>8} │ {:>10} {:>7}{}\n", "conc", "ok",
                     "fail", "cancel", "TTFT p50", "p99", "ITL p50", "p99", "TPOT p50", "E2E p50", "out tok/s", "req/s",
                     r.slos.empty() ? "" : " │ SLO");
  for (const auto& cr : report.cells) {
    const auto& s = cr.summary;
    std::string row = matrix ? fmt::format("{:<{}} ", point_label(report, cr.cell), width) : "";
    row += fmt::format("{:>5} {:>5} {:>5} {:>6} │ ", level_cell(cr.cell), s.requests_ok, s.requests_failed,
                       s.requests_cancelled);
    if (auto instead = instead_of_numbers(cr)) {
      out += row + upper(instead->first) + (instead->second.empty() ? "" : ": " + instead->second) + "\n";
      continue;
    }
    row += fmt::format("{:>8} {:>8} │ {:>7} {:>7} │ {:>8} │ {:>8} │ {:>10} {:>7}", num(s.ttft_ms.p50),
                       num(s.ttft_ms.p99), num(s.itl_ms.p50, 2), num(s.itl_ms.p99, 2), num(s.tpot_ms.p50, 2),
                       num(s.e2e_ms.p50), num(s.output_tokens_per_s), num(s.request_rate, 2));
    if (!cr.slos.empty()) row += cr.slo_pass() ? " │ pass" : " │ FAIL";
    if (cr.cut_short()) row += " · " + cut_short_word(cr);
    out += row + "\n";
  }
  out += "latencies in ms; TTFT/ITL/TPOT/E2E as defined in docs/metrics.md\n";
  for (const auto& cr : report.cells) {
    if (!cr.measured()) continue;
    if (const std::string line = schedule_line(cr); !line.empty()) out += cell_label(report, cr.cell) + ": " + line + "\n";
  }
  for (const auto& sw : report.sweeps) out += sweep_line(report, sw) + "\n";
  for (const auto& rep : report.repetitions) out += repetition_line(rep) + "\n";
  for (const auto& cr : report.cells) {
    if (!cr.telemetry || !cr.measured()) continue;
    const auto& t = *cr.telemetry;
    std::string line = cell_label(report, cr.cell) + ": ";
    line += t.cpu_percent.mean ? fmt::format("CPU {:.0f} % mean", *t.cpu_percent.mean) : "CPU not measured";
    if (!t.gpus.empty() && t.gpus.front().busy_percent.mean) line += fmt::format(", GPU {:.0f} % busy", *t.gpus.front().busy_percent.mean);
    if (t.average_power_w) line += fmt::format(", {:.1f} W", *t.average_power_w);
    if (t.joules_per_output_token) line += fmt::format(", {:.3f} J/token", *t.joules_per_output_token);
    if (cr.bandwidth == BandwidthStatus::measured) {
      line += t.percent_of_hardware_bandwidth
                  ? fmt::format(", {:.0f} % of memory bandwidth", *t.percent_of_hardware_bandwidth)
                  : fmt::format(", {:.0f} GB/s memory bandwidth", *t.effective_bandwidth_gbs);
      line += " (" + bytes_per_step(cr) + ")";
    } else if (cr.bandwidth == BandwidthStatus::implausible) {
      line += ", memory bandwidth IMPLAUSIBLE: " + cr.bandwidth_note;
    }
    if (t.throttled && *t.throttled) line += ", THROTTLED";
    out += line + "\n";
  }
  for (const auto& cr : report.cells) {
    const auto instead = instead_of_numbers(cr);
    const bool note_in_row = instead && instead->second == cr.cell.note;
    // Both are said: a server that died also fails the requests in flight.
    if (!cr.cell.note.empty() && !note_in_row) out += fmt::format("{}: {}\n", cell_label(report, cr.cell), cr.cell.note);
    if (cr.cell.server_output_tokens && !cr.tokens_match()) {
      out += fmt::format("{}: TOKEN COUNTS DISAGREE: the server counted {}, hakari {} (warm-up included)\n",
                         cell_label(report, cr.cell), *cr.cell.server_output_tokens, cr.client_output_tokens_all);
    }
    if (!cr.summary.first_error.empty()) {
      out += fmt::format("{}: {} failed, e.g. {}\n", cell_label(report, cr.cell), cr.summary.requests_failed,
                         cr.summary.first_error);
    }
  }
  return out;
}

std::string render_summary_markdown(const RunReport& report) {
  const auto& r = report.run;
  const bool matrix = is_matrix(report);
  const auto targets = distinct_targets(report);
  std::string md;
  md += fmt::format("# hakari run {} — {}\n\n", r.id,
                    r.suite_name.empty() ? escape_md(or_missing(r.target_url)) : "suite " + escape_md(r.suite_name));
  if (const std::string incomplete = incomplete_run_warning(r); !incomplete.empty()) {
    md += "> **Incomplete run:** " + escape_md(incomplete) + "\n\n";
  }
  if (r.simulated) {
    md += "> **Simulated.** These numbers were measured against `hakari sim`, a simulator that speaks the "
          "servers' protocols with a timing model. They describe hakari and the model, not a real deployment.\n\n";
  }
  md += "| | |\n|---|---|\n";
  if (!r.suite_name.empty()) md += fmt::format("| Suite | {} ({}) |\n", escape_md(r.suite_name), escape_md(r.suite_path));
  if (targets.size() > 1) {
    std::string names;
    for (const auto* c : targets) names += (names.empty() ? "" : ", ") + escape_md(c->target);
    md += fmt::format("| Targets | {}: {} (see Targets below) |\n", targets.size(), names);
  } else {
    // One target: the run's facts where it has them (a --target run), else its cells'.
    const store::CellInfo none{};
    const store::CellInfo& c = targets.empty() ? none : *targets.front();
    auto pick = [](const std::string& run_value, const std::string& cell_value) {
      return run_value.empty() ? cell_value : run_value;
    };
    const std::string api = pick(r.api, c.api);
    md += fmt::format("| Target | {}{} |\n", escape_md(or_missing(pick(r.target_url, c.server_url))),
                      api.empty() ? "" : fmt::format(" (API `{}`)", api));
    const std::string server = pick(r.server_kind, c.server_kind) + " " + pick(r.server_version, c.server_version);
    md += fmt::format("| Server | {} |\n", escape_md(server == " " ? kMissing : server));
    const std::string model = pick(r.server_model, c.model);
    md += fmt::format("| Model | {} |\n", escape_md(model.empty() ? "(server default)" : model));
  }
  md += fmt::format("| Run | {} → {} ({}) |\n", or_missing(r.started_at), or_missing(r.finished_at), r.status);
  md += fmt::format("| hakari | {} ({}, {}{}) |\n", r.hakari_version, r.git_commit, r.build_type,
                    r.sanitize.empty() ? "" : ", sanitize=" + r.sanitize);
  md += fmt::format("| Client host | {} · {} CPUs · {} · {} · governor {} |\n", escape_md(r.host_cpu), r.host_cpus,
                    gib(r.host_memory_bytes), escape_md(r.host_kernel), r.cpu_governor.empty() ? kMissing : r.cpu_governor);
  md += fmt::format("| Command | `{}` |\n\n", r.command_line);

  if (matrix) {
    md += "## Targets\n\n| Target | Tool | Model | Quant | Server | Ready after | Memory after load |\n";
    md += "|---|---|---|---|---|---:|---:|\n";
    for (const auto* c : targets) {
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", escape_md(c->target), escape_md(or_missing(c->tool)),
                        escape_md(or_missing(c->model)), escape_md(or_missing(c->quant)),
                        escape_md(or_missing(c->server_kind + (c->server_version.empty() ? "" : " " + c->server_version))),
                        c->cold_load_ms > 0 ? fmt::format("{:.1f} s", c->cold_load_ms / 1000) : kMissing,
                        c->memory_after_load_bytes > 0 ? gib(c->memory_after_load_bytes) : kMissing);
    }
    md += "\n";
  }
  md += "## Results\n\n";
  md += md_point_header(report) +
        "| Concurrency | OK | Failed | Cancelled | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | TPOT p50 | E2E p50 | "
        "Output tok/s | Requests/s |" +
        (r.slos.empty() ? "" : " SLO |") + "\n";
  md += md_point_align(report) + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" +
        (r.slos.empty() ? "" : "---|") + "\n";
  for (const auto& cr : report.cells) {
    const auto& s = cr.summary;
    md += md_point_cells(report, cr.cell);
    const std::string cut_short = cut_short_word(cr);
    md += fmt::format("| {}{} | {} | {} | {} |", level_cell(cr.cell), cut_short.empty() ? "" : " (" + cut_short + ")",
                      s.requests_ok, s.requests_failed, s.requests_cancelled);
    if (auto instead = instead_of_numbers(cr)) {
      // The verdict fills the first latency column; the other seven (and the SLO's) stay empty.
      md += fmt::format(" **{}**{} ||||||||{}\n", instead->first,
                        instead->second.empty() ? "" : ": " + escape_md(instead->second), r.slos.empty() ? "" : "|");
      continue;
    }
    md += fmt::format(" {} | {} | {} | {} | {} | {} | {} | {} |", num(s.ttft_ms.p50), num(s.ttft_ms.p99),
                      num(s.itl_ms.p50, 2), num(s.itl_ms.p99, 2), num(s.tpot_ms.p50, 2), num(s.e2e_ms.p50),
                      num(s.output_tokens_per_s), num(s.request_rate, 2));
    if (!r.slos.empty()) {
      std::string verdict = cr.slo_pass() ? "pass" : "**fail**";
      for (const auto& c : cr.slos) {
        if (!c.pass) verdict += fmt::format(" {} {} > {}", c.objective, c.measured ? num(*c.measured, 2) : kMissing, c.limit);
      }
      md += " " + verdict + " |";
    }
    md += "\n";
  }
  md += "\nLatencies in milliseconds. Output tok/s is all successful output tokens over the cell's wall time. "
        "— marks what was not measured.\n";
  bool any_note = false;
  for (const auto& cr : report.cells) {
    const auto instead = instead_of_numbers(cr);
    if (cr.cell.note.empty() || (instead && instead->second == cr.cell.note)) continue;
    if (!any_note) md += "\n### Cell notes\n\n";
    any_note = true;
    md += fmt::format("- {}: {}\n", escape_md(cell_label(report, cr.cell)), escape_md(cr.cell.note));
  }

  md += "\n### Means with 95 % confidence intervals\n\n";
  md += md_point_header(report) + "| Concurrency | n | TTFT | ITL | TPOT | E2E |\n" + md_point_align(report) +
        "|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& cr : report.cells) {
    const auto& s = cr.summary;
    md += md_point_cells(report, cr.cell) + fmt::format("| {} | {} | {} | {} | {} | {} |\n", level_cell(cr.cell),
                                                        s.requests_ok, with_ci(s.ttft_ms), with_ci(s.itl_ms, 2),
                                                        with_ci(s.tpot_ms, 2), with_ci(s.e2e_ms));
  }

  const bool any_open = std::any_of(report.cells.begin(), report.cells.end(), [](const CellReport& c) { return c.open_loop(); });
  if (any_open || !report.sweeps.empty()) {
    md += "\n## Load levels\n\n";
    if (any_open) {
      md += "Open-loop levels send each request at its scheduled time; *from the schedule* is what a user arriving "
            "then waited (it includes any wait in the client), *from the send* hides that wait.\n\n";
    }
    md += md_point_header(report) +
          "| Level | Achieved req/s | TTFT p50 from schedule | TTFT p50 from send | E2E p99 from schedule | Late | "
          "Never sent | Goodput req/s | Per request vs lowest | Throughput vs lowest |\n";
    md += md_point_align(report) + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& cr : report.cells) {
      if (!cr.measured()) continue;
      const auto& s = cr.summary;
      auto pct = [](const std::optional<metrics::Degradation>& d, bool per_request) {
        if (!d) return std::string(kMissing);
        const double v = per_request ? d->per_request_pct : d->throughput_pct;
        return std::isfinite(v) ? fmt::format("{:+.0f} %", v) : std::string(kMissing);
      };
      md += md_point_cells(report, cr.cell) +
            fmt::format("| {} | {:.2f} | {} | {} | {} | {} | {} | {} | {} | {} |\n", level_label(cr.cell), s.request_rate,
                        num(s.ttft_from_schedule_ms.p50), num(s.ttft_ms.p50), num(s.e2e_from_schedule_ms.p99),
                        s.late_requests, cr.cell.never_sent,
                        cr.goodput_rps ? fmt::format("{:.2f}", *cr.goodput_rps) : std::string(kMissing),
                        pct(cr.degradation, true), pct(cr.degradation, false));
    }
    for (const auto& sw : report.sweeps) md += "\n- " + escape_md(sweep_line(report, sw));
    if (!report.sweeps.empty()) md += "\n";
  }
  if (!report.repetitions.empty()) {
    md += "\n## Across repetitions\n\nEach figure's mean over the repetitions of a level, ± the half-width of its 95 % "
          "confidence interval (Student's t); **noisy** when the repetitions' coefficient of variation passes 10 %.\n\n";
    md += "| Level | n | TTFT p50 | TPOT p50 | E2E p50 | Output tok/s | Requests/s | |\n|---|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto& rep : report.repetitions) {
      md += fmt::format("| {}/{} {} | {} |", escape_md(rep.target), escape_md(rep.workload),
                        rep.open_loop ? fmt::format("{:g} req/s", rep.load) : fmt::format("c={:g}", rep.load), rep.cells.size());
      for (const auto& [name, st] : rep.figures) {
        const double half = (st.ci95_high - st.ci95_low) / 2;
        md += std::isfinite(st.mean) ? fmt::format(" {} ± {}{} |", num(st.mean, 2), num(half, 2), st.noisy ? " ⚠" : "")
                                     : fmt::format(" {} |", kMissing);
      }
      md += rep.noisy() ? " **noisy** |\n" : " |\n";
    }
  }
  md += "\n## How the numbers were measured\n\n";
  for (const auto& cr : report.cells) {
    const auto& c = cr.cell;
    const auto& s = cr.summary;
    md += fmt::format("- {}: {} requests (+{} warm-up), prompt ≈{} tokens (server counted {}), max {} output tokens",
                      matrix ? escape_md(cell_label(report, c))
                             : c.rate_rps > 0 ? level_label(c)
                                              : fmt::format("Concurrency {}", c.concurrency),
                      c.requests_planned, c.warmup_requests, c.prompt_tokens, num(s.prompt_tokens.mean, 0), c.max_tokens);
    if (!c.workload_detail.empty()) md += "; " + escape_md(c.workload_detail);
    if (c.length_forcing.empty()) {
      md += "; this API cannot force the output length, so answers may be shorter";
    } else {
      md += fmt::format("; exact length requested with `{}`", c.length_forcing);
    }
    if (s.short_outputs > 0) md += fmt::format("; **{} answers stopped short**", s.short_outputs);
    std::string sources;
    for (const auto& [k, v] : s.output_count_sources) sources += fmt::format("{}{} ×{}", sources.empty() ? "" : ", ", k, v);
    if (!sources.empty()) md += fmt::format("; output tokens counted by {}", sources);
    if (c.server_output_tokens) {
      md += cr.tokens_match()
                ? fmt::format("; the server's own counter agrees ({} tokens, warm-up included)", *c.server_output_tokens)
                : fmt::format("; **the server's own counter says {} tokens, hakari counted {}** (warm-up included)",
                              *c.server_output_tokens, cr.client_output_tokens_all);
    }
    if (s.requests_resent > 0) {
      md += fmt::format("; {} sent again on a fresh connection after the server closed a kept-alive one",
                        s.requests_resent);
    }
    md += ".\n";
  }
  const auto with_telemetry = std::find_if(report.cells.begin(), report.cells.end(),
                                           [](const CellReport& c) { return c.telemetry.has_value(); });
  if (with_telemetry != report.cells.end()) {
    md += "\n## Resources during the measured window\n\n";
    md += md_point_header(report) +
          "| Concurrency | Client-host CPU mean / peak | Memory peak | GPU busy mean | GPU memory peak | Power mean | "
          "Energy per token | Tokens per joule | Memory bandwidth used | Throttled |\n";
    md += md_point_align(report) + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto& cr : report.cells) {
      if (!cr.telemetry) continue;
      const auto& t = *cr.telemetry;
      auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.0f} %", *v) : std::string(kMissing); };
      auto gbytes = [](const std::optional<double>& v) {
        return v ? fmt::format("{:.1f} GiB", *v / (1u << 30)) : std::string(kMissing);
      };
      std::string gpu_busy = kMissing;
      std::string gpu_mem = kMissing;
      if (!t.gpus.empty()) {
        const auto& g = t.gpus.front();
        gpu_busy = pct(g.busy_percent.mean);
        // On an APU the model lives in GTT; VRAM is only the carve-out.
        gpu_mem = g.unified_memory ? gbytes(g.gtt_used_bytes.peak) + " GTT" : gbytes(g.memory_used_bytes.peak);
      }
      std::string bandwidth = kMissing;
      if (cr.bandwidth == BandwidthStatus::measured) {
        bandwidth = fmt::format("{:.0f} GB/s", *t.effective_bandwidth_gbs);
        if (t.percent_of_hardware_bandwidth) {
          bandwidth += fmt::format(" ({:.0f} % of {:.0f})", *t.percent_of_hardware_bandwidth, *t.hardware_bandwidth_gbs);
        }
      } else if (cr.bandwidth == BandwidthStatus::implausible) {
        bandwidth = "**implausible** (see below)";
      }
      md += md_point_cells(report, cr.cell) +
            fmt::format("| {} | {} / {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", level_cell(cr.cell),
                        pct(t.cpu_percent.mean), pct(t.cpu_percent.peak), gbytes(t.memory_used_bytes.peak), gpu_busy,
                        gpu_mem, t.average_power_w ? fmt::format("{:.1f} W", *t.average_power_w) : kMissing,
                        t.joules_per_output_token ? fmt::format("{:.3f} J", *t.joules_per_output_token) : kMissing,
                        t.output_tokens_per_joule ? fmt::format("{:.2f}", *t.output_tokens_per_joule) : kMissing,
                        bandwidth, t.throttled ? (*t.throttled ? "**yes**" : "no") : "unknown");
    }
    const auto& first = *with_telemetry->telemetry;
    md += fmt::format("\nSampled every {} ms on the request clock. Energy: {}.\n", r.telemetry_interval_ms,
                      first.energy_basis.empty() ? "not measurable on this machine" : escape_md(first.energy_basis));
    // Where each target's bytes per decode step came from, once per target.
    std::vector<std::string> sources;
    std::vector<std::pair<std::string, std::string>> withheld;  // note, targets
    for (const auto& cr : report.cells) {
      if (!cr.telemetry) continue;
      if (!cr.model_bytes_source.empty()) {
        const std::string line = (targets.size() > 1 ? escape_md(cr.cell.target) + ": " : "") + escape_md(bytes_per_step(cr));
        if (std::find(sources.begin(), sources.end(), line) == sources.end()) sources.push_back(line);
      } else if (!cr.bandwidth_note.empty()) {
        auto it = std::find_if(withheld.begin(), withheld.end(), [&](const auto& w) { return w.first == cr.bandwidth_note; });
        if (it == withheld.end()) it = withheld.insert(withheld.end(), std::make_pair(cr.bandwidth_note, std::string()));
        if (it->second.find(cr.cell.target) == std::string::npos) {
          it->second += (it->second.empty() ? "" : ", ") + cr.cell.target;
        }
      }
    }
    if (!sources.empty()) {
      md += "\nMemory bandwidth used = bytes a decode step reads ÷ median TPOT, with bytes per step from:\n\n";
      for (const auto& s : sources) md += "- " + s + "\n";
    }
    bool any_implausible = false;
    for (const auto& cr : report.cells) {
      if (cr.bandwidth != BandwidthStatus::implausible) continue;
      if (!any_implausible) md += "\nMemory bandwidth not shown as a measurement, because it exceeds the hardware's:\n\n";
      any_implausible = true;
      md += fmt::format("- {}: {}\n", escape_md(cell_label(report, cr.cell)), escape_md(cr.bandwidth_note));
    }
    for (const auto& [note, names] : withheld) {
      md += fmt::format("\nMemory bandwidth not measured{}: {}.\n", targets.size() > 1 ? " for " + escape_md(names) : "",
                        escape_md(note));
    }
    if (!report.telemetry_notes.empty()) {
      md += "\nNot measured here:\n\n";
      for (const auto& n : report.telemetry_notes) md += "- " + escape_md(n.source + ": " + n.message) + "\n";
    }
  }

  bool any_errors = false;
  for (const auto& cr : report.cells) any_errors = any_errors || !cr.summary.errors.empty();
  if (any_errors) {
    md += "\n## Failed requests\n\n" + md_point_header(report) + "| Concurrency | Reason | Count |\n" +
          md_point_align(report) + "|---:|---|---:|\n";
    for (const auto& cr : report.cells) {
      for (const auto& [k, v] : cr.summary.errors) {
        md += md_point_cells(report, cr.cell) + fmt::format("| {} | {} | {} |\n", level_cell(cr.cell), k, v);
      }
    }
    for (const auto& cr : report.cells) {
      if (!cr.summary.first_error.empty()) {
        md += fmt::format("\nExample at {}: {}\n", escape_md(cell_label(report, cr.cell)), escape_md(cr.summary.first_error));
      }
    }
  }
  std::istringstream warnings(r.noise_warnings);
  bool any_warning = false;
  for (std::string l; std::getline(warnings, l);) {
    if (l.empty()) continue;
    if (!any_warning) md += "\n## Conditions that may add noise\n\n";
    any_warning = true;
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
