#include "hakari/load/weighted_choice.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "hakari/load/schedule.h"

namespace hakari::load {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string weight_text(double w) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, w);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// The constructor's checks, shared with parse so both give the same words.
std::string check(const std::vector<std::pair<std::string, double>>& weights) {
  if (weights.empty()) return "mix is empty (expected name:weight,...)";
  if (weights.size() > kMaxChoiceItems) return "mix has more than " + std::to_string(kMaxChoiceItems) + " items";
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const auto& [name, weight] = weights[i];
    if (name.empty()) return "mix item \":" + weight_text(weight) + "\" has no name";
    if (!std::isfinite(weight) || weight <= 0) {
      return "mix weight \"" + weight_text(weight) + "\" for \"" + name + "\" is not a number above 0";
    }
    // Quadratic, but over at most 1000 items, once.
    for (std::size_t j = 0; j < i; ++j) {
      if (weights[j].first == name) return "mix names \"" + name + "\" twice";
    }
  }
  return {};
}

}  // namespace

std::optional<WeightedChoice> WeightedChoice::parse(std::string_view text, std::string& error) {
  if (trim(text).empty()) {
    error = "mix is empty (expected name:weight,...)";
    return std::nullopt;
  }
  std::vector<std::pair<std::string, double>> weights;
  std::size_t pos = 0;
  // Each pass consumes one item and its comma, so this ends within text.size() + 1 passes.
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = trim(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) {
      error = "mix \"" + std::string(text) + "\" has an empty item";
      return std::nullopt;
    }
    if (weights.size() == kMaxChoiceItems) {
      error = "mix has more than " + std::to_string(kMaxChoiceItems) + " items";
      return std::nullopt;
    }
    const std::size_t colon = item.find(':');
    const std::string_view name = trim(item.substr(0, colon));
    if (name.empty()) {
      error = "mix item \"" + std::string(item) + "\" has no name";
      return std::nullopt;
    }
    double weight = 1;
    if (colon != std::string_view::npos) {
      const std::string_view w = trim(item.substr(colon + 1));
      const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
      if (w.empty() || ec != std::errc() || end != w.data() + w.size() || !std::isfinite(weight) || weight <= 0) {
        error = "mix weight \"" + std::string(w) + "\" for \"" + std::string(name) + "\" is not a number above 0";
        return std::nullopt;
      }
    }
    weights.emplace_back(std::string(name), weight);
  }
  if (std::string why = check(weights); !why.empty()) {
    error = std::move(why);
    return std::nullopt;
  }
  return WeightedChoice(std::move(weights));
}

WeightedChoice::WeightedChoice(std::vector<std::pair<std::string, double>> weights) {
  if (std::string why = check(weights); !why.empty()) throw std::invalid_argument(why);
  double total = 0;
  for (const auto& item : weights) total += item.second;
  double running = 0;
  for (auto& [name, weight] : weights) {
    names_.push_back(std::move(name));
    probabilities_.push_back(weight / total);
    running += weight;
    cumulative_.push_back(running / total);
  }
  cumulative_.back() = 1.0;  // so rounding can never leave a draw past the last slice
}

std::size_t WeightedChoice::pick(SplitMix64& rng) const {
  const double u = draw_unit(rng);
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return std::min(static_cast<std::size_t>(it - cumulative_.begin()), cumulative_.size() - 1);
}

}  // namespace hakari::load
