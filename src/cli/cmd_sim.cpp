// `hakari sim`: runs the simulated LLM server, as one of the real servers (--as), in the
// foreground until SIGTERM or SIGINT.
// The base URL is the one line on stdout, so a script can start it with --port 0 and read
// where it listens; everything for people goes to stderr.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "hakari/catalog/hardware.h"
#include "hakari/planner/model_catalog.h"
#include "hakari/sim/persona.h"
#include "hakari/sim/sim_options.h"
#include "hakari/sim/sim_server.h"

namespace hakari::cli {
namespace {

// The server the signal handler stops; SimServer::stop() is async-signal-safe.
sim::SimServer* g_running = nullptr;

extern "C" void stop_on_signal(int /*signal*/) {
  if (g_running != nullptr) g_running->stop();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = stop_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::string describe(const sim::SimOptions& o) {
  char buf[512];
  const int slots = sim::effective_slots(o);
  const std::string slot_text = slots == 0 ? "unlimited" : std::to_string(slots);
  if (o.mode == sim::TimingMode::fixed) {
    std::snprintf(buf, sizeof buf, "fixed timing: ttft %.3g ms, itl %.3g ms, slots %s", o.ttft_ms, o.itl_ms,
                  slot_text.c_str());
  } else {
    std::snprintf(buf, sizeof buf,
                  "hardware model: %.3g GB weights at %.4g GB/s, %.4g KV bytes/token, prefill %.4g tok/s, "
                  "batch %d tokens, step overhead %.3g ms, slots %s, ctx %d",
                  o.weights_gb, o.bandwidth_gbs, o.kv_bytes_per_token, o.prefill_tps, o.batch_tokens,
                  o.step_overhead_ms, slot_text.c_str(), o.ctx_size);
  }
  std::string text = buf;
  if (o.mode == sim::TimingMode::model && !o.timing_source.empty()) text = o.timing_source + "; " + text;
  if (o.jitter_pct > 0) text += ", jitter ±" + std::to_string(o.jitter_pct) + "%";
  if (o.load_ms > 0) text += ", load " + std::to_string(o.load_ms) + " ms";
  if (sim::closes_after_stream(o)) text += ", closes the connection after each stream";
  return text;
}

}  // namespace

Command add_sim_command(CLI::App& parent) {
  auto* sub = parent.add_subcommand(
      "sim", "Run a simulated LLM server (llama.cpp, vLLM, Ollama or LM Studio) with a timing model");
  auto opts = std::make_shared<sim::SimOptions>();
  auto faults = std::make_shared<std::vector<std::string>>();
  auto source = std::make_shared<sim::ModelSource>();
  auto persona = std::make_shared<std::string>("llama.cpp");
  auto close_after_stream = std::make_shared<std::string>();

  sub->add_option("--as", *persona,
                  "The server to be: its routes, wire shapes, headers and connection habits (" +
                      sim::persona_choices() + ")")
      ->check(CLI::Validator(
          [](std::string& text) {
            return sim::parse_persona(text) ? std::string()
                                            : "unknown server '" + text + "' (choices: " + sim::persona_choices() + ")";
          },
          "SERVER"))
      ->capture_default_str();
  sub->add_option("--close-after-stream", *close_after_stream,
                  "Close the connection after each streamed response (default: on as llama.cpp, which does so "
                  "while advertising keep-alive; off otherwise)")
      ->check(CLI::IsMember({"on", "off"}));
  sub->add_option("--idle-timeout-ms", opts->idle_timeout_ms,
                  "Close idle keep-alive connections and half-sent requests after this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--host", opts->host, "Address to listen on")->capture_default_str();
  sub->add_option("--port", opts->port, "Port to listen on (0 picks a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();

  auto* ttft = sub->add_option("--ttft-ms", opts->ttft_ms,
                               "Fixed timing: first token this long after arrival (or after getting a slot)")
                   ->check(CLI::NonNegativeNumber)
                   ->capture_default_str();
  auto* itl = sub->add_option("--itl-ms", opts->itl_ms, "Fixed timing: gap between tokens")
                  ->check(CLI::NonNegativeNumber)
                  ->capture_default_str();

  const char* model_group = "Hardware model (the default timing when --ttft-ms/--itl-ms are absent)";
  sub->add_option("--model", source->model,
                  "Take the hardware model from a catalog entry, KEY:QUANT (" + planner::model_keys() + "; " +
                      planner::quant_keys() + ")")
      ->group(model_group);
  sub->add_option("--gguf", source->gguf, "Take the hardware model from a GGUF file's header")->group(model_group);
  sub->add_option("--hardware", source->hardware,
                  "Hardware profile for --model/--gguf: bandwidth and FP16 compute (" + catalog::hardware_keys() +
                      "; default evo-x2)")
      ->group(model_group);
  auto* weights = sub->add_option("--weights-gb", opts->weights_gb, "Bytes read per decode step, in GB")
                      ->check(CLI::NonNegativeNumber)->capture_default_str()->group(model_group);
  auto* bandwidth = sub->add_option("--bandwidth-gbs", opts->bandwidth_gbs, "Memory bandwidth, GB/s")
                        ->check(CLI::PositiveNumber)->capture_default_str()->group(model_group);
  auto* kv = sub->add_option("--kv-bytes-per-token", opts->kv_bytes_per_token, "KV cache bytes read per context token")
                 ->check(CLI::NonNegativeNumber)->capture_default_str()->group(model_group);
  auto* prefill = sub->add_option("--prefill-tps", opts->prefill_tps, "Prompt tokens processed per second")
                      ->check(CLI::PositiveNumber)->capture_default_str()->group(model_group);
  sub->add_option("--batch-tokens", opts->batch_tokens, "Prompt tokens processed per step, at most")
      ->check(CLI::Range(1, 1 << 20))->capture_default_str()->group(model_group);
  sub->add_option("--step-overhead-ms", opts->step_overhead_ms, "Cost per extra sequence in a step")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group(model_group);

  sub->add_option("--slots", opts->slots,
                  "Concurrent sequences; more requests queue (default: 4, or 0 = unlimited with fixed timing)")
      ->check(CLI::Range(0, 1 << 16));
  sub->add_option("--ctx-size", opts->ctx_size, "Context per slot, in tokens")
      ->check(CLI::Range(1, 1 << 30))->capture_default_str();
  sub->add_option("--jitter-pct", opts->jitter_pct, "Scale each gap or step by 1+U(-x%,+x%)")
      ->check(CLI::Range(0.0, 100.0))->capture_default_str();
  sub->add_option("--seed", opts->seed, "Seed of token text, answer lengths and jitter")->capture_default_str();
  sub->add_option("--answer-tokens", opts->answer_tokens, "Natural answers run U[N/2, 3N/2] tokens")
      ->check(CLI::Range(1, 1 << 30))->capture_default_str();
  auto* model_name = sub->add_option("--model-name", opts->model_name, "Model id on /v1/models, /props and /api/tags")
                         ->capture_default_str();
  sub->add_option("--fault", *faults,
                  "KIND@N[,N...]: the N-th generation request fails (kinds: " + sim::fault_kind_list() + ")")
      ->check(CLI::Validator(
          [](std::string& text) {
            std::string error;
            return sim::parse_fault_rule(text, error) ? std::string() : error;
          },
          "KIND@N[,N...]"));
  sub->add_option("--stall-ms", opts->stall_ms, "How long a stall fault holds the stream")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  sub->add_option("--load-ms", opts->load_ms, "Simulated model load paid by the first generation request")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  sub->add_option("--trace", opts->trace_path, "Write the NDJSON ground truth of every emission here");

  return {sub, [opts, faults, ttft, itl, source, weights, bandwidth, kv, prefill, model_name, persona,
               close_after_stream] {
            opts->persona = *sim::parse_persona(*persona);  // checked by CLI11
            if (!close_after_stream->empty()) opts->close_after_stream = *close_after_stream == "on";
            if (ttft->count() > 0 || itl->count() > 0) opts->mode = sim::TimingMode::fixed;
            const sim::ExplicitFlags given{weights->count() > 0, kv->count() > 0, bandwidth->count() > 0,
                                           prefill->count() > 0, model_name->count() > 0};
            if (std::string error = sim::apply_model_source(*opts, *source, given); !error.empty()) {
              std::fprintf(stderr, "hakari sim: %s\n", error.c_str());
              return kExitUsage;
            }
            for (const std::string& text : *faults) {
              std::string error;
              opts->faults.push_back(*sim::parse_fault_rule(text, error));  // checked by CLI11
            }
            if (std::string error = sim::validate(*opts); !error.empty()) {
              std::fprintf(stderr, "hakari sim: %s\n", error.c_str());
              return kExitUsage;
            }
            sim::SimServer server(*opts);
            g_running = &server;
            install_signal_handlers();
            std::printf("%s\n", server.url().c_str());
            std::fflush(stdout);
            std::fprintf(stderr, "hakari sim: serving model '%s' as %s at %s (%s); Ctrl-C stops\n",
                         opts->model_name.c_str(), std::string(sim::persona_name(opts->persona)).c_str(),
                         server.url().c_str(), describe(*opts).c_str());
            server.run();
            g_running = nullptr;
            return kExitOk;
          }};
}

}  // namespace hakari::cli
