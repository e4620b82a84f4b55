#include "hakari/telemetry/sysfs/rapl_sampler.h"

#include <algorithm>
#include <exception>
#include <map>

namespace hakari::telemetry {
namespace {

// "intel-rapl:0" -> {0}, "intel-rapl:0:2" -> {0, 2}; anything else (the control type
// "intel-rapl", the MMIO duplicate "intel-rapl-mmio:0") -> empty.
std::vector<unsigned> zone_path(std::string_view name) {
  constexpr std::string_view kPrefix = "intel-rapl:";
  if (name.substr(0, kPrefix.size()) != kPrefix) return {};
  name.remove_prefix(kPrefix.size());
  std::vector<unsigned> parts;
  while (true) {
    const auto colon = name.find(':');
    auto n = numbered(name.substr(0, colon), "");
    if (!n) return {};
    parts.push_back(*n);
    if (colon == std::string_view::npos) break;
    name.remove_prefix(colon + 1);
  }
  return parts.size() <= 2 ? parts : std::vector<unsigned>{};
}

std::string scope_of(const std::string& zone_name) {
  if (zone_name.rfind("package-", 0) == 0) return "cpu-package";
  if (zone_name == "core") return "cpu-cores";
  if (zone_name == "uncore") return "uncore";
  if (zone_name == "dram") return "dram";
  if (zone_name == "psys") return "platform";
  return zone_name;
}

}  // namespace

std::uint64_t EnergyUnwrapper::add(std::uint64_t raw, bool* unknown_wrap) {
  if (unknown_wrap) *unknown_wrap = false;
  if (last_ && raw < *last_) {
    if (range_) {
      offset_ += *range_ + 1;
    } else {
      offset_ += *last_;  // restarted from 0, as far as we can tell
      if (unknown_wrap) *unknown_wrap = true;
    }
    ++wraps_;
  }
  last_ = raw;
  return offset_ + raw;
}

RaplSampler::RaplSampler(std::string root, FileReader reader) : root_(std::move(root)), reader_(std::move(reader)) {
  try {
    discover();
  } catch (const std::exception& e) {
    note_once("internal", std::string("discovery failed: ") + e.what());
  }
}

void RaplSampler::discover() {
  rediscover_ = false;
  std::map<std::string, EnergyUnwrapper> kept;
  for (auto& z : zones_) kept.emplace(z.dir, z.unwrap);
  zones_.clear();

  const std::string base = "/sys/class/powercap";
  std::map<unsigned, std::string> package_names;  // top-level zone number -> its name
  std::vector<std::pair<std::vector<unsigned>, std::string>> found;
  for (const auto& entry : list_dir(path(base))) {
    auto zp = zone_path(entry);
    if (!zp.empty()) found.emplace_back(zp, entry);
  }
  std::sort(found.begin(), found.end());  // each package before its subzones
  for (const auto& [zp, dir] : found) {
    const std::string zdir = base + "/" + dir;
    auto name = read_text(reader_, path(zdir + "/name"));
    const std::string zname = name.value && !name.value->empty() ? *name.value : dir;
    if (zp.size() == 1) package_names[zp[0]] = zname;
    std::string id = "rapl:";
    if (zp.size() == 2) {
      auto parent = package_names.find(zp[0]);
      id += (parent != package_names.end() ? parent->second : "intel-rapl:" + std::to_string(zp[0])) + ":";
    }
    id += zname;

    std::optional<std::uint64_t> range;
    auto r = read_integer(reader_, path(zdir + "/max_energy_range_uj"));
    if (r.value && *r.value > 0) {
      range = static_cast<std::uint64_t>(*r.value);
    } else {
      note_once(zdir + "/max_energy_range_uj",
                zdir + "/max_energy_range_uj: " + (r.value ? "not positive" : r.error) +
                    "; a counter wrap will be treated as a restart from 0");
    }
    Zone z{dir, id, scope_of(zname), zdir + "/energy_uj", EnergyUnwrapper(range)};
    if (auto k = kept.find(dir); k != kept.end()) z.unwrap = k->second;
    zones_.push_back(std::move(z));
  }
  if (zones_.empty()) {
    note_once("none", "no RAPL zones under /sys/class/powercap (is intel_rapl_msr loaded?): no CPU energy");
  }
}

void RaplSampler::sample(Snapshot& out) {
  try {
    if (rediscover_) discover();
    for (auto& z : zones_) {
      auto r = read_integer(reader_, path(z.energy_file));
      if (!r.value || *r.value < 0) {
        if (r.denied) {
          // Root-only since Linux 5.10 (PLATYPUS); one note for all zones.
          note_once("denied", z.energy_file + ": permission denied: RAPL energy needs root or a udev rule");
        } else {
          note_once(z.energy_file, z.energy_file + ": " + (r.value ? "negative" : r.error));
          if (r.missing) rediscover_ = true;
        }
        continue;
      }
      bool unknown_wrap = false;
      const std::uint64_t uj = z.unwrap.add(static_cast<std::uint64_t>(*r.value), &unknown_wrap);
      if (unknown_wrap) {
        note_once(z.energy_file + ":wrap", z.id + ": energy_uj went backwards and max_energy_range_uj is unknown; "
                                                  "assumed a restart from 0");
      }
      out.energy.push_back({z.id, z.scope, static_cast<double>(uj) / 1e6});
    }
  } catch (const std::exception& e) {
    note_once("internal", std::string("sampling failed: ") + e.what());
  }
}

}  // namespace hakari::telemetry
