// The real `hakari plan`, `hakari inspect` and `hakari sim --model`: exit codes, the
// contract outputs, and the simulator timing its tokens from a catalog entry. Skipped when
// the program has not been built.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "planner/gguf_writer.h"
#include "support/process.h"

namespace hakari::planner {
namespace {

using hakari::testing::ChildProcess;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

Result run(std::vector<std::string> args) {
  args.insert(args.begin(), HAKARI_BINARY);
  ChildProcess p(args);
  Result r;
  r.code = p.wait(20'000);
  r.out = p.out();
  r.err = p.err();
  return r;
}

// One HTTP/1.1 exchange over a fresh connection (Connection: close); returns the body.
std::string http(std::uint16_t port, const std::string& method, const std::string& path, const std::string& body = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty()) req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string resp;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t blank = resp.find("\r\n\r\n");
  return blank == std::string::npos ? resp : resp.substr(blank + 4);
}

// The integer after `"key":` in `json` (-1 when absent).
long long json_int(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(json.substr(at + key.size() + 3));
}

class PlannerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(HAKARI_BINARY, X_OK) != 0) GTEST_SKIP() << HAKARI_BINARY << " is not built";
    char tmpl[] = "/tmp/hakari-planner-cli-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_F(PlannerCli, TwoLlama70bF16DoNotFitIn96Gb) {
  const Result r = run({"plan", "--budget-gb", "96", "llama-3.3-70b:f16", "llama-3.3-70b:f16", "--json"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("\"fits\": false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"schema_version\": 1"), std::string::npos);
  const Result text = run({"plan", "--budget-gb", "96", "llama-3.3-70b:f16", "llama-3.3-70b:f16"});
  EXPECT_EQ(text.code, 1);
  EXPECT_NE(text.out.find("2 × Llama-3.3-70B at F16 need 282 GB of weights alone; the budget is 96 GB"),
            std::string::npos)
      << text.out;
}

TEST_F(PlannerCli, ThreeQwen3_32bQ4KmFitIn96Gb) {
  const Result r =
      run({"plan", "--budget-gb", "96", "qwen3-32b:q4_k_m", "qwen3-32b:q4_k_m", "qwen3-32b:q4_k_m", "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"fits\": true"), std::string::npos) << r.out;
}

TEST_F(PlannerCli, HardwareAddsDecodeCeilings) {
  const Result r = run({"plan", "--hardware", "evo-x2", "qwen3-32b:q4_k_m"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("10.7 t/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@212 GB/s"), std::string::npos) << r.out;
  const Result j = run({"plan", "--hardware", "evo-x2", "qwen3-32b:q4_k_m", "--json", "--depth", "4096"});
  EXPECT_EQ(j.code, 0);
  EXPECT_NE(j.out.find("\"depth\": 4096"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"tokens_per_s\": 10.1"), std::string::npos) << j.out;  // 212e9 / (19.8e9 + 1 GiB)
}

TEST_F(PlannerCli, BadSpecsAndFlagsExitTwoNamingTheChoices) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  const std::vector<Case> cases{
      {{"plan", "qwen3-33b:q4_k_m"}, "unknown model 'qwen3-33b' (choices: qwen3-32b, deepseek-r1-32b"},
      {{"plan", "qwen3-32b:q2_k"}, "unknown quantization 'q2_k' for qwen3-32b (choices: q4_k_m"},
      {{"plan", "qwen3-32b:q4_k_m", "--hardware", "tpu"}, "unknown hardware 'tpu' (choices: evo-x2, h100-sxm"},
      {{"plan", "qwen3-32b:q4_k_m", "--budget-gb", "-3"}, "--budget-gb must be a positive number"},
      {{"plan", "qwen3-32b:q4_k_m", "--kv", "q3"}, "--kv 'q3' is not one of: f16, q8_0"},
      {{"plan"}, "give at least one model"},
      {{"plan", "/nonexistent/model.gguf"}, "/nonexistent/model.gguf: cannot open"},
  };
  for (const Case& c : cases) {
    const Result r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(PlannerCli, ListShowsTheCatalog) {
  const Result r = run({"plan", "--list"});
  EXPECT_EQ(r.code, 0);
  for (const char* key : {"qwen3-32b", "deepseek-r1-32b", "llama-3.3-70b", "sarashina2-70b", "qwen3-30b-a3b"}) {
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
  }
}

TEST_F(PlannerCli, InspectAndPlanAGgufFile) {
  const std::string path = file("Tiny-Q4_K_M.gguf");
  testing::tiny_llama().write(path);
  const Result j = run({"inspect", path, "--json"});
  ASSERT_EQ(j.code, 0) << j.err;
  EXPECT_NE(j.out.find("\"architecture\": \"llama\""), std::string::npos);
  EXPECT_NE(j.out.find("\"parameters\": 1344768"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"weights_bytes\": 1191552"), std::string::npos);
  EXPECT_NE(j.out.find("\"kv_bytes_per_token\": 1024"), std::string::npos);
  EXPECT_NE(j.out.find("\"head_dim\": 64"), std::string::npos);
  EXPECT_NE(j.out.find("\"file_type\": \"Q4_K_M\""), std::string::npos);
  EXPECT_NE(j.out.find("\"tensor_count\": 21"), std::string::npos);
  const Result t = run({"inspect", path});
  EXPECT_EQ(t.code, 0);
  EXPECT_NE(t.out.find("Tiny Llama"), std::string::npos) << t.out;

  const Result p = run({"plan", path + ":ctx=1024", "--budget-gb", "1", "--json"});
  EXPECT_EQ(p.code, 1) << p.err;  // 1 GiB of buffers alone exceeds 1 GB
  EXPECT_NE(p.out.find("\"weights_bytes\": 1191552"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("\"kv_bytes\": 1048576"), std::string::npos) << p.out;

  // A broken file: exit 2, the path and the offset named.
  std::vector<std::uint8_t> bytes = testing::tiny_llama().bytes();
  bytes.resize(100);
  testing::GgufWriter::write_bytes(file("cut.gguf"), bytes);
  const Result bad = run({"inspect", file("cut.gguf")});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("cut.gguf: offset "), std::string::npos) << bad.err;
  EXPECT_EQ(bad.out, "");
}

TEST_F(PlannerCli, SimFromTheCatalogReportsItsSizeAndTimesItsTokens) {
  const std::string trace = file("trace.ndjson");
  std::uint16_t port = 0;
  std::string err;
  {
    hakari::testing::SimProcess sim({"--model", "qwen3-32b:q4_k_m", "--hardware", "evo-x2", "--trace", trace});
    port = static_cast<std::uint16_t>(std::stoi(sim.url().substr(sim.url().rfind(':') + 1)));
    const std::string models = http(port, "GET", "/v1/models");
    EXPECT_NE(models.find("\"id\":\"qwen3-32b-q4_k_m\""), std::string::npos) << models;
    // meta.size: b5601's reply also has an Ollama-style "models" list whose "size" is "".
    const long long size = json_int(models.substr(models.find("\"meta\"")), "size");
    EXPECT_NEAR(static_cast<double>(size), 19.8e9, 1.0) << models;
    const std::string body = http(port, "POST", "/completion",
                                  R"({"prompt":"hello","n_predict":6,"stream":true,"ignore_eos":true})");
    EXPECT_NE(body.find("data: "), std::string::npos);
    EXPECT_EQ(sim.stop(), 0);
    err = sim.err();
  }
  EXPECT_NE(err.find("19.8 GB weights at 212 GB/s"), std::string::npos) << err;
  std::ifstream in(trace);
  std::vector<long long> times;
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"event\":\"token\"") != std::string::npos) times.push_back(json_int(line, "t_ns"));
  }
  ASSERT_EQ(times.size(), 6u);
  // One decode step reads 19.8 GB of weights (+ a few KV tokens) at 212 GB/s: 93.4 ms.
  std::vector<double> gaps;
  for (std::size_t k = 1; k < times.size(); ++k) gaps.push_back(static_cast<double>(times[k] - times[k - 1]) / 1e6);
  std::sort(gaps.begin(), gaps.end());
  const double predicted = 19.8e9 / 212e9 * 1e3;
  EXPECT_NEAR(gaps[gaps.size() / 2], predicted, predicted * 0.03);
  for (double g : gaps) EXPECT_GT(g, predicted * 0.97);
}

TEST_F(PlannerCli, SimExplicitFlagsWinOverTheModelSource) {
  std::string err;
  {
    hakari::testing::SimProcess sim({"--model", "llama-3.3-70b:q4_k_m", "--hardware", "h100-sxm", "--bandwidth-gbs",
                                     "100", "--model-name", "mine"});
    const auto port = static_cast<std::uint16_t>(std::stoi(sim.url().substr(sim.url().rfind(':') + 1)));
    const std::string models = http(port, "GET", "/v1/models");
    EXPECT_NE(models.find("\"id\":\"mine\""), std::string::npos) << models;
    EXPECT_NEAR(static_cast<double>(json_int(models.substr(models.find("\"meta\"")), "size")), 42.52195456e9, 1.0)
        << models;
    EXPECT_EQ(sim.stop(), 0);
    err = sim.err();
  }
  // Weights and KV from the catalog, bandwidth from the flag, prefill from the H100's 989 TFLOPS.
  EXPECT_NE(err.find("42.5 GB weights at 100 GB/s, 3.277e+05 KV bytes/token, prefill 2453 tok/s"), std::string::npos)
      << err;
}

TEST_F(PlannerCli, SimRefusesUnknownModelsAndProfiles) {
  const Result m = run({"sim", "--port", "0", "--model", "qwen3-99b:q4_k_m"});
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("unknown model 'qwen3-99b' (choices: qwen3-32b"), std::string::npos) << m.err;
  const Result q = run({"sim", "--port", "0", "--model", "qwen3-32b:q9"});
  EXPECT_EQ(q.code, 2);
  EXPECT_NE(q.err.find("(choices: q4_k_m, q5_k_m, q8_0, f16, bf16)"), std::string::npos) << q.err;
  const Result h = run({"sim", "--port", "0", "--model", "qwen3-32b:q4_k_m", "--hardware", "m4-max"});
  EXPECT_EQ(h.code, 2);
  EXPECT_NE(h.err.find("unknown hardware 'm4-max' (choices: evo-x2"), std::string::npos) << h.err;
  const Result g = run({"sim", "--port", "0", "--gguf", file("absent.gguf")});
  EXPECT_EQ(g.code, 2);
  EXPECT_NE(g.err.find("absent.gguf: cannot open"), std::string::npos) << g.err;
}

}  // namespace
}  // namespace hakari::planner
