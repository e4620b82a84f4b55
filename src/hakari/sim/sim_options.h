// Everything `hakari sim` can be told, with the CLI's defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hakari/sim/fault.h"

namespace hakari::sim {

enum class TimingMode {
  fixed,  // every stream: first token `ttft` after arrival (or after it got a slot), then one per `itl`
  model,  // a continuous-batching engine whose step time follows from bytes read per token
};

struct SimOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port

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

  std::vector<FaultRule> faults;
  double stall_ms = 5000;                // how long a `stall` fault holds the stream
  double load_ms = 0;                    // model load paid by the first generation request
  std::string trace_path;                // NDJSON ground truth of emissions; empty = none

  // Idle keep-alive connections and half-sent requests are closed after this long, as
  // llama.cpp's HTTP server does (it advertises "Keep-Alive: timeout=5, max=100").
  double idle_timeout_ms = 5000;
};

int effective_slots(const SimOptions& opts);

// Empty when the options are usable, otherwise what is wrong with them.
std::string validate(const SimOptions& opts);

}  // namespace hakari::sim
