#include "hakari/telemetry/server/server_sampler.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "hakari/telemetry/server/prometheus.h"
#include "hakari/transport/http_client.h"

namespace hakari::telemetry {
namespace {

using transport::FetchResult;
using transport::TransferError;

constexpr Nanos kMinTimeout = 10 * kNanosPerMilli;  // libcurl reads 0 ms as "no limit"
constexpr Nanos kMaxBackoff = 10 * kNanosPerSecond;

std::optional<double> finite(std::optional<double> v) {
  if (v && !std::isfinite(*v)) return std::nullopt;
  return v;
}

// A JSON byte count, however simdjson typed it; nullopt when it is not a sane count.
std::optional<std::int64_t> byte_count(simdjson::dom::element e) {
  std::int64_t i = 0;
  if (!e.get_int64().get(i)) return i >= 0 ? std::optional<std::int64_t>(i) : std::nullopt;
  std::uint64_t u = 0;
  if (!e.get_uint64().get(u)) return std::numeric_limits<std::int64_t>::max();
  double d = 0;
  if (!e.get_double().get(d) && std::isfinite(d) && d >= 0 && d < 9.2e18) return static_cast<std::int64_t>(d);
  return std::nullopt;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  return a > std::numeric_limits<std::int64_t>::max() - b ? std::numeric_limits<std::int64_t>::max() : a + b;
}

class ServerSampler final : public Sampler {
 public:
  explicit ServerSampler(ServerEndpoint ep) : ep_(std::move(ep)) {
    while (!ep_.base_url.empty() && ep_.base_url.back() == '/') ep_.base_url.pop_back();
    if (ep_.timeout <= 0) ep_.timeout = kNanosPerSecond;
    ep_.timeout = std::max(ep_.timeout, kMinTimeout);
    const std::string& k = ep_.kind;
    if (k == "llama.cpp" || k == "llamacpp" || k == "llama-server") {
      mode_ = Mode::llamacpp;
    } else if (k == "vllm") {
      mode_ = Mode::vllm;
    } else if (k == "ollama") {
      mode_ = Mode::ollama;
    } else {
      mode_ = Mode::probe;
    }
  }

  std::string_view name() const override { return "server"; }

  void sample(Snapshot& out) override {
    if (mode_ == Mode::off) return;
    if (now_ns() < retry_at_) return;
    switch (mode_) {
      case Mode::llamacpp: return sample_metrics(out, Mode::llamacpp);
      case Mode::vllm: return sample_metrics(out, Mode::vllm);
      case Mode::ollama: return sample_ollama(out);
      case Mode::probe: return probe(out);
      case Mode::off: return;
    }
  }

 private:
  enum class Mode { llamacpp, vllm, ollama, probe, off };

  static const char* source(Mode m) {
    switch (m) {
      case Mode::llamacpp: return "llama.cpp /metrics";
      case Mode::vllm: return "vllm /metrics";
      case Mode::ollama: return "ollama /api/ps";
      case Mode::probe:
      case Mode::off: break;
    }
    return "/metrics";
  }

  void note_once(const std::string& key, std::string message) {
    if (noted_.insert(key).second) note(std::move(message));
  }

  FetchResult fetch(std::string_view path) const {
    transport::HttpRequest req;
    req.method = "GET";
    req.url = ep_.base_url + std::string(path);
    req.headers = ep_.headers;
    req.connect_timeout = ep_.timeout;
    req.total_timeout = ep_.timeout;
    return transport::http_fetch(req, kServerMaxBodyBytes);
  }

  void succeeded() {
    failures_ = 0;
    retry_at_ = 0;
  }

  // Waits before the next call: the timeout, doubling per consecutive failure, capped.
  void failed() {
    const int shift = std::min(failures_, 4);
    ++failures_;
    const Nanos wait = ep_.timeout >= kMaxBackoff ? ep_.timeout : std::min(ep_.timeout << shift, kMaxBackoff);
    retry_at_ = now_ns() + wait;
  }

  // True (after noting and backing off) when the call did not give a 2xx answer.
  bool call_failed(const FetchResult& r, const char* what) {
    if (r.result.error != TransferError::none) {
      failed();
      std::string msg = std::string(what) + " at " + ep_.base_url + ": " +
                        std::string(transport::transfer_error_name(r.result.error));
      if (!r.result.detail.empty()) msg += " (" + r.result.detail + ")";
      note_once(
          std::string(what) + " transport " + std::string(transport::transfer_error_name(r.result.error)),
          msg + "; server telemetry is missing while this lasts");
      return true;
    }
    if (!r.ok()) {
      failed();
      const std::string status = std::to_string(r.result.http_status);
      note_once(std::string(what) + " status " + status,
                std::string(what) + " at " + ep_.base_url + " answered HTTP " + status +
                    "; server telemetry is missing while this lasts");
      return true;
    }
    return false;
  }

  prometheus::Exposition parse_metrics(const std::string& body, const char* what) {
    prometheus::Limits limits;
    limits.max_bytes = kServerMaxBodyBytes;
    prometheus::Exposition text = prometheus::parse(body, limits);
    if (text.malformed_lines > 0 || text.truncated) {
      note_once(std::string(what) + " malformed",
                std::string(what) + " at " + ep_.base_url + ": skipped " +
                    std::to_string(text.malformed_lines) + " malformed line(s)" +
                    (text.truncated ? ", stopped at the sample limit" : "") +
                    (text.first_error.empty() ? std::string() : " (first: " + text.first_error + ")"));
    }
    return text;
  }

  void sample_metrics(Snapshot& out, Mode mode) {
    const char* what = source(mode);
    const FetchResult r = fetch("/metrics");
    if (r.result.error == TransferError::none &&
        (r.result.http_status == 501 || r.result.http_status == 404)) {
      mode_ = Mode::off;
      if (mode == Mode::llamacpp) {
        note("llama.cpp /metrics is off: start llama-server with --metrics");
      } else {
        note(std::string(what) + " at " + ep_.base_url + " answered HTTP " +
             std::to_string(r.result.http_status) + "; no server telemetry");
      }
      return;
    }
    if (call_failed(r, what)) return;
    succeeded();
    read_metrics(parse_metrics(r.body, what), mode, out);
  }

  void read_metrics(const prometheus::Exposition& text, Mode mode, Snapshot& out) {
    ServerReading reading;
    reading.source = source(mode);
    if (mode == Mode::llamacpp) {
      reading.requests_running = finite(text.sum("llamacpp:requests_processing"));
      reading.requests_waiting = finite(text.sum("llamacpp:requests_deferred"));
      reading.kv_cache_usage = finite(text.mean("llamacpp:kv_cache_usage_ratio"));
    } else {
      reading.requests_running = finite(text.sum("vllm:num_requests_running"));
      reading.requests_waiting = finite(text.sum("vllm:num_requests_waiting"));
      reading.kv_cache_usage = finite(text.mean("vllm:kv_cache_usage_perc"));
      if (!text.has("vllm:kv_cache_usage_perc")) {
        reading.kv_cache_usage =
            finite(text.mean("vllm:gpu_cache_usage_perc"));  // the deprecated name, older vLLM
      }
    }
    if (!reading.requests_running && !reading.requests_waiting && !reading.kv_cache_usage) {
      note_once("nothing useful",
                std::string(reading.source) + " at " + ep_.base_url +
                    (mode == Mode::llamacpp ? " has no llamacpp:requests_processing, requests_deferred or "
                                              "kv_cache_usage_ratio"
                                            : " has no vllm:num_requests_running, num_requests_waiting or "
                                              "kv_cache_usage_perc"));
      return;
    }
    out.server = std::move(reading);
  }

  // Other kinds: one look at /metrics decides whether there is anything to read.
  void probe(Snapshot& out) {
    const std::string who =
        (ep_.kind.empty() ? std::string("server") : ep_.kind + " server") + " at " + ep_.base_url;
    const FetchResult r = fetch("/metrics");
    mode_ = Mode::off;
    if (r.result.error != TransferError::none) {
      note(who + ": /metrics did not answer (" + std::string(transport::transfer_error_name(r.result.error)) +
           "); no server-side telemetry");
      return;
    }
    if (!r.ok()) {
      note(who + ": /metrics answered HTTP " + std::to_string(r.result.http_status) +
           "; no server-side telemetry");
      return;
    }
    const prometheus::Exposition text = parse_metrics(r.body, "/metrics");
    if (text.has_prefix("llamacpp:")) {
      mode_ = Mode::llamacpp;
    } else if (text.has_prefix("vllm:")) {
      mode_ = Mode::vllm;
    } else {
      note(who + ": /metrics has no llamacpp: or vllm: series; no server-side telemetry");
      return;
    }
    read_metrics(text, mode_, out);
  }

  void sample_ollama(Snapshot& out) {
    const char* what = source(Mode::ollama);
    const FetchResult r = fetch("/api/ps");
    if (r.result.error == TransferError::none && r.result.http_status == 404) {
      mode_ = Mode::off;
      note(std::string(what) + " at " + ep_.base_url +
           " answered HTTP 404 (not Ollama?); no server telemetry");
      return;
    }
    if (call_failed(r, what)) return;
    succeeded();

    simdjson::dom::element root;
    simdjson::dom::array models;
    if (auto err = parser_.parse(r.body).get(root); err) {
      note_once("ollama json", std::string(what) + " at " + ep_.base_url + ": not JSON (" +
                                   simdjson::error_message(err) + ")");
      return;
    }
    if (auto err = root["models"].get_array().get(models); err) {
      note_once("ollama json", std::string(what) + " at " + ep_.base_url + ": no \"models\" array");
      return;
    }
    std::int64_t size = 0, vram = 0;
    bool any_size = false, any_vram = false, any_model = false;
    for (simdjson::dom::element m : models) {
      any_model = true;
      simdjson::dom::element v;
      if (!m["size"].get(v)) {
        if (auto n = byte_count(v)) {
          size = saturating_add(size, *n);
          any_size = true;
        }
      }
      if (!m["size_vram"].get(v)) {
        if (auto n = byte_count(v)) {
          vram = saturating_add(vram, *n);
          any_vram = true;
        }
      }
    }
    ServerReading reading;
    reading.source = what;
    if (any_size || !any_model) reading.model_bytes = size;  // nothing loaded: 0 bytes, measured
    if (any_vram || !any_model) reading.vram_bytes = vram;
    out.server = std::move(reading);
  }

  ServerEndpoint ep_;
  Mode mode_ = Mode::probe;
  int failures_ = 0;
  Nanos retry_at_ = 0;
  std::set<std::string> noted_;
  simdjson::dom::parser parser_;
};

}  // namespace

std::unique_ptr<Sampler> make_server_sampler(ServerEndpoint endpoint) {
  return std::make_unique<ServerSampler>(std::move(endpoint));
}

}  // namespace hakari::telemetry
