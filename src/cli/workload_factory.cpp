#include "cli/workload_factory.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "hakari/load/dataset.h"
#include "hakari/load/length_distribution.h"
#include "hakari/load/load_error.h"
#include "hakari/load/trace.h"
#include "hakari/load/weighted_choice.h"

namespace hakari::cli {
namespace {

namespace fs = std::filesystem;

const suite::Workload& find_workload(const suite::Suite& s, const std::string& name) {
  for (const auto& w : s.workloads) {
    if (w.name == name) return w;
  }
  throw std::invalid_argument("no workload named '" + name + "'");
}

// JSONL (one object a line) or ShareGPT (a JSON array): by the first non-blank character.
bool looks_like_sharegpt(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  int c = 0;
  while ((c = std::fgetc(f)) != EOF && (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB || c == 0xBF)) {
  }
  std::fclose(f);
  return c == '[';
}

std::optional<load::LengthDistribution> distribution(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string error;
  auto d = load::LengthDistribution::parse(text, error);
  if (!d) throw std::invalid_argument(error);  // validated with the suite; a flag's text lands here too
  return d;
}

}  // namespace

std::string default_datasets_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("HAKARI_DATASETS_DIR"); env && *env) candidates.emplace_back(env);
#ifdef HAKARI_SOURCE_DIR
  candidates.push_back(fs::path(HAKARI_SOURCE_DIR) / ".." / "shared" / "datasets");
#endif
  candidates.emplace_back("/work/shared/datasets");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec).string();
  }
  return {};
}

bool needs_chat_api(const suite::Suite& suite, const suite::Workload& w) {
  if (w.kind == "chat") return true;
  if (w.kind != "mix") return false;
  for (const auto& [part, weight] : w.mix) {
    if (needs_chat_api(suite, find_workload(suite, part))) return true;
  }
  return false;
}

MadeWorkload make_workload(const suite::Suite& suite, const suite::Workload& w, std::uint64_t seed,
                           load::Tokenizer* tokenizer, const std::string& datasets_dir) {
  MadeWorkload made;
  const bool force = w.force_length;
  if (w.kind == "synthetic") {
    if (w.prompt_lengths.empty() && w.output_lengths.empty()) {
      made.workload = std::make_unique<load::SyntheticWorkload>(seed, w.prompt_tokens, w.max_tokens, force);
    } else {
      made.workload = std::make_unique<load::DistributedSyntheticWorkload>(
          seed, distribution(w.prompt_lengths).value_or(load::LengthDistribution::fixed(w.prompt_tokens)),
          distribution(w.output_lengths).value_or(load::LengthDistribution::fixed(w.max_tokens)), force);
    }
  } else if (w.kind == "story") {
    made.workload = std::make_unique<load::StoryWorkload>(w.lang, w.max_tokens, force);
  } else if (w.kind == "summarize") {
    std::string text;
    std::string source;
    if (!w.document.empty()) {
      text = load::read_document(w.document);
      source = fs::path(w.document).filename().string();
    } else {
      if (datasets_dir.empty()) {
        throw load::LoadError("summarize: no document given and no built-in corpus found (set HAKARI_DATASETS_DIR "
                              "to the shared datasets folder, or give 'document')");
      }
      text = load::builtin_corpus(w.lang, datasets_dir);
      source = load::builtin_corpus_source(w.lang);
    }
    made.workload = std::make_unique<load::SummarizeWorkload>(
        load::cut_to_tokens(text, w.prompt_tokens, tokenizer, source), w.lang, w.max_tokens, force);
  } else if (w.kind == "chat") {
    auto chat = std::make_unique<load::ChatWorkload>(w.turns, w.lang, w.max_tokens, force, seed);
    made.chat = chat.get();
    made.workload = std::move(chat);
  } else if (w.kind == "dataset") {
    const bool sharegpt = w.format == "sharegpt" || (w.format == "auto" && looks_like_sharegpt(w.dataset));
    std::vector<load::DatasetItem> items = sharegpt ? load::load_sharegpt(w.dataset) : load::load_prompt_jsonl(w.dataset);
    if (items.empty()) throw load::LoadError(w.dataset + ": no prompts in it");
    made.workload = std::make_unique<load::DatasetWorkload>(std::move(items), distribution(w.output_lengths),
                                                            w.max_tokens, force, seed, w.shuffle);
  } else if (w.kind == "replay") {
    std::vector<load::TraceEntry> entries = load::load_trace(w.trace);
    if (entries.empty()) throw load::LoadError(w.trace + ": no entries in it");
    std::vector<driver::Arrival> arrivals;
    const std::vector<Nanos> times = load::replay_arrivals(entries, w.speed);
    for (std::size_t i = 0; i < times.size(); ++i) arrivals.push_back({static_cast<std::int64_t>(i), times[i]});
    made.arrivals = std::move(arrivals);
    made.workload = std::make_unique<load::ReplayWorkload>(std::move(entries), seed, force);
  } else if (w.kind == "mix") {
    std::vector<std::pair<std::string, std::unique_ptr<load::Workload>>> parts;
    std::vector<std::pair<std::string, double>> weights;
    for (const auto& [name, weight] : w.mix) {
      MadeWorkload part = make_workload(suite, find_workload(suite, name), seed, tokenizer, datasets_dir);
      if (part.chat) made.chat = part.chat;
      parts.emplace_back(name, std::move(part.workload));
      weights.emplace_back(name, weight);
    }
    made.workload = std::make_unique<load::MixWorkload>(std::move(parts), load::WeightedChoice(std::move(weights)), seed);
  } else {
    throw std::invalid_argument("unknown workload kind '" + w.kind + "'");
  }
  made.detail = made.workload->describe();
  return made;
}

}  // namespace hakari::cli
