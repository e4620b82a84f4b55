#include "hakari/suite/suite.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "hakari/load/duration.h"
#include "hakari/load/length_distribution.h"
#include "hakari/load/rate_curve.h"
#include "hakari/metrics/objectives.h"
#include "hakari/load/schedule.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace hakari::suite {

SuiteError::SuiteError(const std::string& file, int line, int column, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message),
      line_(line),
      column_(column) {}

namespace {

constexpr std::size_t kMaxSuiteBytes = 1u << 20;

// Levenshtein distance, for "did you mean" on unknown keys.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Walks the document, turning every mistake into a SuiteError at its node.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
    const YAML::Mark m = at.Mark();
    // yaml-cpp counts from 0; editors count from 1. A node without a mark (-1) is the document.
    throw SuiteError(file_, m.line >= 0 ? m.line + 1 : 1, m.column >= 0 ? m.column + 1 : 1, message);
  }

  // A mapping whose keys must all be in `known`.
  void expect_map(const YAML::Node& node, const std::string& what, const std::vector<std::string>& known) const {
    if (!node.IsMap()) fail(node, what + " must be a mapping of keys to values");
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string best;
      std::size_t best_d = 3;  // suggest only close matches
      for (const auto& k : known) {
        const std::size_t d = edit_distance(key, k);
        if (d < best_d) best_d = d, best = k;
      }
      std::string msg = "unknown key '" + key + "' in " + what;
      msg += best.empty() ? " (known: " + join(known) + ")" : "; did you mean '" + best + "'?";
      fail(kv.first, msg);
    }
  }

  std::string string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(node, "'" + key + "' must be a string");
    return node.Scalar();
  }

  std::int64_t integer(const YAML::Node& node, const std::string& key, std::int64_t min, std::int64_t max) const {
    if (!node.IsScalar()) fail(node, "'" + key + "' must be a whole number");
    const std::string& s = node.Scalar();
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
      fail(node, "'" + key + "' must be a whole number, not '" + s + "'");
    }
    if (v < min || v > max) {
      fail(node, "'" + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " + s);
    }
    return v;
  }

  double number(const YAML::Node& node, const std::string& key, double min, double max) const {
    if (!node.IsScalar()) fail(node, "'" + key + "' must be a number");
    const std::string& s = node.Scalar();
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
      fail(node, "'" + key + "' must be a number, not '" + s + "'");
    }
    if (v < min || v > max) {
      std::ostringstream range;
      range << "'" << key << "' must be between " << min << " and " << max << ", not " << s;
      fail(node, range.str());
    }
    return v;
  }

  bool boolean(const YAML::Node& node, const std::string& key) const {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (s == "true" || s == "yes" || s == "on") return true;
      if (s == "false" || s == "no" || s == "off") return false;
    }
    fail(node, "'" + key + "' must be true or false");
  }

  // Names appear in file names and cell keys: keep them plain.
  std::string name(const YAML::Node& node, const std::string& key) const {
    std::string s = string(node, key);
    if (s.empty() || s.size() > 64 || !std::all_of(s.begin(), s.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        })) {
      fail(node, "'" + key + "' must be 1-64 letters, digits, '-', '_' or '.', not '" + s + "'");
    }
    return s;
  }

  const std::string& file() const { return file_; }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }
  std::string file_;
};

const std::vector<std::string> kTopKeys{"name", "output", "hardware", "telemetry_interval_ms", "repetitions", "defaults",
                                       "targets", "workloads", "loads", "slos"};
const std::vector<std::string> kTargetKeys{"name", "tool", "url", "model", "model_file", "quant", "context", "parallel",
                                          "command", "args", "env", "startup_timeout_s", "api", "model_bytes"};
const std::vector<std::string> kWorkloadKeys{"name",     "kind",          "prompt_tokens", "max_tokens",  "prompt_lengths",
                                            "output_lengths", "force_length", "temperature", "seed",  "lang",
                                            "document", "turns",         "dataset",       "format",      "shuffle",
                                            "trace",    "speed",         "mix"};
const std::vector<std::string> kWorkloadKinds{"synthetic", "story", "summarize", "chat", "dataset", "mix", "replay"};
const std::vector<std::string> kLoadKeys{"name",      "concurrency", "rates",          "arrival",       "burstiness",
                                        "duration",  "requests",    "warmup",         "timeout_s",     "idle_timeout_s",
                                        "cell_timeout_s", "ramp",   "max_error_rate", "warmup_time",  "cooldown_time",
                                        "curve"};
const std::vector<std::string> kTools{"llama.cpp", "ollama", "vllm", "lmstudio"};
const std::vector<std::string> kApis{"auto",   "openai",          "openai-chat", "openai-completions",
                                     "ollama", "ollama-chat",     "ollama-generate", "llamacpp"};

// Applies the fields of `node` (a target, or `defaults`) onto `t`.
void read_target_fields(const Reader& r, const YAML::Node& node, SuiteTarget& t, const std::string& what) {
  r.expect_map(node, what, kTargetKeys);
  target::TargetSpec& s = t.spec;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name") {
      s.name = r.name(v, key);
    } else if (key == "tool") {
      s.tool = r.string(v, key);
      if (std::find(kTools.begin(), kTools.end(), s.tool) == kTools.end()) {
        r.fail(v, "unknown tool '" + s.tool + "' (choose llama.cpp, ollama, vllm or lmstudio; or give 'url' to attach)");
      }
    } else if (key == "url") {
      s.url = r.string(v, key);
      if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0) {
        r.fail(v, "'url' must start with http:// or https://, not '" + s.url + "'");
      }
    } else if (key == "model") {
      s.model = r.string(v, key);
    } else if (key == "model_file") {
      s.model_file = r.string(v, key);
    } else if (key == "quant") {
      s.quant = r.string(v, key);
    } else if (key == "context") {
      s.context = static_cast<int>(r.integer(v, key, 1, 10'000'000));
    } else if (key == "parallel") {
      s.parallel = static_cast<int>(r.integer(v, key, 1, 4096));
    } else if (key == "command") {
      s.command = r.string(v, key);
    } else if (key == "args") {
      if (!v.IsSequence()) r.fail(v, "'args' must be a list of strings");
      s.extra_args.clear();
      for (const auto& a : v) s.extra_args.push_back(r.string(a, key));
    } else if (key == "env") {
      if (!v.IsMap()) r.fail(v, "'env' must be a mapping of variable names to values");
      for (const auto& e : v) s.env[e.first.Scalar()] = r.string(e.second, "env." + e.first.Scalar());
    } else if (key == "startup_timeout_s") {
      s.startup_timeout = static_cast<Nanos>(r.number(v, key, 1, 86'400) * 1e9);
    } else if (key == "api") {
      t.api = r.string(v, key);
      if (std::find(kApis.begin(), kApis.end(), t.api) == kApis.end()) {
        r.fail(v, "unknown api '" + t.api + "' (choose auto, openai, openai-completions, ollama, ollama-generate, llamacpp)");
      }
    } else if (key == "model_bytes") {
      t.model_bytes = r.integer(v, key, 1, std::int64_t{1} << 50);
    }
  }
}

// A file a workload names: relative to the suite's folder; it must be readable now, so a
// typo is found before hours of other cells.
std::string workload_file(const Reader& r, const YAML::Node& v, const std::string& key, const std::string& suite_path) {
  std::string path = r.string(v, key);
  if (path.empty()) r.fail(v, "'" + key + "' must name a file");
  std::filesystem::path p(path);
  if (p.is_relative() && !suite_path.empty()) p = std::filesystem::path(suite_path).parent_path() / p;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) r.fail(v, "'" + key + "': no file " + p.string());
  return p.string();
}

Workload read_workload(const Reader& r, const YAML::Node& node, std::size_t index, const std::string& suite_path) {
  const std::string what = "workloads[" + std::to_string(index) + "]";
  r.expect_map(node, what, kWorkloadKeys);
  Workload w;
  if (!node["name"]) r.fail(node, what + " needs a 'name'");
  if (const YAML::Node k = node["kind"]) {
    w.kind = r.string(k, "kind");
    if (std::find(kWorkloadKinds.begin(), kWorkloadKinds.end(), w.kind) == kWorkloadKinds.end()) {
      r.fail(k, "unknown kind '" + w.kind + "' (choose synthetic, story, summarize, chat, dataset, mix or replay)");
    }
  }
  // Each kind's natural lengths, unless given: a story of 2,000 tokens; a 10-page document
  // (~5,000 tokens) summarised in 200.
  if (w.kind == "story") w.max_tokens = 2000;
  if (w.kind == "summarize") w.prompt_tokens = 5000, w.max_tokens = 200;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name") w.name = r.name(v, key);
    if (key == "prompt_tokens") w.prompt_tokens = r.integer(v, key, 1, 10'000'000);
    if (key == "max_tokens") w.max_tokens = r.integer(v, key, 1, 10'000'000);
    if (key == "prompt_lengths" || key == "output_lengths") {
      std::string error;
      const std::string text = r.string(v, key);
      if (!load::LengthDistribution::parse(text, error)) r.fail(v, "'" + key + "': " + error);
      (key == "prompt_lengths" ? w.prompt_lengths : w.output_lengths) = text;
    }
    if (key == "force_length") w.force_length = r.boolean(v, key);
    if (key == "temperature") w.temperature = r.number(v, key, 0, 100);
    if (key == "seed") w.seed = r.integer(v, key, 0, INT64_MAX);
    if (key == "lang") {
      w.lang = r.string(v, key);
      if (w.lang != "en" && w.lang != "ja") r.fail(v, "'lang' is en or ja, not '" + w.lang + "'");
    }
    if (key == "document") w.document = workload_file(r, v, key, suite_path);
    if (key == "turns") w.turns = static_cast<int>(r.integer(v, key, 2, 1000));
    if (key == "dataset") w.dataset = workload_file(r, v, key, suite_path);
    if (key == "format") {
      w.format = r.string(v, key);
      if (w.format != "auto" && w.format != "jsonl" && w.format != "sharegpt") {
        r.fail(v, "'format' is jsonl, sharegpt or auto, not '" + w.format + "'");
      }
    }
    if (key == "shuffle") w.shuffle = r.boolean(v, key);
    if (key == "trace") w.trace = workload_file(r, v, key, suite_path);
    if (key == "speed") w.speed = r.number(v, key, 0.001, 1000);
    if (key == "mix") {
      if (!v.IsMap() || v.size() == 0) r.fail(v, "'mix' maps workload names to weights, e.g. {story: 3, chat: 1}");
      for (const auto& part : v) w.mix.emplace_back(part.first.Scalar(), r.number(part.second, "mix." + part.first.Scalar(), 0.001, 1e6));
    }
  }
  auto needs = [&](bool ok, const std::string& message) {
    if (!ok) r.fail(node, what + " (" + w.name + "): " + message);
  };
  needs(w.kind != "dataset" || !w.dataset.empty(), "kind dataset needs 'dataset: FILE'");
  needs(w.kind != "replay" || !w.trace.empty(), "kind replay needs 'trace: FILE'");
  needs(w.kind != "mix" || !w.mix.empty(), "kind mix needs 'mix: {workload: weight, ...}'");
  needs(w.kind == "mix" || w.mix.empty(), "'mix' is for kind mix");
  return w;
}

LoadProfile read_load(const Reader& r, const YAML::Node& node, std::size_t index) {
  const std::string what = "loads[" + std::to_string(index) + "]";
  r.expect_map(node, what, kLoadKeys);
  LoadProfile l;
  if (!node["name"]) r.fail(node, what + " needs a 'name'");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name") l.name = r.name(v, key);
    if (key == "concurrency") {
      l.concurrency.clear();
      if (v.IsScalar() && v.Scalar().find("..") != std::string::npos) {
        std::string error;
        const auto range = load::parse_level_range(v.Scalar(), error);
        if (!range) r.fail(v, "'concurrency': " + error);
        for (double level : *range) {
          if (level != std::floor(level) || level < 1 || level > 4096) r.fail(v, "'concurrency' levels are whole numbers in 1..4096");
          l.concurrency.push_back(static_cast<int>(level));
        }
      } else if (v.IsScalar()) {
        l.concurrency.push_back(static_cast<int>(r.integer(v, key, 1, 4096)));
      } else if (v.IsSequence() && v.size() > 0) {
        for (const auto& c : v) {
          const int level = static_cast<int>(r.integer(c, key, 1, 4096));
          // Two equal levels would be two cells with one key: --resume could not tell them apart.
          if (std::find(l.concurrency.begin(), l.concurrency.end(), level) != l.concurrency.end()) {
            r.fail(c, "'concurrency' lists " + std::to_string(level) + " twice; each level is measured once");
          }
          l.concurrency.push_back(level);
        }
      } else {
        r.fail(v, "'concurrency' must be a number or a non-empty list of numbers, e.g. [1, 5, 10, 20]");
      }
    }
    if (key == "rates") {
      l.rates.clear();
      if (!(v.IsSequence() && v.size() > 0) && !v.IsScalar()) {
        r.fail(v, "'rates' must be a number or a non-empty list of requests per second, e.g. [1, 2, 4, 8]");
      }
      auto add_rate = [&](const YAML::Node& n) {
        const double rate = r.number(n, key, 0.001, 1'000'000);
        if (std::find(l.rates.begin(), l.rates.end(), rate) != l.rates.end()) {
          r.fail(n, "'rates' lists " + n.Scalar() + " twice; each level is measured once");
        }
        l.rates.push_back(rate);
      };
      if (v.IsScalar() && v.Scalar().find("..") != std::string::npos) {
        std::string error;
        const auto range = load::parse_level_range(v.Scalar(), error);
        if (!range) r.fail(v, "'rates': " + error);
        l.rates = *range;
      } else if (v.IsScalar()) {
        add_rate(v);
      } else {
        for (const auto& n : v) add_rate(n);
      }
    }
    if (key == "arrival") {
      l.arrival = r.string(v, key);
      if (!load::parse_arrival(l.arrival)) r.fail(v, "unknown arrival '" + l.arrival + "' (choose poisson, gamma or constant)");
    }
    if (key == "burstiness") l.burstiness = r.number(v, key, 0.01, 100);
    if (key == "ramp") l.ramp = r.boolean(v, key);
    if (key == "curve") {
      l.curve = r.string(v, key);
      std::string error;
      if (l.curve != "business" && !load::RateCurve::parse(l.curve, error)) r.fail(v, "'curve': " + error + " (or 'business')");
    }
    if (key == "max_error_rate") l.max_error_rate = r.number(v, key, 0, 1);
    if (key == "duration" || key == "warmup_time" || key == "cooldown_time") {
      std::string error;
      const auto d = load::parse_duration(v.IsScalar() ? v.Scalar() : std::string(), error);
      if (!d) r.fail(v, "'" + key + "': " + error);
      (key == "duration" ? l.duration : key == "warmup_time" ? l.warmup_time : l.cooldown_time) = *d;
    }
    if (key == "requests") {
      l.requests = static_cast<int>(r.integer(v, key, 1, 10'000'000));
      l.requests_given = true;
    }
    if (key == "warmup") l.warmup = static_cast<int>(r.integer(v, key, 0, 100'000));
    if (key == "timeout_s") l.timeout_s = r.number(v, key, 0.001, 86'400);
    if (key == "idle_timeout_s") l.idle_timeout_s = r.number(v, key, 0.001, 86'400);
    if (key == "cell_timeout_s") {
      l.cell_timeout_s = r.number(v, key, 0, 7 * 86'400);
      // Limits run on a millisecond clock: a smaller one would cut every cell at once.
      if (l.cell_timeout_s > 0 && l.cell_timeout_s < 0.001) {
        r.fail(v, "'cell_timeout_s' must be 0 (no limit) or at least 0.001, not " + v.Scalar());
      }
    }
  }
  if (!l.rates.empty()) {
    // Open loop: concurrency is not a level but the cap on what may be in flight.
    if (const YAML::Node c = node["concurrency"]) {
      if (l.concurrency.size() != 1) {
        r.fail(c, "with 'rates', 'concurrency' is one number: the most requests in flight at once");
      }
    } else {
      l.concurrency = {0};
    }
  } else if (node["arrival"] || node["burstiness"]) {
    r.fail(node["arrival"] ? node["arrival"] : node["burstiness"], "'arrival' and 'burstiness' shape 'rates'; give 'rates' too");
  }
  if (!l.curve.empty() && (l.rates.size() != 1 || l.duration == 0)) {
    r.fail(node["curve"], "a 'curve' needs one rate (its peak) and the 'duration' the day is compressed into");
  }
  if (l.cooldown_time > 0 && (l.duration == 0 || l.warmup_time + l.cooldown_time >= l.duration)) {
    r.fail(node["cooldown_time"], "'cooldown_time' needs a 'duration' longer than the warm-up and cool-down together");
  }
  if (l.burstiness != 1.0 && l.arrival != "gamma") {
    r.fail(node["burstiness"], "'burstiness' applies to arrival: gamma");
  }
  return l;
}

// yaml-cpp keeps only the first of two equal keys in a mapping and drops the second
// without a word, so a suite with two `targets:` would measure half of what it says.
// The loaded tree no longer shows the duplicate; the parser's events do, in one pass
// that never expands aliases.
class DuplicateKeyCheck final : public YAML::EventHandler {
 public:
  explicit DuplicateKeyCheck(const Reader& reader) : reader_(reader) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, "~"); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, std::nullopt); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
    leaf(mark, value);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(false);
  }
  void OnSequenceEnd() override { stack_.pop_back(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(true);
  }
  void OnMapEnd() override { stack_.pop_back(); }

 private:
  struct Container {
    bool is_map = false;
    std::size_t children = 0;
    std::string where;  // "the suite", "targets[1]", "defaults.env"
    std::string last_key;
    std::map<std::string, YAML::Mark> keys;
  };

  // A scalar, null or alias: in a mapping every other one is a key.
  void leaf(const YAML::Mark& mark, const std::optional<std::string>& key) {
    if (stack_.empty()) return;
    Container& c = stack_.back();
    const bool is_key = c.is_map && c.children % 2 == 0;
    ++c.children;
    if (!is_key) return;
    c.last_key = key.value_or("*alias");
    if (!key) return;
    auto [it, inserted] = c.keys.emplace(*key, mark);
    if (!inserted) {
      throw SuiteError(reader_.file(), mark.line + 1, mark.column + 1,
                       "'" + *key + "' is given twice in " + c.where + " (first at line " +
                           std::to_string(it->second.line + 1) + "); give each key once");
    }
  }

  void open(bool is_map) {
    Container child;
    child.is_map = is_map;
    if (stack_.empty()) {
      child.where = "the suite";
    } else {
      Container& parent = stack_.back();
      if (!parent.is_map) {
        child.where = parent.where + "[" + std::to_string(parent.children) + "]";
      } else if (parent.children % 2 == 0) {
        child.where = "a key of " + parent.where;
      } else {
        child.where = stack_.size() == 1 ? parent.last_key : parent.where + "." + parent.last_key;
      }
      ++parent.children;
    }
    stack_.push_back(std::move(child));
  }

  const Reader& reader_;
  std::vector<Container> stack_;
};

void reject_duplicate_keys(const Reader& r, const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DuplicateKeyCheck check(r);
  try {
    parser.HandleNextDocument(check);  // YAML::Load reads the first document only
  } catch (const YAML::Exception& e) {
    throw SuiteError(r.file(), e.mark.line >= 0 ? e.mark.line + 1 : 1, e.mark.column >= 0 ? e.mark.column + 1 : 1, e.msg);
  }
}

template <typename T>
void require_unique_names(const Reader& r, const YAML::Node& list, const std::vector<T>& items,
                          std::function<std::string(const T&)> name_of, const std::string& what) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!seen.insert(name_of(items[i])).second) {
      r.fail(list[i], "two " + what + " are called '" + name_of(items[i]) + "'; names must be unique");
    }
  }
}

}  // namespace

Suite parse_suite(const std::string& text, const std::string& path) {
  const Reader r(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw SuiteError(path, e.mark.line >= 0 ? e.mark.line + 1 : 1, e.mark.column >= 0 ? e.mark.column + 1 : 1, e.msg);
  }
  reject_duplicate_keys(r, text);
  if (!root.IsMap()) r.fail(root, "a suite file is a mapping with at least 'targets'");
  r.expect_map(root, "the suite", kTopKeys);

  Suite s;
  s.path = path;
  s.hash = fnv1a_hex(text);
  {
    std::string stem = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    stem = stem.substr(0, stem.find('.'));
    s.name = stem.empty() ? "suite" : stem;
  }
  if (root["name"]) s.name = r.name(root["name"], "name");
  if (root["output"]) s.output = r.string(root["output"], "output");
  if (root["hardware"]) s.hardware = r.string(root["hardware"], "hardware");
  if (root["telemetry_interval_ms"]) {
    s.telemetry_interval_ms = static_cast<int>(r.integer(root["telemetry_interval_ms"], "telemetry_interval_ms", 0, 60'000));
  }
  if (root["repetitions"]) s.repetitions = static_cast<int>(r.integer(root["repetitions"], "repetitions", 1, 1000));
  if (s.output.empty()) s.output = "hakari-results/" + s.name;

  SuiteTarget defaults;
  if (root["defaults"]) {
    read_target_fields(r, root["defaults"], defaults, "defaults");
    if (!defaults.spec.name.empty()) r.fail(root["defaults"]["name"], "'defaults' cannot set a target's 'name'");
  }

  const YAML::Node targets = root["targets"];
  if (!targets) r.fail(root, "the suite needs 'targets': the servers to measure");
  if (!targets.IsSequence() || targets.size() == 0) r.fail(targets, "'targets' must be a non-empty list");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const YAML::Node node = targets[i];
    SuiteTarget t = defaults;
    t.line = node.Mark().line + 1;
    read_target_fields(r, node, t, "targets[" + std::to_string(i) + "]");
    const std::string what = "targets[" + std::to_string(i) + "]";
    if (t.spec.name.empty()) r.fail(node, what + " needs a 'name'");
    if (t.spec.tool.empty() && t.spec.url.empty()) {
      r.fail(node, what + " ('" + t.spec.name + "') needs a 'tool' to launch or a 'url' to attach to");
    }
    if (!t.spec.tool.empty() && t.spec.model.empty() && t.spec.command.empty()) {
      r.fail(node, what + " ('" + t.spec.name + "') needs a 'model' for " + t.spec.tool);
    }
    s.targets.push_back(std::move(t));
  }
  require_unique_names<SuiteTarget>(r, targets, s.targets, [](const SuiteTarget& t) { return t.spec.name; }, "targets");

  if (const YAML::Node w = root["workloads"]) {
    if (!w.IsSequence() || w.size() == 0) r.fail(w, "'workloads' must be a non-empty list");
    for (std::size_t i = 0; i < w.size(); ++i) s.workloads.push_back(read_workload(r, w[i], i, path));
    require_unique_names<Workload>(r, w, s.workloads, [](const Workload& x) { return x.name; }, "workloads");
    // A mix names other workloads of the suite, none of them a mix or a replay (a replay
    // brings its own clock, which a mix cannot share).
    for (std::size_t i = 0; i < s.workloads.size(); ++i) {
      for (const auto& [part, weight] : s.workloads[i].mix) {
        const auto it = std::find_if(s.workloads.begin(), s.workloads.end(), [&](const Workload& x) { return x.name == part; });
        if (it == s.workloads.end()) r.fail(w[i]["mix"], "'mix' names '" + part + "', which is not a workload of this suite");
        if (it->kind == "mix" || it->kind == "replay") r.fail(w[i]["mix"], "'mix' cannot include " + it->kind + " workload '" + part + "'");
      }
    }
  } else {
    Workload fallback;
    fallback.name = "default";
    s.workloads.push_back(fallback);
  }
  if (const YAML::Node l = root["loads"]) {
    if (!l.IsSequence() || l.size() == 0) r.fail(l, "'loads' must be a non-empty list");
    for (std::size_t i = 0; i < l.size(); ++i) s.loads.push_back(read_load(r, l[i], i));
    require_unique_names<LoadProfile>(r, l, s.loads, [](const LoadProfile& x) { return x.name; }, "loads");
  } else {
    LoadProfile fallback;
    fallback.name = "default";
    s.loads.push_back(fallback);
  }
  if (const YAML::Node slos = root["slos"]) {
    if (!slos.IsMap()) r.fail(slos, "'slos' must be a mapping of objectives to limits, e.g. {ttft_p99_ms: 2000}");
    std::vector<metrics::Objective> objectives;
    for (const auto& kv : slos) {
      const std::string key = kv.first.Scalar();
      const double v = key == "error_rate" ? r.number(kv.second, key, 0, 1) : r.number(kv.second, key, 0, 1e9);
      std::string error;
      const auto parsed = metrics::parse_objectives(key + "=" + std::to_string(v), error);
      if (!parsed) r.fail(kv.first, error);
      objectives.push_back(parsed->front());
    }
    s.slos = metrics::objectives_text(objectives);
  }
  return s;
}

Suite load_suite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SuiteError(path, 1, 1, "cannot read the suite file");
  std::string text;
  text.resize(kMaxSuiteBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxSuiteBytes) throw SuiteError(path, 1, 1, "larger than 1 MiB: not a suite file");
  return parse_suite(text, path);
}

std::vector<CellPlan> expand(const Suite& suite) {
  std::vector<CellPlan> cells;
  for (std::size_t t = 0; t < suite.targets.size(); ++t) {
    const auto& spec = suite.targets[t].spec;
    std::ostringstream target_def;
    target_def << spec.tool << '|' << spec.url << '|' << spec.model << '|' << spec.model_file << '|' << spec.quant << '|'
               << spec.context.value_or(0) << '|' << spec.parallel.value_or(0) << '|' << spec.command << '|'
               << suite.targets[t].api;
    for (const auto& a : spec.extra_args) target_def << '|' << a;
    for (const auto& [k, v] : spec.env) target_def << '|' << k << '=' << v;
    for (std::size_t w = 0; w < suite.workloads.size(); ++w) {
      const auto& wl = suite.workloads[w];
      if (!wl.own_cells) continue;
      std::ostringstream workload_def;
      workload_def << wl.prompt_tokens << '|' << wl.max_tokens << '|' << wl.force_length << '|'
                   << wl.temperature.value_or(-1) << '|' << wl.seed.value_or(-1);
      if (wl.kind != "synthetic" || !wl.prompt_lengths.empty() || !wl.output_lengths.empty()) {
        workload_def << '|' << wl.kind << '|' << wl.prompt_lengths << '|' << wl.output_lengths << '|' << wl.lang << '|'
                     << wl.document << '|' << wl.turns << '|' << wl.dataset << '|' << wl.format << '|' << wl.shuffle
                     << '|' << wl.trace << '|' << wl.speed;
        for (const auto& [part, weight] : wl.mix) workload_def << '|' << part << '=' << weight;
      }
      for (std::size_t l = 0; l < suite.loads.size(); ++l) {
        const auto& ld = suite.loads[l];
        std::ostringstream load_def;
        load_def << ld.requests << '|' << ld.warmup << '|' << ld.timeout_s << '|' << ld.idle_timeout_s;
        if (!ld.rates.empty() || ld.duration > 0) {
          load_def << '|' << ld.arrival << '|' << ld.burstiness << '|' << ld.duration << '|' << ld.requests_given;
        }
        if (ld.warmup_time > 0 || ld.cooldown_time > 0) load_def << "|window" << ld.warmup_time << '|' << ld.cooldown_time;
        if (!ld.curve.empty()) load_def << "|curve" << ld.curve;
        // One level per rate (open loop), else per concurrency (closed loop).
        std::vector<std::pair<int, double>> levels;
        if (ld.rates.empty()) {
          for (int c : ld.concurrency) levels.emplace_back(c, 0.0);
        } else {
          for (double rate : ld.rates) levels.emplace_back(ld.concurrency.front(), rate);
        }
        if (ld.ramp) {
          // A ramp climbs: its levels in ascending order, whatever order they were written in.
          std::sort(levels.begin(), levels.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second < b.second : a.first < b.first;
          });
          load_def << "|ramp" << ld.max_error_rate;
        }
        for (const auto& [c, rate] : levels) {
          std::ostringstream level;
          if (rate > 0) {
            level << "rate" << rate;
            if (c > 0) level << "c" << c;
          } else {
            level << "c" << c;
          }
          for (int rep = 0; rep < suite.repetitions; ++rep) {
            CellPlan cell{t, w, l, c, rate, rep, {}};
            cell.key = spec.name + "/" + wl.name + "/" + ld.name + "/" + level.str() + "/r" + std::to_string(rep) + "#" +
                       fnv1a_hex(target_def.str() + "#" + workload_def.str() + "#" + load_def.str());
            cells.push_back(std::move(cell));
          }
        }
      }
    }
  }
  return cells;
}

}  // namespace hakari::suite
