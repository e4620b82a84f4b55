// A snapshot as flat time series: one named value per signal, the form in which telemetry
// is stored (so a report can draw it under the request timeline) and summarised.
#pragma once

#include <string>
#include <vector>

#include "hakari/telemetry/snapshot.h"

namespace hakari::telemetry {

enum class SeriesKind {
  gauge,    // a level: mean and peak make sense
  counter,  // cumulative (energy): differences make sense
};

struct SeriesPoint {
  std::string name;    // "cpu.percent", "gpu.amdgpu:card1.power_w", "energy.rapl:package-0.joules"
  const char* unit;    // "percent", "bytes", "watts", "joules", "celsius", "mhz", "count", "ratio", "bool", ...
  SeriesKind kind;
  std::string labels;  // what the name does not carry: "vendor=amd;name=Radeon 8060S;power_scope=soc"
  double value;
};

// Appends one point per measured field of `s` (absent fields give no point).
void flatten(const Snapshot& s, std::vector<SeriesPoint>& out);

const char* series_kind_name(SeriesKind k);

}  // namespace hakari::telemetry
