// A small GGUF writer for the planner's tests: builds valid files of any shape (and, by
// editing the bytes afterwards, broken ones) without shipping binary fixtures.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hakari/planner/ggml_types.h"
#include "hakari/planner/gguf.h"

namespace hakari::planner::testing {

// One metadata value, already serialised (without its type tag when it is an array item).
struct Val {
  GgufType type = GgufType::u8;
  std::vector<std::uint8_t> bytes;
};

template <typename T>
inline void put(std::vector<std::uint8_t>& out, T v) {
  const std::size_t at = out.size();
  out.resize(at + sizeof v);
  std::memcpy(out.data() + at, &v, sizeof v);
}

inline void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put<std::uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

template <typename T>
inline Val scalar(GgufType t, T v) {
  Val x;
  x.type = t;
  put(x.bytes, v);
  return x;
}

inline Val u8(std::uint8_t v) { return scalar(GgufType::u8, v); }
inline Val i8(std::int8_t v) { return scalar(GgufType::i8, v); }
inline Val u16(std::uint16_t v) { return scalar(GgufType::u16, v); }
inline Val i16(std::int16_t v) { return scalar(GgufType::i16, v); }
inline Val u32(std::uint32_t v) { return scalar(GgufType::u32, v); }
inline Val i32(std::int32_t v) { return scalar(GgufType::i32, v); }
inline Val f32(float v) { return scalar(GgufType::f32, v); }
inline Val boolean(bool v) { return scalar(GgufType::boolean, static_cast<std::uint8_t>(v ? 1 : 0)); }
inline Val u64(std::uint64_t v) { return scalar(GgufType::u64, v); }
inline Val i64(std::int64_t v) { return scalar(GgufType::i64, v); }
inline Val f64(double v) { return scalar(GgufType::f64, v); }
inline Val str(const std::string& s) {
  Val x;
  x.type = GgufType::string;
  put_string(x.bytes, s);
  return x;
}
// An array of `elem` items (each item's bytes without a type tag; nested arrays carry
// their own element type and count, as the format has them).
inline Val array(GgufType elem, const std::vector<Val>& items) {
  Val x;
  x.type = GgufType::array;
  put<std::uint32_t>(x.bytes, static_cast<std::uint32_t>(elem));
  put<std::uint64_t>(x.bytes, items.size());
  for (const Val& v : items) x.bytes.insert(x.bytes.end(), v.bytes.begin(), v.bytes.end());
  return x;
}
inline Val u32_array(const std::vector<std::uint32_t>& values) {
  std::vector<Val> items;
  for (auto v : values) items.push_back(u32(v));
  return array(GgufType::u32, items);
}
inline Val string_array(const std::vector<std::string>& values) {
  std::vector<Val> items;
  for (const auto& v : values) items.push_back(str(v));
  return array(GgufType::string, items);
}

class GgufWriter {
 public:
  GgufWriter& version(std::uint32_t v) {
    version_ = v;
    return *this;
  }
  GgufWriter& kv(const std::string& key, const Val& value) {
    kvs_.emplace_back(key, value);
    return *this;
  }
  GgufWriter& alignment(std::uint32_t a) {
    alignment_ = a;
    return kv("general.alignment", u32(a));
  }
  // A tensor of zeros; its offset follows the previous one, padded to the alignment.
  GgufWriter& tensor(const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type) {
    tensors_.push_back({name, std::move(dims), type});
    return *this;
  }
  // Leaves the tensor data out (the reader must then refuse the file).
  GgufWriter& without_data() {
    data_ = false;
    return *this;
  }

  static std::uint64_t tensor_bytes(const std::vector<std::uint64_t>& dims, std::uint32_t type) {
    const auto info = ggml_type_info(type);
    if (!info || info->block_elems == 0) return 0;
    std::uint64_t n = 1;
    for (auto d : dims) n *= d;
    return n / info->block_elems * info->block_bytes;
  }

  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> out{'G', 'G', 'U', 'F'};
    put<std::uint32_t>(out, version_);
    put<std::uint64_t>(out, tensors_.size());
    put<std::uint64_t>(out, kvs_.size());
    for (const auto& [key, value] : kvs_) {
      put_string(out, key);
      put<std::uint32_t>(out, static_cast<std::uint32_t>(value.type));
      out.insert(out.end(), value.bytes.begin(), value.bytes.end());
    }
    std::uint64_t offset = 0;
    std::vector<std::uint64_t> sizes;
    for (const auto& t : tensors_) {
      put_string(out, t.name);
      put<std::uint32_t>(out, static_cast<std::uint32_t>(t.dims.size()));
      for (auto d : t.dims) put<std::uint64_t>(out, d);
      put<std::uint32_t>(out, t.type);
      put<std::uint64_t>(out, offset);
      const std::uint64_t size = tensor_bytes(t.dims, t.type);
      sizes.push_back(size);
      offset += (size + alignment_ - 1) / alignment_ * alignment_;
    }
    if (!data_ || tensors_.empty()) return out;
    while (out.size() % alignment_ != 0) out.push_back(0);
    for (std::size_t k = 0; k < tensors_.size(); ++k) {
      out.resize(out.size() + sizes[k], 0);
      if (k + 1 < tensors_.size()) {
        while (out.size() % alignment_ != 0) out.push_back(0);
      }
    }
    return out;
  }

  void write(const std::string& path) const { write_bytes(path, bytes()); }

  static void write_bytes(const std::string& path, const std::vector<std::uint8_t>& b) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    if (!f) throw std::runtime_error("cannot write " + path);
  }

 private:
  struct Tensor {
    std::string name;
    std::vector<std::uint64_t> dims;
    std::uint32_t type;
  };
  std::uint32_t version_ = 3;
  std::uint32_t alignment_ = 32;
  bool data_ = true;
  std::vector<std::pair<std::string, Val>> kvs_;
  std::vector<Tensor> tensors_;
};

// ggml type ids the tests use.
inline constexpr std::uint32_t kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14,
                               kIQ4_XS = 23, kBF16 = 30, kMXFP4 = 39;

// A tiny llama-like model: 2 layers, embedding 256, 4 heads (2 KV heads), FFN 512,
// vocab 320, tensors in F32, F16, Q8_0, Q4_K and Q6_K.
inline GgufWriter tiny_llama() {
  GgufWriter w;
  w.kv("general.architecture", str("llama"))
      .kv("general.name", str("Tiny Llama"))
      .kv("general.file_type", u32(15))
      .kv("llama.block_count", u32(2))
      .kv("llama.context_length", u32(4096))
      .kv("llama.embedding_length", u32(256))
      .kv("llama.feed_forward_length", u32(512))
      .kv("llama.attention.head_count", u32(4))
      .kv("llama.attention.head_count_kv", u32(2))
      .kv("llama.rope.dimension_count", u32(64))
      .kv("llama.attention.layer_norm_rms_epsilon", f32(1e-5f))
      .kv("tokenizer.ggml.model", str("gpt2"))
      .kv("tokenizer.ggml.tokens", string_array(std::vector<std::string>(320, "tok")));
  w.tensor("token_embd.weight", {256, 320}, kQ4_K).tensor("output_norm.weight", {256}, kF32).tensor("output.weight", {256, 320}, kQ6_K);
  for (int l = 0; l < 2; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    w.tensor(b + "attn_norm.weight", {256}, kF32)
        .tensor(b + "attn_q.weight", {256, 256}, kQ4_K)
        .tensor(b + "attn_k.weight", {256, 128}, kQ4_K)
        .tensor(b + "attn_v.weight", {256, 128}, kQ8_0)
        .tensor(b + "attn_output.weight", {256, 256}, kQ4_K)
        .tensor(b + "ffn_norm.weight", {256}, kF32)
        .tensor(b + "ffn_gate.weight", {256, 512}, kQ4_K)
        .tensor(b + "ffn_up.weight", {256, 512}, kQ4_K)
        .tensor(b + "ffn_down.weight", {512, 256}, kF16);
  }
  return w;
}

}  // namespace hakari::planner::testing
