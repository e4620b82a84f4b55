// A seeded weighted choice among named items: which workload the next request of a `mix`
// comes from ("story:3,chat:1" sends three story requests to one chat, on average).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hakari/load/synthetic_prompt.h"

namespace hakari::load {

inline constexpr std::size_t kMaxChoiceItems = 1000;

class WeightedChoice {
 public:
  // "name:weight,name:weight,..."; a name without ":weight" weighs 1 ("story,chat" is an
  // even mix); spaces around names and weights are ignored. On failure returns nullopt
  // and sets `error`:
  //   mix is empty (expected name:weight,...)
  //   mix "<text>" has an empty item
  //   mix item "<item>" has no name
  //   mix weight "<weight>" for "<name>" is not a number above 0
  //   mix names "<name>" twice
  //   mix has more than 1000 items
  static std::optional<WeightedChoice> parse(std::string_view text, std::string& error);

  // Throws std::invalid_argument (the messages above) unless there are 1 to 1000 items with
  // non-empty, distinct names and finite weights above 0.
  explicit WeightedChoice(std::vector<std::pair<std::string, double>> weights);

  // Index into names(), item i with probability(i); one draw from `rng` per pick.
  std::size_t pick(SplitMix64& rng) const;
  const std::vector<std::string>& names() const { return names_; }
  double probability(std::size_t i) const { return probabilities_.at(i); }

 private:
  std::vector<std::string> names_;
  std::vector<double> probabilities_;
  std::vector<double> cumulative_;  // upper ends of each item's slice of [0, 1); last is 1
};

}  // namespace hakari::load
