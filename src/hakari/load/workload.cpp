#include "hakari/load/workload.h"

namespace hakari::load {

PromptSpec SyntheticWorkload::first(std::int64_t unit) {
  PromptSpec p;
  p.messages.push_back(Message{"user", prompts_.make(unit, prompt_tokens_)});
  p.max_tokens = max_tokens_;
  p.force_length = force_length_;
  p.prompt_tokens_target = prompt_tokens_;
  return p;
}

std::string SyntheticWorkload::describe() const {
  return "synthetic prompts of ~" + std::to_string(prompt_tokens_) + " tokens -> " + std::to_string(max_tokens_) +
         " tokens";
}

}  // namespace hakari::load
