#!/usr/bin/env python3
"""Writes the sysfs fixture trees under tests/data/telemetry/sysfs/ and the gpu_metrics
seeds under fuzz/corpus/gpu_metrics/. The output is committed; run this again only to
change a fixture (then update the tests that assert its values):

    python3 tests/telemetry_sysfs/make_fixtures.py

The gpu_metrics blobs are built with ctypes, whose structures follow the host C
compiler's natural alignment exactly as the kernel's do. The field lists below are
typed here from drivers/gpu/drm/amd/include/kgd_pp_interface.h independently of the C++
parser, so the tests that parse these blobs also check the two layouts agree.

Trees (paths mimic a real /sys, class entries are relative symlinks into /sys/devices):
  strix-halo/    Ryzen AI Max+ 395 APU: card1 (1002:1586) with a 512 MiB carve-out,
                 124 GiB GTT (60 GiB used), hwmon with power1_input AND power1_average
                 labelled PPT, temp1 edge only, in1 vddnb, freq1 sclk, gpu_metrics 3.0;
                 renderD128 and card1-DP-1 to be skipped; k10temp, nvme, acpitz hwmon;
                 powercap intel-rapl:0 (package-0) with subzone intel-rapl:0:0 (core).
  discrete-amd/  Intel host + Radeon RX 7900 XTX (1002:744c, 24 GiB): power1_average
                 only, edge/junction/mem temps, fan1, pp_dpm_sclk/mclk, mem_busy_percent,
                 gpu_metrics 1.3; coretemp, two nvme, nct6798 hwmon; RAPL package-0
                 with core/uncore/dram subzones, psys, and an intel-rapl-mmio duplicate.
  broken/        every kind of bad file: a value file that is a directory, garbage,
                 empty files, a gpu_metrics shorter than its header claims, a hwmon
                 without a name, a RAPL zone without max_energy_range_uj.
  empty/         nothing at all (no drm, no hwmon, no powercap).
"""

import ctypes
import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT = REPO / "tests" / "data" / "telemetry" / "sysfs"
CORPUS = REPO / "fuzz" / "corpus" / "gpu_metrics"

u8, u16, u32, u64 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64


class Header(ctypes.Structure):
    _fields_ = [("structure_size", u16), ("format_revision", u8), ("content_revision", u8)]


class V1_0(ctypes.Structure):
    _fields_ = [("header", Header), ("system_clock_counter", u64),
                ("temperature_edge", u16), ("temperature_hotspot", u16), ("temperature_mem", u16),
                ("temperature_vrgfx", u16), ("temperature_vrsoc", u16), ("temperature_vrmem", u16),
                ("average_gfx_activity", u16), ("average_umc_activity", u16), ("average_mm_activity", u16),
                ("average_socket_power", u16), ("energy_accumulator", u32),
                ("average_gfxclk_frequency", u16), ("average_socclk_frequency", u16),
                ("average_uclk_frequency", u16), ("average_vclk0_frequency", u16),
                ("average_dclk0_frequency", u16), ("average_vclk1_frequency", u16),
                ("average_dclk1_frequency", u16),
                ("current_gfxclk", u16), ("current_socclk", u16), ("current_uclk", u16),
                ("current_vclk0", u16), ("current_dclk0", u16), ("current_vclk1", u16),
                ("current_dclk1", u16),
                ("throttle_status", u32), ("current_fan_speed", u16),
                ("pcie_link_width", u8), ("pcie_link_speed", u8)]


class V1_3(ctypes.Structure):
    _fields_ = [("header", Header),
                ("temperature_edge", u16), ("temperature_hotspot", u16), ("temperature_mem", u16),
                ("temperature_vrgfx", u16), ("temperature_vrsoc", u16), ("temperature_vrmem", u16),
                ("average_gfx_activity", u16), ("average_umc_activity", u16), ("average_mm_activity", u16),
                ("average_socket_power", u16), ("energy_accumulator", u64), ("system_clock_counter", u64),
                ("average_gfxclk_frequency", u16), ("average_socclk_frequency", u16),
                ("average_uclk_frequency", u16), ("average_vclk0_frequency", u16),
                ("average_dclk0_frequency", u16), ("average_vclk1_frequency", u16),
                ("average_dclk1_frequency", u16),
                ("current_gfxclk", u16), ("current_socclk", u16), ("current_uclk", u16),
                ("current_vclk0", u16), ("current_dclk0", u16), ("current_vclk1", u16),
                ("current_dclk1", u16),
                ("throttle_status", u32), ("current_fan_speed", u16),
                ("pcie_link_width", u16), ("pcie_link_speed", u16), ("padding", u16),
                ("gfx_activity_acc", u32), ("mem_activity_acc", u32), ("temperature_hbm", u16 * 4),
                ("firmware_timestamp", u64),
                ("voltage_soc", u16), ("voltage_gfx", u16), ("voltage_mem", u16), ("padding1", u16),
                ("indep_throttle_status", u64)]


class V2_0(ctypes.Structure):
    _fields_ = [("header", Header), ("system_clock_counter", u64),
                ("temperature_gfx", u16), ("temperature_soc", u16), ("temperature_core", u16 * 8),
                ("temperature_l3", u16 * 2),
                ("average_gfx_activity", u16), ("average_mm_activity", u16),
                ("average_socket_power", u16), ("average_cpu_power", u16), ("average_soc_power", u16),
                ("average_gfx_power", u16), ("average_core_power", u16 * 8),
                ("average_gfxclk_frequency", u16), ("average_socclk_frequency", u16),
                ("average_uclk_frequency", u16), ("average_fclk_frequency", u16),
                ("average_vclk_frequency", u16), ("average_dclk_frequency", u16),
                ("current_gfxclk", u16), ("current_socclk", u16), ("current_uclk", u16),
                ("current_fclk", u16), ("current_vclk", u16), ("current_dclk", u16),
                ("current_coreclk", u16 * 8), ("current_l3clk", u16 * 2),
                ("throttle_status", u32), ("fan_pwm", u16), ("padding", u16)]


class V2_4(ctypes.Structure):
    _fields_ = [("header", Header),
                ("temperature_gfx", u16), ("temperature_soc", u16), ("temperature_core", u16 * 8),
                ("temperature_l3", u16 * 2),
                ("average_gfx_activity", u16), ("average_mm_activity", u16),
                ("system_clock_counter", u64),
                ("average_socket_power", u16), ("average_cpu_power", u16), ("average_soc_power", u16),
                ("average_gfx_power", u16), ("average_core_power", u16 * 8),
                ("average_gfxclk_frequency", u16), ("average_socclk_frequency", u16),
                ("average_uclk_frequency", u16), ("average_fclk_frequency", u16),
                ("average_vclk_frequency", u16), ("average_dclk_frequency", u16),
                ("current_gfxclk", u16), ("current_socclk", u16), ("current_uclk", u16),
                ("current_fclk", u16), ("current_vclk", u16), ("current_dclk", u16),
                ("current_coreclk", u16 * 8), ("current_l3clk", u16 * 2),
                ("throttle_status", u32), ("fan_pwm", u16), ("padding", u16 * 3),
                ("indep_throttle_status", u64),
                ("average_temperature_gfx", u16), ("average_temperature_soc", u16),
                ("average_temperature_core", u16 * 8), ("average_temperature_l3", u16 * 2),
                ("average_cpu_voltage", u16), ("average_soc_voltage", u16), ("average_gfx_voltage", u16),
                ("average_cpu_current", u16), ("average_soc_current", u16), ("average_gfx_current", u16)]


class V3_0(ctypes.Structure):
    _fields_ = [("header", Header),
                ("temperature_gfx", u16), ("temperature_soc", u16), ("temperature_core", u16 * 16),
                ("temperature_skin", u16),
                ("average_gfx_activity", u16), ("average_vcn_activity", u16),
                ("average_ipu_activity", u16 * 8), ("average_core_c0_activity", u16 * 16),
                ("average_dram_reads", u16), ("average_dram_writes", u16),
                ("average_ipu_reads", u16), ("average_ipu_writes", u16),
                ("system_clock_counter", u64),
                ("average_socket_power", u32), ("average_ipu_power", u16), ("average_apu_power", u32),
                ("average_gfx_power", u32), ("average_dgpu_power", u32), ("average_all_core_power", u32),
                ("average_core_power", u16 * 16),
                ("average_sys_power", u16), ("stapm_power_limit", u16), ("current_stapm_power_limit", u16),
                ("average_gfxclk_frequency", u16), ("average_socclk_frequency", u16),
                ("average_vpeclk_frequency", u16), ("average_ipuclk_frequency", u16),
                ("average_fclk_frequency", u16), ("average_vclk_frequency", u16),
                ("average_uclk_frequency", u16), ("average_mpipu_frequency", u16),
                ("current_coreclk", u16 * 16), ("current_core_maxfreq", u16), ("current_gfx_maxfreq", u16),
                ("throttle_residency_prochot", u32), ("throttle_residency_spl", u32),
                ("throttle_residency_fppt", u32), ("throttle_residency_sppt", u32),
                ("throttle_residency_thm_core", u32), ("throttle_residency_thm_gfx", u32),
                ("throttle_residency_thm_soc", u32),
                ("time_filter_alphavalue", u32)]


SIZES = {V1_0: 80, V1_3: 120, V2_0: 120, V2_4: 168, V3_0: 264}
for cls, size in SIZES.items():
    assert ctypes.sizeof(cls) == size, (cls.__name__, ctypes.sizeof(cls))


def table(cls, fmt, content, size=None, **values):
    """A table as the kernel makes it: all 0xFF (smu_cmn_init_soft_gpu_metrics), then the
    header, then the values the firmware filled."""
    t = cls.from_buffer_copy(b"\xff" * ctypes.sizeof(cls))
    t.header.structure_size = ctypes.sizeof(cls) if size is None else size
    t.header.format_revision = fmt
    t.header.content_revision = content
    for k, v in values.items():
        if isinstance(v, (list, tuple)):
            arr = getattr(t, k)
            for i, x in enumerate(v):
                arr[i] = x
        else:
            setattr(t, k, v)
    return bytes(t)


# Strix Halo, gpu_metrics 3.0 (Linux smu_v14_0_0_ppt.c). Units: centi-degC, percent
# (this firmware is newer than 0x5d4600), MB/s, mW, MHz. Fields the firmware leaves
# unfilled stay 0xFFFF.. (skin temperature, IPU, APU/sys power, STAPM limits).
STRIX_V3 = dict(
    temperature_gfx=6100,                      # 61.00 C
    temperature_soc=5850,                      # 58.50 C
    temperature_core=[5500 + 25 * i for i in range(16)],
    average_gfx_activity=97,                   # 97 %
    average_vcn_activity=0,
    average_core_c0_activity=[40] * 16,
    average_dram_reads=41250,                  # 41.25 GB/s
    average_dram_writes=3500,
    average_ipu_reads=0, average_ipu_writes=0,
    system_clock_counter=1234567890123,
    average_socket_power=98000,                # 98.0 W
    average_gfx_power=71250,                   # 71.25 W
    average_dgpu_power=0,
    average_all_core_power=12500,
    average_core_power=[780] * 16,
    average_gfxclk_frequency=2845, average_socclk_frequency=1400, average_vpeclk_frequency=0,
    average_fclk_frequency=2000, average_vclk_frequency=0, average_uclk_frequency=1000,
    current_coreclk=[5100] * 16, current_core_maxfreq=5100, current_gfx_maxfreq=2900,
    throttle_residency_prochot=0, throttle_residency_spl=1200, throttle_residency_fppt=0,
    throttle_residency_sppt=340, throttle_residency_thm_core=0, throttle_residency_thm_gfx=0,
    throttle_residency_thm_soc=0,
    time_filter_alphavalue=100000,
)

# RX 7900 XTX, gpu_metrics 1.3 (smu_v13_0_0_ppt.c). Units: degC, percent, W, MHz.
# indep_throttle_status bit 0 (SMU_THROTTLER_PPT0_BIT): power-limited right now.
NAVI31_V13 = dict(
    temperature_edge=62, temperature_hotspot=84, temperature_mem=78,
    temperature_vrgfx=55, temperature_vrsoc=50, temperature_vrmem=52,
    average_gfx_activity=88, average_umc_activity=41, average_mm_activity=0,
    average_socket_power=305,
    system_clock_counter=987654321000,
    average_gfxclk_frequency=2498, average_socclk_frequency=1200, average_uclk_frequency=1249,
    average_vclk0_frequency=0, average_dclk0_frequency=0,
    current_gfxclk=2498, current_socclk=1200, current_uclk=1249,
    throttle_status=0x00000001, current_fan_speed=1650,
    pcie_link_width=16, pcie_link_speed=160,
    voltage_soc=900, voltage_gfx=1050, voltage_mem=1350,
    indep_throttle_status=0x1,
)


class Tree:
    def __init__(self, name):
        self.root = OUT / name
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)

    def file(self, rel, content):
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)

    def files(self, rel_dir, mapping):
        for k, v in mapping.items():
            self.file(f"{rel_dir}/{k}", v)

    def dir(self, rel):
        (self.root / rel).mkdir(parents=True, exist_ok=True)

    def link(self, rel, target_rel):
        """A relative symlink at `rel` pointing at the tree path `target_rel`."""
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        (self.root / target_rel).mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(self.root / target_rel, p.parent), p)


def amd_card(t, pci, card, extra_drm=()):
    """A PCI device with its drm card (and render node, connectors) and class links."""
    t.link(f"{pci}/driver", "sys/bus/pci/drivers/amdgpu")
    t.link(f"{pci}/drm/{card}/device", pci)
    t.link(f"sys/class/drm/{card}", f"{pci}/drm/{card}")
    for name in extra_drm:
        if name.startswith("renderD"):
            t.link(f"{pci}/drm/{name}/device", pci)
            t.link(f"sys/class/drm/{name}", f"{pci}/drm/{name}")
        else:  # a connector, inside the card
            t.file(f"{pci}/drm/{card}/{name}/status", "connected\n")
            t.link(f"sys/class/drm/{name}", f"{pci}/drm/{card}/{name}")
    t.file("sys/class/drm/version", "drm 1.1.0 20060810\n")


def hwmon(t, device_dir, n, values):
    d = f"{device_dir}/hwmon/hwmon{n}"
    t.files(d, values)
    t.link(f"{d}/device", device_dir)
    t.link(f"sys/class/hwmon/hwmon{n}", d)


def rapl_zone(t, path_parts, values):
    d = "sys/devices/virtual/powercap/" + "/".join(path_parts)
    t.files(d, values)
    t.link(f"sys/class/powercap/{path_parts[-1]}", d)


def strix_halo():
    t = Tree("strix-halo")
    pci = "sys/devices/pci0000:00/0000:00:08.1/0000:c3:00.0"
    t.files(pci, {
        "vendor": "0x1002\n", "device": "0x1586\n", "revision": "0xd1\n",
        "gpu_busy_percent": "97\n",
        "mem_info_vram_total": "536870912\n",        # 512 MiB BIOS carve-out
        "mem_info_vram_used": "105906176\n",         # 101 MiB
        "mem_info_gtt_total": "133143986176\n",      # 124 GiB (ttm.pages_limit=32505856)
        "mem_info_gtt_used": "64424509440\n",        # 60 GiB: a model is loaded
        "pp_dpm_sclk": "0: 600Mhz \n1: 1100Mhz \n2: 2900Mhz *\n",
        "pp_dpm_mclk": "0: 400Mhz \n1: 800Mhz \n2: 1000Mhz *\n",
        # SMC firmware as amdgpu_top reported it on an 8060S (174327296).
        "fw_version/smc_fw_version": "0x0a640000\n",
        "gpu_metrics": table(V3_0, 3, 0, **STRIX_V3),
    })
    amd_card(t, pci, "card1", ["renderD128", "card1-DP-1"])
    hwmon(t, pci, 5, {
        "name": "amdgpu\n",
        "in0_label": "vddgfx\n", "in0_input": "1105\n",
        "in1_label": "vddnb\n", "in1_input": "955\n",
        "power1_label": "PPT\n",
        "power1_input": "98000000\n",      # 98.0 W (instant)
        "power1_average": "87500000\n",    # 87.5 W
        "temp1_label": "edge\n", "temp1_input": "61000\n",
        "freq1_label": "sclk\n", "freq1_input": "2845000000\n",  # 2845 MHz
    })
    hwmon(t, "sys/devices/pci0000:00/0000:00:18.3", 3, {
        "name": "k10temp\n",
        "temp1_label": "Tctl\n", "temp1_input": "72375\n",
        "temp3_label": "Tccd1\n", "temp3_input": "70250\n",
        "temp4_label": "Tccd2\n", "temp4_input": "68125\n",
    })
    hwmon(t, "sys/devices/pci0000:00/0000:00:02.4/0000:c1:00.0/nvme/nvme0", 1, {
        "name": "nvme\n", "temp1_label": "Composite\n", "temp1_input": "45850\n",
    })
    hwmon(t, "sys/devices/virtual/thermal/thermal_zone0", 0, {"name": "acpitz\n", "temp1_input": "50000\n"})
    t.link("sys/class/powercap/intel-rapl", "sys/devices/virtual/powercap/intel-rapl")
    t.files("sys/devices/virtual/powercap/intel-rapl", {"enabled": "1\n"})
    rapl_zone(t, ["intel-rapl", "intel-rapl:0"], {
        "name": "package-0\n", "energy_uj": "123456789\n", "max_energy_range_uj": "65532610987\n",
        "enabled": "1\n"})
    rapl_zone(t, ["intel-rapl", "intel-rapl:0", "intel-rapl:0:0"], {
        "name": "core\n", "energy_uj": "23456789\n", "max_energy_range_uj": "65532610987\n",
        "enabled": "1\n"})


def discrete_amd():
    t = Tree("discrete-amd")
    pci = "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0"
    t.files(pci, {
        "vendor": "0x1002\n", "device": "0x744c\n", "revision": "0xc8\n",
        "gpu_busy_percent": "88\n", "mem_busy_percent": "41\n",
        "mem_info_vram_total": "25769803776\n",     # 24 GiB
        "mem_info_vram_used": "21474836480\n",      # 20 GiB
        "mem_info_gtt_total": "34359738368\n",      # 32 GiB (half of 64 GiB RAM)
        "mem_info_gtt_used": "268435456\n",         # 256 MiB
        "pp_dpm_sclk": "0: 500Mhz \n1: 1800Mhz \n2: 2498Mhz *\n",
        "pp_dpm_mclk": "0: 96Mhz \n1: 456Mhz \n2: 772Mhz \n3: 1249Mhz *\n",
        "fw_version/smc_fw_version": "0x004e7300\n",
        "gpu_metrics": table(V1_3, 1, 3, **NAVI31_V13),
    })
    amd_card(t, pci, "card0", ["renderD128", "card0-DP-1", "card0-HDMI-A-1"])
    hwmon(t, pci, 2, {
        "name": "amdgpu\n",
        "in0_label": "vddgfx\n", "in0_input": "1050\n",
        "power1_label": "PPT\n", "power1_average": "305000000\n",  # 305 W
        "power1_cap": "339000000\n",
        "temp1_label": "edge\n", "temp1_input": "62000\n",
        "temp2_label": "junction\n", "temp2_input": "84000\n",
        "temp3_label": "mem\n", "temp3_input": "78000\n",
        "fan1_input": "1650\n",
    })
    hwmon(t, "sys/devices/platform/coretemp.0", 1, {
        "name": "coretemp\n",
        "temp1_label": "Package id 0\n", "temp1_input": "55000\n",
        "temp2_label": "Core 0\n", "temp2_input": "51000\n",
    })
    hwmon(t, "sys/devices/pci0000:00/0000:00:1d.0/0000:04:00.0/nvme/nvme0", 3, {
        "name": "nvme\n", "temp1_label": "Composite\n", "temp1_input": "41850\n"})
    hwmon(t, "sys/devices/pci0000:00/0000:00:1d.4/0000:05:00.0/nvme/nvme1", 4, {
        "name": "nvme\n", "temp1_label": "Composite\n", "temp1_input": "39850\n"})
    hwmon(t, "sys/devices/platform/nct6775.656", 5, {
        "name": "nct6798\n", "fan2_input": "1200\n",
        "power1_average": "15500000\n"})   # 15.5 W; no power1_input on this chip
    t.link("sys/class/powercap/intel-rapl", "sys/devices/virtual/powercap/intel-rapl")
    rng = "262143328850\n"
    rapl_zone(t, ["intel-rapl", "intel-rapl:0"], {
        "name": "package-0\n", "energy_uj": "987654321\n", "max_energy_range_uj": rng})
    rapl_zone(t, ["intel-rapl", "intel-rapl:0", "intel-rapl:0:0"], {
        "name": "core\n", "energy_uj": "456789012\n", "max_energy_range_uj": rng})
    rapl_zone(t, ["intel-rapl", "intel-rapl:0", "intel-rapl:0:1"], {
        "name": "uncore\n", "energy_uj": "12345678\n", "max_energy_range_uj": rng})
    rapl_zone(t, ["intel-rapl", "intel-rapl:0", "intel-rapl:0:2"], {
        "name": "dram\n", "energy_uj": "34567890\n", "max_energy_range_uj": rng})
    rapl_zone(t, ["intel-rapl", "intel-rapl:1"], {
        "name": "psys\n", "energy_uj": "1111111111\n", "max_energy_range_uj": rng})
    rapl_zone(t, ["intel-rapl-mmio", "intel-rapl-mmio:0"], {
        "name": "package-0\n", "energy_uj": "999\n", "max_energy_range_uj": rng})


def broken():
    t = Tree("broken")
    dev = "sys/class/drm/card0/device"
    t.files(dev, {
        "vendor": "0x1002\n", "device": "0x9999\n",
        "mem_info_vram_used": "banana\n",
        "mem_info_vram_total": "",
        "mem_info_gtt_used": "12abc\n",
        "pp_dpm_sclk": "0: 500Mhz\n1: 1000Mhz\n",     # no level marked current
        "pp_dpm_mclk": b"\xff\xfe\x00garbage",
        # Header says 264 bytes (3.0) but the file stops at 100: a torn read.
        "gpu_metrics": table(V3_0, 3, 0, **STRIX_V3)[:100],
    })
    t.dir(f"{dev}/gpu_busy_percent")                   # a directory where a value belongs
    t.files("sys/class/drm/card1/device", {"vendor": "0x10de\n", "device": "0x2684\n"})  # NVIDIA: skipped
    t.file("sys/class/drm/renderD128/device/vendor", "0x1002\n")   # not a card: skipped
    t.files("sys/class/hwmon/hwmon0", {
        "name": "k10temp\n",
        "temp1_label": "Tctl\n", "temp1_input": "garbage\n",
        "temp2_input": "",
    })
    t.dir("sys/class/hwmon/hwmon0/fan1_input")
    t.files("sys/class/hwmon/hwmon1", {"temp1_input": "30000\n"})   # no name file
    t.files("sys/class/powercap/intel-rapl:0", {
        "name": "package-0\n", "energy_uj": "not-a-number\n", "max_energy_range_uj": "65532610987\n"})
    t.files("sys/class/powercap/intel-rapl:0:0", {"name": "core\n", "energy_uj": "5000000\n"})


def empty():
    t = Tree("empty")
    t.file("README", "A root with no /sys/class/drm, hwmon or powercap at all.\n")


def seeds():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir(parents=True)
    v3 = table(V3_0, 3, 0, **STRIX_V3)
    v13 = table(V1_3, 1, 3, **NAVI31_V13)
    s = {
        "strix-halo-v3_0.bin": v3,
        "navi31-v1_3.bin": v13,
        "v1_1.bin": table(V1_3, 1, 1, size=96, **NAVI31_V13)[:96],
        "v1_0.bin": table(V1_0, 1, 0, temperature_edge=50, average_gfx_activity=12, average_socket_power=40,
                          average_gfxclk_frequency=800, throttle_status=4),
        "v2_0.bin": table(V2_0, 2, 0, temperature_gfx=4500, average_gfx_activity=2500, average_socket_power=15000,
                          average_gfx_power=6000, throttle_status=0),
        "v2_1.bin": table(V2_4, 2, 1, size=120, temperature_gfx=4700, average_gfx_activity=5000)[:120],
        "v2_4.bin": table(V2_4, 2, 4, temperature_gfx=4800, average_gfx_activity=10000, average_socket_power=25000,
                          average_gfx_power=9000, indep_throttle_status=(1 << 35) | (1 << 4)),
        "v3_0-truncated.bin": v3[:100],
        "v3_0-header-only.bin": table(V3_0, 3, 0, size=4)[:4],
        "v3_0-all-invalid.bin": table(V3_0, 3, 0),
        "v3_0-activity-x100.bin": table(V3_0, 3, 0, average_gfx_activity=9700),
        "v3_0-size-ffff.bin": table(V3_0, 3, 0, size=0xFFFF, **STRIX_V3),
        "unknown-v1_6.bin": table(V1_3, 1, 6),
        "unknown-v9_9.bin": bytes([8, 0, 9, 9, 1, 2, 3, 4]),
        "three-bytes.bin": bytes([4, 0, 3]),
        "empty.bin": b"",
    }
    for name, data in s.items():
        (CORPUS / name).write_bytes(data)


def keep_empty_dirs():
    """git does not store empty folders; a .gitkeep keeps one (still unreadable as a file)."""
    for dirpath, dirnames, filenames in os.walk(OUT):
        if not dirnames and not filenames:
            (Path(dirpath) / ".gitkeep").write_text("")


if __name__ == "__main__":
    strix_halo()
    discrete_amd()
    broken()
    empty()
    keep_empty_dirs()
    seeds()
    print(f"wrote {OUT} and {CORPUS}")
