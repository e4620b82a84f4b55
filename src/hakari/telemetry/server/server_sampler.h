// What the inference server itself reports, read over HTTP on the telemetry thread.
//
//   llama.cpp  GET /metrics (needs `llama-server --metrics`):
//              llamacpp:requests_processing -> requests_running,
//              llamacpp:requests_deferred   -> requests_waiting,
//              llamacpp:kv_cache_usage_ratio -> kv_cache_usage (older builds only).
//              A 501 or 404 means metrics are off: noted once, never asked again.
//   vllm       GET /metrics: vllm:num_requests_running / vllm:num_requests_waiting, summed
//              over label sets (model_name, engine); vllm:kv_cache_usage_perc (0-1), or the
//              deprecated vllm:gpu_cache_usage_perc, averaged over engines.
//   ollama     GET /api/ps: the sum of `size` over loaded models -> model_bytes, and of
//              `size_vram` -> vram_bytes (0 and 0 when nothing is loaded).
//   other kinds ("lmstudio", "openai-compatible", "unknown"): /metrics is tried once; if it
//              has llamacpp: or vllm: series they are read from then on, otherwise that is
//              noted and the sampler stays quiet.
//
// Every call is bounded by endpoint.timeout (connect and total) and a 4 MiB body limit, so
// a hung server costs at most about one timeout per sample. After a failed call the
// sampler waits before asking again (the timeout, doubling per failure, at most 10 s);
// each kind of failure is noted once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/telemetry/sampler.h"

namespace hakari::telemetry {

struct ServerEndpoint {
  std::string base_url;  // "http://127.0.0.1:8080", no trailing slash
  std::string kind;      // "llama.cpp" | "vllm" | "ollama" | "lmstudio" | "openai-compatible" | "unknown"
  std::vector<std::string> headers;     // "Name: value", e.g. Authorization
  Nanos timeout = 1 * kNanosPerSecond;  // per HTTP call; sampling must never hang
};

// Largest response body read; more is refused, not truncated.
inline constexpr std::size_t kServerMaxBodyBytes = 4u << 20;

// Sampler name "server"; fills Snapshot::server.
std::unique_ptr<Sampler> make_server_sampler(ServerEndpoint endpoint);

}  // namespace hakari::telemetry
