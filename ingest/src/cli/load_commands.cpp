// `migrate`, `request-day`, `backfill-month`, `backfill`, `sync`: the commands that write the
// warehouse.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/stop_signals.hpp"
#include "cli/metrics_recorder.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/logging.hpp"
#include "tributary/migrations.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::cli {
namespace {

struct LoadArgs {
  std::string when;  // DATE or MONTH
  std::string from;  // backfill --from, sync --since
  std::string to;    // backfill --to, sync --until
  int lookback = -1; // sync --lookback; -1: the setting
  bool force = false;
  bool mirror = false;
  bool missing_only = false;
  bool no_models = false;
  int parallel = 0;
  std::string metrics_file;  // --metrics-file; empty: the setting
};

void add_load_flags(CLI::App* app, LoadArgs& args) {
  app->add_flag("--force", args.force, "load even when the payload is unchanged, rewriting its rows");
  app->add_flag("--mirror", args.mirror,
                "make the day identical to the API: delete its rows that the API no longer returns");
  app->add_option("--metrics-file", args.metrics_file,
                  "write the run's figures to PATH in the Prometheus text format, replacing it "
                  "atomically (default TRIBUTARY_METRICS_FILE)");
}

// The options of a run over several days: backfill-month, backfill, sync.
void add_run_flags(CLI::App* app, LoadArgs& args, bool missing_only) {
  app->add_option("--parallel", args.parallel, "days in flight (default TRIBUTARY_PARALLEL or 4)")
      ->check(CLI::Range(1, 64));
  if (missing_only) {
    app->add_flag("--missing-only", args.missing_only,
                  "skip days already loaded, and empty days before the lookback window");
  }
  app->add_flag("--no-models", args.no_models, "do not run the models after loading");
  add_load_flags(app, args);
}

// A run stopped early (exit 3 or 4) still reports the days it finished; main prints why.
void report_stopped_run(const RunResult& so_far, const std::string&) {
  end_progress_line();
  std::cout << "run stopped early:\n";
  print_run_report(so_far);
  record_run_days(so_far);
}

// What the first SIGINT/SIGTERM does to a load.
constexpr const char* kLoadStopping = "finishing the days being committed, rolling back the rest";

ExitCode finish(const RunResult& run, const StopSignals& signals) {
  end_progress_line();
  print_run_report(run);
  record_run_days(run);
  if (run.interrupted) return signals.exit_code();
  return run.ok() ? ExitCode::Success : ExitCode::PartialFailure;
}

RunOptions run_options(const LoadArgs& args, const StopSignals& signals) {
  RunOptions options;
  options.stop = signals.token();
  options.load = {args.force, args.mirror};
  options.missing_only = args.missing_only;
  options.on_day = make_progress();
  options.on_stopped = report_stopped_run;
  return options;
}

// The settings of a load command, its metrics file started (so written however it ends).
Settings run_settings(const GlobalOptions& global, const LoadArgs& args, const std::string& command) {
  std::map<std::string, std::string> flags;
  if (args.parallel > 0) flags["parallel"] = std::to_string(args.parallel);
  if (!args.metrics_file.empty()) flags["metrics_file"] = args.metrics_file;
  auto settings = load_command_settings(global, flags, true, true);
  start_run_metrics(command, settings);
  return settings;
}

// After a run of several days: its report, then the models (incrementally) unless
// --no-models. Loaded days stay committed whatever the models do.
// A stop during the load skips the models; one during the models stops them too.
template <typename Load>
ExitCode load_then_models(const Settings& settings, const LoadArgs& args,
                          const StopSignals& signals, Load load) {
  const RunResult run = load();
  const LogContext run_field{{"run_id", run.run_id}};  // the model runner's lines too
  auto code = finish(run, signals);
  if (!args.no_models && !run.interrupted) {
    ModelRunOptions models;
    models.on_model = model_printer(models_manifest_path(models).string());
    models.stop = signals.token();
    const auto report = run_models_after_load(settings, run.run_id, models);
    print_model_summary(report);
    record_run_models(report);
    if (report.interrupted) {
      code = signals.exit_code();
    } else if (!report.ok()) {
      code = ExitCode::PartialFailure;
    }
  }
  return code;
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
  app->add_option("DATE", args->when, "the day: YYYY-MM-DD, today, yesterday or today-N (UTC)")
      ->required();
  add_load_flags(app, *args);
  return Command{app, [args, &global] {
                   const auto day = parse_date_argument(args->when, "DATE", today());
                   const auto settings = run_settings(global, *args, "request-day");
                   const StopSignals signals(kLoadStopping);
                   return finish(request_day(settings, day, run_options(*args, signals)),
                                 signals);
                 }};
}

Command add_backfill_month_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<LoadArgs>();
  auto* app = parent.add_subcommand(
      "backfill-month", "Load every day of a month, several in flight, then build the models");
  app->add_option("MONTH", args->when, "the month: YYYY-MM, this-month or last-month (UTC)")
      ->required();
  add_run_flags(app, *args, true);
  return Command{app, [args, &global] {
                   const auto month = parse_month_argument(args->when, "MONTH", today());
                   const auto settings = run_settings(global, *args, "backfill-month");
                   const StopSignals signals(kLoadStopping);
                   return load_then_models(settings, *args, signals, [&] {
                     return backfill_month(settings, month, run_options(*args, signals));
                   });
                 }};
}

Command add_backfill_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<LoadArgs>();
  auto* app = parent.add_subcommand(
      "backfill", "Load every day from --from through --to (any span), then build the models");
  app->add_option("--from", args->from, "the first day: YYYY-MM-DD, today, yesterday or today-N")
      ->required();
  app->add_option("--to", args->to, "the last day, as --from")->required();
  add_run_flags(app, *args, true);
  return Command{app, [args, &global] {
                   const auto day = today();
                   const auto first = parse_date_argument(args->from, "--from", day);
                   const auto last = parse_date_argument(args->to, "--to", day);
                   const auto settings = run_settings(global, *args, "backfill");
                   const StopSignals signals(kLoadStopping);
                   return load_then_models(settings, *args, signals, [&] {
                     return backfill_range(settings, first, last, run_options(*args, signals));
                   });
                 }};
}

Command add_sync_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<LoadArgs>();
  auto* app = parent.add_subcommand(
      "sync",
      "The daily command: load every day not loaded yet, failed or incomplete up to the last "
      "complete day, re-check the last few days for late events, then build the models");
  app->add_option("--since", args->from,
                  "the first day (default TRIBUTARY_START_DATE, else the earliest day requested "
                  "so far): YYYY-MM-DD, today, yesterday or today-N");
  app->add_option("--until", args->to, "the last day (default: the last complete day)");
  app->add_option("--lookback", args->lookback,
                  "re-request the last N complete days whatever their status (default "
                  "TRIBUTARY_LOOKBACK_DAYS or 3)")
      ->check(CLI::Range(0, 366));
  add_run_flags(app, *args, false);
  return Command{app, [args, &global] {
                   const auto day = today();
                   SyncOptions options;
                   if (!args->from.empty()) options.since = parse_date_argument(args->from, "--since", day);
                   if (!args->to.empty()) options.until = parse_date_argument(args->to, "--until", day);
                   if (args->lookback >= 0) options.lookback_days = args->lookback;
                   const auto settings = run_settings(global, *args, "sync");
                   const StopSignals signals(kLoadStopping);
                   options.run = run_options(*args, signals);
                   return load_then_models(settings, *args, signals,
                                           [&] { return sync(settings, options); });
                 }};
}

}  // namespace tributary::cli
