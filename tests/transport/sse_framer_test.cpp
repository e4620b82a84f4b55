#include "hakari/transport/sse_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_files.h"

namespace hakari::transport {
namespace {

struct Event {
  std::string event;
  std::string data;
  bool operator==(const Event&) const = default;
};

std::vector<Event> frame_all(SseFramer& f, const std::vector<std::string_view>& pieces) {
  std::vector<Event> out;
  for (auto piece : pieces) {
    EXPECT_EQ(f.feed(piece, [&](const SseEvent& e) { out.push_back({std::string(e.event), std::string(e.data)}); }),
              FrameStatus::ok);
  }
  return out;
}

std::vector<Event> frame_whole(std::string_view text) {
  SseFramer f;
  return frame_all(f, {text});
}

TEST(SseFramer, SplitsEventsOnBlankLines) {
  auto events = frame_whole("data: {\"a\":1}\n\ndata: [DONE]\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].data, "[DONE]");
}

// llama.cpp's server (b5601) reports a failure midway through a stream as an `error:`
// line, not a standard field; it must reach the decoder rather than be ignored.
TEST(SseFramer, LlamaCppsErrorLineIsAnEventOfTypeError) {
  auto events = frame_whole("data: {\"a\":1}\n\nerror: {\"code\":500,\"message\":\"boom\"}\n\ndata: [DONE]\n\nid: 7\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1], (Event{"error", "{\"code\":500,\"message\":\"boom\"}"}));
  EXPECT_EQ(events[2], (Event{"", "[DONE]"}));
}

TEST(SseFramer, JoinsMultiLineDataAndKeepsEventType) {
  auto events = frame_whole("event: message.delta\ndata: one\ndata: two\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "message.delta");
  EXPECT_EQ(events[0].data, "one\ntwo");
}

TEST(SseFramer, AcceptsCrLfAndBareCrLineEnds) {
  EXPECT_EQ(frame_whole("data: x\r\n\r\ndata: y\r\rdata: z\n\n"),
            (std::vector<Event>{{"", "x"}, {"", "y"}, {"", "z"}}));
}

TEST(SseFramer, CountsCommentPingsAndSkipsThem) {
  SseFramer f;
  auto events = frame_all(f, {": ping\n\n:another\ndata: x\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(f.comment_lines(), 2u);
}

TEST(SseFramer, StripsOnlyOneSpaceAfterTheColon) {
  EXPECT_EQ(frame_whole("data:x\n\ndata:  y\n\n"), (std::vector<Event>{{"", "x"}, {"", " y"}}));
}

TEST(SseFramer, IgnoresUnknownFieldsAndEventsWithoutData) {
  EXPECT_EQ(frame_whole("id: 7\nretry: 100\n\nfoo: bar\ndata: z\n\n"), (std::vector<Event>{{"", "z"}}));
}

TEST(SseFramer, ReportsAnUnfinishedEventAsPending) {
  SseFramer f;
  auto events = frame_all(f, {"data: {\"a\":1}\n\ndata: {\"b\""});
  EXPECT_EQ(events.size(), 1u);
  EXPECT_GT(f.pending_bytes(), 0u);
  SseFramer g;
  frame_all(g, {"data: x\n\n"});
  EXPECT_EQ(g.pending_bytes(), 0u);
}

TEST(SseFramer, RefusesAnEventBeyondTheLimit) {
  SseFramer f(64);
  std::string big = "data: " + std::string(100, 'x') + "\n\n";
  EXPECT_EQ(f.feed(big, [](const SseEvent&) {}), FrameStatus::too_large);
  SseFramer g(64);
  // The same limit holds when the line arrives a byte at a time.
  FrameStatus st = FrameStatus::ok;
  for (char c : big) {
    st = g.feed(std::string_view(&c, 1), [](const SseEvent&) {});
    if (st != FrameStatus::ok) break;
  }
  EXPECT_EQ(st, FrameStatus::too_large);
}

// Every real transcript frames identically however its bytes are split into reads.
class SseFixtureSplit : public ::testing::TestWithParam<std::string> {};

TEST_P(SseFixtureSplit, SameEventsAtEveryByteBoundary) {
  const std::string text = hakari::testing::read_data("llama-server/" + GetParam());
  const auto whole = frame_whole(text);
  ASSERT_FALSE(whole.empty());
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    SseFramer f;
    std::string_view v(text);
    ASSERT_EQ(frame_all(f, {v.substr(0, cut), v.substr(cut)}), whole) << "split at byte " << cut;
  }
  SseFramer f;
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < text.size(); ++i) bytes.push_back(std::string_view(text).substr(i, 1));
  EXPECT_EQ(frame_all(f, bytes), whole);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SseFixtureSplit,
                         ::testing::Values("chat-completions-stream.sse", "completions-stream.sse",
                                           "completion-native-stream.sse"));

TEST(SseFramer, ChatFixtureHasRoleContentFinishAndDone) {
  auto events = frame_whole(hakari::testing::read_data("llama-server/chat-completions-stream.sse"));
  ASSERT_EQ(events.size(), 11u);  // role, 8 tokens, finish+usage, [DONE]
  EXPECT_NE(events.front().data.find("\"role\":\"assistant\""), std::string::npos);
  EXPECT_EQ(events.back().data, "[DONE]");
}

TEST(SseFramer, ResetForgetsPartialState) {
  SseFramer f;
  frame_all(f, {"data: half"});
  f.reset();
  EXPECT_EQ(frame_all(f, {"data: whole\n\n"}), (std::vector<Event>{{"", "whole"}}));
}

}  // namespace
}  // namespace hakari::transport
