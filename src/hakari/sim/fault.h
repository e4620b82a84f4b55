// Injected failures: `--fault KIND@N[,N...]` gives the N-th generation request (1-based,
// in arrival order) one of the ways a real server or network lets a client down, so
// clients' error handling can be tested on the wire.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::sim {

enum class FaultKind {
  none,
  http_500,      // an error status with the API's error body
  http_503,      // "loading model" (llama.cpp) / "server busy" (Ollama)
  stream_error,  // after 3 tokens, an in-stream error frame under HTTP 200, then a clean end
  malformed,     // after 3 tokens, a frame whose JSON is cut off, then a clean end
  truncate,      // after 3 tokens, the connection closes without the terminating chunk
  drop,          // the connection closes before any response byte
  stall,         // after 3 tokens, nothing for --stall-ms, then the stream goes on
};

// Tokens a stream carries before a mid-stream fault strikes.
inline constexpr int kFaultAfterTokens = 3;

std::string_view fault_name(FaultKind kind);

// True for the kinds that strike after the first tokens rather than up front.
constexpr bool is_mid_stream(FaultKind kind) {
  return kind == FaultKind::stream_error || kind == FaultKind::malformed ||
         kind == FaultKind::truncate;
}

struct FaultRule {
  FaultKind kind = FaultKind::none;
  std::vector<std::uint64_t> ordinals;  // 1-based generation request numbers
};

// Parses "KIND@N[,N...]". On failure returns nullopt and a message naming the bad part.
std::optional<FaultRule> parse_fault_rule(std::string_view text, std::string& error);

// The kinds `--fault` accepts, for help text.
std::string fault_kind_list();

// Which request gets which fault.
class FaultPlan {
 public:
  FaultPlan() = default;
  // Fails (nullopt, error set) when two rules name the same request.
  static std::optional<FaultPlan> build(const std::vector<FaultRule>& rules, std::string& error);

  FaultKind fault_for(std::uint64_t ordinal) const;
  bool empty() const { return by_ordinal_.empty(); }

 private:
  std::map<std::uint64_t, FaultKind> by_ordinal_;
};

}  // namespace hakari::sim
