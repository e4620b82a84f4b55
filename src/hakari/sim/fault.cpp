#include "hakari/sim/fault.h"

#include <array>
#include <charconv>
#include <utility>

namespace hakari::sim {
namespace {

constexpr std::array<std::pair<std::string_view, FaultKind>, 7> kKinds{{
    {"http-500", FaultKind::http_500},
    {"http-503", FaultKind::http_503},
    {"stream-error", FaultKind::stream_error},
    {"malformed", FaultKind::malformed},
    {"truncate", FaultKind::truncate},
    {"drop", FaultKind::drop},
    {"stall", FaultKind::stall},
}};

}  // namespace

std::string_view fault_name(FaultKind kind) {
  for (const auto& [name, k] : kKinds) {
    if (k == kind) return name;
  }
  return "none";
}

std::string fault_kind_list() {
  std::string out;
  for (const auto& [name, k] : kKinds) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::optional<FaultRule> parse_fault_rule(std::string_view text, std::string& error) {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos) {
    error = "'" + std::string(text) + "' is not KIND@N[,N...] (kinds: " + fault_kind_list() + ")";
    return std::nullopt;
  }
  const std::string_view kind_text = text.substr(0, at);
  FaultRule rule;
  for (const auto& [name, k] : kKinds) {
    if (name == kind_text) rule.kind = k;
  }
  if (rule.kind == FaultKind::none) {
    error = "unknown fault kind '" + std::string(kind_text) + "' in '" + std::string(text) +
            "' (kinds: " + fault_kind_list() + ")";
    return std::nullopt;
  }
  std::string_view list = text.substr(at + 1);
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    std::uint64_t n = 0;
    const auto res = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || res.ec != std::errc() || res.ptr != item.data() + item.size() || n == 0) {
      error = "bad request number '" + std::string(item) + "' in '" + std::string(text) +
              "' (want positive integers, 1 = the first generation request)";
      return std::nullopt;
    }
    rule.ordinals.push_back(n);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return rule;
}

std::optional<FaultPlan> FaultPlan::build(const std::vector<FaultRule>& rules, std::string& error) {
  FaultPlan plan;
  for (const FaultRule& rule : rules) {
    for (std::uint64_t n : rule.ordinals) {
      auto [it, inserted] = plan.by_ordinal_.emplace(n, rule.kind);
      if (!inserted && it->second != rule.kind) {
        error = "request " + std::to_string(n) + " is given two faults (" +
                std::string(fault_name(it->second)) + " and " + std::string(fault_name(rule.kind)) +
                ")";
        return std::nullopt;
      }
    }
  }
  return plan;
}

FaultKind FaultPlan::fault_for(std::uint64_t ordinal) const {
  auto it = by_ordinal_.find(ordinal);
  return it == by_ordinal_.end() ? FaultKind::none : it->second;
}

}  // namespace hakari::sim
