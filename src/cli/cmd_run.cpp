// `hakari run`: benchmark one server (--target URL) or a whole suite file. Both go through
// the same runner: a one-target run is a suite of one attached target.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cli/suite_runner.h"
#include "hakari/backend/api.h"
#include "hakari/backend/probe.h"
#include "hakari/catalog/hardware.h"
#include "hakari/load/duration.h"
#include "hakari/load/length_distribution.h"
#include "hakari/load/rate_curve.h"
#include "hakari/load/schedule.h"
#include "hakari/load/weighted_choice.h"
#include "hakari/metrics/objectives.h"
#include "hakari/suite/suite.h"
#include "hakari/transport/http_client.h"

namespace hakari::cli {
namespace {

struct RunOptions {
  std::string suite_file;
  bool resume = false;
  std::string target;
  std::string api = "auto";
  std::string model;
  std::vector<std::string> concurrency_items{"1"};  // as typed: "1,5,10" (checked by parse_concurrency)
  std::vector<int> concurrency;
  bool concurrency_given = false;
  std::vector<std::string> rate_items;  // "1,2,4": open-loop levels in requests per second
  std::vector<double> rates;
  std::string arrival = "poisson";
  double burstiness = 1.0;
  std::string duration;  // per level: "90s", "10m", "24h"
  std::string curve;  // "business" or "hour:rate,..."
  std::string warmup_time;
  std::string cooldown_time;
  std::string shard;     // "I/N"
  std::string slo;       // "ttft_p99_ms=2000,tpot_p50_ms=100"
  int requests = 20;
  bool requests_given = false;
  int repetitions = 0;  // 0: the suite's (1 for --target)
  bool ramp = false;
  double max_error_rate = 0.05;
  int warmup = 1;
  std::int64_t prompt_tokens = 128;
  std::int64_t max_tokens = 128;
  bool prompt_tokens_given = false;
  bool max_tokens_given = false;
  // What to send (see suite::Workload).
  std::string workload = "synthetic";
  std::string lang = "en";
  std::string document;
  int turns = 10;
  std::string dataset;
  std::string format = "auto";
  bool shuffle = false;
  std::string trace;
  double replay_speed = 1;
  std::string mix;  // "story:3,chat:1"
  std::string prompt_lengths;
  std::string output_lengths;
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
  bool telemetry_interval_given = false;
  int server_pid = 0;
  std::string server_process;
  std::string hardware;
  std::int64_t model_bytes = 0;
  bool no_nvml = false;
  std::string proc_root = "/";
  std::string sys_root = "/";
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "hakari run: %s\n", message.c_str());
  return kExitUsage;
}

// "-c 1,5,10" (or "-c 1 -c 5"): whole numbers in 1..4096, none empty, each once; a level
// given twice would be two cells under one key. Returns the mistake, or "" when all is well.
std::string parse_concurrency(const std::vector<std::string>& items, std::vector<int>& levels) {
  levels.clear();
  for (const auto& item : items) {
    std::size_t start = 0;
    while (true) {
      const std::size_t end = std::min(item.find(',', start), item.size());
      const std::string text = item.substr(start, end - start);
      if (text.empty()) return "'" + item + "' has an empty level; give levels like 1,5,10";
      if (text.find("..") != std::string::npos) {  // a range: 1..64x2
        std::string error;
        const auto range = load::parse_level_range(text, error);
        if (!range) return error;
        for (double v : *range) {
          if (v != std::floor(v) || v < 1 || v > 4096) return "'" + text + "' reaches " + fmt::format("{:g}", v) + ", not a whole number in 1..4096";
          if (std::find(levels.begin(), levels.end(), static_cast<int>(v)) != levels.end()) {
            return fmt::format("{:g} is given twice; each level is measured once", v);
          }
          levels.push_back(static_cast<int>(v));
        }
        if (end == item.size()) break;
        start = end + 1;
        continue;
      }
      int level = 0;
      const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), level);
      if (ec != std::errc() || p != text.data() + text.size()) return "'" + text + "' is not a whole number";
      if (level < 1 || level > 4096) return text + " is not in 1..4096";
      if (std::find(levels.begin(), levels.end(), level) != levels.end()) {
        return text + " is given twice; each level is measured once";
      }
      levels.push_back(level);
      if (end == item.size()) break;
      start = end + 1;
    }
  }
  return {};
}

// "--rate 0.5,1,2": positive numbers, none empty, each once.
std::string parse_rates(const std::vector<std::string>& items, std::vector<double>& rates) {
  rates.clear();
  for (const auto& item : items) {
    std::size_t start = 0;
    while (true) {
      const std::size_t end = std::min(item.find(',', start), item.size());
      const std::string text = item.substr(start, end - start);
      if (text.empty()) return "'" + item + "' has an empty rate; give requests per second like 0.5,1,2";
      if (text.find("..") != std::string::npos) {  // a range: 1..64x2
        std::string error;
        const auto range = load::parse_level_range(text, error);
        if (!range) return error;
        for (double v : *range) {
          if (v < 0.001 || v > 1'000'000) return "'" + text + "' reaches " + fmt::format("{:g}", v) + ", not in 0.001..1000000";
          if (std::find(rates.begin(), rates.end(), v) != rates.end()) return fmt::format("{:g} is given twice; each level is measured once", v);
          rates.push_back(v);
        }
        if (end == item.size()) break;
        start = end + 1;
        continue;
      }
      double rate = 0;
      const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), rate);
      if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(rate)) {
        return "'" + text + "' is not a number of requests per second";
      }
      if (rate < 0.001 || rate > 1'000'000) return text + " is not in 0.001..1000000 requests per second";
      if (std::find(rates.begin(), rates.end(), rate) != rates.end()) return text + " is given twice; each level is measured once";
      rates.push_back(rate);
      if (end == item.size()) break;
      start = end + 1;
    }
  }
  return {};
}

// The workload flags agree with --workload and name readable files.
std::string check_workload_flags(const RunOptions& o) {
  static const std::vector<std::string> kinds{"synthetic", "story", "summarize", "chat", "dataset", "mix", "replay"};
  if (std::find(kinds.begin(), kinds.end(), o.workload) == kinds.end()) {
    return "--workload: unknown '" + o.workload + "' (choose synthetic, story, summarize, chat, dataset, mix or replay)";
  }
  if (o.lang != "en" && o.lang != "ja") return "--lang: en or ja, not '" + o.lang + "'";
  if (o.format != "auto" && o.format != "jsonl" && o.format != "sharegpt") {
    return "--dataset-format: jsonl, sharegpt or auto, not '" + o.format + "'";
  }
  for (const auto& [flag, path] : {std::pair<const char*, std::string>{"--document", o.document},
                                   {"--dataset", o.dataset},
                                   {"--trace", o.trace}}) {
    std::error_code ec;
    if (!path.empty() && !std::filesystem::is_regular_file(path, ec)) return std::string(flag) + ": no file " + path;
  }
  auto uses = [&](const char* kind) {
    return o.workload == kind || (o.workload == "mix" && o.mix.find(kind) != std::string::npos);
  };
  if (uses("dataset") && o.dataset.empty()) return "--workload dataset needs --dataset FILE (JSONL or ShareGPT)";
  if (o.workload == "replay" && o.trace.empty()) return "--workload replay needs --trace FILE";
  if (o.workload == "replay" && !o.rate_items.empty()) return "--workload replay sends on the trace's clock: leave out --rate";
  if (o.workload == "mix") {
    if (o.mix.empty()) return "--workload mix needs --mix, e.g. story:3,chat:1";
    std::string error;
    const auto choice = load::WeightedChoice::parse(o.mix, error);
    if (!choice) return "--mix: " + error;
    for (const auto& name : choice->names()) {
      if (name == "mix" || name == "replay" || std::find(kinds.begin(), kinds.end(), name) == kinds.end()) {
        return "--mix: '" + name + "' is not a workload a mix can hold (synthetic, story, summarize, chat, dataset)";
      }
    }
  } else if (!o.mix.empty()) {
    return "--mix is for --workload mix";
  }
  for (const auto& [flag, text] : {std::pair<const char*, std::string>{"--prompt-lengths", o.prompt_lengths},
                                   {"--output-lengths", o.output_lengths}}) {
    std::string error;
    if (!text.empty() && !load::LengthDistribution::parse(text, error)) return std::string(flag) + ": " + error;
  }
  return {};
}

// Time limits in seconds. Under a millisecond a limit rounds to 0, which the client reads
// as "no limit"; NaN compares false with everything, so it is refused by name.
std::string check_seconds(double seconds) {
  if (std::isfinite(seconds) && seconds >= 0.001 && seconds <= 86'400) return {};
  return fmt::format("{}", seconds) + " is not a time limit; give seconds from 0.001 to 86400";
}

// The flags' single target as a suite: one attached server, one workload, one load profile.
suite::Suite suite_from_flags(const RunOptions& o, const std::string& base_url) {
  suite::Suite s;
  s.name = "run";
  s.output = o.out;
  s.telemetry_interval_ms = o.telemetry_interval_ms;
  s.repetitions = std::max(o.repetitions, 1);
  suite::SuiteTarget t;
  t.spec.name = "target";
  t.spec.url = base_url;
  t.api = o.api;
  s.targets.push_back(t);
  // The flags' workload; a mix's parts are workloads of their own, one a kind, with the
  // same settings.
  auto workload_of = [&](const std::string& name, const std::string& kind) {
    suite::Workload w;
    w.name = name;
    w.kind = kind;
    // Each kind's natural lengths unless the flags say otherwise (see suite.h).
    if (kind == "story") w.max_tokens = 2000;
    if (kind == "summarize") w.prompt_tokens = 5000, w.max_tokens = 200;
    if (o.prompt_tokens_given) w.prompt_tokens = o.prompt_tokens;
    if (o.max_tokens_given || (kind != "story" && kind != "summarize")) w.max_tokens = o.max_tokens;
    w.prompt_lengths = o.prompt_lengths;
    w.output_lengths = o.output_lengths;
    w.force_length = !o.no_force_length;
    w.temperature = o.temperature;
    w.seed = o.seed;
    w.lang = o.lang;
    w.document = o.document;
    w.turns = o.turns;
    w.dataset = o.dataset;
    w.format = o.format;
    w.shuffle = o.shuffle;
    w.trace = o.trace;
    w.speed = o.replay_speed;
    return w;
  };
  if (o.workload == "mix") {
    std::string error;
    const auto choice = load::WeightedChoice::parse(o.mix, error);  // checked in run_command
    suite::Workload mix = workload_of("default", "mix");
    for (std::size_t i = 0; i < choice->names().size(); ++i) {
      const std::string& kind = choice->names()[i];
      mix.mix.emplace_back(kind, choice->probability(i));
      s.workloads.push_back(workload_of(kind, kind));
      s.workloads.back().own_cells = false;
    }
    s.workloads.insert(s.workloads.begin(), mix);
  } else {
    s.workloads.push_back(workload_of("default", o.workload));
  }
  suite::LoadProfile l;
  l.name = "default";
  l.concurrency = o.concurrency;
  l.rates = o.rates;
  if (!o.rates.empty()) {
    // Open loop: -c, when given, is the most in flight at once.
    l.concurrency = {o.concurrency_given ? o.concurrency.front() : 0};
    l.arrival = o.arrival;
    l.burstiness = o.burstiness;
    l.curve = o.curve;
  }
  if (!o.duration.empty()) {
    std::string error;
    l.duration = load::parse_duration(o.duration, error).value_or(0);
  }
  for (auto [text, slot] : {std::pair<const std::string*, Nanos*>{&o.warmup_time, &l.warmup_time}, {&o.cooldown_time, &l.cooldown_time}}) {
    std::string error;
    if (!text->empty()) *slot = load::parse_duration(*text, error).value_or(0);
  }
  l.requests = o.requests;
  l.requests_given = o.requests_given || o.duration.empty();
  l.ramp = o.ramp;
  l.max_error_rate = o.max_error_rate;
  l.warmup = o.warmup;
  l.timeout_s = o.timeout_s;
  l.idle_timeout_s = o.idle_timeout_s;
  s.loads.push_back(l);
  std::string error;
  if (!o.slo.empty()) s.slos = metrics::objectives_text(metrics::parse_objectives(o.slo, error).value_or(std::vector<metrics::Objective>{}));
  return s;
}

int run_command(const RunOptions& o) {
  // ---- validate everything before touching the network or the disk ---------------------
  if (o.suite_file.empty() == o.target.empty()) {
    return usage_error(o.target.empty() ? "give a suite file or --target URL"
                                        : "give a suite file or --target URL, not both");
  }
  RunSettings settings;
  if (o.api != "auto") {
    settings.api = backend::parse_api(o.api);
    if (!settings.api) return usage_error("--api: unknown API '" + o.api + "' (choose from " + backend::api_choices() + ")");
  }
  RunOptions flags = o;
  if (auto mistake = parse_concurrency(o.concurrency_items, flags.concurrency); !mistake.empty()) {
    return usage_error("--concurrency: " + mistake);
  }
  if (auto mistake = parse_rates(o.rate_items, flags.rates); !mistake.empty()) return usage_error("--rate: " + mistake);
  if (!flags.rates.empty() && flags.concurrency_given && flags.concurrency.size() != 1) {
    return usage_error("--concurrency: with --rate it is one number, the most requests in flight at once");
  }
  if (!load::parse_arrival(o.arrival)) return usage_error("--arrival: unknown '" + o.arrival + "' (choose poisson, gamma or constant)");
  if (!std::isfinite(o.burstiness) || o.burstiness < 0.01 || o.burstiness > 100) {
    return usage_error("--burstiness: give a number from 0.01 to 100 (1 is Poisson; below 1 burstier)");
  }
  if (o.burstiness != 1.0 && o.arrival != "gamma") return usage_error("--burstiness applies to --arrival gamma");
  Nanos duration = 0;
  Nanos windows = 0;
  for (auto [flag, text] : {std::pair<const char*, const std::string*>{"--duration", &o.duration},
                            {"--warmup-time", &o.warmup_time},
                            {"--cooldown-time", &o.cooldown_time}}) {
    if (text->empty()) continue;
    std::string error;
    const auto d = load::parse_duration(*text, error);
    if (!d) return usage_error(std::string(flag) + ": " + error);
    (std::string(flag) == "--duration" ? duration : windows) += *d;
  }
  if (!o.curve.empty()) {
    std::string error;
    if (o.curve != "business" && !load::RateCurve::parse(o.curve, error)) return usage_error("--curve: " + error + " (or business)");
    if (flags.rates.size() != 1 || duration == 0) {
      return usage_error("--curve needs one --rate (the peak) and the --duration the day is compressed into");
    }
  }
  if (!o.cooldown_time.empty() && (duration == 0 || windows >= duration)) {
    return usage_error("--cooldown-time needs a --duration longer than the warm-up and cool-down together");
  }
  if (!o.slo.empty()) {
    std::string error;
    if (!metrics::parse_objectives(o.slo, error)) return usage_error("--slo: " + error);
  }
  if (auto mistake = check_workload_flags(o); !mistake.empty()) return usage_error(mistake);
  if (!o.shard.empty()) {
    std::string error;
    settings.shard = load::parse_shard(o.shard, error);
    if (!settings.shard) return usage_error("--shard: " + error);
  }
  for (const auto& [flag, seconds] : {std::pair<const char*, double>{"--timeout-s", o.timeout_s},
                                      {"--idle-timeout-s", o.idle_timeout_s},
                                      {"--connect-timeout-s", o.connect_timeout_s}}) {
    if (auto mistake = check_seconds(seconds); !mistake.empty()) return usage_error(std::string(flag) + ": " + mistake);
  }
  if (!o.hardware.empty() && !catalog::find_hardware(o.hardware)) {
    return usage_error("--hardware: unknown profile '" + o.hardware + "' (choose from " + catalog::hardware_keys() + ")");
  }
  settings.headers = o.headers;
  for (const auto& h : settings.headers) {
    if (h.find(':') == std::string::npos || h.find_first_of("\r\n") != std::string::npos) {
      return usage_error("--header: '" + h + "' is not of the form 'Name: value'");
    }
  }
  std::string api_key = o.api_key;
  if (api_key.empty()) {
    if (const char* env = std::getenv("HAKARI_API_KEY")) api_key = env;
  }
  if (!api_key.empty()) settings.headers.push_back("Authorization: Bearer " + api_key);
  settings.out_dir = o.out;
  settings.model = o.model;
  settings.connect_timeout = static_cast<Nanos>(o.connect_timeout_s * 1e9);
  settings.prompt_seed = o.prompt_seed;
  settings.save_output = o.save_output;
  settings.quiet = o.quiet;
  settings.json = o.json;
  settings.resume = o.resume;
  settings.model_bytes = o.model_bytes;
  settings.telemetry.interval = o.telemetry_interval_ms * kNanosPerMilli;
  settings.telemetry_interval_set = o.telemetry_interval_given;
  settings.telemetry.server_pid = o.server_pid;
  settings.telemetry.server_process = o.server_process;
  settings.telemetry.proc_root = o.proc_root;
  settings.telemetry.sys_root = o.sys_root;
  settings.telemetry.nvml = !o.no_nvml;
  settings.telemetry.hardware = o.hardware;
  transport::init_http_global();

  if (!o.suite_file.empty()) {
    suite::Suite s;
    try {
      s = suite::load_suite(o.suite_file);
    } catch (const suite::SuiteError& e) {
      std::fprintf(stderr, "hakari run: %s\n", e.what());
      return kExitUsage;
    }
    if (!s.hardware.empty() && !catalog::find_hardware(s.hardware)) {
      std::fprintf(stderr, "hakari run: %s: unknown hardware profile '%s' (choose from %s)\n", o.suite_file.c_str(),
                   s.hardware.c_str(), catalog::hardware_keys().c_str());
      return kExitUsage;
    }
    if (!o.slo.empty()) {
      std::string error;  // checked above
      s.slos = metrics::objectives_text(*metrics::parse_objectives(o.slo, error));
    }
    if (o.repetitions > 0) s.repetitions = o.repetitions;
    return run_suite(s, settings);
  }

  // One target: it must answer now, or there is nothing to measure.
  std::string url_error;
  auto base_url = backend::normalize_base_url(o.target, url_error);
  if (!base_url) return usage_error("--target: " + url_error);
  std::string probe_error;
  auto info = backend::probe_server(*base_url, settings.connect_timeout, settings.headers, probe_error);
  if (!info) {
    const bool unreachable = probe_error.rfind("cannot reach", 0) == 0;
    if (unreachable || !settings.api) {
      std::fprintf(stderr, "hakari run: %s\n", probe_error.c_str());
      return kExitFailed;
    }
    std::fprintf(stderr, "hakari run: warning: %s; going on with --api %s\n", probe_error.c_str(), o.api.c_str());
    info = backend::ServerInfo{};
    info->base_url = *base_url;
    info->kind = "unknown";
  }
  const backend::ApiKind api = settings.api.value_or(info->suggested_api);
  if (o.model.empty() && info->models.empty() &&
      (api == backend::ApiKind::ollama_chat || api == backend::ApiKind::ollama_generate)) {
    std::fprintf(stderr, "hakari run: %s lists no models; name one with --model\n", base_url->c_str());
    return kExitFailed;
  }
  settings.probed = *info;
  suite::Suite s = suite_from_flags(flags, *base_url);
  if (s.output.empty()) {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "hakari-results/%Y%m%d-%H%M%S", &tm);
    s.output = buf;
  }
  return run_suite(s, settings);
}

}  // namespace

Command add_run_command(CLI::App& parent) {
  auto opts = std::make_shared<RunOptions>();
  auto* sub = parent.add_subcommand(
      "run", "Benchmark a server (--target URL) or every target of a suite file, at one or more concurrency levels");
  sub->add_option("suite", opts->suite_file, "Suite file (YAML): targets x workloads x load profiles");
  sub->add_flag("--resume", opts->resume, "Skip the suite's cells already complete in the results database");
  sub->add_option("--target", opts->target, "Base URL of a running server, e.g. http://127.0.0.1:8080");
  sub->add_option("--api", opts->api, "API to drive: " + backend::api_choices())->capture_default_str();
  sub->add_option("--model", opts->model, "Model name to request (default: the server's first model)");
  // Split by parse_concurrency, not CLI11, which would pass over an empty item.
  sub->add_option("--concurrency,-c", opts->concurrency_items,
                  "Concurrency levels, e.g. 1,5,10,20 (with --rate: the most requests in flight)")
      ->type_name("N[,N...]")
      ->capture_default_str()
      ->each([opts](const std::string&) { opts->concurrency_given = true; });
  sub->add_option("--rate", opts->rate_items,
                  "Open loop: levels in requests per second, e.g. 1,2,4; each request is timed from its scheduled "
                  "send, so queueing in the client or server shows")
      ->type_name("R[,R...]");
  sub->add_option("--arrival", opts->arrival, "Open-loop arrivals: poisson, gamma or constant")->capture_default_str();
  sub->add_option("--burstiness", opts->burstiness, "Gamma arrivals' shape: 1 is Poisson, below 1 burstier")
      ->capture_default_str();
  sub->add_option("--duration", opts->duration,
                  "Per level: stop starting requests after this long (90s, 10m, 24h); without --requests, run by time")
      ->type_name("D");
  sub->add_option("--slo", opts->slo,
                  "Objectives every level is judged by, e.g. ttft_p99_ms=2000,tpot_p50_ms=100,error_rate=0.01 "
                  "(latencies from the schedule); they also define goodput")
      ->type_name("OBJ=LIMIT[,...]");
  sub->add_option("--curve", opts->curve,
                  "A day's arrivals: business (a Japanese office day: 09:00 ramp, lunch dip, 14:00 peak) or "
                  "hour:rate,...; compressed into --duration, peaking at --rate")
      ->type_name("business|H:R,...");
  sub->add_option("--warmup-time", opts->warmup_time, "Per level: requests due in its first D are sent, not measured")
      ->type_name("D");
  sub->add_option("--cooldown-time", opts->cooldown_time,
                  "With --duration: requests due in a level's last D are sent, not measured")
      ->type_name("D");
  sub->add_option("--shard", opts->shard,
                  "Send shard I of N of each open-loop schedule (N machines together send the whole)")
      ->type_name("I/N");
  sub->add_option("--requests,-n", opts->requests, "Measured requests per level")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str()
      ->each([opts](const std::string&) { opts->requests_given = true; });
  sub->add_flag("--ramp", opts->ramp,
                "Climb the levels (-c or --rate, e.g. 1..64x2) and stop after the first that breaks --slo or fails "
                "more than --max-error-rate of its requests");
  sub->add_option("--max-error-rate", opts->max_error_rate, "With --ramp: the failed share that stops the climb")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--repetitions", opts->repetitions,
                  "Measure every level this many times; the summary gives each figure's mean, sd and 95 % interval "
                  "across them, flagged when they disagree")
      ->check(CLI::Range(1, 1000));
  sub->add_option("--warmup", opts->warmup, "Unmeasured warm-up requests before each level")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  sub->add_option("--prompt-tokens", opts->prompt_tokens,
                  "Prompt length in tokens (summarize: the document's, 5000 unless given)")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str()
      ->each([opts](const std::string&) { opts->prompt_tokens_given = true; });
  sub->add_option("--max-tokens", opts->max_tokens,
                  "Output tokens per request (story: 2000, summarize: 200 unless given; chat: per turn)")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str()
      ->each([opts](const std::string&) { opts->max_tokens_given = true; });
  auto* what = "Workload";
  sub->add_option("--workload", opts->workload,
                  "What to send: synthetic, story (short prompt -> long answer), summarize (document -> summary), "
                  "chat (multi-turn), dataset (JSONL/ShareGPT), mix, replay (a trace)")
      ->capture_default_str()
      ->group(what);
  sub->add_option("--lang", opts->lang, "Language of story, summarize (built-in corpus) and chat: en or ja")
      ->capture_default_str()
      ->group(what);
  sub->add_option("--document", opts->document, "summarize: a text or PDF file (default: the built-in corpus)")
      ->group(what);
  sub->add_option("--turns", opts->turns, "chat: turns per conversation")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str()
      ->group(what);
  sub->add_option("--dataset", opts->dataset, "dataset: a JSONL file of {\"prompt\",\"max_tokens\"} or a ShareGPT file")
      ->group(what);
  sub->add_option("--dataset-format", opts->format, "dataset: jsonl, sharegpt or auto")->capture_default_str()->group(what);
  sub->add_flag("--shuffle", opts->shuffle, "dataset: a seeded order instead of the file's")->group(what);
  sub->add_option("--trace", opts->trace, "replay: a trace of (time, input length, output length)")->group(what);
  sub->add_option("--replay-speed", opts->replay_speed, "replay: 2 replays twice as fast")
      ->check(CLI::Range(0.001, 1000.0))
      ->capture_default_str()
      ->group(what);
  sub->add_option("--mix", opts->mix, "mix: weighted workloads, e.g. story:3,chat:1")->group(what);
  sub->add_option("--prompt-lengths", opts->prompt_lengths,
                  "Prompt lengths drawn per request: fixed:N, uniform:A-B, normal:MEAN,SD, lognormal:MEAN,SD")
      ->group(what);
  sub->add_option("--output-lengths", opts->output_lengths, "Output lengths drawn per request (same forms)")->group(what);
  sub->add_flag("--no-force-length", opts->no_force_length,
                "Do not ask the server to ignore EOS (answers may then be shorter than --max-tokens)");
  sub->add_option("--temperature", opts->temperature, "Sampling temperature to send");
  sub->add_option("--seed", opts->seed, "Sampling seed to send to the server");
  sub->add_option("--prompt-seed", opts->prompt_seed, "Seed of the synthetic prompts")->capture_default_str();
  // Checked by check_seconds: CLI11's PositiveNumber lets NaN and 1e-9 through and
  // answers -1 with a 300-digit range.
  sub->add_option("--timeout-s", opts->timeout_s, "Per-request time limit (0.001-86400)")->capture_default_str();
  sub->add_option("--idle-timeout-s", opts->idle_timeout_s, "Fail a request after this long without a byte (0.001-86400)")
      ->capture_default_str();
  sub->add_option("--connect-timeout-s", opts->connect_timeout_s, "Connection time limit (0.001-86400)")
      ->capture_default_str();
  sub->add_option("--header,-H", opts->headers, "Extra request header 'Name: value' (repeatable)");
  sub->add_option("--api-key", opts->api_key, "Bearer token (default: $HAKARI_API_KEY)");
  sub->add_option("--out,-o", opts->out, "Output folder (default: the suite's, or hakari-results/<date-time>)");
  sub->add_flag("--save-output", opts->save_output, "Store each answer's text in the database");
  sub->add_flag("--quiet,-q", opts->quiet, "No progress on stderr");
  sub->add_flag("--json", opts->json, "Print summary.json on stdout instead of the table");
  sub->add_option("--telemetry-interval-ms", opts->telemetry_interval_ms, "Telemetry sampling interval; 0 turns it off")
      ->check(CLI::Range(0, 60'000))
      ->capture_default_str()
      ->group("Telemetry")
      ->each([opts](const std::string&) { opts->telemetry_interval_given = true; });
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
  return {sub, [opts] { return run_command(*opts); }};
}

}  // namespace hakari::cli
