// Suite files are user input: any bytes must end in a Suite or a SuiteError naming a
// place, never a crash, a hang or another exception.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hakari/suite/suite.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto suite = hakari::suite::parse_suite(text, "fuzz.yaml");
    (void)hakari::suite::expand(suite);
  } catch (const hakari::suite::SuiteError&) {
  }
  return 0;
}
