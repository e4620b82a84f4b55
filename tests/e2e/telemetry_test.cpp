// Telemetry as a user meets it: `hakari telemetry --once --json`, and the `telemetry`
// object of every summary cell, with the GPU read from a Strix Halo-like sysfs fixture,
// the server process found by its port, and the simulator's own /metrics.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.h"

namespace hakari {
namespace {

using testing::ChildProcess;
using testing::SimProcess;

const std::string kStrixHalo = std::string(HAKARI_TEST_DATA_DIR) + "/telemetry/sysfs/strix-halo";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TelemetryCommand, OnceJsonOnThisMachine) {
  ChildProcess p({HAKARI_BINARY, "telemetry", "--once", "--json", "--interval-ms", "100"});
  ASSERT_EQ(p.wait(20'000), 0) << p.err();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(p.out()).get(doc)) << p.out();
  const double cpu = doc["cpu"]["percent"];
  EXPECT_GE(cpu, 0.0);
  EXPECT_LE(cpu, 100.0);
  EXPECT_GT(int64_t(doc["memory"]["total_bytes"]), 0);
  EXPECT_GT(int64_t(doc["memory"]["used_bytes"]), 0);
  EXPECT_TRUE(doc["gpus"].is_array());
}

TEST(TelemetryCommand, OnceJsonReadsAnApuFromSysfs) {
  ChildProcess p({HAKARI_BINARY, "telemetry", "--once", "--json", "--interval-ms", "100", "--sys-root", kStrixHalo,
                  "--no-nvml"});
  ASSERT_EQ(p.wait(20'000), 0) << p.err();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(p.out()).get(doc)) << p.out();
  simdjson::dom::array gpus = doc["gpus"];
  ASSERT_EQ(gpus.size(), 1u);
  simdjson::dom::element g = gpus.at(0);
  EXPECT_EQ(std::string_view(g["vendor"]), "amd");
  EXPECT_FALSE(std::string_view(g["name"]).empty());
  EXPECT_TRUE(bool(g["unified_memory"]));
  EXPECT_EQ(std::string_view(g["power_scope"]), "soc");
  for (const char* k : {"busy_percent", "memory_used_bytes", "memory_total_bytes", "power_w", "temperature_c"}) {
    EXPECT_TRUE(g[k].is_number()) << k;
  }
  EXPECT_GT(int64_t(g["gtt_total_bytes"]), int64_t(g["memory_total_bytes"]));
  EXPECT_EQ(std::string_view(doc["hardware"]["key"]), "evo-x2");
}

TEST(TelemetryCommand, BadFlagsExitTwo) {
  ChildProcess p({HAKARI_BINARY, "telemetry", "--once", "--hardware", "tpu-v9"});
  EXPECT_EQ(p.wait(10'000), 2);
  EXPECT_NE(p.err().find("unknown profile 'tpu-v9'"), std::string::npos) << p.err();
}

TEST(TelemetryInRun, SummaryCellsCarryResourcesEnergyAndBandwidth) {
  const auto out = std::filesystem::temp_directory_path() / ("hakari-e2e-telemetry-" + std::to_string(::getpid()));
  std::filesystem::remove_all(out);
  // A memory-bound model whose decode step reads 4.24 GB at 190.8 GB/s (90 % of the
  // EVO-X2's 212): 22.2 ms a step. The size the simulator reports is its configuration,
  // which a report does not take for a model's: the bytes per step are given as a user would.
  SimProcess sim({"--weights-gb", "4.24", "--bandwidth-gbs", "190.8", "--kv-bytes-per-token", "0", "--prefill-tps",
                  "20000", "--slots", "4", "--step-overhead-ms", "0"});
  ChildProcess run({HAKARI_BINARY, "run", "--target", sim.url(), "--concurrency", "1,4", "--requests", "8",
                    "--max-tokens", "32", "--warmup", "0", "--out", out.string(), "--telemetry-interval-ms", "50",
                    "--sys-root", kStrixHalo, "--no-nvml", "--model-bytes", "4240000000", "--quiet"});
  ASSERT_EQ(run.wait(120'000), 0) << run.err();

  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(summary));
  EXPECT_EQ(int64_t(summary["run"]["telemetry_interval_ms"]), 50);
  EXPECT_EQ(std::string_view(summary["run"]["hardware"]), "evo-x2");
  EXPECT_EQ(int64_t(summary["run"]["model_bytes"]), 4'240'000'000);
  EXPECT_EQ(std::string_view(summary["run"]["model_bytes_source"]), "--model-bytes");
  for (simdjson::dom::element cell : summary["cells"].get_array()) {
    const int64_t c = cell["concurrency"];
    simdjson::dom::element t = cell["telemetry"];
    ASSERT_TRUE(t.is_object()) << "c=" << c;
    EXPECT_GT(int64_t(t["samples"]), 10) << c;
    EXPECT_TRUE(t["cpu"]["percent"]["mean"].is_number());
    EXPECT_GT(double(t["memory"]["used_bytes"]["peak"]), 0);
    // The simulator's process, found by the port it listens on.
    EXPECT_TRUE(t["server_process"]["rss_bytes"]["peak"].is_number()) << c;
    // The simulator says how many requests it is running.
    EXPECT_NEAR(double(t["server"]["requests_running"]["peak"]), double(c), 0.01) << c;
    simdjson::dom::element gpu = t["gpus"].at(0);
    EXPECT_EQ(std::string_view(gpu["vendor"]), "amd");
    const double power = gpu["power_w"]["mean"];
    EXPECT_GT(power, 0);
    // The fixture's power is constant, so energy = power x the measured window.
    simdjson::dom::element energy = t["energy"];
    const double duration = cell["duration_s"];
    EXPECT_NEAR(double(energy["joules"]), power * duration, 0.01 * power * duration) << c;
    EXPECT_NE(std::string_view(energy["basis"]).find("soc"), std::string_view::npos);
    const double tokens = double(int64_t(cell["total_output_tokens"]));
    EXPECT_NEAR(double(energy["joules_per_output_token"]), double(energy["joules"]) / tokens, 1e-3);
    // 4.24 GB per 22.2 ms step: the decode reads 190.8 GB/s, 90 % of the EVO-X2's measured bandwidth.
    simdjson::dom::element bw = t["memory_bandwidth"];
    EXPECT_EQ(std::string_view(bw["status"]), "measured") << c;
    EXPECT_NEAR(double(bw["effective_gbs"]), 190.8, 190.8 * 0.08) << c;
    EXPECT_NEAR(double(bw["percent_of_hardware"]), 90, 7) << c;
    EXPECT_EQ(std::string_view(bw["bytes_per_token_source"]), "--model-bytes") << c;
  }
  const std::string md = slurp(out / "summary.md");
  EXPECT_NE(md.find("## Resources during the measured window"), std::string::npos);
  std::filesystem::remove_all(out);
}

TEST(TelemetryInRun, OffMeansNull) {
  const auto out = std::filesystem::temp_directory_path() / ("hakari-e2e-telemetry-off-" + std::to_string(::getpid()));
  SimProcess sim({"--ttft-ms", "5", "--itl-ms", "2"});
  ChildProcess run({HAKARI_BINARY, "run", "--target", sim.url(), "--requests", "2", "--max-tokens", "4", "--out",
                    out.string(), "--telemetry-interval-ms", "0", "--quiet"});
  ASSERT_EQ(run.wait(60'000), 0) << run.err();
  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_FALSE(parser.parse(slurp(out / "summary.json")).get(summary));
  EXPECT_TRUE(summary["cells"].at(0)["telemetry"].is_null());
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace hakari
