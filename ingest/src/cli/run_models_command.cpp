// `tributary run-models [--select SELECTOR]... [--full-refresh] [--models-dir DIR]`: builds
// the analytics models and prints one line per model; exit 1 when any failed or was
// skipped. `--list [--json]` only lists what it would build (models_command.cpp).
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/stop_signals.hpp"
#include "cli/metrics_recorder.hpp"
#include "tributary/model_runner.hpp"

namespace tributary::cli {

/// Prints one line per model (name, status, rows, ms, error) for ModelRunOptions::on_model;
/// the header comes with the first model, so a manifest error prints only the error. Also
/// for backfill-month, once declared in commands.hpp.
std::function<void(const ModelResult&)> model_printer(const std::string& manifest) {
  auto printed_header = std::make_shared<bool>(false);
  return [=](const ModelResult& m) {
    if (!*printed_header) {
      *printed_header = true;
      std::cout << "models of " << manifest << '\n'
                << fmt::format("{:<28}  {:<9}  {:>9}  {:>10}  {:<27}  {}\n", "model", "status",
                               "rows", "time", "refresh", "error");
    }
    auto line = fmt::format("{:<28}  {:<9}  {:>9}  {:>7} ms  {:<27}  {}", m.name,
                            to_string(m.status), m.rows ? std::to_string(*m.rows) : "-",
                            m.duration.count(), m.refresh.empty() ? "-" : m.refresh, m.error);
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << '\n';
    std::cout.flush();
  };
}

/// Prints the closing line of a model run (also for backfill-month, once declared in
/// commands.hpp).
void print_model_summary(const ModelRunReport& report) {
  std::cout << fmt::format("run {}: models succeeded {} / failed {} / skipped {}, time {:.1f} s\n",
                           report.run_id, report.count(ModelStatus::Succeeded),
                           report.count(ModelStatus::Failed), report.count(ModelStatus::Skipped),
                           static_cast<double>(report.duration.count()) / 1000.0);
  if (report.interrupted) {
    std::cout << "interrupted: "
              << report.models.size() - report.count(ModelStatus::Succeeded)
              << " model(s) not built; every model table is as before or fully swapped in\n";
  }
  std::cout.flush();
}

namespace {

struct RunModelsArgs {
  std::vector<std::string> select;
  std::string models_dir;
  bool full_refresh = false;
  bool list = false;         // --list: print the plan, build nothing, no settings needed
  bool json = false;         // --json, with --list
  std::string metrics_file;  // --metrics-file; empty: the setting
};

ExitCode run(const RunModelsArgs& args, const GlobalOptions& global) {
  if (args.list) {  // needs no settings and no database
    ModelRunOptions plan_options;
    plan_options.models_dir = args.models_dir;
    plan_options.select = args.select;
    print_model_plan(plan_models(plan_options), args.json);
    return ExitCode::Success;
  }
  std::map<std::string, std::string> flags;
  if (!args.metrics_file.empty()) flags["metrics_file"] = args.metrics_file;
  const auto settings = load_command_settings(global, flags, false, true);
  start_run_metrics("run-models", settings);
  const StopSignals signals("finishing a swap in progress, rolling back the model being built");
  ModelRunOptions options;
  options.stop = signals.token();
  options.models_dir = args.models_dir;
  options.select = args.select;
  options.full_refresh = args.full_refresh;
  options.on_model = model_printer(models_manifest_path(options).string());
  const auto report = run_models(settings, options);
  print_model_summary(report);
  record_run_models(report);
  if (report.interrupted) return signals.exit_code();
  return report.ok() ? ExitCode::Success : ExitCode::PartialFailure;
}

}  // namespace

Command add_run_models_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<RunModelsArgs>();
  auto* app = parent.add_subcommand(
      "run-models",
      "Build the analytics models of analysis_sql/models.yaml (tested, then swapped in)");
  app->add_option("--select", args->select,
                  "build only the selected models: NAME, +NAME (and its ancestors), NAME+ (and "
                  "its descendants), +NAME+, N+NAME / NAME+N (N levels), @NAME; several "
                  "(repeated or space-separated) are a union");
  auto* full_refresh =
      app->add_flag("--full-refresh", args->full_refresh,
                    "build incremental models in full too, not only their changed days and weeks");
  auto* list = app->add_flag("--list", args->list,
                             "list the models it would build, in build order, and build nothing "
                             "(no database needed)");
  list->excludes(full_refresh);
  app->add_flag("--json", args->json, "with --list: print the list as JSON")->needs(list);
  app->add_option("--models-dir", args->models_dir,
                  "folder holding models.yaml (default TRIBUTARY_MODELS_DIR, else ./analysis_sql)");
  app->add_option("--metrics-file", args->metrics_file,
                  "write the run's figures to PATH in the Prometheus text format, replacing it "
                  "atomically (default TRIBUTARY_METRICS_FILE)");
  return Command{app, [args, &global] { return run(*args, global); }};
}

}  // namespace tributary::cli
