#include "hakari/load/workloads.h"

#include "hakari/load/conversation.h"
#include "hakari/load/story.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace hakari::load {
namespace {

void require_lang(const std::string& lang, std::string_view workload) {
  if (lang != "en" && lang != "ja")
    throw std::invalid_argument(fmt::format("{}: language must be en or ja, not \"{}\"", workload, lang));
}

void require_max_tokens(std::int64_t max_tokens, std::string_view workload) {
  if (max_tokens < 1 || max_tokens > LengthDistribution::kMaxLength)
    throw std::invalid_argument(
        fmt::format("{}: max_tokens must be from 1 to {}, not {}", workload, LengthDistribution::kMaxLength, max_tokens));
}

// i mod n in [0, n) for negative i too (warm-up units count back from the end).
std::size_t wrap(std::int64_t unit, std::size_t n) {
  const auto m = static_cast<std::int64_t>(n);
  return static_cast<std::size_t>(((unit % m) + m) % m);
}

std::string exactly(bool force_length) { return force_length ? "exactly " : ""; }

}  // namespace

SplitMix64 unit_generator(std::uint64_t seed, std::int64_t unit, DrawStream stream) {
  // Two rounds of mixing, so neighbouring units and streams start far apart.
  SplitMix64 mix(seed ^ (static_cast<std::uint64_t>(stream) * 0xD1B54A32D192ED03ull));
  const std::uint64_t base = mix.next();
  SplitMix64 per_unit(base ^ (static_cast<std::uint64_t>(unit) * 0x9E3779B97F4A7C15ull));
  return SplitMix64(per_unit.next());
}

// ---- story ----

StoryWorkload::StoryWorkload(std::string lang, std::int64_t max_tokens, bool force_length)
    : lang_(std::move(lang)), max_tokens_(max_tokens), force_length_(force_length) {
  require_lang(lang_, "story");
  require_max_tokens(max_tokens_, "story");
}

PromptSpec StoryWorkload::first(std::int64_t unit) {
  PromptSpec p;
  p.messages.push_back(Message{"user", story_prompt(lang_, static_cast<std::uint64_t>(unit))});
  p.max_tokens = max_tokens_;
  p.force_length = force_length_;
  p.sample_id = "story-" + std::to_string(unit);
  return p;
}

std::string StoryWorkload::describe() const {
  return fmt::format("story: a short prompt ({}) -> {}{} tokens", lang_, exactly(force_length_), max_tokens_);
}

// ---- summarize ----

SummarizeWorkload::SummarizeWorkload(Document document, std::string lang, std::int64_t max_tokens, bool force_length)
    : document_(std::move(document)), lang_(std::move(lang)), max_tokens_(max_tokens), force_length_(force_length) {
  require_lang(lang_, "summarize");
  require_max_tokens(max_tokens_, "summarize");
  if (document_.text.empty()) throw std::invalid_argument("summarize: the document has no text");
}

PromptSpec SummarizeWorkload::first(std::int64_t unit) {
  const bool ja = lang_ == "ja";
  std::string prompt;
  prompt.reserve(document_.text.size() + 128);
  // Warm-up unit -1 is "Warm-up 1"; computed unsigned so no unit can overflow.
  const std::uint64_t magnitude = unit >= 0 ? static_cast<std::uint64_t>(unit) : 0 - static_cast<std::uint64_t>(unit);
  const std::string number = std::to_string(magnitude);
  if (unit >= 0) {
    prompt += ja ? "リクエスト " + number + "。\n" : "Request " + number + ".\n";
  } else {
    prompt += ja ? "ウォームアップ " + number + "。\n" : "Warm-up " + number + ".\n";
  }
  // A length the summary can reach within max_tokens, so an unforced answer ends on its own.
  if (ja) {
    prompt += fmt::format("次の文書を約{}文字で要約してください。\n\n", max_tokens_);
  } else {
    const std::int64_t words = std::max<std::int64_t>(1, max_tokens_ * 3 / 4);
    prompt += fmt::format("Summarize the following document in about {} word{}.\n\n", words, words == 1 ? "" : "s");
  }
  prompt += document_.text;

  PromptSpec p;
  p.messages.push_back(Message{"user", std::move(prompt)});
  p.max_tokens = max_tokens_;
  p.force_length = force_length_;
  p.prompt_tokens_target = document_.tokens;
  p.sample_id = document_.source;
  return p;
}

std::string SummarizeWorkload::describe() const {
  return fmt::format("summarize: a document of {} tokens ({}; {}) -> a summary of {}{} tokens ({})", document_.tokens,
                     document_.source.empty() ? "no source" : document_.source,
                     document_.method.empty() ? "not counted" : document_.method, exactly(force_length_), max_tokens_,
                     lang_);
}

// ---- chat ----

ChatWorkload::ChatWorkload(int turns, std::string lang, std::int64_t max_tokens_per_turn, bool force_length,
                           std::uint64_t seed)
    : turns_(turns), lang_(std::move(lang)), max_tokens_(max_tokens_per_turn), force_length_(force_length), seed_(seed) {
  if (turns_ < 2 || turns_ > kMaxChatTurns)
    throw std::invalid_argument(fmt::format("chat: turns must be from 2 to {}, not {}", kMaxChatTurns, turns_));
  require_lang(lang_, "chat");
  require_max_tokens(max_tokens_, "chat");
}

PromptSpec ChatWorkload::first(std::int64_t unit) {
  // The script is recomputed from (seed, unit) at each turn rather than kept, so a
  // conversation the level cut short leaves nothing behind.
  ConversationScript script = make_conversation(seed_ ^ static_cast<std::uint64_t>(unit), turns_, lang_);
  PromptSpec p;
  p.messages.push_back(Message{"user", std::move(script.user_turns.front())});
  p.max_tokens = max_tokens_;
  p.force_length = force_length_;
  p.sample_id = "conversation-" + std::to_string(unit);
  p.turn = 0;
  p.keep_answer = true;  // the next turn resends it; the last turn's is scored
  return p;
}

std::optional<PromptSpec> ChatWorkload::next(std::int64_t unit, const PromptSpec& previous, const Answer& answer) {
  if (!answer.ok) return std::nullopt;  // the conversation ends unscored
  ConversationScript script = make_conversation(seed_ ^ static_cast<std::uint64_t>(unit), turns_, lang_);
  const int turn = previous.turn + 1;
  if (turn >= turns_) {
    if (unit >= 0) {
      ++scored_;
      if (recalls_fact(answer.text, script)) ++recalled_;
    }
    return std::nullopt;
  }
  PromptSpec p;
  p.messages.reserve(previous.messages.size() + 2);
  p.messages.insert(p.messages.end(), previous.messages.begin(), previous.messages.end());
  p.messages.push_back(Message{"assistant", std::string(answer.text)});
  p.messages.push_back(Message{"user", std::move(script.user_turns[static_cast<std::size_t>(turn)])});
  p.max_tokens = max_tokens_;
  p.force_length = force_length_;
  p.sample_id = previous.sample_id;
  p.turn = turn;
  p.keep_answer = true;
  return p;
}

std::string ChatWorkload::describe() const {
  return fmt::format("chat: {}-turn conversations ({}), {}{} tokens a turn, a fact from turn 1 asked in turn {}", turns_,
                     lang_, exactly(force_length_), max_tokens_, turns_);
}

// ---- dataset ----

DatasetWorkload::DatasetWorkload(std::vector<DatasetItem> items, std::optional<LengthDistribution> output_lengths,
                                 std::int64_t default_max_tokens, bool force_length, std::uint64_t seed, bool shuffle)
    : items_(std::move(items)),
      output_lengths_(std::move(output_lengths)),
      default_max_tokens_(default_max_tokens),
      force_length_(force_length),
      seed_(seed),
      shuffle_(shuffle) {
  if (items_.empty()) throw std::invalid_argument("dataset: no items");
  require_max_tokens(default_max_tokens_, "dataset");
  order_.resize(items_.size());
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  if (shuffle_) {
    // Fisher-Yates with the project's own generator: std::shuffle's algorithm differs
    // between standard libraries, and the order must be the same on every machine.
    SplitMix64 rng(seed_);
    for (std::size_t i = order_.size() - 1; i > 0; --i) std::swap(order_[i], order_[rng.below(i + 1)]);
  }
}

std::size_t DatasetWorkload::item_of(std::int64_t unit) const { return order_[wrap(unit, order_.size())]; }

PromptSpec DatasetWorkload::first(std::int64_t unit) {
  const DatasetItem& item = items_[item_of(unit)];
  PromptSpec p;
  p.messages = item.messages;
  if (item.max_tokens) {
    p.max_tokens = *item.max_tokens;
  } else if (output_lengths_) {
    SplitMix64 rng = unit_generator(seed_, unit, DrawStream::output_length);
    p.max_tokens = output_lengths_->sample(rng);
  } else if (item.reference_output_chars) {
    p.max_tokens = std::max<std::int64_t>(1, *item.reference_output_chars / 4);
  } else {
    p.max_tokens = default_max_tokens_;
  }
  p.force_length = force_length_;
  p.sample_id = item.id;
  return p;
}

std::string DatasetWorkload::describe() const {
  std::size_t own = 0;
  std::size_t referenced = 0;
  for (const DatasetItem& item : items_) {
    if (item.max_tokens) {
      ++own;
    } else if (item.reference_output_chars) {
      ++referenced;
    }
  }
  // The sources of max_tokens in the order first() tries them, those that apply only.
  std::vector<std::string> sources;
  if (own > 0) sources.push_back(fmt::format("the item's own ({})", own));
  if (output_lengths_) {
    sources.push_back(output_lengths_->describe());
  } else {
    if (referenced > 0) sources.push_back(fmt::format("the recorded answer's characters / 4 ({})", referenced));
    if (own + referenced < items_.size()) sources.push_back(std::to_string(default_max_tokens_));
  }
  std::string out = fmt::format("dataset: {} prompt{} ({}); max_tokens: ", items_.size(), items_.size() == 1 ? "" : "s",
                                shuffle_ ? fmt::format("shuffled, seed {}", seed_) : std::string("in file order"));
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (i > 0) out += ", else ";
    out += sources[i];
  }
  if (force_length_) out += " (forced)";
  return out;
}

// ---- synthetic with distributions ----

DistributedSyntheticWorkload::DistributedSyntheticWorkload(std::uint64_t seed, LengthDistribution prompt_lengths,
                                                           LengthDistribution output_lengths, bool force_length)
    : prompts_(seed),
      seed_(seed),
      prompt_lengths_(prompt_lengths),
      output_lengths_(output_lengths),
      force_length_(force_length) {}

PromptSpec DistributedSyntheticWorkload::first(std::int64_t unit) {
  SplitMix64 prompt_rng = unit_generator(seed_, unit, DrawStream::prompt_length);
  SplitMix64 output_rng = unit_generator(seed_, unit, DrawStream::output_length);
  const std::int64_t prompt_tokens = prompt_lengths_.sample(prompt_rng);
  PromptSpec p;
  p.messages.push_back(Message{"user", prompts_.make(unit, prompt_tokens)});
  p.max_tokens = output_lengths_.sample(output_rng);
  p.force_length = force_length_;
  p.prompt_tokens_target = prompt_tokens;
  return p;
}

std::string DistributedSyntheticWorkload::describe() const {
  return fmt::format("synthetic prompts of {} tokens -> {}{} tokens", prompt_lengths_.describe(),
                     exactly(force_length_), output_lengths_.describe());
}

// ---- mix ----

MixWorkload::MixWorkload(std::vector<std::pair<std::string, std::unique_ptr<Workload>>> parts, WeightedChoice choice,
                         std::uint64_t seed)
    : choice_(std::move(choice)), seed_(seed) {
  const std::vector<std::string>& names = choice_.names();
  parts_.resize(names.size());
  for (auto& [name, workload] : parts) {
    const auto at = std::find(names.begin(), names.end(), name);
    if (at == names.end())
      throw std::invalid_argument(fmt::format("mix: part \"{}\" has no weight in the mix", name));
    auto& slot = parts_[static_cast<std::size_t>(at - names.begin())];
    if (slot) throw std::invalid_argument(fmt::format("mix: part \"{}\" is given twice", name));
    if (!workload) throw std::invalid_argument(fmt::format("mix: part \"{}\" has no workload", name));
    slot = std::move(workload);
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!parts_[i]) throw std::invalid_argument(fmt::format("mix: \"{}\" has a weight but no workload", names[i]));
  }
}

std::size_t MixWorkload::choose(std::int64_t unit) const {
  SplitMix64 rng = unit_generator(seed_, unit, DrawStream::mix_part);
  return choice_.pick(rng);
}

std::string MixWorkload::part_of(std::int64_t unit) const { return choice_.names()[choose(unit)]; }

Workload* MixWorkload::part(std::string_view name) const {
  const std::vector<std::string>& names = choice_.names();
  const auto at = std::find(names.begin(), names.end(), name);
  return at == names.end() ? nullptr : parts_[static_cast<std::size_t>(at - names.begin())].get();
}

PromptSpec MixWorkload::first(std::int64_t unit) {
  const std::size_t i = choose(unit);
  PromptSpec p = parts_[i]->first(unit);
  p.sample_id = choice_.names()[i] + ":" + p.sample_id;
  return p;
}

std::optional<PromptSpec> MixWorkload::next(std::int64_t unit, const PromptSpec& previous, const Answer& answer) {
  const std::size_t i = choose(unit);
  const std::string& name = choice_.names()[i];
  // The part sees its request as it made it, without the mix's prefix.
  PromptSpec own = previous;
  if (own.sample_id.starts_with(name) && own.sample_id.size() > name.size() && own.sample_id[name.size()] == ':')
    own.sample_id.erase(0, name.size() + 1);
  std::optional<PromptSpec> follow = parts_[i]->next(unit, own, answer);
  if (follow) follow->sample_id = name + ":" + follow->sample_id;
  return follow;
}

std::string MixWorkload::describe() const {
  std::string out = "mix: ";
  const std::vector<std::string>& names = choice_.names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{} {:.3g}% ({})", names[i], choice_.probability(i) * 100, parts_[i]->describe());
  }
  return out;
}

// ---- replay ----

ReplayWorkload::ReplayWorkload(std::vector<TraceEntry> entries, std::uint64_t seed, bool force_length)
    : entries_(std::move(entries)), prompts_(seed), force_length_(force_length) {
  if (entries_.empty()) throw std::invalid_argument("replay: the trace has no entries");
}

PromptSpec ReplayWorkload::first(std::int64_t unit) {
  const std::size_t k = wrap(unit, entries_.size());
  const TraceEntry& e = entries_[k];
  PromptSpec p;
  p.messages.push_back(Message{"user", prompts_.make(unit, e.input_tokens)});
  p.max_tokens = e.output_tokens;
  p.force_length = force_length_;
  p.prompt_tokens_target = e.input_tokens;
  p.sample_id = "trace-" + std::to_string(k);
  return p;
}

std::string ReplayWorkload::describe() const {
  std::int64_t in_min = std::numeric_limits<std::int64_t>::max(), in_max = 0, out_min = in_min, out_max = 0;
  double in_sum = 0, out_sum = 0;
  for (const TraceEntry& e : entries_) {
    in_min = std::min(in_min, e.input_tokens);
    in_max = std::max(in_max, e.input_tokens);
    out_min = std::min(out_min, e.output_tokens);
    out_max = std::max(out_max, e.output_tokens);
    in_sum += static_cast<double>(e.input_tokens);
    out_sum += static_cast<double>(e.output_tokens);
  }
  const auto n = static_cast<double>(entries_.size());
  const double span_s = static_cast<double>(entries_.back().at - entries_.front().at) / 1e9;
  return fmt::format("replay: {} trace request{} over {:.3g} s, prompts of {}-{} tokens (mean {:.0f}) -> {}{}-{} tokens "
                     "(mean {:.0f})",
                     entries_.size(), entries_.size() == 1 ? "" : "s", span_s, in_min, in_max, in_sum / n,
                     exactly(force_length_), out_min, out_max, out_sum / n);
}

std::vector<Nanos> replay_arrivals(const std::vector<TraceEntry>& entries, double speed) {
  if (!std::isfinite(speed) || speed <= 0)
    throw std::invalid_argument(fmt::format("replay speed must be a number above 0, not {}", speed));
  std::vector<Nanos> out;
  out.reserve(entries.size());
  for (const TraceEntry& e : entries) {
    // Speed 1 keeps the trace's times to the nanosecond, whatever their size.
    if (speed == 1.0) {
      out.push_back(e.at);
      continue;
    }
    const double at = std::round(static_cast<double>(e.at) / speed);
    if (!(at < 0x1p62))  // about 146 years, as far as a schedule may run
      throw std::invalid_argument(fmt::format("replay at speed {} would run past 146 years", speed));
    out.push_back(static_cast<Nanos>(at));
  }
  return out;
}

}  // namespace hakari::load
