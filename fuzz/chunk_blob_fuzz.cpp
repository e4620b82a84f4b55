// Chunk timelines read back from a results database that may be damaged: unpacking
// must fail cleanly, and whatever unpacks must pack back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hakari/metrics/request_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view blob(reinterpret_cast<const char*>(data), size);
  std::vector<hakari::metrics::ChunkMark> chunks;
  if (hakari::metrics::unpack_chunks(blob, 1'000, chunks) && !chunks.empty()) {
    std::vector<hakari::metrics::ChunkMark> again;
    if (!hakari::metrics::unpack_chunks(hakari::metrics::pack_chunks(chunks, 1'000), 1'000, again) || again != chunks) {
      std::abort();
    }
  }
  return 0;
}
