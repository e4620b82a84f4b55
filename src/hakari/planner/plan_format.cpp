#include "hakari/planner/plan_format.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "hakari/core/json_writer.h"
#include "hakari/planner/ggml_types.h"
#include "hakari/planner/model_catalog.h"

namespace hakari::planner {
namespace {

constexpr std::string_view kContextConvention =
    "ctx is per slot; llama-server -c is the total (ctx x parallel), Ollama num_ctx and vLLM max_model_len are per "
    "sequence";
constexpr std::string_view kBufferConvention =
    "compute buffers = 1 GiB + n_ubatch x cached tokens x 2 B (attention mask), + n_heads x n_ubatch x cached tokens "
    "x 4 B without flash attention";

double gb(double bytes) { return bytes / kGB; }

// Byte counts go out as integers (1.98e10 bytes is 19800000000 to a script).
void field_bytes(JsonWriter& w, std::string_view key, double bytes) {
  w.field(key, static_cast<long long>(std::llround(bytes)));
}

std::string fixed_gb(double bytes) { return fmt::format("{:.2f}", gb(bytes)); }

std::string tps(double v) {
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

std::string kib(double bytes) {
  if (bytes >= 1024 * 1024) return fmt::format("{:.3g} MiB", bytes / (1024 * 1024));
  return fmt::format("{:.4g} KiB", bytes / 1024);
}

std::string model_name(const PlanItem& item) {
  return item.model.quant.empty() ? item.model.label : item.model.label + " " + item.model.quant;
}

void write_decode(JsonWriter& w, const DecodeCeiling& d) {
  w.begin_object();
  w.field("depth", static_cast<unsigned long long>(d.depth));
  field_bytes(w, "weight_bytes", d.weight_bytes);
  field_bytes(w, "kv_bytes", d.kv_bytes);
  field_bytes(w, "bytes_per_token", d.bytes_per_token);
  w.field("bandwidth_gbs", d.bandwidth_gbs);
  w.field("tokens_per_s", d.tokens_per_s);
  w.field("theoretical_bandwidth_gbs", d.theoretical_bandwidth_gbs);
  w.field("theoretical_tokens_per_s", d.theoretical_tokens_per_s);
  w.end_object();
}

void write_strings(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items) w.value(s);
  w.end_array();
}

}  // namespace

std::string plan_text(const Plan& plan) {
  std::string out;
  out += fmt::format("Memory plan (GB = 10^9 bytes; ctx is per slot: llama-server -c = ctx x slots)\n\n");
  out += fmt::format("  {:>2}  {:<36} {:>8} {:>8} {:>8} {:>8}  {}\n", "#", "model", "weights", "KV", "buffers",
                     "total", "ctx/slot x slots, KV type");
  int n = 0;
  for (const PlanItem& item : plan.items) {
    ++n;
    const InstanceConfig& c = item.spec.config;
    out += fmt::format("  {:>2}  {:<36} {:>8} {:>8} {:>8} {:>8}  {} x {}, {}{}\n", n, model_name(item),
                       fixed_gb(item.memory.weights_bytes), fixed_gb(item.memory.kv_bytes),
                       fixed_gb(item.memory.buffer_bytes), fixed_gb(item.memory.total_bytes), c.ctx_per_slot,
                       c.parallel, kv_type_key(c.kv_type), c.flash_attention ? "" : ", no flash attention");
  }
  out += fmt::format("  {:>2}  {:<36} {:>8} {:>8} {:>8} {:>8}\n", "", "sum", fixed_gb(plan.weights_bytes),
                     fixed_gb(plan.kv_bytes), fixed_gb(plan.buffer_bytes), fixed_gb(plan.total_bytes));
  if (plan.budget) {
    const PlanBudget& b = *plan.budget;
    out += fmt::format("  {:>2}  {:<36} {:>8} {:>8} {:>8} {:>8}  {}\n", "", "budget", "", "", "",
                       fixed_gb(b.budget_bytes), b.basis);
    if (b.os_reserve_bytes > 0) {
      out += fmt::format("  {:>2}  {:<36} {:>8} {:>8} {:>8} {:>8}  {}\n", "", "OS reserve", "", "", "",
                         fixed_gb(-b.os_reserve_bytes), b.reserve_basis);
    }
    out += fmt::format("  {:>2}  {:<36} {:>8} {:>8} {:>8} {:>8}\n", "", "headroom", "", "", "",
                       fixed_gb(*plan.headroom_bytes));
  }
  out += "\n" + plan.verdict + "\n";

  if (plan.hardware) {
    const catalog::HardwareProfile& hw = *plan.hardware;
    out += fmt::format(
        "\nDecode ceiling on {}: bandwidth / bytes read per token, one sequence, KV read at depth {}\n", hw.name,
        plan.depth);
    out += fmt::format("  {:>2}  {:<36} {:>10} {:>14} {:>14} {:>14} {:>14}\n", "#", "model", "read/token",
                       fmt::format("@{:g} GB/s", hw.practical_bandwidth_gbs()), fmt::format("@{:g} GB/s", hw.bandwidth_gbs),
                       "full slot", "prefill");
    n = 0;
    for (const PlanItem& item : plan.items) {
      ++n;
      out += fmt::format("  {:>2}  {:<36} {:>10} {:>14} {:>14} {:>14} {:>14}\n", n, model_name(item),
                         format_gb(item.decode->bytes_per_token), tps(item.decode->tokens_per_s) + " t/s",
                         tps(item.decode->theoretical_tokens_per_s) + " t/s",
                         tps(item.decode_full->tokens_per_s) + " t/s", tps(item.prefill->tokens_per_s) + " t/s");
    }
    out += fmt::format(
        "  @{:g} GB/s is the practical ceiling ({}), @{:g} GB/s the theoretical one; full slot = KV read at ctx/slot.\n",
        hw.practical_bandwidth_gbs(), hw.measured_bandwidth_gbs > 0 ? "measured" : "datasheet", hw.bandwidth_gbs);
    bool any_moe = false;
    for (const PlanItem& item : plan.items) any_moe = any_moe || item.model.moe;
    if (any_moe) {
      out += "  A mixture of experts counts only the experts a token uses (measured MoE decode reaches 60-70 %).\n";
    }
    out += fmt::format("  prefill = {:g} TFLOPS FP16 x {:.0f} % efficiency / (2 x active parameters).\n",
                       hw.fp16_tflops, kPrefillEfficiency * 100);
  }

  out += "\nSources\n";
  n = 0;
  std::vector<std::string> noted;  // each model's notes once
  for (const PlanItem& item : plan.items) {
    ++n;
    const std::string name = model_name(item);
    const bool first = std::find(noted.begin(), noted.end(), name) == noted.end();
    if (first) noted.push_back(name);
    out += fmt::format("  {:>2}  {}: weights {}; KV {} per token; llama-server {}\n", n, model_name(item),
                       item.model.weights_basis, kib(item.memory.kv_bytes_per_token),
                       llama_server_flags(item.spec.config));
    if (item.model.context_length > 0 && item.spec.config.ctx_per_slot > item.model.context_length) {
      out += fmt::format("      note: ctx {} exceeds the trained context {}\n", item.spec.config.ctx_per_slot,
                         item.model.context_length);
    }
    if (first) {
      for (const std::string& note : item.model.notes) out += fmt::format("      note: {}\n", note);
    }
  }
  out += fmt::format("  {}\n", kBufferConvention);
  return out;
}

std::string plan_json(const Plan& plan) {
  std::string out;
  JsonWriter w(out, 2);
  w.begin_object();
  w.field("schema_version", kPlanSchemaVersion);
  w.key("conventions").begin_object();
  w.field("units", "bytes; text output uses GB = 1e9 bytes");
  w.field("context", kContextConvention);
  w.field("buffers", kBufferConvention);
  w.end_object();
  w.key("models").begin_array();
  for (const PlanItem& item : plan.items) {
    const InstanceConfig& c = item.spec.config;
    const ModelFacts& m = item.model;
    w.begin_object();
    w.field("spec", item.spec.text);
    w.field("label", m.label);
    w.field("quant", m.quant);
    if (m.key.empty()) {
      w.field_null("key");
    } else {
      w.field("key", m.key);
    }
    w.field("source", m.source);
    w.field("architecture", m.architecture);
    w.field("params_total", static_cast<unsigned long long>(m.params_total));
    w.field("params_active", static_cast<unsigned long long>(m.params_active));
    w.field("moe", m.moe);
    w.field("context_length", static_cast<unsigned long long>(m.context_length));
    field_bytes(w, "weights_bytes", item.memory.weights_bytes);
    w.field("weights_basis", m.weights_basis);
    w.field("weights_published", m.weights_published);
    field_bytes(w, "active_weight_bytes", m.active_weight_bytes);
    w.field("ctx_per_slot", static_cast<unsigned long long>(c.ctx_per_slot));
    w.field("parallel", c.parallel);
    w.field("ctx_total", static_cast<unsigned long long>(c.ctx_total()));
    w.field("kv_type", kv_type_key(c.kv_type));
    w.field("flash_attention", c.flash_attention);
    w.field("llama_server_flags", llama_server_flags(c));
    w.field("kv_bytes_per_token", item.memory.kv_bytes_per_token);
    field_bytes(w, "kv_bytes", item.memory.kv_bytes);
    w.field("sliding_window_tokens", static_cast<unsigned long long>(item.memory.sliding_tokens));
    field_bytes(w, "buffer_bytes", item.memory.buffer_bytes);
    field_bytes(w, "total_bytes", item.memory.total_bytes);
    w.key("notes");
    write_strings(w, m.notes);
    if (item.decode) {
      w.key("decode");
      write_decode(w, *item.decode);
      w.key("decode_full_slot");
      write_decode(w, *item.decode_full);
      w.key("prefill").begin_object();
      w.field("flops_per_token", item.prefill->flops_per_token);
      w.field("peak_tflops", item.prefill->peak_tflops);
      w.field("efficiency", item.prefill->efficiency);
      w.field("tokens_per_s", item.prefill->tokens_per_s);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  w.key("totals").begin_object();
  field_bytes(w, "weights_bytes", plan.weights_bytes);
  field_bytes(w, "kv_bytes", plan.kv_bytes);
  field_bytes(w, "buffer_bytes", plan.buffer_bytes);
  field_bytes(w, "total_bytes", plan.total_bytes);
  w.end_object();
  if (plan.budget) {
    w.key("budget").begin_object();
    field_bytes(w, "budget_bytes", plan.budget->budget_bytes);
    field_bytes(w, "os_reserve_bytes", plan.budget->os_reserve_bytes);
    field_bytes(w, "usable_bytes", plan.budget->usable_bytes);
    w.field("basis", plan.budget->basis);
    w.end_object();
    field_bytes(w, "headroom_bytes", *plan.headroom_bytes);
    w.field("fits", *plan.fits);
  } else {
    w.field_null("budget");
    w.field_null("headroom_bytes");
    w.field_null("fits");
  }
  w.field("verdict", plan.verdict);
  if (plan.hardware) {
    const catalog::HardwareProfile& hw = *plan.hardware;
    w.key("hardware").begin_object();
    w.field("key", hw.key);
    w.field("name", hw.name);
    w.field("memory_gb", hw.memory_gb);
    w.field("bandwidth_gbs", hw.bandwidth_gbs);
    w.field("practical_bandwidth_gbs", hw.practical_bandwidth_gbs());
    w.field("fp16_tflops", hw.fp16_tflops);
    w.field("source", hw.source);
    w.end_object();
    w.field("depth", static_cast<unsigned long long>(plan.depth));
  } else {
    w.field_null("hardware");
  }
  w.end_object();
  out += '\n';
  return out;
}

std::string inspect_text(const GgufModelInfo& info) {
  std::string out;
  out += fmt::format("{} (GGUF v{}, {} file{}, {} bytes = {})\n", info.paths.front(), info.version,
                     info.paths.size(), info.paths.size() == 1 ? "" : "s", info.file_bytes,
                     format_gb(static_cast<double>(info.file_bytes)));
  auto row = [&out](std::string_view k, const std::string& v) { out += fmt::format("  {:<18} {}\n", k, v); };
  row("architecture", info.architecture);
  row("name", info.name.empty() ? "(not set)" : info.name);
  row("file type", info.file_type ? fmt::format("{} ({})", info.file_type_name, *info.file_type) : "(not set)");
  row("parameters", fmt::format("{} ({:.2f} B)", info.parameters, static_cast<double>(info.parameters) / 1e9));
  row("layers", std::to_string(info.block_count));
  row("context length", std::to_string(info.context_length));
  row("embedding", std::to_string(info.embedding_length));
  row("feed forward", std::to_string(info.feed_forward_length));
  const std::uint32_t heads = info.head_count_max();
  std::uint32_t kv_min = UINT32_MAX;
  std::uint32_t kv_max = 0;
  for (std::uint32_t h : info.head_count_kv) {
    kv_min = std::min(kv_min, h);
    kv_max = std::max(kv_max, h);
  }
  if (info.head_count_kv.empty()) kv_min = 0;
  row("heads", kv_min == kv_max ? fmt::format("{} (KV {})", heads, kv_max)
                                : fmt::format("{} (KV {}-{} per layer)", heads, kv_min, kv_max));
  row("head dim", fmt::format("{}{}{}", info.key_length,
                              info.value_length != info.key_length ? fmt::format(" (V {})", info.value_length) : "",
                              info.key_length_explicit ? " (explicit key_length)" : " (embedding / heads)"));
  if (info.expert_count > 0) {
    row("experts", fmt::format("{}, {} used per token", info.expert_count, info.expert_used_count));
  }
  if (info.sliding_window > 0) {
    std::size_t n = 0;
    for (bool s : info.sliding_layers) n += s ? 1 : 0;
    row("sliding window", fmt::format("{} tokens on {} of {} layers", info.sliding_window, n, info.block_count));
  }
  row("vocabulary", std::to_string(info.vocab_size));
  row("tensors", fmt::format("{} ({} metadata keys)", info.tensor_count, info.metadata_count));
  const double bpw = info.parameters ? 8.0 * static_cast<double>(info.weights_bytes) / static_cast<double>(info.parameters) : 0;
  row("weights", fmt::format("{} bytes = {} ({:.2f} bits per weight)", info.weights_bytes,
                             format_gb(static_cast<double>(info.weights_bytes)), bpw));
  if (info.expert_bytes > 0) {
    row("read per token", fmt::format("{} (non-expert + {}/{} of {} expert tensors)",
                                      format_gb(info.active_weight_bytes), info.expert_used_count, info.expert_count,
                                      format_gb(static_cast<double>(info.expert_bytes))));
  }
  const double kv = static_cast<double>(info.kv.f16_bytes_per_token());
  row("KV cache (f16)", fmt::format("{} bytes per token ({}); {} at 8192 tokens", kv, kib(kv), format_gb(kv * 8192)));
  out += "  tensor types:\n";
  for (const GgufTypeTotal& t : info.by_type) {
    out += fmt::format("    {:<8} {:>6} tensors {:>16} bytes  {:>10}\n", ggml_type_label(t.type), t.tensors, t.bytes,
                       format_gb(static_cast<double>(t.bytes)));
  }
  for (const std::string& note : info.notes) out += fmt::format("  note: {}\n", note);
  return out;
}

std::string inspect_json(const GgufModelInfo& info) {
  std::string out;
  JsonWriter w(out, 2);
  w.begin_object();
  w.field("schema_version", kPlanSchemaVersion);
  w.key("files");
  write_strings(w, info.paths);
  w.field("gguf_version", info.version);
  w.field("architecture", info.architecture);
  w.field("name", info.name);
  if (info.file_type) {
    w.field("file_type", info.file_type_name);
    w.field("file_type_id", *info.file_type);
  } else {
    w.field_null("file_type");
    w.field_null("file_type_id");
  }
  w.field("block_count", static_cast<unsigned long long>(info.block_count));
  w.field("context_length", static_cast<unsigned long long>(info.context_length));
  w.field("embedding_length", static_cast<unsigned long long>(info.embedding_length));
  w.field("feed_forward_length", static_cast<unsigned long long>(info.feed_forward_length));
  w.field("head_count", info.head_count_max());
  bool uniform = true;
  for (std::uint32_t h : info.head_count_kv) uniform = uniform && h == info.head_count_kv.front();
  if (uniform) {
    w.field("head_count_kv", info.head_count_kv.empty() ? 0u : info.head_count_kv.front());
  } else {
    w.key("head_count_kv").begin_array();
    for (std::uint32_t h : info.head_count_kv) w.value(h);
    w.end_array();
  }
  w.field("head_dim", static_cast<unsigned long long>(info.key_length));
  w.field("key_length", static_cast<unsigned long long>(info.key_length));
  w.field("value_length", static_cast<unsigned long long>(info.value_length));
  w.field("key_length_explicit", info.key_length_explicit);
  w.field("expert_count", static_cast<unsigned long long>(info.expert_count));
  w.field("expert_used_count", static_cast<unsigned long long>(info.expert_used_count));
  w.field("vocab_size", static_cast<unsigned long long>(info.vocab_size));
  w.field("sliding_window", static_cast<unsigned long long>(info.sliding_window));
  w.field("parameters", static_cast<unsigned long long>(info.parameters));
  w.field("active_parameters", info.active_parameters);
  w.field("file_bytes", static_cast<unsigned long long>(info.file_bytes));
  w.field("weights_bytes", static_cast<unsigned long long>(info.weights_bytes));
  field_bytes(w, "active_weight_bytes", info.active_weight_bytes);
  w.field("expert_bytes", static_cast<unsigned long long>(info.expert_bytes));
  w.field("shared_expert_bytes", static_cast<unsigned long long>(info.shared_expert_bytes));
  w.field("tensor_count", static_cast<unsigned long long>(info.tensor_count));
  w.field("metadata_count", static_cast<unsigned long long>(info.metadata_count));
  w.field("alignment", static_cast<unsigned long long>(info.alignment));
  w.field("data_offset", static_cast<unsigned long long>(info.data_offset));
  w.key("tensor_types").begin_array();
  for (const GgufTypeTotal& t : info.by_type) {
    w.begin_object();
    w.field("type", ggml_type_label(t.type));
    w.field("type_id", t.type);
    w.field("tensors", static_cast<unsigned long long>(t.tensors));
    w.field("elements", static_cast<unsigned long long>(t.elements));
    w.field("bytes", static_cast<unsigned long long>(t.bytes));
    w.end_object();
  }
  w.end_array();
  w.field("kv_bytes_per_token", static_cast<unsigned long long>(info.kv.f16_bytes_per_token()));
  w.field("kv_type", "f16");
  w.key("notes");
  write_strings(w, info.notes);
  w.end_object();
  out += '\n';
  return out;
}

std::string catalog_text() {
  std::string out = "Built-in models (sizes in GB = 10^9 bytes; * = computed from bits per weight, not published)\n\n";
  out += fmt::format("  {:<16} {:<30} {:<9} {:>8} {:>6} {:>9} {:>8}  {}\n", "key", "model", "arch", "params", "layers",
                     "KV/token", "context", "GGUF sizes");
  for (const CatalogModel& m : model_catalog()) {
    std::string sizes;
    for (const QuantInfo& q : catalog_quants()) {
      const PublishedSize* p = published_size(m, q.quant);
      if (!sizes.empty()) sizes += ", ";
      sizes += p ? fmt::format("{} {:g}", q.key, p->gb)
                 : fmt::format("{} {:.1f}*", q.key, computed_weights_bytes(m, q.quant) / kGB);
    }
    out += fmt::format("  {:<16} {:<30} {:<9} {:>7.2f}B {:>6} {:>9} {:>8}  {}\n", m.key, m.name, m.architecture,
                       static_cast<double>(m.params_total) / 1e9, m.layers,
                       kib(static_cast<double>(catalog_kv_bytes_per_token(m))), m.context_length, sizes);
    if (!m.unconfirmed.empty()) out += fmt::format("  {:<16} unconfirmed: {}\n", "", m.unconfirmed);
  }
  out += "\nQuantizations: " + quant_keys() + " (any case). KV cache types: " + kv_type_keys() + ".\n";
  return out;
}

std::string catalog_json() {
  std::string out;
  JsonWriter w(out, 2);
  w.begin_object();
  w.field("schema_version", kPlanSchemaVersion);
  w.key("models").begin_array();
  for (const CatalogModel& m : model_catalog()) {
    w.begin_object();
    w.field("key", m.key);
    w.field("name", m.name);
    w.field("hf_repo", m.hf_repo);
    w.field("architecture", m.architecture);
    w.field("license", m.license);
    w.field("params_total", static_cast<unsigned long long>(m.params_total));
    w.field("params_active", static_cast<unsigned long long>(active_params(m)));
    w.field("layers", m.layers);
    w.field("hidden", m.hidden);
    w.field("heads", m.heads);
    w.field("kv_heads", m.kv_heads);
    w.field("head_dim", m.head_dim);
    w.field("vocab", m.vocab);
    w.field("context_length", static_cast<unsigned long long>(m.context_length));
    w.field("experts", m.experts);
    w.field("experts_used", m.experts_used);
    w.field("kv_bytes_per_token", static_cast<unsigned long long>(catalog_kv_bytes_per_token(m)));
    w.key("sizes").begin_array();
    for (const QuantInfo& q : catalog_quants()) {
      const PublishedSize* p = published_size(m, q.quant);
      w.begin_object();
      w.field("quant", q.key);
      field_bytes(w, "bytes", p ? p->gb * kGB : computed_weights_bytes(m, q.quant));
      w.field("published", p != nullptr);
      if (p) {
        w.field("where", p->where);
      } else {
        w.field("bits_per_weight", q.bits_per_weight);
      }
      w.end_object();
    }
    w.end_array();
    w.field("unconfirmed", m.unconfirmed);
    w.field("note", m.note);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace hakari::planner
