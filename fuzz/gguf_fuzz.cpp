// Fuzzes the GGUF reader and everything derived from a parsed header (model facts,
// memory estimate, roofline, text and JSON renderings) with arbitrary bytes. A file may
// be refused with a GgufError naming the offset; anything else (a crash, a read out of
// bounds, another exception, an allocation sized by a lying count) is a bug.
#include <cstddef>
#include <cstdint>
#include <span>

#include "hakari/catalog/hardware.h"
#include "hakari/planner/gguf.h"
#include "hakari/planner/gguf_model.h"
#include "hakari/planner/memory_estimate.h"
#include "hakari/planner/plan_format.h"
#include "hakari/planner/roofline.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hakari::planner;
  GgufFile file;
  try {
    file = parse_gguf(std::span<const std::uint8_t>(data, size), "fuzz.gguf");
  } catch (const GgufError& e) {
    if (e.file() != "fuzz.gguf" || !e.offset() || *e.offset() > size) __builtin_trap();
    return 0;
  }
  if (file.data_offset < file.header_bytes || file.header_bytes > size) __builtin_trap();
  for (const GgufTensor& t : file.tensors) {
    if (t.n_bytes > size || file.data_offset + t.offset + t.n_bytes > size) __builtin_trap();
  }
  try {
    const GgufModelInfo info = describe_gguf({file});
    if (info.weights_bytes > size) __builtin_trap();
    (void)inspect_text(info);
    (void)inspect_json(info);
    const ModelFacts facts = facts_from_gguf(info);
    InstanceConfig config;
    config.parallel = 4;
    (void)estimate_memory(facts, config);
    (void)decode_ceiling(facts, *hakari::catalog::find_hardware("evo-x2"), 4096, 8);
  } catch (const GgufError&) {
  }
  return 0;
}
