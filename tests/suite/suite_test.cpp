#include "hakari/suite/suite.h"

#include <gtest/gtest.h>

namespace hakari::suite {
namespace {

const char* kSuite = R"(name: evo-x2-shootout
hardware: evo-x2
repetitions: 2
defaults:
  context: 8192
  parallel: 4
  env: {HIP_VISIBLE_DEVICES: "0"}
targets:
  - name: qwen3-32b-q4
    tool: llama.cpp
    model: /models/Qwen3-32B-Q4_K_M.gguf
    quant: q4_k_m
    args: ["--flash-attn", "on"]
  - name: llama-70b-ollama
    tool: ollama
    model: llama3.3:70b-instruct-q4_K_M
    parallel: 2
    env: {OLLAMA_KEEP_ALIVE: "-1"}
  - name: remote
    url: http://gpu-box:8000
    api: openai
    model_bytes: 19800000000
workloads:
  - name: chat
    prompt_tokens: 128
    max_tokens: 512
  - name: summarize
    prompt_tokens: 4096
    max_tokens: 128
    force_length: false
    temperature: 0
loads:
  - name: sweep
    concurrency: [1, 5]
    requests: 40
    warmup: 2
    cell_timeout_s: 1800
slos:
  ttft_p95_ms: 2000
  error_rate: 0.01
)";

TEST(Suite, ReadsEverything) {
  Suite s = parse_suite(kSuite, "suite.yaml");
  EXPECT_EQ(s.name, "evo-x2-shootout");
  EXPECT_EQ(s.output, "hakari-results/evo-x2-shootout");
  EXPECT_EQ(s.hardware, "evo-x2");
  EXPECT_EQ(s.repetitions, 2);
  ASSERT_EQ(s.targets.size(), 3u);
  const auto& q = s.targets[0].spec;
  EXPECT_EQ(q.tool, "llama.cpp");
  EXPECT_EQ(q.context, 8192);
  EXPECT_EQ(q.parallel, 4);
  EXPECT_EQ(q.env.at("HIP_VISIBLE_DEVICES"), "0");
  EXPECT_EQ(q.extra_args, (std::vector<std::string>{"--flash-attn", "on"}));
  EXPECT_EQ(s.targets[0].line, 9);
  const auto& o = s.targets[1].spec;
  EXPECT_EQ(o.parallel, 2);  // its own value over the default
  EXPECT_EQ(o.env.size(), 2u);  // defaults' variables plus its own
  EXPECT_EQ(s.targets[2].spec.url, "http://gpu-box:8000");
  EXPECT_EQ(s.targets[2].api, "openai");
  EXPECT_EQ(s.targets[2].model_bytes, 19'800'000'000);
  ASSERT_EQ(s.workloads.size(), 2u);
  EXPECT_FALSE(s.workloads[1].force_length);
  EXPECT_EQ(s.workloads[1].temperature, 0.0);
  EXPECT_EQ(s.loads[0].concurrency, (std::vector<int>{1, 5}));
  EXPECT_EQ(s.loads[0].warmup, 2);
  EXPECT_DOUBLE_EQ(s.loads[0].cell_timeout_s, 1800);
  EXPECT_EQ(s.slos, "ttft_p95_ms=2000;error_rate=0.01");
  EXPECT_EQ(s.hash.size(), 16u);
}

TEST(Suite, ExpandsTargetByTargetWithStableKeys) {
  Suite s = parse_suite(kSuite, "suite.yaml");
  auto cells = expand(s);
  // 3 targets x 2 workloads x 2 levels x 2 repetitions.
  ASSERT_EQ(cells.size(), 24u);
  for (std::size_t i = 1; i < cells.size(); ++i) EXPECT_GE(cells[i].target, cells[i - 1].target) << i;
  EXPECT_EQ(cells[0].key.substr(0, cells[0].key.find('#')), "qwen3-32b-q4/chat/sweep/c1/r0");
  EXPECT_EQ(cells[1].key.substr(0, cells[1].key.find('#')), "qwen3-32b-q4/chat/sweep/c1/r1");
  EXPECT_EQ(cells[2].concurrency, 5);
  EXPECT_EQ(expand(parse_suite(kSuite, "other.yaml"))[5].key, cells[5].key);  // same definitions, same keys
  // Changing what a target is changes its cells' keys, not the others'.
  std::string changed = kSuite;
  changed.replace(changed.find("q4_k_m"), 6, "q8_0");
  auto cells2 = expand(parse_suite(changed, "suite.yaml"));
  EXPECT_NE(cells2[0].key, cells[0].key);
  EXPECT_EQ(cells2[8].key, cells[8].key);
}

TEST(Suite, MinimalSuiteGetsDefaultWorkloadAndLoad) {
  Suite s = parse_suite("targets:\n  - name: local\n    url: http://127.0.0.1:8080\n", "/tmp/quick.yaml");
  EXPECT_EQ(s.name, "quick");
  ASSERT_EQ(s.workloads.size(), 1u);
  EXPECT_EQ(s.workloads[0].max_tokens, 128);
  ASSERT_EQ(s.loads.size(), 1u);
  EXPECT_EQ(s.loads[0].concurrency, (std::vector<int>{1}));
  EXPECT_EQ(expand(s).size(), 1u);
}

std::string error_of(const std::string& text) {
  try {
    parse_suite(text, "s.yaml");
  } catch (const SuiteError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SuiteErrors, NameTheFileLineAndColumn) {
  EXPECT_EQ(error_of("targets:\n  - name: a\n    tool: llama.cpp\n    model: m\n    parralel: 4\n"),
            "s.yaml:5:5: unknown key 'parralel' in targets[0]; did you mean 'parallel'?");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\nloads:\n  - name: l\n    concurrency: [1, ten]\n"),
            "s.yaml:6:22: 'concurrency' must be a whole number, not 'ten'");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\nloads:\n  - name: l\n    requests: 0\n"),
            "s.yaml:6:15: 'requests' must be between 1 and 10000000, not 0");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    tool: tgi\n    model: m\n"),
            "s.yaml:3:11: unknown tool 'tgi' (choose llama.cpp, ollama, vllm or lmstudio; or give 'url' to attach)");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\n  - name: a\n    url: http://y\n"),
            "s.yaml:4:5: two targets are called 'a'; names must be unique");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    model: m\n"),
            "s.yaml:2:5: targets[0] ('a') needs a 'tool' to launch or a 'url' to attach to");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    tool: vllm\n"), "s.yaml:2:5: targets[0] ('a') needs a 'model' for vllm");
  EXPECT_EQ(error_of("name: x\n"), "s.yaml:1:1: the suite needs 'targets': the servers to measure");
  EXPECT_EQ(error_of("targets: []\n"), "s.yaml:1:10: 'targets' must be a non-empty list");
  EXPECT_EQ(error_of("targets:\n  - name: a b\n    url: http://x\n"),
            "s.yaml:2:11: 'name' must be 1-64 letters, digits, '-', '_' or '.', not 'a b'");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: ftp://x\n"),
            "s.yaml:3:10: 'url' must start with http:// or https://, not 'ftp://x'");
  EXPECT_EQ(error_of("slos:\n  error_rate: 2\ntargets:\n  - name: a\n    url: http://x\n"),
            "s.yaml:2:15: 'error_rate' must be between 0 and 1, not 2");
  EXPECT_EQ(error_of("repetitoins: 3\n").substr(0, 65), "s.yaml:1:1: unknown key 'repetitoins' in the suite; did you mean ");
}

TEST(SuiteErrors, BrokenYamlAndWrongShapes) {
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: [unclosed\n").substr(0, 7), "s.yaml:");
  EXPECT_EQ(error_of("just a string"), "s.yaml:1:1: a suite file is a mapping with at least 'targets'");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\n    env: [1, 2]\n"),
            "s.yaml:4:10: 'env' must be a mapping of variable names to values");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\nworkloads:\n  - prompt_tokens: 5\n"),
            "s.yaml:5:5: workloads[0] needs a 'name'");
  EXPECT_EQ(error_of("targets:\n  - [1, 2]\n"), "s.yaml:2:5: targets[0] must be a mapping of keys to values");
  // Deep nesting is refused, not a stack overflow.
  std::string deep = "targets: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_EQ(error_of(deep).substr(0, 7), "s.yaml:");
}

TEST(SuiteErrors, AKeyGivenTwiceIsRefusedWhereItIsRepeated) {
  // yaml-cpp keeps the first of two equal keys and drops the second without a word.
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\ntargets:\n  - name: b\n    url: http://y\n"),
            "s.yaml:4:1: 'targets' is given twice in the suite (first at line 1); give each key once");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\n    name: b\n"),
            "s.yaml:4:5: 'name' is given twice in targets[0] (first at line 2); give each key once");
  EXPECT_EQ(error_of("defaults:\n  env: {A: '1', B: '2', A: '3'}\ntargets:\n  - name: a\n    url: http://x\n"),
            "s.yaml:2:25: 'A' is given twice in defaults.env (first at line 2); give each key once");
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\nloads:\n  - {name: l, requests: 2, requests: 3}\n"),
            "s.yaml:5:28: 'requests' is given twice in loads[0] (first at line 5); give each key once");
  // The same key in different mappings is no duplicate, and an alias is not one either.
  EXPECT_EQ(error_of("defaults: &d {parallel: 2}\ntargets:\n  - {name: a, url: http://x, parallel: 2}\n"
                     "  - {name: b, url: http://y}\nslos: {ttft_p95_ms: 1}\nname: x\n"),
            "(no error)");
}

TEST(SuiteErrors, AliasesAreNotExpandedWhileCheckingKeys) {
  // Nine levels of ten aliases each stand for 10^9 nodes; a check that expanded them would never end.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  EXPECT_EQ(error_of(bomb).rfind("s.yaml:1:1: unknown key 'a0' in the suite", 0), 0u) << error_of(bomb);
}

TEST(SuiteErrors, ConcurrencyLevelsAreGivenOnce) {
  EXPECT_EQ(error_of("targets:\n  - name: a\n    url: http://x\nloads:\n  - name: l\n    concurrency: [4, 4, 1]\n"),
            "s.yaml:6:22: 'concurrency' lists 4 twice; each level is measured once");
}

TEST(SuiteErrors, TimeoutsMustBeAtLeastAMillisecondAndNumbers) {
  // Below a millisecond a limit rounds to 0, which the client reads as "no limit".
  const std::string head = "targets:\n  - name: a\n    url: http://x\nloads:\n  - name: l\n";
  EXPECT_EQ(error_of(head + "    timeout_s: 0.0005\n"), "s.yaml:6:16: 'timeout_s' must be between 0.001 and 86400, not 0.0005");
  EXPECT_EQ(error_of(head + "    idle_timeout_s: 1e-7\n"),
            "s.yaml:6:21: 'idle_timeout_s' must be between 0.001 and 86400, not 1e-7");
  EXPECT_EQ(error_of(head + "    timeout_s: nan\n"), "s.yaml:6:16: 'timeout_s' must be a number, not 'nan'");
  EXPECT_EQ(error_of(head + "    idle_timeout_s: .nan\n"), "s.yaml:6:21: 'idle_timeout_s' must be a number, not '.nan'");
  EXPECT_EQ(error_of(head + "    cell_timeout_s: 0.0001\n"),
            "s.yaml:6:21: 'cell_timeout_s' must be 0 (no limit) or at least 0.001, not 0.0001");
  EXPECT_EQ(error_of(head + "    cell_timeout_s: NaN\n"), "s.yaml:6:21: 'cell_timeout_s' must be a number, not 'NaN'");
  EXPECT_EQ(error_of(head + "    cell_timeout_s: -1\n"), "s.yaml:6:21: 'cell_timeout_s' must be between 0 and 604800, not -1");
  const Suite s = parse_suite(head + "    timeout_s: 0.001\n    cell_timeout_s: 0\n", "s.yaml");
  EXPECT_DOUBLE_EQ(s.loads[0].timeout_s, 0.001);
  EXPECT_DOUBLE_EQ(s.loads[0].cell_timeout_s, 0);
}

TEST(Suite, TheShippedExamplesAreValid) {
  for (const char* name : {"sim-matrix.yaml", "evo-x2-matrix.yaml"}) {
    const Suite s = load_suite(std::string(HAKARI_SOURCE_DIR) + "/examples/" + name);
    EXPECT_GE(s.targets.size(), 5u) << name;
    EXPECT_EQ(s.hardware, "evo-x2") << name;
    EXPECT_FALSE(expand(s).empty()) << name;
  }
}

TEST(SuiteErrors, MissingFile) {
  try {
    load_suite("/nonexistent/suite.yaml");
    FAIL();
  } catch (const SuiteError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/suite.yaml:1:1: cannot read the suite file");
  }
}

TEST(Suite, AnyLatencyPercentileCanBeAnObjective) {
  const Suite s = parse_suite("targets:\n  - {name: a, url: http://x}\nslos: {ttft_p99_ms: 1500, tpot_p50_ms: 80, e2e_p90_ms: 30000}\n",
                              "s.yaml");
  EXPECT_EQ(s.slos, "ttft_p99_ms=1500;tpot_p50_ms=80;e2e_p90_ms=30000");
  EXPECT_EQ(error_of("targets:\n  - {name: a, url: http://x}\nslos: {ttft_p42_ms: 1}\n").substr(0, 45),
            "s.yaml:3:8: unknown objective 'ttft_p42_ms'; ");
}

// Open loop: one level per rate, concurrency a cap, the schedule's shape and length.
TEST(Suite, RatesMakeOpenLoopLevelsWithTheirCapArrivalAndDuration) {
  const Suite s = parse_suite(
      "targets:\n  - {name: a, url: http://x}\n"
      "loads:\n  - {name: open, rates: [2, 4.5], concurrency: 8, arrival: gamma, burstiness: 0.5, duration: 90s}\n"
      "  - {name: uncapped, rates: 1}\n",
      "s.yaml");
  ASSERT_EQ(s.loads.size(), 2u);
  EXPECT_EQ(s.loads[0].rates, (std::vector<double>{2, 4.5}));
  EXPECT_EQ(s.loads[0].concurrency, (std::vector<int>{8}));
  EXPECT_EQ(s.loads[0].arrival, "gamma");
  EXPECT_EQ(s.loads[0].burstiness, 0.5);
  EXPECT_EQ(s.loads[0].duration, 90 * kNanosPerSecond);
  EXPECT_FALSE(s.loads[0].requests_given);
  EXPECT_EQ(s.loads[1].concurrency, (std::vector<int>{0})) << "no cap unless given";
  const auto cells = expand(s);
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].rate, 2.0);
  EXPECT_EQ(cells[0].concurrency, 8);
  EXPECT_EQ(cells[0].key.substr(0, cells[0].key.find('#')), "a/default/open/rate2c8/r0");
  EXPECT_EQ(cells[1].key.substr(0, cells[1].key.find('#')), "a/default/open/rate4.5c8/r0");
  EXPECT_EQ(cells[2].key.substr(0, cells[2].key.find('#')), "a/default/uncapped/rate1/r0");
}

TEST(SuiteErrors, OpenLoopMistakesAreNamedWhereTheyAre) {
  const std::string t = "targets:\n  - {name: a, url: http://x}\nloads:\n";
  EXPECT_EQ(error_of(t + "  - {name: l, rates: [1, 2], concurrency: [1, 2]}\n"),
            "s.yaml:4:43: with 'rates', 'concurrency' is one number: the most requests in flight at once");
  EXPECT_EQ(error_of(t + "  - {name: l, rates: [1, 1]}\n"), "s.yaml:4:26: 'rates' lists 1 twice; each level is measured once");
  EXPECT_EQ(error_of(t + "  - {name: l, rates: 1, arrival: bursty}\n"),
            "s.yaml:4:34: unknown arrival 'bursty' (choose poisson, gamma or constant)");
  EXPECT_EQ(error_of(t + "  - {name: l, concurrency: 2, arrival: gamma}\n"),
            "s.yaml:4:40: 'arrival' and 'burstiness' shape 'rates'; give 'rates' too");
  EXPECT_EQ(error_of(t + "  - {name: l, rates: 1, burstiness: 0.5}\n"), "s.yaml:4:37: 'burstiness' applies to arrival: gamma");
  EXPECT_EQ(error_of(t + "  - {name: l, rates: 1, duration: 10 minutes}\n").substr(0, 25), "s.yaml:4:35: 'duration': ");
}

}  // namespace
}  // namespace hakari::suite
