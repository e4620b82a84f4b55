#include "hakari/load/synthetic_prompt.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace hakari::load {
namespace {

std::size_t words(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), ' ')) + 1; }

TEST(SyntheticPrompts, DeterministicAndDistinctPerRequest) {
  SyntheticPrompts a(42);
  SyntheticPrompts b(42);
  SyntheticPrompts c(43);
  EXPECT_EQ(a.make(7, 200), b.make(7, 200));
  EXPECT_NE(a.make(7, 200), a.make(8, 200));
  EXPECT_NE(a.make(7, 200), c.make(7, 200));
  // Distinct from the first words on, so no prefix cache can serve one from another.
  int same_start = 0;
  for (int i = 0; i < 50; ++i) same_start += a.make(i, 64).substr(0, 12) == a.make(i + 1, 64).substr(0, 12);
  EXPECT_LT(same_start, 3);
}

TEST(SyntheticPrompts, LengthTracksTheRequestedTokens) {
  SyntheticPrompts p(1);
  // One word is one token in common vocabularies; the instruction and opening add 11.
  for (std::int64_t n : {16, 128, 1024, 8192}) {
    const auto s = p.make(3, n);
    EXPECT_NEAR(static_cast<double>(words(s)) + 1, static_cast<double>(n), 2.0) << n;
  }
  EXPECT_LT(words(p.make(0, 1)), 12u);
}

}  // namespace
}  // namespace hakari::load
