// Runs a suite: for each target, starts (or attaches to) its server once, measures its
// cells, stops it; a cell that fails is recorded with its reason and the matrix goes on.
// `hakari run --target URL` is the one-target case of the same path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/telemetry_session.h"
#include "hakari/backend/api.h"
#include "hakari/backend/probe.h"
#include "hakari/suite/suite.h"

namespace hakari::cli {

// What the command line adds to, or overrides in, the suite.
struct RunSettings {
  std::string out_dir;                    // empty: the suite's output folder
  std::optional<backend::ApiKind> api;    // drive every target with this API
  std::string model;                      // request this model from every target
  std::vector<std::string> headers;       // e.g. Authorization
  Nanos connect_timeout = 10 * kNanosPerSecond;
  std::uint64_t prompt_seed = 0;
  bool save_output = false;
  bool quiet = false;
  bool json = false;
  bool resume = false;  // skip cells already complete in the results database
  TelemetryOptions telemetry;  // interval 0: none
  bool telemetry_interval_set = false;  // the flag overrides the suite's interval
  std::int64_t model_bytes = 0;
  // This machine sends shard I of N of every open-loop schedule (--shard I/N).
  std::optional<std::pair<int, int>> shard;
  // A one-target run has already asked the server what it is.
  std::optional<backend::ServerInfo> probed;
};

// Returns the exit code: 0 all cells complete, 1 some cell failed, 2 an unusable output
// folder, 130 interrupted (what was measured is kept).
int run_suite(const suite::Suite& suite, const RunSettings& settings);

}  // namespace hakari::cli
