// Open loop and sweeps end to end, against `hakari sim --ttft-ms 50 --itl-ms 20 --slots 4`
// as the contract says: above capacity, TTFT from the schedule grows through the
// run while TTFT from the send stays near 50 ms; a concurrency sweep finds the knee the
// simulator's slots imply; shards of one schedule reunite into it exactly.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/process.h"
#include "support/results_db.h"

namespace hakari {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::query;
using testing::SimProcess;

fs::path fresh(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("hakari-e2e-open-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(d);
  return d;
}

struct RunResult {
  int code;
  std::string out, err;
};

RunResult hakari_run(std::vector<std::string> flags) {
  std::vector<std::string> args{HAKARI_BINARY, "run"};
  args.insert(args.end(), flags.begin(), flags.end());
  ChildProcess p(args);
  const int code = p.wait(180'000);
  return {code, p.out(), p.err()};
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[v.size() / 2];
}

// 30 requests/s offered to a server that serves ~17 (4 slots × 230 ms), the client capped
// at the 4 the server can take: the queue builds in the client, visibly.
TEST(OpenLoop, AboveCapacityTtftFromTheScheduleGrowsWhileFromTheSendStaysNearFiftyMs) {
  SimProcess sim({"--ttft-ms", "50", "--itl-ms", "20", "--slots", "4"});
  const fs::path out = fresh("above");
  const RunResult r = hakari_run({"--target", sim.url(), "--rate", "30", "-c", "4", "-n", "60", "--max-tokens", "10",
                            "--warmup", "0", "--out", out.string(), "--slo", "ttft_p99_ms=300", "--telemetry-interval-ms",
                            "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = query(out / "results.db",
                          "SELECT idx, (first_token_ns - sent_ns) / 1e6, (first_token_ns - scheduled_ns) / 1e6 "
                          "FROM requests WHERE status = 'ok' ORDER BY idx");
  ASSERT_EQ(rows.size(), 60u);
  std::vector<double> from_send, first_sched, last_sched;
  for (const auto& row : rows) {
    from_send.push_back(std::stod(row[1]));
    const int idx = std::stoi(row[0]);
    if (idx < 4) first_sched.push_back(std::stod(row[2]));  // sent before the cap filled
    if (idx >= 50) last_sched.push_back(std::stod(row[2]));
  }
  EXPECT_NEAR(median(from_send), 50.0, 10.0) << "from the send: the simulator's own 50 ms";
  EXPECT_LT(median(first_sched), 120.0);
  EXPECT_GT(median(last_sched), 1000.0) << "from the schedule: the client's queue, grown over 60 arrivals";
  EXPECT_GT(median(last_sched), 8 * median(first_sched));

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(doc));
  simdjson::dom::element cell = doc["cells"].at(0);
  EXPECT_EQ(double(cell["rate_rps"]), 30.0);
  EXPECT_EQ(std::string_view(cell["arrival"]), "poisson");
  EXPECT_GT(double(cell["ttft_from_schedule_ms"]["p99"]), double(cell["ttft_ms"]["p99"]) * 5);
  EXPECT_GT(int64_t(cell["late_requests"]), 30);
  EXPECT_EQ(int64_t(cell["never_sent"]), 0);
  EXPECT_FALSE(bool(cell["slo"]["pass"])) << "ttft_p99_ms=300 is judged from the schedule";
  // Goodput counts only the requests that met 300 ms from their schedule: the early ones.
  const double goodput = double(cell["goodput_rps"]);
  EXPECT_GT(goodput, 0.0);
  EXPECT_LT(goodput, double(cell["request_rate"]) / 2);
  EXPECT_NE(r.out.find("TTFT p50"), std::string::npos);
  EXPECT_NE(r.out.find("from the schedule"), std::string::npos) << r.out;
}

// Below capacity the schedule is kept: nothing late, and both TTFTs agree.
TEST(OpenLoop, BelowCapacityTheScheduleIsKept) {
  SimProcess sim({"--ttft-ms", "50", "--itl-ms", "20", "--slots", "4"});
  const fs::path out = fresh("below");
  const RunResult r = hakari_run({"--target", sim.url(), "--rate", "5", "-n", "30", "--max-tokens", "10", "--warmup", "0",
                            "--out", out.string(), "--telemetry-interval-ms", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(doc));
  simdjson::dom::element cell = doc["cells"].at(0);
  EXPECT_LE(int64_t(cell["late_requests"]), 1);
  EXPECT_NEAR(double(cell["ttft_from_schedule_ms"]["p50"]), double(cell["ttft_ms"]["p50"]), 2.0);
  EXPECT_LT(double(cell["schedule_lag_ms"]["p99"]), 2.0);
}

// A concurrency sweep past the simulator's 4 slots: throughput stops growing at 4.
TEST(OpenLoop, AConcurrencySweepFindsTheKneeTheSimulatorsSlotsImply) {
  SimProcess sim({"--ttft-ms", "50", "--itl-ms", "20", "--slots", "4"});
  const fs::path out = fresh("knee");
  const RunResult r = hakari_run({"--target", sim.url(), "-c", "1,2,4,8,16", "-n", "32", "--max-tokens", "10", "--warmup", "0",
                            "--out", out.string(), "--telemetry-interval-ms", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(doc));
  simdjson::dom::element sweep = doc["sweeps"].at(0);
  EXPECT_EQ(std::string_view(sweep["by"]), "concurrency");
  EXPECT_EQ(double(sweep["saturation_load"]), 4.0) << std::string_view(sweep["explanation"]);
  // Per-request speed holds while slots are free, then each request waits in the queue.
  simdjson::dom::element c2 = doc["cells"].at(1);
  simdjson::dom::element c16 = doc["cells"].at(4);
  EXPECT_GT(double(c2["degradation_pct"]["throughput"]), 80.0);
  EXPECT_LT(double(c16["degradation_pct"]["per_request"]), -50.0);
  EXPECT_NE(r.out.find("knee (target/default, by concurrency)"), std::string::npos) << r.out;
}

// Two shards of one seeded schedule send, between them, exactly what one machine sends.
TEST(OpenLoop, TwoShardsOfAScheduleReuniteIntoTheWholeSchedule) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "2", "--slots", "16"});
  std::map<std::string, std::map<int, long long>> offsets;  // run -> idx -> offset from the level's origin
  for (const std::string shard : {"", "0/2", "1/2"}) {
    const fs::path out = fresh("shard" + std::to_string(offsets.size()));
    std::vector<std::string> flags{"--target", sim.url(), "--rate", "20", "-n", "40", "--max-tokens", "4", "--warmup",
                                   "0", "--out", out.string(), "--telemetry-interval-ms", "0", "--quiet"};
    if (!shard.empty()) flags.insert(flags.end(), {"--shard", shard});
    const RunResult r = hakari_run(flags);
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& row : query(out / "results.db",
                                 "SELECT r.idx, r.scheduled_ns - c.schedule_origin_ns FROM requests r "
                                 "JOIN cells c ON c.id = r.cell_id")) {
      offsets[shard][std::stoi(row[0])] = std::stoll(row[1]);
    }
    if (!shard.empty()) EXPECT_EQ(query(out / "results.db", "SELECT shard FROM cells")[0][0], shard);
  }
  ASSERT_EQ(offsets[""].size(), 40u);
  EXPECT_EQ(offsets["0/2"].size(), 20u);
  EXPECT_EQ(offsets["1/2"].size(), 20u);
  std::map<int, long long> reunited = offsets["0/2"];
  reunited.insert(offsets["1/2"].begin(), offsets["1/2"].end());
  EXPECT_EQ(reunited, offsets[""]) << "same indices at the same offsets, to the nanosecond";
  for (const auto& [idx, at] : offsets["0/2"]) EXPECT_EQ(idx % 2, 0);
}

// A ramp climbs 1..64x2 and stops after the first level that breaks the objective; the
// levels above it are recorded as skipped, and the knee is where the slots run out.
TEST(OpenLoop, ARampStopsAtTheFirstLevelBreakingItsObjective) {
  SimProcess sim({"--ttft-ms", "50", "--itl-ms", "20", "--slots", "4"});
  const fs::path out = fresh("ramp");
  const RunResult r = hakari_run({"--target", sim.url(), "-c", "1..64x2", "--ramp", "--slo", "ttft_p99_ms=400", "-n", "16",
                                  "--max-tokens", "10", "--warmup", "0", "--out", out.string(), "--telemetry-interval-ms",
                                  "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto cells = query(out / "results.db", "SELECT concurrency, status FROM cells ORDER BY id");
  ASSERT_EQ(cells.size(), 7u);
  int measured = 0;
  for (const auto& c : cells) measured += c[1] == "complete";
  EXPECT_GE(measured, 4) << "1, 2, 4 and 8 meet 400 ms: 8 only queues one request's worth";
  EXPECT_LE(measured, 6);
  EXPECT_EQ(cells.back()[1], "skipped");
  EXPECT_NE(r.err.find("the ramp stops at c="), std::string::npos) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(doc));
  EXPECT_EQ(double(doc["sweeps"].at(0)["saturation_load"]), 4.0);
}

TEST(OpenLoop, RepetitionsOfALevelAreGivenWithTheirIntervalAndSpread) {
  SimProcess sim({"--ttft-ms", "20", "--itl-ms", "5"});
  const fs::path out = fresh("reps");
  const RunResult r = hakari_run({"--target", sim.url(), "-c", "2", "-n", "8", "--max-tokens", "8", "--repetitions", "3",
                                  "--warmup", "0", "--out", out.string(), "--telemetry-interval-ms", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(query(out / "results.db", "SELECT COUNT(*), COUNT(DISTINCT repetition) FROM cells")[0],
            (std::vector<std::string>{"3", "3"}));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(doc));
  simdjson::dom::element rep = doc["repetitions"].at(0);
  EXPECT_EQ(int64_t(rep["n"]), 3);
  simdjson::dom::element ttft = rep["figures"]["ttft_p50_ms"];
  EXPECT_NEAR(double(ttft["mean"]), 20.0, 5.0);
  EXPECT_LE(double(ttft["ci95"].at(0)), double(ttft["mean"]));
  EXPECT_GE(double(ttft["ci95"].at(1)), double(ttft["mean"]));
  EXPECT_NE(r.out.find("across 3 repetitions of target/default c=2"), std::string::npos) << r.out;
}

// By time with windows: 2 s at a constant 20/s; what is due in the first and last half
// second is sent but kept apart.
TEST(OpenLoop, WarmupAndCooldownWindowsAreSentButNotMeasured) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "1", "--slots", "16"});
  const fs::path out = fresh("windows");
  const RunResult r = hakari_run({"--target", sim.url(), "--rate", "20", "--arrival", "constant", "--duration", "2s",
                                  "--warmup-time", "500ms", "--cooldown-time", "500ms", "--max-tokens", "4", "--warmup",
                                  "0", "--out", out.string(), "--telemetry-interval-ms", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto measured = query(out / "results.db",
                              "SELECT COUNT(*), MIN(r.scheduled_ns - c.schedule_origin_ns), MAX(r.scheduled_ns - "
                              "c.schedule_origin_ns) FROM requests r JOIN cells c ON c.id = r.cell_id");
  EXPECT_EQ(measured[0][0], "20");
  EXPECT_EQ(measured[0][1], "500000000");
  EXPECT_EQ(measured[0][2], "1450000000");
  EXPECT_EQ(query(out / "results.db", "SELECT COUNT(*) FROM warmup_requests")[0][0], "20");
}

// A business day compressed into 12 s (half a second an hour), peaking at 20 req/s: the
// quiet night sends almost nothing, the 14:00 peak the most, with a mix of workloads.
TEST(OpenLoop, ABusinessDayRisesAndFallsLikeAnOfficeDay) {
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "1", "--slots", "32"});
  const fs::path out = fresh("business");
  const RunResult r = hakari_run({"--target", sim.url(), "--rate", "20", "--curve", "business", "--duration", "12s",
                                  "--workload", "mix", "--mix", "story:1,synthetic:3", "--max-tokens", "4", "--warmup",
                                  "0", "--out", out.string(), "--telemetry-interval-ms", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<int> per_hour(24, 0);
  int total = 0;
  for (const auto& row : query(out / "results.db", "SELECT (r.scheduled_ns - c.schedule_origin_ns) / 500000000 FROM "
                                                   "requests r JOIN cells c ON c.id = r.cell_id")) {
    const int hour = std::stoi(row[0]);
    if (hour >= 0 && hour < 24) ++per_hour[static_cast<std::size_t>(hour)];
    ++total;
  }
  EXPECT_GT(total, 55) << "mean relative rate ~0.36 x 20 req/s x 12 s = ~87";
  EXPECT_LT(total, 125);
  int night = 0;
  for (int h = 0; h < 6; ++h) night += per_hour[static_cast<std::size_t>(h)];
  EXPECT_LE(night, 9) << "0.05 of the peak for six hours: ~3 expected";
  EXPECT_GE(per_hour[14], 4) << "the peak hour: ~10 expected";
  EXPECT_NE(query(out / "results.db", "SELECT arrival FROM cells")[0][0].find("a business day in 12s"), std::string::npos);
}

}  // namespace
}  // namespace hakari
