// Turns a suite's workload entry into the load module's Workload for one target: reads
// its files (documents, datasets, traces), cuts documents to their token length with the
// target's own tokenizer where it has one, and builds mixes from the suite's other
// workloads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hakari/driver/driver.h"
#include "hakari/load/document.h"
#include "hakari/load/workload.h"
#include "hakari/load/workloads.h"
#include "hakari/suite/suite.h"

namespace hakari::cli {

struct MadeWorkload {
  std::unique_ptr<load::Workload> workload;
  // The chat part (alone, or inside a mix), whose context retention the cell reports.
  load::ChatWorkload* chat = nullptr;
  // A replay's own clock: the level's arrivals (units and offsets); unset otherwise.
  std::optional<std::vector<driver::Arrival>> arrivals;
  std::string detail;  // what it sends, in one line, with how documents were cut
};

// Throws load::LoadError (a file's problem, naming it) or std::invalid_argument. The
// tokenizer (the target's /tokenize) may be null: documents are then cut by an estimate,
// and the detail says so. `datasets_dir` holds the built-in corpora (../shared/datasets).
MadeWorkload make_workload(const suite::Suite& suite, const suite::Workload& w, std::uint64_t seed,
                           load::Tokenizer* tokenizer, const std::string& datasets_dir);

// Where the built-in corpora are: $HAKARI_DATASETS_DIR, else shared/datasets beside the
// repository the program was built in, else /work/shared/datasets; "" when none exists.
std::string default_datasets_dir();

// Whether a workload needs the answer's text to go on (chat: the next turn carries it),
// so a completion API must be swapped for the server's chat one.
bool needs_chat_api(const suite::Suite& suite, const suite::Workload& w);

}  // namespace hakari::cli
