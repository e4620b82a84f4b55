// Everything `hakari sim` can be told, with the CLI's defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hakari/sim/fault.h"
#include "hakari/sim/persona.h"

namespace hakari::sim {

enum class TimingMode {
  fixed,  // every stream: first token `ttft` after arrival (or after it got a slot), then one per `itl`
  model,  // a continuous-batching engine whose step time follows from bytes read per token
};

struct SimOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port

  // The server the simulator is: its routes, shapes, headers and connection habits.
  Persona persona = Persona::llamacpp;

  TimingMode mode = TimingMode::model;

  // Fixed mode.
  double ttft_ms = 50;
  double itl_ms = 20;

  // Hardware model; defaults describe Qwen3-32B Q4_K_M on an EVO-X2 (Strix Halo).
  double weights_gb = 19.8;              // bytes read per decode step, in 1e9 bytes
  double bandwidth_gbs = 212;            // measured memory bandwidth, 1e9 bytes/s
  double kv_bytes_per_token = 262144;    // KV cache bytes read per context token per step
  double prefill_tps = 300;              // prompt tokens per second
  int batch_tokens = 512;                // prompt tokens processed per step, at most
  double step_overhead_ms = 0.2;         // per extra sequence in a step

  // Concurrent sequences; further requests queue FIFO. -1 = the mode's default
  // (fixed: 0 = unlimited; model: 4). Use effective_slots() to read it.
  int slots = -1;
  int ctx_size = 8192;                   // context per slot, in tokens

  double jitter_pct = 0;                 // each gap (fixed) or step (model) times 1+U(-x%,+x%)
  std::uint64_t seed = 0;
  int answer_tokens = 256;               // natural answers run U[N/2, 3N/2] tokens
  std::string model_name = "hakari-sim";
  // What the served model is, when a model source (--model/--gguf) says so; 0 = derived
  // from weights_gb at Q4_K_M's bits per weight, as without one. For a mixture of experts
  // weights_gb is what a step reads, far less than what the file holds.
  double model_size_bytes = 0;           // resident weights: /v1/models meta.size, Ollama size
  std::int64_t model_params = 0;         // total parameters: meta.n_params, Ollama parameter_size
  std::string timing_source;             // "qwen3-32b:q4_k_m on evo-x2", for the startup line

  // What /v1/models, /api/tags and LM Studio report: the model source's figures, or ones
  // derived from weights_gb at Q4_K_M's 4.85 bits per weight.
  double resident_bytes() const { return model_size_bytes > 0 ? model_size_bytes : weights_gb * 1e9; }
  std::int64_t parameter_count() const {
    return model_params > 0 ? model_params : static_cast<std::int64_t>(resident_bytes() * 8 / 4.85);
  }

  std::vector<FaultRule> faults;
  double stall_ms = 5000;                // how long a `stall` fault holds the stream
  double load_ms = 0;                    // model load paid by the first generation request
  std::string trace_path;                // NDJSON ground truth of emissions; empty = none

  // Idle keep-alive connections and half-sent requests are closed after this long, as
  // llama.cpp's HTTP server (it advertises "Keep-Alive: timeout=5, max=100"), uvicorn and
  // Node do by default.
  double idle_timeout_ms = 5000;
  // Close the connection once a streamed response has ended, as llama-server b5601 does
  // while still advertising keep-alive. Unset: the persona's habit (llama.cpp only).
  std::optional<bool> close_after_stream;
};

int effective_slots(const SimOptions& opts);
bool closes_after_stream(const SimOptions& opts);

// The hardware-model figures a model source (a catalog entry or a GGUF, plus a hardware
// profile) supplies. Each one applies unless its own flag was given on the command line.
struct TimingSource {
  double weights_gb = 0;           // read per decode step
  double kv_bytes_per_token = 0;
  double bandwidth_gbs = 0;        // the profile's practical bandwidth
  double prefill_tps = 0;          // 0 = keep the current value
  double model_size_bytes = 0;     // 0 = unknown
  std::int64_t model_params = 0;   // 0 = unknown
  std::string model_name;          // empty = keep
  std::string description;
};
struct ExplicitFlags {
  bool weights_gb = false;
  bool kv_bytes_per_token = false;
  bool bandwidth_gbs = false;
  bool prefill_tps = false;
  bool model_name = false;
};
void apply_timing_source(SimOptions& opts, const TimingSource& source, const ExplicitFlags& given);

// Where the hardware model comes from: a catalog entry ("qwen3-32b:q4_k_m") or a GGUF
// file, on a hardware profile (default evo-x2). All empty: the flags alone.
struct ModelSource {
  std::string model;     // --model KEY:QUANT
  std::string gguf;      // --gguf PATH
  std::string hardware;  // --hardware KEY
};

// Sets, from the planner (docs/planner.md), the weights a decode step reads (the active
// experts only for a mixture of experts), the f16 KV bytes per token, the profile's
// practical bandwidth, a prefill rate of planner::kPrefillEfficiency × the profile's FP16
// peak / (2 × active parameters), the served model's name, size and parameter count;
// each unless `given` says its flag was set. Returns what is wrong (an unknown model,
// quantization or profile, naming the choices; a bad GGUF with its byte offset), or "".
std::string apply_model_source(SimOptions& opts, const ModelSource& source, const ExplicitFlags& given);

// Empty when the options are usable, otherwise what is wrong with them.
std::string validate(const SimOptions& opts);

}  // namespace hakari::sim
