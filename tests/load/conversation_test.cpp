#include "hakari/load/conversation.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <stdexcept>

namespace hakari::load {
namespace {

const std::string kAskEn =
    "What was the code word I asked you to remember at the start of our conversation? Reply with the code word only.";
const std::string kAskJa = "会話の最初に覚えておくようお願いした合言葉は何でしたか？合言葉だけを答えてください。";

TEST(Conversation, StatesTheFactFirstAndAsksForItLast) {
  const auto script = make_conversation(1, 10, "en");
  EXPECT_EQ(script.fact, "MARLIN-9465");
  ASSERT_EQ(script.user_turns.size(), 10u);
  EXPECT_EQ(script.user_turns[0],
            "Please remember this code word for later: " + script.fact +
                ". I will ask you for it at the end of our conversation. For now, just reply with a short greeting.");
  EXPECT_EQ(script.user_turns[9], kAskEn);
  EXPECT_EQ(script.user_turns[1], "Describe a lighthouse in two sentences.");

  // The middle turns are short, all different, and never give the fact (or its number) away.
  const std::string number = script.fact.substr(script.fact.find('-') + 1);
  std::set<std::string> middle(script.user_turns.begin() + 1, script.user_turns.end() - 1);
  EXPECT_EQ(middle.size(), 8u);
  for (const auto& turn : middle) {
    EXPECT_EQ(turn.find(number), std::string::npos) << turn;
    EXPECT_FALSE(recalls_fact(turn, script)) << turn;
    EXPECT_LT(turn.size(), 120u) << turn;
  }
}

TEST(Conversation, IsDeterministicInTheSeedAndHardToGuess) {
  EXPECT_EQ(make_conversation(5, 6, "en").user_turns, make_conversation(5, 6, "en").user_turns);
  std::set<std::string> facts;
  const std::regex shape("[A-Z]+-[1-9][0-9]{3}");
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const auto fact = make_conversation(seed, 2, "en").fact;
    EXPECT_TRUE(std::regex_match(fact, shape)) << fact;
    facts.insert(fact);
  }
  EXPECT_GE(facts.size(), 198u);
}

TEST(Conversation, SpeaksJapaneseWithAnAsciiFact) {
  const auto script = make_conversation(1, 3, "ja");
  EXPECT_EQ(script.fact, make_conversation(1, 3, "en").fact);
  ASSERT_EQ(script.user_turns.size(), 3u);
  EXPECT_EQ(script.user_turns[0], "後で聞くので、この合言葉を覚えておいてください：" + script.fact +
                                      "。今は短いあいさつだけを返してください。");
  EXPECT_EQ(script.user_turns[2], kAskJa);
  EXPECT_EQ(script.user_turns[1], "灯台を二文で描写してください。");
}

TEST(Conversation, TwoTurnsAreTheFactAndTheQuestion) {
  const auto script = make_conversation(9, 2, "en");
  ASSERT_EQ(script.user_turns.size(), 2u);
  EXPECT_EQ(script.user_turns[1], kAskEn);
  EXPECT_EQ(make_conversation(9, 200, "ja").user_turns.size(), 200u);
  EXPECT_THROW(make_conversation(1, 1, "en"), std::invalid_argument);
  EXPECT_THROW(make_conversation(1, 10, "de"), std::invalid_argument);
}

TEST(Conversation, RecallIsCheckedLikeAPersonWould) {
  ConversationScript script;
  script.fact = "ORCHID-4471";
  for (const char* answer :
       {"ORCHID-4471", "The code word is orchid-4471.", "**ORCHID–4471**", "Orchid 4471", "ORCHID4471",
        "合言葉はＯＲＣＨＩＤ－４４７１です。", "合言葉は「ORCHIDー4471」です", "(ORCHID_4471)"}) {
    EXPECT_TRUE(recalls_fact(answer, script)) << answer;
  }
  for (const char* answer : {"", "ORCHID-4472", "ORCHID-44712", "ORCHID-447", "ORCHID", "4471", "XORCHID-4471",
                             "I'm sorry, I don't remember a code word.", "ORCHID, 4471"}) {
    EXPECT_FALSE(recalls_fact(answer, script)) << answer;
  }
}

}  // namespace
}  // namespace hakari::load
