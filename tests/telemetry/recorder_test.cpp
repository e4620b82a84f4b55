#include "hakari/telemetry/recorder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "hakari/transport/http_client.h"
#include "support/scripted_server.h"

namespace hakari::telemetry {
namespace {

// Counts its calls and, if told to, takes its time about each.
class FakeSampler final : public Sampler {
 public:
  explicit FakeSampler(std::atomic<int>& calls, int sleep_ms = 0) : calls_(calls), sleep_ms_(sleep_ms) {}
  std::string_view name() const override { return "fake"; }
  void sample(Snapshot& out) override {
    if (sleep_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    const int n = ++calls_;
    out.memory = MemoryReading{100, n, 100 - n, 0};
    if (n == 1) note("something is missing");
  }

 private:
  std::atomic<int>& calls_;
  int sleep_ms_;
};

std::vector<std::unique_ptr<Sampler>> fakes(std::atomic<int>& calls, int sleep_ms = 0) {
  std::vector<std::unique_ptr<Sampler>> v;
  v.push_back(std::make_unique<FakeSampler>(calls, sleep_ms));
  return v;
}

TEST(Recorder, SamplesOnAFixedGridAndOnceMoreAtStop) {
  std::atomic<int> calls{0};
  Recorder r(fakes(calls), 20 * kNanosPerMilli);
  std::vector<Nanos> times;
  std::vector<std::string> notes;
  r.on_snapshot([&](const Snapshot& s) { times.push_back(s.t); });
  r.on_note([&](Nanos, const std::string& source, const std::string& note) { notes.push_back(source + ": " + note); });
  r.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(210));
  r.stop();
  // About 11 on the grid (0, 20, ..., 200 ms) plus the one stop() takes.
  EXPECT_GE(times.size(), 9u);
  EXPECT_LE(times.size(), 14u);
  for (std::size_t i = 1; i + 1 < times.size(); ++i) {
    EXPECT_NEAR(to_ms(times[i] - times[i - 1]), 20.0, 8.0) << i;
  }
  EXPECT_EQ(notes, (std::vector<std::string>{"fake: something is missing"}));
  EXPECT_EQ(r.snapshots_taken(), times.size());
  EXPECT_EQ(r.latest().memory->used_bytes, static_cast<std::int64_t>(times.size()));
}

TEST(Recorder, StopIsPromptEvenWithALongInterval) {
  std::atomic<int> calls{0};
  Recorder r(fakes(calls), 60 * kNanosPerSecond);
  r.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const Nanos t0 = now_ns();
  r.stop();
  EXPECT_LT(to_ms(now_ns() - t0), 100.0);
  EXPECT_EQ(calls.load(), 2);
}

// The reason telemetry has its own thread: a sampler stuck for half a second (a server
// that answers /metrics slowly) must not delay a single timestamp of a stream.
TEST(Recorder, ASlowSamplerNeverDelaysTheRequestPath) {
  using hakari::testing::http_chunk;
  using hakari::testing::sse_headers;
  std::vector<hakari::testing::ScriptStep> script{{0, sse_headers()}};
  for (int i = 0; i < 40; ++i) script.push_back({20, http_chunk("data: {\"i\":" + std::to_string(i) + "}\n\n")});
  script.push_back({0, http_chunk("")});
  hakari::testing::ScriptedServer server(script);

  std::atomic<int> calls{0};
  Recorder recorder(fakes(calls, 500), 10 * kNanosPerMilli);
  recorder.start();

  struct Times final : transport::TransferObserver {
    std::vector<Nanos> reads;
    bool done = false;
    void on_status(long, Nanos) override {}
    bool on_body(std::string_view, Nanos t) override {
      reads.push_back(t);
      return true;
    }
    void on_complete(const transport::TransferResult&, Nanos) override { done = true; }
  } times;
  transport::HttpClientLoop loop;
  transport::HttpRequest req;
  req.url = server.url() + "/v1/chat/completions";
  req.body = "{}";
  loop.start(req, &times);
  const Nanos deadline = now_ns() + 10 * kNanosPerSecond;
  while (!times.done && now_ns() < deadline) loop.poll(50 * kNanosPerMilli);
  recorder.stop();

  ASSERT_GE(times.reads.size(), 40u);
  std::vector<double> gaps;
  for (std::size_t i = 2; i < times.reads.size(); ++i) gaps.push_back(to_ms(times.reads[i] - times.reads[i - 1]));
  std::sort(gaps.begin(), gaps.end());
  EXPECT_GT(calls.load(), 0);
  // Every gap is the server's 20 ms, give or take scheduling; none is the sampler's 500 ms.
  EXPECT_NEAR(gaps[gaps.size() / 2], 20.0, 3.0);
  EXPECT_LT(gaps.back(), 60.0);
}

}  // namespace
}  // namespace hakari::telemetry
