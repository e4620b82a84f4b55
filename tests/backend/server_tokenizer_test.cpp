// ServerTokenizer against the simulator as llama.cpp and vLLM (their /tokenize and
// /detokenize), and against a canned server for what it sends and for malformed answers.
#include "hakari/backend/server_tokenizer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "hakari/load/document.h"
#include "hakari/sim/tokenizer.h"
#include "sim/sim_test_util.h"

namespace hakari::backend {
namespace {

using Dialect = ServerTokenizer::Dialect;

constexpr Nanos kTimeout = 5 * kNanosPerSecond;

std::string sim_url(const sim::testing::RunningSim& sim) { return "http://127.0.0.1:" + std::to_string(sim.port()); }

sim::testing::RunningSim start_sim(sim::Persona persona) {
  sim::SimOptions o = sim::testing::fast_fixed();
  o.persona = persona;
  return sim::testing::RunningSim(std::move(o));
}

// The simulator's own ids for a text, without special tokens.
std::vector<std::int64_t> sim_ids(std::string_view text) {
  std::vector<std::int64_t> ids;
  sim::split_tokens(text, [&](std::string_view piece) { ids.push_back(sim::token_id(piece)); });
  return ids;
}

// Words whose ids do not collide in the simulator's hashed vocabulary (its /detokenize
// gives the first piece it saw for an id: " climbed" comes back as "ü").
constexpr std::string_view kMixedText =
    "The lighthouse keeper walked up the stairs every evening, counting the steps as his father had. "
    "灯台守は毎晩階段を上り、父がそうしたように段を数えた。 Nothing changed, and everything did.";

TEST(ServerTokenizer, DialectFromTheProbedServerKind) {
  EXPECT_EQ(ServerTokenizer::for_server_kind("llama.cpp"), Dialect::llamacpp);
  EXPECT_EQ(ServerTokenizer::for_server_kind("vllm"), Dialect::vllm);
  EXPECT_EQ(ServerTokenizer::for_server_kind("ollama"), std::nullopt);
  EXPECT_EQ(ServerTokenizer::for_server_kind("lmstudio"), std::nullopt);
  EXPECT_EQ(ServerTokenizer::for_server_kind("openai-compatible"), std::nullopt);
  EXPECT_EQ(ServerTokenizer::for_server_kind(""), std::nullopt);
}

TEST(ServerTokenizer, Names) {
  EXPECT_EQ(ServerTokenizer("http://h", Dialect::llamacpp, "", {}, kTimeout).name(), "llama.cpp /tokenize");
  EXPECT_EQ(ServerTokenizer("http://h", Dialect::vllm, "m", {}, kTimeout).name(), "vLLM /tokenize");
}

class BothDialects : public ::testing::TestWithParam<Dialect> {
 protected:
  sim::Persona persona() const { return GetParam() == Dialect::llamacpp ? sim::Persona::llamacpp : sim::Persona::vllm; }
};

TEST_P(BothDialects, TokenizesWithoutSpecialTokensAndBack) {
  auto sim = start_sim(persona());
  ServerTokenizer tokenizer(sim_url(sim) + "/", GetParam(), "hakari-sim", {}, kTimeout);
  const auto ids = tokenizer.tokenize(kMixedText);
  ASSERT_TRUE(ids) << tokenizer.last_error();
  EXPECT_EQ(*ids, sim_ids(kMixedText));  // no BOS
  EXPECT_EQ(static_cast<std::int64_t>(ids->size()), sim::count_tokens(kMixedText));
  const auto text = tokenizer.detokenize(*ids);
  ASSERT_TRUE(text) << tokenizer.last_error();
  EXPECT_EQ(*text, kMixedText);
  EXPECT_EQ(tokenizer.last_error(), "");

  const auto none = tokenizer.tokenize("");
  ASSERT_TRUE(none) << tokenizer.last_error();
  EXPECT_TRUE(none->empty());
}

TEST_P(BothDialects, CutsADocumentToExactlyTheTokensAsked) {
  auto sim = start_sim(persona());
  ServerTokenizer tokenizer(sim_url(sim), GetParam(), "hakari-sim", {}, kTimeout);
  for (const std::int64_t tokens : {1, 37, 300}) {
    const load::Document doc = load::cut_to_tokens(kMixedText, tokens, &tokenizer, "test text");
    EXPECT_EQ(doc.tokens, tokens);
    EXPECT_EQ(doc.method, tokenizer.name());
    EXPECT_EQ(doc.source, "test text");
    const auto again = tokenizer.tokenize(doc.text);
    ASSERT_TRUE(again) << tokenizer.last_error();
    EXPECT_EQ(static_cast<std::int64_t>(again->size()), tokens) << doc.text;
  }
}

INSTANTIATE_TEST_SUITE_P(Sim, BothDialects, ::testing::Values(Dialect::llamacpp, Dialect::vllm),
                         [](const auto& param_info) { return param_info.param == Dialect::llamacpp ? "llamacpp" : "vllm"; });

// $HAKARI_SHARED_DIR/datasets, else ../shared beside the repository, else /work/shared.
std::string datasets_dir() {
  std::vector<std::string> candidates;
  if (const char* shared = std::getenv("HAKARI_SHARED_DIR"); shared != nullptr && *shared != '\0')
    candidates.push_back(std::string(shared) + "/datasets");
  candidates.push_back(std::string(HAKARI_SOURCE_DIR) + "/../shared/datasets");
  candidates.push_back("/work/shared/datasets");
  for (const auto& dir : candidates)
    if (std::filesystem::exists(dir + "/wikitext-2-raw/wiki.test.raw") &&
        std::filesystem::exists(dir + "/jglue-jsquad/valid-v1.3.json"))
      return dir;
  return {};
}

TEST(ServerTokenizer, CutsTheBuiltinCorporaExactly) {
  const std::string dir = datasets_dir();
  if (dir.empty()) GTEST_SKIP() << "no shared datasets (wikitext-2, JSQuAD)";
  auto sim = start_sim(sim::Persona::llamacpp);
  ServerTokenizer tokenizer(sim_url(sim), Dialect::llamacpp, "", {}, 30 * kNanosPerSecond);
  for (const std::string lang : {"en", "ja"}) {
    const std::string corpus = load::builtin_corpus(lang, dir);
    const load::Document doc = load::cut_to_tokens(corpus, 300, &tokenizer, load::builtin_corpus_source(lang));
    EXPECT_EQ(doc.tokens, 300) << lang;
    EXPECT_EQ(doc.method, "llama.cpp /tokenize");
    const auto again = tokenizer.tokenize(doc.text);
    ASSERT_TRUE(again) << tokenizer.last_error();
    EXPECT_EQ(again->size(), 300u) << lang;
    // Not corpus.starts_with(doc.text): the simulator's hashed ids collide on real text.
  }
}

TEST(ServerTokenizer, AServerWithoutTheRouteSaysSo) {
  auto sim = start_sim(sim::Persona::ollama);
  const std::string url = sim_url(sim);
  ServerTokenizer tokenizer(url, Dialect::llamacpp, "", {}, kTimeout);
  EXPECT_FALSE(tokenizer.tokenize("hello"));
  EXPECT_EQ(tokenizer.last_error().rfind(url + "/tokenize: HTTP 404", 0), 0u) << tokenizer.last_error();
  // cut_to_tokens then falls back to an estimate and says why.
  const load::Document doc = load::cut_to_tokens("hello world", 10, &tokenizer, "t");
  EXPECT_EQ(doc.method.rfind("estimate", 0), 0u) << doc.method;
}

TEST(ServerTokenizer, AnUnreachableServerNamesTheUrl) {
  ServerTokenizer tokenizer("http://127.0.0.1:1", Dialect::vllm, "m", {}, 2 * kNanosPerSecond);
  EXPECT_FALSE(tokenizer.tokenize("hello"));
  EXPECT_EQ(tokenizer.last_error().rfind("http://127.0.0.1:1/tokenize: connect", 0), 0u) << tokenizer.last_error();
  EXPECT_FALSE(tokenizer.detokenize({1, 2}));
  EXPECT_EQ(tokenizer.last_error().rfind("http://127.0.0.1:1/detokenize: connect", 0), 0u) << tokenizer.last_error();
}

// Answers every request with one fixed response (a status line, headers and a body, or a
// Content-Length it then fills with `filler` bytes), and keeps the last request it read.
class CannedServer {
 public:
  explicit CannedServer(std::string head_and_body, std::size_t filler = 0)
      : response_(std::move(head_and_body)), filler_(filler) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0)
      throw std::runtime_error("cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string last_request() {
    std::lock_guard lock(mutex_);
    return last_request_;
  }

  static std::string json(std::string_view body, int status = 200) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      answer(conn);
      ::close(conn);
    }
  }

  void answer(int conn) {
    std::string request;
    char buf[65536];
    const Nanos deadline = now_ns() + kTimeout;
    // Until the headers and the body their Content-Length announces have arrived.
    while (now_ns() < deadline) {
      const std::size_t head_end = request.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::size_t at = request.find("Content-Length: ");
        const std::size_t length = at == std::string::npos ? 0 : std::stoul(request.substr(at + 16));
        if (request.size() >= head_end + 4 + length) break;
      }
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      last_request_ = request;
    }
    if (!send_all(conn, response_)) return;
    const std::string zeros(1 << 20, '0');
    for (std::size_t left = filler_; left > 0;) {
      const std::size_t n = std::min(left, zeros.size());
      if (!send_all(conn, std::string_view(zeros).substr(0, n))) return;  // the client hung up
      left -= n;
    }
  }

  static bool send_all(int conn, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(conn, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  std::string response_;
  std::size_t filler_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::string last_request_;
};

std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

TEST(ServerTokenizer, SendsEachDialectsRequest) {
  CannedServer server(CannedServer::json(R"({"tokens":[5,6],"count":2,"content":"ab","prompt":"ab"})"));
  ServerTokenizer llama(server.url(), Dialect::llamacpp, "ignored", {"Authorization: Bearer k"}, kTimeout);
  EXPECT_EQ(llama.tokenize("hi \"there\""), (std::vector<std::int64_t>{5, 6}));
  std::string request = server.last_request();
  EXPECT_EQ(request.rfind("POST /tokenize HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nAuthorization: Bearer k\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << request;
  EXPECT_EQ(body_of(request), R"({"content":"hi \"there\"","add_special":false})");
  EXPECT_EQ(llama.detokenize({5, 6}), "ab");
  request = server.last_request();
  EXPECT_EQ(request.rfind("POST /detokenize HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_EQ(body_of(request), R"({"tokens":[5,6]})");

  ServerTokenizer vllm(server.url(), Dialect::vllm, "qwen", {}, kTimeout);
  EXPECT_EQ(vllm.tokenize("hi"), (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(body_of(server.last_request()), R"({"model":"qwen","prompt":"hi","add_special_tokens":false})");
  EXPECT_EQ(vllm.detokenize({5, 6}), "ab");
  EXPECT_EQ(body_of(server.last_request()), R"({"model":"qwen","tokens":[5,6]})");

  ServerTokenizer unnamed(server.url(), Dialect::vllm, "", {}, kTimeout);
  EXPECT_TRUE(unnamed.tokenize("hi"));
  EXPECT_EQ(body_of(server.last_request()), R"({"prompt":"hi","add_special_tokens":false})");
}

struct Malformed {
  Dialect dialect;
  bool detokenize;
  std::string response;
  std::string error;  // after "<url>/tokenize: " or "<url>/detokenize: "
};

TEST(ServerTokenizer, RefusesMalformedAnswers) {
  const std::vector<Malformed> cases{
      {Dialect::llamacpp, false, CannedServer::json("not json"), "the response is not JSON ("},
      {Dialect::llamacpp, false, CannedServer::json(R"({"tokens":[1,2)"), "the response is not JSON ("},
      {Dialect::llamacpp, false, CannedServer::json(R"({"ids":[1]})"), R"(the response has no "tokens" array)"},
      {Dialect::llamacpp, false, CannedServer::json(R"({"tokens":7})"), R"(the response has no "tokens" array)"},
      {Dialect::llamacpp, false, CannedServer::json(R"([1,2])"), R"(the response has no "tokens" array)"},
      {Dialect::llamacpp, false, CannedServer::json(R"({"tokens":[1,"x"]})"), R"("tokens" holds "x", not a token id)"},
      {Dialect::llamacpp, false, CannedServer::json(R"({"tokens":[1,2.5]})"), R"("tokens" holds 2.5, not a token id)"},
      {Dialect::llamacpp, false, CannedServer::json(R"({"tokens":[-1]})"), R"("tokens" holds -1, not a token id)"},
      {Dialect::llamacpp, false, CannedServer::json(R"({"tokens":[{"id":1,"piece":"a"}]})"),
       R"("tokens" holds {"id":1,"piece":"a"}, not a token id)"},
      {Dialect::vllm, false, CannedServer::json(R"({"tokens":[1,2],"count":3})"),
       R"("count" is 3 but "tokens" holds 2)"},
      {Dialect::vllm, false, CannedServer::json(R"({"error":{"message":"bad"}})", 400),
       R"(HTTP 400: {"error":{"message":"bad"}})"},
      {Dialect::llamacpp, true, CannedServer::json(R"({"content":5})"), R"(the response has no "content" string)"},
      {Dialect::llamacpp, true, CannedServer::json(R"({"prompt":"x"})"), R"(the response has no "content" string)"},
      {Dialect::vllm, true, CannedServer::json(R"({"content":"x"})"), R"(the response has no "prompt" string)"},
      {Dialect::vllm, true, CannedServer::json("\xff\xfe"), "the response is not JSON ("},
      {Dialect::vllm, true, CannedServer::json("<html>\n<b>Bad Gateway</b>\n</html>", 502),
       "HTTP 502: <html> <b>Bad Gateway</b> </html>"},
  };
  for (const Malformed& c : cases) {
    CannedServer server(c.response);
    ServerTokenizer tokenizer(server.url(), c.dialect, "m", {}, kTimeout);
    const bool ok = c.detokenize ? tokenizer.detokenize({1}).has_value() : tokenizer.tokenize("x").has_value();
    EXPECT_FALSE(ok) << c.response;
    const std::string prefix = server.url() + (c.detokenize ? "/detokenize: " : "/tokenize: ");
    EXPECT_EQ(tokenizer.last_error().rfind(prefix + c.error, 0), 0u) << tokenizer.last_error();
  }
}

TEST(ServerTokenizer, ParsesAnswersApartFromHttp) {
  std::string error;
  EXPECT_EQ(ServerTokenizer::parse_tokenize_response(R"({"tokens":[3,4]})", Dialect::llamacpp, error),
            (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(ServerTokenizer::parse_tokenize_response(R"({"count":2,"max_model_len":4096,"tokens":[3,4],"token_strs":null})",
                                                     Dialect::vllm, error),
            (std::vector<std::int64_t>{3, 4}));
  // llama.cpp says no count; a "count" means nothing to it.
  EXPECT_TRUE(ServerTokenizer::parse_tokenize_response(R"({"tokens":[3],"count":9})", Dialect::llamacpp, error));
  EXPECT_EQ(ServerTokenizer::parse_detokenize_response(R"({"content":"a\u00e9"})", Dialect::llamacpp, error), "a\u00e9");
  EXPECT_EQ(ServerTokenizer::parse_detokenize_response(R"({"prompt":""})", Dialect::vllm, error), "");
  EXPECT_FALSE(ServerTokenizer::parse_detokenize_response("", Dialect::vllm, error));
  EXPECT_EQ(error.rfind("the response is not JSON (", 0), 0u) << error;
}

TEST(ServerTokenizer, ALongErrorPageIsCutShort) {
  CannedServer server(CannedServer::json(std::string(5000, 'x'), 500));
  ServerTokenizer tokenizer(server.url(), Dialect::llamacpp, "", {}, kTimeout);
  EXPECT_FALSE(tokenizer.tokenize("x"));
  EXPECT_EQ(tokenizer.last_error(), server.url() + "/tokenize: HTTP 500: " + std::string(200, 'x') + "...");
}

TEST(ServerTokenizer, RefusesAnAnswerLargerThanTheCap) {
  const std::size_t size = ServerTokenizer::kMaxResponseBytes + 1;
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(size) +
                          "\r\nConnection: close\r\n\r\n",
                      size);
  ServerTokenizer tokenizer(server.url(), Dialect::llamacpp, "", {}, 30 * kNanosPerSecond);
  EXPECT_FALSE(tokenizer.tokenize("x"));
  EXPECT_NE(tokenizer.last_error().find("larger than 67108864 bytes"), std::string::npos) << tokenizer.last_error();
  EXPECT_EQ(tokenizer.last_error().rfind(server.url() + "/tokenize: aborted", 0), 0u) << tokenizer.last_error();
}

}  // namespace
}  // namespace hakari::backend
