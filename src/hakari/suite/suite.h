// A suite file: which servers to measure (targets), with which requests (workloads), under
// which load (load profiles), how many times, against which objectives. Loading validates
// everything and names the place of each mistake as file:line:column; expanding gives the
// cartesian product as cells, ordered so each server is started once.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/target/server.h"

namespace hakari::suite {

// A mistake in a suite file. what() is "<file>:<line>:<column>: <message>".
class SuiteError : public std::runtime_error {
 public:
  SuiteError(const std::string& file, int line, int column, const std::string& message);
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  int line_;
  int column_;
};

struct SuiteTarget {
  target::TargetSpec spec;
  std::string api = "auto";  // as `hakari run --api`
  std::optional<std::int64_t> model_bytes;  // bytes read per decode step, when the server will not say
  int line = 0;  // where it is defined, for messages
};

// What the requests are. `kind` picks the shape; the other fields are its settings.
struct Workload {
  std::string name;
  // synthetic: prompts of prompt_tokens (or prompt_lengths) -> max_tokens (or output_lengths)
  // story: a short prompt -> exactly max_tokens (2000 unless given)
  // summarize: a document of prompt_tokens tokens (5000 unless given) -> a summary of max_tokens (200)
  // chat: conversations of `turns` turns resending the growing history, max_tokens a turn
  // dataset: prompts from a JSONL or ShareGPT file
  // mix: a weighted mix of the suite's other workloads
  // replay: a trace of (time, input length, output length), sent on its own clock
  std::string kind = "synthetic";
  std::int64_t prompt_tokens = 128;
  std::int64_t max_tokens = 128;
  std::string prompt_lengths;  // a length distribution ("normal:500,100"); "" = prompt_tokens
  std::string output_lengths;  // ""  = max_tokens (or the dataset's own)
  bool force_length = true;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  std::string lang = "en";     // story, summarize (built-in corpus), chat: en | ja
  std::string document;        // summarize: a text or PDF file; "" = the built-in corpus of `lang`
  int turns = 10;              // chat
  std::string dataset;         // dataset: the file
  std::string format = "auto"; // dataset: jsonl | sharegpt | auto (by the file's first character)
  bool shuffle = false;        // dataset: a seeded order instead of the file's
  std::string trace;           // replay: the trace file
  double speed = 1;            // replay: 2 replays twice as fast
  std::vector<std::pair<std::string, double>> mix;  // mix: other workloads' names and weights
  bool own_cells = true;       // false: only a part of a mix (the flags' mix), never measured alone
};

struct LoadProfile {
  std::string name;
  // Closed loop: each level keeps this many units in flight. Open loop (rates given): one
  // number, the most that may be in flight at once (empty: no cap).
  std::vector<int> concurrency{1};
  // Open loop: one level per rate, in requests per second, arriving as `arrival` says,
  // precomputed from a seed so every run (and every shard) sends the same schedule.
  std::vector<double> rates;
  std::string arrival = "poisson";  // poisson | gamma | constant
  // A day's arrival curve ("business", or "hour:rate,hour:rate,…"), compressed into
  // `duration`, its peak at the rate: one level whose rate rises and falls like a working
  // day. "": a steady rate.
  std::string curve;
  double burstiness = 1.0;          // gamma's shape: < 1 burstier than Poisson, > 1 more regular
  Nanos duration = 0;               // per level: no unit starts after it; 0: none
  Nanos warmup_time = 0;            // requests due in a level's first this-long are sent, not measured
  Nanos cooldown_time = 0;          // nor those due in its last this-long (with a duration)
  // A ramp: levels in ascending order, stopping after the first that breaks the
  // objectives or fails more than max_error_rate of its requests; the rest are skipped.
  bool ramp = false;
  double max_error_rate = 0.05;
  int requests = 20;  // measured units per level (requests, or conversations)
  bool requests_given = false;      // with a duration and no count, a level runs by time alone
  int warmup = 1;
  double timeout_s = 600;       // per request
  double idle_timeout_s = 120;  // per request, between bytes
  double cell_timeout_s = 0;    // whole cell; 0 = no limit
};

struct Suite {
  std::string path;
  std::string name;    // default: the file's stem
  std::string output;  // default: hakari-results/<name>
  std::string hardware;
  int telemetry_interval_ms = 200;
  int repetitions = 1;
  std::vector<SuiteTarget> targets;
  std::vector<Workload> workloads;
  std::vector<LoadProfile> loads;
  // Service-level objectives every cell is judged by, canonical ("ttft_p99_ms=2000;
  // error_rate=0.01", see metrics/objectives.h); "" when none.
  std::string slos;
  std::string hash;  // of the file's bytes, to tell a changed suite from the same one
};

// One point of the matrix.
struct CellPlan {
  std::size_t target = 0;    // index into Suite::targets
  std::size_t workload = 0;  // index into Suite::workloads
  std::size_t load = 0;      // index into Suite::loads
  int concurrency = 1;  // closed loop: units in flight; open loop: the cap (0: none)
  double rate = 0;      // open loop: requests per second; 0: closed loop
  int repetition = 0;  // 0-based
  // Identifies the cell across runs of the same suite (for --resume):
  // "<target>/<workload>/<load>/c<concurrency>|rate<rate>/r<repetition>#<hash of those definitions>".
  std::string key;
};

// Reads and validates a suite file. Throws SuiteError (with file:line:column) for any
// mistake: unknown keys (with a suggestion), wrong types, out-of-range values, duplicate
// names, missing required fields.
Suite load_suite(const std::string& path);
// The same from text (tests, fuzzing); `path` only names the source in messages.
Suite parse_suite(const std::string& text, const std::string& path);

// Every cell, target by target (each server is started once), then workload, load
// profile, repetition and concurrency.
std::vector<CellPlan> expand(const Suite& suite);

}  // namespace hakari::suite
