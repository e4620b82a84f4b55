#include "hakari/telemetry/sysfs/amdgpu_sampler.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <span>

namespace hakari::telemetry {
namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;
// gpu_metrics 3.0 average_dram_reads is a u16 of MB/s: it cannot show more than 65.5 GB/s,
// so a value this close to the ceiling may be clipped and is not reported.
constexpr std::uint32_t kDramSaturatedMbps = 65000;

std::string hex4(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", v & 0xffffu);
  return buf;
}

std::string hex8(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// PCI device ids of the AMD GPUs hakari's users are likely to have. Names follow the
// pci.ids database; Strix Halo's 1586 is shared by the 8060S (40 CU) and 8050S (32 CU).
constexpr AmdDeviceInfo kDevices[] = {
    {0x1586, "Radeon 8060S / 8050S Graphics (Strix Halo)", true},
    {0x150e, "Radeon 880M / 890M Graphics (Strix Point)", true},
    {0x15bf, "Radeon Graphics (Phoenix)", true},
    {0x15c8, "Radeon Graphics (Phoenix2)", true},
    {0x164e, "Radeon Graphics (Raphael)", true},
    {0x1681, "Radeon 680M (Rembrandt)", true},
    {0x744c, "Radeon RX 7900 XT / XTX (Navi 31)", false},
    {0x7480, "Radeon RX 7600 series (Navi 33)", false},
    {0x73bf, "Radeon RX 6800 / 6800 XT / 6900 XT (Navi 21)", false},
    {0x73df, "Radeon RX 6700 / 6700 XT / 6750 XT (Navi 22)", false},
    {0x73ff, "Radeon RX 6600 / 6600 XT (Navi 23)", false},
};

}  // namespace

const AmdDeviceInfo* find_amd_device(std::uint16_t device_id) {
  for (const auto& d : kDevices) {
    if (d.device_id == device_id) return &d;
  }
  return nullptr;
}

AmdgpuSampler::AmdgpuSampler(std::string root, FileReader reader) : root_(std::move(root)), reader_(std::move(reader)) {
  try {
    discover();
  } catch (const std::exception& e) {
    note_once("internal", std::string("discovery failed: ") + e.what());
  }
}

void AmdgpuSampler::note_once(const std::string& key, const std::string& message) {
  if (said_.first(key)) note(message);
}

std::optional<std::int64_t> AmdgpuSampler::read_int(const std::string& sys_path) {
  auto r = read_integer(reader_, path(sys_path));
  if (!r.value) {
    note_once(sys_path, sys_path + ": " + r.error);
    if (r.missing) rediscover_ = true;
  }
  return r.value;
}

std::optional<std::string> AmdgpuSampler::read_str(const std::string& sys_path) {
  auto r = read_text(reader_, path(sys_path));
  if (!r.value) {
    note_once(sys_path, sys_path + ": " + r.error);
    if (r.missing) rediscover_ = true;
  }
  return r.value;
}

void AmdgpuSampler::discover() {
  rediscover_ = false;
  const std::vector<std::string> before = [&] {
    std::vector<std::string> v;
    for (const auto& c : cards_) v.push_back(c.card);
    return v;
  }();
  cards_.clear();
  const std::string drm = "/sys/class/drm";
  // card0, card1 ... only: renderD128 and connectors like card1-DP-1 are not devices.
  for (const auto& card : numbered_entries(list_dir(path(drm)), "card")) {
    const std::string dev = drm + "/" + card + "/device";
    auto vendor = read_text(reader_, path(dev + "/vendor"));
    if (!vendor.value || !is_amd_vendor(*vendor.value)) continue;
    const std::string driver = link_basename(path(dev + "/driver"));
    if (!driver.empty() && driver != "amdgpu") {
      note_once("driver:" + card, "amdgpu:" + card + ": an AMD GPU driven by '" + driver +
                                      "', not amdgpu; it has no telemetry files");
      continue;
    }
    discover_card(card, dev);
  }
  for (const auto& b : before) {
    const bool still = std::any_of(cards_.begin(), cards_.end(), [&](const Card& c) { return c.card == b; });
    if (!still) note_once("gone:" + b, "amdgpu:" + b + ": disappeared from /sys/class/drm");
  }
  if (cards_.empty()) note_once("none", "no amdgpu card under /sys/class/drm");
}

void AmdgpuSampler::discover_card(const std::string& card_name, const std::string& dev) {
  Card c;
  c.card = card_name;
  c.dev = dev;
  c.id = "amdgpu:" + card_name;
  const std::string& id = c.id;
  auto have = [&](const std::string& sys_path) { return exists(path(sys_path)) ? sys_path : std::string(); };
  auto missing = [&](const std::string& sys_path, const std::string& why) {
    note_once(sys_path, id + ": " + sys_path + " is not present" + (why.empty() ? "" : " (" + why + ")"));
  };

  // Name: the board's own product name (dGPUs with a FRU EEPROM), else our table, else the id.
  std::optional<std::uint16_t> device_id;
  if (auto d = read_text(reader_, path(dev + "/device")); d.value) {
    if (auto v = parse_integer(*d.value); v && *v >= 0 && *v <= 0xffff) device_id = static_cast<std::uint16_t>(*v);
  }
  const AmdDeviceInfo* known = device_id ? find_amd_device(*device_id) : nullptr;
  if (auto p = read_text(reader_, path(dev + "/product_name")); p.value && !p.value->empty()) {
    c.name = *p.value;
  } else if (known) {
    c.name = known->name;
  } else if (device_id) {
    c.name = "AMD GPU 1002:" + hex4(*device_id);
  } else {
    c.name = "AMD GPU (" + card_name + ")";
  }
  if (auto fw = read_text(reader_, path(dev + "/fw_version/smc_fw_version")); fw.value) {
    if (auto v = parse_integer(*fw.value); v && *v >= 0 && *v <= 0xffffffffLL) {
      c.smc_fw_version = static_cast<std::uint32_t>(*v);
    }
  }

  c.busy = have(dev + "/gpu_busy_percent");
  c.mem_busy = have(dev + "/mem_busy_percent");
  c.vram_used = have(dev + "/mem_info_vram_used");
  c.vram_total = have(dev + "/mem_info_vram_total");
  c.gtt_used = have(dev + "/mem_info_gtt_used");
  c.gtt_total = have(dev + "/mem_info_gtt_total");
  c.sclk_dpm = have(dev + "/pp_dpm_sclk");
  c.mclk_dpm = have(dev + "/pp_dpm_mclk");
  c.metrics = have(dev + "/gpu_metrics");

  // The card's hwmon directory: power, temperatures, clocks, fans.
  std::string in1_label;
  const auto hwmons = numbered_entries(list_dir(path(dev + "/hwmon")), "hwmon");
  if (!hwmons.empty()) {
    c.hwmon = dev + "/hwmon/" + hwmons.front();
    const std::string& h = c.hwmon;
    c.power_input = have(h + "/power1_input");
    c.power_average = have(h + "/power1_average");
    if (auto l = read_text(reader_, path(h + "/in1_label")); l.value) in1_label = *l.value;
    const auto files = list_dir(path(h));
    for (const auto& f : files) {
      // tempN_input with tempN_label; without labels amdgpu's order is edge, junction, mem.
      if (f.size() > 6 && f.rfind("_input") == f.size() - 6) {
        const std::string stem = f.substr(0, f.size() - 6);
        auto label = read_text(reader_, path(h + "/" + stem + "_label")).value.value_or("");
        if (auto n = numbered(stem, "temp")) {
          if (label.empty()) label = *n == 1 ? "edge" : *n == 2 ? "junction" : *n == 3 ? "mem" : "";
          if (label == "edge") c.temp_edge = h + "/" + f;
          if (label == "junction") c.temp_junction = h + "/" + f;
          if (label == "mem") c.temp_mem = h + "/" + f;
        } else if (auto m = numbered(stem, "freq")) {
          if (label.empty()) label = *m == 1 ? "sclk" : *m == 2 ? "mclk" : "";
          if (label == "sclk") c.sclk_freq = h + "/" + f;
          if (label == "mclk") c.mclk_freq = h + "/" + f;
        } else if (auto k = numbered(stem, "fan")) {
          c.fans.emplace_back(id + ":fan" + std::to_string(*k), h + "/" + f);
        }
      }
    }
  } else {
    note_once(dev + "/hwmon", id + ": no hwmon directory under " + dev +
                                  ": no power, temperature or hwmon clock readings");
  }

  // Read gpu_metrics once: its format says APU or dGPU, and an unknown one is not read again.
  std::optional<GpuMetricsParse> gm;
  if (!c.metrics.empty()) {
    FileRead f = reader_(path(c.metrics), 64 * 1024);
    if (f.text) {
      gm = parse_gpu_metrics(as_bytes(*f.text), GpuMetricsOptions{c.smc_fw_version});
      if (gm->unknown_version) {
        note_once(c.metrics, id + ": " + c.metrics + ": " + gm->error + "; using the other sysfs files");
        c.metrics.clear();
      }
    }
  }
  const bool metrics_ok = gm && gm->metrics;

  // APU or discrete. The kernel creates hwmon in1 ("vddnb") only on APUs; APU gpu_metrics
  // tables are formats 2 and 3, dGPU tables format 1; then our device table; only then a
  // guess from the memory sizes (an APU's VRAM is a small BIOS carve-out).
  if (in1_label == "vddnb") {
    c.apu = true;
  } else if (metrics_ok) {
    c.apu = gm->metrics->apu_layout;
  } else if (known) {
    c.apu = known->apu;
  } else {
    auto bytes = [&](const std::string& f) -> std::int64_t {
      return f.empty() ? -1 : read_integer(reader_, path(f)).value.value_or(-1);
    };
    const std::int64_t vram = bytes(c.vram_total);
    const std::int64_t gtt = bytes(c.gtt_total);
    c.apu = c.mem_busy.empty() && vram >= 0 && vram <= 4 * kGiB && gtt > vram;
    note_once("apu-guess:" + card_name, id + ": could not tell APU from discrete (no vddnb sensor, no readable "
                                             "gpu_metrics, unknown device id); guessed " +
                                             (c.apu ? "APU from its small VRAM" : "discrete"));
  }

  // Say once what this card will not report, and why.
  if (c.busy.empty() && !metrics_ok) missing(dev + "/gpu_busy_percent", "and no gpu_metrics: no busy_percent");
  if (c.mem_busy.empty()) {
    missing(dev + "/mem_busy_percent", c.apu ? "amdgpu does not create it on APUs" : "");
  }
  if (c.vram_used.empty()) missing(dev + "/mem_info_vram_used", "");
  if (c.vram_total.empty()) missing(dev + "/mem_info_vram_total", "");
  if (c.gtt_used.empty()) missing(dev + "/mem_info_gtt_used", "");
  if (c.gtt_total.empty()) missing(dev + "/mem_info_gtt_total", "");
  if (!c.hwmon.empty()) {
    const std::string& h = c.hwmon;
    if (c.power_input.empty() && c.power_average.empty()) {
      missing(h + "/power1_input", "nor power1_average: power_w only from gpu_metrics, if it has it");
    } else if (c.power_input.empty()) {
      missing(h + "/power1_input", "before Linux 6.6 and on many GPUs only power1_average exists; power_w uses it");
    } else if (c.power_average.empty()) {
      missing(h + "/power1_average", "power_w uses power1_input");
    }
    if (c.temp_edge.empty()) missing(h + "/temp1_input", "no edge temperature");
    if (c.temp_junction.empty() || c.temp_mem.empty()) {
      std::string absent = c.temp_junction.empty() ? "junction" : "";
      if (c.temp_mem.empty()) absent += absent.empty() ? "mem" : " or mem";
      note_once(h + ":temps", id + ": no " + absent + " temperature in " + h +
                                  (c.apu ? " (APUs report the edge sensor only)" : ""));
    }
  }
  if (c.sclk_freq.empty() && c.sclk_dpm.empty() && !metrics_ok) {
    missing(dev + "/pp_dpm_sclk", "nor hwmon freq1_input or gpu_metrics: no shader clock");
  }
  if (c.mclk_freq.empty() && c.mclk_dpm.empty() && !metrics_ok) {
    missing(dev + "/pp_dpm_mclk", "nor hwmon freq2_input or gpu_metrics: no memory clock");
  }
  if (c.metrics.empty() && !gm) missing(dev + "/gpu_metrics", "no throttle status");

  cards_.push_back(std::move(c));
}

void AmdgpuSampler::sample(Snapshot& out) {
  try {
    // One stat per card: a card that went away (driver unbound, hot-unplug) means
    // finding the cards again, not a note for each of its files.
    for (const auto& c : cards_) {
      if (!exists(path(c.dev))) rediscover_ = true;
    }
    if (rediscover_) discover();
    for (auto& c : cards_) sample_card(c, out);
  } catch (const std::exception& e) {
    note_once("internal", std::string("sampling failed: ") + e.what());
  }
}

void AmdgpuSampler::sample_card(Card& c, Snapshot& out) {
  GpuReading g;
  g.id = c.id;
  g.vendor = "amd";
  g.name = c.name;
  g.unified_memory = c.apu;
  g.power_scope = c.apu ? "soc" : "gpu";  // an APU's PPT is the whole package, CPU cores included

  auto opt_int = [&](const std::string& f) { return f.empty() ? std::nullopt : read_int(f); };
  auto scaled = [&](const std::string& f, double div) -> std::optional<double> {
    auto v = opt_int(f);
    if (!v) return std::nullopt;
    return static_cast<double>(*v) / div;
  };
  auto percent = [&](const std::string& f) -> std::optional<double> {
    auto v = scaled(f, 1.0);
    if (!v) return std::nullopt;
    return std::clamp(*v, 0.0, 100.0);
  };
  auto dpm = [&](const std::string& f) -> std::optional<double> {
    if (f.empty()) return std::nullopt;
    auto text = read_str(f);
    if (!text) return std::nullopt;
    auto mhz = parse_dpm_current_mhz(*text);
    if (!mhz) note_once(f + ":no-current", c.id + ": " + f + ": no level marked '*' as current");
    return mhz;
  };

  g.busy_percent = percent(c.busy);
  g.memory_busy_percent = percent(c.mem_busy);
  g.memory_used_bytes = opt_int(c.vram_used);
  g.memory_total_bytes = opt_int(c.vram_total);
  g.gtt_used_bytes = opt_int(c.gtt_used);
  g.gtt_total_bytes = opt_int(c.gtt_total);
  g.power_input_w = scaled(c.power_input, 1e6);
  g.power_average_w = scaled(c.power_average, 1e6);
  g.power_w = g.power_input_w ? g.power_input_w : g.power_average_w;
  g.temperature_c = scaled(c.temp_edge, 1000.0);
  g.hotspot_c = scaled(c.temp_junction, 1000.0);
  g.memory_temperature_c = scaled(c.temp_mem, 1000.0);
  g.sclk_mhz = c.sclk_freq.empty() ? dpm(c.sclk_dpm) : scaled(c.sclk_freq, 1e6);
  if (!g.sclk_mhz && !c.sclk_freq.empty()) g.sclk_mhz = dpm(c.sclk_dpm);
  g.mclk_mhz = c.mclk_freq.empty() ? dpm(c.mclk_dpm) : scaled(c.mclk_freq, 1e6);
  if (!g.mclk_mhz && !c.mclk_freq.empty()) g.mclk_mhz = dpm(c.mclk_dpm);
  for (const auto& [sensor_id, file] : c.fans) {
    if (auto rpm = opt_int(file)) out.sensors.push_back({sensor_id, "fan_rpm", static_cast<double>(*rpm)});
  }

  if (!c.metrics.empty()) {
    FileRead f = reader_(path(c.metrics), 64 * 1024);
    if (!f.text) {
      note_once(c.metrics, c.metrics + ": " + f.error);
    } else {
      const auto parsed = parse_gpu_metrics(as_bytes(*f.text), GpuMetricsOptions{c.smc_fw_version});
      if (parsed.metrics) {
        apply_metrics(c, *parsed.metrics, g, out);
      } else {
        note_once(c.metrics, c.id + ": " + c.metrics + ": " + parsed.error);
      }
    }
  }
  out.gpus.push_back(std::move(g));
}

void AmdgpuSampler::apply_metrics(Card& c, const GpuMetrics& m, GpuReading& g, Snapshot& out) {
  // sysfs text files first (the kernel already converted them); gpu_metrics fills gaps.
  if (!g.busy_percent) g.busy_percent = m.gfx_activity_percent;
  if (!g.memory_busy_percent) g.memory_busy_percent = m.umc_activity_percent;
  if (!g.temperature_c) g.temperature_c = m.temperature_c;
  if (!g.hotspot_c) g.hotspot_c = m.hotspot_c;
  if (!g.memory_temperature_c) g.memory_temperature_c = m.memory_temperature_c;
  if (!g.sclk_mhz) g.sclk_mhz = m.gfxclk_mhz;
  if (!g.mclk_mhz) g.mclk_mhz = m.uclk_mhz;
  if (!g.power_w) g.power_w = m.socket_power_w;
  // On an APU the hwmon power is the whole package; the GFX share is only here.
  if (m.apu_layout && m.gfx_power_w) out.sensors.push_back({c.id + ":gfx_power", "power_w", *m.gfx_power_w});

  if (m.dram_reads_mbps) {
    if (*m.dram_reads_mbps >= kDramSaturatedMbps) {
      note_once(c.metrics + ":dram", c.id + ": gpu_metrics average_dram_reads is " +
                                         std::to_string(*m.dram_reads_mbps) +
                                         " MB/s, at the ceiling of its 16-bit field (65.5 GB/s); not reported");
    } else {
      g.dram_read_gbps = static_cast<double>(*m.dram_reads_mbps) / 1000.0;
    }
  }

  if (m.format_revision == 3) {
    // Residency counters grow while a limit is engaged: throttled now means "grew since
    // the last read". The first read has nothing to compare with.
    auto& prev = residency_[c.card];
    bool comparable = false;
    std::string reasons;
    for (std::size_t i = 0; i < kV3ThrottleResidencyCount; ++i) {
      const auto& cur = m.throttle_residency[i];
      if (cur && prev[i] && *cur >= *prev[i]) {
        comparable = true;
        if (*cur > *prev[i]) {
          if (!reasons.empty()) reasons += ',';
          reasons += kV3ThrottleResidencyNames[i];
        }
      }
    }
    prev = m.throttle_residency;
    if (comparable) {
      g.throttled = !reasons.empty();
      g.throttle_reasons = reasons;
    }
  } else if (m.indep_throttle_status) {
    g.throttled = *m.indep_throttle_status != 0;
    g.throttle_reasons = indep_throttle_reasons(*m.indep_throttle_status);
  } else if (m.throttle_status) {
    g.throttled = *m.throttle_status != 0;
    if (*m.throttle_status != 0) g.throttle_reasons = "asic_status:" + hex8(*m.throttle_status);
  }
}

}  // namespace hakari::telemetry
