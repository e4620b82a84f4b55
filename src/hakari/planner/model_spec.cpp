#include "hakari/planner/model_spec.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "hakari/planner/gguf_model.h"

namespace hakari::planner {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// Where a GGUF path ends: after the last ".gguf" that is followed by nothing or ':'.
std::optional<std::size_t> gguf_path_end(std::string_view text) {
  const std::string l = lower(text);
  std::optional<std::size_t> end;
  for (std::size_t at = l.find(".gguf"); at != std::string::npos; at = l.find(".gguf", at + 1)) {
    const std::size_t e = at + 5;
    if (e == l.size() || l[e] == ':') end = e;
  }
  return end;
}

std::uint64_t parse_uint(std::string_view text, std::string_view what, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v == 0 || v > max) {
    throw SpecError(fmt::format("{} '{}' is not a whole number from 1 to {}", what, text, max));
  }
  return v;
}

void apply_option(InstanceConfig& c, std::string_view option, std::string_view spec) {
  const std::size_t eq = option.find('=');
  const std::string name = lower(option.substr(0, eq));
  const std::string_view value = eq == std::string_view::npos ? std::string_view() : option.substr(eq + 1);
  if (eq == std::string_view::npos || value.empty()) {
    throw SpecError(fmt::format("'{}' in '{}' is not an option (choices: ctx=N, parallel=N, kv=TYPE, fa=on|off)",
                                option, spec));
  }
  if (name == "ctx") {
    c.ctx_per_slot = parse_token_count(value, "ctx");
  } else if (name == "parallel" || name == "np") {
    c.parallel = static_cast<std::uint32_t>(parse_uint(value, "parallel", kMaxParallel));
  } else if (name == "kv") {
    const auto t = find_kv_type(value);
    if (!t) throw SpecError(fmt::format("kv type '{}' in '{}' is not one of: {}", value, spec, kv_type_keys()));
    c.kv_type = *t;
  } else if (name == "fa") {
    const std::string v = lower(value);
    if (v != "on" && v != "off") throw SpecError(fmt::format("fa='{}' in '{}': choose on or off", value, spec));
    c.flash_attention = v == "on";
  } else {
    throw SpecError(fmt::format("unknown option '{}' in '{}' (choices: ctx=N, parallel=N, kv=TYPE, fa=on|off)",
                                name, spec));
  }
}

}  // namespace

std::uint64_t parse_token_count(std::string_view text, std::string_view what) {
  std::uint64_t scale = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) {
    scale = 1024;
    text.remove_suffix(1);
  }
  const std::uint64_t v = parse_uint(text, what, kMaxCtxPerSlot / scale);
  return v * scale;
}

ModelSpec parse_model_spec(std::string_view text, const InstanceConfig& defaults) {
  ModelSpec spec;
  spec.text = std::string(text);
  spec.config = defaults;
  if (text.empty()) throw SpecError("an empty model spec (give KEY:QUANT or a .gguf path)");
  std::string_view rest;
  if (const auto end = gguf_path_end(text)) {
    spec.gguf = true;
    spec.path = std::string(text.substr(0, *end));
    rest = text.substr(*end);
    if (!rest.empty()) rest.remove_prefix(1);
  } else {
    const std::vector<std::string_view> parts = split(text, ':');
    spec.model = find_model(parts[0]);
    if (!spec.model) {
      const bool pathish = parts[0].find('/') != std::string_view::npos;
      throw SpecError(fmt::format("unknown model '{}'{} (choices: {}; or a path to a .gguf file)", parts[0],
                                  pathish ? " (GGUF paths must end in .gguf)" : "", model_keys()));
    }
    if (parts.size() < 2 || parts[1].empty()) {
      throw SpecError(fmt::format("'{}' needs a quantization, e.g. {}:q4_k_m (choices: {})", text, spec.model->key,
                                  quant_keys()));
    }
    const auto q = find_quant(parts[1]);
    if (!q) {
      throw SpecError(fmt::format("unknown quantization '{}' for {} (choices: {})", parts[1], spec.model->key,
                                  quant_keys()));
    }
    spec.quant = *q;
    const std::size_t used = parts[0].size() + 1 + parts[1].size();
    rest = used < text.size() ? text.substr(used + 1) : std::string_view();
  }
  if (!rest.empty() || (spec.gguf && text.size() > spec.path.size())) {
    for (std::string_view option : split(rest, ':')) apply_option(spec.config, option, text);
  }
  if (spec.config.ctx_per_slot * spec.config.parallel > kMaxCtxPerSlot * 16) {
    throw SpecError(fmt::format("'{}': {} tokens × {} slots is more context than any machine holds", text,
                                spec.config.ctx_per_slot, spec.config.parallel));
  }
  return spec;
}

ModelFacts resolve_model(const ModelSpec& spec) {
  if (spec.gguf) return facts_from_gguf(inspect_gguf(spec.path));
  return facts_from_catalog(*spec.model, spec.quant);
}

}  // namespace hakari::planner
