// SSE framing of arbitrary bytes split at an arbitrary point: must never crash, and
// must produce the same events as the unsplit input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hakari/transport/sse_framer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t cut = data[0] % size;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto run = [&](std::vector<std::string_view> pieces) {
    hakari::transport::SseFramer framer(4096);
    std::vector<std::string> events;
    for (auto p : pieces) {
      if (framer.feed(p, [&](const hakari::transport::SseEvent& e) { events.emplace_back(e.data); }) !=
          hakari::transport::FrameStatus::ok) {
        events.emplace_back("<too large>");
        break;
      }
    }
    return events;
  };
  const auto whole = run({input});
  const auto split = run({input.substr(0, std::min(cut, input.size())), input.substr(std::min(cut, input.size()))});
  if (whole != split && (whole.empty() || whole.back() != "<too large>")) std::abort();
  return 0;
}
