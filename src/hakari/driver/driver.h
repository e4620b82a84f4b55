// Drives load against one target: takes what to send from a workload and when from a
// level plan (closed loop: a number of units in flight; open loop: each unit at its
// precomputed time), follows every stream to its end, and hands each finished record to
// an observer. Knows the protocol only through backend::ResponseDecoder and the network
// only through the HTTP loop.
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
#include "hakari/load/workload.h"
#include "hakari/metrics/request_record.h"
#include "hakari/transport/http_client.h"

namespace hakari::driver {

struct TargetSpec {
  std::string base_url;  // normalised, no trailing slash
  backend::ApiKind api = backend::ApiKind::openai_chat;
  std::string model;                 // sent in requests; may be empty where the server ignores it
  std::vector<std::string> headers;  // extra request headers, e.g. Authorization
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;  // sampling seed sent to the server
  bool keep_text = false;            // store every answer's text (quality, --save-output)
  Nanos connect_timeout = 10 * kNanosPerSecond;
  Nanos request_timeout = 600 * kNanosPerSecond;  // whole request
  Nanos idle_timeout = 120 * kNanosPerSecond;     // no byte for this long
};

// A unit's start in an open-loop level: which unit, and when, from the level's start.
struct Arrival {
  std::int64_t unit = 0;
  Nanos at = 0;
};

// When the units of one level start.
struct LevelPlan {
  // Closed loop: `concurrency` units in flight until `units` have run (or, with units 0,
  // until `duration`). Open loop: each of `arrivals` at its time, whatever is in flight;
  // `concurrency` > 0 caps what may be in flight (an arrival over the cap waits and is late).
  bool open_loop = false;
  int concurrency = 1;
  std::int64_t units = 1;
  std::vector<Arrival> arrivals;
  Nanos duration = 0;  // no unit starts, and no turn, after this long; 0: none
  int warmup = 0;      // unmeasured units first, closed loop at min(concurrency, warmup)
  // By time, within the measured phase: requests due in its first `warmup_window` or (with
  // a duration) its last `cooldown_window` are sent to keep the load steady but kept apart
  // as unmeasured, like warm-ups.
  Nanos warmup_window = 0;
  Nanos cooldown_window = 0;
  std::string request_id_prefix;  // request ids are "<prefix>-<unit>[.<turn>]" ("-w…" for warm-up)
  Nanos deadline = 0;             // monotonic time at which the level is cut short; 0: none
};

struct CellProgress {
  int concurrency = 0;
  bool warming_up = false;
  std::int64_t planned = 0;  // units
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

// What the client itself saw of the level: whether it kept to the schedule.
struct LevelResult {
  CellEnd end = CellEnd::complete;
  Nanos origin = 0;  // when the measured phase began: open-loop arrivals are offsets from it
  std::int64_t never_sent = 0;  // scheduled units (or turns) the level ended before sending
  // How late the loop woke for a due arrival, one sample per wake-up (µs): the client's
  // own event-loop delay, apart from any wait for capacity.
  std::vector<std::int32_t> wake_delay_us;
};

class Driver {
 public:
  Driver(TargetSpec target, load::Workload& workload);
  ~Driver();

  // Runs one level. Returns early (cancelling what is in flight, whose records still reach
  // the observer as cancelled) once `stop` becomes true or the plan's deadline passes.
  LevelResult run_level(const LevelPlan& plan, DriverObserver& observer, const std::atomic<bool>& stop);

 private:
  struct Stream;
  class Phase;
  Stream& idle_stream();
  void issue(Stream& s, std::int64_t unit, load::PromptSpec spec, bool warmup, Nanos scheduled, const LevelPlan& plan);

  TargetSpec target_;
  load::Workload& workload_;
  transport::HttpClientLoop loop_;
  backend::FrameParser parser_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::string body_;  // reused to build each request body
};

}  // namespace hakari::driver
