#include "hakari/metrics/request_record.h"

#include <gtest/gtest.h>

namespace hakari::metrics {
namespace {

TEST(ChunkBlob, RoundTripsAndStaysSmall) {
  const Nanos sent = 123'456'789'000;
  std::vector<ChunkMark> chunks;
  for (int i = 0; i < 2000; ++i) chunks.push_back({sent + 50'000'000 + i * 20'000'000LL, i % 7 == 0 ? 0 : 1});
  const std::string blob = pack_chunks(chunks, sent);
  EXPECT_LT(blob.size(), 2000u * 6);  // a 20 ms gap is 4 bytes, a token count 1
  std::vector<ChunkMark> back;
  ASSERT_TRUE(unpack_chunks(blob, sent, back));
  EXPECT_EQ(back, chunks);
}

TEST(ChunkBlob, EmptyAndCorruptBlobs) {
  std::vector<ChunkMark> out{{1, 1}};
  EXPECT_TRUE(unpack_chunks("", 0, out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(unpack_chunks(std::string("\x02", 1), 0, out));      // unknown version
  EXPECT_FALSE(unpack_chunks(std::string("\x01\x80", 2), 0, out));  // varint cut short
  EXPECT_FALSE(unpack_chunks(std::string("\x01\x05", 2), 0, out));  // time without a count
  std::string overlong("\x01", 1);
  overlong += std::string(11, '\xff');
  EXPECT_FALSE(unpack_chunks(overlong, 0, out));
}

TEST(Names, RoundTrip) {
  for (auto e : {ErrorClass::none, ErrorClass::connect, ErrorClass::timeout, ErrorClass::http_status,
                 ErrorClass::stream_error, ErrorClass::malformed_frame, ErrorClass::truncated, ErrorClass::too_large,
                 ErrorClass::send, ErrorClass::recv, ErrorClass::cancelled, ErrorClass::other}) {
    EXPECT_EQ(parse_error_class(error_class_name(e)), e);
  }
  for (auto s : {CountSource::none, CountSource::server_usage, CountSource::server_timings, CountSource::server_eval,
                 CountSource::client_chunks}) {
    EXPECT_EQ(parse_count_source(count_source_name(s)), s);
  }
  EXPECT_EQ(parse_status("ok"), RequestStatus::ok);
  EXPECT_FALSE(parse_status("fine"));
}

}  // namespace
}  // namespace hakari::metrics
