// Test helpers: the committed fixture trees, writable copies of them, gpu_metrics tables
// built in C++ (typed from the kernel header separately from the parser), and a file
// reader that counts and fakes errors.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "hakari/telemetry/sampler.h"
#include "hakari/telemetry/snapshot.h"
#include "hakari/telemetry/sysfs/sysfs_util.h"

namespace hakari::telemetry::testing {

namespace fs = std::filesystem;

inline std::string fixture(const std::string& name) {
  return std::string(HAKARI_TEST_DATA_DIR) + "/telemetry/sysfs/" + name;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A fixture copied to a fresh temporary folder (symlinks kept as symlinks), removed again
// at the end of the test; for tests that change files between samples.
class TempTree {
 public:
  explicit TempTree(const std::string& fixture_name) {
    std::string tmpl = (fs::temp_directory_path() / "hakari-sysfs-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    fs::copy(fixture(fixture_name), dir_, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return dir_; }
  std::string path(const std::string& sys_path) const { return dir_ + sys_path; }
  void write(const std::string& sys_path, const std::string& content) const {
    std::ofstream out(path(sys_path), std::ios::binary | std::ios::trunc);
    out << content;
  }
  void remove(const std::string& sys_path) const { fs::remove_all(path(sys_path)); }

 private:
  std::string dir_;
};

// Sysfs paths inside the fixtures (through the class symlinks, as the samplers see them).
inline constexpr const char* kStrixDev = "/sys/class/drm/card1/device";
inline constexpr const char* kStrixHwmon = "/sys/class/drm/card1/device/hwmon/hwmon5";
inline constexpr const char* kNavi31Dev = "/sys/class/drm/card0/device";
inline constexpr const char* kNavi31Hwmon = "/sys/class/drm/card0/device/hwmon/hwmon2";

// Everything a sampler said, accumulated over samples.
struct NoteLog {
  std::vector<std::string> all;
  void drain(Sampler& s) {
    auto n = s.take_notes();
    all.insert(all.end(), n.begin(), n.end());
  }
  std::size_t count_containing(const std::string& needle) const {
    return static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [&](const std::string& n) { return n.find(needle) != std::string::npos; }));
  }
  std::string dump() const {
    std::string s;
    for (const auto& n : all) s += "  " + n + "\n";
    return s;
  }
};

inline Snapshot sample_once(Sampler& s, NoteLog* log = nullptr) {
  Snapshot snap;
  s.sample(snap);
  if (log) log->drain(s);
  return snap;
}

inline const SensorReading* find_sensor(const Snapshot& s, const std::string& id) {
  for (const auto& r : s.sensors) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

inline const EnergyReading* find_energy(const Snapshot& s, const std::string& id) {
  for (const auto& r : s.energy) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

// A reader that records every path it is asked for and can fail chosen files.
struct RecordingReader {
  std::shared_ptr<std::vector<std::string>> paths = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::set<std::string>> denied_suffixes = std::make_shared<std::set<std::string>>();

  FileReader reader() const {
    auto p = paths;
    auto d = denied_suffixes;
    return [p, d](const std::string& path, std::size_t max_bytes) {
      p->push_back(path);
      for (const auto& suffix : *d) {
        if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
          FileRead r;
          r.error = std::strerror(EACCES);
          return r;
        }
      }
      return read_small_file(path, max_bytes);
    };
  }
};

// gpu_metrics tables, typed from kgd_pp_interface.h for the tests.
namespace gm {

struct Header {
  std::uint16_t structure_size;
  std::uint8_t format_revision;
  std::uint8_t content_revision;
};

struct V1_0 {
  Header h;
  std::uint64_t system_clock_counter;
  std::uint16_t temperature_edge, temperature_hotspot, temperature_mem, temperature_vrgfx, temperature_vrsoc,
      temperature_vrmem;
  std::uint16_t average_gfx_activity, average_umc_activity, average_mm_activity, average_socket_power;
  std::uint32_t energy_accumulator;
  std::uint16_t average_clocks[7];  // gfxclk, socclk, uclk, vclk0, dclk0, vclk1, dclk1
  std::uint16_t current_clocks[7];
  std::uint32_t throttle_status;
  std::uint16_t current_fan_speed;
  std::uint8_t pcie_link_width, pcie_link_speed;
};

struct V1_3 {
  Header h;
  std::uint16_t temperature_edge, temperature_hotspot, temperature_mem, temperature_vrgfx, temperature_vrsoc,
      temperature_vrmem;
  std::uint16_t average_gfx_activity, average_umc_activity, average_mm_activity, average_socket_power;
  std::uint64_t energy_accumulator, system_clock_counter;
  std::uint16_t average_clocks[7];
  std::uint16_t current_clocks[7];
  std::uint32_t throttle_status;
  std::uint16_t current_fan_speed, pcie_link_width, pcie_link_speed, padding;
  std::uint32_t gfx_activity_acc, mem_activity_acc;
  std::uint16_t temperature_hbm[4];
  std::uint64_t firmware_timestamp;
  std::uint16_t voltage_soc, voltage_gfx, voltage_mem, padding1;
  std::uint64_t indep_throttle_status;
};

struct V2_0 {
  Header h;
  std::uint64_t system_clock_counter;
  std::uint16_t temperature_gfx, temperature_soc, temperature_core[8], temperature_l3[2];
  std::uint16_t average_gfx_activity, average_mm_activity;
  std::uint16_t average_socket_power, average_cpu_power, average_soc_power, average_gfx_power, average_core_power[8];
  std::uint16_t average_clocks[6];  // gfxclk, socclk, uclk, fclk, vclk, dclk
  std::uint16_t current_clocks[6];
  std::uint16_t current_coreclk[8], current_l3clk[2];
  std::uint32_t throttle_status;
  std::uint16_t fan_pwm, padding;
};

struct V2_4 {
  Header h;
  std::uint16_t temperature_gfx, temperature_soc, temperature_core[8], temperature_l3[2];
  std::uint16_t average_gfx_activity, average_mm_activity;
  std::uint64_t system_clock_counter;
  std::uint16_t average_socket_power, average_cpu_power, average_soc_power, average_gfx_power, average_core_power[8];
  std::uint16_t average_clocks[6];
  std::uint16_t current_clocks[6];
  std::uint16_t current_coreclk[8], current_l3clk[2];
  std::uint32_t throttle_status;
  std::uint16_t fan_pwm, padding[3];
  std::uint64_t indep_throttle_status;
  std::uint16_t average_temperature_gfx, average_temperature_soc, average_temperature_core[8],
      average_temperature_l3[2];
  std::uint16_t average_cpu_voltage, average_soc_voltage, average_gfx_voltage;
  std::uint16_t average_cpu_current, average_soc_current, average_gfx_current;
};

struct V3_0 {
  Header h;
  std::uint16_t temperature_gfx, temperature_soc, temperature_core[16], temperature_skin;
  std::uint16_t average_gfx_activity, average_vcn_activity, average_ipu_activity[8], average_core_c0_activity[16];
  std::uint16_t average_dram_reads, average_dram_writes, average_ipu_reads, average_ipu_writes;
  std::uint64_t system_clock_counter;
  std::uint32_t average_socket_power;
  std::uint16_t average_ipu_power;
  std::uint32_t average_apu_power, average_gfx_power, average_dgpu_power, average_all_core_power;
  std::uint16_t average_core_power[16];
  std::uint16_t average_sys_power, stapm_power_limit, current_stapm_power_limit;
  std::uint16_t average_gfxclk_frequency, average_socclk_frequency, average_vpeclk_frequency,
      average_ipuclk_frequency, average_fclk_frequency, average_vclk_frequency, average_uclk_frequency,
      average_mpipu_frequency;
  std::uint16_t current_coreclk[16], current_core_maxfreq, current_gfx_maxfreq;
  std::uint32_t throttle_residency_prochot, throttle_residency_spl, throttle_residency_fppt,
      throttle_residency_sppt, throttle_residency_thm_core, throttle_residency_thm_gfx, throttle_residency_thm_soc;
  std::uint32_t time_filter_alphavalue;
};

static_assert(sizeof(V1_0) == 80 && sizeof(V1_3) == 120 && sizeof(V2_0) == 120 && sizeof(V2_4) == 168 &&
              sizeof(V3_0) == 264);

// A table as the kernel starts it: every byte 0xFF, then the header.
template <class T>
T blank(std::uint8_t format, std::uint8_t content, std::uint16_t size = sizeof(T)) {
  T t;
  std::memset(&t, 0xff, sizeof t);
  t.h.structure_size = size;
  t.h.format_revision = format;
  t.h.content_revision = content;
  return t;
}

template <class T>
std::string bytes(const T& t, std::size_t n = sizeof(T)) {
  return std::string(reinterpret_cast<const char*>(&t), std::min(n, sizeof(T)));
}

}  // namespace gm
}  // namespace hakari::telemetry::testing
