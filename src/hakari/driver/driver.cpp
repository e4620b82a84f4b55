#include "hakari/driver/driver.h"

#include "hakari/backend/request_builder.h"
#include "hakari/backend/response_decoder.h"

namespace hakari::driver {

using metrics::RequestRecord;

// One in-flight request: its record, its decoder, and the slot it occupies.
struct Driver::Stream final : transport::TransferObserver {
  explicit Stream(Driver& d) : decoder(d.target_.api, d.parser_, d.workload_.keep_text) {}

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
  bool busy = false;
  bool finished = false;  // completed, record not yet handed to the observer
  bool warmup = false;
};

Driver::Driver(TargetSpec target, WorkloadSpec workload)
    : target_(std::move(target)), workload_(std::move(workload)), prompts_(workload_.prompt_seed) {}

Driver::~Driver() { loop_.cancel_all(); }

void Driver::issue(Stream& s, std::int64_t index, bool warmup, const std::string& id_prefix) {
  s.record = RequestRecord{};
  s.record.index = index;
  s.record.request_id = id_prefix + (warmup ? "-w" : "-") + std::to_string(index);
  s.warmup = warmup;
  s.busy = true;
  s.finished = false;

  backend::GenerationParams params;
  params.model = workload_.model;
  // Warm-ups get their own prompts so they cannot pre-fill a cache for measured requests.
  params.prompt = prompts_.make(warmup ? -1 - index : index, workload_.prompt_tokens);
  params.max_tokens = workload_.max_tokens;
  params.force_length = workload_.force_length;
  params.temperature = workload_.temperature;
  params.seed = workload_.seed;
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

  s.decoder.begin(s.record, static_cast<std::size_t>(workload_.max_tokens));
  // Closed loop: the request is due the moment its slot frees, which is now.
  s.record.scheduled = now_ns();
  s.record.sent = s.record.scheduled;
  loop_.start(req, &s);
}

CellEnd Driver::run_phase(int concurrency, std::int64_t count, bool warmup, const CellPlan& plan,
                          DriverObserver& observer, CellProgress& progress, const std::atomic<bool>& stop) {
  while (streams_.size() < static_cast<std::size_t>(concurrency)) streams_.push_back(std::make_unique<Stream>(*this));
  std::int64_t issued = 0;
  std::int64_t in_flight = 0;
  CellEnd end = CellEnd::complete;
  auto collect = [&] {
    for (auto& s : streams_) {
      if (!s->finished) continue;
      s->finished = false;
      --in_flight;
      if (s->record.ok()) {
        ++progress.ok;
        progress.output_tokens += s->record.output_tokens;
      } else if (s->record.status == metrics::RequestStatus::failed) {
        ++progress.failed;
      }
      observer.on_request_done(std::move(s->record), s->warmup);
    }
  };
  while (issued < count || in_flight > 0) {
    const bool stopped = stop.load(std::memory_order_relaxed);
    if (stopped || (plan.deadline > 0 && now_ns() >= plan.deadline)) {
      end = stopped ? CellEnd::interrupted : CellEnd::timed_out;
      loop_.cancel_all();
      collect();
      break;
    }
    for (int i = 0; i < concurrency && issued < count; ++i) {
      Stream& s = *streams_[static_cast<std::size_t>(i)];
      if (s.busy || s.finished) continue;
      issue(s, issued++, warmup, plan.request_id_prefix);
      ++in_flight;
    }
    progress.in_flight = in_flight;
    observer.on_progress(progress);
    loop_.poll(50 * kNanosPerMilli);
    collect();
  }
  return end;
}

CellEnd Driver::run_cell(const CellPlan& plan, DriverObserver& observer, const std::atomic<bool>& stop) {
  CellProgress progress;
  progress.concurrency = plan.concurrency;
  progress.started = now_ns();
  if (plan.warmup > 0) {
    progress.warming_up = true;
    progress.planned = plan.warmup;
    CellProgress warm = progress;
    if (CellEnd end = run_phase(std::min(plan.concurrency, plan.warmup), plan.warmup, true, plan, observer, warm, stop);
        end != CellEnd::complete) {
      return end;
    }
  }
  progress.warming_up = false;
  progress.planned = plan.requests;
  progress.started = now_ns();
  return run_phase(plan.concurrency, plan.requests, false, plan, observer, progress, stop);
}

}  // namespace hakari::driver
