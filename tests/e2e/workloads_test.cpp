// The seed's workloads end to end, through `hakari run` against `hakari sim`: a 10-turn
// chat whose TTFT grows with its history, a document summarised after being cut to an
// exact length with the server's own tokenizer, a Japanese story of exactly its length,
// prompts from a dataset, a replayed trace on its own clock, and a mix.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "support/process.h"
#include "support/results_db.h"

namespace hakari {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::query;
using testing::SimProcess;

class Workloads : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hakari-e2e-workloads-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct Result {
    int code;
    std::string out, err;
  };
  Result run(const std::string& url, std::vector<std::string> flags) {
    std::vector<std::string> args{HAKARI_BINARY, "run", "--target", url, "--out", (dir_ / "out").string(),
                                  "--telemetry-interval-ms", "0", "--warmup", "0"};
    args.insert(args.end(), flags.begin(), flags.end());
    ChildProcess p(args);
    const int code = p.wait(180'000);
    return {code, p.out(), p.err()};
  }
  testing::Rows q(const std::string& sql) { return query(dir_ / "out" / "results.db", sql); }
  simdjson::dom::element summary(simdjson::dom::parser& parser) {
    std::ifstream in(dir_ / "out" / "summary.json");
    std::stringstream ss;
    ss << in.rdbuf();
    text_ = ss.str();
    simdjson::dom::element doc;
    EXPECT_FALSE(parser.parse(text_).get(doc)) << text_;
    return doc;
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  fs::path dir_;
  std::string text_;
};

// A simulator that models prefill (400 prompt tokens a second): each turn resends the
// history, so each turn's TTFT is longer than the last.
TEST_F(Workloads, ATenTurnChatResendsItsHistoryAndItsTtftGrowsWithIt) {
  SimProcess sim({"--weights-gb", "0.5", "--bandwidth-gbs", "500", "--prefill-tps", "400", "--slots", "4"});
  const Result r = run(sim.url(), {"--workload", "chat", "--turns", "10", "-n", "2", "-c", "2", "--max-tokens", "16"});
  ASSERT_EQ(r.code, 0) << r.err;
  // llama.cpp is found at the URL; a conversation needs its chat template: the chat API.
  EXPECT_EQ(q("SELECT api, workload_kind, retention_scored FROM cells")[0],
            (std::vector<std::string>{"openai-chat", "chat", "2"}));
  EXPECT_EQ(q("SELECT COUNT(*), COUNT(DISTINCT idx), MAX(turn) FROM requests WHERE status = 'ok'")[0],
            (std::vector<std::string>{"20", "2", "9"}));
  simdjson::dom::parser parser;
  simdjson::dom::element cell = summary(parser)["cells"].at(0);
  simdjson::dom::array turns = cell["ttft_by_turn_ms"];
  ASSERT_EQ(turns.size(), 10u);
  const double first = double(turns.at(0)["p50"]);
  const double last = double(turns.at(9)["p50"]);
  EXPECT_GT(last, 3 * first) << text_;
  double previous = 0;
  for (simdjson::dom::element t : turns) {
    EXPECT_GT(double(t["p50"]), previous) << "turn " << int64_t(t["turn"]);
    previous = double(t["p50"]);
  }
  EXPECT_EQ(int64_t(cell["context_retention"]["scored"]), 2);
  EXPECT_NE(r.out.find("TTFT p50 by turn"), std::string::npos) << r.out;
}

// The built-in English corpus cut to 600 tokens with the server's /tokenize: the server
// counts the document plus the two instruction lines, no more.
TEST_F(Workloads, SummarizeCutsTheDocumentWithTheServersTokenizer) {
  SimProcess sim({"--ttft-ms", "10", "--itl-ms", "1"});
  const Result r = run(sim.url(), {"--workload", "summarize", "--prompt-tokens", "600", "-n", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto cell = q("SELECT workload_detail, max_tokens FROM cells")[0];
  EXPECT_NE(cell[0].find("a document of 600 tokens"), std::string::npos) << cell[0];
  EXPECT_NE(cell[0].find("llama.cpp /tokenize"), std::string::npos) << cell[0];
  EXPECT_EQ(cell[1], "200");
  for (const auto& row : q("SELECT prompt_tokens, output_tokens FROM requests")) {
    EXPECT_GE(std::stoi(row[0]), 600);
    EXPECT_LE(std::stoi(row[0]), 640) << "600 tokens of document and two short lines";
    EXPECT_EQ(row[1], "200");
  }
}

TEST_F(Workloads, SummarizeReadsAPdf) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "1"});
  const Result r = run(sim.url(), {"--workload", "summarize", "--document", std::string(HAKARI_TEST_DATA_DIR) + "/load/hello.pdf",
                                   "--prompt-tokens", "20", "--max-tokens", "8", "-n", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(q("SELECT workload_detail FROM cells")[0][0].find("hello.pdf"), std::string::npos);
}

TEST_F(Workloads, AJapaneseStoryIsExactlyItsLength) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "1"});
  const Result r = run(sim.url(), {"--workload", "story", "--lang", "ja", "-n", "3", "-c", "3", "--max-tokens", "300"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(q("SELECT MIN(output_tokens), MAX(output_tokens), COUNT(DISTINCT sample_id) FROM requests")[0],
            (std::vector<std::string>{"300", "300", "3"}));
  EXPECT_NE(q("SELECT workload_detail FROM cells")[0][0].find("(ja)"), std::string::npos);
}

TEST_F(Workloads, ADatasetsPromptsGoInOrderWithTheirOwnLengths) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "1"});
  const std::string data = write("prompts.jsonl",
                                 "{\"id\": \"a\", \"prompt\": \"Name three rivers.\", \"max_tokens\": 7}\n"
                                 "{\"id\": \"b\", \"prompt\": \"Count to five.\", \"max_tokens\": 11}\n");
  const Result r = run(sim.url(), {"--workload", "dataset", "--dataset", data, "-n", "4"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(q("SELECT idx, sample_id, output_tokens FROM requests ORDER BY idx"),
            (testing::Rows{{"0", "a", "7"}, {"1", "b", "11"}, {"2", "a", "7"}, {"3", "b", "11"}}));
}

// A trace replayed at twice its speed: each request at half its recorded offset, with its
// recorded lengths.
TEST_F(Workloads, AReplayedTraceKeepsItsOwnClockAndLengths) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "1", "--slots", "16"});
  const std::string trace = write("trace.csv", "t_s,input_tokens,output_tokens\n0,40,5\n0.2,60,7\n0.4,80,9\n1.0,30,3\n");
  const Result r = run(sim.url(), {"--workload", "replay", "--trace", trace, "--replay-speed", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = q("SELECT r.idx, (r.scheduled_ns - c.schedule_origin_ns) / 1000000, r.output_tokens FROM requests r "
                      "JOIN cells c ON c.id = r.cell_id ORDER BY r.idx");
  EXPECT_EQ(rows, (testing::Rows{{"0", "0", "5"}, {"1", "100", "7"}, {"2", "200", "9"}, {"3", "500", "3"}}));
}

TEST_F(Workloads, AMixSendsEachPartInItsShare) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "1", "--slots", "8"});
  const Result r = run(sim.url(), {"--workload", "mix", "--mix", "story:1,chat:1", "--turns", "2", "--max-tokens", "8",
                                   "-n", "40", "-c", "8"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::map<std::string, int> parts;
  for (const auto& row : q("SELECT sample_id FROM requests WHERE turn = 0")) parts[row[0].substr(0, row[0].find(':'))]++;
  EXPECT_EQ(parts.size(), 2u);
  EXPECT_GT(parts["story"], 8);
  EXPECT_GT(parts["chat"], 8);
  EXPECT_EQ(parts["story"] + parts["chat"], 40);
}

TEST_F(Workloads, WorkloadMistakesAreUsageErrors) {
  for (const auto& [flags, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--workload", "poem"}, "--workload: unknown 'poem'"},
           {{"--workload", "dataset"}, "--workload dataset needs --dataset FILE"},
           {{"--workload", "summarize", "--document", "/no/such.pdf"}, "--document: no file /no/such.pdf"},
           {{"--workload", "mix", "--mix", "story:1,replay:1"}, "--mix: 'replay' is not a workload a mix can hold"},
           {{"--output-lengths", "normal:5"}, "--output-lengths: "}}) {
    const Result r = run("http://127.0.0.1:9", flags);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace hakari
