#include "hakari/planner/model_catalog.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

namespace hakari::planner {
namespace {

// Average bits per weight of a whole model (llama.cpp tools/quantize/README and the
// published files of this catalog: Qwen3-32B Q4_K_M 4.83, Llama-3.3-70B 4.82, R1-32B
// 4.86; Q5_K_M 5.67-5.70; Q8_0 is 34 bytes per 32 values by construction).
constexpr std::array<QuantInfo, 5> kQuants{{
    {Quant::q4_k_m, "q4_k_m", "Q4_K_M", 4.85},
    {Quant::q5_k_m, "q5_k_m", "Q5_K_M", 5.7},
    {Quant::q8_0, "q8_0", "Q8_0", 8.5},
    {Quant::f16, "f16", "F16", 16},
    {Quant::bf16, "bf16", "BF16", 16},
}};

constexpr std::array<std::string_view, 0> kNoAliases{};
constexpr std::array<std::string_view, 2> kR1Aliases{"deepseek-r1-distill-qwen-32b", "r1-32b"};
constexpr std::array<std::string_view, 2> kLlamaAliases{"llama3.3-70b", "llama-3.3-70b-instruct"};

constexpr std::array<PublishedSize, 4> kQwen3_32bSizes{{
    {Quant::q4_k_m, 19.8, "ggml-org/Qwen3-32B-GGUF"},
    {Quant::q8_0, 34.82, "bartowski/Qwen_Qwen3-32B-GGUF"},
    {Quant::f16, 65.5, "ggml-org/Qwen3-32B-GGUF"},
    {Quant::bf16, 65.53, "bartowski/Qwen_Qwen3-32B-GGUF (split)"},
}};
constexpr std::array<PublishedSize, 3> kR1Sizes{{
    {Quant::q4_k_m, 19.9, "unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF"},
    {Quant::q5_k_m, 23.3, "unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF"},
    {Quant::q8_0, 34.8, "unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF"},
}};
constexpr std::array<PublishedSize, 2> kLlamaSizes{{
    {Quant::q4_k_m, 42.52195456, "bartowski/Llama-3.3-70B-Instruct-GGUF"},
    {Quant::q5_k_m, 49.96, "bartowski/Llama-3.3-70B-Instruct-GGUF (2 parts)"},
}};
constexpr std::array<PublishedSize, 0> kNoSizes{};
constexpr std::array<PublishedSize, 4> kQwen3MoeSizes{{
    {Quant::q4_k_m, 18.7, "mradermacher/Qwen3-30B-A3B-abliterated-GGUF (a derivative, same tensor shapes)"},
    {Quant::q5_k_m, 21.74, "bartowski/Qwen_Qwen3-30B-A3B-GGUF"},
    {Quant::q8_0, 32.48, "bartowski/Qwen_Qwen3-30B-A3B-GGUF"},
    {Quant::bf16, 61.10, "bartowski/Qwen_Qwen3-30B-A3B-GGUF (split)"},
}};

CatalogModel make_qwen3_32b() {
  CatalogModel m;
  m.key = "qwen3-32b";
  m.aliases = kNoAliases;
  m.name = "Qwen3-32B";
  m.hf_repo = "Qwen/Qwen3-32B";
  m.architecture = "qwen3";
  m.license = "Apache-2.0";
  m.params_total = 32'762'123'264;
  m.layers = 64;
  m.hidden = 5120;
  m.intermediate = 25600;
  m.heads = 64;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.vocab = 151936;
  m.context_length = 40960;
  m.qk_norm = true;
  m.published = kQwen3_32bSizes;
  m.note = "head_dim 128 is set explicitly (64 x 128 = 8192, not hidden 5120); card: 32K native, 131K with YaRN";
  return m;
}

CatalogModel make_r1_32b() {
  CatalogModel m;
  m.key = "deepseek-r1-32b";
  m.aliases = kR1Aliases;
  m.name = "DeepSeek-R1-Distill-Qwen-32B";
  m.hf_repo = "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B";
  m.architecture = "qwen2";
  m.license = "MIT";
  m.params_total = 32'763'876'352;
  m.layers = 64;
  m.hidden = 5120;
  m.intermediate = 27648;
  m.heads = 40;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.vocab = 152064;
  m.context_length = 131072;
  m.qkv_bias = true;
  m.published = kR1Sizes;
  m.unconfirmed = "licence (MIT per the DeepSeek-R1 card); F16 size not seen (computed)";
  m.note = "a fine-tune of Qwen2.5-32B";
  return m;
}

CatalogModel make_llama_70b() {
  CatalogModel m;
  m.key = "llama-3.3-70b";
  m.aliases = kLlamaAliases;
  m.name = "Llama-3.3-70B";
  m.hf_repo = "meta-llama/Llama-3.3-70B-Instruct";
  m.architecture = "llama";
  m.license = "Llama 3.3 Community License";
  m.params_total = 70'553'706'496;
  m.layers = 80;
  m.hidden = 8192;
  m.intermediate = 28672;
  m.heads = 64;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.vocab = 128256;
  m.context_length = 131072;
  m.published = kLlamaSizes;
  m.unconfirmed = "the 3.3 config.json itself was not read: shape from Llama-3.1-70B configs (same shape, agrees "
                  "with the 70.6B GGUF metadata); Q8_0 and F16 sizes not seen (computed)";
  return m;
}

CatalogModel make_sarashina2_70b() {
  CatalogModel m;
  m.key = "sarashina2-70b";
  m.aliases = kNoAliases;
  m.name = "Sarashina2-70B";
  m.hf_repo = "sbintuitions/sarashina2-70b";
  m.architecture = "llama";
  m.license = "MIT";
  m.params_total = 70'130'081'792;
  m.layers = 80;
  m.hidden = 8192;
  m.intermediate = 28672;
  m.heads = 64;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.vocab = 102400;
  m.context_length = 8192;
  m.published = kNoSizes;
  m.unconfirmed = "config.json not found: shape (80 layers, hidden 8192, 64/8 heads, vocab 102400, context 8192) "
                  "taken from sarashina2-8x70b, which was upcycled from it; no GGUF found, every size computed";
  m.note = "base model, not instruction-tuned";
  return m;
}

CatalogModel make_qwen3_30b_a3b() {
  CatalogModel m;
  m.key = "qwen3-30b-a3b";
  m.aliases = kNoAliases;
  m.name = "Qwen3-30B-A3B";
  m.hf_repo = "Qwen/Qwen3-30B-A3B";
  m.architecture = "qwen3moe";
  m.license = "Apache-2.0";
  m.params_total = 30'532'122'624;
  m.layers = 48;
  m.hidden = 2048;
  m.intermediate = 0;
  m.heads = 32;
  m.kv_heads = 4;
  m.head_dim = 128;
  m.vocab = 151936;
  m.context_length = 40960;
  m.qk_norm = true;
  m.experts = 128;
  m.experts_used = 8;
  m.expert_intermediate = 768;
  m.published = kQwen3MoeSizes;
  m.unconfirmed = "official config.json not seen: shape from MindSpeed-RL's qwen3_30b_a3b.yaml and config copies; "
                  "Q4_K_M size from a derivative repository with the same tensor shapes";
  m.note = "mixture of experts: all 30.5B weights resident, about 3.35B read per token";
  return m;
}

const std::array<CatalogModel, 5>& catalog() {
  static const std::array<CatalogModel, 5> models{make_qwen3_32b(), make_r1_32b(), make_llama_70b(),
                                                  make_sarashina2_70b(), make_qwen3_30b_a3b()};
  return models;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::span<const QuantInfo> catalog_quants() { return kQuants; }

const QuantInfo& quant_info(Quant q) {
  for (const auto& info : kQuants) {
    if (info.quant == q) return info;
  }
  return kQuants.front();
}

std::optional<Quant> find_quant(std::string_view text) {
  const std::string t = lower(text);
  for (const auto& info : kQuants) {
    if (info.key == t) return info.quant;
  }
  return std::nullopt;
}

std::string quant_keys() {
  std::string s;
  for (const auto& q : kQuants) {
    if (!s.empty()) s += ", ";
    s += q.key;
  }
  return s;
}

std::span<const CatalogModel> model_catalog() { return catalog(); }

const CatalogModel* find_model(std::string_view key) {
  const std::string k = lower(key);
  for (const auto& m : catalog()) {
    if (m.key == k) return &m;
    for (std::string_view alias : m.aliases) {
      if (alias == k) return &m;
    }
  }
  return nullptr;
}

std::string model_keys() {
  std::string s;
  for (const auto& m : catalog()) {
    if (!s.empty()) s += ", ";
    s += m.key;
  }
  return s;
}

std::uint64_t shape_params(const CatalogModel& m, bool active_only) {
  const std::uint64_t h = m.hidden;
  const std::uint64_t q = std::uint64_t{m.heads} * m.head_dim;
  const std::uint64_t kv = std::uint64_t{m.kv_heads} * m.head_dim;
  std::uint64_t attn = h * q + 2 * h * kv + q * h;
  if (m.qkv_bias) attn += q + 2 * kv;
  if (m.qk_norm) attn += 2 * std::uint64_t{m.head_dim};
  std::uint64_t ffn = 0;
  if (m.experts > 0) {
    const std::uint64_t n = active_only ? m.experts_used : m.experts;
    ffn = n * 3 * h * m.expert_intermediate + h * m.experts;  // experts + router
  } else {
    ffn = 3 * h * m.intermediate;
  }
  const std::uint64_t per_layer = attn + ffn + 2 * h;  // + attention and FFN norms
  const std::uint64_t embeddings = std::uint64_t{m.vocab} * h * (m.tied_embeddings ? 1 : 2);
  return per_layer * m.layers + embeddings + h;  // + final norm
}

std::uint64_t active_params(const CatalogModel& m) {
  return m.experts > 0 ? shape_params(m, true) : m.params_total;
}

std::uint64_t catalog_kv_bytes_per_token(const CatalogModel& m) {
  return std::uint64_t{m.layers} * m.kv_heads * m.head_dim * 2 * 2;
}

const PublishedSize* published_size(const CatalogModel& m, Quant q) {
  for (const auto& p : m.published) {
    if (p.quant == q) return &p;
  }
  return nullptr;
}

double computed_weights_bytes(const CatalogModel& m, Quant q) {
  return static_cast<double>(m.params_total) * quant_info(q).bits_per_weight / 8.0;
}

ModelFacts facts_from_catalog(const CatalogModel& m, Quant q) {
  const QuantInfo& qi = quant_info(q);
  ModelFacts f;
  f.label = std::string(m.name);
  f.quant = std::string(qi.name);
  f.key = std::string(m.key);
  f.source = "catalog";
  f.architecture = std::string(m.architecture);
  f.params_total = m.params_total;
  f.params_active = active_params(m);
  f.moe = m.experts > 0;
  if (const PublishedSize* p = published_size(m, q)) {
    f.weights_bytes = p->gb * 1e9;
    f.weights_published = true;
    f.weights_basis = fmt::format("published: {}", p->where);
  } else {
    f.weights_bytes = computed_weights_bytes(m, q);
    f.weights_basis = fmt::format("computed: {} bpw x {:.2f}B params (no published size found)", qi.bits_per_weight,
                                  static_cast<double>(m.params_total) / 1e9);
  }
  f.active_weight_bytes = f.moe ? f.weights_bytes * static_cast<double>(f.params_active) /
                                      static_cast<double>(f.params_total)
                                : f.weights_bytes;
  f.context_length = m.context_length;
  f.n_layers = m.layers;
  f.n_heads = m.heads;
  f.vocab = m.vocab;
  f.kv = KvLayout::uniform(m.layers, m.kv_heads, m.head_dim);
  if (!m.unconfirmed.empty()) f.notes.push_back(fmt::format("unconfirmed: {}", m.unconfirmed));
  if (!m.note.empty()) f.notes.push_back(std::string(m.note));
  return f;
}

}  // namespace hakari::planner
