// One frame of any API, from untrusted bytes: the parser must never crash or read out
// of bounds, whatever the JSON (or not-JSON).
#include <cstdint>
#include <string>

#include "hakari/backend/frame_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static hakari::backend::FrameParser parser;
  if (size == 0) return 0;
  using hakari::backend::ApiKind;
  constexpr ApiKind kApis[] = {ApiKind::openai_chat, ApiKind::openai_completions, ApiKind::ollama_chat,
                               ApiKind::ollama_generate, ApiKind::llamacpp_completion};
  const ApiKind api = kApis[data[0] % 5];
  std::string_view frame(reinterpret_cast<const char*>(data) + 1, size - 1);
  hakari::backend::FrameInfo info;
  std::string error;
  parser.parse(api, frame, info, error);
  (void)parser.error_message(frame);
  return 0;
}
