// The client's per-chunk work: framing, timestamping, parsing, recording. Each benchmark
// reports time and heap allocations per frame; after warm-up the steady state should
// allocate nothing. Run: build/bench_client_hot_path
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "hakari/backend/frame_parser.h"
#include "hakari/backend/response_decoder.h"
#include "hakari/core/clock.h"
#include "hakari/transport/ndjson_framer.h"
#include "hakari/transport/sse_framer.h"

// Counts every heap allocation in the process, to report allocations per frame.
static std::atomic<std::uint64_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace hakari;

// A llama.cpp-style chat stream of `tokens` content chunks, one SSE event per read.
std::vector<std::string> chat_stream_reads(int tokens) {
  std::vector<std::string> reads;
  const std::string env = R"(,"created":1795820216,"id":"chatcmpl-kXbCVaFMlRucJkdEDhSs4TiHfzbs4CVM","model":"m","system_fingerprint":"b5601-d01ac08d","object":"chat.completion.chunk"})";
  reads.push_back(R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}])" + env + "\n\n");
  for (int i = 0; i < tokens; ++i) {
    reads.push_back(R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":" лтати"}}])" + env + "\n\n");
  }
  reads.push_back(R"(data: {"choices":[{"finish_reason":"length","index":0,"delta":{}}])" +
                  env.substr(0, env.size() - 1) +
                  R"(,"usage":{"completion_tokens":256,"prompt_tokens":32,"total_tokens":288},"timings":{"prompt_n":32,"prompt_ms":14.515,"predicted_n":256,"predicted_ms":1037.76}})" +
                  "\n\n");
  reads.push_back("data: [DONE]\n\n");
  return reads;
}

void report(benchmark::State& state, std::uint64_t allocations, std::size_t frames_per_iteration, std::size_t bytes) {
  const auto frames = static_cast<double>(state.iterations() * frames_per_iteration);
  state.counters["allocs/frame"] = static_cast<double>(allocations) / frames;
  state.counters["frames/s"] = benchmark::Counter(frames, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_SseFraming(benchmark::State& state) {
  const auto reads = chat_stream_reads(256);
  std::size_t bytes = 0;
  for (const auto& r : reads) bytes += r.size();
  transport::SseFramer framer;
  std::size_t events = 0;
  framer.feed(reads[1], [&](const transport::SseEvent&) { ++events; });  // warm the buffers
  const auto before = g_allocations.load();
  for (auto _ : state) {
    for (const auto& r : reads) framer.feed(r, [&](const transport::SseEvent& e) { benchmark::DoNotOptimize(e.data.data()); });
  }
  report(state, g_allocations.load() - before, reads.size(), bytes);
}
BENCHMARK(BM_SseFraming);

void BM_SseFramingByteByByte(benchmark::State& state) {
  const auto reads = chat_stream_reads(16);
  std::string all;
  for (const auto& r : reads) all += r;
  transport::SseFramer framer;
  framer.feed(all, [](const transport::SseEvent&) {});
  const auto before = g_allocations.load();
  for (auto _ : state) {
    for (char c : all) framer.feed(std::string_view(&c, 1), [](const transport::SseEvent& e) { benchmark::DoNotOptimize(e.data.data()); });
  }
  report(state, g_allocations.load() - before, reads.size(), all.size());
}
BENCHMARK(BM_SseFramingByteByByte);

void BM_ParseContentChunk(benchmark::State& state) {
  const std::string frame =
      R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":" лтати"}}],"created":1795820216,"id":"chatcmpl-kXbCVaFMlRucJkdEDhSs4TiHfzbs4CVM","model":"m","system_fingerprint":"b5601-d01ac08d","object":"chat.completion.chunk"})";
  backend::FrameParser parser;
  backend::FrameInfo info;
  std::string error;
  parser.parse(backend::ApiKind::openai_chat, frame, info, error);
  const auto before = g_allocations.load();
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.parse(backend::ApiKind::openai_chat, frame, info, error));
    benchmark::DoNotOptimize(info.tokens);
  }
  report(state, g_allocations.load() - before, 1, frame.size());
}
BENCHMARK(BM_ParseContentChunk);

// The whole per-read path of one streamed request: timestamp, frame, parse, record.
void BM_DecodeStreamedResponse(benchmark::State& state) {
  const auto reads = chat_stream_reads(256);
  std::size_t bytes = 0;
  for (const auto& r : reads) bytes += r.size();
  backend::FrameParser parser;
  backend::ResponseDecoder decoder(backend::ApiKind::openai_chat, parser);
  metrics::RequestRecord record;
  record.chunks.reserve(512);
  std::uint64_t allocations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    record.chunks.clear();
    record.finish_reason.reserve(16);
    decoder.begin(record, 256);
    const auto before = g_allocations.load();
    state.ResumeTiming();
    decoder.on_status(200, now_ns());
    for (const auto& r : reads) decoder.on_body(r, now_ns());
    decoder.on_complete(transport::TransferResult{}, now_ns());
    allocations += g_allocations.load() - before;
    benchmark::DoNotOptimize(record.output_tokens);
  }
  report(state, allocations, reads.size(), bytes);
}
BENCHMARK(BM_DecodeStreamedResponse);

void BM_NdjsonFraming(benchmark::State& state) {
  std::string stream;
  for (int i = 0; i < 256; ++i) stream += R"({"model":"qwen3:32b","created_at":"2025-05-01T10:00:00.101Z","message":{"role":"assistant","content":" sky"},"done":false})" "\n";
  transport::NdjsonFramer framer;
  framer.feed(stream, [](std::string_view) {});
  const auto before = g_allocations.load();
  for (auto _ : state) {
    framer.feed(stream, [](std::string_view l) { benchmark::DoNotOptimize(l.data()); });
  }
  report(state, g_allocations.load() - before, 256, stream.size());
}
BENCHMARK(BM_NdjsonFraming);

void BM_Timestamp(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(now_ns());
}
BENCHMARK(BM_Timestamp);

}  // namespace

BENCHMARK_MAIN();
