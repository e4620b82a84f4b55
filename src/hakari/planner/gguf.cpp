#include "hakari/planner/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "hakari/planner/ggml_types.h"

namespace hakari::planner {
namespace {

std::string compose(const std::string& file, std::optional<std::uint64_t> offset, const std::string& detail) {
  if (offset) return fmt::format("{}: offset {}: {}", file, *offset, detail);
  return fmt::format("{}: {}", file, detail);
}

// Bytes one element of a fixed-size type takes; 0 for string and array.
std::uint64_t fixed_size(GgufType t) {
  switch (t) {
    case GgufType::u8: case GgufType::i8: case GgufType::boolean: return 1;
    case GgufType::u16: case GgufType::i16: return 2;
    case GgufType::u32: case GgufType::i32: case GgufType::f32: return 4;
    case GgufType::u64: case GgufType::i64: case GgufType::f64: return 8;
    case GgufType::string: case GgufType::array: return 0;
  }
  return 0;
}

// The fewest bytes one element of `t` can take: how long arrays and tables are bounded
// before anything is read or allocated.
std::uint64_t min_size(GgufType t) {
  if (t == GgufType::string) return 8;       // u64 length
  if (t == GgufType::array) return 4 + 8;    // u32 type + u64 count
  return fixed_size(t);
}

bool valid_type(std::uint32_t t) { return t <= static_cast<std::uint32_t>(GgufType::f64); }

std::string printable(std::string_view s, std::size_t max = 64) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}

  std::uint64_t pos() const { return pos_; }
  std::uint64_t left() const { return bytes_.size() - pos_; }
  const std::string& name() const { return name_; }

  [[noreturn]] void fail_at(std::uint64_t offset, const std::string& detail) const {
    throw GgufError(name_, offset, detail);
  }
  [[noreturn]] void fail(const std::string& detail) const { fail_at(pos_, detail); }

  void need(std::uint64_t n, std::string_view what) const {
    if (n > left()) {
      fail(fmt::format("{} needs {} bytes but only {} are left (the file is truncated)", what, format_count(n),
                       left()));
    }
  }

  template <typename T>
  T read(std::string_view what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));  // the format is little-endian, as is every host we build for
    pos_ += sizeof(T);
    return v;
  }

  void skip(std::uint64_t n, std::string_view what) {
    need(n, what);
    pos_ += n;
  }

  // A gguf_string: u64 length, then that many bytes. `max` bounds what a sane file uses.
  std::string string(std::string_view what, std::uint64_t max) {
    const std::uint64_t at = pos_;
    const auto len = read<std::uint64_t>(what);
    if (len > left()) {
      fail_at(at, fmt::format("{} length {} exceeds the {} bytes left", what, format_count(len), left()));
    }
    if (len > max) fail_at(at, fmt::format("{} length {} exceeds the limit of {}", what, format_count(len), max));
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(len));
    pos_ += len;
    return s;
  }

  // Skips a gguf_string without copying it.
  void skip_string(std::string_view what) {
    const std::uint64_t at = pos_;
    const auto len = read<std::uint64_t>(what);
    if (len > left()) {
      fail_at(at, fmt::format("{} length {} exceeds the {} bytes left", what, format_count(len), left()));
    }
    pos_ += len;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::string name_;
  std::uint64_t pos_ = 0;
};

class Parser {
 public:
  Parser(std::span<const std::uint8_t> bytes, std::string_view name) : r_(bytes, std::string(name)) {
    file_.name = std::string(name);
    file_.file_size = bytes.size();
  }

  GgufFile run() {
    header();
    metadata();
    alignment();
    tensor_infos();
    data_section();
    return std::move(file_);
  }

 private:
  void header() {
    if (r_.left() < 4) r_.fail(fmt::format("not a GGUF file: only {} bytes (a GGUF file starts with 'GGUF')", r_.left()));
    const auto magic = r_.read<std::array<char, 4>>("the magic");
    const std::string_view m(magic.data(), 4);
    if (m != "GGUF") {
      std::string hint;
      if (m == "FUGG") hint = " (a big-endian GGUF?)";
      if (m == "lmgg" || m == "fmgg" || m == "tjgg" || m == "algg") hint = " (a pre-GGUF GGML/GGJT file; convert it again)";
      r_.fail_at(0, fmt::format("not a GGUF file: starts with '{}'{}; GGUF files start with 'GGUF'", printable(m), hint));
    }
    const std::uint64_t at = r_.pos();
    file_.version = r_.read<std::uint32_t>("the version");
    if (file_.version == 1) {
      r_.fail_at(at, "GGUF version 1 is not supported (its counts were 32-bit; llama.cpp dropped it in 2023): "
                     "convert the model again; versions 2 and 3 are read");
    }
    if (file_.version != 2 && file_.version != 3) {
      const std::uint32_t flipped = __builtin_bswap32(file_.version);
      const std::string swapped =
          flipped >= 1 && flipped <= 3 ? fmt::format(" (version {} byte-swapped: a big-endian file?)", flipped)
                                       : std::string();
      r_.fail_at(at, fmt::format("unknown GGUF version {}{}; versions 2 and 3 are read", file_.version, swapped));
    }
    tensor_count_at_ = r_.pos();
    tensor_count_ = r_.read<std::uint64_t>("the tensor count");
    kv_count_at_ = r_.pos();
    kv_count_ = r_.read<std::uint64_t>("the metadata count");
    // Bound both tables by the bytes left before allocating anything: each key/value takes
    // at least 13 bytes (u64 key length, u32 type, one byte of value), each tensor info 24.
    if (kv_count_ > r_.left() / 13) {
      r_.fail_at(kv_count_at_, fmt::format("metadata count {} cannot fit in the {} bytes left (each needs at least 13)",
                                           format_count(kv_count_), r_.left()));
    }
    if (tensor_count_ > r_.left() / 24) {
      r_.fail_at(tensor_count_at_, fmt::format("tensor count {} cannot fit in the {} bytes left (each needs at least 24)",
                                               format_count(tensor_count_), r_.left()));
    }
  }

  void metadata() {
    file_.kvs.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(kv_count_, 4096)));
    std::unordered_set<std::string> seen;
    for (std::uint64_t k = 0; k < kv_count_; ++k) {
      GgufKv kv;
      kv.offset = r_.pos();
      kv.key = r_.string(fmt::format("key of metadata entry {}", k), kMaxKeyLength);
      if (kv.key.empty()) r_.fail_at(kv.offset, fmt::format("metadata entry {} has an empty key", k));
      if (!seen.insert(kv.key).second) r_.fail_at(kv.offset, fmt::format("duplicate key '{}'", printable(kv.key)));
      const std::uint64_t type_at = r_.pos();
      const auto type = r_.read<std::uint32_t>("a value type");
      if (!valid_type(type)) {
        r_.fail_at(type_at, fmt::format("key '{}' has unknown value type {} (0-12 are defined)", printable(kv.key), type));
      }
      kv.value = value(static_cast<GgufType>(type), kv.key, 0);
      file_.kvs.push_back(std::move(kv));
    }
  }

  GgufValue value(GgufType type, const std::string& key, int depth) {
    GgufValue v;
    v.type = type;
    switch (type) {
      case GgufType::u8: v.u = r_.read<std::uint8_t>("a u8 value"); break;
      case GgufType::i8: v.i = r_.read<std::int8_t>("an i8 value"); break;
      case GgufType::u16: v.u = r_.read<std::uint16_t>("a u16 value"); break;
      case GgufType::i16: v.i = r_.read<std::int16_t>("an i16 value"); break;
      case GgufType::u32: v.u = r_.read<std::uint32_t>("a u32 value"); break;
      case GgufType::i32: v.i = r_.read<std::int32_t>("an i32 value"); break;
      case GgufType::f32: v.f = static_cast<double>(r_.read<float>("an f32 value")); break;
      case GgufType::u64: v.u = r_.read<std::uint64_t>("a u64 value"); break;
      case GgufType::i64: v.i = r_.read<std::int64_t>("an i64 value"); break;
      case GgufType::f64: v.f = r_.read<double>("an f64 value"); break;
      case GgufType::boolean: {
        const std::uint64_t at = r_.pos();
        const auto b = r_.read<std::uint8_t>("a bool value");
        if (b > 1) r_.fail_at(at, fmt::format("key '{}': bool value {} is neither 0 nor 1", printable(key), b));
        v.u = b;
        break;
      }
      case GgufType::string: v.str = r_.string(fmt::format("string value of '{}'", printable(key)), r_.left()); break;
      case GgufType::array: array(v, key, depth); break;
    }
    return v;
  }

  void array(GgufValue& v, const std::string& key, int depth) {
    const std::uint64_t at = r_.pos();
    if (depth >= kMaxArrayDepth) {
      r_.fail_at(at, fmt::format("key '{}': arrays nested deeper than {}", printable(key), kMaxArrayDepth));
    }
    const auto elem = r_.read<std::uint32_t>("an array's element type");
    if (!valid_type(elem)) {
      r_.fail_at(at, fmt::format("key '{}': array of unknown value type {} (0-12 are defined)", printable(key), elem));
    }
    v.elem_type = static_cast<GgufType>(elem);
    const std::uint64_t count_at = r_.pos();
    v.count = r_.read<std::uint64_t>("an array's length");
    const std::uint64_t min = min_size(v.elem_type);
    if (v.count > r_.left() / min) {
      r_.fail_at(count_at, fmt::format("key '{}': array length {} of {} exceeds the {} bytes left", printable(key),
                                       format_count(v.count), gguf_type_name(v.elem_type), r_.left()));
    }
    const std::uint64_t keep = std::min({v.count, kKeptArrayItems, kKeptItemsTotal - kept_});
    kept_ += keep;
    v.items.reserve(static_cast<std::size_t>(keep));
    for (std::uint64_t k = 0; k < keep; ++k) v.items.push_back(value(v.elem_type, key, depth + 1));
    const std::uint64_t rest = v.count - keep;
    if (rest == 0) return;
    if (const std::uint64_t size = fixed_size(v.elem_type)) {
      r_.skip(rest * size, "array elements");  // rest * size <= left: checked above
    } else if (v.elem_type == GgufType::string) {
      for (std::uint64_t k = 0; k < rest; ++k) r_.skip_string("an array string");
    } else {
      for (std::uint64_t k = 0; k < rest; ++k) skip_array(key, depth + 1);
    }
  }

  // Walks a nested array without keeping it (the file's kept-item budget is spent).
  void skip_array(const std::string& key, int depth) {
    GgufValue v;
    v.type = GgufType::array;
    array(v, key, depth);
  }

  void alignment() {
    const GgufKv* kv = file_.find("general.alignment");
    if (!kv) return;
    const auto a = kv->value.is_integer() ? kv->value.as_uint() : std::nullopt;
    if (!a || *a == 0 || !std::has_single_bit(*a) || *a > kMaxAlignment) {
      r_.fail_at(kv->offset, fmt::format("general.alignment must be a power of two up to 2^30, not {}",
                                         kv->value.describe()));
    }
    file_.alignment = *a;
  }

  void tensor_infos() {
    // Re-check against what is left now that the metadata has been read.
    if (tensor_count_ > r_.left() / 24) {
      r_.fail_at(tensor_count_at_, fmt::format("tensor count {} cannot fit in the {} bytes left after the metadata "
                                               "(each needs at least 24)",
                                               format_count(tensor_count_), r_.left()));
    }
    file_.tensors.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(tensor_count_, 65536)));
    std::unordered_set<std::string> seen;
    for (std::uint64_t k = 0; k < tensor_count_; ++k) {
      GgufTensor t;
      t.info_offset = r_.pos();
      t.name = r_.string(fmt::format("name of tensor {}", k), kMaxTensorNameLength);
      const std::string shown = printable(t.name);
      if (!seen.insert(t.name).second) r_.fail_at(t.info_offset, fmt::format("duplicate tensor '{}'", shown));
      const std::uint64_t dims_at = r_.pos();
      const auto n_dims = r_.read<std::uint32_t>("a tensor's dimension count");
      if (n_dims > kMaxDims) {
        r_.fail_at(dims_at, fmt::format("tensor '{}' has {} dimensions (at most {})", shown, n_dims, kMaxDims));
      }
      t.dims.reserve(n_dims);
      std::uint64_t elements = 1;
      for (std::uint32_t d = 0; d < n_dims; ++d) {
        const std::uint64_t at = r_.pos();
        const auto ne = r_.read<std::uint64_t>("a tensor dimension");
        if (ne > static_cast<std::uint64_t>(INT64_MAX)) {
          r_.fail_at(at, fmt::format("tensor '{}' dimension {} is {}, beyond ggml's int64 range", shown, d,
                                     format_count(ne)));
        }
        if (__builtin_mul_overflow(elements, ne, &elements) || elements > static_cast<std::uint64_t>(INT64_MAX)) {
          r_.fail_at(at, fmt::format("tensor '{}' has more than 2^63 elements", shown));
        }
        t.dims.push_back(ne);
      }
      t.n_elements = elements;
      const std::uint64_t type_at = r_.pos();
      t.type = r_.read<std::uint32_t>("a tensor's type");
      const auto info = ggml_type_info(t.type);
      if (!info || info->removed) {
        r_.fail_at(type_at, fmt::format("tensor '{}' has {}", shown, ggml_type_label(t.type)));
      }
      const std::uint64_t row = t.dims.empty() ? 1 : t.dims[0];
      if (row % info->block_elems != 0) {
        r_.fail_at(dims_at, fmt::format("tensor '{}': a row of {} values is not a whole number of {} blocks ({} values)",
                                        shown, row, info->name, info->block_elems));
      }
      if (__builtin_mul_overflow(elements / info->block_elems, std::uint64_t{info->block_bytes}, &t.n_bytes)) {
        r_.fail_at(dims_at, fmt::format("tensor '{}' is larger than 2^64 bytes", shown));
      }
      const std::uint64_t off_at = r_.pos();
      t.offset = r_.read<std::uint64_t>("a tensor's data offset");
      offsets_at_.push_back(off_at);
      file_.tensors.push_back(std::move(t));
    }
  }

  void data_section() {
    file_.header_bytes = r_.pos();
    const std::uint64_t a = file_.alignment;
    const std::uint64_t pad = (a - r_.pos() % a) % a;
    file_.data_offset = r_.pos() + pad;  // header_bytes < 2^64 - 2^30: no overflow
    for (std::size_t k = 0; k < file_.tensors.size(); ++k) {
      const GgufTensor& t = file_.tensors[k];
      const std::string shown = printable(t.name);
      if (t.offset % a != 0) {
        r_.fail_at(offsets_at_[k], fmt::format("tensor '{}' data offset {} is not a multiple of the alignment {}",
                                               shown, t.offset, a));
      }
      std::uint64_t begin = 0;
      std::uint64_t end = 0;
      if (__builtin_add_overflow(file_.data_offset, t.offset, &begin) ||
          __builtin_add_overflow(begin, t.n_bytes, &end) || end > file_.file_size) {
        r_.fail_at(offsets_at_[k],
                   fmt::format("tensor '{}' data (offset {}, {} bytes) runs past the end of the file at {} bytes "
                               "(a truncated download?)",
                               shown, format_count(t.offset), format_count(t.n_bytes), file_.file_size));
      }
    }
    // No two tensors may share bytes (llama.cpp lays them out back to back), or a file
    // could claim terabytes of weights in a few megabytes.
    std::vector<std::size_t> order(file_.tensors.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [this](std::size_t x, std::size_t y) { return file_.tensors[x].offset < file_.tensors[y].offset; });
    for (std::size_t k = 1; k < order.size(); ++k) {
      const GgufTensor& prev = file_.tensors[order[k - 1]];
      const GgufTensor& t = file_.tensors[order[k]];
      if (t.offset < prev.offset + prev.n_bytes) {  // both within the file: no overflow
        r_.fail_at(offsets_at_[order[k]],
                   fmt::format("tensor '{}' data (offset {}) overlaps tensor '{}' (offset {}, {} bytes)",
                               printable(t.name), t.offset, printable(prev.name), prev.offset, prev.n_bytes));
      }
    }
  }

  Reader r_;
  GgufFile file_;
  std::uint64_t tensor_count_ = 0;
  std::uint64_t kv_count_ = 0;
  std::uint64_t tensor_count_at_ = 0;
  std::uint64_t kv_count_at_ = 0;
  std::uint64_t kept_ = 0;
  std::vector<std::uint64_t> offsets_at_;
};

// A read-only mapping that unmaps itself.
class Mapping {
 public:
  Mapping(void* p, std::size_t n) : p_(p), n_(n) {}
  ~Mapping() {
    if (p_ != nullptr && p_ != MAP_FAILED) ::munmap(p_, n_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

 private:
  void* p_;
  std::size_t n_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

GgufError::GgufError(std::string file, std::optional<std::uint64_t> offset, const std::string& detail)
    : std::runtime_error(compose(file, offset, detail)), file_(std::move(file)), offset_(offset), detail_(detail) {}

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::u8: return "u8";
    case GgufType::i8: return "i8";
    case GgufType::u16: return "u16";
    case GgufType::i16: return "i16";
    case GgufType::u32: return "u32";
    case GgufType::i32: return "i32";
    case GgufType::f32: return "f32";
    case GgufType::boolean: return "bool";
    case GgufType::string: return "string";
    case GgufType::array: return "array";
    case GgufType::u64: return "u64";
    case GgufType::i64: return "i64";
    case GgufType::f64: return "f64";
  }
  return "?";
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::u8: case GgufType::i8: case GgufType::u16: case GgufType::i16: case GgufType::u32:
    case GgufType::i32: case GgufType::u64: case GgufType::i64:
      return true;
    default:
      return false;
  }
}

std::optional<std::uint64_t> GgufValue::as_uint() const {
  switch (type) {
    case GgufType::u8: case GgufType::u16: case GgufType::u32: case GgufType::u64: return u;
    case GgufType::i8: case GgufType::i16: case GgufType::i32: case GgufType::i64:
      if (i < 0) return std::nullopt;
      return static_cast<std::uint64_t>(i);
    default:
      return std::nullopt;
  }
}

std::optional<double> GgufValue::as_double() const {
  if (type == GgufType::f32 || type == GgufType::f64) return f;
  if (!is_integer()) return std::nullopt;
  if (type == GgufType::i8 || type == GgufType::i16 || type == GgufType::i32 || type == GgufType::i64) {
    return static_cast<double>(i);
  }
  return static_cast<double>(u);
}

const std::string* GgufValue::as_string() const { return type == GgufType::string ? &str : nullptr; }

std::string GgufValue::describe() const {
  switch (type) {
    case GgufType::string: return fmt::format("string '{}'", printable(str, 40));
    case GgufType::array: return fmt::format("array[{}; {}]", gguf_type_name(elem_type), count);
    case GgufType::boolean: return u ? "bool true" : "bool false";
    case GgufType::f32: case GgufType::f64: return fmt::format("{} {}", gguf_type_name(type), f);
    case GgufType::i8: case GgufType::i16: case GgufType::i32: case GgufType::i64:
      return fmt::format("{} {}", gguf_type_name(type), i);
    default:
      return fmt::format("{} {}", gguf_type_name(type), u);
  }
}

const GgufKv* GgufFile::find(std::string_view key) const {
  for (const auto& kv : kvs) {
    if (kv.key == key) return &kv;
  }
  return nullptr;
}

std::string format_count(std::uint64_t n) {
  if (n >= (1ull << 20) && std::has_single_bit(n)) return fmt::format("2^{}", std::countr_zero(n));
  return std::to_string(n);
}

GgufFile parse_gguf(std::span<const std::uint8_t> bytes, std::string_view name) {
  return Parser(bytes, name).run();
}

GgufFile read_gguf_file(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw GgufError(path, std::nullopt, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw GgufError(path, std::nullopt, fmt::format("cannot stat: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw GgufError(path, std::nullopt, "not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) return parse_gguf({}, path);
  void* p = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) throw GgufError(path, std::nullopt, fmt::format("cannot map: {}", std::strerror(errno)));
  const Mapping mapping(p, static_cast<std::size_t>(size));
  return parse_gguf({static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(size)}, path);
}

}  // namespace hakari::planner
