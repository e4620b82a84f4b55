#include "hakari/driver/driver.h"

#include <deque>

#include "hakari/backend/request_builder.h"
#include "hakari/backend/response_decoder.h"

namespace hakari::driver {

using metrics::RequestRecord;

namespace {

// How often the loop surfaces for progress and stop checks when nothing else wakes it.
constexpr Nanos kTick = 50 * kNanosPerMilli;

}  // namespace

// One request in flight: its record, its decoder, and the unit it belongs to.
struct Driver::Stream final : transport::TransferObserver {
  explicit Stream(Driver& d) : decoder(d.target_.api, d.parser_, d.target_.keep_text) {}

  void on_status(long http_status, Nanos t) override { decoder.on_status(http_status, t); }
  void on_resend(Nanos t) override { decoder.on_resend(t); }
  bool on_body(std::string_view bytes, Nanos t) override { return decoder.on_body(bytes, t); }
  void on_complete(const transport::TransferResult& result, Nanos t) override {
    decoder.on_complete(result, t);
    busy = false;
    finished = true;
  }

  backend::ResponseDecoder decoder;
  RequestRecord record;
  load::PromptSpec spec;
  std::int64_t unit = 0;
  bool busy = false;
  bool finished = false;  // completed, record not yet handed to the observer
  bool warmup = false;
};

// One pass over a set of units (the warm-up, or the measured level): starts them as the
// plan says, follows conversations turn by turn, and accounts for what was never sent.
class Driver::Phase {
 public:
  Phase(Driver& d, const LevelPlan& plan, bool warmup, DriverObserver& observer, LevelResult& result)
      : d_(d), plan_(plan), warmup_(warmup), observer_(observer), result_(result) {
    open_ = !warmup && plan.open_loop;
    units_ = warmup ? plan.warmup : plan.units;
    cap_ = warmup ? std::min<std::int64_t>(plan.concurrency, plan.warmup) : plan.concurrency;
    progress_.concurrency = plan.concurrency;
    progress_.warming_up = warmup;
    progress_.planned = open_ ? static_cast<std::int64_t>(plan.arrivals.size()) : units_;
  }

  CellEnd run(const std::atomic<bool>& stop) {
    start_ = progress_.started = now_ns();
    result_.origin = start_;
    stop_starting_ = plan_.duration > 0 && !warmup_ ? start_ + plan_.duration : kNever;
    for (;;) {
      const bool stopped = stop.load(std::memory_order_relaxed);
      if (stopped || (plan_.deadline > 0 && now_ns() >= plan_.deadline)) {
        d_.loop_.cancel_all();
        collect(false);
        account_unsent();
        return stopped ? CellEnd::interrupted : CellEnd::timed_out;
      }
      const Nanos now = now_ns();
      start_due(now);
      progress_.in_flight = in_flight_;
      observer_.on_progress(progress_);
      if (in_flight_ == 0 && !more_to_start(now)) break;
      const Nanos wake = next_wake();
      const Nanos until = std::min(wake, now_ns() + kTick);
      d_.loop_.poll_until(until);
      if (until == wake && wake_is_arrival_) {
        // Woken for a due arrival: how late the loop itself was.
        const Nanos late = now_ns() - wake;
        if (late >= 0) result_.wake_delay_us.push_back(static_cast<std::int32_t>(std::min<Nanos>(late / 1000, INT32_MAX)));
      }
      collect(true);
    }
    account_unsent();
    return CellEnd::complete;
  }

 private:
  bool more_to_start(Nanos now) const {
    if (!turns_.empty()) return true;
    if (now >= stop_starting_) return false;
    if (open_) return next_arrival_ < plan_.arrivals.size();
    return units_ > 0 ? next_unit_ < units_ : plan_.duration > 0;
  }
  bool has_room() const { return cap_ <= 0 || in_flight_ < cap_; }
  // Due in the warm-up or cool-down window of a measured phase: sent, not measured.
  bool outside_window(Nanos scheduled) const {
    if (warmup_) return false;
    if (plan_.warmup_window > 0 && scheduled < start_ + plan_.warmup_window) return true;
    return plan_.duration > 0 && plan_.cooldown_window > 0 && scheduled >= start_ + plan_.duration - plan_.cooldown_window;
  }

  // Follow-up turns first (their conversation holds its place), then due units.
  void start_due(Nanos now) {
    while (!turns_.empty()) {
      auto& [unit, spec] = turns_.front();
      if (now >= stop_starting_) {
        ++result_.never_sent;
      } else {
        d_.issue(d_.idle_stream(), unit, std::move(spec), warmup_, now, plan_);
        ++in_flight_;
      }
      turns_.pop_front();
    }
    if (now >= stop_starting_) return;
    if (open_) {
      while (next_arrival_ < plan_.arrivals.size() && has_room()) {
        const Arrival& a = plan_.arrivals[next_arrival_];
        const Nanos due = start_ + a.at;
        if (due > now) break;
        d_.issue(d_.idle_stream(), a.unit, d_.workload_.first(a.unit), warmup_, due, plan_);
        ++in_flight_;
        ++next_arrival_;
      }
      return;
    }
    // Units 0 runs until the duration; without one there is nothing to run.
    while (has_room() && (units_ > 0 ? next_unit_ < units_ : stop_starting_ != kNever)) {
      // Warm-ups get units of their own so they cannot pre-fill a cache for measured ones.
      const std::int64_t unit = warmup_ ? -1 - next_unit_ : next_unit_;
      d_.issue(d_.idle_stream(), unit, d_.workload_.first(unit), warmup_, now, plan_);
      ++in_flight_;
      ++next_unit_;
    }
  }

  Nanos next_wake() {
    wake_is_arrival_ = false;
    Nanos wake = kNever;
    if (open_ && next_arrival_ < plan_.arrivals.size() && has_room()) {
      wake = start_ + plan_.arrivals[next_arrival_].at;
      wake_is_arrival_ = true;
    }
    if (stop_starting_ < wake && stop_starting_ > now_ns()) {
      wake = stop_starting_;
      wake_is_arrival_ = false;
    }
    return wake;
  }

  // Hands finished records to the observer; queues the next turn of a conversation.
  void collect(bool may_continue) {
    for (auto& sp : d_.streams_) {
      Stream& s = *sp;
      if (!s.finished) continue;
      s.finished = false;
      --in_flight_;
      RequestRecord& rec = s.record;
      if (rec.ok()) {
        ++progress_.ok;
        progress_.output_tokens += rec.output_tokens;
      } else if (rec.status == metrics::RequestStatus::failed) {
        ++progress_.failed;
      }
      // The workload sees every answer (a conversation's last one is scored there), even
      // when the level is ending and no follow-up may go.
      std::optional<load::PromptSpec> follow =
          d_.workload_.next(s.unit, s.spec, load::Answer{rec.ok(), rec.output_text, rec.output_tokens});
      if (!may_continue && follow) {
        follow.reset();
        ++result_.never_sent;  // a conversation cut before this turn could go
      }
      // The text was kept for the workload's next turn; it is stored only when asked for.
      if (!d_.target_.keep_text) rec.output_text.clear();
      const bool unmeasured = warmup_ || outside_window(rec.scheduled);
      observer_.on_request_done(std::move(rec), unmeasured);
      if (follow) turns_.emplace_back(s.unit, std::move(*follow));
    }
  }

  // Arrivals the level ended before sending, and conversations cut mid-way.
  void account_unsent() {
    if (open_) result_.never_sent += static_cast<std::int64_t>(plan_.arrivals.size() - next_arrival_);
    result_.never_sent += static_cast<std::int64_t>(turns_.size());
    turns_.clear();
  }

  Driver& d_;
  const LevelPlan& plan_;
  bool warmup_;
  DriverObserver& observer_;
  LevelResult& result_;
  CellProgress progress_;
  bool open_ = false;
  std::int64_t units_ = 0;
  std::int64_t cap_ = 0;
  Nanos start_ = 0;
  Nanos stop_starting_ = kNever;
  std::int64_t in_flight_ = 0;
  std::int64_t next_unit_ = 0;
  std::size_t next_arrival_ = 0;
  bool wake_is_arrival_ = false;
  std::deque<std::pair<std::int64_t, load::PromptSpec>> turns_;  // conversations' next turns, due now
};

Driver::Driver(TargetSpec target, load::Workload& workload) : target_(std::move(target)), workload_(workload) {}

Driver::~Driver() { loop_.cancel_all(); }

Driver::Stream& Driver::idle_stream() {
  for (auto& s : streams_) {
    if (!s->busy && !s->finished) return *s;
  }
  streams_.push_back(std::make_unique<Stream>(*this));
  return *streams_.back();
}

void Driver::issue(Stream& s, std::int64_t unit, load::PromptSpec spec, bool warmup, Nanos scheduled,
                   const LevelPlan& plan) {
  s.record = RequestRecord{};
  s.record.index = unit;
  s.record.turn = spec.turn;
  s.record.sample_id = spec.sample_id;
  s.record.request_id = plan.request_id_prefix + (warmup ? "-w" : "-") + std::to_string(warmup ? -1 - unit : unit);
  if (spec.turn > 0) s.record.request_id += "." + std::to_string(spec.turn);
  s.spec = std::move(spec);
  s.unit = unit;
  s.warmup = warmup;
  s.busy = true;
  s.finished = false;

  backend::GenerationParams params;
  params.model = target_.model;
  params.messages = s.spec.messages;
  params.max_tokens = s.spec.max_tokens;
  params.force_length = s.spec.force_length;
  params.temperature = target_.temperature;
  params.seed = target_.seed;
  backend::build_body(target_.api, params, body_);

  transport::HttpRequest req;
  req.method = "POST";
  req.url = target_.base_url + std::string(backend::endpoint_path(target_.api));
  req.headers = target_.headers;
  req.headers.emplace_back("Content-Type: application/json");
  req.headers.emplace_back("X-Request-Id: " + s.record.request_id);
  req.body = body_;
  req.connect_timeout = target_.connect_timeout;
  req.total_timeout = target_.request_timeout;
  req.idle_timeout = target_.idle_timeout;

  s.decoder.begin(s.record, static_cast<std::size_t>(s.spec.max_tokens), target_.keep_text || s.spec.keep_answer);
  s.record.scheduled = scheduled;
  s.record.sent = now_ns();
  loop_.start(req, &s);
}

LevelResult Driver::run_level(const LevelPlan& plan, DriverObserver& observer, const std::atomic<bool>& stop) {
  LevelResult result;
  if (plan.warmup > 0) {
    LevelResult warm;
    Phase phase(*this, plan, true, observer, warm);
    result.end = phase.run(stop);
    if (result.end != CellEnd::complete) return result;
  }
  Phase phase(*this, plan, false, observer, result);
  result.end = phase.run(stop);
  return result;
}

}  // namespace hakari::driver
