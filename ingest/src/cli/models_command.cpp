// `tributary models [--select SELECTOR]... [--models-dir DIR] [--status] [--json]`: lists the
// models of the manifest (what `run-models` with the same selection would build, in build
// order) without settings or a database; `--status` adds each model's last build from
// analytics.model_status. `run-models --list` prints the same list.
#include <algorithm>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "tributary/model_runner.hpp"

namespace tributary::cli {
namespace {

constexpr std::size_t kListedDescriptionWidth = 72;

// `table`, `view`, or `incremental (day)` / `incremental (week)`.
std::string listed_materialization(const ModelInfo& m) {
  if (m.incremental_grain.empty()) return m.materialized;
  return "incremental (" + m.incremental_grain + ")";
}

// The description's first line, cut at a word before kListedDescriptionWidth characters.
std::string listed_description(const std::string& description) {
  std::string line = description.substr(0, description.find('\n'));
  if (line.size() <= kListedDescriptionWidth) return line;
  auto cut = line.rfind(' ', kListedDescriptionWidth - 3);
  if (cut == std::string::npos || cut == 0) cut = kListedDescriptionWidth - 3;
  line.erase(cut);
  line.erase(line.find_last_not_of(" ,;:") + 1);
  return line + "...";
}

std::string listed_dependencies(const ModelInfo& m) {
  if (m.depends_on.empty()) return "-";
  std::string out;
  for (const auto& d : m.depends_on) out += (out.empty() ? "" : ", ") + d;
  return out;
}

// The entry of `statuses` for `model`; nullptr when never built or not asked for.
const ModelBuildStatus* listed_build(const std::vector<ModelBuildStatus>* statuses,
                                     const std::string& model) {
  if (statuses == nullptr) return nullptr;
  for (const auto& s : *statuses) {
    if (s.model == model) return &s;
  }
  return nullptr;
}

std::string listed_built_at(const ModelBuildStatus* build) {
  if (build == nullptr || !build->last_built_at) return "-";
  return format_time(*build->last_built_at);
}

nlohmann::ordered_json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

nlohmann::ordered_json build_json(const ModelBuildStatus* build) {
  if (build == nullptr) return nullptr;
  return {{"status", build->status},
          {"last_built_at", build->last_built_at ? text_or_null(listed_built_at(build))
                                                 : nlohmann::ordered_json(nullptr)},
          {"rows",
           build->rows ? nlohmann::ordered_json(*build->rows) : nlohmann::ordered_json(nullptr)},
          {"refresh", text_or_null(build->refresh)},
          {"last_error", text_or_null(build->last_error)}};
}

nlohmann::ordered_json plan_json(const ModelPlan& plan,
                                 const std::vector<ModelBuildStatus>* statuses) {
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (const auto& m : plan.models) {
    nlohmann::ordered_json incremental = nullptr;
    if (!m.incremental_grain.empty()) {
      incremental = {{"column", m.incremental_column}, {"grain", m.incremental_grain}};
    }
    nlohmann::ordered_json model = {{"name", m.name},
                                    {"relation", m.relation},
                                    {"materialized", m.materialized},
                                    {"incremental", incremental},
                                    {"depends_on", m.depends_on},
                                    {"description", m.description},
                                    {"columns", m.columns},
                                    {"tests", m.tests}};
    if (statuses != nullptr) model["last_build"] = build_json(listed_build(statuses, m.name));
    models.push_back(std::move(model));
  }
  return {{"manifest", plan.manifest.string()},
          {"schema", plan.schema},
          {"total", plan.total},
          {"models", models}};
}

struct ModelsArgs {
  std::vector<std::string> select;
  std::string models_dir;
  bool json = false;
  bool status = false;  // --status: add the last builds (needs the database)
};

}  // namespace

void print_model_plan(const ModelPlan& plan, bool json,
                      const std::vector<ModelBuildStatus>* statuses) {
  if (json) {
    std::cout << plan_json(plan, statuses).dump(2) << '\n';
    std::cout.flush();
    return;
  }
  std::size_t name_width = 5;
  std::size_t kind_width = 12;
  std::size_t deps_width = 10;
  for (const auto& m : plan.models) {
    name_width = std::max(name_width, m.name.size());
    kind_width = std::max(kind_width, listed_materialization(m).size());
    deps_width = std::max(deps_width, listed_dependencies(m).size());
  }
  const auto count = plan.models.size() == plan.total
                         ? fmt::format("{} models", plan.total)
                         : fmt::format("{} of {} models", plan.models.size(), plan.total);
  std::cout << fmt::format("{} of {} (schema {}), in build order\n", count, plan.manifest.string(),
                           plan.schema);
  const auto row = [&](const std::string& name, const std::string& kind, const std::string& deps,
                       const std::string& status, const std::string& built_at,
                       const std::string& description) {
    auto line = fmt::format("{:<{}}  {:<{}}  {:<{}}  ", name, name_width, kind, kind_width, deps,
                            deps_width);
    if (statuses != nullptr) line += fmt::format("{:<11}  {:<20}  ", status, built_at);
    line += description;
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << '\n';
  };
  row("model", "materialized", "depends on", "last status", "last built (UTC)", "description");
  for (const auto& m : plan.models) {
    const auto* build = listed_build(statuses, m.name);
    row(m.name, listed_materialization(m), listed_dependencies(m),
        build != nullptr ? build->status : "never built", listed_built_at(build),
        listed_description(m.description));
  }
  std::cout.flush();
}

Command add_models_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<ModelsArgs>();
  auto* app = parent.add_subcommand(
      "models",
      "List the models of analysis_sql/models.yaml in build order: materialization, "
      "dependencies, description (no database needed)");
  app->add_option("--select", args->select,
                  "list only what run-models --select would build: NAME, +NAME, NAME+, +NAME+, "
                  "N+NAME, NAME+N, @NAME; several (repeated or space-separated) are a union");
  app->add_option("--models-dir", args->models_dir,
                  "folder holding models.yaml (default TRIBUTARY_MODELS_DIR, else ./analysis_sql)");
  app->add_flag("--status", args->status,
                "add each model's last build (analytics.model_status; needs the database)");
  app->add_flag("--json", args->json, "print the list as JSON");
  return Command{app, [args, &global] {
                   ModelRunOptions options;
                   options.models_dir = args->models_dir;
                   options.select = args->select;
                   const auto plan = plan_models(options);
                   if (!args->status) {
                     print_model_plan(plan, args->json);
                     return ExitCode::Success;
                   }
                   const auto settings = load_command_settings(global, {}, false, true);
                   const auto statuses = model_build_statuses(settings.database);
                   print_model_plan(plan, args->json, &statuses);
                   return ExitCode::Success;
                 }};
}

}  // namespace tributary::cli
