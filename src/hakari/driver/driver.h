// Drives load against one target: issues requests as the load profile says, follows every
// stream to its end, and hands each finished record to an observer. Knows the protocol
// only through backend::ResponseDecoder and the network only through the HTTP loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hakari/backend/api.h"
#include "hakari/backend/frame_parser.h"
#include "hakari/core/clock.h"
#include "hakari/load/synthetic_prompt.h"
#include "hakari/metrics/request_record.h"
#include "hakari/transport/http_client.h"

namespace hakari::driver {

struct TargetSpec {
  std::string base_url;  // normalised, no trailing slash
  backend::ApiKind api = backend::ApiKind::openai_chat;
  std::vector<std::string> headers;  // extra request headers, e.g. Authorization
  Nanos connect_timeout = 10 * kNanosPerSecond;
  Nanos request_timeout = 600 * kNanosPerSecond;  // whole request
  Nanos idle_timeout = 120 * kNanosPerSecond;     // no byte for this long
};

struct WorkloadSpec {
  std::string model;
  std::int64_t prompt_tokens = 128;
  std::int64_t max_tokens = 128;
  bool force_length = true;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  std::uint64_t prompt_seed = 0;
  bool keep_text = false;
};

// Closed loop: `concurrency` requests in flight until `requests` have been sent, after
// `warmup` unmeasured requests.
struct CellPlan {
  int concurrency = 1;
  int requests = 1;
  int warmup = 0;
  std::string request_id_prefix;  // request ids are "<prefix>-<index>" ("-w<index>" for warm-up)
  Nanos deadline = 0;             // monotonic time at which the cell is cut short; 0: none
};

struct CellProgress {
  int concurrency = 0;
  bool warming_up = false;
  std::int64_t planned = 0;
  std::int64_t ok = 0;
  std::int64_t failed = 0;
  std::int64_t in_flight = 0;
  std::int64_t output_tokens = 0;
  Nanos started = 0;
};

class DriverObserver {
 public:
  virtual ~DriverObserver() = default;
  virtual void on_request_done(metrics::RequestRecord&& record, bool warmup) = 0;
  // Called on every turn of the event loop; throttle as needed.
  virtual void on_progress(const CellProgress& /*progress*/) {}
};

enum class CellEnd {
  complete,
  interrupted,  // `stop` was set (Ctrl-C)
  timed_out,    // the plan's deadline passed
};

class Driver {
 public:
  Driver(TargetSpec target, WorkloadSpec workload);
  ~Driver();

  // Runs one cell. Returns early (cancelling what is in flight, whose records still reach
  // the observer as cancelled) once `stop` becomes true or the plan's deadline passes.
  CellEnd run_cell(const CellPlan& plan, DriverObserver& observer, const std::atomic<bool>& stop);

 private:
  struct Stream;
  void issue(Stream& s, std::int64_t index, bool warmup, const std::string& id_prefix);
  CellEnd run_phase(int concurrency, std::int64_t count, bool warmup, const CellPlan& plan,
                    DriverObserver& observer, CellProgress& progress, const std::atomic<bool>& stop);

  TargetSpec target_;
  WorkloadSpec workload_;
  load::SyntheticPrompts prompts_;
  transport::HttpClientLoop loop_;
  backend::FrameParser parser_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::string body_;  // reused to build each request body
};

}  // namespace hakari::driver
