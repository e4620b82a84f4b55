// ggml's tensor storage types and llama.cpp's file types, as GGUF files name them by
// number: how many bytes a block of each type holds and how many values it encodes, so
// that a tensor's size follows from its shape without reading its data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hakari::planner {

struct GgmlTypeInfo {
  std::uint32_t id = 0;
  std::string_view name;         // as llama.cpp prints it: "Q4_K", "F16", ...
  std::uint32_t block_elems = 0;   // values per block (1 for plain floats and ints)
  std::uint32_t block_bytes = 0;   // bytes per block
  bool removed = false;          // an id ggml used once and no longer reads (Q4_2, Q4_0_4_4, ...)

  double bits_per_weight() const { return block_elems ? 8.0 * block_bytes / block_elems : 0; }
};

// The entry for a ggml type id, or nothing when the id was never assigned. Removed types
// come back with `removed` set and no sizes.
std::optional<GgmlTypeInfo> ggml_type_info(std::uint32_t id);

// "Q4_K" for a known id, "removed type 31 (Q4_0_4_4)" or "unknown type 77" otherwise.
std::string ggml_type_label(std::uint32_t id);

// The ggml type for a name, case-insensitive ("q8_0", "F16"); nothing when unknown.
std::optional<std::uint32_t> ggml_type_by_name(std::string_view name);

// llama.cpp's `general.file_type` (enum llama_ftype): 15 -> "Q4_K_M", 7 -> "Q8_0", ...
// Empty for an id it does not know.
std::string_view llama_file_type_name(std::uint32_t id);

}  // namespace hakari::planner
