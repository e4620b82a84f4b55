#include "hakari/planner/gguf_model.h"

#include <algorithm>
#include <map>
#include <regex>
#include <unordered_set>

#include <fmt/format.h>

#include "hakari/planner/ggml_types.h"

namespace hakari::planner {
namespace {

// Bounds that keep every product below 2^64 and every per-layer table small, whatever
// the file claims. Real models stay far below them (the largest have ~128 layers).
constexpr std::uint64_t kMaxLayers = 65536;
constexpr std::uint64_t kMaxHeads = 1 << 20;
constexpr std::uint64_t kMaxHeadDim = 1 << 20;

class Keys {
 public:
  explicit Keys(const GgufFile& f) : f_(f) {}

  [[noreturn]] void fail(const GgufKv& kv, const std::string& detail) const {
    throw GgufError(f_.name, kv.offset, detail);
  }

  std::optional<std::uint64_t> uint(const std::string& key, std::uint64_t max) const {
    const GgufKv* kv = f_.find(key);
    if (!kv) return std::nullopt;
    const auto v = kv->value.as_uint();
    if (!v) fail(*kv, fmt::format("{} should be a non-negative integer, not {}", key, kv->value.describe()));
    if (*v > max) fail(*kv, fmt::format("{} = {} is implausible (more than {})", key, format_count(*v), max));
    return v;
  }

  std::string string(const std::string& key) const {
    const GgufKv* kv = f_.find(key);
    if (!kv) return {};
    const std::string* s = kv->value.as_string();
    if (!s) fail(*kv, fmt::format("{} should be a string, not {}", key, kv->value.describe()));
    return *s;
  }

  // A per-layer count: a scalar (the same for every layer) or an array of n_layers integers.
  std::optional<std::vector<std::uint32_t>> per_layer(const std::string& key, std::uint64_t n_layers,
                                                      std::uint64_t max) const {
    const GgufKv* kv = f_.find(key);
    if (!kv) return std::nullopt;
    const GgufValue& v = kv->value;
    std::vector<std::uint32_t> out;
    if (v.is_array()) {
      if (v.count != n_layers || !v.complete()) {
        fail(*kv, fmt::format("{} has {} entries for {} layers", key, v.count, n_layers));
      }
      for (const GgufValue& item : v.items) {
        const auto n = item.as_uint();
        if (!n || *n > max) fail(*kv, fmt::format("{} holds {}, not a count up to {}", key, item.describe(), max));
        out.push_back(static_cast<std::uint32_t>(*n));
      }
      return out;
    }
    const auto n = v.as_uint();
    if (!n || *n > max) fail(*kv, fmt::format("{} should be a count up to {}, not {}", key, max, v.describe()));
    out.assign(static_cast<std::size_t>(n_layers), static_cast<std::uint32_t>(*n));
    return out;
  }

  const GgufKv* find(const std::string& key) const { return f_.find(key); }

 private:
  const GgufFile& f_;
};

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace

std::string gguf_file_stem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  static const std::regex split(R"((.*)-\d{5}-of-\d{5}\.gguf$)", std::regex::icase);
  std::smatch m;
  if (std::regex_match(base, m, split)) return m[1].str();
  if (base.size() > 5 && (base.ends_with(".gguf") || base.ends_with(".GGUF"))) base.resize(base.size() - 5);
  return base;
}

namespace {

void add_checked(std::uint64_t& total, std::uint64_t add, const std::string& file, const char* what) {
  if (__builtin_add_overflow(total, add, &total)) {
    throw GgufError(file, std::nullopt, fmt::format("the {} total overflows 64 bits", what));
  }
}

// llama.cpp's built-in sliding-window patterns (llama-model.cpp, hparams.set_swa_pattern):
// with pattern N, layer il uses the window when il % N < N - 1.
std::uint32_t default_swa_pattern(std::string_view arch) {
  if (arch == "gemma2") return 2;
  if (arch == "gemma3") return 6;
  if (arch == "cohere2") return 4;
  if (arch == "gpt-oss") return 2;
  return 0;
}

}  // namespace

std::uint32_t GgufModelInfo::head_count_max() const {
  std::uint32_t m = 0;
  for (std::uint32_t h : head_count) m = std::max(m, h);
  return m;
}

std::vector<std::string> shard_paths(const std::string& path) {
  static const std::regex split(R"((.*)-(\d{5})-of-(\d{5})\.gguf$)");
  std::smatch m;
  if (!std::regex_match(path, m, split)) return {path};
  const int n = std::stoi(m[3].str());
  if (n < 1) return {path};
  std::vector<std::string> out;
  for (int k = 1; k <= n; ++k) out.push_back(fmt::format("{}-{:05d}-of-{:05d}.gguf", m[1].str(), k, n));
  return out;
}

GgufModelInfo describe_gguf(const std::vector<GgufFile>& shards) {
  if (shards.empty()) throw GgufError("(no file)", std::nullopt, "no GGUF file to describe");
  const GgufFile& f = shards.front();
  const Keys keys(f);
  GgufModelInfo info;
  info.version = f.version;
  info.alignment = f.alignment;
  info.data_offset = f.data_offset;
  info.metadata_count = f.kvs.size();

  info.architecture = keys.string("general.architecture");
  if (info.architecture.empty()) {
    throw GgufError(f.name, std::nullopt, "general.architecture is missing (every GGUF model must name one)");
  }
  const std::string a = info.architecture + ".";
  info.name = keys.string("general.name");
  if (auto ft = keys.uint("general.file_type", UINT32_MAX)) {
    info.file_type = static_cast<std::uint32_t>(*ft);
    const std::string_view n = llama_file_type_name(*info.file_type);
    info.file_type_name = n.empty() ? fmt::format("unknown ({})", *ft) : std::string(n);
  }

  info.block_count = keys.uint(a + "block_count", kMaxLayers).value_or(0);
  info.context_length = keys.uint(a + "context_length", UINT64_MAX).value_or(0);
  info.embedding_length = keys.uint(a + "embedding_length", UINT32_MAX).value_or(0);
  if (const GgufKv* ff = keys.find(a + "feed_forward_length"); ff && ff->value.is_array() && ff->value.complete()) {
    for (const GgufValue& v : ff->value.items) info.feed_forward_length = std::max(info.feed_forward_length, v.as_uint().value_or(0));
  } else {
    info.feed_forward_length = keys.uint(a + "feed_forward_length", UINT64_MAX).value_or(0);
  }
  const std::uint64_t L = info.block_count;
  info.head_count = keys.per_layer(a + "attention.head_count", L, kMaxHeads).value_or(std::vector<std::uint32_t>(L, 0));
  if (auto kv = keys.per_layer(a + "attention.head_count_kv", L, kMaxHeads)) {
    info.head_count_kv = std::move(*kv);
  } else {
    info.head_count_kv = info.head_count;  // no key: no grouped-query attention
  }
  const std::uint32_t heads = info.head_count_max();
  const std::uint64_t derived_dim = heads ? info.embedding_length / heads : 0;
  if (auto k = keys.uint(a + "attention.key_length", kMaxHeadDim)) {
    info.key_length = *k;
    info.key_length_explicit = true;
  } else {
    info.key_length = derived_dim;
  }
  info.value_length = keys.uint(a + "attention.value_length", kMaxHeadDim).value_or(info.key_length_explicit ? info.key_length : derived_dim);
  if (info.key_length > kMaxHeadDim || info.value_length > kMaxHeadDim) {
    throw GgufError(f.name, std::nullopt, fmt::format("head dimension {} is implausible", std::max(info.key_length, info.value_length)));
  }
  info.kv_lora_rank = keys.uint(a + "attention.kv_lora_rank", kMaxHeadDim).value_or(0);
  info.expert_count = keys.uint(a + "expert_count", 1 << 20).value_or(0);
  info.expert_used_count = keys.uint(a + "expert_used_count", 1 << 20).value_or(0);
  if (info.expert_used_count > info.expert_count) {
    const GgufKv* kv = keys.find(a + "expert_used_count");
    keys.fail(*kv, fmt::format("{}expert_used_count {} exceeds expert_count {}", a, info.expert_used_count, info.expert_count));
  }

  // Sliding window: the layers that use it come from the pattern key or llama.cpp's
  // per-architecture rule; an unknown architecture is counted at full context.
  info.sliding_window = keys.uint(a + "attention.sliding_window", UINT32_MAX).value_or(0);
  if (info.sliding_window > 0 && L > 0) {
    const GgufKv* pat = keys.find(a + "attention.sliding_window_pattern");
    if (pat && pat->value.is_array()) {
      if (pat->value.count != L || !pat->value.complete()) {
        keys.fail(*pat, fmt::format("{}attention.sliding_window_pattern has {} entries for {} layers", a, pat->value.count, L));
      }
      for (const GgufValue& v : pat->value.items) info.sliding_layers.push_back(v.as_uint().value_or(0) != 0 || (v.type == GgufType::boolean && v.u));
    } else {
      std::uint64_t n = default_swa_pattern(info.architecture);
      if (pat) n = keys.uint(a + "attention.sliding_window_pattern", kMaxLayers).value_or(0);
      if (n > 0) {
        for (std::uint64_t il = 0; il < L; ++il) info.sliding_layers.push_back(il % n < n - 1);
      } else {
        info.notes.push_back(fmt::format(
            "sliding_window {} is set but which layers use it is not known for '{}': every layer is counted at full "
            "context (an upper bound)",
            info.sliding_window, info.architecture));
      }
    }
  }

  // KV layout per layer.
  info.kv.sliding_window = info.sliding_layers.empty() ? 0 : info.sliding_window;
  info.kv.layers.reserve(static_cast<std::size_t>(L));
  const std::uint64_t rope = keys.uint(a + "rope.dimension_count", kMaxHeadDim).value_or(0);
  for (std::uint64_t il = 0; il < L; ++il) {
    KvLayer layer;
    if (info.kv_lora_rank > 0) {
      // Multi-head latent attention: one compressed latent plus the RoPE part per token.
      layer.kv_heads = info.head_count_kv[il] ? 1 : 0;
      layer.k_dim = static_cast<std::uint32_t>(info.kv_lora_rank + rope);
      layer.v_dim = 0;
    } else {
      layer.kv_heads = info.head_count_kv[il];
      layer.k_dim = static_cast<std::uint32_t>(info.key_length);
      layer.v_dim = static_cast<std::uint32_t>(info.value_length);
    }
    layer.sliding = !info.sliding_layers.empty() && info.sliding_layers[il];
    info.kv.layers.push_back(layer);
  }
  if (info.kv_lora_rank > 0) {
    info.notes.push_back(fmt::format("multi-head latent attention: KV per layer = kv_lora_rank {} + rope {} values", info.kv_lora_rank, rope));
  }
  if (L > 0 && info.kv.values_per_token() == 0) {
    info.notes.push_back("no attention KV cache found (a recurrent model?); recurrent state is not counted");
  }

  // Tensor totals over every shard.
  std::map<std::uint32_t, GgufTypeTotal> by_type;
  std::unordered_set<std::string> names;
  std::uint64_t non_expert_bytes = 0;
  std::uint64_t non_expert_params = 0;
  for (const GgufFile& shard : shards) {
    add_checked(info.file_bytes, shard.file_size, shard.name, "file size");
    info.paths.push_back(shard.name);
    for (const GgufTensor& t : shard.tensors) {
      if (!names.insert(t.name).second) {
        throw GgufError(shard.name, t.info_offset, fmt::format("tensor '{}' appears in more than one shard", t.name));
      }
      ++info.tensor_count;
      add_checked(info.parameters, t.n_elements, shard.name, "parameter");
      add_checked(info.weights_bytes, t.n_bytes, shard.name, "tensor byte");
      GgufTypeTotal& tt = by_type[t.type];
      tt.type = t.type;
      ++tt.tensors;
      add_checked(tt.elements, t.n_elements, shard.name, "parameter");
      add_checked(tt.bytes, t.n_bytes, shard.name, "tensor byte");
      if (contains(t.name, "_shexp")) {
        add_checked(info.shared_expert_bytes, t.n_bytes, shard.name, "tensor byte");
        add_checked(non_expert_bytes, t.n_bytes, shard.name, "tensor byte");
        add_checked(non_expert_params, t.n_elements, shard.name, "parameter");
      } else if (contains(t.name, "_exps")) {
        add_checked(info.expert_bytes, t.n_bytes, shard.name, "tensor byte");
        add_checked(info.expert_params, t.n_elements, shard.name, "parameter");
      } else {
        add_checked(non_expert_bytes, t.n_bytes, shard.name, "tensor byte");
        add_checked(non_expert_params, t.n_elements, shard.name, "parameter");
      }
    }
  }
  for (auto& [id, tt] : by_type) info.by_type.push_back(tt);
  std::stable_sort(info.by_type.begin(), info.by_type.end(),
                   [](const GgufTypeTotal& x, const GgufTypeTotal& y) { return x.bytes > y.bytes; });

  double share = 1.0;
  if (info.expert_bytes > 0) {
    if (info.expert_count > 0 && info.expert_used_count > 0) {
      share = static_cast<double>(info.expert_used_count) / static_cast<double>(info.expert_count);
    } else {
      info.notes.push_back("expert tensors (_exps) without expert_count/expert_used_count: all experts counted as read");
    }
  }
  info.active_weight_bytes = static_cast<double>(non_expert_bytes) + share * static_cast<double>(info.expert_bytes);
  info.active_parameters = static_cast<double>(non_expert_params) + share * static_cast<double>(info.expert_params);

  // Vocabulary: the tokenizer's token list, else {arch}.vocab_size, else token_embd's rows.
  if (const GgufKv* tokens = keys.find("tokenizer.ggml.tokens"); tokens && tokens->value.is_array()) {
    info.vocab_size = tokens->value.count;
  } else if (auto v = keys.uint(a + "vocab_size", UINT64_MAX)) {
    info.vocab_size = *v;
  } else {
    for (const GgufFile& shard : shards) {
      for (const GgufTensor& t : shard.tensors) {
        if (t.name == "token_embd.weight" && t.dims.size() >= 2) info.vocab_size = t.dims[1];
      }
    }
  }

  // Split sets: shard 1's split.count and split.tensors.count must agree with what was read.
  if (auto n = keys.uint("split.count", 1 << 16); n && *n != shards.size()) {
    keys.fail(*keys.find("split.count"), fmt::format("split.count is {} but {} shard(s) were read", *n, shards.size()));
  }
  if (auto n = keys.uint("split.tensors.count", UINT64_MAX); n && *n != info.tensor_count) {
    keys.fail(*keys.find("split.tensors.count"),
              fmt::format("split.tensors.count is {} but the shards hold {} tensors", *n, info.tensor_count));
  }
  return info;
}

GgufModelInfo inspect_gguf(const std::string& path) {
  std::vector<GgufFile> shards;
  for (const std::string& p : shard_paths(path)) shards.push_back(read_gguf_file(p));
  for (std::size_t k = 1; k < shards.size(); ++k) {
    const Keys keys(shards[k]);
    if (auto no = keys.uint("split.no", 1 << 16); no && *no != k) {
      keys.fail(*keys.find("split.no"), fmt::format("split.no is {} in shard {} of {}", *no, k + 1, shards.size()));
    }
  }
  return describe_gguf(shards);
}

ModelFacts facts_from_gguf(const GgufModelInfo& info) {
  ModelFacts m;
  m.label = info.name.empty() ? gguf_file_stem(info.paths.front()) : info.name;
  m.quant = info.file_type_name;
  if (m.quant.empty() && !info.by_type.empty()) {
    m.quant = "mostly " + ggml_type_label(info.by_type.front().type);
  }
  m.source = info.paths.front();
  m.architecture = info.architecture;
  m.params_total = info.parameters;
  m.params_active = static_cast<std::uint64_t>(info.active_parameters);
  m.moe = info.expert_bytes > 0 && info.expert_used_count > 0 && info.expert_used_count < info.expert_count;
  m.weights_bytes = static_cast<double>(info.weights_bytes);
  m.active_weight_bytes = info.active_weight_bytes;
  m.weights_basis = fmt::format("GGUF tensor table ({} tensors{})", info.tensor_count,
                                info.paths.size() > 1 ? fmt::format(", {} shards", info.paths.size()) : "");
  m.context_length = info.context_length;
  m.n_layers = static_cast<std::uint32_t>(info.block_count);
  m.n_heads = info.head_count_max();
  m.vocab = info.vocab_size;
  m.kv = info.kv;
  m.notes = info.notes;
  return m;
}

}  // namespace hakari::planner
