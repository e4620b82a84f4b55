// Text and JSON renderings of plans, GGUF inspections and the catalog. Text is for
// people (units GB = 10^9 bytes); JSON carries raw bytes and a schema_version.
#pragma once

#include <string>

#include "hakari/planner/gguf_model.h"
#include "hakari/planner/plan.h"

namespace hakari::planner {

inline constexpr int kPlanSchemaVersion = 1;

std::string plan_text(const Plan& plan);
std::string plan_json(const Plan& plan);

std::string inspect_text(const GgufModelInfo& info);
std::string inspect_json(const GgufModelInfo& info);

std::string catalog_text();
std::string catalog_json();

}  // namespace hakari::planner
