// What binary measured a result. Filled in at build time (cmake/WriteBuildInfo.cmake).
#pragma once

namespace hakari {

struct BuildInfo {
  const char* version;
  const char* commit;      // short hash, "-dirty" when built from a modified tree
  const char* build_type;  // CMAKE_BUILD_TYPE; a Debug build's timings deserve a warning
  const char* sanitize;    // empty unless built with sanitizers
  const char* compiler;
};

const BuildInfo& build_info();

// True when the build is one whose own overhead may distort what it measures.
inline bool build_distorts_timing(const BuildInfo& b) {
  const char* t = b.build_type;
  bool debug = t[0] == 'D' && t[1] == 'e';  // "Debug"
  return debug || b.sanitize[0] != '\0';
}

}  // namespace hakari
