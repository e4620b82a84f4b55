// What to send, apart from when (a schedule) and how (the driver and its transport), as
// MLPerf LoadGen keeps its sample library apart from its scheduler. A workload hands out
// units of work: one request, or a conversation whose next turn depends on the answer to
// the last. It knows nothing of time or HTTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hakari/core/message.h"
#include "hakari/load/synthetic_prompt.h"

namespace hakari::load {

// One request as a workload asks for it.
struct PromptSpec {
  std::vector<Message> messages;  // the conversation so far, ending with the user's turn
  std::int64_t max_tokens = 128;
  bool force_length = true;       // ask for exactly max_tokens where the API can
  std::int64_t prompt_tokens_target = 0;  // the length the workload aimed at; 0: not sized
  std::string sample_id;          // which item, document or conversation it came from
  std::int32_t turn = 0;          // 0-based turn within its conversation
  bool keep_answer = false;       // the workload needs the answer's text (the next turn)
};

// What came back for a request, as far as a workload cares.
struct Answer {
  bool ok = false;
  std::string_view text;  // kept only when PromptSpec::keep_answer asked for it
  std::int64_t output_tokens = 0;
};

class Workload {
 public:
  virtual ~Workload() = default;
  // The first request of unit `unit` (0, 1, 2, …; warm-ups use negative units so they can
  // never pre-fill a cache for a measured one).
  virtual PromptSpec first(std::int64_t unit) = 0;
  // The request that follows `previous` in unit `unit` once its answer arrived, or nullopt
  // when the unit is done. Single-request workloads never have one.
  virtual std::optional<PromptSpec> next(std::int64_t /*unit*/, const PromptSpec& /*previous*/, const Answer& /*answer*/) {
    return std::nullopt;
  }
  // One line for people: "synthetic prompts of ~128 tokens → 128 tokens".
  virtual std::string describe() const = 0;
};

// Fixed-length synthetic prompts (SyntheticPrompts): each unit one request, different from
// its first token on, so no prefix cache can answer it.
class SyntheticWorkload final : public Workload {
 public:
  SyntheticWorkload(std::uint64_t seed, std::int64_t prompt_tokens, std::int64_t max_tokens, bool force_length)
      : prompts_(seed), prompt_tokens_(prompt_tokens), max_tokens_(max_tokens), force_length_(force_length) {}
  PromptSpec first(std::int64_t unit) override;
  std::string describe() const override;

 private:
  SyntheticPrompts prompts_;
  std::int64_t prompt_tokens_;
  std::int64_t max_tokens_;
  bool force_length_;
};

}  // namespace hakari::load
