// `hakari plan`: does this set of models fit in this much memory, and how fast can each
// decode at best on this hardware? Reads only the catalog and GGUF headers; no server.
//
//   hakari plan --budget-gb 96 qwen3-32b:q4_k_m qwen3-32b:q4_k_m:ctx=32k --hardware evo-x2
//
// Exit 0 when the set fits (or no budget was given), 1 when it does not, 2 for a bad spec.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "hakari/catalog/hardware.h"
#include "hakari/planner/gguf.h"
#include "hakari/planner/model_spec.h"
#include "hakari/planner/plan.h"
#include "hakari/planner/plan_format.h"

namespace hakari::cli {
namespace {

struct PlanCliOptions {
  std::vector<std::string> specs;
  double budget_gb = 0;
  double os_reserve_gb = 0;
  std::string hardware;
  std::string ctx;
  std::uint32_t parallel = 1;
  std::string kv = "f16";
  bool no_flash_attn = false;
  std::uint64_t depth = 0;
  bool json = false;
  bool list = false;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "hakari plan: %s\n", message.c_str());
  return kExitUsage;
}

}  // namespace

Command add_plan_command(CLI::App& parent) {
  auto* sub = parent.add_subcommand(
      "plan", "Check that models fit in memory and compute their decode ceilings (catalog or GGUF; no server)");
  auto o = std::make_shared<PlanCliOptions>();
  sub->add_option("models", o->specs,
                  "KEY:QUANT[:ctx=N][:parallel=N][:kv=TYPE][:fa=off] or FILE.gguf[:options]; repeat a spec for "
                  "several instances (keys: " + planner::model_keys() + "; quants: " + planner::quant_keys() + ")");
  auto* budget = sub->add_option("--budget-gb", o->budget_gb, "Memory the models may use, GB (10^9 bytes)");
  auto* reserve = sub->add_option("--os-reserve-gb", o->os_reserve_gb,
                                  "Subtracted from the budget for the OS (default: 0 with --budget-gb, 4 GiB when the "
                                  "budget is a unified-memory profile's memory)");
  sub->add_option("--hardware", o->hardware,
                  "Hardware profile for decode ceilings and, without --budget-gb, the budget (" +
                      catalog::hardware_keys() + ")");
  auto* ctx = sub->add_option("--ctx", o->ctx, "Context per slot for every spec without ctx= (default 8192; 16k ok)");
  sub->add_option("--parallel", o->parallel, "Slots per instance for every spec without parallel= (default 1)");
  sub->add_option("--kv", o->kv, "KV cache type for every spec without kv= (" + planner::kv_type_keys() + ")")
      ->capture_default_str();
  sub->add_flag("--no-flash-attn", o->no_flash_attn, "Count the attention-score buffer flash attention avoids");
  sub->add_option("--depth", o->depth, "Context tokens the decode ceiling reads from the KV cache")
      ->capture_default_str();
  sub->add_flag("--json", o->json, "JSON instead of text (schema_version 1)");
  sub->add_flag("--list", o->list, "List the built-in models and exit");

  return {sub, [o, budget, reserve, ctx] {
            if (o->list) {
              std::fputs(o->json ? planner::catalog_json().c_str() : planner::catalog_text().c_str(), stdout);
              return kExitOk;
            }
            if (o->specs.empty()) {
              return usage_error("give at least one model: KEY:QUANT (" + planner::model_keys() +
                                 ") or a .gguf path; --list shows the catalog");
            }
            planner::PlanRequest request;
            if (budget->count() > 0) {
              if (!std::isfinite(o->budget_gb) || o->budget_gb <= 0) {
                return usage_error("--budget-gb must be a positive number of GB");
              }
              request.budget_gb = o->budget_gb;
            }
            if (reserve->count() > 0) {
              if (!std::isfinite(o->os_reserve_gb) || o->os_reserve_gb < 0) {
                return usage_error("--os-reserve-gb must be >= 0");
              }
              request.os_reserve_gb = o->os_reserve_gb;
            }
            if (!o->hardware.empty()) {
              request.hardware = catalog::find_hardware(o->hardware);
              if (!request.hardware) {
                return usage_error("unknown hardware '" + o->hardware + "' (choices: " + catalog::hardware_keys() +
                                   ")");
              }
            }
            planner::InstanceConfig defaults;
            std::vector<std::pair<planner::ModelSpec, planner::ModelFacts>> models;
            try {
              if (ctx->count() > 0) defaults.ctx_per_slot = planner::parse_token_count(o->ctx, "--ctx");
              if (o->parallel < 1 || o->parallel > planner::kMaxParallel) {
                throw planner::SpecError("--parallel must be from 1 to " + std::to_string(planner::kMaxParallel));
              }
              defaults.parallel = o->parallel;
              const auto kv = planner::find_kv_type(o->kv);
              if (!kv) throw planner::SpecError("--kv '" + o->kv + "' is not one of: " + planner::kv_type_keys());
              defaults.kv_type = *kv;
              defaults.flash_attention = !o->no_flash_attn;
              if (o->depth > planner::kMaxCtxPerSlot) {
                throw planner::SpecError("--depth must be at most " + std::to_string(planner::kMaxCtxPerSlot));
              }
              request.depth = o->depth;
              for (const std::string& text : o->specs) {
                planner::ModelSpec spec = planner::parse_model_spec(text, defaults);
                planner::ModelFacts facts = planner::resolve_model(spec);
                models.emplace_back(std::move(spec), std::move(facts));
              }
            } catch (const planner::SpecError& e) {
              return usage_error(e.what());
            } catch (const planner::GgufError& e) {
              return usage_error(e.what());
            }
            if (request.budget_gb && request.os_reserve_gb && *request.os_reserve_gb >= *request.budget_gb) {
              return usage_error("--os-reserve-gb must be less than --budget-gb");
            }
            const planner::Plan plan = planner::make_plan(std::move(models), request);
            std::fputs(o->json ? planner::plan_json(plan).c_str() : planner::plan_text(plan).c_str(), stdout);
            return plan.fits.value_or(true) ? kExitOk : kExitFailed;
          }};
}

}  // namespace hakari::cli
