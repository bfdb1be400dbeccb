// `migrate`, `request-day`, `backfill-month`: the commands that write the warehouse.
#include <iostream>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/migrations.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::cli {
namespace {

struct LoadArgs {
  std::string when;  // DATE or YYYY-MM
  bool force = false;
  bool mirror = false;
  bool missing_only = false;
  bool no_models = false;
  int parallel = 0;
};

void add_load_flags(CLI::App* app, LoadArgs& args) {
  app->add_flag("--force", args.force, "load even when the payload is unchanged, rewriting its rows");
  app->add_flag("--mirror", args.mirror,
                "make the day identical to the API: delete its rows that the API no longer returns");
}

// A run stopped early (exit 3 or 4) still reports the days it finished; main prints why.
void report_stopped_run(const RunResult& so_far, const std::string&) {
  std::cout << "run stopped early:\n";
  print_run_report(so_far);
}

ExitCode finish(const RunResult& run) {
  print_run_report(run);
  return run.ok() ? ExitCode::Success : ExitCode::PartialFailure;
}

}  // namespace

Command add_migrate_command(CLI::App& parent, const GlobalOptions& global) {
  auto* app = parent.add_subcommand("migrate", "Apply the database migrations (safe to repeat)");
  return Command{app, [&global] {
                   const auto settings = load_command_settings(global, {}, false, true);
                   const auto report = migrate(settings.database);
                   for (const auto& name : report.applied) std::cout << "applied " << name << '\n';
                   std::cout << report.applied.size() << " applied, " << report.present.size()
                             << " already present\n";
                   return ExitCode::Success;
                 }};
}

Command add_request_day_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<LoadArgs>();
  auto* app = parent.add_subcommand("request-day", "Fetch one day and load it in one transaction");
  app->add_option("DATE", args->when, "the day: YYYY-MM-DD, today, yesterday or today-N (UTC)")->required();
  add_load_flags(app, *args);
  return Command{app, [args, &global] {
                   const auto day = parse_date_argument(args->when, "DATE", today());
                   const auto settings = load_command_settings(global, {}, true, true);
                   RunOptions options;
                   options.load = {args->force, args->mirror};
                   options.on_day = make_progress(1);
                   options.on_stopped = report_stopped_run;
                   return finish(request_day(settings, day, options));
                 }};
}

Command add_backfill_month_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<LoadArgs>();
  auto* app = parent.add_subcommand(
      "backfill-month", "Load every day of a month, several in flight, then build the models");
  app->add_option("MONTH", args->when, "the month: YYYY-MM, this-month or last-month (UTC)")->required();
  app->add_option("--parallel", args->parallel, "days in flight (default TRIBUTARY_PARALLEL or 4)")
      ->check(CLI::Range(1, 64));
  app->add_flag("--missing-only", args->missing_only, "skip days already loaded or empty");
  app->add_flag("--no-models", args->no_models, "do not run the models after loading");
  add_load_flags(app, *args);
  return Command{app, [args, &global] {
                   const auto month = parse_month_argument(args->when, "MONTH", today());
                   std::map<std::string, std::string> flags;
                   if (args->parallel > 0) flags["parallel"] = std::to_string(args->parallel);
                   const auto settings = load_command_settings(global, flags, true, true);
                   const auto days = days_of(month);
                   RunOptions options;
                   options.load = {args->force, args->mirror};
                   options.missing_only = args->missing_only;
                   options.on_day = make_progress(days.size());
                   options.on_stopped = report_stopped_run;
                   const auto run = backfill_month(settings, month, options);
                   auto code = finish(run);
                   if (!args->no_models) {
                     // Loaded days stay committed whatever the models do.
                     ModelRunOptions models;
                     models.on_model = model_printer(models_manifest_path(models).string());
                     const auto report = run_models_after_load(settings, run.run_id, models);
                     print_model_summary(report);
                     if (!report.ok()) code = ExitCode::PartialFailure;
                   }
                   return code;
                 }};
}

}  // namespace tributary::cli
