// The workloads: what each unit sends, that a unit's request depends on (seed, unit) alone
// (so shards and reruns agree), the chat's turns and scoring, and each one-line description.
#include "hakari/load/workloads.h"

#include "hakari/load/conversation.h"
#include "hakari/load/story.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <stdexcept>

namespace hakari::load {
namespace {

const std::string& content(const PromptSpec& p, std::size_t i = 0) { return p.messages.at(i).content; }

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// ---- unit_generator ----

TEST(UnitGenerator, DependsOnSeedUnitAndStreamOnly) {
  EXPECT_EQ(unit_generator(7, 3, DrawStream::prompt_length).next(), unit_generator(7, 3, DrawStream::prompt_length).next());
  const std::uint64_t base = unit_generator(7, 3, DrawStream::prompt_length).next();
  EXPECT_NE(base, unit_generator(8, 3, DrawStream::prompt_length).next());
  EXPECT_NE(base, unit_generator(7, 4, DrawStream::prompt_length).next());
  EXPECT_NE(base, unit_generator(7, -3, DrawStream::prompt_length).next());
  EXPECT_NE(base, unit_generator(7, 3, DrawStream::output_length).next());
  EXPECT_NE(base, unit_generator(7, 3, DrawStream::mix_part).next());
}

// ---- story ----

TEST(StoryWorkload, ShortPromptLongExactAnswer) {
  StoryWorkload story("en", 2000, true);
  const PromptSpec p = story.first(3);
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].role, "user");
  EXPECT_EQ(content(p), story_prompt("en", 3));
  EXPECT_EQ(p.max_tokens, 2000);
  EXPECT_TRUE(p.force_length);
  EXPECT_EQ(p.sample_id, "story-3");
  EXPECT_EQ(p.turn, 0);
  EXPECT_FALSE(p.keep_answer);
  EXPECT_EQ(p.prompt_tokens_target, 0);
  EXPECT_FALSE(story.next(3, p, Answer{true, "Once upon a time", 4}));
  EXPECT_EQ(story.describe(), "story: a short prompt (en) -> exactly 2000 tokens");
}

TEST(StoryWorkload, JapaneseAndDefaults) {
  StoryWorkload story("ja");
  EXPECT_EQ(content(story.first(5)), story_prompt("ja", 5));
  EXPECT_EQ(story.first(5).max_tokens, 2000);
  EXPECT_EQ(StoryWorkload("ja", 500, false).describe(), "story: a short prompt (ja) -> 500 tokens");
  EXPECT_NE(content(story.first(0)), content(story.first(1)));
}

TEST(StoryWorkload, RefusesOtherLanguagesAndLengths) {
  EXPECT_THROW(StoryWorkload("fr", 100, true), std::invalid_argument);
  EXPECT_THROW(StoryWorkload("en", 0, true), std::invalid_argument);
}

// ---- summarize ----

Document small_document() { return Document{"The whole text.", 4, "report.txt", "llama.cpp /tokenize"}; }

TEST(SummarizeWorkload, UniqueFirstLineThenInstructionThenDocument) {
  SummarizeWorkload summarize(small_document(), "en", 200, true);
  const PromptSpec p = summarize.first(17);
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].role, "user");
  EXPECT_EQ(content(p), "Request 17.\nSummarize the following document in about 150 words.\n\nThe whole text.");
  EXPECT_EQ(p.max_tokens, 200);
  EXPECT_TRUE(p.force_length);
  EXPECT_EQ(p.prompt_tokens_target, 4);
  EXPECT_EQ(p.sample_id, "report.txt");
  EXPECT_FALSE(p.keep_answer);
  EXPECT_EQ(content(summarize.first(-1)), "Warm-up 1.\nSummarize the following document in about 150 words.\n\nThe whole text.");
  EXPECT_EQ(summarize.describe(),
            "summarize: a document of 4 tokens (report.txt; llama.cpp /tokenize) -> a summary of exactly 200 tokens (en)");
}

TEST(SummarizeWorkload, Japanese) {
  SummarizeWorkload summarize(Document{"本文です。", 5, "doc.pdf", "vLLM /tokenize"}, "ja", 200, false);
  EXPECT_EQ(content(summarize.first(17)), "リクエスト 17。\n次の文書を約200文字で要約してください。\n\n本文です。");
  EXPECT_EQ(content(summarize.first(-2)), "ウォームアップ 2。\n次の文書を約200文字で要約してください。\n\n本文です。");
  EXPECT_FALSE(summarize.first(0).force_length);
  EXPECT_EQ(summarize.describe(),
            "summarize: a document of 5 tokens (doc.pdf; vLLM /tokenize) -> a summary of 200 tokens (ja)");
}

TEST(SummarizeWorkload, NoTwoUnitsShareAFirstLine) {
  SummarizeWorkload summarize(small_document(), "en", 200, true);
  std::set<std::string> lines;
  for (std::int64_t unit = -20; unit < 1000; ++unit) {
    const PromptSpec p = summarize.first(unit);
    EXPECT_TRUE(content(p).ends_with("\n\nThe whole text."));
    lines.insert(first_line(content(p)));
  }
  EXPECT_EQ(lines.size(), 1020u);
}

TEST(SummarizeWorkload, AsksForALengthThatFits) {
  const auto instruction = [](std::int64_t max_tokens) {
    const std::string text = content(SummarizeWorkload(small_document(), "en", max_tokens, true).first(0));
    return first_line(text.substr(text.find('\n') + 1));
  };
  EXPECT_EQ(instruction(1), "Summarize the following document in about 1 word.");
  EXPECT_EQ(instruction(1000), "Summarize the following document in about 750 words.");
}

TEST(SummarizeWorkload, RefusesEmptyDocumentsAndOtherLanguages) {
  EXPECT_THROW(SummarizeWorkload(Document{}, "en", 200, true), std::invalid_argument);
  EXPECT_THROW(SummarizeWorkload(small_document(), "de", 200, true), std::invalid_argument);
  EXPECT_THROW(SummarizeWorkload(small_document(), "en", 0, true), std::invalid_argument);
}

// ---- chat ----

TEST(ChatWorkload, EachTurnResendsTheHistoryWithTheRealAnswers) {
  ChatWorkload chat(3, "en", 64, false, 42);
  const ConversationScript script = make_conversation(42 ^ 5, 3, "en");

  const PromptSpec t0 = chat.first(5);
  EXPECT_EQ(t0.messages, (std::vector<Message>{{"user", script.user_turns[0]}}));
  EXPECT_EQ(t0.turn, 0);
  EXPECT_TRUE(t0.keep_answer);
  EXPECT_EQ(t0.sample_id, "conversation-5");
  EXPECT_EQ(t0.max_tokens, 64);
  EXPECT_FALSE(t0.force_length);

  // The answer's text is copied: the driver's buffer is reused after next() returns.
  std::string answer = "Hello there!";
  const std::optional<PromptSpec> t1 = chat.next(5, t0, Answer{true, answer, 3});
  answer = "overwritten";
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->messages, (std::vector<Message>{{"user", script.user_turns[0]},
                                                {"assistant", "Hello there!"},
                                                {"user", script.user_turns[1]}}));
  EXPECT_EQ(t1->turn, 1);
  EXPECT_TRUE(t1->keep_answer);
  EXPECT_EQ(t1->sample_id, "conversation-5");
  EXPECT_EQ(t1->max_tokens, 64);

  const std::optional<PromptSpec> t2 = chat.next(5, *t1, Answer{true, "A haiku.", 3});
  ASSERT_TRUE(t2);
  ASSERT_EQ(t2->messages.size(), 5u);
  EXPECT_EQ(t2->messages[3], (Message{"assistant", "A haiku."}));
  EXPECT_EQ(t2->messages[4], (Message{"user", script.user_turns[2]}));
  EXPECT_EQ(t2->turn, 2);

  EXPECT_EQ(chat.conversations_scored(), 0);
  EXPECT_FALSE(chat.next(5, *t2, Answer{true, "It was " + script.fact + ".", 5}));
  EXPECT_EQ(chat.conversations_scored(), 1);
  EXPECT_EQ(chat.facts_recalled(), 1);
}

// Runs one conversation to its end with the given answers; the last answers the question.
void converse(ChatWorkload& chat, std::int64_t unit, const std::string& last_answer) {
  PromptSpec p = chat.first(unit);
  for (int turn = 1; turn < chat.turns(); ++turn) {
    std::optional<PromptSpec> next = chat.next(unit, p, Answer{true, "fine", 1});
    ASSERT_TRUE(next);
    p = std::move(*next);
  }
  EXPECT_FALSE(chat.next(unit, p, Answer{true, last_answer, 2}));
}

TEST(ChatWorkload, ScoresMeasuredConversationsOnly) {
  ChatWorkload chat(10, "ja", 128, true, 9);
  converse(chat, 0, make_conversation(9 ^ 0, 10, "ja").fact);
  converse(chat, 1, "覚えていません");
  converse(chat, 2, "ＯＲＣＨＩＤ");  // some other code word, not this one's
  converse(chat, -1, make_conversation(9 ^ static_cast<std::uint64_t>(-1), 10, "ja").fact);  // warm-up
  EXPECT_EQ(chat.conversations_scored(), 3);
  EXPECT_EQ(chat.facts_recalled(), 1);
}

TEST(ChatWorkload, AFailedTurnEndsTheConversationUnscored) {
  ChatWorkload chat(3, "en", 32, true, 1);
  const PromptSpec t0 = chat.first(0);
  EXPECT_FALSE(chat.next(0, t0, Answer{false, "", 0}));
  const std::optional<PromptSpec> t1 = chat.next(1, chat.first(1), Answer{true, "hi", 1});
  ASSERT_TRUE(t1);
  const std::optional<PromptSpec> t2 = chat.next(1, *t1, Answer{true, "poem", 1});
  ASSERT_TRUE(t2);
  EXPECT_FALSE(chat.next(1, *t2, Answer{false, "", 0}));  // the question itself failed
  EXPECT_EQ(chat.conversations_scored(), 0);
  EXPECT_EQ(chat.facts_recalled(), 0);
}

TEST(ChatWorkload, ConversationsDependOnSeedAndUnit) {
  ChatWorkload a(4, "en", 16, true, 3);
  ChatWorkload b(4, "en", 16, true, 3);
  EXPECT_EQ(content(a.first(7)), content(b.first(7)));
  EXPECT_EQ(content(a.first(7)), make_conversation(3 ^ 7, 4, "en").user_turns[0]);
}

TEST(ChatWorkload, Describe) {
  EXPECT_EQ(ChatWorkload(10, "ja", 128, false, 0).describe(),
            "chat: 10-turn conversations (ja), 128 tokens a turn, a fact from turn 1 asked in turn 10");
  EXPECT_EQ(ChatWorkload(2, "en", 64, true, 0).describe(),
            "chat: 2-turn conversations (en), exactly 64 tokens a turn, a fact from turn 1 asked in turn 2");
}

TEST(ChatWorkload, RefusesBadSettings) {
  EXPECT_THROW(ChatWorkload(1, "en", 64, true, 0), std::invalid_argument);
  EXPECT_THROW(ChatWorkload(kMaxChatTurns + 1, "en", 64, true, 0), std::invalid_argument);
  EXPECT_THROW(ChatWorkload(3, "xx", 64, true, 0), std::invalid_argument);
  EXPECT_THROW(ChatWorkload(3, "en", 0, true, 0), std::invalid_argument);
}

// ---- dataset ----

std::vector<DatasetItem> three_items() {
  std::vector<DatasetItem> items(3);
  items[0] = DatasetItem{"a", {{"user", "prompt a"}}, 7, std::nullopt};
  items[1] = DatasetItem{"b", {{"system", "be brief"}, {"user", "prompt b"}}, std::nullopt, 41};
  items[2] = DatasetItem{"c", {{"user", "prompt c"}}, std::nullopt, std::nullopt};
  return items;
}

TEST(DatasetWorkload, ItemsInFileOrderWithTheirLengths) {
  DatasetWorkload dataset(three_items(), std::nullopt, 99, true, 0, false);
  const PromptSpec a = dataset.first(0);
  EXPECT_EQ(a.messages, (std::vector<Message>{{"user", "prompt a"}}));
  EXPECT_EQ(a.max_tokens, 7);  // the item's own
  EXPECT_EQ(a.sample_id, "a");
  EXPECT_TRUE(a.force_length);
  const PromptSpec b = dataset.first(1);
  EXPECT_EQ(b.messages, (std::vector<Message>{{"system", "be brief"}, {"user", "prompt b"}}));
  EXPECT_EQ(b.max_tokens, 10);  // 41 characters / 4
  EXPECT_EQ(b.sample_id, "b");
  EXPECT_EQ(dataset.first(2).max_tokens, 99);  // the default
  EXPECT_EQ(dataset.first(3).sample_id, "a");   // round again
  EXPECT_EQ(dataset.first(-1).sample_id, "c");  // warm-ups count back from the end
  EXPECT_EQ(dataset.first(-3).sample_id, "a");
  EXPECT_EQ(dataset.first(-4).sample_id, "c");
  EXPECT_FALSE(dataset.next(0, a, Answer{true, "x", 1}));
  EXPECT_EQ(dataset.describe(),
            "dataset: 3 prompts (in file order); max_tokens: the item's own (1), else the recorded answer's characters / "
            "4 (1), else 99 (forced)");
}

TEST(DatasetWorkload, AShortReferenceAnswerStillAsksForOneToken) {
  std::vector<DatasetItem> items{DatasetItem{"x", {{"user", "hi"}}, std::nullopt, 3}};
  EXPECT_EQ(DatasetWorkload(items, std::nullopt, 99, false, 0, false).first(0).max_tokens, 1);
}

TEST(DatasetWorkload, OutputLengthsDrawnPerUnitComeAfterTheItemsOwn) {
  std::string error;
  const auto lengths = LengthDistribution::parse("uniform:1-1000000", error);
  ASSERT_TRUE(lengths) << error;
  DatasetWorkload dataset(three_items(), lengths, 99, false, 11, false);
  EXPECT_EQ(dataset.first(0).max_tokens, 7);
  for (const std::int64_t unit : {1, 2, 4, 5, 1000, -1}) {
    SplitMix64 rng = unit_generator(11, unit, DrawStream::output_length);
    EXPECT_EQ(dataset.first(unit).max_tokens, lengths->sample(rng)) << unit;
  }
  // Any order of units (a shard, a rerun) gives each unit the same length.
  DatasetWorkload fresh(three_items(), lengths, 99, false, 11, false);
  EXPECT_EQ(fresh.first(1000).max_tokens, dataset.first(1000).max_tokens);
  EXPECT_NE(dataset.first(1).max_tokens, dataset.first(4).max_tokens);  // same item, own draws
  EXPECT_EQ(dataset.describe(),
            "dataset: 3 prompts (in file order); max_tokens: the item's own (1), else uniform(1-1000000)");
}

TEST(DatasetWorkload, ShuffleIsAPermutationFixedByTheSeed) {
  std::vector<DatasetItem> items;
  for (int i = 0; i < 5; ++i) items.push_back(DatasetItem{std::to_string(i), {{"user", "p"}}, std::nullopt, std::nullopt});
  DatasetWorkload shuffled(items, std::nullopt, 16, false, 7, true);
  std::vector<std::size_t> order;
  for (std::int64_t unit = 0; unit < 5; ++unit) order.push_back(shuffled.item_of(unit));
  // Pinned (Fisher-Yates over SplitMix64(7), checked by hand): the same seed gives this
  // order on every machine and standard library.
  EXPECT_EQ(order, (std::vector<std::size_t>{4, 1, 3, 0, 2}));
  EXPECT_EQ(shuffled.first(5).sample_id, std::to_string(order[0]));
  EXPECT_EQ(shuffled.describe(), "dataset: 5 prompts (shuffled, seed 7); max_tokens: 16");

  std::vector<DatasetItem> many;
  for (int i = 0; i < 100; ++i) many.push_back(DatasetItem{std::to_string(i), {{"user", "p"}}, std::nullopt, std::nullopt});
  DatasetWorkload a(many, std::nullopt, 16, false, 1, true);
  DatasetWorkload b(many, std::nullopt, 16, false, 2, true);
  std::set<std::size_t> seen;
  bool differs = false;
  bool moved = false;
  for (std::int64_t unit = 0; unit < 100; ++unit) {
    seen.insert(a.item_of(unit));
    differs = differs || a.item_of(unit) != b.item_of(unit);
    moved = moved || a.item_of(unit) != static_cast<std::size_t>(unit);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_TRUE(differs);
  EXPECT_TRUE(moved);
}

TEST(DatasetWorkload, RefusesNoItems) {
  EXPECT_THROW(DatasetWorkload({}, std::nullopt, 16, false, 0, false), std::invalid_argument);
  EXPECT_THROW(DatasetWorkload(three_items(), std::nullopt, 0, false, 0, false), std::invalid_argument);
}

// ---- synthetic with distributions ----

TEST(DistributedSyntheticWorkload, FixedLengthsAreTheSyntheticPrompts) {
  DistributedSyntheticWorkload w(5, LengthDistribution::fixed(300), LengthDistribution::fixed(50), true);
  const PromptSpec p = w.first(3);
  EXPECT_EQ(p.messages, (std::vector<Message>{{"user", SyntheticPrompts(5).make(3, 300)}}));
  EXPECT_EQ(p.prompt_tokens_target, 300);
  EXPECT_EQ(p.max_tokens, 50);
  EXPECT_TRUE(p.force_length);
  EXPECT_EQ(w.describe(), "synthetic prompts of fixed(300) tokens -> exactly fixed(50) tokens");
}

TEST(DistributedSyntheticWorkload, LengthsDrawnPerUnitFromTheirOwnStreams) {
  std::string error;
  const auto lengths = LengthDistribution::parse("uniform:10-1000", error);
  ASSERT_TRUE(lengths) << error;
  DistributedSyntheticWorkload w(8, *lengths, *lengths, false);
  int same = 0;
  for (std::int64_t unit = -3; unit < 200; ++unit) {
    SplitMix64 prompt_rng = unit_generator(8, unit, DrawStream::prompt_length);
    SplitMix64 output_rng = unit_generator(8, unit, DrawStream::output_length);
    const std::int64_t prompt_tokens = lengths->sample(prompt_rng);
    const PromptSpec p = w.first(unit);
    EXPECT_EQ(p.prompt_tokens_target, prompt_tokens);
    EXPECT_EQ(content(p), SyntheticPrompts(8).make(unit, prompt_tokens));
    EXPECT_EQ(p.max_tokens, lengths->sample(output_rng));
    same += p.max_tokens == p.prompt_tokens_target;
  }
  EXPECT_LT(same, 5);  // two streams, not one draw used twice
  DistributedSyntheticWorkload again(8, *lengths, *lengths, false);
  EXPECT_EQ(content(again.first(150)), content(w.first(150)));
  EXPECT_EQ(w.describe(), "synthetic prompts of uniform(10-1000) tokens -> uniform(10-1000) tokens");
}

// ---- mix ----

MixWorkload story_and_chat(std::uint64_t seed) {
  std::vector<std::pair<std::string, std::unique_ptr<Workload>>> parts;
  parts.emplace_back("chat", std::make_unique<ChatWorkload>(2, "en", 16, true, 4));
  parts.emplace_back("story", std::make_unique<StoryWorkload>("en", 100, true));
  return MixWorkload(std::move(parts), WeightedChoice({{"story", 3}, {"chat", 1}}), seed);
}

TEST(MixWorkload, EachUnitFromTheSeededChoiceWithItsPartsPrefix) {
  MixWorkload mix = story_and_chat(21);
  const WeightedChoice choice({{"story", 3}, {"chat", 1}});
  int stories = 0;
  for (std::int64_t unit = 0; unit < 2000; ++unit) {
    SplitMix64 rng = unit_generator(21, unit, DrawStream::mix_part);
    const std::string expected = choice.names()[choice.pick(rng)];
    ASSERT_EQ(mix.part_of(unit), expected) << unit;
    const PromptSpec p = mix.first(unit);
    if (expected == "story") {
      ++stories;
      EXPECT_EQ(p.sample_id, "story:story-" + std::to_string(unit));
      EXPECT_EQ(content(p), story_prompt("en", static_cast<std::uint64_t>(unit)));
      EXPECT_EQ(p.max_tokens, 100);
    } else {
      EXPECT_EQ(p.sample_id, "chat:conversation-" + std::to_string(unit));
      EXPECT_EQ(p.max_tokens, 16);
    }
  }
  EXPECT_NEAR(stories / 2000.0, 0.75, 0.04);
  // Another instance (another shard, a rerun) chooses alike.
  MixWorkload other = story_and_chat(21);
  for (std::int64_t unit = 1999; unit >= 0; unit -= 7) EXPECT_EQ(other.part_of(unit), mix.part_of(unit));
}

TEST(MixWorkload, LaterTurnsGoToThePartThatMadeTheUnit) {
  MixWorkload mix = story_and_chat(21);
  std::int64_t chat_unit = -1;
  std::int64_t story_unit = -1;
  for (std::int64_t unit = 0; unit < 100 && (chat_unit < 0 || story_unit < 0); ++unit)
    (mix.part_of(unit) == "chat" ? chat_unit : story_unit) = unit;
  ASSERT_GE(chat_unit, 0);
  ASSERT_GE(story_unit, 0);

  EXPECT_FALSE(mix.next(story_unit, mix.first(story_unit), Answer{true, "story", 100}));
  const PromptSpec t0 = mix.first(chat_unit);
  EXPECT_TRUE(t0.keep_answer);
  const std::optional<PromptSpec> t1 = mix.next(chat_unit, t0, Answer{true, "hello", 1});
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->turn, 1);
  EXPECT_EQ(t1->sample_id, "chat:conversation-" + std::to_string(chat_unit));
  const std::string fact = make_conversation(4 ^ static_cast<std::uint64_t>(chat_unit), 2, "en").fact;
  EXPECT_FALSE(mix.next(chat_unit, *t1, Answer{true, fact, 3}));
  const auto* chat = dynamic_cast<ChatWorkload*>(mix.part("chat"));
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ(chat->conversations_scored(), 1);
  EXPECT_EQ(chat->facts_recalled(), 1);
  EXPECT_EQ(mix.part("poem"), nullptr);
}

TEST(MixWorkload, Describe) {
  EXPECT_EQ(story_and_chat(0).describe(),
            "mix: story 75% (story: a short prompt (en) -> exactly 100 tokens), chat 25% (chat: 2-turn conversations "
            "(en), exactly 16 tokens a turn, a fact from turn 1 asked in turn 2)");
}

TEST(MixWorkload, PartsMustMatchTheChoice) {
  const auto make = [](std::vector<std::string> names, bool null_part = false) {
    std::vector<std::pair<std::string, std::unique_ptr<Workload>>> parts;
    for (auto& name : names)
      parts.emplace_back(name, null_part ? nullptr : std::make_unique<StoryWorkload>("en", 10, true));
    return MixWorkload(std::move(parts), WeightedChoice({{"story", 1}, {"chat", 1}}), 0);
  };
  EXPECT_THROW(make({"story"}), std::invalid_argument);                   // chat has no workload
  EXPECT_THROW(make({"story", "chat", "poem"}), std::invalid_argument);   // poem has no weight
  EXPECT_THROW(make({"story", "story", "chat"}), std::invalid_argument);  // twice
  EXPECT_THROW(make({"story", "chat"}, true), std::invalid_argument);     // null
  EXPECT_NO_THROW(make({"chat", "story"}));
}

// ---- replay ----

std::vector<TraceEntry> three_entries() {
  return {TraceEntry{0, 100, 10}, TraceEntry{500 * kNanosPerMilli, 200, 20}, TraceEntry{1500 * kNanosPerMilli, 300, 30}};
}

TEST(ReplayWorkload, EachEntrysLengthsWithAPromptOfItsOwn) {
  ReplayWorkload replay(three_entries(), 9, false);
  const PromptSpec p = replay.first(1);
  EXPECT_EQ(p.messages, (std::vector<Message>{{"user", SyntheticPrompts(9).make(1, 200)}}));
  EXPECT_EQ(p.max_tokens, 20);
  EXPECT_EQ(p.prompt_tokens_target, 200);
  EXPECT_EQ(p.sample_id, "trace-1");
  EXPECT_FALSE(p.force_length);
  const PromptSpec again = replay.first(4);  // past the end: round again, a new prompt
  EXPECT_EQ(again.sample_id, "trace-1");
  EXPECT_EQ(content(again), SyntheticPrompts(9).make(4, 200));
  EXPECT_EQ(replay.first(-1).sample_id, "trace-2");
  EXPECT_EQ(replay.describe(),
            "replay: 3 trace requests over 1.5 s, prompts of 100-300 tokens (mean 200) -> 10-30 tokens (mean 20)");
  EXPECT_THROW(ReplayWorkload({}, 0, false), std::invalid_argument);
}

TEST(ReplayArrivals, TheTracesClockScaledBySpeed) {
  EXPECT_EQ(replay_arrivals(three_entries(), 1), (std::vector<Nanos>{0, 500'000'000, 1'500'000'000}));
  EXPECT_EQ(replay_arrivals(three_entries(), 2), (std::vector<Nanos>{0, 250'000'000, 750'000'000}));
  EXPECT_EQ(replay_arrivals(three_entries(), 0.5), (std::vector<Nanos>{0, 1'000'000'000, 3'000'000'000}));
  EXPECT_EQ(replay_arrivals(three_entries(), 3), (std::vector<Nanos>{0, 166'666'667, 500'000'000}));
  EXPECT_TRUE(replay_arrivals({}, 2).empty());
  const std::vector<TraceEntry> far{TraceEntry{(Nanos{1} << 60) + 1, 1, 1}};
  EXPECT_EQ(replay_arrivals(far, 1), (std::vector<Nanos>{(Nanos{1} << 60) + 1}));  // exact at speed 1
  EXPECT_THROW(replay_arrivals(far, 0.1), std::invalid_argument);                  // past 146 years
  for (const double bad : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()})
    EXPECT_THROW(replay_arrivals(three_entries(), bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace hakari::load
