// `hakari inspect FILE.gguf`: what a GGUF file holds (architecture, shape, parameters,
// bytes per tensor type, KV bytes per token), read from its header only. A split model
// is read whole from any of its shards. A bad file exits 2 with the byte offset.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "hakari/planner/gguf.h"
#include "hakari/planner/gguf_model.h"
#include "hakari/planner/plan_format.h"

namespace hakari::cli {

Command add_inspect_command(CLI::App& parent) {
  auto* sub = parent.add_subcommand("inspect", "Show what a GGUF model file holds, from its header");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  sub->add_option("file", *path, "The .gguf file (any shard of a split model)")->required();
  sub->add_flag("--json", *json, "JSON instead of text (schema_version 1)");
  return {sub, [path, json] {
            try {
              const planner::GgufModelInfo info = planner::inspect_gguf(*path);
              std::fputs(*json ? planner::inspect_json(info).c_str() : planner::inspect_text(info).c_str(), stdout);
              return kExitOk;
            } catch (const planner::GgufError& e) {
              std::fprintf(stderr, "hakari inspect: %s\n", e.what());
              return kExitUsage;
            }
          }};
}

}  // namespace hakari::cli
