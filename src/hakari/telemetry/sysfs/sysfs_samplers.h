// The Linux sysfs telemetry samplers: AMD GPUs (amdgpu), hwmon sensors and powercap RAPL.
// What each reads, in which unit, and which quirks it handles: docs/telemetry-sysfs.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hakari/telemetry/sampler.h"

namespace hakari::telemetry {

// Samplers for everything under `root` ("/" normally, a fixture folder in tests):
// amdgpu cards (/sys/class/drm/card*/device with vendor 0x1002), hwmon sensors that are
// not part of a GPU (k10temp Tctl/Tccd, coretemp, nvme, ...), powercap RAPL zones.
// Always returns all three samplers ("amdgpu", "hwmon", "rapl"); one that finds nothing
// says so once via its notes. Each discovers its files when constructed (and again only
// when one disappears); sample() then reads just the value files.
std::vector<std::unique_ptr<Sampler>> make_sysfs_samplers(const std::string& root);

}  // namespace hakari::telemetry
