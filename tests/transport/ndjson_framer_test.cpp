#include "hakari/transport/ndjson_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hakari::transport {
namespace {

std::vector<std::string> lines_of(NdjsonFramer& f, const std::vector<std::string_view>& pieces, bool finish) {
  std::vector<std::string> out;
  auto sink = [&](std::string_view l) { out.emplace_back(l); };
  for (auto p : pieces) EXPECT_EQ(f.feed(p, sink), FrameStatus::ok);
  if (finish) f.finish(sink);
  return out;
}

const std::string kOllama =
    "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"},\"done\":false}\n"
    "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\" sky\"},\"done\":false}\n"
    "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"eval_count\":2}\n";

TEST(NdjsonFramer, OneFramePerLine) {
  NdjsonFramer f;
  auto lines = lines_of(f, {kOllama}, false);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\" sky\"},\"done\":false}");
}

TEST(NdjsonFramer, StripsCrAndSkipsBlankLines) {
  NdjsonFramer f;
  EXPECT_EQ(lines_of(f, {"{\"a\":1}\r\n\r\n  \n{\"b\":2}\n"}, false), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(NdjsonFramer, FinishDeliversALastLineWithoutNewline) {
  NdjsonFramer f;
  auto lines = lines_of(f, {"{\"a\":1}\n{\"done\":true}"}, false);
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_EQ(f.pending_bytes(), 13u);
  std::vector<std::string> rest;
  f.finish([&](std::string_view l) { rest.emplace_back(l); });
  EXPECT_EQ(rest, (std::vector<std::string>{"{\"done\":true}"}));
  EXPECT_EQ(f.pending_bytes(), 0u);
}

TEST(NdjsonFramer, SameLinesAtEveryByteBoundary) {
  NdjsonFramer whole_framer;
  const auto whole = lines_of(whole_framer, {kOllama}, true);
  for (std::size_t cut = 0; cut <= kOllama.size(); ++cut) {
    NdjsonFramer f;
    std::string_view v(kOllama);
    ASSERT_EQ(lines_of(f, {v.substr(0, cut), v.substr(cut)}, true), whole) << "split at byte " << cut;
  }
}

TEST(NdjsonFramer, RefusesALineBeyondTheLimit) {
  NdjsonFramer f(16);
  EXPECT_EQ(f.feed(std::string(40, 'x') + "\n", [](std::string_view) {}), FrameStatus::too_large);
  NdjsonFramer g(16);
  EXPECT_EQ(g.feed(std::string(10, 'x'), [](std::string_view) {}), FrameStatus::ok);
  EXPECT_EQ(g.feed(std::string(10, 'x'), [](std::string_view) {}), FrameStatus::too_large);
}

}  // namespace
}  // namespace hakari::transport
