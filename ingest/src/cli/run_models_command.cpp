// `tributary run-models [--select NAME[+]]... [--models-dir DIR]`: builds the analytics
// models and prints one line per model; exit 1 when any failed or was skipped.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "tributary/model_runner.hpp"

namespace tributary::cli {
namespace {

struct RunModelsArgs {
  std::vector<std::string> select;
  std::string models_dir;
};

void print_model(const ModelResult& m) {
  std::cout << fmt::format("{:<28}  {:<9}  {:>9}  {:>7} ms{}{}\n", m.name, to_string(m.status),
                           m.rows ? std::to_string(*m.rows) : "-", m.duration.count(),
                           m.error.empty() ? "" : "  ", m.error);
  std::cout.flush();
}

ExitCode run(const RunModelsArgs& args, const GlobalOptions& global) {
  const auto settings = load_command_settings(global, {}, false, true);
  ModelRunOptions options;
  options.models_dir = args.models_dir;
  options.select = args.select;
  options.on_model = print_model;
  std::cout << fmt::format("{:<28}  {:<9}  {:>9}  {:>10}  {}\n", "model", "status", "rows",
                           "time", "error");
  const auto report = run_models(settings, options);
  std::cout << fmt::format("run {}: models succeeded {} / failed {} / skipped {}, time {:.1f} s\n",
                           report.run_id, report.count(ModelStatus::Succeeded),
                           report.count(ModelStatus::Failed), report.count(ModelStatus::Skipped),
                           static_cast<double>(report.duration.count()) / 1000.0);
  return report.ok() ? ExitCode::Success : ExitCode::PartialFailure;
}

}  // namespace

Command add_run_models_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<RunModelsArgs>();
  auto* app = parent.add_subcommand(
      "run-models", "Build the analytics models of analysis_sql/models.yaml (tested, then swapped in)");
  app->add_option("--select", args->select,
                  "build only model NAME; NAME+ also builds every model depending on it "
                  "(repeatable)");
  app->add_option("--models-dir", args->models_dir,
                  "folder holding models.yaml (default TRIBUTARY_MODELS_DIR, else ./analysis_sql)");
  return Command{app, [args, &global] { return run(*args, global); }};
}

}  // namespace tributary::cli
