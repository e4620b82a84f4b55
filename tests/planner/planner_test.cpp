// Memory estimates, roofline ceilings, plans and model specs: exact values for the
// catalog's models on the project's hardware profiles.
#include <gtest/gtest.h>

#include "hakari/catalog/hardware.h"
#include "hakari/planner/memory_estimate.h"
#include "hakari/planner/model_catalog.h"
#include "hakari/planner/model_spec.h"
#include "hakari/planner/plan.h"
#include "hakari/planner/plan_format.h"
#include "hakari/planner/roofline.h"

namespace hakari::planner {
namespace {

ModelFacts catalog_facts(std::string_view key, Quant q) { return facts_from_catalog(*find_model(key), q); }
const catalog::HardwareProfile& hw(std::string_view key) { return *catalog::find_hardware(key); }

constexpr double kQwenKv8k = 262144.0 * 8192;            // 2 GiB
constexpr double kBuffers8k = kGiB + 512.0 * 8192 * 2;   // 1 GiB + the f16 mask

TEST(MemoryEstimate, Qwen3_32bAt8kContext) {
  const MemoryEstimate e = estimate_memory(catalog_facts("qwen3-32b", Quant::q4_k_m), InstanceConfig{});
  EXPECT_EQ(e.ctx_total, 8192u);
  EXPECT_DOUBLE_EQ(e.weights_bytes, 19.8e9);
  EXPECT_DOUBLE_EQ(e.kv_bytes, kQwenKv8k);
  EXPECT_DOUBLE_EQ(e.kv_bytes_per_token, 262144.0);
  EXPECT_DOUBLE_EQ(e.buffer_bytes, kBuffers8k);
  EXPECT_DOUBLE_EQ(e.total_bytes, 19.8e9 + kQwenKv8k + kBuffers8k);
}

TEST(MemoryEstimate, SlotsKvTypesAndFlashAttention) {
  const ModelFacts llama = catalog_facts("llama-3.3-70b", Quant::q4_k_m);
  InstanceConfig c;
  c.ctx_per_slot = 8192;
  c.parallel = 4;  // 32768 tokens in all: llama-server -c 32768 -np 4
  EXPECT_EQ(llama_server_flags(c), "-c 32768 -np 4");
  EXPECT_DOUBLE_EQ(estimate_memory(llama, c).kv_bytes, 327680.0 * 32768);  // 10 GiB
  c.kv_type = *find_kv_type("q8_0");
  EXPECT_DOUBLE_EQ(estimate_memory(llama, c).kv_bytes, 327680.0 / 2 * 1.0625 * 32768);
  c.kv_type = *find_kv_type("Q4_0");
  EXPECT_DOUBLE_EQ(estimate_memory(llama, c).kv_bytes, 327680.0 / 2 * 0.5625 * 32768);
  EXPECT_EQ(llama_server_flags(c), "-c 32768 -np 4 -ctk q4_0 -ctv q4_0");
  c.kv_type = 1;
  c.flash_attention = false;
  // Without flash attention llama.cpp materialises n_heads × n_ubatch × n_kv f32 scores.
  EXPECT_DOUBLE_EQ(estimate_memory(llama, c).buffer_bytes, kGiB + 512.0 * 32768 * 2 + 64.0 * 512 * 32768 * 4);
  EXPECT_FALSE(find_kv_type("q3_k"));
  EXPECT_EQ(kv_type_keys(), "f16, q8_0, q4_0, bf16, f32, q4_1, q5_0, q5_1, iq4_nl");
}

TEST(MemoryEstimate, SlidingWindowLayersAreCapped) {
  ModelFacts m;
  m.kv = KvLayout::uniform(12, 1, 64);
  for (int l = 0; l < 12; ++l) m.kv.layers[l].sliding = l % 6 != 5;
  m.kv.sliding_window = 1024;
  InstanceConfig c;
  c.ctx_per_slot = 8192;
  c.parallel = 2;
  const MemoryEstimate e = estimate_memory(m, c);
  EXPECT_EQ(e.sliding_tokens, 2u * 1024u + 512u);  // llama.cpp: n_swa × n_seq + n_ubatch
  EXPECT_DOUBLE_EQ(e.kv_bytes, 2 * 128 * 2.0 * 16384 + 10 * 128 * 2.0 * 2560);
  // Reading at depth 4096: full layers read 4096 tokens, sliding ones their window.
  EXPECT_DOUBLE_EQ(kv_read_bytes(m.kv, 4096, 2), 2.0 * (256.0 * 4096 + 1280.0 * 1024));
}

TEST(Roofline, Qwen3_32bQ4KmOnEvoX2) {
  const ModelFacts q = catalog_facts("qwen3-32b", Quant::q4_k_m);
  const DecodeCeiling d = decode_ceiling(q, hw("evo-x2"), 0, 1);
  EXPECT_DOUBLE_EQ(d.bytes_per_token, 19.8e9);
  EXPECT_DOUBLE_EQ(d.bandwidth_gbs, 212);
  EXPECT_NEAR(d.tokens_per_s, 10.707, 0.001);              // 212 / 19.8
  EXPECT_NEAR(d.theoretical_tokens_per_s, 12.929, 0.001);  // 256 / 19.8
  const DecodeCeiling deep = decode_ceiling(q, hw("evo-x2"), 8192, 1);
  EXPECT_DOUBLE_EQ(deep.kv_bytes, kQwenKv8k);
  EXPECT_NEAR(deep.tokens_per_s, 212e9 / (19.8e9 + kQwenKv8k), 1e-9);
  const PrefillCeiling p = prefill_ceiling(q, hw("evo-x2"));
  EXPECT_NEAR(p.tokens_per_s, 59.4e12 * 0.35 / (2 * 32'762'123'264.0), 1e-6);  // ≈ 317
  EXPECT_NEAR(p.tokens_per_s, 317.3, 0.1);
}

TEST(Roofline, OtherModelsAndHardware) {
  // Llama-3.3-70B Q4_K_M: 42.5 GB a token, ≈ 5.0 t/s at 212 GB/s (lhl measured 5.0 on a 70B Q4_K_M).
  EXPECT_NEAR(decode_ceiling(catalog_facts("llama-3.3-70b", Quant::q4_k_m), hw("evo-x2"), 0, 1).tokens_per_s, 4.986,
              0.001);
  // Qwen3-32B Q8_0: 34.82 GB, ≈ 6.1 t/s (lhl measured 6.4 with 221 GB/s tuned).
  EXPECT_NEAR(decode_ceiling(catalog_facts("qwen3-32b", Quant::q8_0), hw("evo-x2"), 0, 1).tokens_per_s, 6.088, 0.001);
  // The MoE reads only its active experts: ≈ 2.05 GB a token.
  const ModelFacts moe = catalog_facts("qwen3-30b-a3b", Quant::q4_k_m);
  EXPECT_NEAR(decode_ceiling(moe, hw("evo-x2"), 0, 1).tokens_per_s, 212e9 / moe.active_weight_bytes, 1e-9);
  EXPECT_NEAR(decode_ceiling(moe, hw("evo-x2"), 0, 1).tokens_per_s, 103.3, 0.1);
  // H100 SXM has no measured figure: practical = datasheet 3350 GB/s.
  const DecodeCeiling h = decode_ceiling(catalog_facts("qwen3-32b", Quant::q4_k_m), hw("h100-sxm"), 0, 1);
  EXPECT_DOUBLE_EQ(h.bandwidth_gbs, 3350);
  EXPECT_NEAR(h.tokens_per_s, 169.19, 0.01);
}

TEST(Roofline, SimTimingFromCatalogAndProfile) {
  const SimTiming t = sim_timing(catalog_facts("qwen3-32b", Quant::q4_k_m), hw("evo-x2"));
  EXPECT_DOUBLE_EQ(t.weights_bytes, 19.8e9);
  EXPECT_DOUBLE_EQ(t.kv_bytes_per_token, 262144);
  EXPECT_DOUBLE_EQ(t.bandwidth_gbs, 212);
  EXPECT_NEAR(t.prefill_tps, 317.3, 0.1);
  EXPECT_DOUBLE_EQ(t.model_size_bytes, 19.8e9);
  EXPECT_EQ(t.params, 32'762'123'264u);
  EXPECT_EQ(t.model_name, "qwen3-32b-q4_k_m");
  const SimTiming m = sim_timing(catalog_facts("qwen3-30b-a3b", Quant::q8_0), hw("h100-sxm"));
  EXPECT_DOUBLE_EQ(m.model_size_bytes, 32.48e9);
  EXPECT_LT(m.weights_bytes, m.model_size_bytes / 8);
  EXPECT_DOUBLE_EQ(m.bandwidth_gbs, 3350);
}

std::vector<std::pair<ModelSpec, ModelFacts>> specs(std::initializer_list<const char*> texts) {
  std::vector<std::pair<ModelSpec, ModelFacts>> out;
  for (const char* t : texts) {
    ModelSpec s = parse_model_spec(t, InstanceConfig{});
    ModelFacts f = resolve_model(s);
    out.emplace_back(std::move(s), std::move(f));
  }
  return out;
}

TEST(Plan, ThreeQwen3_32bFitIn96Gb) {
  PlanRequest r;
  r.budget_gb = 96;
  const Plan p = make_plan(specs({"qwen3-32b:q4_k_m", "qwen3-32b:q4_k_m", "qwen3-32b:q4_k_m"}), r);
  ASSERT_TRUE(p.fits);
  EXPECT_TRUE(*p.fits);
  const double each = 19.8e9 + kQwenKv8k + kBuffers8k;
  EXPECT_DOUBLE_EQ(p.total_bytes, 3 * each);
  EXPECT_DOUBLE_EQ(p.weights_bytes, 3 * 19.8e9);
  EXPECT_DOUBLE_EQ(*p.headroom_bytes, 96e9 - 3 * each);
  EXPECT_EQ(p.verdict, "3 × Qwen3-32B at Q4_K_M fit: 69.1 GB of 96 GB, 26.9 GB to spare.");
}

TEST(Plan, TwoLlama70bF16DoNotFit) {
  PlanRequest r;
  r.budget_gb = 96;
  const Plan p = make_plan(specs({"llama-3.3-70b:f16", "llama-3.3-70b:F16"}), r);
  EXPECT_FALSE(*p.fits);
  EXPECT_EQ(p.verdict, "2 × Llama-3.3-70B at F16 need 282 GB of weights alone; the budget is 96 GB.");
  const std::string json = plan_json(p);
  EXPECT_NE(json.find("\"fits\": false"), std::string::npos);
  EXPECT_NE(json.find("\"schema_version\": 1"), std::string::npos);
  EXPECT_NE(plan_text(p).find("2 × Llama-3.3-70B at F16 need 282 GB of weights alone; the budget is 96 GB."),
            std::string::npos);
}

TEST(Plan, KvCacheCanBreakTheBudget) {
  PlanRequest r;
  r.budget_gb = 96;
  const Plan p = make_plan(specs({"qwen3-32b:q4_k_m:ctx=32k:parallel=4", "qwen3-32b:q4_k_m:ctx=32k:parallel=4"}), r);
  EXPECT_FALSE(*p.fits);
  EXPECT_DOUBLE_EQ(p.kv_bytes, 2 * 262144.0 * 131072);  // 64 GiB
  EXPECT_EQ(p.verdict,
            "2 × Qwen3-32B at Q4_K_M need 111 GB (39.6 GB weights, 68.7 GB KV cache, 2.42 GB buffers); the budget "
            "is 96 GB, 14.7 GB short.");
}

TEST(Plan, BudgetFromTheHardwareProfileKeepsAnOsReserve) {
  PlanRequest r;
  r.hardware = &hw("evo-x2");
  const Plan p = make_plan(specs({"llama-3.3-70b:q8_0", "qwen3-32b:q4_k_m"}), r);
  ASSERT_TRUE(p.budget);
  EXPECT_DOUBLE_EQ(p.budget->budget_bytes, 128e9);
  EXPECT_DOUBLE_EQ(p.budget->os_reserve_bytes, 4 * kGiB);
  EXPECT_DOUBLE_EQ(p.budget->usable_bytes, 128e9 - 4 * kGiB);
  EXPECT_TRUE(*p.fits);
  ASSERT_TRUE(p.items[1].decode);
  EXPECT_NEAR(p.items[1].decode->tokens_per_s, 10.707, 0.001);
  EXPECT_EQ(describe_models(p.items), "Llama-3.3-70B at Q8_0 and Qwen3-32B at Q4_K_M");
  const std::string text = plan_text(p);
  EXPECT_NE(text.find("10.7 t/s"), std::string::npos) << text;
  EXPECT_NE(text.find("OS reserve"), std::string::npos);

  // A discrete GPU keeps no OS reserve; an explicit one is honoured.
  r.hardware = &hw("h100-sxm");
  r.os_reserve_gb = 2;
  const Plan h = make_plan(specs({"qwen3-32b:q4_k_m"}), r);
  EXPECT_DOUBLE_EQ(h.budget->usable_bytes, 78e9);
  EXPECT_EQ(h.verdict.rfind("Qwen3-32B at Q4_K_M fits: 23 GB of 78 GB (80 GB less a 2 GB OS reserve)", 0), 0u)
      << h.verdict;
}

TEST(Plan, WithoutABudgetThereIsNoVerdict) {
  const Plan p = make_plan(specs({"sarashina2-70b:q5_k_m"}), PlanRequest{});
  EXPECT_FALSE(p.fits);
  EXPECT_FALSE(p.budget);
  EXPECT_NE(p.verdict.find("give --budget-gb or --hardware"), std::string::npos);
  EXPECT_NE(plan_json(p).find("\"fits\": null"), std::string::npos);
}

TEST(Plan, FormatGb) {
  EXPECT_EQ(format_gb(282.2e9), "282 GB");
  EXPECT_EQ(format_gb(96e9), "96 GB");
  EXPECT_EQ(format_gb(19.8e9), "19.8 GB");
  EXPECT_EQ(format_gb(4 * kGiB), "4.29 GB");
  EXPECT_EQ(format_gb(0.5e9), "0.5 GB");
  EXPECT_EQ(format_gb(1.5e6), "1.5 MB");
  EXPECT_EQ(format_gb(1056), "1056 bytes");
}

TEST(ModelSpecs, ParsesKeysQuantsAndOptions) {
  const ModelSpec s = parse_model_spec("Llama-3.3-70B:Q8_0:ctx=32k:parallel=4:kv=q8_0:fa=off", InstanceConfig{});
  EXPECT_FALSE(s.gguf);
  EXPECT_EQ(s.model->key, "llama-3.3-70b");
  EXPECT_EQ(s.quant, Quant::q8_0);
  EXPECT_EQ(s.config.ctx_per_slot, 32768u);
  EXPECT_EQ(s.config.parallel, 4u);
  EXPECT_EQ(s.config.kv_type, 8u);
  EXPECT_FALSE(s.config.flash_attention);

  InstanceConfig defaults;
  defaults.ctx_per_slot = 4096;
  const ModelSpec d = parse_model_spec("qwen3-32b:q4_k_m:np=2", defaults);
  EXPECT_EQ(d.config.ctx_per_slot, 4096u);
  EXPECT_EQ(d.config.parallel, 2u);

  const ModelSpec g = parse_model_spec("/models/a:b/Qwen3-32B-Q4_K_M.gguf:ctx=16384", InstanceConfig{});
  EXPECT_TRUE(g.gguf);
  EXPECT_EQ(g.path, "/models/a:b/Qwen3-32B-Q4_K_M.gguf");
  EXPECT_EQ(g.config.ctx_per_slot, 16384u);
  EXPECT_EQ(parse_model_spec("x.GGUF", InstanceConfig{}).path, "x.GGUF");
}

std::string spec_error(const char* text) {
  try {
    parse_model_spec(text, InstanceConfig{});
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelSpecs, ErrorsNameTheBadPartAndTheChoices) {
  EXPECT_EQ(spec_error("qwen3-33b:q4_k_m"),
            "unknown model 'qwen3-33b' (choices: qwen3-32b, deepseek-r1-32b, llama-3.3-70b, sarashina2-70b, "
            "qwen3-30b-a3b; or a path to a .gguf file)");
  EXPECT_EQ(spec_error("qwen3-32b"),
            "'qwen3-32b' needs a quantization, e.g. qwen3-32b:q4_k_m (choices: q4_k_m, q5_k_m, q8_0, f16, bf16)");
  EXPECT_EQ(spec_error("qwen3-32b:q3_k"),
            "unknown quantization 'q3_k' for qwen3-32b (choices: q4_k_m, q5_k_m, q8_0, f16, bf16)");
  EXPECT_NE(spec_error("qwen3-32b:q4_k_m:foo=1").find("unknown option 'foo'"), std::string::npos);
  EXPECT_NE(spec_error("qwen3-32b:q4_k_m:ctx").find("is not an option"), std::string::npos);
  EXPECT_EQ(spec_error("qwen3-32b:q4_k_m:ctx=0"), "ctx '0' is not a whole number from 1 to 16777216");
  EXPECT_NE(spec_error("qwen3-32b:q4_k_m:parallel=x").find("parallel 'x'"), std::string::npos);
  EXPECT_NE(spec_error("qwen3-32b:q4_k_m:kv=q3").find("kv type 'q3'"), std::string::npos);
  EXPECT_NE(spec_error("/models/model.bin").find("GGUF paths must end in .gguf"), std::string::npos);
  EXPECT_NE(spec_error("").find("empty model spec"), std::string::npos);
}

}  // namespace
}  // namespace hakari::planner
