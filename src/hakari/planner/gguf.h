// A GGUF reader that never trusts the file (ggml-org/ggml docs/gguf.md, versions 2 and 3).
//
// It reads the header, every metadata key/value (all thirteen value types, arrays nested
// up to kMaxArrayDepth) and the tensor-info table, and works out where the tensor data
// starts; it never reads tensor data. Every count and length is checked against the bytes
// left before anything is allocated or skipped, sizes are computed with overflow checks,
// and every error names the file and the byte offset where the problem is:
//
//   model.gguf: offset 1234: string length 2^40 exceeds the 88 bytes left
//
// read_gguf_file() maps the file read-only, so only the pages of the header region are
// ever touched, even for a 40 GB model.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::planner {

// Any problem with a GGUF file. what() is the full message: "<file>: offset N: <detail>"
// (or "<file>: <detail>" when it is not about one place in the file).
class GgufError : public std::runtime_error {
 public:
  GgufError(std::string file, std::optional<std::uint64_t> offset, const std::string& detail);
  const std::string& file() const { return file_; }
  std::optional<std::uint64_t> offset() const { return offset_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string file_;
  std::optional<std::uint64_t> offset_;
  std::string detail_;
};

enum class GgufType : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};
std::string_view gguf_type_name(GgufType type);

// One metadata value. Scalars fill the field of their kind; an array keeps its element
// type, its length as the file states it, and its first items (all of them unless the
// array is longer than kKeptArrayItems or the file's arrays already hold kKeptItemsTotal
// values), so that a 150,000-entry vocabulary costs a count, not 150,000 strings.
struct GgufValue {
  GgufType type = GgufType::u8;
  std::uint64_t u = 0;  // u8, u16, u32, u64, bool (0/1)
  std::int64_t i = 0;   // i8, i16, i32, i64
  double f = 0;         // f32, f64
  std::string str;      // string

  GgufType elem_type = GgufType::u8;  // array
  std::uint64_t count = 0;            // array: elements in the file
  std::vector<GgufValue> items;       // array: the first min(count, kept) elements

  bool is_integer() const;
  // Integers (any width or sign) as unsigned: nothing for negatives and non-integers.
  std::optional<std::uint64_t> as_uint() const;
  std::optional<double> as_double() const;  // any number
  const std::string* as_string() const;     // strings only
  bool is_array() const { return type == GgufType::array; }
  bool complete() const { return items.size() == count; }
  // For messages: "u32 64", "string 'qwen3'", "array[u32; 64]".
  std::string describe() const;
};

struct GgufKv {
  std::string key;
  GgufValue value;
  std::uint64_t offset = 0;  // where the key starts in the file
};

struct GgufTensor {
  std::string name;
  std::vector<std::uint64_t> dims;  // ne[0] first, as in the file
  std::uint32_t type = 0;           // ggml type id
  std::uint64_t offset = 0;         // from the start of the data section
  std::uint64_t n_elements = 0;
  std::uint64_t n_bytes = 0;
  std::uint64_t info_offset = 0;    // where its entry starts in the file
};

struct GgufFile {
  std::string name;  // as given to the reader (a path, or a label for bytes in memory)
  std::uint32_t version = 0;
  std::uint64_t file_size = 0;
  std::uint64_t alignment = 32;    // general.alignment, or 32 when absent
  std::uint64_t data_offset = 0;   // the first byte of tensor data
  std::uint64_t header_bytes = 0;  // bytes before the padding to data_offset
  std::vector<GgufKv> kvs;
  std::vector<GgufTensor> tensors;

  const GgufKv* find(std::string_view key) const;
};

inline constexpr int kMaxArrayDepth = 4;                  // an array of arrays of ... this deep
inline constexpr std::uint64_t kKeptArrayItems = 65536;   // items kept per array
inline constexpr std::uint64_t kKeptItemsTotal = 1 << 20; // items kept over the whole file
inline constexpr std::uint64_t kMaxKeyLength = 65535;
inline constexpr std::uint64_t kMaxTensorNameLength = 4096;  // the spec says 64; real files stay under
inline constexpr std::uint32_t kMaxDims = 8;                 // ggml uses 4; the spec leaves room
inline constexpr std::uint64_t kMaxAlignment = 1ull << 30;

// Parses `bytes` as a whole GGUF file named `name` (used in messages). Throws GgufError.
GgufFile parse_gguf(std::span<const std::uint8_t> bytes, std::string_view name);

// Maps `path` read-only and parses it. Throws GgufError for an unreadable or bad file.
GgufFile read_gguf_file(const std::string& path);

// "2^40" for large powers of two, the decimal number otherwise: how sizes appear in errors.
std::string format_count(std::uint64_t n);

}  // namespace hakari::planner
