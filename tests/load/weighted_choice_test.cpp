#include "hakari/load/weighted_choice.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace hakari::load {
namespace {

std::string fails(std::string_view text) {
  std::string error;
  EXPECT_FALSE(WeightedChoice::parse(text, error)) << text;
  return error;
}

WeightedChoice parsed(std::string_view text) {
  std::string error;
  auto c = WeightedChoice::parse(text, error);
  EXPECT_TRUE(c) << text << ": " << error;
  return c ? *c : WeightedChoice({{"?", 1}});
}

TEST(WeightedChoice, ParsesNamesAndWeights) {
  const auto c = parsed("story:3,chat:1");
  EXPECT_EQ(c.names(), (std::vector<std::string>{"story", "chat"}));
  EXPECT_DOUBLE_EQ(c.probability(0), 0.75);
  EXPECT_DOUBLE_EQ(c.probability(1), 0.25);

  const auto even = parsed(" story , chat ,summarize ");  // no weight: 1 each
  EXPECT_EQ(even.names(), (std::vector<std::string>{"story", "chat", "summarize"}));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(even.probability(i), 1.0 / 3);

  const auto spaced = parsed("a : 0.5, b:1.5");
  EXPECT_EQ(spaced.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(spaced.probability(0), 0.25);
  EXPECT_THROW(spaced.probability(2), std::out_of_range);
}

TEST(WeightedChoice, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(fails(""), "mix is empty (expected name:weight,...)");
  EXPECT_EQ(fails("  "), "mix is empty (expected name:weight,...)");
  EXPECT_EQ(fails("story:1,,chat:1"), "mix \"story:1,,chat:1\" has an empty item");
  EXPECT_EQ(fails("story:1,"), "mix \"story:1,\" has an empty item");
  EXPECT_EQ(fails(":3"), "mix item \":3\" has no name");
  EXPECT_EQ(fails("story:0"), "mix weight \"0\" for \"story\" is not a number above 0");
  EXPECT_EQ(fails("story:-1"), "mix weight \"-1\" for \"story\" is not a number above 0");
  EXPECT_EQ(fails("story:"), "mix weight \"\" for \"story\" is not a number above 0");
  EXPECT_EQ(fails("story:x"), "mix weight \"x\" for \"story\" is not a number above 0");
  EXPECT_EQ(fails("story:3x"), "mix weight \"3x\" for \"story\" is not a number above 0");
  EXPECT_EQ(fails("story:inf"), "mix weight \"inf\" for \"story\" is not a number above 0");
  EXPECT_EQ(fails("story:nan"), "mix weight \"nan\" for \"story\" is not a number above 0");
  EXPECT_EQ(fails("story:1,chat:2,story:3"), "mix names \"story\" twice");
  std::string many;
  for (int i = 0; i <= 1000; ++i) many += (i ? ",w" : "w") + std::to_string(i);
  EXPECT_EQ(fails(many), "mix has more than 1000 items");
}

TEST(WeightedChoice, ConstructorRefusesWhatParseRefuses) {
  const auto thrown = [](std::vector<std::pair<std::string, double>> w) {
    try {
      WeightedChoice c(std::move(w));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(nothing thrown)");
  };
  EXPECT_EQ(thrown({}), "mix is empty (expected name:weight,...)");
  EXPECT_EQ(thrown({{"a", 0}}), "mix weight \"0\" for \"a\" is not a number above 0");
  EXPECT_EQ(thrown({{"a", NAN}}), "mix weight \"nan\" for \"a\" is not a number above 0");
  EXPECT_EQ(thrown({{"", 2}}), "mix item \":2\" has no name");
  EXPECT_EQ(thrown({{"a", 1}, {"a", 1}}), "mix names \"a\" twice");
  EXPECT_EQ(thrown({{"a", 1}}), "(nothing thrown)");
}

TEST(WeightedChoice, PicksInProportionToTheWeights) {
  const WeightedChoice c({{"story", 3}, {"chat", 1}, {"summarize", 0.5}, {"rare", 0.01}});
  SplitMix64 rng(17);
  std::vector<int> counts(c.names().size());
  constexpr int kDraws = 200'000;
  for (int i = 0; i < kDraws; ++i) ++counts.at(c.pick(rng));
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double p = c.probability(i);
    const double sd = std::sqrt(kDraws * p * (1 - p));
    EXPECT_NEAR(counts[i], kDraws * p, 5 * sd) << c.names()[i];
  }
  EXPECT_GT(counts[3], 0);  // a tiny weight still gets picked
}

TEST(WeightedChoice, SameSeedSameSequence) {
  const auto c = parsed("a:1,b:1,c:1");
  const auto sequence = [&](std::uint64_t seed) {
    SplitMix64 rng(seed);
    std::vector<std::size_t> out;
    for (int i = 0; i < 200; ++i) out.push_back(c.pick(rng));
    return out;
  };
  EXPECT_EQ(sequence(5), sequence(5));
  EXPECT_NE(sequence(5), sequence(6));
  // One item is always picked.
  SplitMix64 rng(1);
  const auto one = parsed("only");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(one.pick(rng), 0u);
}

}  // namespace
}  // namespace hakari::load
