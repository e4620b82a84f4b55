// The built-in catalog against the project's research notes (models.md): shapes, the
// parameter counts they imply, KV bytes per token, and GGUF sizes.
#include <gtest/gtest.h>

#include <cmath>

#include "hakari/planner/memory_estimate.h"
#include "hakari/planner/model_catalog.h"

namespace hakari::planner {
namespace {

const CatalogModel& model(std::string_view key) {
  const CatalogModel* m = find_model(key);
  if (!m) throw std::runtime_error("missing " + std::string(key));
  return *m;
}

TEST(Catalog, KeysAliasesAndQuants) {
  EXPECT_EQ(model_keys(), "qwen3-32b, deepseek-r1-32b, llama-3.3-70b, sarashina2-70b, qwen3-30b-a3b");
  EXPECT_EQ(find_model("Qwen3-32B"), find_model("qwen3-32b"));
  EXPECT_EQ(find_model("deepseek-r1-distill-qwen-32b"), find_model("deepseek-r1-32b"));
  EXPECT_EQ(find_model("qwen3-33b"), nullptr);
  EXPECT_EQ(find_quant("Q4_K_M"), Quant::q4_k_m);
  EXPECT_EQ(find_quant("q4_k_m"), Quant::q4_k_m);
  EXPECT_EQ(find_quant("Q8_0"), Quant::q8_0);
  EXPECT_EQ(find_quant("F16"), Quant::f16);
  EXPECT_FALSE(find_quant("q3_k_s"));
  EXPECT_EQ(quant_keys(), "q4_k_m, q5_k_m, q8_0, f16, bf16");
}

TEST(Catalog, ShapesReproduceTheParameterCounts) {
  // models.md [derived] figures, computed there from each config.json.
  EXPECT_EQ(model("qwen3-32b").params_total, 32'762'123'264u);
  EXPECT_EQ(model("deepseek-r1-32b").params_total, 32'763'876'352u);
  EXPECT_EQ(model("llama-3.3-70b").params_total, 70'553'706'496u);
  for (const CatalogModel& m : model_catalog()) {
    EXPECT_EQ(shape_params(m, false), m.params_total) << m.key;
  }
  // Qwen3-30B-A3B: 30.53B total, about 3.35B active (models.md).
  const CatalogModel& moe = model("qwen3-30b-a3b");
  EXPECT_NEAR(static_cast<double>(moe.params_total) / 1e9, 30.53, 0.005);
  EXPECT_NEAR(static_cast<double>(active_params(moe)) / 1e9, 3.35, 0.005);
  EXPECT_EQ(active_params(model("qwen3-32b")), model("qwen3-32b").params_total);
  // Sarashina2-70B: the Llama-70B shape with a 102400 vocabulary, about 70.13B.
  EXPECT_NEAR(static_cast<double>(model("sarashina2-70b").params_total) / 1e9, 70.13, 0.005);
}

TEST(Catalog, KvBytesPerToken) {
  EXPECT_EQ(catalog_kv_bytes_per_token(model("qwen3-32b")), 256u * 1024u);
  EXPECT_EQ(catalog_kv_bytes_per_token(model("deepseek-r1-32b")), 256u * 1024u);
  EXPECT_EQ(catalog_kv_bytes_per_token(model("llama-3.3-70b")), 320u * 1024u);
  EXPECT_EQ(catalog_kv_bytes_per_token(model("sarashina2-70b")), 320u * 1024u);
  EXPECT_EQ(catalog_kv_bytes_per_token(model("qwen3-30b-a3b")), 96u * 1024u);
  // The facts carry the same layout; Qwen3's head_dim is the explicit 128, not 5120/64.
  const ModelFacts f = facts_from_catalog(model("qwen3-32b"), Quant::q4_k_m);
  EXPECT_EQ(f.kv.f16_bytes_per_token(), 262144u);
  EXPECT_EQ(f.kv.layers.front().k_dim, 128u);
}

TEST(Catalog, Q4KmSizesWithinOnePercentOfPublished) {
  for (const char* key : {"qwen3-32b", "deepseek-r1-32b", "llama-3.3-70b"}) {
    const CatalogModel& m = model(key);
    const PublishedSize* p = published_size(m, Quant::q4_k_m);
    ASSERT_NE(p, nullptr) << key;
    const double computed = computed_weights_bytes(m, Quant::q4_k_m);
    EXPECT_NEAR(computed / (p->gb * 1e9), 1.0, 0.01) << key;
  }
  // Q5_K_M and Q8_0 where published.
  EXPECT_NEAR(computed_weights_bytes(model("deepseek-r1-32b"), Quant::q5_k_m) / 23.3e9, 1.0, 0.01);
  EXPECT_NEAR(computed_weights_bytes(model("qwen3-32b"), Quant::q8_0) / 34.82e9, 1.0, 0.01);
  EXPECT_NEAR(computed_weights_bytes(model("qwen3-30b-a3b"), Quant::q8_0) / 32.48e9, 1.0, 0.01);
}

TEST(Catalog, FactsUsePublishedSizesElseComputedOnes) {
  const ModelFacts q = facts_from_catalog(model("qwen3-32b"), Quant::q4_k_m);
  EXPECT_DOUBLE_EQ(q.weights_bytes, 19.8e9);
  EXPECT_TRUE(q.weights_published);
  EXPECT_EQ(q.weights_basis, "published: ggml-org/Qwen3-32B-GGUF");
  EXPECT_EQ(q.label, "Qwen3-32B");
  EXPECT_EQ(q.quant, "Q4_K_M");
  EXPECT_DOUBLE_EQ(q.active_weight_bytes, q.weights_bytes);

  const ModelFacts l = facts_from_catalog(model("llama-3.3-70b"), Quant::f16);
  EXPECT_FALSE(l.weights_published);
  EXPECT_DOUBLE_EQ(l.weights_bytes, 70'553'706'496.0 * 2);
  EXPECT_NE(l.weights_basis.find("computed: 16 bpw"), std::string::npos);

  const ModelFacts s = facts_from_catalog(model("sarashina2-70b"), Quant::q4_k_m);
  EXPECT_FALSE(s.weights_published);
  EXPECT_NEAR(s.weights_bytes / 1e9, 42.5, 0.1);  // models.md: "about 42 GB"
  ASSERT_FALSE(s.notes.empty());
  EXPECT_NE(s.notes.front().find("unconfirmed"), std::string::npos);

  const ModelFacts m = facts_from_catalog(model("qwen3-30b-a3b"), Quant::q4_k_m);
  EXPECT_TRUE(m.moe);
  EXPECT_DOUBLE_EQ(m.weights_bytes, 18.7e9);
  // All 30.5B weights resident; about 3.35/30.53 of them read per token (~2.05 GB).
  EXPECT_NEAR(m.active_weight_bytes / 1e9, 2.05, 0.01);
}

}  // namespace
}  // namespace hakari::planner
