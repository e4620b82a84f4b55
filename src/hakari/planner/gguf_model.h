// What a GGUF file says about its model: the architecture keys llama.cpp reads, and
// totals over the tensor table (parameters, bytes per ggml type, bytes read per token for
// a mixture of experts). Split models (`name-00001-of-00003.gguf`) are summed over every
// shard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hakari/planner/gguf.h"
#include "hakari/planner/model_facts.h"

namespace hakari::planner {

struct GgufTypeTotal {
  std::uint32_t type = 0;  // ggml type id
  std::uint64_t tensors = 0;
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;
};

struct GgufModelInfo {
  std::vector<std::string> paths;  // every shard, in order
  std::uint64_t file_bytes = 0;    // all shards
  std::uint32_t version = 0;       // GGUF version of the first shard
  std::uint64_t alignment = 32;
  std::uint64_t data_offset = 0;   // of the first shard
  std::uint64_t metadata_count = 0;
  std::uint64_t tensor_count = 0;

  std::string architecture;
  std::string name;                      // general.name, may be empty
  std::optional<std::uint32_t> file_type;  // general.file_type
  std::string file_type_name;            // "Q4_K_M", "unknown (99)", "" when absent

  std::uint64_t block_count = 0;
  std::uint64_t context_length = 0;
  std::uint64_t embedding_length = 0;
  std::uint64_t feed_forward_length = 0;
  std::vector<std::uint32_t> head_count;     // per layer (a scalar key repeats)
  std::vector<std::uint32_t> head_count_kv;  // per layer; = head_count when the key is absent
  std::uint64_t key_length = 0;              // per head
  std::uint64_t value_length = 0;
  bool key_length_explicit = false;          // from {arch}.attention.key_length
  std::uint64_t kv_lora_rank = 0;            // MLA (DeepSeek-V2/V3): compressed KV
  std::uint64_t expert_count = 0;
  std::uint64_t expert_used_count = 0;
  std::uint64_t vocab_size = 0;
  std::uint64_t sliding_window = 0;
  std::vector<bool> sliding_layers;          // per layer; empty when none

  std::uint64_t parameters = 0;              // sum of tensor element counts
  std::uint64_t weights_bytes = 0;           // sum of tensor bytes
  std::uint64_t expert_bytes = 0;            // tensors named *_exps*
  std::uint64_t shared_expert_bytes = 0;     // tensors named *_shexp* (always read)
  std::uint64_t expert_params = 0;
  double active_weight_bytes = 0;            // non-expert + used/count × expert bytes
  double active_parameters = 0;
  std::vector<GgufTypeTotal> by_type;        // sorted by bytes, largest first

  KvLayout kv;
  std::vector<std::string> notes;

  std::uint32_t head_count_max() const;
  std::uint64_t head_dim() const { return key_length; }
};

// Derives the model facts from parsed shards (first shard first). Throws GgufError when a
// key the planner needs is missing or has an impossible value.
GgufModelInfo describe_gguf(const std::vector<GgufFile>& shards);

// Reads `path` and, when its name is `*-0000k-of-0000N.gguf`, every other shard of the set.
GgufModelInfo inspect_gguf(const std::string& path);

// The shard paths of a split name, or just `path` when it is not one. Does not touch the disk.
std::vector<std::string> shard_paths(const std::string& path);

// "Qwen3-32B-Q4_K_M" for ".../Qwen3-32B-Q4_K_M.gguf" or ".../Qwen3-32B-Q4_K_M-00001-of-00002.gguf".
std::string gguf_file_stem(const std::string& path);

// The planner's view: resident bytes = the tensor table's total, bytes per token = the
// active share, label from general.name (or the file name).
ModelFacts facts_from_gguf(const GgufModelInfo& info);

}  // namespace hakari::planner
