// A snapshot as JSON, for `hakari telemetry --once --json` and scripts.
#pragma once

#include <string>
#include <vector>

#include "hakari/catalog/hardware.h"
#include "hakari/telemetry/snapshot.h"

namespace hakari::telemetry {

// {"t_ns":..,"cpu":{"percent":..,"per_core_percent":[..]},"memory":{..},"gpus":[{"vendor":..,
//  "name":..,"busy_percent":..,"memory_used_bytes":..,"memory_total_bytes":..,"power_w":..,
//  "temperature_c":..,..}],"energy":[..],"sensors":[..],"server_process":..,"server":..,
//  "hardware":{..}|null,"notes":[..]}. Unmeasured values are null.
std::string snapshot_to_json(const Snapshot& s, const catalog::HardwareProfile* hardware,
                             const std::vector<std::string>& notes, int indent = 2);

}  // namespace hakari::telemetry
