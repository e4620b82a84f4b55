#include "hakari/telemetry/sysfs/gpu_metrics.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>

namespace hakari::telemetry {
namespace {

// The kernel's structs (drivers/gpu/drm/amd/include/kgd_pp_interface.h), field for field,
// with the same natural alignment the kernel's compiler gave them. Only the versions
// whose fields we read are spelled out: 1.1 and 1.2 are prefixes of 1.3, 2.1-2.3 are
// prefixes of 2.4, and fields past a table's structure_size are never read.
struct Header {
  std::uint16_t structure_size;
  std::uint8_t format_revision;
  std::uint8_t content_revision;
};

struct V1_0 {
  Header header;
  std::uint64_t system_clock_counter;
  std::uint16_t temperature_edge, temperature_hotspot, temperature_mem;
  std::uint16_t temperature_vrgfx, temperature_vrsoc, temperature_vrmem;
  std::uint16_t average_gfx_activity, average_umc_activity, average_mm_activity;
  std::uint16_t average_socket_power;
  std::uint32_t energy_accumulator;
  std::uint16_t average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency;
  std::uint16_t average_vclk0_frequency, average_dclk0_frequency;
  std::uint16_t average_vclk1_frequency, average_dclk1_frequency;
  std::uint16_t current_gfxclk, current_socclk, current_uclk;
  std::uint16_t current_vclk0, current_dclk0, current_vclk1, current_dclk1;
  std::uint32_t throttle_status;
  std::uint16_t current_fan_speed;
  std::uint8_t pcie_link_width, pcie_link_speed;
};
static_assert(sizeof(V1_0) == 80);

struct V1_3 {
  Header header;
  std::uint16_t temperature_edge, temperature_hotspot, temperature_mem;
  std::uint16_t temperature_vrgfx, temperature_vrsoc, temperature_vrmem;
  std::uint16_t average_gfx_activity, average_umc_activity, average_mm_activity;
  std::uint16_t average_socket_power;
  std::uint64_t energy_accumulator;
  std::uint64_t system_clock_counter;
  std::uint16_t average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency;
  std::uint16_t average_vclk0_frequency, average_dclk0_frequency;
  std::uint16_t average_vclk1_frequency, average_dclk1_frequency;
  std::uint16_t current_gfxclk, current_socclk, current_uclk;
  std::uint16_t current_vclk0, current_dclk0, current_vclk1, current_dclk1;
  std::uint32_t throttle_status;
  std::uint16_t current_fan_speed;
  std::uint16_t pcie_link_width, pcie_link_speed;
  std::uint16_t padding;
  std::uint32_t gfx_activity_acc, mem_activity_acc;
  std::uint16_t temperature_hbm[4];
  std::uint64_t firmware_timestamp;  // 1.2
  std::uint16_t voltage_soc, voltage_gfx, voltage_mem;  // 1.3
  std::uint16_t padding1;
  std::uint64_t indep_throttle_status;
};
static_assert(sizeof(V1_3) == 120);

struct V2_0 {
  Header header;
  std::uint64_t system_clock_counter;
  std::uint16_t temperature_gfx, temperature_soc, temperature_core[8], temperature_l3[2];
  std::uint16_t average_gfx_activity, average_mm_activity;
  std::uint16_t average_socket_power, average_cpu_power, average_soc_power, average_gfx_power;
  std::uint16_t average_core_power[8];
  std::uint16_t average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency;
  std::uint16_t average_fclk_frequency, average_vclk_frequency, average_dclk_frequency;
  std::uint16_t current_gfxclk, current_socclk, current_uclk, current_fclk, current_vclk, current_dclk;
  std::uint16_t current_coreclk[8], current_l3clk[2];
  std::uint32_t throttle_status;
  std::uint16_t fan_pwm;
  std::uint16_t padding;
};
static_assert(sizeof(V2_0) == 120);

struct V2_4 {
  Header header;
  std::uint16_t temperature_gfx, temperature_soc, temperature_core[8], temperature_l3[2];
  std::uint16_t average_gfx_activity, average_mm_activity;
  std::uint64_t system_clock_counter;
  std::uint16_t average_socket_power, average_cpu_power, average_soc_power, average_gfx_power;
  std::uint16_t average_core_power[8];
  std::uint16_t average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency;
  std::uint16_t average_fclk_frequency, average_vclk_frequency, average_dclk_frequency;
  std::uint16_t current_gfxclk, current_socclk, current_uclk, current_fclk, current_vclk, current_dclk;
  std::uint16_t current_coreclk[8], current_l3clk[2];
  std::uint32_t throttle_status;
  std::uint16_t fan_pwm;
  std::uint16_t padding[3];
  std::uint64_t indep_throttle_status;  // 2.2
  std::uint16_t average_temperature_gfx, average_temperature_soc;  // 2.3
  std::uint16_t average_temperature_core[8], average_temperature_l3[2];
  std::uint16_t average_cpu_voltage, average_soc_voltage, average_gfx_voltage;  // 2.4
  std::uint16_t average_cpu_current, average_soc_current, average_gfx_current;
};
static_assert(sizeof(V2_4) == 168);

struct V3_0 {
  Header header;
  std::uint16_t temperature_gfx, temperature_soc, temperature_core[16], temperature_skin;
  std::uint16_t average_gfx_activity, average_vcn_activity;
  std::uint16_t average_ipu_activity[8], average_core_c0_activity[16];
  std::uint16_t average_dram_reads, average_dram_writes;
  std::uint16_t average_ipu_reads, average_ipu_writes;
  std::uint64_t system_clock_counter;
  std::uint32_t average_socket_power;
  std::uint16_t average_ipu_power;
  std::uint32_t average_apu_power, average_gfx_power, average_dgpu_power, average_all_core_power;
  std::uint16_t average_core_power[16];
  std::uint16_t average_sys_power, stapm_power_limit, current_stapm_power_limit;
  std::uint16_t average_gfxclk_frequency, average_socclk_frequency, average_vpeclk_frequency;
  std::uint16_t average_ipuclk_frequency, average_fclk_frequency, average_vclk_frequency;
  std::uint16_t average_uclk_frequency, average_mpipu_frequency;
  std::uint16_t current_coreclk[16], current_core_maxfreq, current_gfx_maxfreq;
  std::uint32_t throttle_residency[kV3ThrottleResidencyCount];
  std::uint32_t time_filter_alphavalue;
};
static_assert(sizeof(V3_0) == 264);

// A field, unless it lies past the usable part of the table or reads all-ones (the
// kernel fills the table with 0xFF before the firmware's values go in).
template <class T>
std::optional<T> valid(const T& v, std::size_t offset, std::size_t usable) {
  if (offset + sizeof(T) > usable) return std::nullopt;
  if (v == std::numeric_limits<T>::max()) return std::nullopt;
  return v;
}

#define HAKARI_GM_FIELD(table, Type, member) valid((table).member, offsetof(Type, member), usable)

enum class Scale { unit, centi };

std::optional<double> activity(std::optional<std::uint16_t> raw, Scale scale) {
  if (!raw) return std::nullopt;
  double v = static_cast<double>(*raw);
  if (scale == Scale::centi) v /= 100.0;
  return std::clamp(v, 0.0, 100.0);
}

std::optional<double> temperature(std::optional<std::uint16_t> raw, Scale scale) {
  if (!raw) return std::nullopt;
  double v = static_cast<double>(*raw);
  if (scale == Scale::centi) v /= 100.0;
  if (v <= 0.0 || v >= 200.0) return std::nullopt;  // a sensor that is not there
  return v;
}

template <class T>
std::optional<double> scaled(std::optional<T> raw, double divisor) {
  if (!raw) return std::nullopt;
  return static_cast<double>(*raw) / divisor;
}

template <class T>
std::optional<double> first_of(std::optional<T> a, std::optional<T> b) {
  if (a) return static_cast<double>(*a);
  if (b) return static_cast<double>(*b);
  return std::nullopt;
}

template <class T>
T load(std::span<const std::uint8_t> bytes, std::size_t usable) {
  T t;
  std::memset(&t, 0, sizeof t);
  std::memcpy(&t, bytes.data(), std::min(usable, sizeof t));
  return t;
}

void parse_v1_0(std::span<const std::uint8_t> bytes, std::size_t usable, GpuMetrics& m) {
  const auto t = load<V1_0>(bytes, usable);
  m.temperature_c = temperature(HAKARI_GM_FIELD(t, V1_0, temperature_edge), Scale::unit);
  m.hotspot_c = temperature(HAKARI_GM_FIELD(t, V1_0, temperature_hotspot), Scale::unit);
  m.memory_temperature_c = temperature(HAKARI_GM_FIELD(t, V1_0, temperature_mem), Scale::unit);
  m.gfx_activity_percent = activity(HAKARI_GM_FIELD(t, V1_0, average_gfx_activity), Scale::unit);
  m.umc_activity_percent = activity(HAKARI_GM_FIELD(t, V1_0, average_umc_activity), Scale::unit);
  m.socket_power_w = scaled(HAKARI_GM_FIELD(t, V1_0, average_socket_power), 1.0);
  m.gfxclk_mhz = first_of(HAKARI_GM_FIELD(t, V1_0, average_gfxclk_frequency), HAKARI_GM_FIELD(t, V1_0, current_gfxclk));
  m.uclk_mhz = first_of(HAKARI_GM_FIELD(t, V1_0, average_uclk_frequency), HAKARI_GM_FIELD(t, V1_0, current_uclk));
  m.throttle_status = HAKARI_GM_FIELD(t, V1_0, throttle_status);
}

void parse_v1_3(std::span<const std::uint8_t> bytes, std::size_t usable, std::uint8_t content, GpuMetrics& m) {
  const auto t = load<V1_3>(bytes, usable);
  // Format 1 reports whole degrees C, percent and watts.
  m.temperature_c = temperature(HAKARI_GM_FIELD(t, V1_3, temperature_edge), Scale::unit);
  m.hotspot_c = temperature(HAKARI_GM_FIELD(t, V1_3, temperature_hotspot), Scale::unit);
  m.memory_temperature_c = temperature(HAKARI_GM_FIELD(t, V1_3, temperature_mem), Scale::unit);
  m.gfx_activity_percent = activity(HAKARI_GM_FIELD(t, V1_3, average_gfx_activity), Scale::unit);
  m.umc_activity_percent = activity(HAKARI_GM_FIELD(t, V1_3, average_umc_activity), Scale::unit);
  m.socket_power_w = scaled(HAKARI_GM_FIELD(t, V1_3, average_socket_power), 1.0);
  m.gfxclk_mhz = first_of(HAKARI_GM_FIELD(t, V1_3, average_gfxclk_frequency), HAKARI_GM_FIELD(t, V1_3, current_gfxclk));
  m.uclk_mhz = first_of(HAKARI_GM_FIELD(t, V1_3, average_uclk_frequency), HAKARI_GM_FIELD(t, V1_3, current_uclk));
  m.throttle_status = HAKARI_GM_FIELD(t, V1_3, throttle_status);
  if (content >= 3) m.indep_throttle_status = HAKARI_GM_FIELD(t, V1_3, indep_throttle_status);
}

void parse_v2_0(std::span<const std::uint8_t> bytes, std::size_t usable, GpuMetrics& m) {
  const auto t = load<V2_0>(bytes, usable);
  // Format 2 reports centi-degrees, centi-percent and milliwatts.
  m.temperature_c = temperature(HAKARI_GM_FIELD(t, V2_0, temperature_gfx), Scale::centi);
  m.soc_temperature_c = temperature(HAKARI_GM_FIELD(t, V2_0, temperature_soc), Scale::centi);
  m.gfx_activity_percent = activity(HAKARI_GM_FIELD(t, V2_0, average_gfx_activity), Scale::centi);
  m.socket_power_w = scaled(HAKARI_GM_FIELD(t, V2_0, average_socket_power), 1000.0);
  m.gfx_power_w = scaled(HAKARI_GM_FIELD(t, V2_0, average_gfx_power), 1000.0);
  m.gfxclk_mhz = first_of(HAKARI_GM_FIELD(t, V2_0, average_gfxclk_frequency), HAKARI_GM_FIELD(t, V2_0, current_gfxclk));
  m.uclk_mhz = first_of(HAKARI_GM_FIELD(t, V2_0, average_uclk_frequency), HAKARI_GM_FIELD(t, V2_0, current_uclk));
  m.throttle_status = HAKARI_GM_FIELD(t, V2_0, throttle_status);
}

void parse_v2_4(std::span<const std::uint8_t> bytes, std::size_t usable, std::uint8_t content, GpuMetrics& m) {
  const auto t = load<V2_4>(bytes, usable);
  m.temperature_c = temperature(HAKARI_GM_FIELD(t, V2_4, temperature_gfx), Scale::centi);
  m.soc_temperature_c = temperature(HAKARI_GM_FIELD(t, V2_4, temperature_soc), Scale::centi);
  m.gfx_activity_percent = activity(HAKARI_GM_FIELD(t, V2_4, average_gfx_activity), Scale::centi);
  m.socket_power_w = scaled(HAKARI_GM_FIELD(t, V2_4, average_socket_power), 1000.0);
  m.gfx_power_w = scaled(HAKARI_GM_FIELD(t, V2_4, average_gfx_power), 1000.0);
  m.gfxclk_mhz = first_of(HAKARI_GM_FIELD(t, V2_4, average_gfxclk_frequency), HAKARI_GM_FIELD(t, V2_4, current_gfxclk));
  m.uclk_mhz = first_of(HAKARI_GM_FIELD(t, V2_4, average_uclk_frequency), HAKARI_GM_FIELD(t, V2_4, current_uclk));
  m.throttle_status = HAKARI_GM_FIELD(t, V2_4, throttle_status);
  if (content >= 2) m.indep_throttle_status = HAKARI_GM_FIELD(t, V2_4, indep_throttle_status);
}

void parse_v3_0(std::span<const std::uint8_t> bytes, std::size_t usable, const GpuMetricsOptions& options,
                GpuMetrics& m) {
  const auto t = load<V3_0>(bytes, usable);
  m.temperature_c = temperature(HAKARI_GM_FIELD(t, V3_0, temperature_gfx), Scale::centi);
  m.soc_temperature_c = temperature(HAKARI_GM_FIELD(t, V3_0, temperature_soc), Scale::centi);
  // The header comment says percent, but firmware up to 0x5d4600 fills centi-percent
  // (the kernel's smu_v14_0_0 read_sensor divides by 100 only for those). Without the
  // firmware version, a value above 100 can only be centi-percent.
  const auto gfx = HAKARI_GM_FIELD(t, V3_0, average_gfx_activity);
  Scale scale = Scale::unit;
  if (options.smc_fw_version) {
    scale = *options.smc_fw_version <= 0x5d4600 ? Scale::centi : Scale::unit;
  } else if (gfx && *gfx > 100) {
    scale = Scale::centi;
  }
  m.gfx_activity_percent = activity(gfx, scale);
  m.socket_power_w = scaled(HAKARI_GM_FIELD(t, V3_0, average_socket_power), 1000.0);
  m.gfx_power_w = scaled(HAKARI_GM_FIELD(t, V3_0, average_gfx_power), 1000.0);
  m.gfxclk_mhz = scaled(HAKARI_GM_FIELD(t, V3_0, average_gfxclk_frequency), 1.0);
  m.uclk_mhz = scaled(HAKARI_GM_FIELD(t, V3_0, average_uclk_frequency), 1.0);
  auto dram = [](std::optional<std::uint16_t> v) -> std::optional<std::uint32_t> {
    if (!v) return std::nullopt;
    return *v;
  };
  m.dram_reads_mbps = dram(HAKARI_GM_FIELD(t, V3_0, average_dram_reads));
  m.dram_writes_mbps = dram(HAKARI_GM_FIELD(t, V3_0, average_dram_writes));
  for (std::size_t i = 0; i < kV3ThrottleResidencyCount; ++i) {
    m.throttle_residency[i] =
        valid(t.throttle_residency[i], offsetof(V3_0, throttle_residency) + i * sizeof(std::uint32_t), usable);
  }
}

#undef HAKARI_GM_FIELD

}  // namespace

GpuMetricsParse parse_gpu_metrics(std::span<const std::uint8_t> bytes, const GpuMetricsOptions& options) {
  GpuMetricsParse r;
  if (bytes.size() < sizeof(Header)) {
    r.error = bytes.empty() ? "empty" : "only " + std::to_string(bytes.size()) + " bytes, shorter than the 4-byte header";
    return r;
  }
  Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  r.format_revision = h.format_revision;
  r.content_revision = h.content_revision;
  const std::string version = std::to_string(h.format_revision) + "." + std::to_string(h.content_revision);
  if (h.structure_size < sizeof(Header)) {
    r.error = "header gives structure_size " + std::to_string(h.structure_size) + ", smaller than the header";
    return r;
  }
  if (h.structure_size > bytes.size()) {
    r.error = "header (format " + version + ") says " + std::to_string(h.structure_size) + " bytes but only " +
              std::to_string(bytes.size()) + " were read";
    return r;
  }
  const std::size_t usable = h.structure_size;
  GpuMetrics m;
  m.structure_size = h.structure_size;
  m.format_revision = h.format_revision;
  m.content_revision = h.content_revision;
  const auto f = h.format_revision;
  const auto c = h.content_revision;
  if (f == 1 && c == 0) {
    parse_v1_0(bytes, usable, m);
  } else if (f == 1 && c <= 3) {
    parse_v1_3(bytes, usable, c, m);
  } else if (f == 2 && c == 0) {
    parse_v2_0(bytes, usable, m);
  } else if (f == 2 && c <= 4) {
    parse_v2_4(bytes, usable, c, m);
  } else if (f == 3 && c == 0) {
    parse_v3_0(bytes, usable, options, m);
  } else {
    r.unknown_version = true;
    r.error = "format " + version + " is not one hakari can read";
    return r;
  }
  m.apu_layout = f == 2 || f == 3;
  r.metrics = m;
  return r;
}

std::string indep_throttle_reasons(std::uint64_t bits) {
  // SMU_THROTTLER_*_BIT in drivers/gpu/drm/amd/pm/swsmu/inc/amdgpu_smu.h.
  struct Bit {
    unsigned bit;
    const char* name;
  };
  static constexpr Bit kBits[] = {
      {0, "ppt0"},          {1, "ppt1"},           {2, "ppt2"},          {3, "ppt3"},
      {4, "spl"},           {5, "fppt"},           {6, "sppt"},          {7, "sppt_apu"},
      {16, "tdc_gfx"},      {17, "tdc_soc"},       {18, "tdc_mem"},      {19, "tdc_vdd"},
      {20, "tdc_cvip"},     {21, "edc_cpu"},       {22, "edc_gfx"},      {23, "apcc"},
      {32, "temp_gpu"},     {33, "temp_core"},     {34, "temp_mem"},     {35, "temp_edge"},
      {36, "temp_hotspot"}, {37, "temp_soc"},      {38, "temp_vr_gfx"},  {39, "temp_vr_soc"},
      {40, "temp_vr_mem0"}, {41, "temp_vr_mem1"},  {42, "temp_liquid0"}, {43, "temp_liquid1"},
      {44, "vrhot0"},       {45, "vrhot1"},        {46, "prochot_cpu"},  {47, "prochot_gfx"},
      {56, "ppm"},          {57, "fit"},
  };
  std::string out;
  for (unsigned b = 0; b < 64; ++b) {
    if (!(bits & (std::uint64_t{1} << b))) continue;
    std::string name = "bit" + std::to_string(b);
    for (const auto& k : kBits) {
      if (k.bit == b) name = k.name;
    }
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

}  // namespace hakari::telemetry
