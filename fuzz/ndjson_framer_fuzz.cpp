// NDJSON framing of arbitrary bytes: never crashes; splitting the input never changes
// the lines found.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hakari/transport/ndjson_framer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t cut = data[0] % size;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto run = [&](std::vector<std::string_view> pieces) {
    hakari::transport::NdjsonFramer framer(1 << 20);
    std::vector<std::string> lines;
    auto sink = [&](std::string_view l) { lines.emplace_back(l); };
    for (auto p : pieces) framer.feed(p, sink);
    framer.finish(sink);
    return lines;
  };
  const std::size_t at = std::min(cut, input.size());
  if (run({input}) != run({input.substr(0, at), input.substr(at)})) std::abort();
  return 0;
}
