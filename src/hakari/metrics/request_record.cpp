#include "hakari/metrics/request_record.h"

#include <array>
#include <utility>

namespace hakari::metrics {
namespace {

template <typename E, std::size_t N>
std::optional<E> parse_by_name(std::string_view s, const std::array<std::pair<E, std::string_view>, N>& table) {
  for (const auto& [e, name] : table) {
    if (name == s) return e;
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view name_of(E e, const std::array<std::pair<E, std::string_view>, N>& table) {
  for (const auto& [v, name] : table) {
    if (v == e) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<RequestStatus, std::string_view>, 3> kStatusNames{{
    {RequestStatus::ok, "ok"},
    {RequestStatus::failed, "failed"},
    {RequestStatus::cancelled, "cancelled"},
}};

constexpr std::array<std::pair<ErrorClass, std::string_view>, 13> kErrorNames{{
    {ErrorClass::none, "none"},
    {ErrorClass::connect, "connect"},
    {ErrorClass::timeout, "timeout"},
    {ErrorClass::http_status, "http_status"},
    {ErrorClass::stream_error, "stream_error"},
    {ErrorClass::malformed_frame, "malformed_frame"},
    {ErrorClass::truncated, "truncated"},
    {ErrorClass::too_large, "too_large"},
    {ErrorClass::overrun, "overrun"},
    {ErrorClass::send, "send"},
    {ErrorClass::recv, "recv"},
    {ErrorClass::cancelled, "cancelled"},
    {ErrorClass::other, "other"},
}};

constexpr std::array<std::pair<CountSource, std::string_view>, 5> kSourceNames{{
    {CountSource::none, "none"},
    {CountSource::server_usage, "server_usage"},
    {CountSource::server_timings, "server_timings"},
    {CountSource::server_eval, "server_eval"},
    {CountSource::client_chunks, "client_chunks"},
}};

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Zig-zag keeps small negative deltas small (a clock never runs back, but a blob is input).
std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Time deltas wrap modulo 2^64 rather than overflow: a damaged blob decodes to nonsense
// times, never to undefined behaviour.
std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

constexpr char kChunkBlobVersion = 1;

}  // namespace

std::string_view status_name(RequestStatus s) { return name_of(s, kStatusNames); }
std::string_view error_class_name(ErrorClass e) { return name_of(e, kErrorNames); }
std::string_view count_source_name(CountSource s) { return name_of(s, kSourceNames); }
std::optional<RequestStatus> parse_status(std::string_view s) { return parse_by_name(s, kStatusNames); }
std::optional<ErrorClass> parse_error_class(std::string_view s) { return parse_by_name(s, kErrorNames); }
std::optional<CountSource> parse_count_source(std::string_view s) { return parse_by_name(s, kSourceNames); }

std::string pack_chunks(const std::vector<ChunkMark>& chunks, Nanos sent) {
  std::string out;
  out.reserve(1 + chunks.size() * 4);
  out.push_back(kChunkBlobVersion);
  Nanos prev = sent;
  for (const auto& c : chunks) {
    put_varint(out, zigzag(wrapping_sub(c.t, prev)));
    put_varint(out, zigzag(c.tokens));
    prev = c.t;
  }
  return out;
}

bool unpack_chunks(std::string_view blob, Nanos sent, std::vector<ChunkMark>& out) {
  out.clear();
  if (blob.empty()) return true;
  if (blob.front() != kChunkBlobVersion) return false;
  blob.remove_prefix(1);
  Nanos prev = sent;
  while (!blob.empty()) {
    std::uint64_t dt = 0;
    std::uint64_t tok = 0;
    if (!get_varint(blob, dt) || !get_varint(blob, tok)) return false;
    prev = wrapping_add(prev, unzigzag(dt));
    std::int64_t tokens = unzigzag(tok);
    if (tokens < INT32_MIN || tokens > INT32_MAX) return false;
    out.push_back(ChunkMark{prev, static_cast<std::int32_t>(tokens)});
  }
  return true;
}

}  // namespace hakari::metrics
