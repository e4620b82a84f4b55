#include "hakari/planner/ggml_types.h"

#include <array>
#include <cctype>

namespace hakari::planner {
namespace {

// Block layouts from ggml's ggml-common.h (block_q4_0 = fp16 scale + 16 bytes of nibbles
// for 32 values, block_q4_K = 144 bytes for 256, ...) and the type_traits table in ggml.c.
constexpr std::array<GgmlTypeInfo, 43> kTypes{{
    {0, "F32", 1, 4, false},
    {1, "F16", 1, 2, false},
    {2, "Q4_0", 32, 18, false},
    {3, "Q4_1", 32, 20, false},
    {4, "Q4_2", 0, 0, true},
    {5, "Q4_3", 0, 0, true},
    {6, "Q5_0", 32, 22, false},
    {7, "Q5_1", 32, 24, false},
    {8, "Q8_0", 32, 34, false},
    {9, "Q8_1", 32, 36, false},
    {10, "Q2_K", 256, 84, false},
    {11, "Q3_K", 256, 110, false},
    {12, "Q4_K", 256, 144, false},
    {13, "Q5_K", 256, 176, false},
    {14, "Q6_K", 256, 210, false},
    {15, "Q8_K", 256, 292, false},
    {16, "IQ2_XXS", 256, 66, false},
    {17, "IQ2_XS", 256, 74, false},
    {18, "IQ3_XXS", 256, 98, false},
    {19, "IQ1_S", 256, 50, false},
    {20, "IQ4_NL", 32, 18, false},
    {21, "IQ3_S", 256, 110, false},
    {22, "IQ2_S", 256, 82, false},
    {23, "IQ4_XS", 256, 136, false},
    {24, "I8", 1, 1, false},
    {25, "I16", 1, 2, false},
    {26, "I32", 1, 4, false},
    {27, "I64", 1, 8, false},
    {28, "F64", 1, 8, false},
    {29, "IQ1_M", 256, 56, false},
    {30, "BF16", 1, 2, false},
    {31, "Q4_0_4_4", 0, 0, true},
    {32, "Q4_0_4_8", 0, 0, true},
    {33, "Q4_0_8_8", 0, 0, true},
    {34, "TQ1_0", 256, 54, false},
    {35, "TQ2_0", 256, 66, false},
    {36, "IQ4_NL_4_4", 0, 0, true},
    {37, "IQ4_NL_4_8", 0, 0, true},
    {38, "IQ4_NL_8_8", 0, 0, true},
    {39, "MXFP4", 32, 17, false},
    {40, "NVFP4", 64, 36, false},  // four UE4M3 scales + 32 bytes of E2M1 pairs
    {41, "Q1_0", 128, 18, false},  // fp16 scale + one sign bit per value
    {42, "Q2_0", 64, 18, false},   // fp16 scale + two bits per value
}};

struct FileTypeName {
  std::uint32_t id;
  std::string_view name;
};

// enum llama_ftype (llama.h). 4-6 and 33-35 were removed from llama.cpp.
constexpr std::array<FileTypeName, 38> kFileTypes{{
    {0, "F32"},        {1, "F16"},         {2, "Q4_0"},       {3, "Q4_1"},
    {4, "Q4_1_SOME_F16"}, {7, "Q8_0"},     {8, "Q5_0"},       {9, "Q5_1"},
    {10, "Q2_K"},      {11, "Q3_K_S"},     {12, "Q3_K_M"},    {13, "Q3_K_L"},
    {14, "Q4_K_S"},    {15, "Q4_K_M"},     {16, "Q5_K_S"},    {17, "Q5_K_M"},
    {18, "Q6_K"},      {19, "IQ2_XXS"},    {20, "IQ2_XS"},    {21, "Q2_K_S"},
    {22, "IQ3_XS"},    {23, "IQ3_XXS"},    {24, "IQ1_S"},     {25, "IQ4_NL"},
    {26, "IQ3_S"},     {27, "IQ3_M"},      {28, "IQ2_S"},     {29, "IQ2_M"},
    {30, "IQ4_XS"},    {31, "IQ1_M"},      {32, "BF16"},      {36, "TQ1_0"},
    {37, "TQ2_0"},     {38, "MXFP4_MOE"},  {39, "NVFP4"},     {40, "Q1_0"},
    {41, "Q2_0"},      {1024, "GUESSED"},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<GgmlTypeInfo> ggml_type_info(std::uint32_t id) {
  if (id >= kTypes.size()) return std::nullopt;
  return kTypes[id];
}

std::string ggml_type_label(std::uint32_t id) {
  const auto info = ggml_type_info(id);
  if (!info) return "unknown type " + std::to_string(id);
  if (info->removed) return "removed type " + std::to_string(id) + " (" + std::string(info->name) + ")";
  return std::string(info->name);
}

std::optional<std::uint32_t> ggml_type_by_name(std::string_view name) {
  for (const auto& t : kTypes) {
    if (!t.removed && iequals(t.name, name)) return t.id;
  }
  return std::nullopt;
}

std::string_view llama_file_type_name(std::uint32_t id) {
  for (const auto& f : kFileTypes) {
    if (f.id == id) return f.name;
  }
  return {};
}

}  // namespace hakari::planner
