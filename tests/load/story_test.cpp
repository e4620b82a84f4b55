#include "hakari/load/story.h"

#include "hakari/load/document.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace hakari::load {
namespace {

TEST(StoryPrompt, AsksForALongStoryInEachLanguage) {
  EXPECT_EQ(
      story_prompt("en", 0),
      "Write a long story about a lighthouse keeper who finds a message in a bottle, set in a small fishing village "
      "in winter. Tell it in the first person. Describe the characters, the places and the events in rich detail, "
      "and keep the story going for as long as you can.");
  EXPECT_EQ(story_prompt("ja", 0),
            "冬の小さな漁村を舞台に、瓶に入った手紙を見つけた灯台守の長い物語を書いてください。一人称で語ってください。"
            "登場人物や場所、出来事をくわしく描き、できるだけ長く書き続けてください。");
  EXPECT_EQ(
      story_prompt("en", 14),
      "Write a long story about a young baker who enters a national baking contest, set in a space station orbiting "
      "Jupiter. Tell it as a folk tale, the way an old storyteller would. Describe the characters, the places and "
      "the events in rich detail, and keep the story going for as long as you can.");
}

TEST(StoryPrompt, VariesWithTheIndex) {
  for (const char* lang : {"en", "ja"}) {
    std::set<std::string> seen;
    for (std::uint64_t i = 0; i < 780; ++i) {
      const auto prompt = story_prompt(lang, i);
      EXPECT_EQ(first_invalid_utf8(prompt), std::nullopt);
      EXPECT_LT(prompt.size(), 400u) << "a short prompt";
      seen.insert(prompt);
    }
    EXPECT_EQ(seen.size(), 780u) << lang;
    EXPECT_EQ(story_prompt(lang, 780), story_prompt(lang, 0));
    EXPECT_NE(story_prompt(lang, 1).substr(0, 60), story_prompt(lang, 2).substr(0, 60));
  }
}

TEST(StoryPrompt, RefusesOtherLanguages) { EXPECT_THROW(story_prompt("fr", 0), std::invalid_argument); }

}  // namespace
}  // namespace hakari::load
