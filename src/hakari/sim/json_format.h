// Number and time formats of the servers the simulator imitates, on top of core's
// JsonWriter (whose compact output already matches theirs).
#pragma once

#include <string>
#include <string_view>

#include "hakari/core/clock.h"
#include "hakari/core/json_writer.h"

namespace hakari::sim {

// A float field as llama.cpp (nlohmann::json) prints it: shortest round-trip digits, and
// ".0" on whole numbers, so `1.0` stays a float for strict clients.
void float_field(JsonWriter& w, std::string_view key, double v);

// A value llama.cpp keeps as a C float, widened to double as it does when printing
// (0.8 prints as 0.800000011920929).
inline double as_c_float(double v) { return static_cast<double>(static_cast<float>(v)); }

// A wall-clock instant as Go's time.RFC3339Nano in UTC ("2025-05-01T10:00:00.101Z":
// trailing zeros of the fraction dropped), the format of Ollama's created_at.
std::string rfc3339_utc(Nanos wall_ns);

}  // namespace hakari::sim
