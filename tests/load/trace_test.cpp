#include "hakari/load/trace.h"

#include "load/load_test_files.h"

#include <gtest/gtest.h>

namespace hakari::load {
namespace {

using testing::error_of;
using testing::temp_file;
using testing::test_data;

std::string trace_error(std::string_view content) {
  const auto path = temp_file("bad-trace.txt", content);
  std::string e = error_of([&] { load_trace(path); });
  return e.starts_with(path) ? e.substr(path.size()) : e;
}

TEST(Trace, ReadsTheMooncakeShapeInMilliseconds) {
  const auto trace = load_trace(test_data("trace-mooncake.jsonl"));
  EXPECT_EQ(trace, (std::vector<TraceEntry>{{0, 6955, 52},
                                            {3053 * kNanosPerMilli, 6472, 26},
                                            {3053 * kNanosPerMilli, 100, 1},
                                            {(10'000'000'000 - 27482) * kNanosPerMilli, 8, 8}}));
}

TEST(Trace, ReadsSecondsInJsonLinesAndCsv) {
  EXPECT_EQ(load_trace(temp_file("seconds.jsonl",
                                 "{\"t_s\": 0.5, \"input_tokens\": 10, \"output_tokens\": 20}\n"
                                 "{\"t_s\": 1.25, \"input_tokens\": 11, \"output_tokens\": 21}\n")),
            (std::vector<TraceEntry>{{0, 10, 20}, {750 * kNanosPerMilli, 11, 21}}));
  EXPECT_EQ(load_trace(test_data("trace.csv")),
            (std::vector<TraceEntry>{{0, 100, 10}, {500 * kNanosPerMilli, 200, 20}, {2 * kNanosPerSecond, 300, 30}}));
  // Columns in any order, others ignored, spaces and CRLF tolerated.
  EXPECT_EQ(load_trace(temp_file("reordered.csv",
                                 "input_tokens, t_s ,note,output_tokens\r\n100, 1.0 ,first,10\r\n120,1.001,,12\r\n")),
            (std::vector<TraceEntry>{{0, 100, 10}, {1 * kNanosPerMilli, 120, 12}}));
}

TEST(Trace, RefusesTimeGoingBackwardsNamingTheLine) {
  EXPECT_EQ(trace_error("{\"timestamp\": 1500, \"input_length\": 1, \"output_length\": 1}\n"
                        "{\"timestamp\": 1000, \"input_length\": 1, \"output_length\": 1}\n"),
            ":2:15: time goes backwards: 1000 ms is before the previous entry's 1500 ms");
  EXPECT_EQ(trace_error("t_s,input_tokens,output_tokens\n2,1,1\n\n1.5,1,1\n"),
            ":4:1: time goes backwards: 1.5 s is before the previous entry's 2 s");
}

TEST(Trace, NamesEveryOtherMistake) {
  EXPECT_EQ(trace_error(""), ": no entries (the trace is empty)");
  EXPECT_EQ(trace_error("t_s,input_tokens,output_tokens\n"), ": no entries (the trace is empty)");
  EXPECT_EQ(trace_error("{\"timestamp\": 0, \"input_length\": 5}"),
            ":1:1: no \"output_length\" or \"output_tokens\" (output tokens)");
  EXPECT_EQ(trace_error("{\"input_length\": 5, \"output_length\": 5}"),
            ":1:1: no \"timestamp\" or \"t_s\" (the send time: ms or s)");
  EXPECT_EQ(trace_error("{\"timestamp\": 0, \"t_s\": 0, \"input_length\": 1, \"output_length\": 1}"),
            ":1:25: both \"timestamp\" and \"t_s\"; give one");
  EXPECT_EQ(trace_error("{\"t_s\": -1, \"input_tokens\": 1, \"output_tokens\": 1}"),
            ":1:9: \"t_s\" must be a time from 0 to 9000000000 s");
  EXPECT_EQ(trace_error("{\"t_s\": \"1\", \"input_tokens\": 1, \"output_tokens\": 1}"),
            ":1:9: \"t_s\" must be a number, not a string");
  EXPECT_EQ(trace_error("{\"t_s\": 0, \"input_tokens\": 1, \"output_tokens\": 0}"),
            ":1:48: \"output_tokens\" must be a whole number from 1 to 10000000");
  EXPECT_EQ(trace_error("{\"t_s\": 0, \"input_tokens\": 1.5, \"output_tokens\": 1}"),
            ":1:28: \"input_tokens\" must be a whole number from 1 to 10000000");
  EXPECT_EQ(trace_error("{\"t_s\": 0 \"input_tokens\": 1}"),
            ":1:11: expected ',' or '}' after an object member, got '\"'");
  EXPECT_EQ(trace_error("{\"t_s\": 0, \"input_tokens\": 1, \"output_tokens\": 1}\n[1]"),
            ":2:1: expected an object such as {\"timestamp\": 0, \"input_length\": 512, \"output_length\": 128}, not "
            "an array");

  EXPECT_EQ(trace_error("time,input_tokens,output_tokens\n0,1,1\n"),
            ":1:1: a CSV trace's header names t_s, input_tokens and output_tokens; no \"t_s\" (a JSON Lines trace "
            "starts with '{')");
  EXPECT_EQ(trace_error("t_s,input_tokens,t_s,output_tokens\n"), ":1:18: column \"t_s\" twice");
  EXPECT_EQ(trace_error("t_s,input_tokens,output_tokens\n0,1\n"), ":2:1: expected 3 fields as in the header, got 2");
  EXPECT_EQ(trace_error("t_s,input_tokens,output_tokens\n0, 12x,1\n"),
            ":2:4: input_tokens must be a whole number from 1 to 10000000");
  EXPECT_EQ(trace_error("t_s,input_tokens,output_tokens\nsoon,1,1\n"),
            ":2:1: t_s must be a time from 0 to 9000000000 s");
  EXPECT_EQ(trace_error("t_s,input_tokens,output_tokens\n1e10,1,1\n"),
            ":2:1: t_s must be a time from 0 to 9000000000 s");
}

}  // namespace
}  // namespace hakari::load
