// `tributary models [--select SELECTOR]... [--models-dir DIR] [--json]`: lists the models of
// the manifest (what `run-models` with the same selection would build, in build order)
// without settings or a database. `run-models --list` prints the same.
#include <algorithm>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
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

nlohmann::ordered_json plan_json(const ModelPlan& plan) {
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (const auto& m : plan.models) {
    nlohmann::ordered_json incremental = nullptr;
    if (!m.incremental_grain.empty()) {
      incremental = {{"column", m.incremental_column}, {"grain", m.incremental_grain}};
    }
    models.push_back({{"name", m.name},
                      {"relation", m.relation},
                      {"materialized", m.materialized},
                      {"incremental", incremental},
                      {"depends_on", m.depends_on},
                      {"description", m.description},
                      {"columns", m.columns},
                      {"tests", m.tests}});
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
};

}  // namespace

void print_model_plan(const ModelPlan& plan, bool json) {
  if (json) {
    std::cout << plan_json(plan).dump(2) << '\n';
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
                       const std::string& description) {
    auto line = fmt::format("{:<{}}  {:<{}}  {:<{}}  {}", name, name_width, kind, kind_width, deps,
                            deps_width, description);
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << '\n';
  };
  row("model", "materialized", "depends on", "description");
  for (const auto& m : plan.models) {
    row(m.name, listed_materialization(m), listed_dependencies(m),
        listed_description(m.description));
  }
  std::cout.flush();
}

Command add_models_command(CLI::App& parent) {
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
  app->add_flag("--json", args->json, "print the list as JSON");
  return Command{app, [args] {
                   ModelRunOptions options;
                   options.models_dir = args->models_dir;
                   options.select = args->select;
                   print_model_plan(plan_models(options), args->json);
                   return ExitCode::Success;
                 }};
}

}  // namespace tributary::cli
