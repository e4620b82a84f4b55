#include "hakari/telemetry/sysfs/hwmon_sampler.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <tuple>

namespace hakari::telemetry {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

HwmonSampler::HwmonSampler(std::string root, FileReader reader) : root_(std::move(root)), reader_(std::move(reader)) {
  try {
    discover();
  } catch (const std::exception& e) {
    note_once("internal", std::string("discovery failed: ") + e.what());
  }
}

void HwmonSampler::discover() {
  rediscover_ = false;
  sensors_.clear();

  // The devices of amdgpu cards: their hwmon directories belong to the amdgpu sampler.
  std::set<std::string> gpu_devices;
  for (const auto& card : numbered_entries(list_dir(path("/sys/class/drm")), "card")) {
    const std::string dev = "/sys/class/drm/" + card + "/device";
    auto vendor = read_text(reader_, path(dev + "/vendor"));
    if (!vendor.value || !is_amd_vendor(*vendor.value)) continue;
    if (auto real = real_path(path(dev)); !real.empty()) gpu_devices.insert(real);
  }

  struct Dir {
    std::string hwmon;  // "hwmon3"
    std::string dir;    // "/sys/class/hwmon/hwmon3"
    std::string chip;   // contents of `name`
  };
  std::vector<Dir> dirs;
  std::map<std::string, int> chips;
  for (const auto& h : numbered_entries(list_dir(path("/sys/class/hwmon")), "hwmon")) {
    Dir d{h, "/sys/class/hwmon/" + h, h};
    auto name = read_text(reader_, path(d.dir + "/name"));
    if (name.value && !name.value->empty()) {
      d.chip = *name.value;
    } else {
      note_once(d.dir + "/name", d.dir + "/name: " + (name.value ? "empty file" : name.error) + "; calling it " + h);
    }
    if (d.chip == "amdgpu") continue;
    if (auto real = real_path(path(d.dir + "/device")); !real.empty() && gpu_devices.count(real)) continue;
    ++chips[d.chip];
    dirs.push_back(std::move(d));
  }

  std::set<std::string> ids;
  for (const auto& d : dirs) {
    // Two NVMe drives both say "nvme": then the hwmon number tells them apart.
    const std::string prefix = "hwmon:" + d.chip + (chips[d.chip] > 1 ? "@" + d.hwmon : "") + ":";
    const auto files = list_dir(path(d.dir));
    const std::set<std::string> present(files.begin(), files.end());
    // (kind order, index, stem, file, kind, divisor)
    std::vector<std::tuple<int, unsigned, std::string, std::string, std::string, double>> found;
    for (const auto& f : files) {
      if (ends_with(f, "_input")) {
        const std::string stem = f.substr(0, f.size() - 6);
        if (auto n = numbered(stem, "temp")) found.emplace_back(0, *n, stem, f, "temperature_c", 1000.0);
        if (auto n = numbered(stem, "power")) found.emplace_back(1, *n, stem, f, "power_w", 1e6);
        if (auto n = numbered(stem, "fan")) found.emplace_back(2, *n, stem, f, "fan_rpm", 1.0);
      } else if (ends_with(f, "_average")) {
        // Some chips only average their power; take it where no powerN_input exists.
        const std::string stem = f.substr(0, f.size() - 8);
        auto n = numbered(stem, "power");
        if (n && !present.count(stem + "_input")) found.emplace_back(1, *n, stem, f, "power_w", 1e6);
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& [order, index, stem, file, kind, divisor] : found) {
      (void)order;
      (void)index;
      std::string label = stem;
      if (present.count(stem + "_label")) {
        if (auto l = read_text(reader_, path(d.dir + "/" + stem + "_label")); l.value && !l.value->empty()) {
          label = *l.value;
        }
      }
      std::string id = prefix + label;
      if (!ids.insert(id).second) {
        id += "#" + stem;
        ids.insert(id);
      }
      sensors_.push_back({id, kind, d.dir + "/" + file, divisor});
    }
  }
  if (sensors_.empty()) note_once("none", "no hwmon sensors outside the GPU under /sys/class/hwmon");
}

void HwmonSampler::sample(Snapshot& out) {
  try {
    if (rediscover_) discover();
    for (const auto& s : sensors_) {
      auto r = read_integer(reader_, path(s.file));
      if (!r.value) {
        note_once(s.file, s.file + ": " + r.error);
        if (r.missing) rediscover_ = true;
        continue;
      }
      out.sensors.push_back({s.id, s.kind, static_cast<double>(*r.value) / s.divisor});
    }
  } catch (const std::exception& e) {
    note_once("internal", std::string("sampling failed: ") + e.what());
  }
}

}  // namespace hakari::telemetry
