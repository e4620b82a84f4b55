// The GGUF reader on files the tests write: every value type, tensor sizes of several
// ggml types, Qwen3's explicit head_dim, per-layer KV head counts, mixtures of experts,
// split shards; and broken files, which must fail with the file and offset named, never
// crash and never allocate what a lying count asks for.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hakari/planner/ggml_types.h"
#include "hakari/planner/gguf.h"
#include "hakari/planner/gguf_model.h"
#include "planner/gguf_writer.h"

namespace hakari::planner {
namespace {

using namespace hakari::planner::testing;

GgufFile parse(const std::vector<std::uint8_t>& b, const std::string& name = "model.gguf") {
  return parse_gguf(b, name);
}

// The error a parse of `b` throws ("" when it does not throw).
std::string parse_error(const std::vector<std::uint8_t>& b) {
  try {
    describe_gguf({parse(b)});
  } catch (const GgufError& e) {
    return e.what();
  }
  return "";
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hakari-planner-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

TEST(GgmlTypes, BlockSizesFromGgml) {
  struct Case {
    std::uint32_t id;
    const char* name;
    std::uint32_t elems;
    std::uint32_t bytes;
  };
  const Case cases[] = {{0, "F32", 1, 4},       {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},
                        {3, "Q4_1", 32, 20},    {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},
                        {8, "Q8_0", 32, 34},    {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},
                        {12, "Q4_K", 256, 144}, {13, "Q5_K", 256, 176},   {14, "Q6_K", 256, 210},
                        {15, "Q8_K", 256, 292}, {16, "IQ2_XXS", 256, 66}, {20, "IQ4_NL", 32, 18},
                        {23, "IQ4_XS", 256, 136}, {29, "IQ1_M", 256, 56}, {30, "BF16", 1, 2},
                        {39, "MXFP4", 32, 17}};
  for (const Case& c : cases) {
    const auto info = ggml_type_info(c.id);
    ASSERT_TRUE(info) << c.name;
    EXPECT_EQ(info->name, c.name);
    EXPECT_EQ(info->block_elems, c.elems) << c.name;
    EXPECT_EQ(info->block_bytes, c.bytes) << c.name;
  }
  EXPECT_DOUBLE_EQ(ggml_type_info(8)->bits_per_weight(), 8.5);
  EXPECT_DOUBLE_EQ(ggml_type_info(12)->bits_per_weight(), 4.5);
  EXPECT_EQ(ggml_type_label(31), "removed type 31 (Q4_0_4_4)");
  EXPECT_EQ(ggml_type_label(77), "unknown type 77");
  EXPECT_EQ(ggml_type_by_name("q8_0"), 8u);
  EXPECT_EQ(llama_file_type_name(15), "Q4_K_M");
  EXPECT_EQ(llama_file_type_name(17), "Q5_K_M");
  EXPECT_EQ(llama_file_type_name(7), "Q8_0");
  EXPECT_EQ(llama_file_type_name(5), "");
}

TEST(GgufReader, TinyLlamaHeaderTensorsAndTotals) {
  const auto b = tiny_llama().bytes();
  const GgufFile f = parse(b);
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.alignment, 32u);
  EXPECT_EQ(f.data_offset % 32, 0u);
  EXPECT_EQ(f.kvs.size(), 13u);
  ASSERT_EQ(f.tensors.size(), 21u);
  EXPECT_EQ(f.tensors[0].name, "token_embd.weight");
  EXPECT_EQ(f.tensors[0].n_elements, 81920u);
  EXPECT_EQ(f.tensors[0].n_bytes, 46080u);  // 320 rows x 256 / 256 blocks x 144 bytes
  EXPECT_EQ(f.tensors[2].n_bytes, 67200u);  // Q6_K: 210 bytes per 256

  const GgufModelInfo info = describe_gguf({f});
  EXPECT_EQ(info.architecture, "llama");
  EXPECT_EQ(info.name, "Tiny Llama");
  EXPECT_EQ(info.file_type_name, "Q4_K_M");
  EXPECT_EQ(info.block_count, 2u);
  EXPECT_EQ(info.context_length, 4096u);
  EXPECT_EQ(info.embedding_length, 256u);
  EXPECT_EQ(info.feed_forward_length, 512u);
  EXPECT_EQ(info.head_count_max(), 4u);
  EXPECT_EQ(info.head_count_kv, (std::vector<std::uint32_t>{2, 2}));
  EXPECT_EQ(info.key_length, 64u);  // 256 / 4
  EXPECT_FALSE(info.key_length_explicit);
  EXPECT_EQ(info.vocab_size, 320u);
  EXPECT_EQ(info.parameters, 1'344'768u);
  EXPECT_EQ(info.weights_bytes, 1'191'552u);
  EXPECT_DOUBLE_EQ(info.active_weight_bytes, 1'191'552.0);
  EXPECT_EQ(info.tensor_count, 21u);
  EXPECT_EQ(info.kv.f16_bytes_per_token(), 1024u);  // 2 layers x 2 heads x (64 + 64) x 2 B
  EXPECT_EQ(info.file_bytes, b.size());
  ASSERT_EQ(info.by_type.size(), 5u);
  EXPECT_EQ(ggml_type_label(info.by_type[0].type), "Q4_K");
  EXPECT_EQ(info.by_type[0].tensors, 11u);
  EXPECT_EQ(info.by_type[0].bytes, 46080u + 2 * (36864u + 18432u + 36864u + 73728u + 73728u));
  std::uint64_t sum = 0;
  for (const auto& t : info.by_type) sum += t.bytes;
  EXPECT_EQ(sum, info.weights_bytes);
}

TEST(GgufReader, EveryValueTypeAndNestedArrays) {
  GgufWriter w;
  w.kv("general.architecture", str("llama"))
      .kv("t.u8", u8(200))
      .kv("t.i8", i8(-100))
      .kv("t.u16", u16(60000))
      .kv("t.i16", i16(-30000))
      .kv("t.u32", u32(4000000000u))
      .kv("t.i32", i32(-2000000000))
      .kv("t.f32", f32(0.5f))
      .kv("t.bool", boolean(true))
      .kv("t.string", str("hello"))
      .kv("t.u64", u64(1ull << 40))
      .kv("t.i64", i64(-(1ll << 40)))
      .kv("t.f64", f64(0.25))
      .kv("t.array", u32_array({1, 2, 3}))
      .kv("t.empty", array(GgufType::f32, {}))
      .kv("t.nested", array(GgufType::array, {u32_array({7, 8}), string_array({"a", "bc"})}));
  const GgufFile f = parse(w.bytes());
  EXPECT_EQ(f.find("t.u8")->value.as_uint(), 200u);
  EXPECT_EQ(f.find("t.i8")->value.i, -100);
  EXPECT_FALSE(f.find("t.i8")->value.as_uint());
  EXPECT_EQ(f.find("t.u16")->value.u, 60000u);
  EXPECT_EQ(f.find("t.i16")->value.i, -30000);
  EXPECT_EQ(f.find("t.u32")->value.u, 4000000000u);
  EXPECT_EQ(f.find("t.i32")->value.i, -2000000000);
  EXPECT_DOUBLE_EQ(f.find("t.f32")->value.f, 0.5);
  EXPECT_EQ(f.find("t.bool")->value.u, 1u);
  EXPECT_EQ(*f.find("t.string")->value.as_string(), "hello");
  EXPECT_EQ(f.find("t.u64")->value.u, 1ull << 40);
  EXPECT_EQ(f.find("t.i64")->value.i, -(1ll << 40));
  EXPECT_DOUBLE_EQ(*f.find("t.f64")->value.as_double(), 0.25);
  const GgufValue& a = f.find("t.array")->value;
  EXPECT_EQ(a.elem_type, GgufType::u32);
  ASSERT_EQ(a.count, 3u);
  EXPECT_EQ(a.items[2].u, 3u);
  EXPECT_EQ(f.find("t.empty")->value.count, 0u);
  const GgufValue& n = f.find("t.nested")->value;
  ASSERT_EQ(n.count, 2u);
  EXPECT_EQ(n.items[0].items[1].u, 8u);
  EXPECT_EQ(n.items[1].items[1].str, "bc");
  EXPECT_EQ(n.describe(), "array[array; 2]");
  EXPECT_EQ(f.tensors.size(), 0u);
}

TEST(GgufReader, VersionTwoAndCustomAlignment) {
  GgufWriter w = tiny_llama();
  w.version(2).alignment(64);
  const GgufFile f = parse(w.bytes());
  EXPECT_EQ(f.version, 2u);
  EXPECT_EQ(f.alignment, 64u);
  EXPECT_EQ(f.data_offset % 64, 0u);
  EXPECT_EQ(describe_gguf({f}).weights_bytes, 1'191'552u);
}

TEST(GgufReader, LongArraysKeepACountNotEveryItem) {
  GgufWriter w;
  std::vector<Val> many(100'000, u8(1));
  w.kv("general.architecture", str("llama")).kv("big", array(GgufType::u8, many)).kv("after", u32(5));
  const GgufFile f = parse(w.bytes());
  EXPECT_EQ(f.find("big")->value.count, 100'000u);
  EXPECT_EQ(f.find("big")->value.items.size(), kKeptArrayItems);
  EXPECT_FALSE(f.find("big")->value.complete());
  EXPECT_EQ(f.find("after")->value.u, 5u);
}

GgufWriter qwen3_like() {
  // Qwen3-32B's attention shape in miniature: 64 heads of 128 over an embedding of 5120
  // (5120 / 64 = 80, so only the explicit key_length gives 128).
  GgufWriter w;
  w.kv("general.architecture", str("qwen3"))
      .kv("general.file_type", u32(7))
      .kv("qwen3.block_count", u32(4))
      .kv("qwen3.context_length", u32(40960))
      .kv("qwen3.embedding_length", u32(5120))
      .kv("qwen3.feed_forward_length", u32(25600))
      .kv("qwen3.attention.head_count", u32(64))
      .kv("qwen3.attention.head_count_kv", u32(8))
      .kv("qwen3.attention.key_length", u32(128))
      .kv("qwen3.attention.value_length", u32(128));
  w.tensor("output_norm.weight", {5120}, kF32);
  return w;
}

TEST(GgufReader, Qwen3ExplicitKeyLength) {
  const GgufModelInfo info = describe_gguf({parse(qwen3_like().bytes())});
  EXPECT_EQ(info.architecture, "qwen3");
  EXPECT_EQ(info.file_type_name, "Q8_0");
  EXPECT_EQ(info.key_length, 128u);
  EXPECT_EQ(info.value_length, 128u);
  EXPECT_TRUE(info.key_length_explicit);
  // 4 layers x 8 KV heads x (128 + 128) x 2 B = 16 KiB; at 64 layers it would be 256 KiB.
  EXPECT_EQ(info.kv.f16_bytes_per_token(), 16384u);
}

TEST(GgufReader, PerLayerHeadCountKvArray) {
  GgufWriter w;
  w.kv("general.architecture", str("granitehybrid"))
      .kv("granitehybrid.block_count", u32(4))
      .kv("granitehybrid.embedding_length", u32(512))
      .kv("granitehybrid.attention.head_count", u32(8))
      .kv("granitehybrid.attention.head_count_kv", u32_array({0, 4, 0, 2}));
  const GgufModelInfo info = describe_gguf({parse(w.bytes())});
  EXPECT_EQ(info.head_count_kv, (std::vector<std::uint32_t>{0, 4, 0, 2}));
  EXPECT_EQ(info.key_length, 64u);
  EXPECT_EQ(info.kv.f16_bytes_per_token(), (4u + 2u) * 128u * 2u);

  // u64 scalar counts are read too.
  GgufWriter w64;
  w64.kv("general.architecture", str("llama"))
      .kv("llama.block_count", u64(3))
      .kv("llama.embedding_length", u64(256))
      .kv("llama.attention.head_count", u64(4))
      .kv("llama.attention.head_count_kv", u64(1));
  EXPECT_EQ(describe_gguf({parse(w64.bytes())}).kv.f16_bytes_per_token(), 3u * 1u * 128u * 2u);

  // A per-layer array of the wrong length is refused, with the key's offset.
  GgufWriter bad;
  bad.kv("general.architecture", str("llama"))
      .kv("llama.block_count", u32(4))
      .kv("llama.attention.head_count", u32(8))
      .kv("llama.attention.head_count_kv", u32_array({1, 2}));
  EXPECT_NE(parse_error(bad.bytes()).find("llama.attention.head_count_kv has 2 entries for 4 layers"),
            std::string::npos);
}

TEST(GgufReader, MixtureOfExpertsBytesReadPerToken) {
  GgufWriter w;
  w.kv("general.architecture", str("qwen3moe"))
      .kv("qwen3moe.block_count", u32(1))
      .kv("qwen3moe.embedding_length", u32(256))
      .kv("qwen3moe.attention.head_count", u32(4))
      .kv("qwen3moe.attention.head_count_kv", u32(2))
      .kv("qwen3moe.expert_count", u32(8))
      .kv("qwen3moe.expert_used_count", u32(2));
  w.tensor("token_embd.weight", {256, 64}, kQ8_0)                 // 17408 bytes
      .tensor("blk.0.attn_q.weight", {256, 256}, kQ8_0)          // 69632
      .tensor("blk.0.ffn_gate_inp.weight", {256, 8}, kF32)       // 8192 (router: always read)
      .tensor("blk.0.ffn_gate_exps.weight", {256, 128, 8}, kQ4_K)  // 147456
      .tensor("blk.0.ffn_down_exps.weight", {128, 256, 8}, kMXFP4)  // 139264
      .tensor("blk.0.ffn_up_shexp.weight", {256, 128}, kQ8_0);   // 34816 (shared expert)
  const GgufModelInfo info = describe_gguf({parse(w.bytes())});
  EXPECT_EQ(info.expert_count, 8u);
  EXPECT_EQ(info.expert_used_count, 2u);
  EXPECT_EQ(info.expert_bytes, 147456u + 139264u);
  EXPECT_EQ(info.shared_expert_bytes, 34816u);
  EXPECT_EQ(info.weights_bytes, 17408u + 69632u + 8192u + 147456u + 139264u + 34816u);
  EXPECT_DOUBLE_EQ(info.active_weight_bytes, 17408.0 + 69632 + 8192 + 34816 + (147456.0 + 139264) * 2 / 8);
  const ModelFacts facts = facts_from_gguf(info);
  EXPECT_TRUE(facts.moe);
  EXPECT_DOUBLE_EQ(facts.active_weight_bytes, info.active_weight_bytes);
  EXPECT_EQ(facts.params_total, info.parameters);
  EXPECT_LT(facts.params_active, facts.params_total);
}

TEST(GgufReader, SlidingWindowLayersFollowTheArchitecture) {
  GgufWriter w;
  w.kv("general.architecture", str("gemma3"))
      .kv("gemma3.block_count", u32(12))
      .kv("gemma3.embedding_length", u32(256))
      .kv("gemma3.attention.head_count", u32(4))
      .kv("gemma3.attention.head_count_kv", u32(1))
      .kv("gemma3.attention.key_length", u32(64))
      .kv("gemma3.attention.value_length", u32(64))
      .kv("gemma3.attention.sliding_window", u32(1024));
  const GgufModelInfo info = describe_gguf({parse(w.bytes())});
  ASSERT_EQ(info.sliding_layers.size(), 12u);
  // Gemma 3: five sliding-window layers, then one global one.
  EXPECT_TRUE(info.sliding_layers[0]);
  EXPECT_FALSE(info.sliding_layers[5]);
  EXPECT_FALSE(info.sliding_layers[11]);
  EXPECT_EQ(info.kv.sliding_window, 1024u);
  EXPECT_EQ(info.kv.values_per_token(false), 2u * 128u);
  EXPECT_EQ(info.kv.values_per_token(true), 10u * 128u);

  // An architecture without a known pattern counts every layer at full context and says so.
  GgufWriter u;
  u.kv("general.architecture", str("mystery"))
      .kv("mystery.block_count", u32(2))
      .kv("mystery.embedding_length", u32(256))
      .kv("mystery.attention.head_count", u32(4))
      .kv("mystery.attention.sliding_window", u32(512));
  const GgufModelInfo m = describe_gguf({parse(u.bytes())});
  EXPECT_TRUE(m.sliding_layers.empty());
  EXPECT_EQ(m.kv.sliding_window, 0u);
  ASSERT_FALSE(m.notes.empty());
  EXPECT_NE(m.notes[0].find("upper bound"), std::string::npos);
}

TEST(GgufReader, SplitShardsAreSummed) {
  TempDir dir;
  const std::string base = dir.file("Tiny-Q4_K_M");
  // Shard 1 holds the metadata and two tensors, shard 2 one tensor.
  GgufWriter a;
  a.kv("general.architecture", str("llama"))
      .kv("general.name", str("Tiny Split"))
      .kv("llama.block_count", u32(1))
      .kv("llama.embedding_length", u32(256))
      .kv("llama.attention.head_count", u32(4))
      .kv("split.no", u16(0))
      .kv("split.count", u16(2))
      .kv("split.tensors.count", i32(3))
      .tensor("token_embd.weight", {256, 320}, kQ4_K)
      .tensor("output_norm.weight", {256}, kF32);
  GgufWriter b;
  b.kv("split.no", u16(1)).kv("split.count", u16(2)).kv("split.tensors.count", i32(3));
  b.tensor("output.weight", {256, 320}, kQ6_K);
  a.write(base + "-00001-of-00002.gguf");
  b.write(base + "-00002-of-00002.gguf");
  EXPECT_EQ(shard_paths(base + "-00002-of-00002.gguf"),
            (std::vector<std::string>{base + "-00001-of-00002.gguf", base + "-00002-of-00002.gguf"}));

  const GgufModelInfo info = inspect_gguf(base + "-00002-of-00002.gguf");
  ASSERT_EQ(info.paths.size(), 2u);
  EXPECT_EQ(info.name, "Tiny Split");
  EXPECT_EQ(info.tensor_count, 3u);
  EXPECT_EQ(info.parameters, 81920u + 256u + 81920u);
  EXPECT_EQ(info.weights_bytes, 46080u + 1024u + 67200u);
  EXPECT_EQ(info.file_bytes, std::filesystem::file_size(base + "-00001-of-00002.gguf") +
                                 std::filesystem::file_size(base + "-00002-of-00002.gguf"));
  EXPECT_EQ(gguf_file_stem(base + "-00001-of-00002.gguf"), "Tiny-Q4_K_M");

  // A missing shard is named.
  std::filesystem::remove(base + "-00002-of-00002.gguf");
  try {
    inspect_gguf(base + "-00001-of-00002.gguf");
    FAIL() << "a missing shard must fail";
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find("-00002-of-00002.gguf: cannot open"), std::string::npos) << e.what();
  }
}

// ---- broken files ------------------------------------------------------------------------------

TEST(GgufBroken, BadMagicAndVersions) {
  std::vector<std::uint8_t> b = tiny_llama().bytes();
  b[0] = 'X';
  EXPECT_EQ(parse_error(b), "model.gguf: offset 0: not a GGUF file: starts with 'XGUF'; GGUF files start with 'GGUF'");

  GgufWriter v1 = tiny_llama();
  v1.version(1);
  EXPECT_NE(parse_error(v1.bytes()).find("model.gguf: offset 4: GGUF version 1 is not supported"), std::string::npos);
  GgufWriter v4 = tiny_llama();
  v4.version(4);
  EXPECT_EQ(parse_error(v4.bytes()), "model.gguf: offset 4: unknown GGUF version 4; versions 2 and 3 are read");
  GgufWriter big_endian = tiny_llama();
  big_endian.version(0x03000000);
  EXPECT_NE(parse_error(big_endian.bytes()).find("byte-swapped: a big-endian file?"), std::string::npos);
  EXPECT_NE(parse_error({}).find("only 0 bytes"), std::string::npos);
}

TEST(GgufBroken, TruncatedAtEveryByteFailsCleanly) {
  // A small file with every value type, a nested array and tensors of three types.
  GgufWriter w;
  w.kv("general.architecture", str("llama"))
      .kv("llama.block_count", u32(1))
      .kv("llama.embedding_length", u32(64))
      .kv("llama.attention.head_count", u32(2))
      .kv("llama.attention.head_count_kv", u32_array({1}))
      .kv("t.all", array(GgufType::array, {array(GgufType::i8, {i8(-1)}), string_array({"a", "bc"})}))
      .kv("t.i16", i16(-2))
      .kv("t.u64", u64(3))
      .kv("t.i64", i64(-4))
      .kv("t.f64", f64(0.5))
      .kv("t.bool", boolean(false))
      .kv("t.f32", f32(1.5f))
      .kv("t.u16", u16(7))
      .tensor("a", {32}, kF32)
      .tensor("b", {32, 2}, kQ8_0)
      .tensor("c", {64}, kF16);
  const std::vector<std::uint8_t> full = w.bytes();
  ASSERT_NO_THROW(describe_gguf({parse(full)}));
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const std::string error = parse_error(cut);
    ASSERT_FALSE(error.empty()) << "a file cut at byte " << n << " of " << full.size() << " was accepted";
    ASSERT_EQ(error.rfind("model.gguf: ", 0), 0u) << error;
  }
  // The bigger llama file, cut inside its header and its tensor data.
  const std::vector<std::uint8_t> big = tiny_llama().bytes();
  for (std::size_t n : {std::size_t{23}, std::size_t{500}, std::size_t{3000}, big.size() / 2, big.size() - 1}) {
    const std::vector<std::uint8_t> cut(big.begin(), big.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse_error(cut).empty()) << n;
  }
}

TEST(GgufBroken, HugeCountsFailFastWithoutAllocating) {
  // 24 bytes that claim 2^60 tensors.
  std::vector<std::uint8_t> b{'G', 'G', 'U', 'F'};
  put<std::uint32_t>(b, 3);
  put<std::uint64_t>(b, 1ull << 60);
  put<std::uint64_t>(b, 0);
  EXPECT_EQ(parse_error(b),
            "model.gguf: offset 8: tensor count 2^60 cannot fit in the 0 bytes left (each needs at least 24)");
  // 10 bytes: the count itself is cut off.
  b.resize(10);
  EXPECT_EQ(parse_error(b), "model.gguf: offset 8: the tensor count needs 8 bytes but only 2 are left (the file is truncated)");

  std::vector<std::uint8_t> kvs{'G', 'G', 'U', 'F'};
  put<std::uint32_t>(kvs, 3);
  put<std::uint64_t>(kvs, 0);
  put<std::uint64_t>(kvs, ~0ull);
  EXPECT_NE(parse_error(kvs).find("offset 16: metadata count 18446744073709551615 cannot fit"), std::string::npos);

  // A string claiming 2^40 bytes.
  std::vector<std::uint8_t> s{'G', 'G', 'U', 'F'};
  put<std::uint32_t>(s, 3);
  put<std::uint64_t>(s, 0);
  put<std::uint64_t>(s, 1);
  put_string(s, "general.architecture");
  put<std::uint32_t>(s, 8);
  put<std::uint64_t>(s, 1ull << 40);
  s.resize(s.size() + 88, 'x');
  EXPECT_EQ(parse_error(s),
            "model.gguf: offset 56: string value of 'general.architecture' length 2^40 exceeds the 88 bytes left");

  // An array claiming 2^62 u64 items.
  std::vector<std::uint8_t> a{'G', 'G', 'U', 'F'};
  put<std::uint32_t>(a, 3);
  put<std::uint64_t>(a, 0);
  put<std::uint64_t>(a, 1);
  put_string(a, "big");
  put<std::uint32_t>(a, 9);
  put<std::uint32_t>(a, 10);
  put<std::uint64_t>(a, 1ull << 62);
  EXPECT_NE(parse_error(a).find("key 'big': array length 2^62 of u64 exceeds the 0 bytes left"), std::string::npos);

  // A key longer than any real one.
  std::vector<std::uint8_t> k{'G', 'G', 'U', 'F'};
  put<std::uint32_t>(k, 3);
  put<std::uint64_t>(k, 0);
  put<std::uint64_t>(k, 1);
  put<std::uint64_t>(k, 100000);
  k.resize(k.size() + 100010, 'k');
  EXPECT_NE(parse_error(k).find("exceeds the limit of 65535"), std::string::npos);
}

TEST(GgufBroken, OverlongNestedArrays) {
  Val v = u32_array({1});
  for (int d = 0; d < kMaxArrayDepth; ++d) v = array(GgufType::array, {v});
  GgufWriter w;
  w.kv("general.architecture", str("llama")).kv("deep", v);
  EXPECT_NE(parse_error(w.bytes()).find("key 'deep': arrays nested deeper than 4"), std::string::npos);

  // A million empty nested arrays: linear work, bounded memory.
  GgufWriter many;
  std::vector<Val> empties(1'000'000, array(GgufType::u8, {}));
  many.kv("general.architecture", str("llama")).kv("many", array(GgufType::array, empties));
  const GgufFile f = parse(many.bytes());
  EXPECT_EQ(f.find("many")->value.count, 1'000'000u);
}

TEST(GgufBroken, UnknownAndRemovedGgmlTypes) {
  GgufWriter w;
  w.kv("general.architecture", str("llama")).tensor("blk.0.attn_q.weight", {32, 32}, 77).without_data();
  EXPECT_NE(parse_error(w.bytes()).find("tensor 'blk.0.attn_q.weight' has unknown type 77"), std::string::npos);
  GgufWriter r;
  r.kv("general.architecture", str("llama")).tensor("x", {32, 32}, 31).without_data();
  EXPECT_NE(parse_error(r.bytes()).find("tensor 'x' has removed type 31 (Q4_0_4_4)"), std::string::npos);
}

TEST(GgufBroken, TensorTableChecks) {
  auto error_for = [](GgufWriter w) { return parse_error(w.bytes()); };
  GgufWriter base;
  base.kv("general.architecture", str("llama"));

  GgufWriter dims = base;
  dims.tensor("x", {1, 1, 1, 1, 1, 1, 1, 1, 1}, kF32);
  EXPECT_NE(error_for(dims).find("tensor 'x' has 9 dimensions (at most 8)"), std::string::npos);

  GgufWriter rows = base;
  rows.tensor("x", {100, 2}, kQ4_K);  // 100 is not a multiple of 256
  EXPECT_NE(error_for(rows).find("a row of 100 values is not a whole number of Q4_K blocks"), std::string::npos);

  GgufWriter huge = base;
  huge.tensor("x", {1ull << 40, 1ull << 30}, kF32).without_data();
  EXPECT_NE(error_for(huge).find("more than 2^63 elements"), std::string::npos);

  GgufWriter missing = base;
  missing.tensor("x", {256, 4}, kF32).without_data();
  EXPECT_NE(error_for(missing).find("runs past the end of the file"), std::string::npos);

  GgufWriter dup = base;
  dup.tensor("x", {32}, kF32).tensor("x", {32}, kF32);
  EXPECT_NE(error_for(dup).find("duplicate tensor 'x'"), std::string::npos);

  GgufWriter dupkey = base;
  dupkey.kv("general.architecture", str("qwen3"));
  EXPECT_NE(error_for(dupkey).find("duplicate key 'general.architecture'"), std::string::npos);

  GgufWriter align = base;
  align.kv("general.alignment", u32(48));
  EXPECT_NE(error_for(align).find("general.alignment must be a power of two"), std::string::npos);

  GgufWriter bad_bool = base;
  bad_bool.kv("flag", scalar(GgufType::boolean, std::uint8_t{7}));
  EXPECT_NE(error_for(bad_bool).find("bool value 7 is neither 0 nor 1"), std::string::npos);

  GgufWriter bad_type = base;
  bad_type.kv("odd", Val{static_cast<GgufType>(13), {0}});
  EXPECT_NE(error_for(bad_type).find("key 'odd' has unknown value type 13"), std::string::npos);

  GgufWriter no_arch;
  no_arch.kv("general.name", str("x"));
  EXPECT_NE(error_for(no_arch).find("general.architecture is missing"), std::string::npos);

  GgufWriter layers = base;
  layers.kv("llama.block_count", u32(4000000000u));
  EXPECT_NE(error_for(layers).find("llama.block_count = 4000000000 is implausible"), std::string::npos);

  GgufWriter wrong_type = base;
  wrong_type.kv("llama.block_count", str("eighty"));
  EXPECT_NE(error_for(wrong_type).find("llama.block_count should be a non-negative integer, not string 'eighty'"),
            std::string::npos);

  // A misaligned tensor offset: shift the second tensor's offset by 1.
  GgufWriter two = base;
  two.tensor("a", {32}, kF32).tensor("b", {32}, kF32);
  std::vector<std::uint8_t> bytes = two.bytes();
  const GgufFile ok = parse(bytes);
  const std::uint64_t at = ok.tensors[1].info_offset + 8 + 1 + 4 + 8 + 4;  // name, n_dims, dim, type
  bytes[at] += 1;
  EXPECT_NE(parse_error(bytes).find("tensor 'b' data offset 129 is not a multiple of the alignment 32"),
            std::string::npos);
  // Overlapping tensors: b's offset moved back onto a's data.
  bytes[at] -= 1 + 96;
  EXPECT_NE(parse_error(bytes).find("tensor 'b' data (offset 32) overlaps tensor 'a' (offset 0, 128 bytes)"),
            std::string::npos);
}

TEST(GgufBroken, ReadingFilesNamesThePath) {
  TempDir dir;
  try {
    read_gguf_file(dir.file("absent.gguf"));
    FAIL();
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.gguf: cannot open"), std::string::npos);
  }
  try {
    read_gguf_file(dir.file(""));
    FAIL();
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos);
  }
  const std::string empty = dir.file("empty.gguf");
  GgufWriter::write_bytes(empty, {});
  EXPECT_THROW(read_gguf_file(empty), GgufError);
  const std::string good = dir.file("tiny.gguf");
  tiny_llama().write(good);
  EXPECT_EQ(read_gguf_file(good).tensors.size(), 21u);
}

}  // namespace
}  // namespace hakari::planner
