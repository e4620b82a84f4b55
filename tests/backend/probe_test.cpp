#include "hakari/backend/probe.h"

#include <gtest/gtest.h>

namespace hakari::backend {
namespace {

TEST(NormalizeBaseUrl, StripsSlashesAndAV1Suffix) {
  std::string error;
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:8000/v1/", error), "http://127.0.0.1:8000");
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:11434", error), "http://127.0.0.1:11434");
  EXPECT_EQ(normalize_base_url("https://gpu-box:8080/prefix/", error), "https://gpu-box:8080/prefix");
}

TEST(NormalizeBaseUrl, RejectsWhatIsNotAnHttpUrl) {
  std::string error;
  EXPECT_FALSE(normalize_base_url("127.0.0.1:8080", error));
  EXPECT_EQ(error, "target '127.0.0.1:8080' is not an http:// or https:// URL");
  EXPECT_FALSE(normalize_base_url("http://", error));
  EXPECT_EQ(error, "target 'http://' has no host");
}

TEST(ProbeServer, UnreachableTargetGivesOneClearLine) {
  std::string error;
  // Port 1 on loopback: nothing listens there.
  auto info = probe_server("http://127.0.0.1:1", 2 * kNanosPerSecond, {}, error);
  EXPECT_FALSE(info);
  EXPECT_EQ(error.rfind("cannot reach http://127.0.0.1:1: ", 0), 0u) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace hakari::backend
