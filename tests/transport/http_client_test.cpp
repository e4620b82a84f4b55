#include "hakari/transport/http_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/scripted_server.h"

namespace hakari::transport {
namespace {

using hakari::testing::http_chunk;
using hakari::testing::ScriptedServer;
using hakari::testing::sse_headers;

struct Recorder final : TransferObserver {
  long status = 0;
  Nanos status_t = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<Nanos, std::string>> reads;
  TransferResult result;
  int completions = 0;
  bool abort_on_body = false;

  void on_status(long s, Nanos t) override {
    status = s;
    status_t = t;
  }
  void on_header(std::string_view n, std::string_view v) override { headers.emplace_back(n, v); }
  bool on_body(std::string_view bytes, Nanos t) override {
    reads.emplace_back(t, std::string(bytes));
    return !abort_on_body;
  }
  void on_complete(const TransferResult& r, Nanos) override {
    result = r;
    ++completions;
  }
  std::string body() const {
    std::string b;
    for (const auto& r : reads) b += r.second;
    return b;
  }
};

void run_to_completion(HttpClientLoop& loop) {
  const Nanos deadline = now_ns() + 20 * kNanosPerSecond;
  while (loop.in_flight() > 0 && now_ns() < deadline) loop.poll(50 * kNanosPerMilli);
}

HttpRequest post(const std::string& url, std::string body = "{\"x\":1}") {
  HttpRequest req;
  req.url = url;
  req.body = std::move(body);
  req.headers = {"Content-Type: application/json", "X-Request-Id: test-7"};
  return req;
}

TEST(HttpClientLoop, StampsEachReadWhenItArrives) {
  ScriptedServer server({{0, sse_headers() + http_chunk("data: one\n\n")},
                         {120, http_chunk("data: two\n\n")},
                         {0, http_chunk("")}});
  HttpClientLoop loop;
  Recorder rec;
  const Nanos sent = now_ns();
  loop.start(post(server.url() + "/v1/chat/completions"), &rec);
  run_to_completion(loop);

  ASSERT_EQ(rec.completions, 1);
  EXPECT_EQ(rec.result.error, TransferError::none) << rec.result.detail;
  EXPECT_EQ(rec.status, 200);
  EXPECT_EQ(rec.body(), "data: one\n\ndata: two\n\n");
  ASSERT_GE(rec.reads.size(), 2u);
  const double gap_ms = to_ms(rec.reads.back().first - rec.reads.front().first);
  EXPECT_GE(gap_ms, 115.0);
  EXPECT_LT(gap_ms, 200.0);
  EXPECT_GE(rec.status_t, sent);
  EXPECT_LE(rec.status_t, rec.reads.front().first);
}

TEST(HttpClientLoop, SendsBodyAndHeaders) {
  ScriptedServer server({{0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}});
  HttpClientLoop loop;
  Recorder rec;
  loop.start(post(server.url() + "/completion", "{\"prompt\":\"hi\"}"), &rec);
  run_to_completion(loop);
  const std::string req = server.request();
  EXPECT_EQ(req.rfind("POST /completion HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("X-Request-Id: test-7\r\n"), std::string::npos);
  EXPECT_EQ(req.find("Expect:"), std::string::npos);
  EXPECT_EQ(req.substr(req.size() - 15), "{\"prompt\":\"hi\"}");
  EXPECT_EQ(rec.body(), "ok");
}

TEST(HttpClientLoop, ReportsErrorStatusWithItsBody) {
  const std::string body = "{\"error\":{\"code\":500,\"message\":\"boom\",\"type\":\"server_error\"}}";
  ScriptedServer server({{0, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body}});
  HttpClientLoop loop;
  Recorder rec;
  loop.start(post(server.url() + "/v1/chat/completions"), &rec);
  run_to_completion(loop);
  EXPECT_EQ(rec.status, 500);
  EXPECT_EQ(rec.result.error, TransferError::none);
  EXPECT_EQ(rec.result.http_status, 500);
  EXPECT_EQ(rec.body(), body);
  bool saw_type = false;
  for (const auto& [n, v] : rec.headers) saw_type = saw_type || (n == "Content-Type" && v == "application/json");
  EXPECT_TRUE(saw_type);
}

TEST(HttpClientLoop, AnAbruptCloseMidStreamIsARecvError) {
  ScriptedServer server({{0, sse_headers() + http_chunk("data: one\n\n")}});  // then closes, no last chunk
  HttpClientLoop loop;
  Recorder rec;
  loop.start(post(server.url() + "/v1/chat/completions"), &rec);
  run_to_completion(loop);
  EXPECT_EQ(rec.result.error, TransferError::recv) << rec.result.detail;
  EXPECT_EQ(rec.body(), "data: one\n\n");
}

TEST(HttpClientLoop, ARefusedConnectionIsAConnectError) {
  int port = 0;
  {
    ScriptedServer probe(std::vector<hakari::testing::ScriptStep>{});  // take a free port, then give it back
    port = std::stoi(probe.url().substr(17));
    // Connect once so the scripted server's accept returns and it can shut down.
    HttpClientLoop loop;
    Recorder rec;
    loop.start(post(probe.url() + "/"), &rec);
    run_to_completion(loop);
  }
  HttpClientLoop loop;
  Recorder rec;
  loop.start(post("http://127.0.0.1:" + std::to_string(port) + "/v1/models"), &rec);
  run_to_completion(loop);
  EXPECT_EQ(rec.result.error, TransferError::connect) << rec.result.detail;
  EXPECT_EQ(rec.status, 0);
}

TEST(HttpClientLoop, IdleTimeoutFailsAStalledStream) {
  ScriptedServer server({{0, sse_headers() + http_chunk("data: one\n\n")}, {3000, http_chunk("data: late\n\n")}});
  HttpClientLoop loop;
  Recorder rec;
  HttpRequest req = post(server.url() + "/v1/chat/completions");
  req.idle_timeout = 1 * kNanosPerSecond;
  const Nanos start = now_ns();
  loop.start(req, &rec);
  run_to_completion(loop);
  EXPECT_EQ(rec.result.error, TransferError::timeout) << rec.result.detail;
  EXPECT_LT(to_s(now_ns() - start), 2.9);
}

TEST(HttpClientLoop, ObserverCanAbortAndCancelEndsATransferAtOnce) {
  {
    ScriptedServer server({{0, sse_headers() + http_chunk("data: one\n\n")}, {500, http_chunk("")}});
    HttpClientLoop loop;
    Recorder rec;
    rec.abort_on_body = true;
    loop.start(post(server.url() + "/v1/chat/completions"), &rec);
    run_to_completion(loop);
    EXPECT_EQ(rec.result.error, TransferError::aborted);
  }
  {
    ScriptedServer server({{0, sse_headers()}, {2000, http_chunk("")}});
    HttpClientLoop loop;
    Recorder rec;
    TransferId id = loop.start(post(server.url() + "/v1/chat/completions"), &rec);
    for (int i = 0; i < 5; ++i) loop.poll(20 * kNanosPerMilli);
    loop.cancel(id);
    EXPECT_EQ(rec.completions, 1);
    EXPECT_EQ(rec.result.error, TransferError::cancelled);
    EXPECT_EQ(loop.in_flight(), 0u);
  }
}

struct ResendCounter final : TransferObserver {
  Recorder inner;
  std::vector<Nanos> resends;
  void on_status(long s, Nanos t) override { inner.on_status(s, t); }
  void on_resend(Nanos t) override { resends.push_back(t); }
  bool on_body(std::string_view bytes, Nanos t) override { return inner.on_body(bytes, t); }
  void on_complete(const TransferResult& r, Nanos t) override { inner.on_complete(r, t); }
};

// What llama.cpp's server does: it answers with keep-alive, then closes the connection
// after the response; the client's next request on it is read and never answered.
TEST(HttpClientLoop, ARequestDroppedOnAReusedConnectionIsSentAgainOnceOnAFreshOne) {
  const std::string ok = "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 2\r\n\r\nok";
  ScriptedServer server(std::vector<std::vector<hakari::testing::ScriptStep>>{
      {{0, ok}, {0, "", true}},  // answers the first request; reads the second, closes
      {{0, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain"}},
  });
  HttpClientLoop loop;
  ResendCounter first;
  loop.start(post(server.url() + "/v1/chat/completions"), &first);
  run_to_completion(loop);
  ASSERT_EQ(first.inner.result.error, TransferError::none) << first.inner.result.detail;
  EXPECT_TRUE(first.resends.empty());
  ResendCounter second;
  const Nanos sent = now_ns();
  loop.start(post(server.url() + "/v1/chat/completions"), &second);
  run_to_completion(loop);
  EXPECT_EQ(second.inner.result.error, TransferError::none) << second.inner.result.detail;
  EXPECT_EQ(second.inner.body(), "again");
  ASSERT_EQ(second.resends.size(), 1u);
  EXPECT_GE(second.resends[0], sent);
  EXPECT_LE(second.resends[0], second.inner.status_t);
  EXPECT_EQ(server.accepted(), 2);
}

// Resent once only: a server that drops the fresh connection too fails the request.
TEST(HttpClientLoop, ARequestDroppedTwiceFailsAfterOneResend) {
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  ScriptedServer server(std::vector<std::vector<hakari::testing::ScriptStep>>{
      {{0, ok}, {0, "", true}},
      {},  // reads the resent request and closes without a byte
      {{0, ok}},
  });
  HttpClientLoop loop;
  Recorder first;
  loop.start(post(server.url() + "/v1/chat/completions"), &first);
  run_to_completion(loop);
  ResendCounter second;
  loop.start(post(server.url() + "/v1/chat/completions"), &second);
  run_to_completion(loop);
  EXPECT_EQ(second.inner.result.error, TransferError::recv) << second.inner.result.detail;
  EXPECT_EQ(second.inner.result.detail,
            "the server closed the connection without a response, also on a fresh connection");
  EXPECT_EQ(second.resends.size(), 1u);
  EXPECT_EQ(server.accepted(), 2);
}

// A fresh connection that closes before any byte was read by the server, which may have
// died on it: that is a failure, never sent again.
TEST(HttpClientLoop, AFreshConnectionClosedWithoutAResponseIsNotResent) {
  ScriptedServer server(std::vector<std::vector<hakari::testing::ScriptStep>>{{}, {}});
  HttpClientLoop loop;
  ResendCounter rec;
  loop.start(post(server.url() + "/v1/chat/completions"), &rec);
  run_to_completion(loop);
  EXPECT_EQ(rec.inner.result.error, TransferError::recv) << rec.inner.result.detail;
  EXPECT_TRUE(rec.resends.empty());
  EXPECT_EQ(server.accepted(), 1);
}

// Once any byte of the response arrived, the server has the request: never resent.
TEST(HttpClientLoop, AConnectionClosedAfterTheHeadersIsNotResent) {
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  ScriptedServer server(std::vector<std::vector<hakari::testing::ScriptStep>>{
      {{0, ok}, {0, sse_headers(), true}},
      {{0, ok}},
  });
  HttpClientLoop loop;
  Recorder first;
  loop.start(post(server.url() + "/v1/chat/completions"), &first);
  run_to_completion(loop);
  ResendCounter second;
  loop.start(post(server.url() + "/v1/chat/completions"), &second);
  run_to_completion(loop);
  EXPECT_EQ(second.inner.result.error, TransferError::recv) << second.inner.result.detail;
  EXPECT_EQ(second.inner.status, 200);
  EXPECT_TRUE(second.resends.empty());
  EXPECT_EQ(server.accepted(), 1);
}

// A server that stalls right after its headers is caught by the idle limit, not left to
// the total timeout.
TEST(HttpClientLoop, IdleTimeoutStartsAtTheHeaders) {
  ScriptedServer server({{0, sse_headers()}, {4000, http_chunk("data: late\n\n")}});
  HttpClientLoop loop;
  Recorder rec;
  HttpRequest req = post(server.url() + "/v1/chat/completions");
  req.idle_timeout = 500 * kNanosPerMilli;
  req.total_timeout = 30 * kNanosPerSecond;
  const Nanos start = now_ns();
  loop.start(req, &rec);
  run_to_completion(loop);
  EXPECT_EQ(rec.result.error, TransferError::timeout) << rec.result.detail;
  EXPECT_EQ(rec.status, 200);
  EXPECT_LT(to_s(now_ns() - start), 2.0);
}

// libcurl reads a 0 ms limit as "none": a sub-millisecond limit must still be a limit.
TEST(HttpClientLoop, ASubMillisecondTotalTimeoutIsStillALimit) {
  ScriptedServer server({{1500, sse_headers()}});
  HttpClientLoop loop;
  Recorder rec;
  HttpRequest req = post(server.url() + "/v1/chat/completions");
  req.total_timeout = 300 * 1000;  // 0.3 ms
  const Nanos start = now_ns();
  loop.start(req, &rec);
  run_to_completion(loop);
  EXPECT_EQ(rec.result.error, TransferError::timeout) << rec.result.detail;
  EXPECT_LT(to_s(now_ns() - start), 1.0);
}

TEST(HttpFetch, CollectsAWholeResponse) {
  ScriptedServer server({{0, "HTTP/1.1 200 OK\r\nServer: hakari-sim/0.1.0\r\nContent-Type: application/json\r\n"
                             "Content-Length: 15\r\n\r\n{\"status\":\"ok\"}"}});
  HttpRequest req;
  req.method = "GET";
  req.url = server.url() + "/health";
  FetchResult r = http_fetch(req);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.body, "{\"status\":\"ok\"}");
  EXPECT_EQ(r.server, "hakari-sim/0.1.0");
  EXPECT_EQ(r.content_type, "application/json");
}

TEST(HttpFetch, RefusesAnOversizedBody) {
  ScriptedServer server({{0, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x')}});
  HttpRequest req;
  req.method = "GET";
  req.url = server.url() + "/big";
  FetchResult r = http_fetch(req, 10);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.result.detail.find("larger than 10 bytes"), std::string::npos) << r.result.detail;
}

}  // namespace
}  // namespace hakari::transport
