// The workloads `hakari run --workload` offers beyond fixed synthetic prompts: a short
// prompt with a long answer (story), a long document with a short answer (summarize), a
// multi-turn conversation that resends its history (chat), prompts from a file (dataset),
// synthetic prompts of varying lengths, a weighted mix of these, and a trace replayed on
// its own clock.
//
// Everything a unit sends is a pure function of the workload's settings and the unit's
// index (random draws come from a generator seeded by (seed, unit), never from one shared
// stream), so shards on N machines, repetitions and a rerun send exactly the same
// requests for the same units, whatever order the units start in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hakari/core/clock.h"
#include "hakari/load/dataset.h"
#include "hakari/load/document.h"
#include "hakari/load/length_distribution.h"
#include "hakari/load/synthetic_prompt.h"
#include "hakari/load/trace.h"
#include "hakari/load/weighted_choice.h"
#include "hakari/load/workload.h"

namespace hakari::load {

// The kinds of draw a unit makes, each from its own generator, so that, say, its prompt
// length does not change when an output distribution is added.
enum class DrawStream : std::uint64_t { prompt_length = 1, output_length = 2, mix_part = 3 };

// The generator for unit `unit`'s draws of one kind: the same (seed, unit, stream) always
// gives the same draws, so a unit's request does not depend on which units ran before it.
SplitMix64 unit_generator(std::uint64_t seed, std::int64_t unit, DrawStream stream);

// story: a short prompt (story_prompt(lang, unit)) asking for a long story, answered by
// max_tokens tokens (exactly, where the API can force the length). sample_id "story-<unit>".
// Throws std::invalid_argument unless lang is en or ja and max_tokens >= 1.
class StoryWorkload final : public Workload {
 public:
  StoryWorkload(std::string lang, std::int64_t max_tokens = 2000, bool force_length = true);
  PromptSpec first(std::int64_t unit) override;
  std::string describe() const override;  // "story: a short prompt (en) -> exactly 2000 tokens"

 private:
  std::string lang_;
  std::int64_t max_tokens_;
  bool force_length_;
};

// summarize: a document -> a summary of max_tokens tokens. Each prompt is
//   Request 17.                                  (warm-ups: "Warm-up 1.")
//   Summarize the following document in about 150 words.
//   <blank line>
//   <the document>
// (ja: "リクエスト 17。" / "ウォームアップ 1。", "次の文書を約200文字で要約してください。"). The
// first line is unique to the unit, so no prefix cache can answer a request and every
// prefill is measured in full. The length asked for fits in max_tokens: about 3/4 of a
// word a token in English, a character a token in Japanese. sample_id is the document's
// source; prompt_tokens_target its token count (the two header lines add ~20 tokens).
// Throws std::invalid_argument unless lang is en or ja, the document has text and
// max_tokens >= 1.
class SummarizeWorkload final : public Workload {
 public:
  SummarizeWorkload(Document document, std::string lang, std::int64_t max_tokens = 200, bool force_length = true);
  PromptSpec first(std::int64_t unit) override;
  // "summarize: a document of 8000 tokens (built-in corpus (en: wikitext-2); llama.cpp
  // /tokenize) -> a summary of exactly 200 tokens (en)"
  std::string describe() const override;
  const Document& document() const { return document_; }

 private:
  Document document_;
  std::string lang_;
  std::int64_t max_tokens_;
  bool force_length_;
};

inline constexpr int kMaxChatTurns = 1000;

// chat: conversations of `turns` turns, make_conversation(seed ^ unit, turns, lang). Each
// turn sends the whole history so far with the real answers (keep_answer), so a server
// with a prefix cache answers later turns faster; sample_id "conversation-<unit>", turn
// 0-based. The last turn asks for the fact given in turn 1; its answer is scored with
// recalls_fact. A failed turn ends its conversation, unscored. One thread only.
// Throws std::invalid_argument unless 2 <= turns <= kMaxChatTurns, lang is en or ja and
// max_tokens_per_turn >= 1.
class ChatWorkload final : public Workload {
 public:
  ChatWorkload(int turns, std::string lang, std::int64_t max_tokens_per_turn, bool force_length, std::uint64_t seed);
  PromptSpec first(std::int64_t unit) override;
  std::optional<PromptSpec> next(std::int64_t unit, const PromptSpec& previous, const Answer& answer) override;
  // "chat: 10-turn conversations (ja), 128 tokens a turn, a fact from turn 1 asked in turn 10"
  std::string describe() const override;

  // Measured units (unit >= 0) whose last turn was answered, and of those, the ones whose
  // answer named the fact: context retention is facts_recalled / conversations_scored.
  std::int64_t conversations_scored() const { return scored_; }
  std::int64_t facts_recalled() const { return recalled_; }
  int turns() const { return turns_; }

 private:
  int turns_;
  std::string lang_;
  std::int64_t max_tokens_;
  bool force_length_;
  std::uint64_t seed_;
  std::int64_t scored_ = 0;
  std::int64_t recalled_ = 0;
};

// dataset: unit i sends items[i mod n] (warm-ups, negative, count back from the end), in
// file order or, with `shuffle`, in a permutation fixed by the seed. max_tokens is the
// item's own; else drawn from `output_lengths` with unit_generator(seed, unit,
// output_length); else
// reference_output_chars / 4 (ShareGPT answers: about 4 characters a token; at least 1);
// else default_max_tokens. sample_id is the item's id. Throws std::invalid_argument for no
// items or default_max_tokens < 1.
class DatasetWorkload final : public Workload {
 public:
  DatasetWorkload(std::vector<DatasetItem> items, std::optional<LengthDistribution> output_lengths,
                  std::int64_t default_max_tokens, bool force_length, std::uint64_t seed, bool shuffle);
  PromptSpec first(std::int64_t unit) override;
  // "dataset: 250 prompts (shuffled, seed 7); max_tokens: the item's own (40), else the
  // recorded answer's characters / 4 (200), else 128 (forced)"
  std::string describe() const override;
  // Which item unit `unit` sends (an index into the items as given).
  std::size_t item_of(std::int64_t unit) const;

 private:
  std::vector<DatasetItem> items_;
  std::vector<std::size_t> order_;
  std::optional<LengthDistribution> output_lengths_;
  std::int64_t default_max_tokens_;
  bool force_length_;
  std::uint64_t seed_;
  bool shuffle_;
};

// Synthetic prompts (SyntheticPrompts, so different from the first token on) whose prompt
// and output lengths are drawn per unit from the two distributions, each with its own
// unit_generator (prompt_length, output_length). prompt_tokens_target is the drawn prompt
// length.
class DistributedSyntheticWorkload final : public Workload {
 public:
  DistributedSyntheticWorkload(std::uint64_t seed, LengthDistribution prompt_lengths, LengthDistribution output_lengths,
                               bool force_length);
  PromptSpec first(std::int64_t unit) override;
  // "synthetic prompts of normal(mean 500, sd 100) tokens -> uniform(100-300) tokens"
  std::string describe() const override;

 private:
  SyntheticPrompts prompts_;
  std::uint64_t seed_;
  LengthDistribution prompt_lengths_;
  LengthDistribution output_lengths_;
  bool force_length_;
};

// mix: each unit comes from one part, chosen by `choice` with unit_generator(seed, unit,
// mix_part), so shards and repeats choose alike; the part gets the unit's own index. A unit's
// later turns go to the part that made it; sample_id is "<part>:<the part's sample_id>".
// Throws std::invalid_argument unless every name of the choice has exactly one part (and
// every part a name in the choice), none null.
class MixWorkload final : public Workload {
 public:
  MixWorkload(std::vector<std::pair<std::string, std::unique_ptr<Workload>>> parts, WeightedChoice choice,
              std::uint64_t seed);
  PromptSpec first(std::int64_t unit) override;
  std::optional<PromptSpec> next(std::int64_t unit, const PromptSpec& previous, const Answer& answer) override;
  // "mix: story 75% (story: ...), chat 25% (chat: ...)", in the choice's order
  std::string describe() const override;
  // The name of the part that makes unit `unit`.
  std::string part_of(std::int64_t unit) const;
  // The part named `name`, or nullptr (e.g. to read a chat part's scores).
  Workload* part(std::string_view name) const;

 private:
  std::size_t choose(std::int64_t unit) const;  // index into choice_.names()

  std::vector<std::unique_ptr<Workload>> parts_;  // in choice_.names() order
  WeightedChoice choice_;
  std::uint64_t seed_;
};

// replay: unit i sends a synthetic prompt of entries[i mod n].input_tokens tokens (unique
// to the unit) and asks for its output_tokens; sample_id "trace-<i mod n>". Run it open
// loop with replay_arrivals() to keep the trace's clock. Throws std::invalid_argument for
// no entries.
class ReplayWorkload final : public Workload {
 public:
  ReplayWorkload(std::vector<TraceEntry> entries, std::uint64_t seed, bool force_length);
  PromptSpec first(std::int64_t unit) override;
  // "replay: 1000 trace requests over 3600 s, prompts of 12-8000 tokens (mean 900) -> 1-2000 tokens (mean 250)"
  std::string describe() const override;

 private:
  std::vector<TraceEntry> entries_;
  SyntheticPrompts prompts_;
  bool force_length_;
};

// The trace's own clock as open-loop arrival offsets from the level's start, scaled:
// speed 2 replays twice as fast (every offset halved, rounded to the nearest ns).
// Throws std::invalid_argument unless speed is a finite number above 0.
std::vector<Nanos> replay_arrivals(const std::vector<TraceEntry>& entries, double speed);

}  // namespace hakari::load
